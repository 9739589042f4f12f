//! Registry dependencies of a build (packages.md §3 step 2, §6): the lock file, the resolver and
//! the fetched archives, turned into package folders for the graph loader.
//!
//! Flow of [`load_graph`]:
//! 1. Collect the registry requirements of the root package (its `deps` and `dev-deps`) and of
//!    every package reached through path dependencies (their `deps`).
//! 2. Read `weir.lock`. When it fits the requirements (every requirement is met by the locked
//!    version from the same registry, every locked package's dependencies are locked, nothing
//!    unneeded is locked), it is used as is: no index file is read (the no-op build path).
//! 3. Otherwise (or for `weir update`) resolve against the registry, preferring the locked
//!    versions (except for `weir update`), and write the new lock — unless `--locked`, which
//!    turns any change into an error.
//! 4. Fetch (download, verify, unpack) every locked package that is not unpacked yet, from the
//!    registry its lock entry names.
//! 5. Load the package graph, mapping each registry dependency to its unpacked folder and
//!    checking that the locked version meets the requirement of the package that declares it.
//!
//! Invariants
//! - The lock is written only when its contents change ([`lock::write_if_changed`]).
//! - A project without registry dependencies and without a lock never touches `$WEIR_HOME`.
//! - Requirements on one name from several packages are combined (all must hold).
//! - The lock covers the root's `dev-deps` too, so `weir build` and `weir test` agree on it.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::path::{Path, PathBuf};

use semver::{Version, VersionReq};

use crate::graph::{load_graph_with, PackageGraph};
use crate::index::{DepKind, Index};
use crate::lock::{self, Lock, LockedPackage, LOCK_NAME};
use crate::manifest::{locate, DepSource, Manifest};
use crate::registry::{self, Location, Registry};
use crate::resolve::resolve;
use crate::PkgError;

/// How registry dependencies are found (the CLI's `--registry`, `--locked`, `--offline`).
#[derive(Debug, Clone, Default)]
pub struct DepsOptions {
    /// `--registry URL_OR_PATH`; else `WEIR_REGISTRY`, else `$WEIR_HOME/config.weir`.
    pub registry: Option<String>,
    /// Fail when `weir.lock` is missing or would change.
    pub locked: bool,
    /// Never use the network.
    pub offline: bool,
}

/// Whether the lock is honoured ([`Mode::Build`]) or resolved again from scratch
/// ([`Mode::Update`], `weir update`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Build,
    Update,
}

/// Something the CLI reports as a status line: `(verb, text)`, e.g. `("Locking", "strs v1.1.0")`.
pub type Event = (&'static str, String);

/// What preparing the registry dependencies did.
#[derive(Debug, Clone, Default)]
pub struct Prepared {
    /// Registry packages by name: unpacked folder, version, source.
    pub packages: BTreeMap<String, (PathBuf, Version, String)>,
    /// Lock changes and downloads, in order, for status lines.
    pub events: Vec<Event>,
    /// Whether `weir.lock` was written.
    pub lock_written: bool,
}

/// One registry requirement of a package of the project.
#[derive(Debug, Clone)]
struct Requirement {
    name: String,
    req: VersionReq,
    /// The declaring manifest and the field (`deps` or `dev-deps`) that declares it.
    manifest: PathBuf,
    section: &'static str,
}

impl Requirement {
    /// An error at the requirement (located only now: reading the manifest again costs time).
    fn error(&self, msg: String) -> PkgError {
        let e = PkgError::in_file(crate::fsutil::display_path(&self.manifest), msg);
        match locate(&self.manifest, &[self.section, &self.name, "version"]) {
            Some((l, c)) => e.at(l, c),
            None => e,
        }
    }
}

/// Loads the package graph of `root_manifest` (see the module docs), with the root's `dev-deps`
/// when `with_dev_deps`.
pub fn load_graph(
    root_manifest: &Path,
    with_dev_deps: bool,
    options: &DepsOptions,
    mode: Mode,
) -> Result<(PackageGraph, Prepared), PkgError> {
    let prepared = prepare(root_manifest, options, mode)?;
    let mut graph = load_graph_with(root_manifest, with_dev_deps, &mut |m, dep| {
        let DepSource::Registry { req } = &dep.source else {
            return Err(PkgError::msg(
                "internal error: a path dependency reached the resolver",
            ));
        };
        let fail = |msg: String| {
            let e = PkgError::in_file(crate::fsutil::display_path(&m.path), msg);
            match locate(&m.path, &["deps", &dep.name])
                .or_else(|| locate(&m.path, &["dev-deps", &dep.name]))
            {
                Some((l, c)) => e.at(l, c),
                None => e,
            }
        };
        match prepared.packages.get(&dep.name) {
            Some((dir, version, _)) if req.matches(version) => Ok(dir.clone()),
            Some((_, version, _)) => Err(fail(format!(
                "dependency `{}` needs version {req}, but weir.lock has {version}",
                dep.name
            ))
            .with_detail("note: run `weir update` to resolve the dependencies again")),
            None => Err(
                fail(format!("dependency `{}` is not in weir.lock", dep.name))
                    .with_detail("note: run `weir update` to resolve the dependencies again"),
            ),
        }
    })?;
    for p in &mut graph.packages {
        if let Some((dir, _, source)) = prepared.packages.get(&p.manifest.name) {
            if p.id != graph.root && p.manifest.root == *dir {
                p.source = Some(source.clone());
            }
        }
    }
    Ok((graph, prepared))
}

/// Steps 1–4 of the module docs: the registry packages the build needs, fetched.
pub fn prepare(
    root_manifest: &Path,
    options: &DepsOptions,
    mode: Mode,
) -> Result<Prepared, PkgError> {
    let (root, reqs) = requirements(root_manifest)?;
    let lock_path = root.root.join(LOCK_NAME);
    let old = lock::read(&lock_path)?;
    let mut prepared = Prepared::default();
    if reqs.is_empty() && old.as_ref().is_none_or(|l| l.packages.is_empty()) {
        return Ok(prepared);
    }
    let home = registry::weir_home()?;
    let configured = registry::configured(options.registry.as_deref(), &home)?;
    let configured_id = configured.as_ref().map(Location::source_id);

    let fits = match (&old, mode) {
        (Some(lock), Mode::Build) => fits(lock, &reqs, configured_id.as_deref()),
        (Some(_), Mode::Update) => Err("`weir update` resolves again".to_string()),
        (None, _) => Err("weir.lock does not exist".to_string()),
    };
    let lock = match fits {
        Ok(()) => old.clone().unwrap_or_default(),
        Err(reason) => {
            let location = match configured {
                Some(l) => l,
                None => lock_source(old.as_ref())
                    .map(|s| Location::parse(&s))
                    .transpose()?
                    .ok_or_else(|| no_registry(&root, &reqs))?,
            };
            let mut reg = Registry::open(location, &home, options.offline);
            let preferred = match (mode, &old) {
                (Mode::Build, Some(l)) => l
                    .packages
                    .iter()
                    .filter(|p| p.source == reg.location().source_id())
                    .map(|p| (p.name.clone(), p.version.clone()))
                    .collect(),
                _ => BTreeMap::new(),
            };
            let new = resolve_lock(&root, &reqs, &mut reg, &preferred)?;
            let changes = diff(old.as_ref(), &new);
            if options.locked && (old.is_none() || !changes.is_empty()) {
                let what = if old.is_none() {
                    "weir.lock does not exist".to_string()
                } else {
                    reason
                };
                let mut detail: Vec<String> =
                    changes.iter().map(|(v, t)| format!("  {v} {t}")).collect();
                detail
                    .push("note: run the command without --locked to update weir.lock".to_string());
                return Err(PkgError::in_file(
                    crate::fsutil::display_path(&lock_path),
                    format!("weir.lock needs to be updated ({what}), but --locked was given"),
                )
                .with_detail(detail.join("\n")));
            }
            prepared.lock_written = lock::write_if_changed(&lock_path, &new)?;
            prepared.events.extend(changes);
            new
        }
    };

    // Step 4: fetch what is not unpacked yet, one registry handle per source.
    let mut registries: HashMap<String, Registry> = HashMap::new();
    for p in &lock.packages {
        let reg = match registries.get_mut(&p.source) {
            Some(r) => r,
            None => {
                let loc = Location::parse(&p.source).map_err(|e| {
                    PkgError::in_file(
                        crate::fsutil::display_path(&lock_path),
                        format!("package `{}` has a bad source: {}", p.name, e.message),
                    )
                })?;
                registries.entry(p.source.clone()).or_insert(Registry::open(
                    loc,
                    &home,
                    options.offline,
                ))
            }
        };
        // `fetch` also checks that what was unpacked earlier has the locked checksum (reading
        // only its marker); `unpacked` only says whether anything is there yet.
        let fresh = reg.unpacked(&p.name, &p.version).is_none();
        let dir = reg.fetch(&p.name, &p.version, &p.checksum).map_err(|e| {
            let note = format!(
                "note: weir.lock says {} v{} comes from {}; if that registry moved, give its \
                 new location with `--registry` (weir.lock is then updated)",
                p.name, p.version, p.source
            );
            let detail = match e.detail.is_empty() {
                true => note,
                false => format!("{}\n{note}", e.detail),
            };
            e.with_detail(detail)
        })?;
        if fresh {
            prepared
                .events
                .push(("Downloaded", format!("{} v{}", p.name, p.version)));
        }
        prepared
            .packages
            .insert(p.name.clone(), (dir, p.version.clone(), p.source.clone()));
    }
    Ok(prepared)
}

/// The root manifest and the registry requirements of the root (deps and dev-deps) and of every
/// package reached through path dependencies. Path packages that cannot be read are skipped:
/// loading the graph reports them with their position.
fn requirements(root_manifest: &Path) -> Result<(Manifest, Vec<Requirement>), PkgError> {
    let root = Manifest::load(root_manifest)?;
    let mut reqs = Vec::new();
    let mut seen = BTreeSet::new();
    if let Ok(c) = root.path.canonicalize() {
        seen.insert(c);
    }
    let mut queue = VecDeque::from([(root.clone(), true)]);
    while let Some((m, is_root)) = queue.pop_front() {
        let mut lists = vec![("deps", &m.deps)];
        if is_root {
            lists.push(("dev-deps", &m.dev_deps));
        }
        for (section, deps) in lists {
            for dep in deps {
                match &dep.source {
                    DepSource::Registry { req } => reqs.push(Requirement {
                        name: dep.name.clone(),
                        req: req.clone(),
                        manifest: m.path.clone(),
                        section,
                    }),
                    DepSource::Path(p) => {
                        let path = m.root.join(p).join(crate::manifest::MANIFEST_NAME);
                        let Ok(canon) = path.canonicalize() else {
                            continue;
                        };
                        if seen.insert(canon) {
                            if let Ok(dm) = Manifest::load(&path) {
                                queue.push_back((dm, false));
                            }
                        }
                    }
                }
            }
        }
    }
    Ok((root, reqs))
}

/// `Ok` when `lock` can be used as is for `reqs`; else why not.
fn fits(lock: &Lock, reqs: &[Requirement], registry: Option<&str>) -> Result<(), String> {
    let mut wanted: Vec<&str> = Vec::new();
    for r in reqs {
        let Some(p) = lock.get(&r.name) else {
            return Err(format!("`{}` is not locked", r.name));
        };
        if !r.req.matches(&p.version) {
            return Err(format!(
                "the locked {} {} does not meet the requirement {}",
                p.name, p.version, r.req
            ));
        }
        wanted.push(&p.name);
    }
    if let Some(id) = registry {
        if let Some(p) = lock.packages.iter().find(|p| p.source != id) {
            return Err(format!(
                "{} {} was locked from another registry ({})",
                p.name, p.version, p.source
            ));
        }
    }
    let mut reached: BTreeSet<&str> = BTreeSet::new();
    while let Some(name) = wanted.pop() {
        if !reached.insert(name) {
            continue;
        }
        let Some(p) = lock.get(name) else {
            return Err(format!("`{name}` is not locked"));
        };
        wanted.extend(p.deps.iter().map(String::as_str));
    }
    if let Some(p) = lock
        .packages
        .iter()
        .find(|p| !reached.contains(p.name.as_str()))
    {
        return Err(format!("{} {} is no longer needed", p.name, p.version));
    }
    Ok(())
}

/// The single source of `lock`'s packages, if they all share one.
fn lock_source(lock: Option<&Lock>) -> Option<String> {
    let sources: BTreeSet<&str> = lock?.packages.iter().map(|p| p.source.as_str()).collect();
    match sources.len() {
        1 => sources.into_iter().next().map(str::to_string),
        _ => None,
    }
}

fn no_registry(root: &Manifest, reqs: &[Requirement]) -> PkgError {
    let names: BTreeSet<&str> = reqs.iter().map(|r| r.name.as_str()).collect();
    let names: Vec<&str> = names.into_iter().collect();
    let first = reqs.first().map(|r| r.error(String::new()));
    let msg = format!(
        "`{}` has registry dependencies ({}) but no registry is configured",
        root.name,
        names.join(", ")
    );
    let e = match first {
        Some(e) => PkgError { message: msg, ..e },
        None => PkgError::in_file(crate::fsutil::display_path(&root.path), msg),
    };
    e.with_detail(
        "note: give `--registry PATH_OR_URL`, set WEIR_REGISTRY, or write \
         `(registry \"PATH_OR_URL\")` in $WEIR_HOME/config.weir (default ~/.weir/config.weir)",
    )
}

/// Resolves `reqs` against `reg` and returns the lock describing the result.
fn resolve_lock(
    root: &Manifest,
    reqs: &[Requirement],
    reg: &mut Registry,
    preferred: &BTreeMap<String, Version>,
) -> Result<Lock, PkgError> {
    // Several packages may require one name: all their requirements must hold.
    let mut merged: BTreeMap<String, VersionReq> = BTreeMap::new();
    for r in reqs {
        merged
            .entry(r.name.clone())
            .and_modify(|q| q.comparators.extend(r.req.comparators.iter().cloned()))
            .or_insert_with(|| r.req.clone());
    }
    // A name with no published version at all is reported at the requirement that names it.
    for r in reqs {
        if reg.versions(&r.name)?.is_empty() {
            return Err(r.error(format!(
                "dependency `{}`: no package with that name in the registry {}",
                r.name,
                reg.location().source_id()
            )));
        }
    }
    let root_deps: Vec<(String, VersionReq)> = merged.into_iter().collect();
    let res = resolve(&root.name, &root.version, &root_deps, reg, preferred)?;
    let source = reg.location().source_id();
    let packages = res
        .packages
        .into_iter()
        .map(|(name, (version, entry))| LockedPackage {
            name,
            version,
            source: source.clone(),
            checksum: entry.cksum.to_ascii_lowercase(),
            deps: entry
                .deps
                .iter()
                .filter(|d| d.kind == DepKind::Normal)
                .map(|d| d.name.clone())
                .collect(),
        })
        .collect();
    let mut lock = Lock { packages };
    lock.normalise();
    Ok(lock)
}

/// Status lines for the change from `old` to `new`.
fn diff(old: Option<&Lock>, new: &Lock) -> Vec<Event> {
    let empty = Lock::default();
    let old = old.unwrap_or(&empty);
    let mut out = Vec::new();
    for p in &new.packages {
        match old.get(&p.name) {
            None => out.push(("Locking", format!("{} v{}", p.name, p.version))),
            Some(o) if o.version != p.version => out.push((
                "Updating",
                format!("{} v{} -> v{}", p.name, o.version, p.version),
            )),
            Some(o) if o != p => out.push(("Updating", format!("{} v{}", p.name, p.version))),
            Some(_) => {}
        }
    }
    for o in &old.packages {
        if new.get(&o.name).is_none() {
            out.push(("Removing", format!("{} v{}", o.name, o.version)));
        }
    }
    out
}
