//! Registry access (`../shared/spec/packages.md` §6): where the registry is (a folder, a
//! `file://` URL or an `http(s)://` URL), reading its index, downloading, verifying and unpacking
//! archives into `$WEIR_HOME/registry/`, and publishing to / yanking in folder registries.

use std::path::{Path, PathBuf};

use semver::Version;

use crate::index::{DirIndex, Index, IndexEntry};
use crate::PkgError;

/// Where a registry lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A folder (from a path or a `file://` URL), absolute.
    Dir(PathBuf),
    /// An `http://` or `https://` URL, without a trailing `/`.
    Http(String),
}

impl Location {
    /// A folder path (relative to the current folder), a `file://` URL or an `http(s)://` URL.
    pub fn parse(s: &str) -> Result<Location, PkgError> {
        if let Some(rest) = s.strip_prefix("file://") {
            return Ok(Location::Dir(absolute(Path::new(rest))?));
        }
        if s.starts_with("http://") || s.starts_with("https://") {
            return Ok(Location::Http(s.trim_end_matches('/').to_string()));
        }
        if s.is_empty() {
            return Err(PkgError::msg("the registry location is empty"));
        }
        Ok(Location::Dir(absolute(Path::new(s))?))
    }

    /// The registry's identity as `weir.lock` records it: `file:///ABS/PATH` or the URL.
    pub fn source_id(&self) -> String {
        match self {
            Location::Dir(p) => format!("file://{}", p.display()),
            Location::Http(u) => u.clone(),
        }
    }
}

fn absolute(p: &Path) -> Result<PathBuf, PkgError> {
    std::path::absolute(p)
        .map_err(|e| PkgError::msg(format!("bad registry path `{}`: {e}", p.display())))
}

/// `$WEIR_HOME`, else `~/.weir`.
pub fn weir_home() -> Result<PathBuf, PkgError> {
    if let Some(h) = std::env::var_os("WEIR_HOME").filter(|h| !h.is_empty()) {
        return absolute(Path::new(&h));
    }
    match std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        Some(h) => Ok(PathBuf::from(h).join(".weir")),
        None => Err(PkgError::msg(
            "cannot find the weir home folder: set WEIR_HOME (or HOME)",
        )),
    }
}

/// The configured registry: `flag` (`--registry`), else `WEIR_REGISTRY`, else `(registry "...")`
/// in `$WEIR_HOME/config.weir`; `None` when none is configured.
pub fn configured(flag: Option<&str>, home: &Path) -> Result<Option<Location>, PkgError> {
    if let Some(f) = flag {
        return Location::parse(f).map(Some);
    }
    if let Some(v) = std::env::var_os("WEIR_REGISTRY").filter(|v| !v.is_empty()) {
        return Location::parse(&v.to_string_lossy()).map(Some);
    }
    let _ = home; // TODO(registry helper): read `(registry "...")` from home/config.weir
    Ok(None)
}

/// An open registry. Opening does no I/O; index files and archives are read when asked for.
pub struct Registry {
    location: Location,
    #[allow(dead_code)]
    home: PathBuf,
    #[allow(dead_code)]
    offline: bool,
}

impl Registry {
    /// `home` is `$WEIR_HOME`; `offline`: never use the network (HTTP registries are read from
    /// the cache only; folder registries are local and always readable).
    pub fn open(location: Location, home: &Path, offline: bool) -> Registry {
        Registry {
            location,
            home: home.to_path_buf(),
            offline,
        }
    }

    pub fn location(&self) -> &Location {
        &self.location
    }

    /// The folder holding the unpacked sources of NAME VERSION (its `weir.pkg` at the top), when
    /// already fetched and verified; does only a `stat`-like check.
    pub fn unpacked(&self, name: &str, version: &Version) -> Option<PathBuf> {
        let _ = (name, version);
        None
    }

    /// Downloads (to a temporary name, verified against `cksum`, renamed) and unpacks the archive
    /// of NAME VERSION unless that was done before; returns the unpacked folder.
    pub fn fetch(
        &mut self,
        name: &str,
        version: &Version,
        cksum: &str,
    ) -> Result<PathBuf, PkgError> {
        let _ = (name, version, cksum);
        Err(PkgError::msg("fetching archives is not implemented yet"))
    }
}

impl Index for Registry {
    fn versions(&mut self, name: &str) -> Result<Vec<IndexEntry>, PkgError> {
        match &self.location {
            Location::Dir(d) => DirIndex::new(d).versions(name),
            Location::Http(_) => Err(PkgError::msg("HTTP registries are not implemented yet")),
        }
    }
}
