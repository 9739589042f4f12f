//! `weir publish` (being written).

use crate::shell::Shell;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Check and pack, but do not add the archive to the registry
    #[arg(long)]
    pub dry_run: bool,
}

pub fn run(shell: Shell, _args: Args) -> i32 {
    shell.error("`weir publish` is not implemented yet");
    super::FAILURE
}
