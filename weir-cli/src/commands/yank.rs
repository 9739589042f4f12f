//! `weir yank` (being written).

use crate::shell::Shell;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// NAME@VERSION
    pub spec: String,
    /// Un-yank the version
    #[arg(long)]
    pub undo: bool,
}

pub fn run(shell: Shell, _args: Args) -> i32 {
    shell.error("`weir yank` is not implemented yet");
    super::FAILURE
}
