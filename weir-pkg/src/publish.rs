//! Publishing to and yanking in a folder registry (packages.md §6, §7 `weir publish`,
//! `weir yank`).
//!
//! Invariants
//! - Only folder registries ([`Location::Dir`], from a path or a `file://` URL) are written; an
//!   HTTP registry is read-only for weir.
//! - A missing folder, or one holding only hidden entries, becomes a registry: `config.json` is
//!   written with the default `dl` template. A folder with other entries but no `config.json` is
//!   refused (it is not a registry, and we do not write into unknown folders).
//! - A published version is never replaced: publishing NAME VERSION again (build metadata
//!   ignored, as semver precedence does) is refused, and the archive is left alone.
//! - Order of writes: the archive first, then the index file, both atomically
//!   (`fsutil::atomic_write`), so the index never names an archive that is not there. A crash
//!   in between leaves an archive that no index line names; the next publish overwrites it.
//! - Writers take the registry's lock (`DIR/.lock`, an advisory `flock`), so two publishes into
//!   one folder do not lose an index line.
//! - Index lines are written by [`IndexEntry::to_json_line`]; yanking rewrites only the
//!   version's line (in that canonical form) and keeps every other line byte for byte.
//!
//! What goes into the index entry ([`index_entry`]): the registry `deps` (kind `normal`) and
//! registry `dev-deps` (kind `dev`), sorted by name. A path dependency in `deps` cannot be
//! published (its code would be missing). A path `dev-dep` is left out of the index, as Cargo
//! does: dev-deps only matter when the package itself is the root (`weir test` in its own
//! folder), never for its dependents.

use std::path::{Path, PathBuf};

use semver::Version;

use crate::fsutil::{atomic_write, DirLock};
use crate::index::{index_path, parse_index_file, DepKind, IndexDep, IndexEntry};
use crate::manifest::{locate, DepSource, Manifest};
use crate::registry::Location;
use crate::PkgError;

/// The `config.json` of a new registry.
pub const DEFAULT_CONFIG: &str = "{\"dl\": \"{name}/{name}-{version}.weirpkg\"}\n";

/// The index entry describing the package `m` whose archive has SHA-256 `cksum` (hex).
pub fn index_entry(m: &Manifest, cksum: &str) -> Result<IndexEntry, PkgError> {
    let mut deps = Vec::new();
    for (list, kind, field) in [
        (&m.deps, DepKind::Normal, "deps"),
        (&m.dev_deps, DepKind::Dev, "dev-deps"),
    ] {
        for dep in list {
            match &dep.source {
                DepSource::Registry { req } => deps.push(IndexDep {
                    name: dep.name.clone(),
                    req: req.clone(),
                    kind,
                }),
                DepSource::Path(p) if kind == DepKind::Normal => {
                    let e = PkgError::in_file(
                        &m.path,
                        format!(
                            "cannot publish: dependency `{}` is a path dependency (`{}`); \
                             publish it first and depend on it by version: `({} (version \"^X.Y\"))`",
                            dep.name,
                            p.display(),
                            dep.name
                        ),
                    );
                    let (line, col) =
                        locate(&m.path, &[field, dep.name.as_str()]).unwrap_or((dep.line, 1));
                    return Err(e.at(line, col));
                }
                // Path dev-deps are left out (module docs).
                DepSource::Path(_) => {}
            }
        }
    }
    deps.sort_by(|a, b| {
        (a.name.as_str(), a.kind == DepKind::Dev).cmp(&(b.name.as_str(), b.kind == DepKind::Dev))
    });
    Ok(IndexEntry {
        name: m.name.clone(),
        vers: m.version.clone(),
        deps,
        cksum: cksum.to_string(),
        native: m.native.as_ref().is_some_and(|n| !n.sources.is_empty()),
        yanked: false,
    })
}

/// Adds `entry` and its `archive` to the folder registry at `location` (creating the registry
/// when the folder is missing or empty); returns where the archive was written.
pub fn publish_to(
    location: &Location,
    entry: &IndexEntry,
    archive: &[u8],
) -> Result<PathBuf, PkgError> {
    let root = writable_root(location, "publish")?;
    if root.exists() && !root.is_dir() {
        return Err(PkgError::in_file(
            root,
            "the registry location is a file, not a folder",
        ));
    }
    let _lock = lock(root)?;
    let dl = match read_config(root)? {
        Some(dl) => dl,
        None => {
            if has_visible_entries(root)? {
                return Err(PkgError::in_file(
                    root,
                    "this folder is not a registry (it has no `config.json`) and is not empty",
                )
                .with_detail(
                    "note: publish into an empty or new folder to create a registry there",
                ));
            }
            let config = root.join("config.json");
            atomic_write(&config, DEFAULT_CONFIG.as_bytes())
                .map_err(|e| PkgError::in_file(&config, format!("cannot write: {e}")))?;
            default_dl()
        }
    };
    let index_file = root.join(index_path(&entry.name));
    let (text, existing) = read_index(&index_file)?;
    if let Some(old) = existing.iter().find(|e| same_version(&e.vers, &entry.vers)) {
        return Err(already_published(root, &entry.name, &old.vers));
    }
    let archive_path = archive_path(root, &dl, &entry.name, &entry.vers)?;
    atomic_write(&archive_path, archive)
        .map_err(|e| PkgError::in_file(&archive_path, format!("cannot write the archive: {e}")))?;
    let mut new_text = text;
    if !new_text.is_empty() && !new_text.ends_with('\n') {
        new_text.push('\n');
    }
    new_text.push_str(&entry.to_json_line());
    new_text.push('\n');
    atomic_write(&index_file, new_text.as_bytes())
        .map_err(|e| PkgError::in_file(&index_file, format!("cannot write the index: {e}")))?;
    Ok(archive_path)
}

/// Fails early (before anything is compiled or packed) when publishing NAME VERSION to
/// `location` is bound to fail: an HTTP registry, a location that is a file, or a version that
/// is already published. Reads only; [`publish_to`] checks again under the lock.
pub fn check_publishable(
    location: &Location,
    name: &str,
    version: &Version,
) -> Result<(), PkgError> {
    let root = writable_root(location, "publish")?;
    if root.exists() && !root.is_dir() {
        return Err(PkgError::in_file(
            root,
            "the registry location is a file, not a folder",
        ));
    }
    let (_, existing) = read_index(&root.join(index_path(name)))?;
    match existing.iter().find(|e| same_version(&e.vers, version)) {
        Some(old) => Err(already_published(root, name, &old.vers)),
        None => Ok(()),
    }
}

fn already_published(root: &Path, name: &str, version: &Version) -> PkgError {
    PkgError::msg(format!(
        "`{name} v{version}` is already published in `{}`",
        root.display()
    ))
    .with_detail("note: a published version never changes; raise `version` in weir.pkg")
}

/// Marks NAME VERSION yanked (or not) in the folder registry at `location`.
pub fn set_yanked(
    location: &Location,
    name: &str,
    version: &Version,
    yanked: bool,
) -> Result<(), PkgError> {
    let verb = if yanked { "yank" } else { "un-yank" };
    let root = writable_root(location, verb)?;
    if !root.join("config.json").is_file() {
        return Err(PkgError::in_file(
            root,
            format!("cannot {verb}: this folder is not a registry (it has no `config.json`)"),
        ));
    }
    let _lock = lock(root)?;
    let index_file = root.join(index_path(name));
    let (text, entries) = read_index(&index_file)?;
    if entries.is_empty() {
        return Err(PkgError::msg(format!(
            "cannot {verb}: package `{name}` is not in the registry `{}`",
            root.display()
        )));
    }
    let Some(found) = entries.iter().find(|e| same_version(&e.vers, version)) else {
        let mut known: Vec<&Version> = entries.iter().map(|e| &e.vers).collect();
        known.sort();
        let known: Vec<String> = known.iter().map(|v| v.to_string()).collect();
        return Err(PkgError::msg(format!(
            "cannot {verb}: `{name}` has no version {version} in the registry `{}`",
            root.display()
        ))
        .with_detail(format!("note: published versions: {}", known.join(", "))));
    };
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let parsed = if line.trim().is_empty() {
            None
        } else {
            parse_index_file(&index_file, line)?.pop()
        };
        match parsed {
            Some(e) if same_version(&e.vers, &found.vers) => {
                out.push_str(&IndexEntry { yanked, ..e }.to_json_line())
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    atomic_write(&index_file, out.as_bytes())
        .map_err(|e| PkgError::in_file(&index_file, format!("cannot write the index: {e}")))
}

/// The archive location of NAME VERSION in the registry at `root` with `dl` template: `{name}`
/// and `{version}` replaced, a relative result resolved against `root`.
pub fn archive_path(
    root: &Path,
    dl: &str,
    name: &str,
    version: &Version,
) -> Result<PathBuf, PkgError> {
    let expanded = dl
        .replace("{name}", name)
        .replace("{version}", &version.to_string());
    if expanded.starts_with("http://") || expanded.starts_with("https://") {
        return Err(PkgError::in_file(
            root.join("config.json"),
            format!(
                "archives of this registry live on a web server (`{expanded}`); weir can only \
                 write them into a folder"
            ),
        ));
    }
    let path = match expanded.strip_prefix("file://") {
        Some(p) => PathBuf::from(p),
        None => root.join(&expanded),
    };
    if expanded.is_empty() || path.file_name().is_none() {
        return Err(PkgError::in_file(
            root.join("config.json"),
            format!("`dl` gives no file name for `{name}` {version}: `{dl}`"),
        ));
    }
    Ok(path)
}

fn writable_root<'a>(location: &'a Location, verb: &str) -> Result<&'a Path, PkgError> {
    match location {
        Location::Dir(d) => Ok(d),
        Location::Http(url) => Err(PkgError::msg(format!(
            "cannot {verb} to `{url}`: weir can only write to a folder registry"
        ))
        .with_detail(
            "note: give a folder or a file:// URL with --registry (and copy the folder to the web \
             server afterwards)",
        )),
    }
}

fn lock(root: &Path) -> Result<DirLock, PkgError> {
    DirLock::acquire(root, || {})
        .map_err(|e| PkgError::in_file(root, format!("cannot lock the registry folder: {e}")))
}

fn default_dl() -> String {
    "{name}/{name}-{version}.weirpkg".to_string()
}

/// The `dl` template of the registry at `root`; `None` when it has no `config.json`.
fn read_config(root: &Path) -> Result<Option<String>, PkgError> {
    let path = root.join("config.json");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(PkgError::in_file(&path, format!("cannot read: {e}"))),
    };
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| PkgError::in_file(&path, format!("malformed registry config: {e}")))?;
    match value.get("dl") {
        None => Ok(Some(default_dl())),
        Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(PkgError::in_file(
            &path,
            "malformed registry config: `dl` must be a string",
        )),
    }
}

fn has_visible_entries(root: &Path) -> Result<bool, PkgError> {
    let read = std::fs::read_dir(root)
        .map_err(|e| PkgError::in_file(root, format!("cannot list the registry folder: {e}")))?;
    for entry in read {
        let entry = entry.map_err(|e| {
            PkgError::in_file(root, format!("cannot list the registry folder: {e}"))
        })?;
        if !entry.file_name().to_string_lossy().starts_with('.') {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The index file's text and entries; empty when it does not exist.
fn read_index(path: &Path) -> Result<(String, Vec<IndexEntry>), PkgError> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let entries = parse_index_file(path, &text)?;
            Ok((text, entries))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((String::new(), Vec::new())),
        Err(e) => Err(PkgError::in_file(
            path,
            format!("cannot read the index: {e}"),
        )),
    }
}

/// Versions are the same release when they are equal ignoring build metadata.
fn same_version(a: &Version, b: &Version) -> bool {
    a.major == b.major && a.minor == b.minor && a.patch == b.patch && a.pre == b.pre
}
