//! Package fixture harness: builds and runs every case of `tests/packages/` through the `weir`
//! binary in package mode (no file argument: `weir.pkg` is discovered from the current folder,
//! packages.md §3) and compares what it prints with the case's expectation files.
//!
//! A case is a folder of package folders; `CASE/app/` is the package that is built, and every
//! command runs with `app/` as its current folder. Expectation files sit in `CASE/`:
//!
//! | file                   | meaning                                                             |
//! |------------------------|---------------------------------------------------------------------|
//! | `expected.stdout`      | a success case: the program's exact stdout on every path            |
//! | `expected.status`      | the exit status (success case: default 0; failure case: default 1)  |
//! | `args`                 | the program's arguments, one per line                               |
//! | `expected.fails`       | a failure case: one line saying what the error must be about        |
//! | `expected.stderr`      | a failure case's exact stderr (blessed with `WEIR_BLESS=1`)          |
//! | `expected.check.status`| a failure case whose `weir check` exits differently (e.g. 0 for a C |
//! |                        | compile error, which only a build sees)                             |
//! | `README`, `README.md`  | what the case is about, for cases without a main file of interest   |
//!
//! Tests (each runs the selected cases on a small thread pool):
//! - `case_folders`: every case folder is well formed (every other test checks this too).
//! - `success_cases`: `weir interp -- ARGS`, `weir run -- ARGS`, and `weir build` followed by
//!   `target/debug/NAME ARGS` each print `expected.stdout` and exit with the expected status;
//!   then a second `weir build` says the target is `fresh` (case-insensitive, on stderr) and the
//!   executable still runs. NAME is the `(name "...")` of `app/weir.pkg`.
//! - `failure_cases`: `weir check`, `weir interp`, `weir run` and `weir build` each print exactly
//!   `expected.stderr`, nothing on stdout, and exit with `expected.status` (default 1); a failed
//!   build leaves no executable. Until `expected.stderr` is blessed, the case fails, and the
//!   commands must at least fail alike (same stderr as `weir check`).
//! - `corrupt_cache`: `weir build`, then every file under `target/cache/` is truncated or
//!   overwritten; `weir interp` and (after corrupting again and removing the executable)
//!   `weir build` must still succeed and the program print `expected.stdout`.
//!
//! Invariants:
//! - The repository is never written except by `WEIR_BLESS=1` (which writes `expected.stderr`
//!   and `expected.status` of failure cases from `weir check`, or from `weir build` when
//!   `expected.check.status` is 0). Each command sequence works in a fresh copy of the case in
//!   `$TMP/weir-packages-PID-N-LABEL/case/` (`target/` folders are never copied), with
//!   `WEIR_HOME` set to `.../home/` and `WEIR_REGISTRY` unset; the folder is removed afterwards
//!   unless `WEIR_KEEP_TEMP=1`.
//! - Nothing is skipped silently: a case without `app/`, without an expectation file, with an
//!   unknown file, or with a `target/` folder is a failure; so is a native case when no C compiler
//!   can be run, and a failure case whose `expected.stderr` has not been blessed yet.
//! - All failures are reported together, each with the first differing line and the start of
//!   stderr. The harness itself never panics on what `weir` does; it panics once at the end with
//!   the list.
//! - Output is compared byte for byte after one normalisation: the copy's absolute path is
//!   written `[CASE]` and the scratch `WEIR_HOME` `[WEIR_HOME]` (a C compiler may print absolute
//!   paths). Paths relative to `app/` (`main.weir:3:1`, `../util/lib.weir:4:8`) are stable.
//! - There are no timing assertions; the per-command timeout (`WEIR_FIXTURE_TIMEOUT`, default
//!   120 s) only turns a hang into a failure. `WEIR_TEST_FILTER` selects cases by substring.

#[path = "common/harness.rs"]
mod harness;

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use harness::{append_stderr, first_difference, signal_note, timeout};

/// Files allowed directly in a case folder (besides package folders).
const CASE_FILES: &[&str] = &[
    "expected.stdout",
    "expected.stderr",
    "expected.status",
    "expected.fails",
    "expected.check.status",
    "args",
    "README",
    "README.md",
];

/// The execution paths of a success case, in report order.
const SUCCESS_PATHS: &[&str] = &["interp", "run", "build"];

/// The commands of a failure case; `check` runs first (blessing reads its output).
const FAILURE_COMMANDS: &[&str] = &["check", "interp", "run", "build"];

#[test]
fn case_folders() {
    let mut report = Report::new("package case folders");
    let cases = selected_cases(&mut report, |_| true);
    report.checks += cases.len();
    report.finish();
}

#[test]
fn success_cases() {
    let mut report = Report::new("package success cases");
    let cases = selected_cases(&mut report, Case::is_success);
    let jobs: Vec<Job> = cases
        .iter()
        .flat_map(|case| {
            SUCCESS_PATHS.iter().map(move |path| -> Job {
                Box::new(move || {
                    if *path == "build" {
                        success_build(case)
                    } else {
                        success_run(case, path)
                    }
                })
            })
        })
        .collect();
    for outcome in run_jobs(jobs) {
        report.absorb(outcome);
    }
    report.finish();
}

#[test]
fn failure_cases() {
    let mut report = Report::new("package failure cases");
    let cases = selected_cases(&mut report, |c| !c.is_success());
    // Phase 1: `weir check` (and blessing), so that the other commands compare against the
    // blessed snapshot, or at least against the reference output of phase 1.
    let checks: Vec<Job<'_, (Report, Option<Vec<u8>>)>> = cases
        .iter()
        .map(|case| -> Job<'_, _> { Box::new(move || failure_reference(case)) })
        .collect();
    let mut references = Vec::new();
    for (outcome, reference) in run_jobs(checks) {
        report.absorb(outcome);
        references.push(reference);
    }
    let jobs: Vec<Job<'_, Report>> = cases
        .iter()
        .zip(&references)
        .flat_map(|(case, reference)| {
            FAILURE_COMMANDS[1..]
                .iter()
                .map(move |cmd| -> Job<'_, Report> {
                    Box::new(move || failure_command(case, cmd, reference.as_deref()))
                })
        })
        .collect();
    for outcome in run_jobs(jobs) {
        report.absorb(outcome);
    }
    report.finish();
}

#[test]
fn corrupt_cache() {
    let mut report = Report::new("package corrupt cache");
    let cases = selected_cases(&mut report, Case::is_success);
    let jobs: Vec<Job> = cases
        .iter()
        .map(|case| -> Job { Box::new(move || corrupt_cache_case(case)) })
        .collect();
    for outcome in run_jobs(jobs) {
        report.absorb(outcome);
    }
    report.finish();
}

// ---------------------------------------------------------------------------------------------
// Success cases.

/// `weir interp -- ARGS` or `weir run -- ARGS`.
fn success_run(case: &Case, path: &str) -> Report {
    let mut r = Report::new("");
    let name = format!("{} [{path}]", case.name);
    let Some(s) = prepare(case, &name, &mut r) else {
        return r;
    };
    let obs = s.weir(&with_args(&[path], case));
    expect_success(&mut r, &name, case, &obs);
    r
}

/// `weir build`, the executable, a second `weir build` (fresh), the executable again.
fn success_build(case: &Case) -> Report {
    let mut r = Report::new("");
    let name = format!("{} [build]", case.name);
    let Some(s) = prepare(case, &name, &mut r) else {
        return r;
    };
    let exe_name = case.exe_name.as_deref().unwrap_or("app");
    let exe = s.app().join("target").join("debug").join(exe_name);
    let obs = s.weir(&["build"]);
    if !r.status(&format!("{name} `weir build`"), 0, &obs) {
        return r;
    }
    r.compare(
        &format!("{name} `weir build`"),
        "stdout",
        &Expected::empty(),
        &obs,
    );
    if !exe_exists(&mut r, &name, &s, &exe, "weir build") {
        return r;
    }
    let obs = s.exe(&exe, &case.args);
    expect_success(
        &mut r,
        &format!("{name} target/debug/{exe_name}"),
        case,
        &obs,
    );

    let again = format!("{name} second `weir build`");
    let obs = s.weir(&["build"]);
    if !r.status(&again, 0, &obs) {
        return r;
    }
    r.checks += 1;
    if !String::from_utf8_lossy(&obs.stderr)
        .to_lowercase()
        .contains("fresh")
    {
        let mut msg = "with nothing changed, `weir build` must say the target is fresh \
                       (packages.md §4; the harness looks for `fresh` on stderr)"
            .to_string();
        append_stderr(&mut msg, &obs.stderr);
        if obs.stderr.is_empty() {
            msg.push_str("\n    stderr: (empty)");
        }
        r.fail(&again, msg);
    }
    if !exe_exists(&mut r, &name, &s, &exe, "the second weir build") {
        return r;
    }
    let obs = s.exe(&exe, &case.args);
    expect_success(
        &mut r,
        &format!("{name} target/debug/{exe_name} after the second build"),
        case,
        &obs,
    );
    r
}

fn expect_success(r: &mut Report, name: &str, case: &Case, obs: &Observation) {
    let Expect::Success { stdout, status } = &case.expect else {
        unreachable!("only success cases run here");
    };
    r.status(name, *status, obs);
    let expected = Expected::Bytes(stdout.clone(), case.file("expected.stdout"));
    r.compare(name, "stdout", &expected, obs);
}

fn exe_exists(r: &mut Report, name: &str, s: &Scratch, exe: &Path, after: &str) -> bool {
    r.checks += 1;
    if exe.is_file() {
        return true;
    }
    let debug = s.app().join("target").join("debug");
    let found = list_files(&debug)
        .iter()
        .map(|p| s.relative(p))
        .collect::<Vec<_>>();
    r.fail(
        name,
        format!(
            "{after} succeeded but did not write {} (packages.md §4: target/debug/NAME); \
             target/debug holds: {}",
            s.relative(exe),
            if found.is_empty() {
                "nothing".to_string()
            } else {
                found.join(", ")
            }
        ),
    );
    false
}

// ---------------------------------------------------------------------------------------------
// Failure cases.

/// Phase 1 of a failure case: `weir check`, compared like the other commands, and blessed
/// from. Returns the stderr the other commands must agree with while there is no
/// `expected.stderr`: that of `weir check`, or of `weir build` for a case whose check succeeds
/// (`expected.check.status` 0; that build is also what blessing reads).
fn failure_reference(case: &Case) -> (Report, Option<Vec<u8>>) {
    let mut r = Report::new("");
    let name = format!("{} [check]", case.name);
    let Some(s) = prepare(case, &name, &mut r) else {
        return (r, None);
    };
    let obs = s.weir(&["check"]);
    if case.check_succeeds() {
        // Only a build sees this error (e.g. a C compile error): `weir check` succeeds.
        r.status(&name, 0, &obs);
        r.compare(&name, "stdout", &Expected::empty(), &obs);
        let build = s.weir(&["build"]);
        if bless() {
            bless_failure(&mut r, &format!("{} [build]", case.name), case, &build);
        }
        if case.stderr_file().is_none() {
            missing_snapshot(&mut r, case, "weir build");
        }
        return (r, Some(build.stderr));
    }
    if bless() {
        bless_failure(&mut r, &name, case, &obs);
    }
    compare_failure(&mut r, &name, case, &obs, None);
    if case.stderr_file().is_none() {
        missing_snapshot(&mut r, case, "weir check");
    }
    (r, Some(obs.stderr))
}

/// Phase 2 of a failure case: `weir interp`, `weir run` or `weir build`.
fn failure_command(case: &Case, cmd: &str, reference: Option<&[u8]>) -> Report {
    let mut r = Report::new("");
    let name = format!("{} [{cmd}]", case.name);
    let Some(s) = prepare(case, &name, &mut r) else {
        return r;
    };
    let argv = if cmd == "build" {
        vec!["build".to_string()]
    } else {
        with_args(&[cmd], case)
    };
    let obs = s.weir(&argv);
    compare_failure(&mut r, &name, case, &obs, reference);
    if cmd == "build" {
        // language.md §0: after a compile error AOT produces no executable.
        r.checks += 1;
        let exes: Vec<String> = ["debug", "release"]
            .iter()
            .flat_map(|p| list_files(&s.app().join("target").join(p)))
            .filter(|p| is_executable(p))
            .map(|p| s.relative(&p))
            .collect();
        if !exes.is_empty() {
            r.fail(
                &name,
                format!(
                    "the failed `weir build` left an executable: {}",
                    exes.join(", ")
                ),
            );
        }
    }
    r
}

/// Status, empty stdout, and stderr against `expected.stderr`. Without a snapshot (not blessed
/// yet) stderr must not be empty and, when the status is right, must equal `reference` (phase
/// 1's output) when given.
fn compare_failure(
    r: &mut Report,
    name: &str,
    case: &Case,
    obs: &Observation,
    reference: Option<&[u8]>,
) {
    let status_ok = r.status(name, case.failure_status(), obs);
    r.compare(name, "stdout", &Expected::empty(), obs);
    if let Some(path) = case.stderr_file() {
        r.compare(name, "stderr", &Expected::file(&path), obs);
        return;
    }
    r.checks += 1;
    if obs.stderr.is_empty() && obs.status != Some(0) {
        r.fail(
            name,
            format!("`{}` failed without a message on stderr", obs.command),
        );
    }
    // A wrong status is reported already; comparing its message would only add noise.
    if let (Some(reference), true) = (reference, status_ok) {
        let source = if case.check_succeeds() {
            "the stderr of `weir build` (there is no expected.stderr yet)"
        } else {
            "the stderr of `weir check` (there is no expected.stderr yet)"
        };
        r.compare(
            name,
            "stderr",
            &Expected::Bytes(reference.to_vec(), source.to_string()),
            obs,
        );
    }
}

/// The failure for a failure case without `expected.stderr`, reported once per case.
fn missing_snapshot(r: &mut Report, case: &Case, from: &str) {
    let Expect::Failure { fails, .. } = &case.expect else {
        unreachable!("only failure cases run here");
    };
    r.fail(
        &case.name,
        format!(
            "no expected.stderr yet: run `WEIR_BLESS=1 WEIR_TEST_FILTER={} cargo test -p \
             weir-cli --test packages failure_cases` (the snapshot is what `{from}` prints) and \
             review it against expected.fails: {fails}",
            case.name
        ),
    );
}

/// Writes `expected.stderr` and `expected.status` (removed when the status is the default 1)
/// from `obs`; refuses when the command did not fail.
fn bless_failure(r: &mut Report, name: &str, case: &Case, obs: &Observation) {
    let Expect::Failure { fails, .. } = &case.expect else {
        unreachable!("only failure cases are blessed");
    };
    if obs.status == Some(0) || obs.status.is_none() {
        r.fail(
            name,
            format!(
                "WEIR_BLESS: not blessing `{}`: it did not fail with an exit status ({}), but \
                 the case must fail: {fails}",
                obs.command,
                describe_status(obs)
            ),
        );
        return;
    }
    if let Err(e) = fs::write(case.dir.join("expected.stderr"), &obs.stderr) {
        r.fail(
            name,
            format!("WEIR_BLESS: cannot write expected.stderr: {e}"),
        );
    }
    let status_file = case.dir.join("expected.status");
    let res = match obs.status {
        Some(1) => match fs::remove_file(&status_file) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            other => other,
        },
        Some(code) => fs::write(&status_file, format!("{code}\n")),
        None => Ok(()),
    };
    if let Err(e) = res {
        r.fail(
            name,
            format!("WEIR_BLESS: cannot write expected.status: {e}"),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The corrupt-cache check.

fn corrupt_cache_case(case: &Case) -> Report {
    let mut r = Report::new("");
    let name = format!("{} [corrupt cache]", case.name);
    let Some(s) = prepare(case, &name, &mut r) else {
        return r;
    };
    let exe_name = case.exe_name.as_deref().unwrap_or("app");
    let exe = s.app().join("target").join("debug").join(exe_name);
    let cache = s.app().join("target").join("cache");
    let obs = s.weir(&["build"]);
    if !r.status(&format!("{name} first `weir build`"), 0, &obs) {
        return r;
    }
    r.checks += 1;
    let files = list_files(&cache);
    if files.is_empty() {
        r.fail(
            &name,
            "`weir build` wrote no file under target/cache/ (packages.md §4: module interfaces \
             are cached there), so there is nothing to corrupt"
                .to_string(),
        );
        return r;
    }
    if let Err(e) = corrupt_files(&files) {
        r.fail(&name, format!("harness: cannot corrupt the cache: {e}"));
        return r;
    }
    let obs = s.weir(&with_args(&["interp"], case));
    expect_success(
        &mut r,
        &format!(
            "{name} `weir interp` after corrupting {} file(s)",
            files.len()
        ),
        case,
        &obs,
    );
    let files = list_files(&cache);
    let corrupted = corrupt_files(&files).and_then(|()| match fs::remove_file(&exe) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    });
    if let Err(e) = corrupted {
        r.fail(&name, format!("harness: cannot corrupt the cache: {e}"));
        return r;
    }
    let step = format!(
        "{name} `weir build` after corrupting {} file(s) and removing the executable",
        files.len()
    );
    let obs = s.weir(&["build"]);
    if !r.status(&step, 0, &obs) {
        return r;
    }
    if !exe_exists(&mut r, &step, &s, &exe, "weir build") {
        return r;
    }
    let obs = s.exe(&exe, &case.args);
    expect_success(
        &mut r,
        &format!("{name} target/debug/{exe_name} built from a corrupt cache"),
        case,
        &obs,
    );
    r
}

/// Damages each file, in turn: truncated to half, every byte flipped, replaced by foreign bytes.
fn corrupt_files(files: &[PathBuf]) -> std::io::Result<()> {
    for (i, file) in files.iter().enumerate() {
        let bytes = fs::read(file)?;
        let damaged: Vec<u8> = match i % 3 {
            0 => bytes[..bytes.len() / 2].to_vec(),
            1 if !bytes.is_empty() => bytes.iter().map(|b| b ^ 0xA5).collect(),
            _ => b"\x00\xffnot a weir cache entry\n".to_vec(),
        };
        fs::write(file, damaged)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Cases.

enum Expect {
    /// Runs on every path, printing `stdout` and exiting with `status`.
    Success { stdout: Vec<u8>, status: i32 },
    /// `weir check` and every path fail with `status` (default 1) and the blessed
    /// `expected.stderr`; `check_status` is `expected.check.status` when present.
    Failure {
        fails: String,
        status: i32,
        check_status: Option<i32>,
    },
}

struct Case {
    name: String,
    /// The case folder in the repository (read only, except when blessing).
    dir: PathBuf,
    expect: Expect,
    args: Vec<String>,
    /// `(name "...")` of `app/weir.pkg`: the executable is `target/debug/NAME`.
    exe_name: Option<String>,
    /// Some package of the case has a `(native ...)` field.
    native: bool,
}

impl Case {
    fn is_success(&self) -> bool {
        matches!(self.expect, Expect::Success { .. })
    }

    /// A failure case whose error only a build can see (`expected.check.status` is 0).
    fn check_succeeds(&self) -> bool {
        matches!(
            self.expect,
            Expect::Failure {
                check_status: Some(0),
                ..
            }
        )
    }

    /// `tests/packages/CASE/FILE`, for messages.
    fn file(&self, file: &str) -> String {
        format!("tests/packages/{}/{file}", self.name)
    }

    /// A failure case's exit status: `expected.status` read afresh (blessing may just have
    /// written or removed it), else 1.
    fn failure_status(&self) -> i32 {
        let loaded = match self.expect {
            Expect::Failure { status, .. } => status,
            Expect::Success { .. } => unreachable!("only failure cases have a failure status"),
        };
        match fs::read_to_string(self.dir.join("expected.status")) {
            Ok(text) => text.trim().parse().unwrap_or(loaded),
            Err(_) => 1,
        }
    }

    /// `expected.stderr`, read afresh (blessing may just have written it).
    fn stderr_file(&self) -> Option<PathBuf> {
        let path = self.dir.join("expected.stderr");
        path.is_file().then_some(path)
    }
}

/// The repository's `tests/packages/`.
fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("weir-cli lives inside the repository")
        .join("tests")
        .join("packages")
}

/// Well-formed cases selected by `WEIR_TEST_FILTER` and `keep`; every problem with a case
/// folder (selected by the filter) is reported.
fn selected_cases(report: &mut Report, keep: impl Fn(&Case) -> bool) -> Vec<Case> {
    let dir = cases_dir();
    let filter = std::env::var("WEIR_TEST_FILTER").unwrap_or_default();
    let entries = match fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) => {
            report.fail(
                "tests/packages",
                format!("cannot read {}: {e}", dir.display()),
            );
            return Vec::new();
        }
    };
    let mut names: Vec<(String, PathBuf)> = entries
        .flatten()
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    names.sort();
    let mut cases = Vec::new();
    let mut matched = 0;
    for (name, path) in names {
        if !path.is_dir() {
            report.fail(
                &format!("tests/packages/{name}"),
                "a file directly in tests/packages/ (every case is a folder)".to_string(),
            );
            continue;
        }
        if !name.contains(&filter) {
            continue;
        }
        matched += 1;
        match load_case(&name, &path) {
            Ok(case) => {
                if keep(&case) {
                    cases.push(case);
                }
            }
            Err(problems) => {
                for p in problems {
                    report.fail(&format!("tests/packages/{name}"), p);
                }
            }
        }
    }
    if matched == 0 {
        let why = if filter.is_empty() {
            format!("no case folders in {}", dir.display())
        } else {
            format!("WEIR_TEST_FILTER={filter} matches no case folder")
        };
        report.fail("tests/packages", why);
    }
    cases
}

/// Reads one case folder; `Err` lists everything wrong with it.
fn load_case(name: &str, dir: &Path) -> Result<Case, Vec<String>> {
    let mut problems = Vec::new();
    let mut native = false;
    let entries: Vec<fs::DirEntry> = match fs::read_dir(dir) {
        Ok(entries) => entries.flatten().collect(),
        Err(e) => return Err(vec![format!("cannot read the case folder: {e}")]),
    };
    for entry in &entries {
        let file = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if path.is_dir() {
            if file == "target" {
                problems.push(
                    "holds a target/ folder: build output must never be written into the \
                     repository (remove it)"
                        .to_string(),
                );
            } else if path.join("target").exists() {
                problems.push(format!(
                    "{file}/target/ exists: build output must never be written into the \
                     repository (remove it)"
                ));
            }
            if fs::read_to_string(path.join("weir.pkg")).is_ok_and(|m| m.contains("(native")) {
                native = true;
            }
        } else if !CASE_FILES.contains(&file.as_str()) {
            problems.push(format!(
                "unknown file `{file}` (a case folder holds package folders and {})",
                CASE_FILES.join(", ")
            ));
        }
    }
    let app = dir.join("app");
    if !app.is_dir() {
        problems.push("no app/ folder (the package that is built)".to_string());
    }
    let read = |file: &str| -> Option<Result<String, String>> {
        match fs::read(dir.join(file)) {
            Ok(bytes) => {
                Some(String::from_utf8(bytes).map_err(|_| format!("{file} is not UTF-8 text")))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => Some(Err(format!("cannot read {file}: {e}"))),
        }
    };
    let mut status_of = |file: &str| -> Option<i32> {
        match read(file)? {
            Ok(text) => match text.trim().parse() {
                Ok(code) => Some(code),
                Err(_) => {
                    problems.push(format!("{file}: not an exit status: {:?}", text.trim()));
                    None
                }
            },
            Err(e) => {
                problems.push(e);
                None
            }
        }
    };
    let status = status_of("expected.status");
    let check_status = status_of("expected.check.status");
    let has = |file: &str| dir.join(file).is_file();
    let expect = if has("expected.stdout") {
        if has("expected.fails") || has("expected.stderr") {
            problems.push(
                "has expected.stdout and expected.fails/expected.stderr: a case either runs \
                 (expected.stdout) or fails (expected.fails)"
                    .to_string(),
            );
        }
        if check_status.is_some() {
            problems.push("expected.check.status is only for failure cases".to_string());
        }
        match fs::read(dir.join("expected.stdout")) {
            Ok(stdout) => Some(Expect::Success {
                stdout,
                status: status.unwrap_or(0),
            }),
            Err(e) => {
                problems.push(format!("cannot read expected.stdout: {e}"));
                None
            }
        }
    } else if has("expected.fails") || has("expected.stderr") {
        match read("expected.fails") {
            None => {
                problems.push(
                    "a failure case needs expected.fails: one line saying what the error must \
                     be about (the blessed expected.stderr is reviewed against it)"
                        .to_string(),
                );
                None
            }
            Some(Err(e)) => {
                problems.push(e);
                None
            }
            Some(Ok(text)) if text.trim().is_empty() || text.trim().lines().count() != 1 => {
                problems.push("expected.fails must be exactly one non-empty line".to_string());
                None
            }
            Some(Ok(text)) => Some(Expect::Failure {
                fails: text.trim().to_string(),
                status: status.unwrap_or(1),
                check_status,
            }),
        }
    } else {
        problems.push(
            "no expectation file: write expected.stdout (a program that must run) or \
             expected.fails (a program that must fail; then bless its expected.stderr with \
             WEIR_BLESS=1)"
                .to_string(),
        );
        None
    };
    let exe_name = fs::read_to_string(app.join("weir.pkg"))
        .ok()
        .and_then(|m| manifest_name(&m));
    if matches!(expect, Some(Expect::Success { .. })) && exe_name.is_none() {
        problems.push(
            "app/weir.pkg is missing or has no `(name \"...\")`: a success case needs it (the \
             executable is target/debug/NAME)"
                .to_string(),
        );
    }
    let args = match read("args") {
        Some(Ok(text)) => text.lines().map(str::to_string).collect(),
        Some(Err(e)) => {
            problems.push(e);
            Vec::new()
        }
        None => Vec::new(),
    };
    match expect {
        Some(expect) if problems.is_empty() => Ok(Case {
            name: name.to_string(),
            dir: dir.to_path_buf(),
            expect,
            args,
            exe_name,
            native,
        }),
        _ => Err(problems),
    }
}

/// The string of the first `(name "...")` in a manifest's text (comments skipped); `None` when
/// there is none or its value is not a plain string.
fn manifest_name(manifest: &str) -> Option<String> {
    let text: String = manifest
        .lines()
        .map(|line| line.split(';').next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let start = text.find("(name")? + "(name".len();
    let rest = text[start..].trim_start();
    let rest = rest.strip_prefix('"')?;
    let end = rest.find('"')?;
    Some(rest[..end].to_string())
}

// ---------------------------------------------------------------------------------------------
// Scratch copies and commands.

/// A fresh copy of a case: `ROOT/case/` (the packages) and `ROOT/home/` (`WEIR_HOME`).
struct Scratch {
    root: PathBuf,
    case: PathBuf,
    home: PathBuf,
}

impl Scratch {
    fn new(case: &Case, label: &str) -> Result<Scratch, String> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let slug: String = label
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let root = temp_path(&format!("{n:03}-{slug}"));
        let _ = fs::remove_dir_all(&root);
        let copy = root.join("case");
        let home = root.join("home");
        copy_dir(&case.dir, &copy)
            .and_then(|()| fs::create_dir_all(&home))
            .map_err(|e| {
                format!(
                    "harness: cannot copy {} to {}: {e}",
                    case.dir.display(),
                    copy.display()
                )
            })?;
        Ok(Scratch {
            root,
            case: copy,
            home,
        })
    }

    fn app(&self) -> PathBuf {
        self.case.join("app")
    }

    /// `path` relative to the case copy, for messages.
    fn relative(&self, path: &Path) -> String {
        path.strip_prefix(&self.case)
            .map_or_else(|_| path.display().to_string(), |p| p.display().to_string())
    }

    /// `weir ARGS` from `app/`.
    fn weir(&self, args: &[impl AsRef<str>]) -> Observation {
        let mut argv = vec![env!("CARGO_BIN_EXE_weir").to_string()];
        argv.extend(args.iter().map(|a| a.as_ref().to_string()));
        self.run(&argv)
    }

    /// The built executable with the case's arguments, from `app/`.
    fn exe(&self, exe: &Path, args: &[String]) -> Observation {
        let mut argv = vec![exe.display().to_string()];
        argv.extend(args.iter().cloned());
        self.run(&argv)
    }

    fn run(&self, argv: &[String]) -> Observation {
        let mut cmd = Command::new(&argv[0]);
        cmd.args(&argv[1..])
            .current_dir(self.app())
            .env("WEIR_HOME", &self.home)
            .env_remove("WEIR_REGISTRY")
            .env("NO_COLOR", "1");
        let mut obs = run_command(cmd, argv);
        obs.stdout = self.normalise(&obs.stdout);
        obs.stderr = self.normalise(&obs.stderr);
        if keep_temp() {
            let note = format!("kept in {}", self.root.display());
            obs.note = Some(obs.note.map_or(note.clone(), |n| format!("{n}; {note}")));
        }
        obs
    }

    /// Writes the copy's absolute path as `[CASE]` and the scratch home as `[WEIR_HOME]`.
    fn normalise(&self, bytes: &[u8]) -> Vec<u8> {
        let mut pairs = Vec::new();
        for (path, placeholder) in [(&self.case, "[CASE]"), (&self.home, "[WEIR_HOME]")] {
            if let Ok(canonical) = fs::canonicalize(path) {
                pairs.push((canonical.display().to_string(), placeholder));
            }
            pairs.push((path.display().to_string(), placeholder));
        }
        // Longer paths first, so that a path is never half replaced.
        pairs.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
        normalise(bytes, &pairs)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !keep_temp() {
            let _ = fs::remove_dir_all(&self.root);
        }
    }
}

/// Replaces every occurrence of each path by its placeholder.
fn normalise(bytes: &[u8], pairs: &[(String, &str)]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for (path, placeholder) in pairs {
        if path.is_empty() {
            continue;
        }
        let needle = path.as_bytes();
        let mut res = Vec::with_capacity(out.len());
        let mut i = 0;
        while i < out.len() {
            if out[i..].starts_with(needle) {
                res.extend_from_slice(placeholder.as_bytes());
                i += needle.len();
            } else {
                res.push(out[i]);
                i += 1;
            }
        }
        out = res;
    }
    out
}

/// A scratch copy for one command sequence; `None` (with a failure reported) when the case
/// cannot run here: a native case without a C compiler, or a copy error.
fn prepare(case: &Case, name: &str, r: &mut Report) -> Option<Scratch> {
    if case.native {
        if let Err(e) = c_compiler() {
            r.fail(
                name,
                format!(
                    "this case has native C sources and needs a C compiler, but none can be \
                     run: {e} (install one, or set CC)"
                ),
            );
            return None;
        }
    }
    match Scratch::new(case, name) {
        Ok(s) => Some(s),
        Err(e) => {
            r.fail(name, e);
            None
        }
    }
}

/// `[cmd, "--", ARGS...]`.
fn with_args(cmd: &[&str], case: &Case) -> Vec<String> {
    let mut argv: Vec<String> = cmd.iter().map(|s| s.to_string()).collect();
    argv.push("--".to_string());
    argv.extend(case.args.iter().cloned());
    argv
}

/// The C compiler's first line of `--version` (`$CC`, else `cc`), checked once.
fn c_compiler() -> Result<String, String> {
    static CC: OnceLock<Result<String, String>> = OnceLock::new();
    CC.get_or_init(|| {
        let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_string());
        match Command::new(&cc).arg("--version").output() {
            Ok(out) if out.status.success() => Ok(String::from_utf8_lossy(&out.stdout)
                .lines()
                .next()
                .unwrap_or("")
                .to_string()),
            Ok(out) => Err(format!("`{cc} --version` exited with {}", out.status)),
            Err(e) => Err(format!("cannot run `{cc}`: {e}")),
        }
    })
    .clone()
}

/// `$TMP/weir-packages-PID-NAME`: unique per test process and name.
fn temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("weir-packages-{}-{name}", std::process::id()))
}

fn keep_temp() -> bool {
    std::env::var_os("WEIR_KEEP_TEMP").is_some_and(|v| v == "1")
}

fn bless() -> bool {
    std::env::var_os("WEIR_BLESS").is_some_and(|v| v == "1")
}

/// Copies a folder recursively, leaving out `target/` folders (build output).
fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let src = entry.path();
        let dst = to.join(entry.file_name());
        if src.is_dir() {
            if entry.file_name() != "target" {
                copy_dir(&src, &dst)?;
            }
        } else {
            fs::copy(&src, &dst)?;
        }
    }
    Ok(())
}

/// Every file below `dir` (recursively), sorted; empty when `dir` does not exist.
fn list_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(path),
                Ok(t) if t.is_file() => out.push(path),
                _ => {}
            }
        }
    }
    out.sort();
    out
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "exe")
}

// ---------------------------------------------------------------------------------------------
// Running.

type Job<'a, T = Report> = Box<dyn FnOnce() -> T + Send + 'a>;

/// How many commands run at once across all tests of this binary.
fn parallelism() -> usize {
    std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 4)
}

/// Runs jobs on a small thread pool; results are in job order.
fn run_jobs<T: Send>(jobs: Vec<Job<'_, T>>) -> Vec<T> {
    let n = jobs.len();
    let queue: Mutex<Vec<(usize, Job<'_, T>)>> =
        Mutex::new(jobs.into_iter().enumerate().rev().collect());
    let results: Mutex<Vec<Option<T>>> = Mutex::new((0..n).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..parallelism().min(n.max(1)) {
            scope.spawn(|| loop {
                let next = queue.lock().unwrap().pop();
                let Some((k, job)) = next else {
                    break;
                };
                let outcome = job();
                results.lock().unwrap()[k] = Some(outcome);
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

/// Limits the number of processes running at once over the whole test binary (the tests of this
/// file run concurrently, each with its own pool).
struct Slots {
    free: Mutex<usize>,
    cond: Condvar,
}

fn slots() -> &'static Slots {
    static SLOTS: OnceLock<Slots> = OnceLock::new();
    SLOTS.get_or_init(|| Slots {
        free: Mutex::new(parallelism()),
        cond: Condvar::new(),
    })
}

struct SlotGuard;

impl SlotGuard {
    fn acquire() -> SlotGuard {
        let s = slots();
        let mut free = s.free.lock().unwrap();
        while *free == 0 {
            free = s.cond.wait(free).unwrap();
        }
        *free -= 1;
        SlotGuard
    }
}

impl Drop for SlotGuard {
    fn drop(&mut self) {
        let s = slots();
        *s.free.lock().unwrap() += 1;
        s.cond.notify_one();
    }
}

/// What one command printed.
struct Observation {
    /// The command line, for messages.
    command: String,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    /// `None` when killed by a signal or the timeout, or when it could not start.
    status: Option<i32>,
    /// Why there is no status, and other facts worth showing with a failure.
    note: Option<String>,
}

fn run_command(mut cmd: Command, argv: &[String]) -> Observation {
    let command = argv
        .iter()
        .enumerate()
        .map(|(i, a)| {
            if i == 0 {
                Path::new(a)
                    .file_name()
                    .map_or_else(|| a.clone(), |n| n.to_string_lossy().into_owned())
            } else {
                a.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    let _slot = SlotGuard::acquire();
    let spawned = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => {
            return Observation {
                note: Some(format!("cannot start `{command}`: {e}")),
                command,
                stdout: Vec::new(),
                stderr: Vec::new(),
                status: None,
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
        command,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
        status,
        note,
    }
}

fn describe_status(obs: &Observation) -> String {
    let base = match obs.status {
        Some(code) => format!("exit status {code}"),
        None => "no exit status".to_string(),
    };
    match &obs.note {
        Some(note) => format!("{base} ({note})"),
        None => base,
    }
}

// ---------------------------------------------------------------------------------------------
// Expectations and reporting.

enum Expected {
    /// Bytes and where they come from.
    Bytes(Vec<u8>, String),
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

    fn empty() -> Expected {
        Expected::Bytes(Vec::new(), "(nothing)".to_string())
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

    fn absorb(&mut self, other: Report) {
        self.failures.extend(other.failures);
        self.checks += other.checks;
    }

    /// Checks the exit status; `true` when it is as expected.
    fn status(&mut self, name: &str, expected: i32, obs: &Observation) -> bool {
        self.checks += 1;
        if obs.status == Some(expected) {
            return true;
        }
        let mut msg = format!(
            "`{}`: expected exit status {expected}, got {}",
            obs.command,
            describe_status(obs)
        );
        append_stderr(&mut msg, &obs.stderr);
        self.fail(name, msg);
        false
    }

    fn compare(&mut self, name: &str, what: &str, expected: &Expected, obs: &Observation) {
        self.checks += 1;
        let actual = if what == "stdout" {
            &obs.stdout
        } else {
            &obs.stderr
        };
        let (bytes, source) = match expected {
            Expected::Bytes(bytes, source) => (bytes, source),
            Expected::Missing(path) => {
                self.fail(
                    name,
                    format!("missing expected {what} file {}", path.display()),
                );
                return;
            }
            Expected::Unreadable(path, e) => {
                self.fail(name, format!("cannot read {}: {e}", path.display()));
                return;
            }
        };
        if bytes.as_slice() == actual.as_slice() {
            return;
        }
        let mut msg = format!(
            "`{}`: {what} differs from {source}\n{}",
            obs.command,
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
            "{}: {n} failure(s)\n\n{}\n\n{}: {n} failure(s) (WEIR_TEST_FILTER=NAME runs the cases \
             whose name contains NAME; WEIR_KEEP_TEMP=1 keeps the scratch copies)",
            self.suite,
            self.failures.join("\n\n"),
            self.suite
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The harness's own helpers.

#[test]
fn manifest_name_reads_the_name_field() {
    let manifest =
        "; (name \"commented\")\n(package\n  (name \"tetris\") ; x\n  (version \"0.1.0\"))";
    assert_eq!(manifest_name(manifest).as_deref(), Some("tetris"));
    assert_eq!(manifest_name("(package (name tetris))"), None);
    assert_eq!(manifest_name("(package (version \"1.0.0\"))"), None);
}

#[test]
fn normalise_replaces_scratch_paths() {
    let pairs = vec![
        ("/tmp/x/case".to_string(), "[CASE]"),
        ("/tmp/x/home".to_string(), "[WEIR_HOME]"),
    ];
    let out = normalise(
        b"/tmp/x/case/app/a.c:1: e\n/tmp/x/home/r\n/tmp/x/cases\n",
        &pairs,
    );
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "[CASE]/app/a.c:1: e\n[WEIR_HOME]/r\n[CASE]s\n"
    );
}

#[test]
fn corrupt_files_changes_every_file() {
    let dir = temp_path("corrupt-self-test");
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    let files: Vec<PathBuf> = (0..4).map(|i| dir.join(format!("f{i}"))).collect();
    for f in &files {
        fs::write(f, b"interface bytes").unwrap();
    }
    corrupt_files(&files).unwrap();
    for f in &files {
        assert_ne!(fs::read(f).unwrap(), b"interface bytes", "{}", f.display());
    }
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn malformed_case_folders_are_reported() {
    let base = temp_path("malformed-self-test");
    let _ = fs::remove_dir_all(&base);
    let make = |name: &str, files: &[&str]| -> PathBuf {
        let dir = base.join(name);
        for f in files {
            let path = dir.join(f);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            if !f.ends_with('/') {
                fs::write(&path, "x\n").unwrap();
            }
        }
        fs::create_dir_all(&dir).unwrap();
        dir
    };
    let problems = |name: &str, files: &[&str]| -> String {
        match load_case(name, &make(name, files)) {
            Ok(_) => String::new(),
            Err(p) => p.join("\n"),
        }
    };
    assert!(problems("no_app", &["expected.stdout"]).contains("no app/"));
    assert!(problems("no_expect", &["app/weir.pkg"]).contains("no expectation file"));
    assert!(problems(
        "both",
        &["app/weir.pkg", "expected.stdout", "expected.fails"]
    )
    .contains("either runs"));
    assert!(problems(
        "typo",
        &["app/main.weir", "expected.fails", "expected.stout"]
    )
    .contains("unknown file `expected.stout`"));
    assert!(
        problems("stderr_only", &["app/main.weir", "expected.stderr"])
            .contains("needs expected.fails")
    );
    assert!(problems("built", &["app/target/debug/app", "expected.fails"]).contains("target/"));
    assert!(
        problems("no_name", &["app/weir.pkg", "expected.stdout"]).contains("(name"),
        "a success case needs the app's name"
    );
    let ok = make("ok", &["app/main.weir", "expected.fails"]);
    assert!(load_case("ok", &ok).is_ok());
    let _ = fs::remove_dir_all(&base);
}
