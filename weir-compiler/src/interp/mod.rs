//! Tree-walking interpreter over the typed IR. STUB.
use std::io::Write;
use std::path::PathBuf;

use crate::span::Span;
use crate::tir::Program;

/// How to run a program.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// The program's arguments (`(args)`), without a program name.
    pub args: Vec<String>,
    /// Shared libraries to load (`--load`) before resolving `extern "C"` symbols.
    pub load: Vec<PathBuf>,
    /// Stack bytes the interpreter may use before reporting `stack overflow`; the caller runs
    /// `run` on a thread whose stack is larger than this (see `run_on_big_stack`).
    pub max_stack: usize,
}

/// Why a run ended other than by `main` returning.
#[derive(Clone, Debug, PartialEq)]
pub enum RunError {
    /// A runtime error (§11): the CLI prints `[PATH:LINE:COL: ]runtime error: MESSAGE`, exit 1.
    Runtime { message: String, span: Option<Span> },
    /// An `extern "C"` symbol could not be resolved, or a `--load` library could not be loaded;
    /// reported like a compile error (stderr, exit 1) before any user code runs.
    Link { message: String, span: Option<Span> },
}

/// Runs global initialisers then `main`. Returns the process exit status (0, or the code given to
/// `(exit code)` masked with 255). `stdout` is flushed before returning, also on errors.
pub fn run(_program: &Program, _config: &Config, _stdout: &mut dyn Write) -> Result<i32, RunError> {
    Ok(0)
}
