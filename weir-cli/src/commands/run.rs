//! `weir run FILE [--load LIB]... [-- ARGS...]`: check the program, compile it with the
//! Cranelift JIT and run it. The program's output goes through the runtime's stdout buffer;
//! everything weir says goes to stderr. Runtime errors and `(exit)` end the process from inside
//! the runtime (after flushing), exactly as in an executable built by `weir build`.

use std::path::PathBuf;

use weir_compiler::codegen::{self, Options};
use weir_compiler::diag::Diagnostic;
use weir_compiler::interp::{Config, RunError};

use super::{on_big_stack, FAILURE};
use crate::shell::Shell;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The source file (default: the package around the current folder, see `weir.pkg`).
    pub file: Option<PathBuf>,
    /// A shared library to load before resolving `extern "C"` symbols (repeatable).
    #[arg(long = "load", value_name = "LIB")]
    pub load: Vec<PathBuf>,
    /// Optimise the generated code (Cranelift `opt_level=speed`).
    #[arg(long)]
    pub release: bool,
    /// Arguments for the program, returned by `(args)`.
    #[arg(last = true, value_name = "ARGS")]
    pub args: Vec<String>,
}

pub fn run(shell: Shell, args: Args) -> i32 {
    on_big_stack(move || {
        let loaded = match super::load_program(
            &shell,
            args.file.as_deref(),
            args.load,
            args.release,
            true,
        ) {
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
            max_stack: 0,
        };
        let opts = Options {
            opt_speed: args.release,
            verify: false,
        };
        match codegen::run_jit(&program, &sources, &opts, &config) {
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
