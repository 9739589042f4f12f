//! Package mode: `weir check|interp|run|build` without a FILE argument find `weir.pkg` in the
//! current folder or its parents (packages.md §3), compile the package program with `weir-pkg`
//! (cached, parallel checking), link the modules into one program and build the packages'
//! native C code; the commands then run the program exactly as in single-file mode.
//!
//! Invariants:
//! - Status lines (`Compiling`, `Finished`, `Fresh`) go to stderr and are silenced by `-q`;
//!   `-v` adds one line per module (`checked MODULE (REASON)` or `cached MODULE`).
//! - The build folder is locked (`target/.lock`) from before the cache is read until the
//!   command's outputs are written, so two builds in one package wait for each other.
//! - Every failure is reported here (manifest errors, diagnostics of any module, C compiler
//!   output) and turned into exit status 1.

use std::path::{Path, PathBuf};
use std::time::Instant;

use weir_compiler::diag::Diagnostic;
use weir_compiler::span::{FileId, SourceMap};
use weir_compiler::tir::Program;
use weir_pkg::compile::{load_project, Checked, Event, Failure, LoadOptions, Project};
use weir_pkg::fsutil::{display_path, DirLock};
use weir_pkg::native::{self, NativeSpec, Profile};
use weir_pkg::PkgError;

use crate::commands::FAILURE;
use crate::shell::Shell;

/// Phase timings for `--timings`.
#[derive(Default)]
pub struct Timings {
    phases: Vec<(&'static str, f64)>,
    start: Option<Instant>,
}

impl Timings {
    pub fn new() -> Timings {
        Timings {
            phases: Vec::new(),
            start: Some(Instant::now()),
        }
    }

    /// Runs `f` as phase `name`.
    pub fn time<T>(&mut self, name: &'static str, f: impl FnOnce() -> T) -> T {
        let t = Instant::now();
        let r = f();
        self.phases.push((name, t.elapsed().as_secs_f64()));
        r
    }

    /// Time since [`Timings::new`].
    pub fn elapsed(&self) -> std::time::Duration {
        self.start.map(|s| s.elapsed()).unwrap_or_default()
    }

    /// `resolve 3 ms, check 120 ms, ..., total 400 ms`.
    pub fn summary(&self) -> String {
        let mut parts: Vec<String> = (self.phases.iter())
            .map(|(n, s)| format!("{n} {:.0} ms", s * 1000.0))
            .collect();
        if let Some(start) = self.start {
            parts.push(format!(
                "total {:.0} ms",
                start.elapsed().as_secs_f64() * 1000.0
            ));
        }
        parts.join(", ")
    }
}

/// A package program, checked.
pub struct Compiled {
    pub project: Project,
    pub checked: Checked,
    /// Held until the command is done with `target/`.
    pub lock: DirLock,
}

/// The root manifest: `weir.pkg` in the current folder or a parent.
pub fn find_manifest(shell: &Shell) -> Result<PathBuf, i32> {
    crate::commands::find_root_manifest(
        shell,
        None,
        Some("give a file (`weir run hello.weir`) or create a package with `weir new NAME`"),
    )
}

pub fn report_pkg(shell: &Shell, e: &PkgError) -> i32 {
    shell.raw_line(&shell.paint_error_header(&e.to_string()));
    FAILURE
}

/// A progress bar on stderr when it is a terminal (hidden otherwise): `VERB [=====>    ] 3/20 WHAT`.
pub fn progress_bar(shell: &Shell, verb: &str, total: u64, what: &str) -> indicatif::ProgressBar {
    if !shell.progress() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(total),
        indicatif::ProgressDrawTarget::stderr(),
    );
    let style = indicatif::ProgressStyle::with_template(&format!(
        "{{prefix:>12.cyan.bold}} [{{bar:30}}] {{pos}}/{{len}} {what}"
    ))
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
    .progress_chars("=> ");
    bar.set_style(style);
    bar.set_prefix(verb.to_string());
    bar
}

/// A spinner on stderr when it is a terminal (hidden otherwise): `VERB MESSAGE`.
pub fn spinner(shell: &Shell, verb: &str, message: &str) -> indicatif::ProgressBar {
    if !shell.progress() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new_spinner();
    let style = indicatif::ProgressStyle::with_template("{prefix:>12.cyan.bold} {spinner} {msg}")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner());
    bar.set_style(style);
    bar.set_prefix(verb.to_string());
    bar.set_message(message.to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(100));
    bar
}

/// Loads the package graph and its modules, and locks `target/`.
pub fn open(shell: &Shell, timings: &mut Timings) -> Result<(Project, DirLock), i32> {
    open_with(shell, timings, false)
}

/// [`open`]; `tests`: also the root's test modules and dev-dependencies (`weir test`).
pub fn open_with(
    shell: &Shell,
    timings: &mut Timings,
    tests: bool,
) -> Result<(Project, DirLock), i32> {
    let manifest = find_manifest(shell)?;
    let spin = spinner(shell, "Resolving", "dependencies");
    let options = LoadOptions {
        tests,
        deps: crate::deps_options(),
    };
    let project = timings.time("resolve", || load_project(&manifest, &options));
    spin.finish_and_clear();
    let project = project.map_err(|e| report_pkg(shell, &e))?;
    report_registry(shell, &project.registry);
    if project.target.exists() && !project.target.is_dir() {
        shell.error(&format!(
            "`{}` is not a folder: weir keeps its build output there (remove or rename it)",
            display_path(&project.target).display()
        ));
        return Err(FAILURE);
    }
    let lock = DirLock::acquire(&project.target, || {
        shell.status("Blocking", "waiting for file lock on build folder");
    })
    .map_err(|e| {
        shell.error(&format!(
            "cannot lock the build folder `{}`: {e}",
            display_path(&project.target).display()
        ));
        FAILURE
    })?;
    Ok((project, lock))
}

/// Status lines for what preparing the registry dependencies did (lock changes, downloads).
pub fn report_registry(shell: &Shell, prepared: &weir_pkg::deps::Prepared) {
    for (verb, text) in &prepared.events {
        shell.status(verb, text);
    }
}

/// Checks every module of the project (with the cache); `require_main`: the root package must
/// be an application with a `main`.
pub fn check(
    shell: &Shell,
    project: Project,
    lock: DirLock,
    require_main: bool,
    timings: &mut Timings,
) -> Result<Compiled, i32> {
    let root = project.graph.package(project.graph.root);
    if require_main && project.main_module.is_none() {
        shell.error(&format!(
            "package `{}` is a library: it has no `main` to run\n\
             note: an application names its entry file in {}: `(main \"src/main.weir\")`",
            root.manifest.name,
            display_path(&root.manifest.path).display()
        ));
        return Err(FAILURE);
    }
    shell.status(
        "Compiling",
        &format!(
            "{} v{} ({})",
            root.manifest.name,
            root.manifest.version,
            display_path(&root.manifest.root).display()
        ),
    );
    let verbose = shell.is_verbose();
    let mut report = |e: Event| {
        if verbose {
            match e {
                Event::Checked { module, reason } => {
                    shell.raw_line(&format!("checked {module} ({reason})"))
                }
                Event::Cached { module } => shell.raw_line(&format!("cached {module}")),
            }
        }
    };
    let bar = progress_bar(shell, "Checking", project.modules.len() as u64, "modules");
    let progress = |done: usize, _total: usize| bar.set_position(done as u64);
    let result = timings.time("check", || {
        project.check_with_progress(require_main, &mut report, &progress)
    });
    bar.finish_and_clear();
    match result {
        Ok(checked) => {
            if !checked.diagnostics.is_empty() {
                let main = FileId(0);
                shell.diagnostics(
                    &checked.sources,
                    main,
                    &root.manifest.name,
                    &checked.diagnostics,
                );
            }
            Ok(Compiled {
                project,
                checked,
                lock,
            })
        }
        Err(Failure::Pkg(e)) => Err(report_pkg(shell, &e)),
        Err(Failure::Diagnostics {
            sources,
            diagnostics,
        }) => {
            shell.diagnostics(&sources, FileId(0), &root.manifest.name, &diagnostics);
            Err(FAILURE)
        }
    }
}

/// A package program linked into one typed program.
pub struct Linked {
    pub program: Program,
    pub sources: SourceMap,
    /// The main module's file (labels without a location point there).
    pub main: FileId,
    pub project: Project,
    /// Each module's share of the program, for per-module objects (`weir build`).
    pub units: Vec<weir_pkg::compile::UnitInfo>,
    pub lock: DirLock,
}

/// Links the checked modules into one program.
pub fn link(shell: &Shell, compiled: Compiled, timings: &mut Timings) -> Result<Linked, i32> {
    let Compiled {
        project,
        checked,
        lock,
    } = compiled;
    let main = project.main_module.clone().unwrap_or_default();
    let main_file = (project.modules.iter())
        .position(|m| m.name == main)
        .map_or(FileId(0), |i| FileId(i as u32));
    let sources = checked.sources;
    let units = checked.units;
    match timings.time("link", || weir_compiler::link::link(checked.modules, &main)) {
        Ok(program) => Ok(Linked {
            program,
            sources,
            main: main_file,
            project,
            units,
            lock,
        }),
        Err(e) => {
            let mut d = Diagnostic::error(e.span.unwrap_or_default(), e.message);
            if let Some(other) = e.other {
                d = d.with_secondary(other, "also declared here");
            }
            shell.diagnostics(&sources, main_file, &main, &[d]);
            Err(FAILURE)
        }
    }
}

/// The packages' compiled C code: objects and the `-l` libraries (with the package asking).
#[derive(Default)]
pub struct NativeOut {
    pub objects: Vec<PathBuf>,
    pub links: Vec<(String, String)>,
}

impl NativeOut {
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty() && self.links.is_empty()
    }
}

/// Compiles every package's native sources (cached per object).
pub fn native(
    shell: &Shell,
    project: &Project,
    profile: Profile,
    timings: &mut Timings,
) -> Result<NativeOut, i32> {
    timings.time("native", || {
        let mut out = NativeOut::default();
        for &id in &project.graph.order {
            let m = &project.graph.package(id).manifest;
            let Some(n) = &m.native else { continue };
            let spec = NativeSpec {
                package: m.name.clone(),
                root: m.root.clone(),
                sources: n.sources.clone(),
                include: n.include.clone(),
                cflags: n.cflags.clone(),
                link: n.link.clone(),
            };
            if !spec.sources.is_empty() {
                let dir = project.target.join("native").join(&m.name);
                let spin = spinner(shell, "Compiling", &format!("{} (C)", m.name));
                let objs = native::compile_objects(&spec, &dir, profile);
                spin.finish_and_clear();
                let objs = objs.map_err(|e| report_pkg(shell, &e))?;
                if objs.compiled > 0 {
                    shell.status(
                        "Compiling",
                        &format!(
                            "{} (native, {} C file{})",
                            m.name,
                            objs.compiled,
                            if objs.compiled == 1 { "" } else { "s" }
                        ),
                    );
                }
                for (file, text) in &objs.warnings {
                    if shell.is_verbose() {
                        shell.raw_line(&format!(
                            "warning: {}:\n{}",
                            file.display(),
                            text.trim_end()
                        ));
                    }
                }
                out.objects.extend(objs.objects);
            }
            for lib in &spec.link {
                if !out.links.iter().any(|(_, l)| l == lib) {
                    out.links.push((m.name.clone(), lib.clone()));
                }
            }
        }
        Ok(out)
    })
}

/// A shared library of the native code, for the interpreter and the JIT (`None` when there is
/// no native code).
pub fn native_shared(
    shell: &Shell,
    project: &Project,
    out: &NativeOut,
    timings: &mut Timings,
) -> Result<Option<PathBuf>, i32> {
    if out.is_empty() {
        return Ok(None);
    }
    let root = project.graph.package(project.graph.root);
    let lib = project
        .target
        .join("native")
        .join(format!("lib{}-native.so", root.manifest.name));
    timings
        .time("native-link", || {
            native::link_shared(&out.objects, &out.links, &lib)
        })
        .map(Some)
        .map_err(|e| report_pkg(shell, &e))
}

/// The profile folder (`target/debug` or `target/release`).
pub fn profile_dir(project: &Project, release: bool) -> PathBuf {
    project
        .target
        .join(if release { "release" } else { "debug" })
}

/// Prints `Finished ...` with the elapsed time.
pub fn finished(shell: &Shell, what: &str, timings: &Timings) {
    shell.status(
        "Finished",
        &format!("{what} in {:.2}s", timings.elapsed().as_secs_f64()),
    );
    if shell.timings() {
        shell.raw_line(&format!("timings: {}", timings.summary()));
    }
}

/// `path` for messages.
pub fn show(path: &Path) -> String {
    display_path(path).display().to_string()
}
