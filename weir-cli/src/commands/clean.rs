//! `weir clean`: remove the build folder `target/` beside the package's root manifest
//! (packages.md §4, §7).
//!
//! Invariants:
//! - Only `target` beside the manifest found like `weir tree` finds it is ever removed; the
//!   manifest itself need not be valid (a broken `weir.pkg` must not prevent cleaning).
//! - Symbolic links are never followed: if `target` is one, the link alone is removed and what it
//!   points to is left alone; links inside `target/` are removed as links.
//! - A `target` that is neither a folder nor a link (e.g. a regular file) is not ours: it is
//!   refused, not removed.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::{find_root_manifest, shown_path, status, FAILURE};
use crate::shell::Shell;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The package's manifest (or its folder) [default: `weir.pkg` in the current folder or the
    /// nearest parent that has one].
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
}

pub fn run(shell: Shell, args: Args) -> i32 {
    let manifest = match find_root_manifest(&shell, args.manifest_path.as_deref(), None) {
        Ok(path) => path,
        Err(code) => return code,
    };
    let root = match manifest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let target = root.join("target");
    let shown = shown_path(&target);
    let meta = match fs::symlink_metadata(&target) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            status(shell, "Removed", "0 files");
            return 0;
        }
        Err(e) => {
            shell.error(&format!("cannot read `{}`: {e}", shown.display()));
            return FAILURE;
        }
    };
    if meta.file_type().is_symlink() {
        return match remove_link(&target) {
            Ok(()) => {
                status(
                    shell,
                    "Removed",
                    &format!(
                        "the symbolic link `{}` (not what it points to)",
                        shown.display()
                    ),
                );
                0
            }
            Err(e) => {
                shell.error(&format!("cannot remove `{}`: {e}", shown.display()));
                FAILURE
            }
        };
    }
    if !meta.is_dir() {
        shell.error(&format!(
            "`{}` is not a folder; weir did not create it and will not remove it",
            shown.display()
        ));
        return FAILURE;
    }
    let mut tally = Tally::default();
    let res = remove_tree(&target, &mut tally);
    let summary = tally.summary();
    match res {
        Ok(()) => {
            status(shell, "Removed", &summary);
            0
        }
        Err((path, e)) => {
            shell.error(&format!(
                "cannot remove `{}`: {e} ({summary} removed before that)",
                shown_path(&path).display()
            ));
            FAILURE
        }
    }
}

/// Files (anything but a folder) removed and their total size.
#[derive(Default)]
struct Tally {
    files: u64,
    bytes: u64,
}

impl Tally {
    fn summary(&self) -> String {
        let files = match self.files {
            1 => "1 file".to_string(),
            n => format!("{n} files"),
        };
        if self.bytes == 0 {
            return files;
        }
        format!("{files}, {} total", human_size(self.bytes))
    }
}

/// `1.5MiB`, `800B`, like cargo.
fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut size = bytes as f64;
    let mut unit = 0;
    while size >= 1024.0 && unit + 1 < UNITS.len() {
        size /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes}B")
    } else {
        format!("{size:.1}{}", UNITS[unit])
    }
}

/// Removes the folder `dir` and everything in it without following symbolic links (explicit
/// stack, so deep trees cannot overflow). On failure, the path that could not be removed.
fn remove_tree(dir: &Path, tally: &mut Tally) -> Result<(), (PathBuf, io::Error)> {
    // (folder, whether its entries have been pushed already)
    let mut stack = vec![(dir.to_path_buf(), false)];
    while let Some((folder, listed)) = stack.pop() {
        if listed {
            fs::remove_dir(&folder).map_err(|e| (folder.clone(), e))?;
            continue;
        }
        stack.push((folder.clone(), true));
        let entries = fs::read_dir(&folder).map_err(|e| (folder.clone(), e))?;
        for entry in entries {
            let entry = entry.map_err(|e| (folder.clone(), e))?;
            let path = entry.path();
            let meta = fs::symlink_metadata(&path).map_err(|e| (path.clone(), e))?;
            if meta.is_dir() {
                stack.push((path, false));
            } else {
                let len = if meta.file_type().is_symlink() {
                    0
                } else {
                    meta.len()
                };
                remove_link(&path).map_err(|e| (path.clone(), e))?;
                tally.files += 1;
                tally.bytes += len;
            }
        }
    }
    Ok(())
}

/// Removes a file or a symbolic link (on Windows a link to a folder is removed with
/// `remove_dir`).
fn remove_link(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if cfg!(windows) => fs::remove_dir(path).map_err(|_| e),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(human_size(0), "0B");
        assert_eq!(human_size(1023), "1023B");
        assert_eq!(human_size(1536), "1.5KiB");
        assert_eq!(human_size(3 * 1024 * 1024), "3.0MiB");
    }
}
