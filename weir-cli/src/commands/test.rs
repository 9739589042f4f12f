//! `weir test [FILTER] [--interp] [--release] [--timeout SECS]`: run the package's tests (packages.md §7,
//! language.md §9.9a).
//!
//! A test is a zero-parameter function whose name starts with `test-`, defined in a test module
//! of the root package (`tests/NAME.weir`, module `PKG.tests.NAME`). Its name in reports and for
//! FILTER (a substring match) is `MODULE::FUNCTION`, e.g. `calc.tests.basics::test-sum`.
//!
//! How a test program is made: the package is checked with its test modules and dev-dependencies
//! (the per-module cache applies), then two things are added before linking, both without
//! touching the compiler:
//! - in each test module, one wrapper per test (`test-x$run`, zero parameters, returns Unit):
//!   it calls the test and discards its value, so a test may return any type;
//! - a generated runner module ([`RUNNER`], Weir source checked like any module) whose `main`
//!   reads the test's name from `(args)` and calls a placeholder `(defn weir-test-N ())`; after
//!   checking, each placeholder's key is pointed at the matching wrapper, so the call goes to the
//!   test. Without an argument, `main` prints the test names; an unknown name prints
//!   `no test named NAME` and exits with status 2.
//!
//! By default the linked program is compiled to one executable, `target/test/PKG` (one object
//! per module in `target/test/obj/PROFILE/`, reused while the module's key from the check is
//! unchanged, as `weir build` does; a test module's key also covers its wrappers). Every selected
//! test runs in its own process (`target/test/PKG MODULE::test-x`, in the current folder, stdin
//! closed), so a failed assertion, a division by zero, a stack overflow, `(exit 3)` or a crash
//! ends that test only, and every test starts from freshly initialised globals. Without an
//! argument the executable lists its tests; it knows only the tests selected by FILTER.
//!
//! `--interp` runs each test on the interpreter instead, in-process on its own big-stack thread
//! (the interpreter returns runtime errors and `(exit)` instead of ending the process, and keeps
//! no global state), with the same program and the same report. It is not isolated from crashes
//! in C code (an `extern` that aborts ends `weir` itself), and `--timeout` does not apply.
//!
//! Invariants:
//! - Tests run in parallel (one worker per core); the report is in test order: module name, then
//!   definition order. stdout gets, per failing test, `FAIL NAME: WHY` and the test's captured
//!   output indented by four spaces; with `-v` also `ok NAME` per passing test; and last exactly
//!   `N passed, M failed` (`, K filtered out` appended when FILTER excluded K tests).
//! - A test passes when its run ends with status 0 (returning normally or `(exit 0)`). WHY is the
//!   runtime error line (`tests/basics.weir:12:5: runtime error: ...`), `exited with status N`,
//!   or `killed by signal N`.
//! - Exit status: 0 when no test failed (also when there are no tests: stdout still says
//!   `0 passed, 0 failed` and a note on stderr says why), 1 when a test failed or the program
//!   does not compile (diagnostics as for `weir build`).
//! - `--timeout SECS` (compiled tests): a test still running after SECS seconds is killed and
//!   fails with `timed out after SECS s (killed)`. Without it a test may run forever.
//! - A `test-*` function with parameters or type parameters is not a test: a warning on stderr
//!   names it, and the run goes on.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use weir_compiler::check::{check_module_in, CheckOptions};
use weir_compiler::diag::Diagnostic;
use weir_compiler::interp::{self, Config, RunError};
use weir_compiler::module::{CheckedModule, ItemKey};
use weir_compiler::span::{FileId, SourceMap, Span};
use weir_compiler::tir::{self, Callee, FuncId, Lit, TExpr, TExprKind};
use weir_compiler::types::Type;

use super::build::ObjectPlan;
use super::{on_big_stack, FAILURE};
use crate::package;
use crate::shell::Shell;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Run only the tests whose name (`MODULE::test-name`) contains FILTER
    pub filter: Option<String>,
    /// Run the tests on the interpreter (in-process) instead of a compiled test executable
    #[arg(long)]
    pub interp: bool,
    /// Optimise the test executable (Cranelift `opt_level=speed`)
    #[arg(long, conflicts_with = "interp")]
    pub release: bool,
    /// Stop a test that runs longer than SECS seconds (it fails; compiled tests only)
    #[arg(long, value_name = "SECS", conflicts_with = "interp")]
    pub timeout: Option<f64>,
}

/// The generated runner module's name (not a valid module name, so it cannot clash).
pub const RUNNER: &str = "#weir-test-runner";

/// One test.
struct Test {
    /// `MODULE::FUNCTION`.
    name: String,
    module: String,
    /// The test function's index among its module's own functions.
    own: u32,
}

/// How one test ended.
struct Outcome {
    passed: bool,
    /// Why it failed (one line).
    why: String,
    /// Its output (stdout, then stderr without the runtime error line).
    output: String,
}

pub fn run(shell: Shell, args: Args) -> i32 {
    on_big_stack(move || run_tests(&shell, &args))
}

fn run_tests(shell: &Shell, args: &Args) -> i32 {
    let timeout = match args.timeout {
        None => None,
        Some(secs) if secs.is_finite() && secs > 0.0 && secs < 1e9 => {
            Some(Duration::from_secs_f64(secs))
        }
        Some(secs) => {
            shell.error(&format!(
                "`--timeout {secs}`: give a positive number of seconds, e.g. `--timeout 10`"
            ));
            return FAILURE;
        }
    };
    let mut timings = package::Timings::new();
    let (project, lock) = match package::open_with(shell, &mut timings, true) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let compiled = match package::check(shell, project, lock, false, &mut timings) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let package::Compiled {
        project,
        checked,
        lock,
    } = compiled;
    let mut sources = checked.sources;
    let mut modules = checked.modules;
    let units = checked.units;
    let test_modules: Vec<&str> = (project.modules.iter())
        .filter(|m| m.test)
        .map(|m| m.name.as_str())
        .collect();
    let (tests, warnings) = find_tests(&modules, &test_modules, &sources);
    for w in &warnings {
        shell.raw_line(&format!("warning: {w}"));
    }
    let total = tests.len();
    let selected: Vec<Test> = match &args.filter {
        Some(f) => tests.into_iter().filter(|t| t.name.contains(f)).collect(),
        None => tests,
    };
    let filtered_out = total - selected.len();
    if selected.is_empty() {
        if total == 0 {
            shell.raw_line(
                "note: no tests found: a test is a zero-parameter `test-*` function in a file `tests/NAME.weir` of the package",
            );
        }
        return print_summary(shell, &[], &selected, filtered_out);
    }
    // The test program: wrappers, runner, link.
    let runner = match make_runner(&mut modules, &selected, &mut sources) {
        Ok(r) => r,
        Err(message) => {
            shell.error(&format!("internal error: {message}"));
            return super::INTERNAL_ERROR;
        }
    };
    let plans = object_plans(&units, &selected, &runner);
    modules.push(runner);
    let program = match timings.time("link", || weir_compiler::link::link(modules, RUNNER)) {
        Ok(p) => p,
        Err(e) => {
            let mut d = Diagnostic::error(e.span.unwrap_or_default(), e.message);
            if let Some(other) = e.other {
                d = d.with_secondary(other, "also declared here");
            }
            let root = &project.graph.package(project.graph.root).manifest.name;
            shell.diagnostics(&sources, FileId(0), root, &[d]);
            return FAILURE;
        }
    };
    let profile = if args.release {
        weir_pkg::native::Profile::Release
    } else {
        weir_pkg::native::Profile::Debug
    };
    let native = match package::native(shell, &project, profile, &mut timings) {
        Ok(n) => n,
        Err(code) => return code,
    };
    let root = project.graph.package(project.graph.root).manifest.clone();
    let outcomes = if args.interp {
        let load = match package::native_shared(shell, &project, &native, &mut timings) {
            Ok(lib) => lib.into_iter().collect(),
            Err(code) => return code,
        };
        package::finished(shell, "test build", &timings);
        shell.status(
            "Running",
            &format!("{} (interpreter)", count(selected.len())),
        );
        run_interp(&program, &sources, &selected, load)
    } else {
        let dir = project.target.join("test");
        let exe = dir.join(&root.name);
        if let Err(code) = build_executable(
            shell,
            &program,
            &sources,
            &plans,
            &dir,
            &exe,
            &native,
            args.release,
            &mut timings,
        ) {
            return code;
        }
        package::finished(shell, "test build", &timings);
        shell.status(
            "Running",
            &format!("{} ({})", count(selected.len()), package::show(&exe)),
        );
        run_processes(&exe, &selected, timeout)
    };
    drop(lock);
    print_summary(shell, &outcomes, &selected, filtered_out)
}

/// `1 test`, `3 tests`.
fn count(n: usize) -> String {
    format!("{n} test{}", if n == 1 { "" } else { "s" })
}

/// The tests of the test modules in name order, each module's in definition order; and a
/// warning per `test-*` function that cannot be a test.
fn find_tests(
    modules: &[CheckedModule],
    test_modules: &[&str],
    sources: &SourceMap,
) -> (Vec<Test>, Vec<String>) {
    let mut tests = Vec::new();
    let mut warnings = Vec::new();
    let mut mods: Vec<&CheckedModule> = (modules.iter())
        .filter(|m| test_modules.contains(&m.name.as_str()))
        .collect();
    mods.sort_by(|a, b| a.name.cmp(&b.name));
    for m in mods {
        for (k, f) in m.own_funcs.iter().enumerate() {
            if !f.name.starts_with("test-") {
                continue;
            }
            if !f.params.is_empty() || !f.tparams.is_empty() {
                let what = if f.params.is_empty() {
                    "is generic"
                } else {
                    "takes parameters"
                };
                warnings.push(format!(
                    "{}`{}` {what}, so it is not run as a test (a test has no parameters)",
                    location(sources, f.span),
                    f.name
                ));
                continue;
            }
            tests.push(Test {
                name: format!("{}::{}", m.name, f.name),
                module: m.name.clone(),
                own: k as u32,
            });
        }
    }
    (tests, warnings)
}

/// `FILE:LINE:COL: ` of a span, or nothing.
fn location(sources: &SourceMap, span: Span) -> String {
    crate::render::location(sources, span)
        .map(|l| format!("{l}: "))
        .unwrap_or_default()
}

/// Adds a wrapper per test to its module and returns the checked runner module (its file added
/// to `sources`), whose placeholders call the wrappers.
fn make_runner(
    modules: &mut [CheckedModule],
    tests: &[Test],
    sources: &mut SourceMap,
) -> Result<CheckedModule, String> {
    // 1. Wrappers: `(defn test-x$run () (test-x) ())`.
    let mut wrappers = Vec::with_capacity(tests.len());
    for t in tests {
        let m = (modules.iter_mut())
            .find(|m| m.name == t.module)
            .ok_or_else(|| format!("test module `{}` is not linked", t.module))?;
        let local = (m.func_keys.iter())
            .position(|k| k.module == m.name && k.index == t.own)
            .ok_or_else(|| format!("`{}` has no key", t.name))?;
        let f = &m.own_funcs[t.own as usize];
        let span = f.span;
        let call = TExpr {
            kind: TExprKind::Call {
                callee: Callee::Func(FuncId(local as u32)),
                args: Vec::new(),
                tail: false,
            },
            ty: f.ret.clone(),
            span,
        };
        let unit = TExpr {
            kind: TExprKind::Lit(Lit::Unit),
            ty: Type::Unit,
            span,
        };
        let wrapper = tir::Func {
            name: format!("{}$run", f.name),
            tparams: Vec::new(),
            params: Vec::new(),
            ret: Type::Unit,
            n_locals: 0,
            body: TExpr {
                kind: TExprKind::Block(vec![call, unit]),
                ty: Type::Unit,
                span,
            },
            span,
        };
        let index = m.own_funcs.len() as u32;
        m.own_funcs.push(wrapper);
        wrappers.push(ItemKey::new(&m.name, index));
    }
    // 2. The runner, from source.
    let text = runner_source(tests);
    let file = sources.add("<weir test runner>", text.clone());
    let (ast, diags) = weir_compiler::parse_file(file, &text);
    if let Some(d) = diags.iter().find(|d| d.is_error()) {
        return Err(format!("the test runner does not parse: {d:?}"));
    }
    let res = check_module_in(
        &ast,
        RUNNER,
        file,
        &HashMap::new(),
        CheckOptions { require_main: true },
    );
    if let Some(d) = res.diagnostics.iter().find(|d| d.is_error()) {
        return Err(format!("the test runner does not check: {d:?}"));
    }
    let mut runner = res
        .module
        .ok_or_else(|| "the test runner does not check".to_string())?;
    runner.file = file;
    // 3. Point each placeholder at its wrapper.
    for (i, key) in wrappers.into_iter().enumerate() {
        let name = format!("weir-test-{i}");
        let own = (runner.own_funcs.iter())
            .position(|f| f.name == name)
            .ok_or_else(|| format!("the test runner has no `{name}`"))?;
        let slot = (runner.func_keys.iter_mut())
            .find(|k| k.module == RUNNER && k.index == own as u32)
            .ok_or_else(|| format!("the test runner's `{name}` has no key"))?;
        *slot = key;
    }
    Ok(runner)
}

/// The runner's source: placeholders `weir-test-N` and a `main` that calls the one named by the
/// first argument (or lists the tests when there is none).
fn runner_source(tests: &[Test]) -> String {
    let mut s = String::from(";; generated by `weir test`\n");
    for i in 0..tests.len() {
        s.push_str(&format!("(defn weir-test-{i} ())\n"));
    }
    s.push_str("(defn main ()\n  (let ((argv (args)))\n    (if (= (len argv) 0)\n      (do\n");
    for t in tests {
        s.push_str(&format!("        (println {})\n", quote(&t.name)));
    }
    s.push_str("        (do))\n      (let ((which (nth argv 0)))\n        (cond\n");
    for (i, t) in tests.iter().enumerate() {
        s.push_str(&format!(
            "          ((= which {}) (weir-test-{i}))\n",
            quote(&t.name)
        ));
    }
    s.push_str("          (else (do (println (str \"no test named \" which)) (exit 2))))))))\n");
    s
}

/// A Weir string literal.
fn quote(text: &str) -> String {
    let mut s = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

/// The objects of the test program: one per module as `weir build` makes them, test modules'
/// keys extended with their wrappers, and the runner (always rebuilt).
fn object_plans(
    units: &[weir_pkg::compile::UnitInfo],
    tests: &[Test],
    runner: &CheckedModule,
) -> Vec<ObjectPlan> {
    let mut plans: Vec<ObjectPlan> = (units.iter())
        .map(|u| {
            let wrappers: Vec<&str> = (tests.iter())
                .filter(|t| t.module == u.module)
                .map(|t| t.name.as_str())
                .collect();
            let key = if wrappers.is_empty() {
                u.key.clone()
            } else {
                weir_pkg::fsutil::sha256_hex(format!("{} {}", u.key, wrappers.join(" ")).as_bytes())
            };
            ObjectPlan {
                module: u.module.clone(),
                funcs: u.funcs + wrappers.len(),
                globals: u.globals.clone(),
                key: Some(key),
            }
        })
        .collect();
    plans.push(ObjectPlan {
        module: RUNNER.to_string(),
        funcs: runner.own_funcs.len(),
        globals: Vec::new(),
        key: None,
    });
    plans
}

/// Compiles the program into `exe` (with the packages' native code): one object per module in
/// `DIR/obj/PROFILE/` (reused while its key is unchanged, built in parallel) plus the entry.
#[allow(clippy::too_many_arguments)]
fn build_executable(
    shell: &Shell,
    program: &tir::Program,
    sources: &SourceMap,
    plans: &[ObjectPlan],
    dir: &Path,
    exe: &Path,
    native: &package::NativeOut,
    release: bool,
    timings: &mut package::Timings,
) -> Result<(), i32> {
    let obj_dir = dir
        .join("obj")
        .join(if release { "release" } else { "debug" });
    let spin = package::spinner(shell, "Building", "test executable (Cranelift)");
    let objects = super::build::compile_objects(
        shell,
        &spin,
        (program, sources, FileId(0)),
        plans,
        &obj_dir,
        release,
        timings,
    );
    let mut objects = match objects {
        Ok(o) => o,
        Err(code) => {
            spin.finish_and_clear();
            return Err(code);
        }
    };
    objects.extend(native.objects.iter().cloned());
    let libs: Vec<String> = native.links.iter().map(|(_, l)| l.clone()).collect();
    spin.set_message("linking (cc)");
    let linked = timings.time("cc", || {
        super::build::link_files(dir, &objects, exe, &libs, &[])
    });
    spin.finish_and_clear();
    linked.map_err(|message| {
        shell.error(&message);
        FAILURE
    })
}

/// Runs `job(i)` for every `i < n` on a worker per core (threads with `stack` bytes of stack);
/// results in index order.
fn parallel<T: Send>(n: usize, stack: usize, job: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |p| p.get())
        .min(n)
        .max(1);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<T>>> = Mutex::new((0..n).map(|_| None).collect());
    std::thread::scope(|scope| {
        for w in 0..workers {
            let (next, results, job) = (&next, &results, &job);
            let spawned = std::thread::Builder::new()
                .name(format!("weir-test-{w}"))
                .stack_size(stack)
                .spawn_scoped(scope, move || loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= n {
                        break;
                    }
                    let r = job(i);
                    results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(r);
                });
            match spawned {
                Ok(_) => {}
                // Fewer workers than cores is fine; none is not.
                Err(_) if w > 0 => break,
                Err(e) => panic!("cannot start a test worker thread: {e}"),
            }
        }
    });
    (results.into_inner().unwrap_or_else(|e| e.into_inner()))
        .into_iter()
        .map(|r| r.expect("every test ran"))
        .collect()
}

/// Runs each test as `exe NAME`.
fn run_processes(exe: &Path, tests: &[Test], timeout: Option<Duration>) -> Vec<Outcome> {
    parallel(tests.len(), 1 << 20, |i| {
        run_process(exe, &tests[i].name, timeout)
    })
}

/// Runs `exe NAME`, killing it after `timeout`; returns its output and whether it timed out.
fn run_child(
    exe: &Path,
    name: &str,
    timeout: Option<Duration>,
) -> std::io::Result<(std::process::Output, bool)> {
    let mut child = Command::new(exe)
        .arg(name)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let Some(timeout) = timeout else {
        return Ok((child.wait_with_output()?, false));
    };
    let read = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = read(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = read(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let start = Instant::now();
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if start.elapsed() >= timeout {
            timed_out = true;
            let _ = child.kill();
            break child.wait()?;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let output = std::process::Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    };
    Ok((output, timed_out))
}

fn run_process(exe: &Path, name: &str, timeout: Option<Duration>) -> Outcome {
    let (out, timed_out) = match run_child(exe, name, timeout) {
        Ok(x) => x,
        Err(e) => {
            return Outcome {
                passed: false,
                why: format!("cannot run `{}`: {e}", package::show(exe)),
                output: String::new(),
            }
        }
    };
    let mut output = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let mut err_lines: Vec<&str> = stderr.lines().collect();
    if out.status.success() {
        return Outcome {
            passed: true,
            why: String::new(),
            output,
        };
    }
    let runtime_error = out.status.code() == Some(1)
        && err_lines
            .last()
            .is_some_and(|l| l.contains("runtime error: ") || l.starts_with("weir runtime: "));
    let why = if timed_out {
        let secs = timeout.map_or(0.0, |t| t.as_secs_f64());
        format!("timed out after {secs} s (killed)")
    } else if runtime_error {
        err_lines.pop().unwrap_or_default().to_string()
    } else {
        exit_reason(&out.status)
    };
    for l in err_lines {
        push_line(&mut output, l);
    }
    Outcome {
        passed: false,
        why,
        output,
    }
}

fn push_line(output: &mut String, line: &str) {
    if !output.is_empty() && !output.ends_with('\n') {
        output.push('\n');
    }
    output.push_str(line);
    output.push('\n');
}

/// `exited with status N` / `killed by signal N`.
fn exit_reason(status: &std::process::ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exited with status {code}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return format!("killed by signal {sig}");
        }
    }
    format!("ended abnormally ({status})")
}

/// Runs each test on the interpreter, each on its own big-stack thread.
fn run_interp(
    program: &tir::Program,
    sources: &SourceMap,
    tests: &[Test],
    load: Vec<PathBuf>,
) -> Vec<Outcome> {
    parallel(tests.len(), weir_compiler::BIG_STACK, |i| {
        let config = Config {
            args: vec![tests[i].name.clone()],
            load: load.clone(),
            max_stack: super::interp::MAX_STACK,
        };
        let mut out: Vec<u8> = Vec::new();
        let result = interp::run(program, &config, &mut out);
        let output = String::from_utf8_lossy(&out).into_owned();
        let (passed, why) = match result {
            Ok(0) => (true, String::new()),
            Ok(code) => (false, format!("exited with status {code}")),
            Err(RunError::Runtime { message, span }) => {
                let line = crate::render::render_runtime_error(sources, span, &message, false);
                (false, String::from_utf8_lossy(&line).trim_end().to_string())
            }
            Err(RunError::Link { message, span }) => {
                let at = span.map(|s| location(sources, s)).unwrap_or_default();
                (false, format!("{at}error: {message}"))
            }
        };
        Outcome {
            passed,
            why,
            output,
        }
    })
}

/// Prints the report on stdout; returns the exit status.
fn print_summary(shell: &Shell, outcomes: &[Outcome], tests: &[Test], filtered_out: usize) -> i32 {
    let mut text = String::new();
    let (mut passed, mut failed) = (0, 0);
    for (t, o) in tests.iter().zip(outcomes) {
        if o.passed {
            passed += 1;
            if shell.is_verbose() {
                text.push_str(&format!("ok {}\n", t.name));
            }
            continue;
        }
        failed += 1;
        text.push_str(&format!("FAIL {}: {}\n", t.name, o.why));
        for line in o.output.lines() {
            text.push_str(&format!("    {line}\n"));
        }
    }
    text.push_str(&format!("{passed} passed, {failed} failed"));
    if filtered_out > 0 {
        text.push_str(&format!(", {filtered_out} filtered out"));
    }
    text.push('\n');
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    if failed > 0 {
        FAILURE
    } else {
        0
    }
}
