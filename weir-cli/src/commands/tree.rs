//! `weir tree`: print the package's dependency tree (packages.md §7) on stdout, as
//! `weir_pkg::graph::PackageGraph::tree` draws it (dev-dependencies included; registry packages
//! with their version and registry, resolved through `weir.lock` like a build).

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
    let options = crate::deps_options();
    match weir_pkg::deps::load_graph(&manifest, true, &options, weir_pkg::deps::Mode::Build) {
        Ok((graph, prepared)) => {
            crate::package::report_registry(&shell, &prepared);
            print_stdout(&shell, &graph.tree())
        }
        Err(e) => {
            shell.raw_line(&e.to_string());
            FAILURE
        }
    }
}
