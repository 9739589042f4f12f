//! `weir publish` (packages.md §7): check that the package compiles, pack it
//! (`weir_pkg::archive`), checksum it and add it to a folder registry (`weir_pkg::publish`).
//!
//! Status lines (stderr): `Packaging NAME vX (PATH)`, the usual `Compiling` of the check,
//! `Packaged N files, S KiB compressed`, then `Publishing NAME vX` and
//! `Published NAME vX to REGISTRY`. `--dry-run` stops after packing and writes nothing but the
//! package's own `target/`; `-v` lists the packed files.

use weir_pkg::manifest::Manifest;
use weir_pkg::registry::{self, Location};

use super::{on_big_stack, FAILURE};
use crate::package::{self, report_pkg, show};
use crate::shell::Shell;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Check and pack, but do not add the archive to the registry
    #[arg(long)]
    pub dry_run: bool,
    /// Do not check that the package compiles before packing it
    #[arg(long)]
    pub no_verify: bool,
}

pub fn run(shell: Shell, args: Args) -> i32 {
    on_big_stack(move || match publish(&shell, &args) {
        Ok(()) => 0,
        Err(code) => code,
    })
}

fn publish(shell: &Shell, args: &Args) -> Result<(), i32> {
    let manifest_path = package::find_manifest(shell)?;
    let m = Manifest::load(&manifest_path).map_err(|e| report_pkg(shell, &e))?;
    // A dry run needs no registry, but checks against one when one is configured.
    let location = if args.dry_run {
        configured_location(shell)?
    } else {
        Some(registry_location(shell, "publish")?)
    };
    // What is bound to fail is refused before anything is compiled.
    weir_pkg::publish::index_entry(&m, "").map_err(|e| report_pkg(shell, &e))?;
    if let Some(loc) = &location {
        weir_pkg::publish::check_publishable(loc, &m.name, &m.version)
            .map_err(|e| report_pkg(shell, &e))?;
    }
    let id = format!("{} v{}", m.name, m.version);
    shell.status("Packaging", &format!("{id} ({})", show(&m.root)));
    if !args.no_verify {
        let mut timings = package::Timings::new();
        let (project, lock) = package::open(shell, &mut timings)?;
        let compiled = package::check(shell, project, lock, false, &mut timings)?;
        drop(compiled);
    }
    let files = weir_pkg::archive::package_files(&m).map_err(|e| report_pkg(shell, &e))?;
    let archive = weir_pkg::archive::pack(&m).map_err(|e| report_pkg(shell, &e))?;
    let cksum = weir_pkg::fsutil::sha256_hex(&archive);
    if shell.is_verbose() {
        for f in &files {
            shell.raw_line(&format!("    {}", f.display()));
        }
    }
    shell.status(
        "Packaged",
        &format!(
            "{} files, {} compressed",
            files.len(),
            human_size(archive.len() as u64)
        ),
    );
    let Some(location) = location.filter(|_| !args.dry_run) else {
        shell.status("Skipping", "publishing (--dry-run): nothing was written");
        return Ok(());
    };
    let entry = weir_pkg::publish::index_entry(&m, &cksum).map_err(|e| report_pkg(shell, &e))?;
    shell.status("Publishing", &id);
    weir_pkg::publish::publish_to(&location, &entry, &archive)
        .map_err(|e| report_pkg(shell, &e))?;
    shell.status("Published", &format!("{id} to {}", shown(&location)));
    Ok(())
}

/// The configured registry (`--registry`, `WEIR_REGISTRY`, `$WEIR_HOME/config.weir`), if any.
fn configured_location(shell: &Shell) -> Result<Option<Location>, i32> {
    let opts = crate::deps_options();
    let home = registry::weir_home().map_err(|e| report_pkg(shell, &e))?;
    registry::configured(opts.registry.as_deref(), &home).map_err(|e| report_pkg(shell, &e))
}

/// The configured registry, or an error saying how to configure one.
pub fn registry_location(shell: &Shell, verb: &str) -> Result<Location, i32> {
    match configured_location(shell)? {
        Some(loc) => Ok(loc),
        None => {
            let home = registry::weir_home().map_err(|e| report_pkg(shell, &e))?;
            shell.error(&format!(
                "no registry to {verb} to\nnote: give one with `--registry PATH`, set \
                 WEIR_REGISTRY, or write `(registry \"PATH\")` in {}",
                home.join("config.weir").display()
            ));
            Err(FAILURE)
        }
    }
}

/// A registry as messages show it: a folder relative to the current one when below it.
pub fn shown(location: &Location) -> String {
    match location {
        Location::Dir(d) => show(d),
        Location::Http(u) => u.clone(),
    }
}

/// `812 B`, `1.2 KiB`, `3.4 MiB`.
fn human_size(n: u64) -> String {
    const KIB: f64 = 1024.0;
    let f = n as f64;
    if f < KIB {
        format!("{n} B")
    } else if f < KIB * KIB {
        format!("{:.1} KiB", f / KIB)
    } else {
        format!("{:.1} MiB", f / (KIB * KIB))
    }
}
