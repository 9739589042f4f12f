//! Loading a source file from disk into the [`SourceMap`], with one clear error per failure.
//!
//! Invariants:
//! - Every failure names the path exactly as the user typed it and fits on one line.
//! - A file that is not valid UTF-8 is reported at the `LINE:COL` of its first invalid byte, in
//!   the same `PATH:LINE:COL: error: MESSAGE` form as compiler diagnostics.
//! - Nothing here panics, whatever the file system holds (directories, dangling symlinks, special
//!   files, files larger than spans can address).

use std::io;
use std::path::Path;

use weir_compiler::span::{FileId, SourceMap};

/// Spans are `u32` byte offsets, so larger files cannot be compiled.
const MAX_SOURCE_LEN: usize = u32::MAX as usize;

/// Why a source file could not be loaded; `Display` gives the one-line message (without the
/// leading `error: `, which the shell adds).
#[derive(Debug, PartialEq, Eq)]
pub enum LoadError {
    /// Open or read failed.
    Io {
        path: String,
        reason: String,
    },
    IsDirectory {
        path: String,
    },
    /// The path is a symbolic link whose target does not exist.
    DanglingSymlink {
        path: String,
    },
    TooLarge {
        path: String,
        len: usize,
    },
    /// The text is not UTF-8; `line`/`col` locate the first invalid byte (1-based, columns in
    /// characters of the valid prefix of that line).
    NotUtf8 {
        path: String,
        line: usize,
        col: usize,
        offset: usize,
        byte: u8,
    },
}

impl LoadError {
    /// Whether the message already carries a `PATH:LINE:COL:` location prefix.
    pub fn has_location(&self) -> bool {
        matches!(self, LoadError::NotUtf8 { .. })
    }
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Io { path, reason } => write!(f, "cannot read `{path}`: {reason}"),
            LoadError::IsDirectory { path } => {
                write!(f, "cannot read `{path}`: it is a directory, not a source file")
            }
            LoadError::DanglingSymlink { path } => write!(
                f,
                "cannot read `{path}`: it is a symbolic link to a file that does not exist"
            ),
            LoadError::TooLarge { path, len } => write!(
                f,
                "cannot compile `{path}`: the file is {len} bytes; the limit is {MAX_SOURCE_LEN} bytes"
            ),
            LoadError::NotUtf8 {
                path,
                line,
                col,
                offset,
                byte,
            } => write!(
                f,
                "{path}:{line}:{col}: error: source file is not valid UTF-8 \
                 (invalid byte 0x{byte:02X} at byte offset {offset})"
            ),
        }
    }
}

/// Reads `path` and adds it to `sources` under the name `display` (the path as the user wrote
/// it, so that diagnostics repeat it verbatim).
pub fn load(sources: &mut SourceMap, path: &Path, display: &str) -> Result<FileId, LoadError> {
    let text = read_source(path, display)?;
    Ok(sources.add(display, text))
}

fn read_source(path: &Path, display: &str) -> Result<String, LoadError> {
    let io_err = |e: io::Error| io_error(path, display, e);
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => {
            return Err(LoadError::IsDirectory {
                path: display.to_string(),
            })
        }
        Ok(_) => {}
        Err(e) => return Err(io_err(e)),
    }
    let bytes = std::fs::read(path).map_err(io_err)?;
    if bytes.len() > MAX_SOURCE_LEN {
        return Err(LoadError::TooLarge {
            path: display.to_string(),
            len: bytes.len(),
        });
    }
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let offset = e.utf8_error().valid_up_to();
        let (line, col) = line_col_of_prefix(&bytes[..offset]);
        LoadError::NotUtf8 {
            path: display.to_string(),
            line,
            col,
            offset,
            byte: bytes[offset],
        }
    })
}

/// The 1-based line and column just after `valid`, a valid UTF-8 prefix of the file.
fn line_col_of_prefix(valid: &[u8]) -> (usize, usize) {
    let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
    // The prefix is valid UTF-8, so counting non-continuation bytes counts characters.
    let col = valid[line_start..]
        .iter()
        .filter(|&&b| (b & 0xC0) != 0x80)
        .count()
        + 1;
    (line, col)
}

fn io_error(path: &Path, display: &str, e: io::Error) -> LoadError {
    let dangling = e.kind() == io::ErrorKind::NotFound
        && std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if dangling {
        return LoadError::DanglingSymlink {
            path: display.to_string(),
        };
    }
    LoadError::Io {
        path: display.to_string(),
        reason: describe_io_error(&e),
    }
}

/// A short, lower-case reason for common I/O errors (the OS text otherwise, without the
/// `(os error N)` suffix).
fn describe_io_error(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file or directory".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        io::ErrorKind::IsADirectory => "it is a directory, not a source file".to_string(),
        _ => {
            let text = e.to_string();
            let text = match text.find(" (os error") {
                Some(i) => text[..i].to_string(),
                None => text,
            };
            let mut chars = text.chars();
            match chars.next() {
                Some(c) => c.to_lowercase().chain(chars).collect(),
                None => "unknown I/O error".to_string(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_positions() {
        assert_eq!(line_col_of_prefix(b""), (1, 1));
        assert_eq!(line_col_of_prefix(b"ab"), (1, 3));
        assert_eq!(line_col_of_prefix(b"ab\n"), (2, 1));
        assert_eq!(line_col_of_prefix("ab\nh\u{e9}".as_bytes()), (2, 3));
    }

    #[test]
    fn os_error_suffix_is_dropped() {
        let e = io::Error::from_raw_os_error(5); // EIO
        assert_eq!(describe_io_error(&e), "input/output error");
    }
}
