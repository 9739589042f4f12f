//! `weir update`: resolve the registry dependencies again, ignoring the versions in `weir.lock`
//! (newest versions the requirements allow), rewrite the lock when that changes it and fetch
//! what is new. Like `cargo update`.

use std::path::PathBuf;

use super::{find_root_manifest, FAILURE};
use crate::shell::Shell;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The package's manifest (or its folder) [default: `weir.pkg` in the current folder or the
    /// nearest parent that has one].
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
}

pub fn run(shell: Shell, args: Args) -> i32 {
    let manifest = match find_root_manifest(&shell, args.manifest_path.as_deref(), None) {
        Ok(path) => path,
        Err(code) => return code,
    };
    let options = crate::deps_options();
    match weir_pkg::deps::prepare(&manifest, &options, weir_pkg::deps::Mode::Update) {
        Ok(prepared) => {
            crate::package::report_registry(&shell, &prepared);
            if prepared.events.is_empty() {
                shell.status("Finished", "weir.lock is already up to date");
            }
            0
        }
        Err(e) => {
            shell.raw_line(&e.to_string());
            FAILURE
        }
    }
}
