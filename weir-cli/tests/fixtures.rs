//! Fixture harness: runs every Weir program under `tests/` (and the spec's examples) through the
//! `weir` binary and compares what it prints with the expected files next to it.
//!
//! | folder                      | program       | expected                                          |
//! |-----------------------------|---------------|---------------------------------------------------|
//! | `../shared/spec/examples/`  | `NAME.weir`   | `NAME.out` (stdout), status 0                     |
//! | `tests/run-pass/`           | `NAME.weir`   | `NAME.stdout`, optional `NAME.status` (else 0)    |
//! | `tests/run-fail/`           | `NAME.weir`   | `NAME.stderr`, `NAME.status`, optional `.stdout`  |
//! | `tests/check-fail/`         | `NAME.weir`   | `NAME.stderr` (rendered diagnostics), status 1    |
//!
//! Every program runs on every execution path of [`PATHS`]; run-pass programs must also agree
//! across paths. An optional `NAME.args` gives the program's arguments, one per line. A stderr
//! expectation may be specialised per path as `NAME.PATH.stderr`. Check-fail programs run through
//! `weir check` and every path, and must print the same diagnostics each time.
//!
//! Invariants:
//! - Nothing is skipped silently: a program without its expected file, an expected file without
//!   its program, an empty folder and a missing spec folder are all failures.
//! - All failures are reported together, each with the first differing line.
//! - Programs run from their own folder with a relative file name, so paths in messages are
//!   stable; nothing in the output is normalised.
//! - `WEIR_BLESS=1` rewrites the `.stderr`/`.stdout`/`.status` snapshots of run-fail and
//!   check-fail instead of comparing them. run-pass expectations are never blessed: they are the
//!   specification of the program, written by hand.
//! - There are no timing assertions; the per-program timeout (default 120 s,
//!   `WEIR_FIXTURE_TIMEOUT`) only turns a hang into a failure.

#[path = "common/harness.rs"]
mod harness;

use std::collections::BTreeSet;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use harness::{append_stderr, first_difference, signal_note, timeout};

/// An execution path: the commands that run one program. `{weir}` is the `weir` binary, `{file}`
/// the program's file name, `{exe}` a scratch executable path and `{args}` the program's
/// arguments. The last command's stdout, stderr and status are what is compared; an earlier
/// command that fails is the result instead (so a compile error from `weir build` is compared
/// with the check-fail expectations).
struct ExecPath {
    name: &'static str,
    commands: &'static [&'static [&'static str]],
}

/// Every run-pass program runs on each of these and must give the same stdout and status.
const PATHS: &[ExecPath] = &[
    ExecPath {
        name: "interp",
        commands: &[&["{weir}", "interp", "{file}", "--", "{args}"]],
    },
    ExecPath {
        name: "run",
        commands: &[&["{weir}", "run", "{file}", "--", "{args}"]],
    },
    ExecPath {
        name: "build",
        commands: &[
            &["{weir}", "build", "{file}", "-o", "{exe}"],
            &["{exe}", "{args}"],
        ],
    },
];

/// Type-checking only (the first step of every check-fail fixture).
const CHECK: ExecPath = ExecPath {
    name: "check",
    commands: &[&["{weir}", "check", "{file}"]],
};

#[test]
fn spec_examples() {
    let dir = spec_examples_dir();
    let mut report = Report::new("spec examples");
    let programs = discover(&dir, &["out"], &mut report);
    run_pass_like(&programs, &mut report, |p| {
        Expected::file(&p.sibling("out"))
    });
    run_package_examples(&dir, &mut report);
    report.finish();
}

/// The package examples (`NAME/` with a `weir.pkg`, expected output `NAME.out`): copied to a
/// scratch folder (the spec folder stays untouched), then run without a file argument on every
/// path: `weir interp`, `weir run`, `weir build` and the executable `target/debug/PKG`.
fn run_package_examples(dir: &Path, report: &mut Report) {
    let mut folders: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("weir.pkg").is_file())
        .collect();
    folders.sort();
    for folder in folders {
        let name = folder.file_name().unwrap().to_string_lossy().to_string();
        if !name.contains(&std::env::var("WEIR_TEST_FILTER").unwrap_or_default()) {
            continue;
        }
        let expected = Expected::file(&dir.join(format!("{name}.out")));
        let work = scratch_dir().join(format!("package-{name}"));
        let _ = fs::remove_dir_all(&work);
        copy_tree(&folder, &work);
        let manifest = fs::read_to_string(work.join("weir.pkg")).unwrap();
        let pkg = manifest
            .split("(name \"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("the example's manifest names the package")
            .to_string();
        let weir = env!("CARGO_BIN_EXE_weir").to_string();
        let exe = work.join("target/debug").join(&pkg);
        let paths: [(&str, Vec<Vec<String>>); 3] = [
            ("interp", vec![vec![weir.clone(), "interp".into()]]),
            ("run", vec![vec![weir.clone(), "run".into()]]),
            (
                "build",
                vec![
                    vec![weir.clone(), "build".into(), "-q".into()],
                    vec![exe.display().to_string()],
                ],
            ),
        ];
        for (path, commands) in paths {
            let label = format!("{name}/ [{path}]");
            let mut last = None;
            for argv in &commands {
                let obs = run_command(argv, &work);
                let ok = obs.status == Some(0) && obs.note.is_none();
                last = Some(obs);
                if !ok {
                    break;
                }
            }
            let obs = last.expect("every path has a command");
            report.status(&label, 0, &obs);
            report.compare(&label, "stdout", &expected, &obs.stdout, &obs);
        }
    }
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() != "target" {
                copy_tree(&entry.path(), &target);
            }
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn run_pass() {
    let dir = tests_dir().join("run-pass");
    let mut report = Report::new("run-pass");
    let programs = discover(&dir, &["stdout", "status", "args"], &mut report);
    run_pass_like(&programs, &mut report, |p| {
        Expected::file(&p.sibling("stdout"))
    });
    report.finish();
}

#[test]
fn run_fail() {
    let dir = tests_dir().join("run-fail");
    let mut report = Report::new("run-fail");
    let programs = discover(&dir, &["stdout", "stderr", "status", "args"], &mut report);
    let jobs: Vec<(usize, &ExecPath)> = programs
        .iter()
        .enumerate()
        .flat_map(|(i, _)| PATHS.iter().map(move |path| (i, path)))
        .collect();
    let results = run_jobs(&jobs, &programs);
    for ((i, path), obs) in jobs.iter().zip(results) {
        let program = &programs[*i];
        let name = format!("{} [{}]", program.display, path.name);
        let stderr_file = per_path_stderr(program, path.name);
        if bless() && path.name == PATHS[0].name {
            write_snapshot(&stderr_file, &obs.stderr, true);
            write_snapshot(&program.sibling("stdout"), &obs.stdout, false);
            if let Some(code) = obs.status {
                write_snapshot(
                    &program.sibling("status"),
                    format!("{code}\n").as_bytes(),
                    true,
                );
            }
        }
        match read_status(&program.sibling("status")) {
            Ok(Some(expected)) => report.status(&name, expected, &obs),
            Ok(None) => report.fail(
                &name,
                format!(
                    "missing {} (the expected exit status)",
                    program.sibling("status").display()
                ),
            ),
            Err(e) => report.fail(&name, e),
        }
        report.compare(
            &name,
            "stderr",
            &Expected::file(&stderr_file),
            &obs.stderr,
            &obs,
        );
        report.compare(
            &name,
            "stdout",
            &Expected::file_or_empty(&program.sibling("stdout")),
            &obs.stdout,
            &obs,
        );
    }
    report.finish();
}

#[test]
fn check_fail() {
    let dir = tests_dir().join("check-fail");
    let mut report = Report::new("check-fail");
    let programs = discover(&dir, &["stderr", "stdout", "status"], &mut report);
    let jobs: Vec<(usize, &ExecPath)> = programs
        .iter()
        .enumerate()
        .flat_map(|(i, _)| std::iter::once(&CHECK).chain(PATHS).map(move |p| (i, p)))
        .collect();
    let results = run_jobs(&jobs, &programs);
    for ((i, path), obs) in jobs.iter().zip(results) {
        let program = &programs[*i];
        let name = format!("{} [{}]", program.display, path.name);
        let stderr_file = per_path_stderr(program, path.name);
        if bless() && path.name == CHECK.name {
            write_snapshot(&stderr_file, &obs.stderr, true);
        }
        let expected_status = match read_status(&program.sibling("status")) {
            Ok(status) => status.unwrap_or(1),
            Err(e) => {
                report.fail(&name, e);
                1
            }
        };
        report.status(&name, expected_status, &obs);
        report.compare(
            &name,
            "stderr",
            &Expected::file(&stderr_file),
            &obs.stderr,
            &obs,
        );
        // A compile error writes nothing to stdout (language.md §0).
        report.compare(&name, "stdout", &Expected::empty(), &obs.stdout, &obs);
    }
    report.finish();
}

// ---------------------------------------------------------------------------------------------
// Running programs that must succeed.

fn run_pass_like(
    programs: &[Program],
    report: &mut Report,
    expected_stdout: impl Fn(&Program) -> Expected,
) {
    let jobs: Vec<(usize, &ExecPath)> = programs
        .iter()
        .enumerate()
        .flat_map(|(i, _)| PATHS.iter().map(move |p| (i, p)))
        .collect();
    let results = run_jobs(&jobs, programs);
    for (i, program) in programs.iter().enumerate() {
        let expected = expected_stdout(program);
        let status = match read_status(&program.sibling("status")) {
            Ok(status) => status.unwrap_or(0),
            Err(e) => {
                report.fail(&program.display, e);
                0
            }
        };
        let mine: Vec<(&ExecPath, &Observation)> = jobs
            .iter()
            .zip(&results)
            .filter(|((j, _), _)| *j == i)
            .map(|((_, path), obs)| (*path, obs))
            .collect();
        for (path, obs) in &mine {
            let name = format!("{} [{}]", program.display, path.name);
            report.status(&name, status, obs);
            report.compare(&name, "stdout", &expected, &obs.stdout, obs);
        }
        // Conformance (language.md §0): every path prints the same bytes and exits alike.
        if let Some(((first_path, first), rest)) = mine.split_first() {
            for (path, obs) in rest {
                let name = format!("{} [{} vs {}]", program.display, path.name, first_path.name);
                if obs.status != first.status {
                    report.fail(
                        &name,
                        format!(
                            "paths disagree on the exit status: {} vs {}",
                            describe_status(obs),
                            describe_status(first)
                        ),
                    );
                }
                let reference = Expected::Bytes(first.stdout.clone(), first_path.name.into());
                report.compare(&name, "stdout", &reference, &obs.stdout, obs);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Discovery.

/// One fixture program.
struct Program {
    /// Folder the program runs from.
    dir: PathBuf,
    /// `NAME` (file stem).
    stem: String,
    /// How failures name it: `run-pass/NAME.weir`.
    display: String,
    /// Arguments from `NAME.args`.
    args: Vec<String>,
}

impl Program {
    fn file_name(&self) -> String {
        format!("{}.weir", self.stem)
    }

    fn sibling(&self, ext: &str) -> PathBuf {
        self.dir.join(format!("{}.{ext}", self.stem))
    }
}

/// The `*.weir` programs of `dir`, sorted; expectation files (with extensions `exts`, possibly
/// prefixed by a path name) whose program is missing are reported as failures.
fn discover(dir: &Path, exts: &[&str], report: &mut Report) -> Vec<Program> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => panic!("cannot read fixture folder {}: {e}", dir.display()),
    };
    let folder = dir
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let mut stems = BTreeSet::new();
    let mut subdirs = BTreeSet::new();
    let mut others = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_dir() {
            // A package example (`modules/` + `modules.out`) owns its expectation file.
            subdirs.insert(name);
            continue;
        }
        match name.strip_suffix(".weir") {
            Some(stem) => {
                stems.insert(stem.to_string());
            }
            None => others.push(name),
        }
    }
    for name in &others {
        let Some((stem, ext)) = name.rsplit_once('.') else {
            continue;
        };
        if !exts.contains(&ext) {
            continue;
        }
        // `NAME.PATH.stderr` belongs to `NAME`.
        let owner_known = stems.contains(stem)
            || subdirs.contains(stem)
            || stem
                .rsplit_once('.')
                .is_some_and(|(s, p)| stems.contains(s) && is_path_name(p));
        if !owner_known {
            report.fail(
                &format!("{folder}/{name}"),
                format!("expectation file without a program ({stem}.weir is missing)"),
            );
        }
    }
    let filter = std::env::var("WEIR_TEST_FILTER").unwrap_or_default();
    let programs: Vec<Program> = stems
        .into_iter()
        .filter(|stem| stem.contains(&filter))
        .map(|stem| {
            let args = match fs::read_to_string(dir.join(format!("{stem}.args"))) {
                Ok(text) => text.lines().map(str::to_string).collect(),
                Err(_) => Vec::new(),
            };
            Program {
                dir: dir.to_path_buf(),
                display: format!("{folder}/{stem}.weir"),
                stem,
                args,
            }
        })
        .collect();
    if programs.is_empty() && filter.is_empty() {
        report.fail(
            &folder,
            format!("no *.weir programs found in {}", dir.display()),
        );
    }
    programs
}

fn is_path_name(name: &str) -> bool {
    name == CHECK.name || PATHS.iter().any(|p| p.name == name)
}

/// `NAME.PATH.stderr` if it exists, else `NAME.stderr`.
fn per_path_stderr(program: &Program, path: &str) -> PathBuf {
    let specific = program.sibling(&format!("{path}.stderr"));
    if specific.exists() {
        specific
    } else {
        program.sibling("stderr")
    }
}

/// The repository's `tests/` folder.
fn tests_dir() -> PathBuf {
    repo_root().join("tests")
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("weir-cli lives inside the repository")
        .to_path_buf()
}

/// The spec's examples: `shared/` is checked out beside the repository (`../shared`); a git
/// worktree one level deeper finds it at `../../shared`. `WEIR_SPEC_EXAMPLES` overrides both.
fn spec_examples_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("WEIR_SPEC_EXAMPLES") {
        let dir = PathBuf::from(dir);
        assert!(
            dir.is_dir(),
            "WEIR_SPEC_EXAMPLES={} is not a folder",
            dir.display()
        );
        return dir;
    }
    let root = repo_root();
    let candidates = [
        root.join("../shared/spec/examples"),
        root.join("../../shared/spec/examples"),
    ];
    for dir in &candidates {
        if dir.is_dir() {
            return fs::canonicalize(dir).unwrap_or_else(|_| dir.clone());
        }
    }
    panic!(
        "the spec examples folder is missing: looked for {} (the `shared/` checkout must sit \
         beside the repository) and {}; set WEIR_SPEC_EXAMPLES to point elsewhere",
        candidates[0].display(),
        candidates[1].display()
    );
}

// ---------------------------------------------------------------------------------------------
// Running.

/// What one execution printed.
struct Observation {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    /// `None` when killed by a signal or the timeout.
    status: Option<i32>,
    /// Why there is no status, or which command of the path failed.
    note: Option<String>,
}

/// Runs `(program, path)` jobs on a small thread pool; results are in job order.
fn run_jobs(jobs: &[(usize, &ExecPath)], programs: &[Program]) -> Vec<Observation> {
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 4);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Observation>>> =
        Mutex::new((0..jobs.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let k = next.fetch_add(1, Ordering::SeqCst);
                let Some((i, path)) = jobs.get(k) else {
                    break;
                };
                let obs = run_path(&programs[*i], path);
                results.lock().unwrap()[k] = Some(obs);
            });
        }
    });
    results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|o| o.expect("every job ran"))
        .collect()
}

fn run_path(program: &Program, path: &ExecPath) -> Observation {
    // Unique per folder, program and path: suites run concurrently.
    let folder = program
        .dir
        .file_name()
        .unwrap_or_default()
        .to_string_lossy();
    let exe = scratch_dir().join(format!("{folder}-{}-{}", program.stem, path.name));
    let mut last = None;
    for (n, template) in path.commands.iter().enumerate() {
        let argv = expand_template(template, program, &exe);
        let mut obs = run_command(&argv, &program.dir);
        let is_last = n + 1 == path.commands.len();
        if !is_last && obs.status != Some(0) {
            // A plain failure (a compile error from `weir build`) is the path's result, compared
            // like any other; a timeout or a signal is a failure in itself.
            if let Some(why) = obs.note.take() {
                obs.note = Some(format!("`{}` failed ({why})", argv.join(" ")));
            }
            return obs;
        }
        last = Some(obs);
    }
    last.expect("an execution path has at least one command")
}

fn expand_template(template: &[&str], program: &Program, exe: &Path) -> Vec<String> {
    let mut argv = Vec::new();
    for part in template {
        match *part {
            "{weir}" => argv.push(env!("CARGO_BIN_EXE_weir").to_string()),
            "{file}" => argv.push(program.file_name()),
            "{exe}" => argv.push(exe.display().to_string()),
            "{args}" => argv.extend(program.args.iter().cloned()),
            other => argv.push(other.to_string()),
        }
    }
    argv
}

fn scratch_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("weir-fixtures");
    let _ = fs::create_dir_all(&dir);
    dir
}

fn run_command(argv: &[String], dir: &Path) -> Observation {
    let spawned = Command::new(&argv[0])
        .args(&argv[1..])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => {
            return Observation {
                stdout: Vec::new(),
                stderr: Vec::new(),
                status: None,
                note: Some(format!("cannot start `{}`: {e}", argv.join(" "))),
            }
        }
    };
    let reader = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = pipe.read_to_end(&mut buf);
            buf
        })
    };
    let out = reader(Box::new(child.stdout.take().expect("piped stdout")));
    let err = reader(Box::new(child.stderr.take().expect("piped stderr")));
    let deadline = Instant::now() + timeout();
    let mut pause = Duration::from_millis(1);
    let (status, note) = loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                let note = status.code().is_none().then(|| signal_note(&status));
                break (status.code(), note);
            }
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break (
                    None,
                    Some(format!("timed out after {} s", timeout().as_secs())),
                );
            }
            Ok(None) => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(20));
            }
            Err(e) => break (None, Some(format!("cannot wait for the process: {e}"))),
        }
    };
    Observation {
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
        status,
        note,
    }
}

fn describe_status(obs: &Observation) -> String {
    match (obs.status, &obs.note) {
        (_, Some(note)) => note.clone(),
        (Some(code), None) => format!("exit status {code}"),
        (None, None) => "no exit status".to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Expectations and reporting.

enum Expected {
    /// Bytes and where they come from (a file, or a reference path's output).
    Bytes(Vec<u8>, String),
    /// The expected file is missing.
    Missing(PathBuf),
    Unreadable(PathBuf, String),
}

impl Expected {
    fn file(path: &Path) -> Expected {
        match fs::read(path) {
            Ok(bytes) => Expected::Bytes(bytes, path.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Expected::Missing(path.to_path_buf())
            }
            Err(e) => Expected::Unreadable(path.to_path_buf(), e.to_string()),
        }
    }

    /// Like [`Expected::file`], but a missing file means "nothing".
    fn file_or_empty(path: &Path) -> Expected {
        match Expected::file(path) {
            Expected::Missing(_) => Expected::empty(),
            other => other,
        }
    }

    fn empty() -> Expected {
        Expected::Bytes(Vec::new(), "(nothing)".to_string())
    }
}

/// `Ok(None)` when there is no status file.
fn read_status(path: &Path) -> Result<Option<i32>, String> {
    match fs::read_to_string(path) {
        Ok(text) => text
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| format!("{}: not an exit status: {:?}", path.display(), text.trim())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

fn bless() -> bool {
    std::env::var_os("WEIR_BLESS").is_some_and(|v| v == "1")
}

/// Writes a snapshot; an empty optional snapshot is removed instead of written.
fn write_snapshot(path: &Path, bytes: &[u8], required: bool) {
    let res = if bytes.is_empty() && !required {
        match fs::remove_file(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    } else {
        fs::write(path, bytes)
    };
    if let Err(e) = res {
        panic!("WEIR_BLESS: cannot write {}: {e}", path.display());
    }
}

struct Report {
    suite: &'static str,
    failures: Vec<String>,
    checks: usize,
}

impl Report {
    fn new(suite: &'static str) -> Report {
        Report {
            suite,
            failures: Vec::new(),
            checks: 0,
        }
    }

    fn fail(&mut self, name: &str, message: String) {
        self.failures.push(format!("FAIL {name}: {message}"));
    }

    fn status(&mut self, name: &str, expected: i32, obs: &Observation) {
        self.checks += 1;
        if obs.status != Some(expected) || obs.note.is_some() {
            let mut msg = format!(
                "expected exit status {expected}, got {}",
                describe_status(obs)
            );
            append_stderr(&mut msg, &obs.stderr);
            self.fail(name, msg);
        }
    }

    fn compare(
        &mut self,
        name: &str,
        what: &str,
        expected: &Expected,
        actual: &[u8],
        obs: &Observation,
    ) {
        self.checks += 1;
        let (bytes, source) = match expected {
            Expected::Bytes(bytes, source) => (bytes, source),
            Expected::Missing(path) => {
                let hint = if what == "stderr" || path.extension().is_some_and(|e| e == "status") {
                    " (write it, or generate it with WEIR_BLESS=1 and review the result)"
                } else {
                    " (write the expected output by hand)"
                };
                self.fail(
                    name,
                    format!("missing expected {what} file {}{hint}", path.display()),
                );
                return;
            }
            Expected::Unreadable(path, e) => {
                self.fail(name, format!("cannot read {}: {e}", path.display()));
                return;
            }
        };
        if bytes.as_slice() == actual {
            return;
        }
        let mut msg = format!(
            "{what} differs from {source}\n{}",
            first_difference(bytes, actual)
        );
        if what == "stdout" {
            append_stderr(&mut msg, &obs.stderr);
        }
        self.fail(name, msg);
    }

    fn finish(self) {
        if self.failures.is_empty() {
            eprintln!("{}: all {} checks passed", self.suite, self.checks);
            return;
        }
        let n = self.failures.len();
        panic!(
            "{}: {n} failure(s)\n\n{}\n\n{}: {n} failure(s) (set WEIR_TEST_FILTER=NAME to run one \
             fixture)",
            self.suite,
            self.failures.join("\n\n"),
            self.suite
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The harness's own helpers.

#[test]
fn templates_expand_arguments_in_place() {
    let program = Program {
        dir: PathBuf::from("/tmp"),
        stem: "p".to_string(),
        display: "run-pass/p.weir".to_string(),
        args: vec!["a".to_string(), "b c".to_string()],
    };
    let argv = expand_template(
        &["{weir}", "interp", "{file}", "--", "{args}"],
        &program,
        Path::new("/x/exe"),
    );
    assert_eq!(&argv[1..], ["interp", "p.weir", "--", "a", "b c"]);
    let argv = expand_template(&["{exe}", "{args}"], &program, Path::new("/x/exe"));
    assert_eq!(argv, ["/x/exe", "a", "b c"]);
}
