//! Compiling a package program (packages.md §3–§4): the modules of every package in the graph,
//! their imports, the module graph, checking in dependency order (in parallel, with the
//! per-module cache and early cut-off) and linking into one typed program.
//!
//! Invariants:
//! - A module is checked only after every module it imports (transitively) has an interface;
//!   modules whose imports are all done are checked concurrently (one rayon wave per level of the
//!   module graph). Diagnostics and `-v` events come out in module order whatever the scheduling.
//! - Imports are validated here, before any checking: the module must exist and belong to the
//!   importing package or to one of its declared dependencies; import cycles are errors naming
//!   the whole cycle. Errors point at the `import` form in the user's file.
//! - Test modules (`LoadOptions::tests`: the root's `tests/*.weir`) may also import the root's
//!   `dev-deps`; ordinary modules may import neither a dev-dependency nor a test module, so a
//!   program compiles the same with and without its tests.
//! - A module that has errors (or imports one that has) gets no cache entry and no interface;
//!   modules that do not depend on it are still checked, so one build reports every independent
//!   error.
//! - The linked program's modules are in initialisation order: a module after every module it
//!   imports, ties broken by module name in byte order (language.md §16.2).
//! - Source files are read once; every module's text is in the returned `SourceMap` (runtime
//!   error locations need it), whether it was checked or came from the cache.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use weir_compiler::ast;
use weir_compiler::check::{check_module_in, CheckOptions};
use weir_compiler::diag::Diagnostic;
use weir_compiler::module::{CheckedModule, Interface};
use weir_compiler::span::{FileId, SourceMap, Span};

use crate::cache::{self, Cache, Miss};
use crate::fsutil::{display_path, sha256_hex};
use crate::graph::{PackageGraph, PackageId};
use crate::modules::{package_modules, test_modules};
use crate::PkgError;

/// A package program: the package graph and every module of every package in it.
pub struct Project {
    /// The root manifest.
    pub manifest_path: PathBuf,
    pub graph: PackageGraph,
    /// `target/` beside the root manifest.
    pub target: PathBuf,
    /// Every module of every package, sorted by name.
    pub modules: Vec<Module>,
    /// The root package's `main` module (an application), if any.
    pub main_module: Option<String>,
    /// The registry packages and what preparing them did (lock changes, downloads).
    pub registry: crate::deps::Prepared,
}

/// One module of the project.
pub struct Module {
    pub name: String,
    pub package: PackageId,
    pub path: PathBuf,
    /// The path as shown in messages (relative to the current folder when below it).
    pub display: String,
    /// A test module of the root package (`tests/NAME.weir`, loaded only for `weir test`).
    pub test: bool,
}

/// Something `weir build -v` reports about a module.
pub enum Event<'a> {
    Checked { module: &'a str, reason: String },
    Cached { module: &'a str },
}

/// Why a program could not be compiled.
pub enum Failure {
    /// A manifest, file-system or package-level error.
    Pkg(PkgError),
    /// Errors in the program's source (rendered against `sources`).
    Diagnostics {
        sources: SourceMap,
        diagnostics: Vec<Diagnostic>,
    },
}

impl From<PkgError> for Failure {
    fn from(e: PkgError) -> Failure {
        Failure::Pkg(e)
    }
}

/// The checked modules of a program, in initialisation order.
pub struct Checked {
    pub sources: SourceMap,
    pub modules: Vec<CheckedModule>,
    /// Warnings (no errors) of the modules checked in this build.
    pub diagnostics: Vec<Diagnostic>,
    /// What building each module's own object file needs (same order as `modules`).
    pub units: Vec<UnitInfo>,
}

/// One module's share of the linked program, for per-module object files
/// (`weir_compiler::codegen::Unit`).
#[derive(Clone, Debug)]
pub struct UnitInfo {
    pub module: String,
    /// How many functions and which globals (by name) the module defines; in the linked program
    /// they follow those of the modules before it.
    pub funcs: usize,
    pub globals: Vec<String>,
    /// Everything the module's machine code depends on, hashed: the compiler, the module's
    /// source and file name, the interfaces of every module it depends on, and the sources of
    /// those that define generic functions (their bodies are compiled into this module's object
    /// when it instantiates them).
    pub key: String,
}

/// What [`load_project`] loads.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `weir test`: also the root package's `tests/*.weir` modules and its `dev-deps`.
    pub tests: bool,
    /// How registry dependencies are found.
    pub deps: crate::deps::DepsOptions,
}

/// Loads the package graph and finds every package's modules.
pub fn load_project(manifest: &Path, options: &LoadOptions) -> Result<Project, PkgError> {
    let (graph, registry) = crate::deps::load_graph(
        manifest,
        options.tests,
        &options.deps,
        crate::deps::Mode::Build,
    )?;
    let mut modules = Vec::new();
    let mut main_module = None;
    for &id in &graph.order {
        let pkg = graph.package(id);
        for m in package_modules(&pkg.manifest)? {
            if id == graph.root && m.is_main {
                main_module = Some(m.name.clone());
            }
            modules.push(Module {
                display: display_path(&m.path).display().to_string(),
                name: m.name,
                package: id,
                path: m.path,
                test: false,
            });
        }
    }
    if options.tests {
        let root = graph.package(graph.root);
        for m in test_modules(&root.manifest)? {
            modules.push(Module {
                display: display_path(&m.path).display().to_string(),
                name: m.name,
                package: graph.root,
                path: m.path,
                test: true,
            });
        }
    }
    modules.sort_by(|a, b| a.name.cmp(&b.name));
    let root = manifest.parent().unwrap_or(Path::new("."));
    Ok(Project {
        manifest_path: manifest.to_path_buf(),
        target: root.join("target"),
        graph,
        modules,
        main_module,
        registry,
    })
}

/// The worker pool: threads with big stacks, because the front end recurses over the syntax.
fn pool() -> &'static rayon::ThreadPool {
    static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .stack_size(weir_compiler::BIG_STACK / 4)
            .thread_name(|i| format!("weir-check-{i}"))
            .build()
            .expect("cannot start the checker threads")
    })
}

/// A module's state during a build.
struct Unit {
    file: FileId,
    hash: String,
    entry: Result<cache::Entry, Miss>,
    ast: Option<ast::Module>,
    /// Direct imports: module index and the import's span (default for cached modules).
    imports: Vec<(usize, Span)>,
}

impl Project {
    /// Reads, parses (when needed) and checks every module, using and refreshing the cache.
    /// `require_main`: the root package's main module must define `main`.
    pub fn check(
        &self,
        require_main: bool,
        report: &mut dyn FnMut(Event),
    ) -> Result<Checked, Failure> {
        self.check_with_progress(require_main, report, &|_, _| {})
    }

    /// [`Project::check`], calling `progress(done, total)` as modules are finished (from the
    /// calling thread, between waves).
    pub fn check_with_progress(
        &self,
        require_main: bool,
        report: &mut dyn FnMut(Event),
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<Checked, Failure> {
        let mut events = Vec::new();
        let res = pool().install(|| self.check_in_pool(require_main, &mut events, progress));
        for (i, reason) in events {
            let module = self.modules[i].name.as_str();
            match reason {
                None => report(Event::Cached { module }),
                Some(reason) => report(Event::Checked { module, reason }),
            }
        }
        res
    }

    fn check_in_pool(
        &self,
        require_main: bool,
        events: &mut Vec<(usize, Option<String>)>,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<Checked, Failure> {
        use rayon::prelude::*;
        let cache = Cache::new(&self.target);
        // 1. Sources and cache entries.
        let texts: Vec<Result<(String, String), PkgError>> = self
            .modules
            .par_iter()
            .map(|m| {
                let text = read_source(&m.path, &m.display)?;
                let hash = sha256_hex(text.as_bytes());
                Ok((text, hash))
            })
            .collect();
        let mut sources = SourceMap::new();
        let mut units: Vec<Unit> = Vec::with_capacity(self.modules.len());
        let mut hashes = Vec::with_capacity(self.modules.len());
        for (m, t) in self.modules.iter().zip(texts) {
            let (text, hash) = t?;
            let file = sources.add(m.display.clone(), text);
            hashes.push(hash.clone());
            units.push(Unit {
                file,
                hash,
                entry: Err(Miss::NoEntry),
                ast: None,
                imports: Vec::new(),
            });
        }
        let entries: Vec<Result<cache::Entry, Miss>> = (self.modules.par_iter().zip(&hashes))
            .map(|(m, h)| cache.load(&m.name, h))
            .collect();
        for (u, e) in units.iter_mut().zip(entries) {
            u.entry = e;
        }
        // 2. Parse what the cache cannot stand for.
        let mut diagnostics: Vec<Diagnostic> = Vec::new();
        let parsed: Vec<Option<(ast::Module, Vec<Diagnostic>)>> = units
            .par_iter()
            .map(|u| {
                u.entry
                    .is_err()
                    .then(|| weir_compiler::parse_file(u.file, &sources.get(u.file).text))
            })
            .collect();
        for (u, p) in units.iter_mut().zip(parsed) {
            if let Some((module, diags)) = p {
                diagnostics.extend(diags);
                u.ast = Some(module);
            }
        }
        // 3. Imports: resolve and validate.
        let index: HashMap<&str, usize> = (self.modules.iter().enumerate())
            .map(|(i, m)| (m.name.as_str(), i))
            .collect();
        #[allow(clippy::needless_range_loop)] // `import_span` borrows `units[i]` mid-loop
        for i in 0..units.len() {
            let written: Vec<(String, Span)> = match (&units[i].ast, &units[i].entry) {
                (Some(module), _) => import_forms(module),
                (None, Ok(e)) => (e.imports.iter())
                    .map(|n| (n.clone(), Span::default()))
                    .collect(),
                (None, Err(_)) => Vec::new(),
            };
            let mut imports = Vec::new();
            for (name, span) in written {
                match self.check_import(i, &name, &index) {
                    Ok(j) => {
                        if !imports.iter().any(|(k, _)| *k == j) {
                            imports.push((j, span));
                        }
                    }
                    Err((msg, note)) => {
                        // A cached module's import became invalid (e.g. a dependency was
                        // removed from the manifest): parse it to point at the import.
                        let span = if span == Span::default() {
                            self.import_span(&units[i], &sources, &name)
                        } else {
                            span
                        };
                        let mut d = Diagnostic::error(span, msg);
                        if let Some(n) = note {
                            d = d.with_note(n);
                        }
                        diagnostics.push(d);
                    }
                }
            }
            units[i].imports = imports;
        }
        if let Some(d) = self.find_cycle(&units, &sources) {
            diagnostics.push(d);
        }
        if diagnostics.iter().any(Diagnostic::is_error) {
            return Err(failure(sources, diagnostics));
        }
        // 4. Check, level by level.
        let n = units.len();
        let order = init_order(self, &units);
        let mut closure: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); n];
        for &i in &order {
            let mut c = BTreeSet::new();
            for &(j, _) in &units[i].imports {
                c.insert(j);
                c.extend(closure[j].iter().copied());
            }
            closure[i] = c;
        }
        let mut level = vec![0usize; n];
        for &i in &order {
            level[i] = (units[i].imports.iter())
                .map(|&(j, _)| level[j] + 1)
                .max()
                .unwrap_or(0);
        }
        let levels = level.iter().copied().max().map_or(0, |l| l + 1);
        let mut done: Vec<Option<(Arc<Interface>, String)>> = vec![None; n];
        let mut results: Vec<Option<CheckedModule>> = (0..n).map(|_| None).collect();
        let mut status: Vec<Option<Result<(), String>>> = vec![None; n];
        let mut failed = vec![false; n];
        let mut units: Vec<Option<Unit>> = units.into_iter().map(Some).collect();
        let mut finished = 0;
        let mut to_store: Vec<(usize, ToStore)> = Vec::new();
        for l in 0..levels {
            let wave: Vec<usize> = (0..n).filter(|&i| level[i] == l).collect();
            finished += wave.len();
            let mut jobs = Vec::new();
            for &i in &wave {
                if closure[i].iter().any(|&j| failed[j]) {
                    failed[i] = true;
                    continue;
                }
                let deps: Vec<(String, String)> = (closure[i].iter())
                    .map(|&j| {
                        let (_, h) = done[j].as_ref().expect("dependencies are done");
                        (self.modules[j].name.clone(), h.clone())
                    })
                    .collect();
                let unit = units[i].take().expect("each module is checked once");
                jobs.push((i, unit, deps));
            }
            let outcomes: Vec<Outcome> = jobs
                .into_par_iter()
                .map(|(i, unit, deps)| {
                    let ifaces: HashMap<String, Arc<Interface>> = (closure[i].iter())
                        .map(|&j| {
                            let (iface, _) = done[j].as_ref().expect("dependencies are done");
                            (self.modules[j].name.clone(), iface.clone())
                        })
                        .collect();
                    let is_main = self.main_module.as_deref() == Some(&self.modules[i].name);
                    self.check_unit(
                        i,
                        unit,
                        deps,
                        &ifaces,
                        require_main && is_main,
                        &sources,
                        &cache,
                    )
                })
                .collect();
            for o in outcomes {
                if let Some(st) = o.store {
                    to_store.push((o.index, st));
                }
                diagnostics.extend(o.diagnostics);
                status[o.index] = Some(o.reason.map_or(Ok(()), Err));
                match o.result {
                    Some((checked, iface, hash)) => {
                        done[o.index] = Some((iface, hash));
                        results[o.index] = Some(checked);
                    }
                    None => failed[o.index] = true,
                }
            }
            progress(finished, n);
        }
        for (i, s) in status.into_iter().enumerate() {
            if let Some(s) = s {
                events.push((i, s.err()));
            }
        }
        to_store.par_iter().for_each(|(i, (source_hash, deps))| {
            if let (Some(checked), Some((iface, hash))) = (&results[*i], &done[*i]) {
                let imports = checked.imports.to_vec();
                let name = &self.modules[*i].name;
                cache.store(
                    name,
                    source_hash,
                    imports,
                    deps.clone(),
                    hash,
                    iface,
                    checked,
                );
            }
        });
        if diagnostics.iter().any(Diagnostic::is_error) {
            return Err(failure(sources, diagnostics));
        }
        let has_generics: Vec<bool> = (results.iter())
            .map(|m| {
                m.as_ref()
                    .is_some_and(|m| m.own_funcs.iter().any(|f| !f.tparams.is_empty()))
            })
            .collect();
        let compiler = cache::compiler_id();
        let mut modules = Vec::with_capacity(n);
        let mut units = Vec::with_capacity(n);
        for &i in &order {
            let mut m = results[i].take().expect("every module was checked");
            m.file = FileId(i as u32);
            let mut h = crate::fsutil::Hasher::new();
            h.update_str(&compiler);
            h.update_str(&self.modules[i].name);
            h.update_str(&self.modules[i].display);
            h.update_str(&hashes[i]);
            for &j in &closure[i] {
                let (_, iface) = done[j].as_ref().expect("dependencies are done");
                h.update_str(&self.modules[j].name);
                h.update_str(iface);
                if has_generics[j] {
                    h.update_str(&self.modules[j].display);
                    h.update_str(&hashes[j]);
                }
            }
            units.push(UnitInfo {
                module: m.name.clone(),
                funcs: m.own_funcs.len(),
                globals: m.own_globals.iter().map(|g| g.name.clone()).collect(),
                key: h.finish_hex(),
            });
            modules.push(m);
        }
        Ok(Checked {
            sources,
            modules,
            diagnostics,
            units,
        })
    }

    /// Checks one module (or takes its cache entry when nothing it depends on changed).
    #[allow(clippy::too_many_arguments)]
    fn check_unit(
        &self,
        i: usize,
        unit: Unit,
        deps: Vec<(String, String)>,
        ifaces: &HashMap<String, Arc<Interface>>,
        require_main: bool,
        sources: &SourceMap,
        cache: &Cache,
    ) -> Outcome {
        let name = &self.modules[i].name;
        let miss = match unit.entry {
            Ok(entry) => {
                if entry.deps == deps {
                    let hash = entry.iface_hash.clone();
                    return Outcome {
                        index: i,
                        reason: None,
                        diagnostics: Vec::new(),
                        store: None,
                        result: Some((entry.checked, Arc::new(entry.interface), hash)),
                    };
                }
                let changed = deps
                    .iter()
                    .find(|d| !entry.deps.contains(d))
                    .or_else(|| entry.deps.iter().find(|d| !deps.contains(d)))
                    .map(|(m, _)| m.clone())
                    .unwrap_or_default();
                Miss::InterfaceChanged(changed)
            }
            Err(miss) => miss,
        };
        let module = match unit.ast {
            Some(m) => m,
            None => weir_compiler::parse_file(unit.file, &sources.get(unit.file).text).0,
        };
        let res = check_module_in(
            &module,
            name,
            unit.file,
            ifaces,
            CheckOptions { require_main },
        );
        let result = match (res.module, res.interface) {
            (Some(checked), Some(iface)) => {
                let hash = cache::interface_hash(&iface);
                Some((checked, Arc::new(iface), hash))
            }
            _ => None,
        };
        let _ = cache;
        Outcome {
            index: i,
            reason: Some(miss.to_string()),
            diagnostics: res.diagnostics,
            store: result.is_some().then(|| (unit.hash.clone(), deps)),
            result,
        }
    }

    /// The module an import names, if the importing module may import it.
    fn check_import(
        &self,
        from: usize,
        name: &str,
        index: &HashMap<&str, usize>,
    ) -> Result<usize, (String, Option<String>)> {
        let me = &self.modules[from];
        let my_pkg = self.graph.package(me.package);
        let Some(&j) = index.get(name) else {
            // Which package would it belong to? The longest package-name prefix.
            let pkg = name.split('.').next().unwrap_or(name);
            // Not loaded: a test module of the importing package outside `weir test`.
            let test_file = (name.strip_prefix(&format!("{}.tests.", my_pkg.manifest.name)))
                .map(|rest| {
                    my_pkg
                        .manifest
                        .root
                        .join("tests")
                        .join(format!("{rest}.weir"))
                })
                .filter(|f| f.is_file());
            let note = match self.graph.by_name(pkg) {
                Some(_) if test_file.is_some() => Some(format!(
                    "`{name}` is a test module: only `weir test` compiles it, and only other test modules can import it"
                )),
                Some(p) => {
                    let mods: Vec<&str> = (self.modules.iter())
                        .filter(|m| m.package == p.id)
                        .map(|m| m.name.as_str())
                        .collect();
                    Some(format!(
                        "the modules of package `{}` are: {}",
                        p.manifest.name,
                        mods.join(", ")
                    ))
                }
                // Not loaded: a dev-dependency outside `weir test`.
                None if my_pkg.manifest.dev_deps.iter().any(|d| d.name == pkg) => Some(format!(
                    "`{pkg}` is a dev-dependency of `{}`: only `weir test` loads it, and only test modules (`tests/*.weir`) can import it",
                    my_pkg.manifest.name
                )),
                None => None,
            };
            return Err((format!("unknown module `{name}`"), note));
        };
        if j == from {
            return Err((format!("module `{name}` imports itself"), None));
        }
        if self.modules[j].test && !me.test {
            return Err((
                format!("module `{name}` is a test module: only other test modules can import it"),
                Some(format!(
                    "test modules (`tests/*.weir`) are compiled only by `weir test`; move what `{}` needs into a module under `src/`",
                    me.name
                )),
            ));
        }
        let target = self.modules[j].package;
        if target == me.package || my_pkg.deps.iter().any(|(_, id)| *id == target) {
            return Ok(j);
        }
        let tp = &self.graph.package(target).manifest.name;
        if my_pkg.dev_deps.iter().any(|(_, id)| *id == target) {
            if me.test {
                return Ok(j);
            }
            return Err((
                format!(
                    "module `{name}` belongs to package `{tp}`, which is only a dev-dependency of `{}`",
                    my_pkg.manifest.name
                ),
                Some(format!(
                    "dev-dependencies can be imported only by test modules (`tests/*.weir`); to use `{tp}` here, move it from `dev-deps` to `deps` in {}",
                    display_path(&my_pkg.manifest.path).display()
                )),
            ));
        }
        Err((
            format!(
                "module `{name}` belongs to package `{tp}`, which is not a dependency of `{}`",
                my_pkg.manifest.name
            ),
            Some(format!(
                "only the package's own modules and those of its declared dependencies can be imported; add `{tp}` to the `deps` of {}",
                display_path(&my_pkg.manifest.path).display()
            )),
        ))
    }

    /// The span of the import of `target` in a module that was not parsed (or the module's
    /// first byte).
    fn import_span(&self, unit: &Unit, sources: &SourceMap, target: &str) -> Span {
        let module = match &unit.ast {
            Some(_) => None,
            None => Some(weir_compiler::parse_file(unit.file, &sources.get(unit.file).text).0),
        };
        let m = module.as_ref().or(unit.ast.as_ref());
        m.and_then(|m| {
            import_forms(m)
                .into_iter()
                .find(|(n, _)| n == target)
                .map(|(_, s)| s)
        })
        .unwrap_or(Span {
            file: unit.file,
            start: 0,
            end: 0,
        })
    }

    /// An import cycle, reported at the import that closes it.
    fn find_cycle(&self, units: &[Unit], sources: &SourceMap) -> Option<Diagnostic> {
        // Iterative DFS with colours, modules in name order for determinism.
        let n = units.len();
        let mut colour = vec![0u8; n]; // 0 new, 1 on the stack, 2 done
        for start in 0..n {
            if colour[start] != 0 {
                continue;
            }
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            colour[start] = 1;
            while let Some(&mut (v, ref mut k)) = stack.last_mut() {
                if let Some(&(w, span)) = units[v].imports.get(*k) {
                    *k += 1;
                    match colour[w] {
                        0 => {
                            colour[w] = 1;
                            stack.push((w, 0));
                        }
                        1 => {
                            let pos = stack.iter().position(|&(x, _)| x == w).unwrap_or(0);
                            let mut names: Vec<&str> = stack[pos..]
                                .iter()
                                .map(|&(x, _)| self.modules[x].name.as_str())
                                .collect();
                            names.push(&self.modules[w].name);
                            let span = if span == Span::default() {
                                self.import_span(&units[v], sources, &self.modules[w].name)
                            } else {
                                span
                            };
                            return Some(
                                Diagnostic::error(
                                    span,
                                    format!("import cycle: {}", names.join(" -> ")),
                                )
                                .with_note(
                                    "modules cannot import each other in a cycle; move what they share into a module both import",
                                ),
                            );
                        }
                        _ => {}
                    }
                } else {
                    colour[v] = 2;
                    stack.pop();
                }
            }
        }
        None
    }
}

/// A new cache entry's source hash and dependencies (with their interface hashes).
type ToStore = (String, Vec<(String, String)>);

struct Outcome {
    index: usize,
    /// `None`: taken from the cache; otherwise why it was checked.
    reason: Option<String>,
    /// For a module checked without errors: the source hash and dependencies its new cache
    /// entry records (entries are written after all waves, off the critical path).
    store: Option<ToStore>,
    diagnostics: Vec<Diagnostic>,
    result: Option<(CheckedModule, Arc<Interface>, String)>,
}

/// Initialisation order: dependencies first, ties broken by module name (the modules are sorted
/// by name, so by index).
fn init_order(_p: &Project, units: &[Unit]) -> Vec<usize> {
    let n = units.len();
    let mut pending: Vec<usize> = units.iter().map(|u| u.imports.len()).collect();
    let mut users: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, u) in units.iter().enumerate() {
        for &(j, _) in &u.imports {
            users[j].push(i);
        }
    }
    let mut ready: BTreeSet<usize> = (0..n).filter(|&i| pending[i] == 0).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(i) = ready.pop_first() {
        order.push(i);
        for &u in &users[i] {
            pending[u] -= 1;
            if pending[u] == 0 {
                ready.insert(u);
            }
        }
    }
    order
}

/// The `(import MODULE ...)` forms of a module: the module name and its span.
fn import_forms(module: &ast::Module) -> Vec<(String, Span)> {
    module
        .items
        .iter()
        .filter_map(|item| match item {
            ast::Item::Import(imp) => Some((imp.module.text.clone(), imp.module.span)),
            _ => None,
        })
        .collect()
}

fn failure(sources: SourceMap, mut diagnostics: Vec<Diagnostic>) -> Failure {
    diagnostics.sort_by_key(|d| {
        d.primary_span()
            .map(|s| (s.file, s.start))
            .unwrap_or_default()
    });
    Failure::Diagnostics {
        sources,
        diagnostics,
    }
}

/// Reads a source file as UTF-8 text; errors name the file (and the position of the first
/// invalid byte).
pub fn read_source(path: &Path, display: &str) -> Result<String, PkgError> {
    let bytes = std::fs::read(path)
        .map_err(|e| PkgError::in_file(display, format!("cannot read the file: {e}")))?;
    String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = good.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
        let start = good.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        let col = String::from_utf8_lossy(&good[start..]).chars().count() as u32 + 1;
        PkgError::in_file(display, "the file is not valid UTF-8 text").at(line, col)
    })
}

/// Modules by name (for callers that want the project's file list).
pub fn module_files(p: &Project) -> BTreeMap<&str, &Path> {
    p.modules
        .iter()
        .map(|m| (m.name.as_str(), m.path.as_path()))
        .collect()
}
