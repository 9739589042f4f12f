//! `weir test` (packages.md §7): runs the command on copies of the fixture packages in
//! `tests/weir-test/` and compares its stdout, stderr and exit status with the files in
//! `tests/weir-test/expected/` (`NAME.stdout`, `NAME.stderr`, `NAME.status`).
//!
//! Fixtures (one folder of packages each; the command runs in the named package folder):
//! - `calc/calc`: a library with a public and a private function, a mutable global, a module
//!   `calc.stats`, and two test modules: `tests/basics.weir` (passing tests, `assert` and
//!   `assert-eq` failures with and without a message, division by zero, stack overflow,
//!   `(exit 3)`, `(exit 0)`, output then a failure, two tests that each mutate a global and
//!   expect it freshly initialised, a test returning a value, a `test-*` function with a
//!   parameter (warned about, not run) and a helper that is not a test) and
//!   `tests/with_kit.weir`, which imports the dev-dependency `calc/testkit` and the test module
//!   `calc.tests.support` (`tests/support.weir`, which has no tests).
//! - `crash/app`: a test that kills its process (C `abort`) between two passing tests.
//! - `hang/app`: a test that never ends, run with `--timeout 1`, and one that passes.
//! - `no_tests/app`: an application without tests.
//! - `private_import/app`: a test imports a private name (compile error).
//! - `src_imports/app`: ordinary modules import a dev-dependency and a test module (errors, under
//!   `weir test` and, differently worded, under `weir check`).
//!
//! Invariants:
//! - The repository is never written except by `WEIR_BLESS=1`, which rewrites the expected
//!   files. Each run works in a fresh copy in a temporary folder (no `target/` in the repo),
//!   with `WEIR_HOME` inside it, `WEIR_REGISTRY` unset and `NO_COLOR=1`.
//! - stderr is compared after one normalisation: the time in `Finished ... in 0.12s` becomes
//!   `[TIME]`.
//! - The compiled path and `--interp` must print the same report (stdout).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The fixture folder `tests/weir-test/` of the workspace.
fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .join("tests")
        .join("weir-test")
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "target" {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(&name));
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&src, &dst);
        } else {
            fs::copy(&src, &dst).unwrap();
        }
    }
}

struct Output {
    stdout: String,
    stderr: String,
    status: i32,
}

/// Runs `weir ARGS` in a fresh copy of `tests/weir-test/CASE`, in its folder `package`.
fn weir_test(case: &str, package: &str, args: &[&str]) -> Output {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixtures().join(case), &tmp.path().join(case));
    let out = Command::new(env!("CARGO_BIN_EXE_weir"))
        .args(args)
        .current_dir(tmp.path().join(case).join(package))
        .env("WEIR_HOME", tmp.path().join("home"))
        .env_remove("WEIR_REGISTRY")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    Output {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: normalise(&String::from_utf8_lossy(&out.stderr)),
        status: out.status.code().unwrap_or(-1),
    }
}

/// `Finished test build in 0.12s` → `Finished test build in [TIME]`.
fn normalise(stderr: &str) -> String {
    stderr
        .lines()
        .map(
            |l| match (l.trim_start().starts_with("Finished"), l.rfind(" in ")) {
                (true, Some(i)) if l.ends_with('s') => format!("{} in [TIME]\n", &l[..i]),
                _ => format!("{l}\n"),
            },
        )
        .collect()
}

/// Compares `out` with `expected/NAME.*` (or writes them with `WEIR_BLESS=1`).
fn expect(name: &str, out: &Output) {
    let dir = fixtures().join("expected");
    let files = [
        ("stdout", out.stdout.clone()),
        ("stderr", out.stderr.clone()),
        ("status", format!("{}\n", out.status)),
    ];
    if std::env::var_os("WEIR_BLESS").is_some() {
        fs::create_dir_all(&dir).unwrap();
        for (ext, text) in &files {
            fs::write(dir.join(format!("{name}.{ext}")), text).unwrap();
        }
        return;
    }
    let mut problems = Vec::new();
    for (ext, text) in &files {
        let path = dir.join(format!("{name}.{ext}"));
        match fs::read_to_string(&path) {
            Ok(want) if want == *text => {}
            Ok(want) => problems.push(format!(
                "{name}.{ext} differs\n--- expected\n{want}--- got\n{text}"
            )),
            Err(e) => problems.push(format!(
                "cannot read {} ({e}); bless with WEIR_BLESS=1\n--- got\n{text}",
                path.display()
            )),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn calc_all_tests() {
    let out = weir_test("calc", "calc", &["test"]);
    expect("calc_all", &out);
    assert_eq!(out.status, 1);
    assert!(
        out.stdout.ends_with("8 passed, 7 failed\n"),
        "{}",
        out.stdout
    );
}

#[test]
fn calc_interp_prints_the_same_report() {
    let compiled = weir_test("calc", "calc", &["test"]);
    let interp = weir_test("calc", "calc", &["test", "--interp"]);
    expect("calc_interp", &interp);
    assert_eq!(interp.stdout, compiled.stdout);
    assert_eq!(interp.status, compiled.status);
}

#[test]
fn calc_filter() {
    let out = weir_test("calc", "calc", &["test", "global"]);
    expect("calc_filter", &out);
    assert_eq!(out.status, 0);
}

#[test]
fn calc_filter_verbose() {
    let out = weir_test("calc", "calc", &["-v", "test", "with_kit::"]);
    expect("calc_filter_verbose", &out);
    assert_eq!(out.status, 1);
}

#[test]
fn calc_filter_matches_nothing() {
    let out = weir_test("calc", "calc", &["test", "no-such-test"]);
    expect("calc_filter_none", &out);
    assert_eq!(out.status, 0);
}

#[test]
fn crash_fails_alone() {
    let out = weir_test("crash", "app", &["test"]);
    expect("crash", &out);
    assert_eq!(out.status, 1);
    assert!(
        out.stdout.ends_with("2 passed, 1 failed\n"),
        "{}",
        out.stdout
    );
}

#[test]
fn timeout_kills_a_hanging_test() {
    let out = weir_test("hang", "app", &["test", "--timeout", "1"]);
    expect("hang", &out);
    assert_eq!(out.status, 1);
    let bad = weir_test("hang", "app", &["test", "--timeout", "0"]);
    assert_eq!(bad.status, 1);
    assert_eq!(bad.stdout, "");
    assert!(
        bad.stderr.contains("positive number of seconds"),
        "{}",
        bad.stderr
    );
}

#[test]
fn no_tests() {
    let out = weir_test("no_tests", "app", &["test"]);
    expect("no_tests", &out);
    assert_eq!(out.stdout, "0 passed, 0 failed\n");
    assert_eq!(out.status, 0);
}

#[test]
fn test_imports_a_private_name() {
    let out = weir_test("private_import", "app", &["test"]);
    expect("private_import", &out);
    assert_eq!(out.stdout, "");
    assert_eq!(out.status, 1);
}

#[test]
fn ordinary_modules_cannot_import_dev_deps_or_tests() {
    let out = weir_test("src_imports", "app", &["test"]);
    expect("src_imports", &out);
    assert_eq!(out.stdout, "");
    assert_eq!(out.status, 1);
}

/// Outside `weir test` the dev-dependency and the test module are not loaded at all; the errors
/// say why.
#[test]
fn check_explains_unloaded_dev_deps_and_tests() {
    let out = weir_test("src_imports", "app", &["check"]);
    expect("src_imports_check", &out);
    assert_eq!(out.status, 1);
    assert!(
        out.stderr.contains("is a dev-dependency of `app`"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("is a test module"), "{}", out.stderr);
}

/// The test executable lists its tests without an argument and rejects an unknown name.
#[test]
fn test_executable_lists_and_rejects() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixtures().join("calc"), &tmp.path().join("calc"));
    let pkg = tmp.path().join("calc").join("calc");
    let run = Command::new(env!("CARGO_BIN_EXE_weir"))
        .args(["-q", "test", "with_kit"])
        .current_dir(&pkg)
        .env("WEIR_HOME", tmp.path().join("home"))
        .env_remove("WEIR_REGISTRY")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let exe = pkg.join("target").join("test").join("calc");
    let list = Command::new(&exe).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&list.stdout),
        "calc.tests.with_kit::test-near\ncalc.tests.with_kit::test-near-fails\ncalc.tests.with_kit::test-shared-helper\n"
    );
    assert_eq!(list.status.code(), Some(0));
    let bogus = Command::new(&exe).arg("bogus").output().unwrap();
    assert_eq!(bogus.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&bogus.stdout),
        "no test named bogus\n"
    );
}
