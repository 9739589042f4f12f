//! The per-module check cache (packages.md §4): `target/cache/MODULE.wcache`, one file per
//! module, holding the module's checked IR, its interface and what the result depends on.
//!
//! Invariants:
//! - An entry is used only if its format, compiler identity, module name and source hash match
//!   and every module it depends on (its transitive imports) still has the interface hash the
//!   entry recorded; otherwise the module is checked again and the entry rewritten.
//! - A corrupt, truncated or foreign file is treated as missing (with the reason kept for
//!   `weir build -v`), never trusted and never a crash: bincode reads are bounded by the file
//!   size and the decoded entry must name the module it is stored for.
//! - Entries are written atomically (`fsutil::atomic_write`), so a reader sees a whole old entry
//!   or a whole new one; only entries of modules without errors are written.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use weir_compiler::module::{CheckedModule, Interface};

use crate::fsutil::{self, Hasher};

/// Bumped whenever the entry layout changes.
const FORMAT: u32 = 2;

/// What the cached result of checking one module depends on, and the result.
#[derive(Serialize, Deserialize)]
pub struct Entry {
    pub format: u32,
    pub compiler: String,
    pub module: String,
    /// SHA-256 of the module's source text.
    pub source_hash: String,
    /// The modules it imports directly (sorted).
    pub imports: Vec<String>,
    /// Every module it depends on (transitive imports) with the interface hash it was checked
    /// against, sorted by name.
    pub deps: Vec<(String, String)>,
    /// SHA-256 of the interface's hash bytes.
    pub iface_hash: String,
    pub interface: Interface,
    pub checked: CheckedModule,
}

/// Why an entry could not be used (for `weir build -v`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Miss {
    NoEntry,
    Unreadable,
    CompilerChanged,
    SourceChanged,
    /// The interface of this dependency changed (or it is new or gone).
    InterfaceChanged(String),
}

impl std::fmt::Display for Miss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Miss::NoEntry => write!(f, "no cache entry"),
            Miss::Unreadable => write!(f, "cache entry unreadable"),
            Miss::CompilerChanged => write!(f, "compiler changed"),
            Miss::SourceChanged => write!(f, "source changed"),
            Miss::InterfaceChanged(m) => write!(f, "interface of {m} changed"),
        }
    }
}

/// The cache folder of a build (`target/cache`).
pub struct Cache {
    dir: PathBuf,
    compiler: String,
}

impl Cache {
    pub fn new(target: &Path) -> Cache {
        Cache {
            dir: target.join("cache"),
            compiler: compiler_id(),
        }
    }

    fn path(&self, module: &str) -> PathBuf {
        self.dir.join(format!("{module}.wcache"))
    }

    /// The stored entry of `module` if it was made by this compiler from this source; `Err`
    /// says why not.
    pub fn load(&self, module: &str, source_hash: &str) -> Result<Entry, Miss> {
        let bytes = match std::fs::read(self.path(module)) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Miss::NoEntry),
            Err(_) => return Err(Miss::Unreadable),
        };
        let entry: Entry = bincode::DefaultOptions::new()
            .with_limit(bytes.len() as u64)
            .with_varint_encoding()
            .reject_trailing_bytes()
            .deserialize(&bytes)
            .map_err(|_| Miss::Unreadable)?;
        if entry.format != FORMAT || entry.module != module || entry.checked.name != module {
            return Err(Miss::Unreadable);
        }
        if entry.compiler != self.compiler {
            return Err(Miss::CompilerChanged);
        }
        if entry.source_hash != source_hash {
            return Err(Miss::SourceChanged);
        }
        Ok(entry)
    }

    /// Writes an entry (errors are ignored: the cache is an optimisation, and the next build
    /// checks the module again).
    #[allow(clippy::too_many_arguments)]
    pub fn store(
        &self,
        module: &str,
        source_hash: &str,
        imports: Vec<String>,
        deps: Vec<(String, String)>,
        iface_hash: &str,
        interface: &Interface,
        checked: &CheckedModule,
    ) {
        #[derive(Serialize)]
        struct EntryRef<'a> {
            format: u32,
            compiler: &'a str,
            module: &'a str,
            source_hash: &'a str,
            imports: Vec<String>,
            deps: Vec<(String, String)>,
            iface_hash: &'a str,
            interface: &'a Interface,
            checked: &'a CheckedModule,
        }
        let entry = EntryRef {
            format: FORMAT,
            compiler: &self.compiler,
            module,
            source_hash,
            imports,
            deps,
            iface_hash,
            interface,
            checked,
        };
        if let Ok(bytes) = bincode::DefaultOptions::new()
            .with_varint_encoding()
            .serialize(&entry)
        {
            let _ = fsutil::atomic_write(&self.path(module), &bytes);
        }
    }
}

use bincode::Options as _;

/// The identity of this compiler: its version and the size and modification time of the
/// running executable, so that a rebuilt `weir` never trusts entries (typed IR) of another.
pub fn compiler_id() -> String {
    let mut h = Hasher::new();
    h.update_str(weir_compiler::VERSION);
    if let Ok(exe) = std::env::current_exe() {
        if let Ok(stamp) = fsutil::FileStamp::of(&exe) {
            h.update_u64(stamp.size);
            h.update_str(&stamp.mtime_ns.to_string());
        }
    }
    h.finish_hex()
}

/// The hash an entry records for an interface.
pub fn interface_hash(iface: &Interface) -> String {
    fsutil::sha256_hex(&iface.hash_bytes())
}
