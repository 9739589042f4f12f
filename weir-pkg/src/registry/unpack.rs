//! Safe unpacking of package archives (gzip tarballs whose entries all live under one top folder
//! `NAME-VERSION/`).
//!
//! Invariants
//! - Only regular files and folders are accepted; links (symbolic or hard), devices, fifos and
//!   every other entry type are refused. Paths must be UTF-8, relative, without `..`, and inside
//!   the top folder (`.` components are ignored). The top folder must hold a `weir.pkg`.
//! - Nothing is written outside a temporary sibling of the destination, which is renamed to the
//!   destination only once every entry has been checked and written; any failure removes it. So
//!   a failed unpack leaves nothing, and a successful one appears at once.
//! - Since only plain folders and files are ever created (never links) and every path is made of
//!   normal components, no write can escape the temporary folder.
//! - Sizes are bounded (total bytes and number of entries), so a hostile archive cannot fill the
//!   disk.

use std::collections::HashSet;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Component, Path, PathBuf};

use crate::fsutil;
use crate::manifest::MANIFEST_NAME;
use crate::PkgError;

const MAX_UNPACKED_BYTES: u64 = 1024 * 1024 * 1024;
const MAX_ENTRIES: usize = 100_000;

/// Unpacks the gzip tarball `archive` (read from `archive_path`, used in messages) whose entries
/// all live under the folder `top` into the folder `dest`, which must not exist yet: `dest` then
/// holds the contents of `top` (so `dest/weir.pkg`). On error nothing is left at `dest` nor
/// beside it.
pub fn unpack(archive: &[u8], archive_path: &Path, top: &str, dest: &Path) -> Result<(), PkgError> {
    let shown = fsutil::display_path(archive_path);
    let parent = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    fs::create_dir_all(parent).map_err(|e| {
        PkgError::in_file(fsutil::display_path(parent), format!("cannot create: {e}"))
    })?;
    let tmp = fsutil::temp_path(parent, top);
    let res = unpack_into(archive, &shown, top, &tmp).and_then(|()| {
        fs::rename(&tmp, dest).map_err(|e| {
            PkgError::in_file(
                fsutil::display_path(dest),
                format!("cannot move the unpacked archive into place: {e}"),
            )
        })
    });
    if res.is_err() {
        let _ = fs::remove_dir_all(&tmp);
    }
    res
}

fn unpack_into(archive: &[u8], shown: &Path, top: &str, tmp: &Path) -> Result<(), PkgError> {
    let bad = |entry: &str, why: &str| {
        PkgError::in_file(
            shown,
            format!("unsafe or malformed archive: entry `{entry}` {why}"),
        )
        .with_detail("the archive was rejected and nothing was unpacked")
    };
    let corrupt = |e: io::Error| {
        PkgError::in_file(shown, format!("corrupt archive: {e}"))
            .with_detail("the archive was rejected and nothing was unpacked")
    };
    fs::create_dir(tmp)
        .map_err(|e| PkgError::in_file(fsutil::display_path(tmp), format!("cannot create: {e}")))?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(archive));
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut total: u64 = 0;
    for (i, entry) in tar.entries().map_err(corrupt)?.enumerate() {
        let mut entry = entry.map_err(corrupt)?;
        if i >= MAX_ENTRIES {
            return Err(PkgError::in_file(
                shown,
                format!("the archive has more than {MAX_ENTRIES} entries"),
            ));
        }
        let raw = entry.path_bytes().into_owned();
        let name = String::from_utf8_lossy(&raw).into_owned();
        if std::str::from_utf8(&raw).is_err() {
            return Err(bad(&name, "has a name that is not valid UTF-8"));
        }
        let kind = entry.header().entry_type();
        let is_dir = match kind {
            tar::EntryType::Regular => false,
            tar::EntryType::Directory => true,
            tar::EntryType::Symlink => {
                return Err(bad(&name, "is a symbolic link (links are not allowed)"))
            }
            tar::EntryType::Link => {
                return Err(bad(&name, "is a hard link (links are not allowed)"))
            }
            tar::EntryType::Char | tar::EntryType::Block => {
                return Err(bad(
                    &name,
                    "is a device (only files and folders are allowed)",
                ))
            }
            tar::EntryType::Fifo => {
                return Err(bad(&name, "is a fifo (only files and folders are allowed)"))
            }
            _ => {
                return Err(bad(
                    &name,
                    "has an unsupported type (only files and folders are allowed)",
                ))
            }
        };
        let rel = relative_inside(&name, top).map_err(|why| bad(&name, why))?;
        if !seen.insert(rel.clone()) && !is_dir {
            return Err(bad(&name, "appears twice"));
        }
        let target = tmp.join(&rel);
        if is_dir {
            fs::create_dir_all(&target)
                .map_err(|e| bad(&name, &format!("cannot be created: {e}")))?;
            continue;
        }
        if rel.as_os_str().is_empty() {
            return Err(bad(&name, "is a file where the top folder should be"));
        }
        if let Some(p) = target.parent() {
            fs::create_dir_all(p).map_err(|e| bad(&name, &format!("cannot be created: {e}")))?;
        }
        let size = entry.header().size().map_err(corrupt)?;
        total = total.saturating_add(size);
        if total > MAX_UNPACKED_BYTES {
            return Err(PkgError::in_file(
                shown,
                format!("the archive unpacks to more than {MAX_UNPACKED_BYTES} bytes"),
            ));
        }
        let mut out = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&target)
            .map_err(|e| bad(&name, &format!("cannot be created: {e}")))?;
        let copied = io::copy(&mut (&mut entry).take(size), &mut out).map_err(corrupt)?;
        if copied != size {
            return Err(corrupt(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("entry `{name}` is cut short"),
            )));
        }
        out.flush().map_err(corrupt)?;
    }
    if !tmp.join(MANIFEST_NAME).is_file() {
        return Err(PkgError::in_file(
            shown,
            format!("the archive has no `{top}/{MANIFEST_NAME}` (it is not a weir package)"),
        )
        .with_detail("the archive was rejected and nothing was unpacked"));
    }
    Ok(())
}

/// The path of entry `name` inside the top folder `top`: made of normal components only.
fn relative_inside(name: &str, top: &str) -> Result<PathBuf, &'static str> {
    let path = Path::new(name);
    if name.is_empty() {
        return Err("has an empty name");
    }
    if name.contains('\\') {
        return Err("contains `\\`");
    }
    let mut parts = Vec::new();
    for c in path.components() {
        match c {
            Component::Prefix(_) | Component::RootDir => return Err("has an absolute path"),
            Component::ParentDir => return Err("contains `..`"),
            Component::CurDir => {}
            Component::Normal(p) => parts.push(p),
        }
    }
    let mut it = parts.into_iter();
    match it.next() {
        Some(first) if first == top => {}
        _ => return Err("is outside the package's top folder"),
    }
    Ok(it.collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_paths() {
        assert_eq!(
            relative_inside("p-1.0.0/a/b", "p-1.0.0"),
            Ok(PathBuf::from("a/b"))
        );
        assert_eq!(
            relative_inside("./p-1.0.0/./a", "p-1.0.0"),
            Ok(PathBuf::from("a"))
        );
        assert_eq!(relative_inside("p-1.0.0/", "p-1.0.0"), Ok(PathBuf::new()));
        assert_eq!(
            relative_inside("p-1.0.0/../x", "p-1.0.0"),
            Err("contains `..`")
        );
        assert_eq!(
            relative_inside("/etc/x", "p-1.0.0"),
            Err("has an absolute path")
        );
        assert_eq!(
            relative_inside("q-1.0.0/x", "p-1.0.0"),
            Err("is outside the package's top folder")
        );
        assert_eq!(relative_inside("", "p-1.0.0"), Err("has an empty name"));
    }
}
