//! `weir check FILE`: the whole front end (read, expand, parse, type-check). Silent on success,
//! like `rustc` or `gcc -fsyntax-only`: the exit status says it all, warnings (if any) go to
//! stderr.

use std::path::PathBuf;

use weir_compiler::tir::Program;

use super::{on_big_stack, Input, FAILURE, INTERNAL_ERROR};
use crate::package;
use crate::shell::Shell;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The source file (default: the package around the current folder, see `weir.pkg`).
    pub file: Option<PathBuf>,
}

pub fn run(shell: Shell, args: Args) -> i32 {
    on_big_stack(move || {
        let Some(file) = args.file else {
            return check_package(&shell);
        };
        let input = match Input::load(&shell, &file) {
            Ok(input) => input,
            Err(code) => return code,
        };
        match front_end(&shell, &input) {
            Ok(_) => 0,
            Err(code) => code,
        }
    })
}

/// `weir check` in a package: every module of every package, with the cache.
fn check_package(shell: &Shell) -> i32 {
    let mut timings = package::Timings::new();
    let (project, lock) = match package::open(shell, &mut timings) {
        Ok(x) => x,
        Err(code) => return code,
    };
    match package::check(shell, project, lock, false, &mut timings) {
        Ok(_) => {
            package::finished(shell, "checking", &timings);
            0
        }
        Err(code) => code,
    }
}

/// Runs `compile_file`, prints its diagnostics and returns the typed program, or the exit status
/// to stop with.
pub fn front_end(shell: &Shell, input: &Input) -> Result<Program, i32> {
    let frontend = weir_compiler::compile_file(input.file, input.text());
    if shell.diagnostics(
        &input.sources,
        input.file,
        &input.name,
        &frontend.diagnostics,
    ) {
        return Err(FAILURE);
    }
    match frontend.program {
        Some(program) => Ok(program),
        None => {
            shell.error(
                "internal compiler error: the front end reported no error but produced no \
                 program\nnote: this is a bug in weir, not in your program",
            );
            Err(INTERNAL_ERROR)
        }
    }
}
