//! `weir update` (being written).

use crate::shell::Shell;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(shell: Shell, _args: Args) -> i32 {
    shell.error("`weir update` is not implemented yet");
    super::FAILURE
}
