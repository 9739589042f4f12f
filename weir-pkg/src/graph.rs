//! The package graph (packages.md §3 steps 1–3): the root manifest and every dependency,
//! recursively, as a `petgraph` graph sorted topologically.
//!
//! Invariants
//! - One node per package folder: two dependencies reach the same node when their manifests are
//!   the same file after canonicalisation. Two different folders with the same package name are an
//!   error, so a name identifies a package within a graph.
//! - A dependency's manifest `name` equals the name it is declared under.
//! - The graph is acyclic (a cycle is an error that prints it, `a -> b -> c -> a`, found by a
//!   depth-first search from the root that visits dependencies in name order, so it is
//!   deterministic).
//! - `order` lists every package once, each after all its dependencies; among packages that are
//!   ready at the same time, the smallest name comes first. The root is last.
//! - `dev-deps` are followed only for the root and only when asked; other packages' `dev-deps`
//!   are never read. `Package::dev_deps` is empty when they were not followed.
//! - Registry dependencies go through a resolver callback ([`load_graph_with`], used by
//!   `deps::load_graph`); [`load_graph`] has none and reports them as an error.
//! - Errors about a dependency point at its entry in the manifest that declares it.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::path::{Component, Path, PathBuf};

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::manifest::{locate, DepSource, Dependency, Manifest, MANIFEST_NAME};
use crate::PkgError;

/// A package's index in [`PackageGraph::packages`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PackageId(pub usize);

/// One package of the graph.
#[derive(Debug, Clone, PartialEq)]
pub struct Package {
    pub id: PackageId,
    pub manifest: Manifest,
    /// (name, package) per `deps` entry, in the order written.
    pub deps: Vec<(String, PackageId)>,
    /// (name, package) per `dev-deps` entry; empty unless followed (root, `with_dev_deps`).
    pub dev_deps: Vec<(String, PackageId)>,
    /// The registry a registry package comes from (`None` for the root and path packages).
    pub source: Option<String>,
}

/// Every package reachable from the root manifest.
#[derive(Debug, Clone)]
pub struct PackageGraph {
    /// Indexed by `PackageId.0`; the root is first.
    pub packages: Vec<Package>,
    pub root: PackageId,
    /// Dependencies first (see the module invariants).
    pub order: Vec<PackageId>,
    /// Node `i` is package `i`; an edge goes from a package to a dependency, weighted by whether
    /// it is a dev-dependency.
    graph: DiGraph<PackageId, bool>,
}

/// Finds `weir.pkg` in `start` (a folder), else in its parents, like Cargo. The result is
/// relative to the current folder when it lies below it, else absolute.
pub fn find_manifest(start: &Path) -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok();
    let abs = if start.is_absolute() {
        start.to_path_buf()
    } else {
        cwd.as_ref()?.join(start)
    };
    let abs = lexical_normalise(&abs);
    let found = abs
        .ancestors()
        .map(|dir| dir.join(MANIFEST_NAME))
        .find(|p| p.is_file())?;
    match cwd.as_ref().and_then(|c| found.strip_prefix(c).ok()) {
        Some(rel) => Some(rel.to_path_buf()),
        None => Some(found),
    }
}

/// Loads the root manifest and every path dependency, recursively; `with_dev_deps` also follows
/// the root's `dev-deps`. Registry dependencies are an error here: builds load the graph through
/// [`crate::deps::load_graph`], which resolves them.
pub fn load_graph(root_manifest: &Path, with_dev_deps: bool) -> Result<PackageGraph, PkgError> {
    load_graph_with(root_manifest, with_dev_deps, &mut |m, dep| {
        Err(dep_error(
            m,
            dep,
            None,
            format!(
                "dependency `{}` is a registry dependency: this loader follows path dependencies only (`deps::load_graph` resolves registry ones)",
                dep.name
            ),
        ))
    })
}

/// [`load_graph`] with a resolver for registry dependencies: given the declaring manifest and a
/// `DepSource::Registry` dependency, it returns the folder that holds that package's `weir.pkg`
/// (e.g. an unpacked archive), or an error.
pub fn load_graph_with(
    root_manifest: &Path,
    with_dev_deps: bool,
    resolve: &mut dyn FnMut(&Manifest, &Dependency) -> Result<PathBuf, PkgError>,
) -> Result<PackageGraph, PkgError> {
    let root = Manifest::load(root_manifest)?;
    let root_canon = canonical_manifest(&root)?;
    let mut packages = vec![Package {
        id: PackageId(0),
        manifest: root,
        deps: Vec::new(),
        dev_deps: Vec::new(),
        source: None,
    }];
    let mut by_canon: HashMap<PathBuf, PackageId> = HashMap::new();
    by_canon.insert(root_canon, PackageId(0));
    // (from, to, dev)
    let mut edges: Vec<(PackageId, PackageId, bool)> = Vec::new();
    let mut queue = VecDeque::from([PackageId(0)]);
    let mut folders: HashMap<PathBuf, (PathBuf, PathBuf)> = HashMap::new();
    while let Some(id) = queue.pop_front() {
        let m = packages[id.0].manifest.clone();
        let mut lists = vec![(false, &m.deps)];
        if id.0 == 0 && with_dev_deps {
            lists.push((true, &m.dev_deps));
        }
        for (dev, deps) in lists {
            for dep in deps {
                let dir = match &dep.source {
                    DepSource::Path(p) => m.root.join(p),
                    DepSource::Registry { .. } => resolve(&m, dep)?,
                };
                // Many packages may depend on one folder (a registry package reached from many
                // others): it is checked and canonicalised once.
                let (mpath, canon) = match folders.get(&dir) {
                    Some(found) => found.clone(),
                    None => {
                        let mpath = dependency_manifest(&m, dep, dev, &dir)?;
                        let canon = mpath.canonicalize().map_err(|e| {
                            dep_error(
                                &m,
                                dep,
                                Some(dev),
                                format!(
                                    "dependency `{}`: cannot read `{}`: {e}",
                                    dep.name,
                                    mpath.display()
                                ),
                            )
                        })?;
                        folders.insert(dir.clone(), (mpath.clone(), canon.clone()));
                        (mpath, canon)
                    }
                };
                let child = match by_canon.get(&canon) {
                    Some(&c) => c,
                    None => {
                        let cm = Manifest::load(&mpath)?;
                        let c = PackageId(packages.len());
                        packages.push(Package {
                            id: c,
                            manifest: cm,
                            deps: Vec::new(),
                            dev_deps: Vec::new(),
                            source: None,
                        });
                        by_canon.insert(canon, c);
                        queue.push_back(c);
                        c
                    }
                };
                let found = &packages[child.0].manifest;
                if found.name != dep.name {
                    return Err(dep_error(
                        &m,
                        dep,
                        Some(dev),
                        format!(
                            "dependency `{}`: the package in `{}` is named `{}`, not `{}`",
                            dep.name,
                            found.root.display(),
                            found.name,
                            dep.name
                        ),
                    ));
                }
                if let Some(other) = packages
                    .iter()
                    .find(|p| p.id != child && p.manifest.name == dep.name)
                {
                    return Err(dep_error(
                        &m,
                        dep,
                        Some(dev),
                        format!(
                            "two different packages are named `{}`: `{}` and `{}`",
                            dep.name,
                            other.manifest.root.display(),
                            found.root.display()
                        ),
                    ));
                }
                let pkg = &mut packages[id.0];
                if dev {
                    pkg.dev_deps.push((dep.name.clone(), child));
                } else {
                    pkg.deps.push((dep.name.clone(), child));
                }
                edges.push((id, child, dev));
            }
        }
    }
    let mut graph = DiGraph::with_capacity(packages.len(), edges.len());
    for p in &packages {
        graph.add_node(p.id);
    }
    for (from, to, dev) in &edges {
        graph.add_edge(NodeIndex::new(from.0), NodeIndex::new(to.0), *dev);
    }
    let mut g = PackageGraph {
        packages,
        root: PackageId(0),
        order: Vec::new(),
        graph,
    };
    g.check_acyclic()?;
    g.order = g.topological_order();
    Ok(g)
}

impl PackageGraph {
    /// The package `id`.
    pub fn package(&self, id: PackageId) -> &Package {
        &self.packages[id.0]
    }

    /// The package named `name`, if any (names are unique within a graph).
    pub fn by_name(&self, name: &str) -> Option<&Package> {
        self.packages.iter().find(|p| p.manifest.name == name)
    }

    /// Every package `id` depends on, directly or not (through `deps`, and `dev-deps` where they
    /// were followed), without `id` itself, dependencies first (the order of `order`).
    pub fn transitive_deps(&self, id: PackageId) -> Vec<PackageId> {
        let mut seen = vec![false; self.packages.len()];
        let mut stack = vec![id];
        while let Some(p) = stack.pop() {
            for e in self.graph.edges(NodeIndex::new(p.0)) {
                let t = e.target().index();
                if !seen[t] {
                    seen[t] = true;
                    stack.push(PackageId(t));
                }
            }
        }
        self.order
            .iter()
            .copied()
            .filter(|p| seen[p.0] && *p != id)
            .collect()
    }

    /// The dependency tree as `weir tree` prints it: `name vVERSION (path)` per line, paths
    /// relative to the root package's folder, children sorted by name, a package already shown
    /// with its dependencies marked `(*)`, the root's followed dev-deps under
    /// `[dev-dependencies]`.
    pub fn tree(&self) -> String {
        let root_dir = canonical_dir(&self.package(self.root).manifest);
        let mut out = String::new();
        let mut shown = vec![false; self.packages.len()];
        out.push_str(&self.label(self.root, &root_dir));
        out.push('\n');
        shown[self.root.0] = true;
        let root = self.package(self.root);
        self.tree_children(&root.deps, "", &root_dir, &mut shown, &mut out);
        if !root.dev_deps.is_empty() {
            out.push_str("[dev-dependencies]\n");
            self.tree_children(&root.dev_deps, "", &root_dir, &mut shown, &mut out);
        }
        out
    }

    fn tree_children(
        &self,
        deps: &[(String, PackageId)],
        prefix: &str,
        root_dir: &Path,
        shown: &mut [bool],
        out: &mut String,
    ) {
        let mut kids: Vec<PackageId> = deps.iter().map(|(_, id)| *id).collect();
        kids.sort_by(|a, b| self.name(*a).cmp(self.name(*b)));
        kids.dedup();
        for (i, kid) in kids.iter().enumerate() {
            let last = i + 1 == kids.len();
            out.push_str(prefix);
            out.push_str(if last { "└── " } else { "├── " });
            out.push_str(&self.label(*kid, root_dir));
            if shown[kid.0] {
                out.push_str(" (*)\n");
                continue;
            }
            out.push('\n');
            shown[kid.0] = true;
            let next = format!("{prefix}{}", if last { "    " } else { "│   " });
            self.tree_children(&self.package(*kid).deps, &next, root_dir, shown, out);
        }
    }

    fn label(&self, id: PackageId, root_dir: &Path) -> String {
        let p = self.package(id);
        let m = &p.manifest;
        if let Some(source) = &p.source {
            return format!("{} v{} (registry {source})", m.name, m.version);
        }
        let rel = relative_path(root_dir, &canonical_dir(m));
        format!("{} v{} ({})", m.name, m.version, rel.display())
    }

    fn name(&self, id: PackageId) -> &str {
        &self.package(id).manifest.name
    }

    /// Depth-first search from the root (dependencies in name order); the first back edge found
    /// closes the reported cycle.
    fn check_acyclic(&self) -> Result<(), PkgError> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            Active,
            Done,
        }
        let mut mark = vec![Mark::New; self.packages.len()];
        // (package, its sorted children, next child index)
        let mut stack: Vec<(PackageId, Vec<PackageId>, usize)> = Vec::new();
        let children = |p: PackageId| {
            let mut kids: Vec<PackageId> = self
                .graph
                .edges(NodeIndex::new(p.0))
                .map(|e| PackageId(e.target().index()))
                .collect();
            kids.sort_by(|a, b| self.name(*a).cmp(self.name(*b)));
            kids.dedup();
            kids
        };
        mark[self.root.0] = Mark::Active;
        stack.push((self.root, children(self.root), 0));
        while let Some((p, kids, next)) = stack.last_mut() {
            let p = *p;
            let Some(&kid) = kids.get(*next) else {
                mark[p.0] = Mark::Done;
                stack.pop();
                continue;
            };
            *next += 1;
            match mark[kid.0] {
                Mark::Done => {}
                Mark::New => {
                    mark[kid.0] = Mark::Active;
                    stack.push((kid, children(kid), 0));
                }
                Mark::Active => {
                    let start = stack.iter().position(|(q, _, _)| *q == kid).unwrap_or(0);
                    let mut names: Vec<&str> = stack[start..]
                        .iter()
                        .map(|(q, _, _)| self.name(*q))
                        .collect();
                    names.push(self.name(kid));
                    let cycle = names.join(" -> ");
                    let mut ids: Vec<PackageId> =
                        stack[start..].iter().map(|(q, _, _)| *q).collect();
                    ids.push(kid);
                    let detail: Vec<String> = ids
                        .windows(2)
                        .map(|w| {
                            let from = &self.package(w[0]).manifest;
                            let to = self.name(w[1]);
                            let line = from
                                .deps
                                .iter()
                                .chain(&from.dev_deps)
                                .find(|d| d.name == to)
                                .map(|d| format!(":{}", d.line))
                                .unwrap_or_default();
                            format!(
                                "  `{}` depends on `{to}` ({}{line})",
                                from.name,
                                from.path.display()
                            )
                        })
                        .collect();
                    let m = &self.package(p).manifest;
                    let dev = !m.deps.iter().any(|d| d.name == self.name(kid));
                    let dep = m
                        .deps
                        .iter()
                        .chain(&m.dev_deps)
                        .find(|d| d.name == self.name(kid));
                    let msg = format!("dependency cycle: {cycle}");
                    return Err(match dep {
                        Some(dep) => dep_error(m, dep, Some(dev), msg),
                        None => PkgError::in_file(&m.path, msg),
                    }
                    .with_detail(detail.join("\n")));
                }
            }
        }
        Ok(())
    }

    /// Kahn's algorithm; among ready packages the smallest name first.
    fn topological_order(&self) -> Vec<PackageId> {
        let n = self.packages.len();
        let mut waiting: Vec<usize> = (0..n)
            .map(|i| {
                let mut kids: Vec<usize> = self
                    .graph
                    .edges(NodeIndex::new(i))
                    .map(|e| e.target().index())
                    .collect();
                kids.sort_unstable();
                kids.dedup();
                kids.len()
            })
            .collect();
        let mut ready: BTreeSet<(&str, usize)> = (0..n)
            .filter(|i| waiting[*i] == 0)
            .map(|i| (self.name(PackageId(i)), i))
            .collect();
        let mut order = Vec::with_capacity(n);
        while let Some(first) = ready.pop_first() {
            let i = first.1;
            order.push(PackageId(i));
            let mut parents: Vec<usize> = self
                .graph
                .edges_directed(NodeIndex::new(i), petgraph::Direction::Incoming)
                .map(|e| e.source().index())
                .collect();
            parents.sort_unstable();
            parents.dedup();
            for p in parents {
                waiting[p] -= 1;
                if waiting[p] == 0 {
                    ready.insert((self.name(PackageId(p)), p));
                }
            }
        }
        order
    }
}

/// The manifest of the dependency in folder `dir`, checked to exist.
fn dependency_manifest(
    m: &Manifest,
    dep: &Dependency,
    dev: bool,
    dir: &Path,
) -> Result<PathBuf, PkgError> {
    let shown = lexical_normalise(dir);
    let fail = |what: String| {
        dep_error(
            m,
            dep,
            Some(dev),
            format!("dependency `{}`: {what}", dep.name),
        )
    };
    if !dir.exists() {
        return Err(fail(format!(
            "the folder `{}` does not exist",
            shown.display()
        )));
    }
    if !dir.is_dir() {
        return Err(fail(format!("`{}` is not a folder", shown.display())));
    }
    let mpath = dir.join(MANIFEST_NAME);
    if !mpath.is_file() {
        return Err(fail(format!(
            "the folder `{}` has no {MANIFEST_NAME}",
            shown.display()
        )));
    }
    // Show the short path when it names the same file.
    let short = shown.join(MANIFEST_NAME);
    if short == mpath {
        return Ok(mpath);
    }
    match (short.canonicalize(), mpath.canonicalize()) {
        (Ok(a), Ok(b)) if a == b => Ok(short),
        _ => Ok(mpath),
    }
}

/// An error about `dep`, declared in `m` (in `dev-deps` when `dev` is `Some(true)`), located at
/// its `(path ...)`/`(version ...)` when found, else at the entry's line.
pub(crate) fn dep_error(
    m: &Manifest,
    dep: &Dependency,
    dev: Option<bool>,
    msg: String,
) -> PkgError {
    let e = PkgError::in_file(&m.path, msg);
    let section = match dev {
        Some(true) => "dev-deps",
        Some(false) => "deps",
        None if m.deps.iter().any(|d| d.name == dep.name) => "deps",
        None => "dev-deps",
    };
    let key = match dep.source {
        DepSource::Path(_) => "path",
        DepSource::Registry { .. } => "version",
    };
    let pos = locate(&m.path, &[section, &dep.name, key])
        .or_else(|| locate(&m.path, &[section, &dep.name]));
    match pos {
        Some((line, col)) => e.at(line, col),
        None if dep.line > 0 => PkgError {
            line: Some(dep.line),
            ..e
        },
        None => e,
    }
}

fn canonical_manifest(m: &Manifest) -> Result<PathBuf, PkgError> {
    m.path
        .canonicalize()
        .map_err(|e| PkgError::in_file(&m.path, format!("cannot read the manifest: {e}")))
}

fn canonical_dir(m: &Manifest) -> PathBuf {
    m.root
        .canonicalize()
        .unwrap_or_else(|_| lexical_normalise(&m.root))
}

/// Removes `.` and `name/..` pairs without touching the file system (for display).
fn lexical_normalise(p: &Path) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(c),
            },
            _ => out.push(c),
        }
    }
    if out.is_empty() {
        return PathBuf::from(".");
    }
    out.iter().collect()
}

/// `to` relative to `from` (both absolute or both relative and normalised).
fn relative_path(from: &Path, to: &Path) -> PathBuf {
    let f: Vec<Component<'_>> = from.components().collect();
    let t: Vec<Component<'_>> = to.components().collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..f.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c);
    }
    if out.as_os_str().is_empty() {
        return PathBuf::from(".");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative_path(Path::new("/a/b"), Path::new("/a/c")),
            PathBuf::from("../c")
        );
        assert_eq!(
            relative_path(Path::new("/a/b"), Path::new("/a/b")),
            PathBuf::from(".")
        );
        assert_eq!(
            relative_path(Path::new("/a"), Path::new("/a/b/c")),
            PathBuf::from("b/c")
        );
        assert_eq!(
            lexical_normalise(Path::new("x/app/../lib/./weir.pkg")),
            PathBuf::from("x/lib/weir.pkg")
        );
        assert_eq!(lexical_normalise(Path::new("../a")), PathBuf::from("../a"));
    }
}
