//! Every template checks, builds and runs right after `weir new`, offline (packages.md §7). The
//! library templates' `tests/` suites run with `weir test`, which comes with the registry issue.

use std::path::Path;

use assert_cmd::Command;
use tempfile::TempDir;

fn weir_in(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_weir"));
    cmd.env_remove("NO_COLOR").current_dir(dir);
    cmd
}

/// A new package made from `template` in a temporary folder; returns (folder guard, package).
fn new_package(template: &str, name: &str) -> (TempDir, std::path::PathBuf) {
    let tmp = tempfile::Builder::new()
        .prefix("weir-templates-run")
        .tempdir()
        .unwrap();
    weir_in(tmp.path())
        .args(["new", name, "--template", template])
        .assert()
        .success();
    let dir = tmp.path().join(name);
    (tmp, dir)
}

#[test]
fn app_runs() {
    let (_tmp, dir) = new_package("app", "hello-app");
    let out = "Hello, world!\nhello-app: 2 items, total 22\n";
    weir_in(&dir).arg("run").assert().success().stdout(out);
    weir_in(&dir).arg("interp").assert().success().stdout(out);
    weir_in(&dir)
        .args(["run", "--", "Ada"])
        .assert()
        .success()
        .stdout("Hello, Ada!\nhello-app: 2 items, total 22\n");
    weir_in(&dir).arg("build").assert().success();
    let exe = dir.join("target/debug/hello-app");
    Command::new(&exe).assert().success().stdout(out);
    weir_in(&dir).arg("check").assert().success().stdout("");
}

#[test]
fn lib_checks_and_builds() {
    let (_tmp, dir) = new_package("lib", "geo-lib");
    weir_in(&dir).arg("check").assert().success().stdout("");
    weir_in(&dir).arg("build").assert().success().stdout("");
}

#[test]
fn c_lib_checks_and_builds() {
    let (_tmp, dir) = new_package("c-lib", "fast-math");
    weir_in(&dir).arg("check").assert().success().stdout("");
    weir_in(&dir).arg("build").assert().success().stdout("");
}

/// Running it needs a display; building needs GLFW. Without GLFW the build must fail with an
/// error that names the library.
#[test]
fn gl_app_checks_and_builds_or_names_glfw() {
    let (_tmp, dir) = new_package("gl-app", "bouncer");
    weir_in(&dir).arg("check").assert().success().stdout("");
    let out = weir_in(&dir).arg("build").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() || stderr.contains("glfw"),
        "status {:?}, stderr:\n{stderr}",
        out.status
    );
}
