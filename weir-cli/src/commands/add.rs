//! `weir add` / `weir remove` (being written).

use crate::shell::Shell;

#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// NAME or NAME@REQ (a Cargo-style requirement such as `^1.2`)
    pub spec: String,
    /// A path dependency instead of a registry one
    #[arg(long, value_name = "P")]
    pub path: Option<std::path::PathBuf>,
    /// Add to `dev-deps` (used by `weir test` only)
    #[arg(long)]
    pub dev: bool,
}

#[derive(Debug, clap::Args)]
pub struct RemoveArgs {
    /// The dependency's name
    pub name: String,
}

pub fn run_add(shell: Shell, _args: AddArgs) -> i32 {
    shell.error("`weir add` is not implemented yet");
    super::FAILURE
}

pub fn run_remove(shell: Shell, _args: RemoveArgs) -> i32 {
    shell.error("`weir remove` is not implemented yet");
    super::FAILURE
}
