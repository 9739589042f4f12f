//! Weir packages (`../shared/spec/packages.md`): manifests, the package and module graphs, the
//! per-module build cache and native C sources.

pub mod archive;
pub mod cache;
pub mod compile;
pub mod deps;
pub mod edit;
pub mod fingerprint;
pub mod fsutil;
pub mod graph;
pub mod index;
pub mod lock;
pub mod manifest;
pub mod modules;
pub mod native;
pub mod publish;
pub mod registry;
pub mod resolve;

use std::fmt;
use std::path::PathBuf;

/// An error about something the user wrote or owns (a manifest, a C source, a folder) or about
/// the file system. Rendered by the CLI as one header line `FILE:LINE:COL: error: MESSAGE`
/// (absent parts left out: `FILE: error: ...`, `error: ...`), then `detail` if not empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PkgError {
    /// The file the error is about, as the user would write it (relative to the current folder
    /// when it lies below it).
    pub file: Option<PathBuf>,
    /// 1-based line, when known.
    pub line: Option<u32>,
    /// 1-based column (characters), when known; only meaningful with `line`.
    pub col: Option<u32>,
    /// One sentence, no trailing period, no `error:` prefix.
    pub message: String,
    /// Further lines (e.g. a C compiler's output, a dependency cycle), printed after the header.
    pub detail: String,
}

impl PkgError {
    /// An error with only a message.
    pub fn msg(message: impl Into<String>) -> Self {
        PkgError {
            file: None,
            line: None,
            col: None,
            message: message.into(),
            detail: String::new(),
        }
    }

    /// An error about `file` (no position).
    pub fn in_file(file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        PkgError {
            file: Some(file.into()),
            ..PkgError::msg(message)
        }
    }

    /// Sets the 1-based position.
    pub fn at(mut self, line: u32, col: u32) -> Self {
        self.line = Some(line);
        self.col = Some(col);
        self
    }

    /// Sets the extra lines printed after the header.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }
}

impl fmt::Display for PkgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}", file.display())?;
            if let Some(line) = self.line {
                write!(f, ":{line}:{}", self.col.unwrap_or(1))?;
            }
            write!(f, ": ")?;
        }
        write!(f, "error: {}", self.message)?;
        if !self.detail.is_empty() {
            write!(f, "\n{}", self.detail.trim_end_matches('\n'))?;
        }
        Ok(())
    }
}

impl std::error::Error for PkgError {}
