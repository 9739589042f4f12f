//! Packing a package into its registry archive (packages.md §6, §7 `weir publish`).
//!
//! What goes in ([`package_files`]), as paths relative to the package root:
//!
//! | files | why |
//! |---|---|
//! | `weir.pkg` | the manifest, exactly as written |
//! | the package's modules ([`modules::package_modules`], `main` included) | the code |
//! | every file under `tests/` | test modules and the data they read, for `weir test` on the unpacked package |
//! | native `sources` and every file under the native `include` folders | the C side |
//! | `README*`, `LICENSE*`, `COPYING*`, `CHANGELOG*` at the root | what registries show |
//!
//! Never packed: `target/` at the root, `weir.lock`, and any hidden file or folder (`.git`,
//! `.lock`, editor files), wherever it is. A file that leads outside the package through a
//! symbolic link is an error; a link that stays inside is packed as the file it points to.
//!
//! Invariants of [`pack`] (the contract with the unpacker in `registry.rs`):
//! - a gzip-compressed tar whose every entry lies under the top folder `NAME-VERSION/`;
//! - only regular files and directories, never links or devices;
//! - deterministic: the same files give byte-identical archives (entries sorted by path, each
//!   folder before its contents; mtime 0, mode 0644 for files and 0755 for folders, uid/gid 0,
//!   no user or group names; gzip header without a name and with mtime 0).

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use crate::manifest::{Manifest, MANIFEST_NAME};
use crate::modules;
use crate::PkgError;

/// Never packed: a library's lock is not used by its dependents.
const LOCK_FILE: &str = "weir.lock";

/// Root files packed besides the code, by prefix (`README.md`, `LICENSE-MIT`, ...).
const ROOT_DOC_PREFIXES: &[&str] = &["README", "LICENSE", "COPYING", "CHANGELOG"];

/// The files of the package's archive, relative to its root, sorted (see the module docs).
pub fn package_files(m: &Manifest) -> Result<Vec<PathBuf>, PkgError> {
    let root_canon = m.root.canonicalize().map_err(|e| {
        PkgError::in_file(
            &m.path,
            format!("cannot read the package folder `{}`: {e}", m.root.display()),
        )
    })?;
    let mut files: BTreeSet<PathBuf> = BTreeSet::new();
    files.insert(PathBuf::from(MANIFEST_NAME));
    for module in modules::package_modules(m)? {
        files.insert(module.rel);
    }
    // `test_modules` validates the test file names; the walk below adds data files.
    for module in modules::test_modules(m)? {
        files.insert(module.rel);
    }
    files.extend(walk_files(m, Path::new("tests"))?);
    if let Some(native) = &m.native {
        for src in &native.sources {
            if !m.root.join(src).is_file() {
                return Err(at_field(
                    m,
                    &["native", "sources"],
                    format!("native source `{}` does not exist", src.display()),
                ));
            }
            files.insert(src.clone());
        }
        for inc in &native.include {
            if !m.root.join(inc).is_dir() {
                return Err(at_field(
                    m,
                    &["native", "include"],
                    format!("include folder `{}` does not exist", inc.display()),
                ));
            }
            files.extend(walk_files(m, inc)?);
        }
    }
    files.extend(root_docs(m)?);
    let mut out = Vec::with_capacity(files.len());
    for rel in files {
        let rel = normalise(&rel);
        if excluded(&rel) {
            continue;
        }
        check_inside(m, &root_canon, &rel)?;
        out.push(rel);
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Packs the package into a deterministic `.weirpkg` archive (a gzip tarball, see the module
/// docs) with every entry under `NAME-VERSION/`.
pub fn pack(m: &Manifest) -> Result<Vec<u8>, PkgError> {
    let files = package_files(m)?;
    let top = PathBuf::from(format!("{}-{}", m.name, m.version));
    let mut entries: BTreeSet<PathBuf> = BTreeSet::new();
    for rel in &files {
        let mut dir = rel.parent();
        while let Some(d) = dir.filter(|d| !d.as_os_str().is_empty()) {
            entries.insert(d.to_path_buf());
            dir = d.parent();
        }
    }
    let mut all: Vec<(PathBuf, bool)> = entries.into_iter().map(|d| (d, true)).collect();
    all.extend(files.iter().map(|f| (f.clone(), false)));
    all.sort();

    let gz = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    tar.mode(tar::HeaderMode::Deterministic);
    let err =
        |e: std::io::Error| PkgError::in_file(&m.path, format!("cannot pack the package: {e}"));
    append_dir(&mut tar, &top).map_err(err)?;
    for (rel, is_dir) in all {
        let path = top.join(&rel);
        if is_dir {
            append_dir(&mut tar, &path).map_err(err)?;
            continue;
        }
        let full = m.root.join(&rel);
        let bytes = std::fs::read(&full).map_err(|e| {
            PkgError::in_file(&m.path, format!("cannot read `{}`: {e}", rel.display()))
        })?;
        let mut header = header(tar::EntryType::Regular, 0o644, bytes.len() as u64);
        tar.append_data(&mut header, &path, bytes.as_slice())
            .map_err(err)?;
    }
    let gz = tar.into_inner().map_err(err)?;
    gz.finish().map_err(err)
}

fn header(kind: tar::EntryType, mode: u32, size: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_mode(mode);
    h.set_size(size);
    h.set_mtime(0);
    h.set_uid(0);
    h.set_gid(0);
    h
}

fn append_dir<W: Write>(tar: &mut tar::Builder<W>, path: &Path) -> std::io::Result<()> {
    let mut h = header(tar::EntryType::Directory, 0o755, 0);
    tar.append_data(&mut h, path, std::io::empty())
}

/// Every regular file below `dir` (relative to the package root), skipping hidden entries and
/// following links (checked later by `check_inside`); nothing when `dir` does not exist.
fn walk_files(m: &Manifest, dir: &Path) -> Result<Vec<PathBuf>, PkgError> {
    let full = m.root.join(dir);
    if !full.is_dir() {
        return Ok(Vec::new());
    }
    // `include "."` walks the whole package: do not descend into the build folder.
    let build_dir = m.root.join("target");
    let walker = walkdir::WalkDir::new(&full)
        .sort_by_file_name()
        .follow_links(true)
        .min_depth(1)
        .into_iter()
        .filter_entry(|e| !is_hidden(e.file_name()) && e.path() != build_dir);
    let mut out = Vec::new();
    for entry in walker {
        let entry = entry.map_err(|e| {
            let p = e.path().unwrap_or(&full).display().to_string();
            PkgError::in_file(&m.path, format!("cannot list `{p}` for packing: {e}"))
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(&m.root)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| entry.path().to_path_buf());
        out.push(rel);
    }
    Ok(out)
}

/// `README*`, `LICENSE*`, ... files directly in the package root.
fn root_docs(m: &Manifest) -> Result<Vec<PathBuf>, PkgError> {
    let read = std::fs::read_dir(&m.root)
        .map_err(|e| PkgError::in_file(&m.path, format!("cannot list the package folder: {e}")))?;
    let mut out = Vec::new();
    for entry in read {
        let entry = entry.map_err(|e| {
            PkgError::in_file(&m.path, format!("cannot list the package folder: {e}"))
        })?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if ROOT_DOC_PREFIXES.iter().any(|p| name.starts_with(p)) && entry.path().is_file() {
            out.push(PathBuf::from(name));
        }
    }
    Ok(out)
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_str().is_some_and(|n| n.starts_with('.'))
}

/// `target/...` at the root, `weir.lock` and hidden entries are never packed.
fn excluded(rel: &Path) -> bool {
    let mut comps = rel.components();
    let first = comps.next().map(|c| c.as_os_str());
    first == Some("target".as_ref())
        || rel == Path::new(LOCK_FILE)
        || rel.components().any(|c| is_hidden(c.as_os_str()))
}

/// Drops `.` components (manifest paths are already normalised; include `.` walks give
/// `./x`).
fn normalise(rel: &Path) -> PathBuf {
    rel.components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}

fn check_inside(m: &Manifest, root_canon: &Path, rel: &Path) -> Result<(), PkgError> {
    let full = m.root.join(rel);
    let canon = full
        .canonicalize()
        .map_err(|e| PkgError::in_file(&m.path, format!("cannot read `{}`: {e}", rel.display())))?;
    if !canon.starts_with(root_canon) {
        return Err(PkgError::in_file(
            &m.path,
            format!(
                "cannot pack `{}`: it leads outside the package through a symbolic link (to `{}`)",
                rel.display(),
                canon.display()
            ),
        ));
    }
    if !canon.is_file() {
        return Err(PkgError::in_file(
            &m.path,
            format!("cannot pack `{}`: it is not a regular file", rel.display()),
        ));
    }
    Ok(())
}

fn at_field(m: &Manifest, route: &[&str], msg: String) -> PkgError {
    let e = PkgError::in_file(&m.path, msg);
    match crate::manifest::locate(&m.path, route) {
        Some((line, col)) => e.at(line, col),
        None => e,
    }
}
