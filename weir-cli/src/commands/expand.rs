//! `weir expand FILE`: read and expand, then print the expanded forms as Weir source.

use std::path::PathBuf;

use weir_compiler::{expand, reader};

use super::{on_big_stack, print_stdout, Input, FAILURE};
use crate::shell::Shell;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The source file.
    pub file: PathBuf,
}

pub fn run(shell: Shell, args: Args) -> i32 {
    on_big_stack(move || {
        let input = match Input::load(&shell, &args.file) {
            Ok(input) => input,
            Err(code) => return code,
        };
        let (forms, mut diagnostics) = reader::read(input.file, input.text());
        let (forms, d) = expand::expand(forms);
        diagnostics.extend(d);
        if shell.diagnostics(&input.sources, input.file, &input.name, &diagnostics) {
            return FAILURE;
        }
        print_stdout(&shell, &expand::print_forms(&forms))
    })
}
