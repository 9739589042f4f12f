//! `weir test` (being written).

use crate::shell::Shell;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Run only the tests whose name contains FILTER
    pub filter: Option<String>,
}

pub fn run(shell: Shell, _args: Args) -> i32 {
    shell.error("`weir test` is not implemented yet");
    super::FAILURE
}
