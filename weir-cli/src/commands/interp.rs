//! `weir interp FILE [--load LIB]... [-- ARGS...]`: check the program, then run it on the
//! tree-walking interpreter. stdout is the program's; everything weir says goes to stderr.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;

use weir_compiler::diag::Diagnostic;
use weir_compiler::interp::{self, Config, RunError};

use super::{on_big_stack, FAILURE};
use crate::shell::Shell;

/// Stack the interpreter may use before reporting `stack overflow`: three quarters of the worker
/// thread's stack (256 MiB of headroom with a 1 GiB thread) for the front end's frames and the
/// interpreter's own bookkeeping.
pub const MAX_STACK: usize = weir_compiler::BIG_STACK / 4 * 3;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The source file (default: the package around the current folder, see `weir.pkg`).
    pub file: Option<PathBuf>,
    /// A shared library to load before resolving `extern "C"` symbols (repeatable).
    #[arg(long = "load", value_name = "LIB")]
    pub load: Vec<PathBuf>,
    /// Arguments for the program, returned by `(args)`.
    #[arg(last = true, value_name = "ARGS")]
    pub args: Vec<String>,
}

pub fn run(shell: Shell, args: Args) -> i32 {
    on_big_stack(move || {
        let loaded =
            match super::load_program(&shell, args.file.as_deref(), args.load, false, false) {
                Ok(loaded) => loaded,
                Err(code) => return code,
            };
        let super::Loaded {
            program,
            sources,
            main,
            load,
            ..
        } = loaded;
        let config = Config {
            args: args.args,
            load,
            max_stack: MAX_STACK,
        };
        let stdout = io::stdout();
        let is_terminal = stdout.is_terminal();
        let lock = stdout.lock();
        // A terminal sees output line by line (`Stdout` is line-buffered); a pipe or file gets
        // large writes.
        let mut out: Box<dyn Write> = if is_terminal {
            Box::new(lock)
        } else {
            Box::new(BufWriter::with_capacity(64 << 10, lock))
        };
        let result = interp::run(&program, &config, &mut out);
        let flushed = out.flush();
        drop(out);
        if let Err(e) = flushed {
            if e.kind() != io::ErrorKind::BrokenPipe {
                shell.error(&format!("cannot write to stdout: {e}"));
                return FAILURE;
            }
        }
        match result {
            Ok(status) => status,
            Err(RunError::Runtime { message, span }) => {
                shell.runtime_error(&sources, span, &message);
                FAILURE
            }
            Err(RunError::Link { message, span }) => {
                match span {
                    Some(span) => {
                        shell.diagnostic(&sources, main, &Diagnostic::error(span, message))
                    }
                    None => shell.error(&message),
                }
                FAILURE
            }
        }
    })
}
