//! `weir add` / `weir remove` (packages.md §7): change the root manifest's `deps` or `dev-deps`
//! through `weir_pkg::edit`, which edits `weir.pkg` as text and keeps its comments and layout.
//!
//! Invariants
//! - The manifest is written (atomically) only when its text changes, and only after the edited
//!   text parsed as a valid manifest; on any error it is left as it was (exit status 1).
//! - `weir add NAME` (registry) writes `^V` for the newest version of NAME that is neither yanked
//!   nor a pre-release (a pre-release only when nothing else is published); `NAME@REQ` writes
//!   REQ as given, once at least one non-yanked version matches it. The registry is the one of
//!   the global `--registry` flag, `WEIR_REGISTRY` or `$WEIR_HOME/config.weir`.
//! - `--path P` needs a folder holding a `weir.pkg` of package NAME; the manifest gets P relative
//!   to the manifest's folder (after resolving symbolic links), with `/` separators, as Cargo
//!   does.

use std::path::{Component, Path, PathBuf};

use semver::{Version, VersionReq};
use weir_pkg::edit::{add_dep, remove_dep, AddOutcome, DepSpec, Section};
use weir_pkg::index::{Index, IndexEntry};
use weir_pkg::manifest::{check_name, Manifest, MANIFEST_NAME};
use weir_pkg::PkgError;

use super::{find_root_manifest, shown_path, FAILURE};
use crate::package::report_pkg;
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
    /// The package's manifest (or its folder) [default: `weir.pkg` in the current folder or the
    /// nearest parent that has one].
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct RemoveArgs {
    /// The dependency's name
    pub name: String,
    /// The package's manifest (or its folder) [default: `weir.pkg` in the current folder or the
    /// nearest parent that has one].
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
}

pub fn run_add(shell: Shell, args: AddArgs) -> i32 {
    match add(&shell, &args) {
        Ok(()) => 0,
        Err(code) => code,
    }
}

pub fn run_remove(shell: Shell, args: RemoveArgs) -> i32 {
    let manifest = match find_root_manifest(&shell, args.manifest_path.as_deref(), None) {
        Ok(path) => path,
        Err(code) => return code,
    };
    let shown = shown_path(&manifest);
    let res = read_manifest(&manifest, &shown)
        .and_then(|text| remove_dep(&text, &shown, &args.name))
        .and_then(|(out, section)| {
            write_manifest(&manifest, &shown, &out)?;
            Ok(section)
        });
    match res {
        Ok(section) => {
            shell.status("Removing", &format!("{} from {section}", args.name));
            0
        }
        Err(e) => report_pkg(&shell, &e),
    }
}

fn add(shell: &Shell, args: &AddArgs) -> Result<(), i32> {
    let (name, req) = parse_spec(&args.spec).map_err(|m| {
        shell.error(&m);
        FAILURE
    })?;
    let manifest = find_root_manifest(shell, args.manifest_path.as_deref(), None)?;
    let shown = shown_path(&manifest);
    let section = if args.dev {
        Section::DevDeps
    } else {
        Section::Deps
    };
    let text = read_manifest(&manifest, &shown).map_err(|e| report_pkg(shell, &e))?;
    // Report a broken manifest or a self-dependency before asking the registry.
    let parsed = Manifest::parse(&text, &shown).map_err(|e| report_pkg(shell, &e))?;
    if parsed.name == name {
        let e = PkgError::in_file(&shown, format!("package `{name}` cannot depend on itself"));
        return Err(report_pkg(shell, &e));
    }
    let spec = match &args.path {
        Some(p) => {
            if let Some(req) = &req {
                shell.error(&format!(
                    "a path dependency takes no version requirement (drop `@{req}` or `--path`)"
                ));
                return Err(FAILURE);
            }
            DepSpec::Path(path_spec(&name, p, &manifest).map_err(|e| report_pkg(shell, &e))?)
        }
        None => DepSpec::Version(
            registry_req(&name, req.as_deref()).map_err(|e| report_pkg(shell, &e))?,
        ),
    };
    let (out, outcome) =
        add_dep(&text, &shown, section, &name, &spec).map_err(|e| report_pkg(shell, &e))?;
    if out != text {
        write_manifest(&manifest, &shown, &out).map_err(|e| report_pkg(shell, &e))?;
    }
    let new = describe(&spec);
    match outcome {
        AddOutcome::Added => shell.status("Adding", &format!("{name} {new} to {section}")),
        AddOutcome::Replaced { old } => shell.status(
            "Updating",
            &format!("{name} in {section}: {} -> {new}", describe(&old)),
        ),
        AddOutcome::Moved { from, old } => {
            let change = if old == spec {
                new
            } else {
                format!("{} -> {new}", describe(&old))
            };
            shell.status(
                "Moving",
                &format!("{name} from {from} to {section} ({change})"),
            )
        }
        AddOutcome::Unchanged => shell.status(
            "Unchanged",
            &format!("{name} {new} is already in {section}"),
        ),
    }
    Ok(())
}

/// `NAME` or `NAME@REQ`, both checked.
fn parse_spec(spec: &str) -> Result<(String, Option<String>), String> {
    let (name, req) = match spec.split_once('@') {
        Some((n, r)) => (n, Some(r.trim())),
        None => (spec, None),
    };
    check_name(name).map_err(|m| format!("invalid dependency name: {m}"))?;
    match req {
        Some("") => Err(format!(
            "missing requirement after `{name}@` (e.g. `{name}@^1.2`, or just `{name}` for the newest version)"
        )),
        Some(r) => match VersionReq::parse(r) {
            Ok(_) => Ok((name.to_string(), Some(r.to_string()))),
            Err(e) => Err(format!(
                "`{r}` is not a version requirement ({e}; e.g. `^1.2`, `~1.2.3`, `>=1, <2`)"
            )),
        },
        None => Ok((name.to_string(), None)),
    }
}

/// `^1.2.0` or `(path ../util)`.
fn describe(spec: &DepSpec) -> String {
    match spec {
        DepSpec::Version(r) => r.clone(),
        DepSpec::Path(p) => format!("(path {p})"),
    }
}

fn read_manifest(path: &Path, shown: &Path) -> Result<String, PkgError> {
    std::fs::read_to_string(path)
        .map_err(|e| PkgError::in_file(shown, format!("cannot read the manifest: {e}")))
}

fn write_manifest(path: &Path, shown: &Path, text: &str) -> Result<(), PkgError> {
    weir_pkg::fsutil::atomic_write(path, text.as_bytes())
        .map_err(|e| PkgError::in_file(shown, format!("cannot write the manifest: {e}")))
}

// ---------------------------------------------------------------- path dependencies

/// The `path` to write for a dependency on the package in folder `dir` (as the user gave it):
/// relative to the folder of `manifest`, `/`-separated.
fn path_spec(name: &str, dir: &Path, manifest: &Path) -> Result<String, PkgError> {
    let shown = dir.display();
    if !dir.exists() {
        return Err(PkgError::msg(format!(
            "the folder `{shown}` does not exist"
        )));
    }
    if !dir.is_dir() {
        return Err(PkgError::msg(format!(
            "`{shown}` is a file; `--path` takes the folder that holds the package's `{MANIFEST_NAME}`"
        )));
    }
    let dep_manifest = dir.join(MANIFEST_NAME);
    if !dep_manifest.is_file() {
        return Err(PkgError::msg(format!(
            "`{shown}` holds no `{MANIFEST_NAME}` (`--path` takes a package folder)"
        )));
    }
    let dep = Manifest::load(&shown_path(&dep_manifest))?;
    if dep.name != name {
        return Err(PkgError::in_file(
            shown_path(&dep_manifest),
            format!("this is package `{}`, not `{name}`", dep.name),
        )
        .with_detail(format!("help: run `weir add {} --path {shown}`", dep.name)));
    }
    let canon = |p: &Path| {
        p.canonicalize()
            .map_err(|e| PkgError::msg(format!("cannot resolve `{}`: {e}", p.display())))
    };
    let from = match manifest.parent() {
        Some(p) if !p.as_os_str().is_empty() => canon(p)?,
        _ => canon(Path::new("."))?,
    };
    let to = canon(dir)?;
    let rel = relative(&from, &to);
    let mut parts = Vec::new();
    for c in rel.components() {
        match c.as_os_str().to_str() {
            Some(s) => parts.push(s.to_string()),
            None => {
                return Err(PkgError::msg(format!(
                    "the path `{}` is not valid UTF-8 and cannot be written in `{MANIFEST_NAME}`",
                    to.display()
                )))
            }
        }
    }
    if rel.is_absolute() {
        // No common root (another drive): keep the absolute path as it is.
        return to.to_str().map(str::to_string).ok_or_else(|| {
            PkgError::msg(format!("the path `{}` is not valid UTF-8", to.display()))
        });
    }
    Ok(if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    })
}

/// `to` relative to `from` (both absolute, without `.`/`..`); `to` itself when they share no
/// root.
fn relative(from: &Path, to: &Path) -> PathBuf {
    let f: Vec<Component> = from.components().collect();
    let t: Vec<Component> = to.components().collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return to.to_path_buf();
    }
    let mut out = PathBuf::new();
    for _ in common..f.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c.as_os_str());
    }
    out
}

// ---------------------------------------------------------------- registry dependencies

/// The requirement to write for registry package `name`: `req` once checked against the
/// registry, else `^V` for its newest version.
fn registry_req(name: &str, req: Option<&str>) -> Result<String, PkgError> {
    let opts = crate::deps_options();
    let home = weir_pkg::registry::weir_home()?;
    let Some(loc) = weir_pkg::registry::configured(opts.registry.as_deref(), &home)? else {
        return Err(PkgError::msg(format!(
            "no registry is configured to look up `{name}`"
        ))
        .with_detail(format!(
            "help: pass `--registry URL_OR_PATH`, set WEIR_REGISTRY, or write (registry \"URL_OR_PATH\") in {}\nhelp: for a package on disk, use `weir add {name} --path FOLDER`",
            home.join("config.weir").display()
        )));
    };
    let source = loc.source_id();
    let mut reg = weir_pkg::registry::Registry::open(loc, &home, opts.offline);
    let versions = reg.versions(name)?;
    if versions.is_empty() {
        return Err(PkgError::msg(format!(
            "package `{name}` is not in the registry `{source}`"
        ))
        .with_detail(format!(
            "help: check the name; for a package on disk, use `weir add {name} --path FOLDER`"
        )));
    }
    choose(name, req, &versions, &source)
}

/// Picks the requirement among `versions` (see the module docs).
fn choose(
    name: &str,
    req: Option<&str>,
    versions: &[IndexEntry],
    source: &str,
) -> Result<String, PkgError> {
    let mut live: Vec<&Version> = versions
        .iter()
        .filter(|v| !v.yanked)
        .map(|v| &v.vers)
        .collect();
    live.sort();
    live.dedup();
    let Some(req) = req else {
        let newest = live
            .iter()
            .rev()
            .find(|v| v.pre.is_empty())
            .or_else(|| live.last());
        return match newest {
            Some(v) => {
                let mut base = Version::new(v.major, v.minor, v.patch);
                base.pre = v.pre.clone();
                Ok(format!("^{base}"))
            }
            None => Err(PkgError::msg(format!(
                "every published version of `{name}` is yanked (registry `{source}`)"
            ))),
        };
    };
    let parsed = VersionReq::parse(req)
        .map_err(|e| PkgError::msg(format!("`{req}` is not a version requirement ({e})")))?;
    if live.iter().any(|v| parsed.matches(v)) {
        return Ok(req.to_string());
    }
    let shown: Vec<String> = live.iter().map(|v| v.to_string()).collect();
    let mut detail = if shown.is_empty() {
        "every published version is yanked".to_string()
    } else {
        format!("available versions: {}", shown.join(", "))
    };
    let yanked: Vec<String> = versions
        .iter()
        .filter(|v| v.yanked && parsed.matches(&v.vers))
        .map(|v| v.vers.to_string())
        .collect();
    if !yanked.is_empty() {
        detail.push_str(&format!("\nyanked (not used): {}", yanked.join(", ")));
    }
    Err(PkgError::msg(format!(
        "no version of `{name}` matches `{req}` in the registry `{source}`"
    ))
    .with_detail(detail))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs() {
        assert_eq!(parse_spec("strs"), Ok(("strs".into(), None)));
        assert_eq!(
            parse_spec("strs@^1.2"),
            Ok(("strs".into(), Some("^1.2".into())))
        );
        assert!(parse_spec("strs@").is_err());
        assert!(parse_spec("Strs").is_err());
        assert!(parse_spec("strs@x.y").is_err());
    }

    #[test]
    fn relative_paths() {
        let rel = |a: &str, b: &str| relative(Path::new(a), Path::new(b));
        assert_eq!(rel("/w/app", "/w/util"), PathBuf::from("../util"));
        assert_eq!(rel("/w/app", "/w/app/vendor/x"), PathBuf::from("vendor/x"));
        assert_eq!(rel("/w/app", "/w/app"), PathBuf::new());
        assert_eq!(rel("/a/b/c", "/x"), PathBuf::from("../../../x"));
    }
}
