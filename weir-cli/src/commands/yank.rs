//! `weir yank NAME@VERSION [--undo]` (packages.md §7): mark a published version yanked in a
//! folder registry, so that new resolutions skip it (locked ones keep working), or clear the
//! mark with `--undo`.

use semver::Version;

use super::publish::{registry_location, shown};
use super::FAILURE;
use crate::package::report_pkg;
use crate::shell::Shell;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// NAME@VERSION
    pub spec: String,
    /// Un-yank the version
    #[arg(long)]
    pub undo: bool,
}

pub fn run(shell: Shell, args: Args) -> i32 {
    let Some((name, version)) = parse_spec(&shell, &args.spec) else {
        return FAILURE;
    };
    let verb = if args.undo { "un-yank" } else { "yank" };
    let location = match registry_location(&shell, verb) {
        Ok(l) => l,
        Err(code) => return code,
    };
    match weir_pkg::publish::set_yanked(&location, &name, &version, !args.undo) {
        Ok(()) => {
            let done = if args.undo { "Unyanked" } else { "Yanked" };
            shell.status(done, &format!("{name} v{version} in {}", shown(&location)));
            0
        }
        Err(e) => report_pkg(&shell, &e),
    }
}

fn parse_spec(shell: &Shell, spec: &str) -> Option<(String, Version)> {
    let Some((name, version)) = spec.split_once('@') else {
        shell.error(&format!(
            "`{spec}` names no version\nnote: write NAME@VERSION, e.g. `weir yank {spec}@1.0.0`"
        ));
        return None;
    };
    if !weir_pkg::index::valid_name(name) {
        shell.error(&format!(
            "`{name}` is not a package name (lowercase letters, digits and `-`, starting with a letter)"
        ));
        return None;
    }
    match Version::parse(version) {
        Ok(v) => Some((name.to_string(), v)),
        Err(e) => {
            shell.error(&format!(
                "`{version}` is not a version ({e})\nnote: give the exact published version, e.g. `1.0.0`"
            ));
            None
        }
    }
}
