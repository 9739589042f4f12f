//! `weir tree`: print the package's dependency tree (packages.md §7) on stdout, as
//! `weir_pkg::graph::PackageGraph::tree` draws it (dev-dependencies included).

use std::path::PathBuf;

use super::{find_root_manifest, print_stdout, FAILURE};
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
    match weir_pkg::graph::load_graph(&manifest, true) {
        Ok(graph) => print_stdout(&shell, &graph.tree()),
        Err(e) => {
            shell.raw_line(&e.to_string());
            FAILURE
        }
    }
}
