//! Tests of the `weir` command itself: arguments, help, file errors, exit codes, argument passing
//! and the shape of diagnostics. Programs are tiny and written to the spec (language.md), so the
//! tests that need the checker or the interpreter pass once those exist.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use predicates::str::{contains, is_match, starts_with};

const SUBCOMMANDS: &[&str] = &["interp", "run", "build", "check", "expand", "parse"];

fn weir() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_weir"));
    cmd.env_remove("NO_COLOR");
    cmd
}

/// A fresh scratch folder for one test.
fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("cli-tests")
        .join(test);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `name` with `text` into a scratch folder and returns the folder.
fn program(test: &str, name: &str, text: &[u8]) -> PathBuf {
    let dir = scratch(test);
    fs::write(dir.join(name), text).unwrap();
    dir
}

// ---------------------------------------------------------------------------------------------
// Version and help.

#[test]
fn version() {
    weir()
        .arg("--version")
        .assert()
        .success()
        .stdout(format!("weir {}\n", env!("CARGO_PKG_VERSION")))
        .stderr("");
}

#[test]
fn help_lists_subcommands() {
    let mut assert = weir().arg("--help").assert().success();
    for sub in SUBCOMMANDS {
        assert = assert.stdout(contains(format!("  {sub} ")));
    }
    assert.stdout(contains("Usage: weir"));
}

/// Subcommands that build the package around the current folder when no FILE is given.
const PACKAGE_SUBCOMMANDS: &[&str] = &["interp", "run", "build", "check"];

#[test]
fn each_subcommand_has_help() {
    for sub in SUBCOMMANDS {
        let file = if PACKAGE_SUBCOMMANDS.contains(sub) {
            "[FILE]"
        } else {
            "<FILE>"
        };
        weir()
            .args([sub, "--help"])
            .assert()
            .success()
            .stdout(contains(format!("Usage: weir {sub}")))
            .stdout(contains(file));
    }
}

#[test]
fn interp_help_mentions_args_and_load() {
    weir()
        .args(["interp", "--help"])
        .assert()
        .success()
        .stdout(contains("--load <LIB>"))
        .stdout(contains("[-- <ARGS>...]"));
}

#[test]
fn no_arguments_is_a_usage_error() {
    weir()
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains("Usage: weir"));
}

#[test]
fn unknown_subcommand_is_a_usage_error() {
    weir()
        .arg("frobnicate")
        .assert()
        .code(2)
        .stderr(contains("unrecognized subcommand 'frobnicate'"));
}

#[test]
fn missing_file_argument_is_a_usage_error() {
    for sub in SUBCOMMANDS {
        if !PACKAGE_SUBCOMMANDS.contains(sub) {
            weir().arg(sub).assert().code(2).stderr(contains("<FILE>"));
        }
    }
}

/// Without a FILE, `interp`, `run`, `build` and `check` look for `weir.pkg` in the current folder
/// and its parents; outside any package that is a clear error.
#[test]
fn no_file_outside_a_package_says_so() {
    let dir = scratch("no_package");
    for sub in PACKAGE_SUBCOMMANDS {
        weir()
            .current_dir(&dir)
            .arg(sub)
            .assert()
            .code(1)
            .stdout("")
            .stderr(contains("error: could not find `weir.pkg` in"))
            .stderr(contains("or any parent folder"));
    }
}

#[test]
fn program_arguments_need_a_double_dash() {
    let dir = program("double_dash", "p.weir", b"(defn main () 0)\n");
    weir()
        .current_dir(&dir)
        .args(["interp", "p.weir", "extra"])
        .assert()
        .code(2)
        .stderr(contains("unexpected argument 'extra'"));
}

// ---------------------------------------------------------------------------------------------
// File errors: one line naming the path, exit 1, for every subcommand.

#[test]
fn missing_file() {
    let dir = scratch("missing_file");
    for sub in SUBCOMMANDS {
        weir()
            .current_dir(&dir)
            .args([sub, "nope.weir"])
            .assert()
            .code(1)
            .stdout("")
            .stderr("error: cannot read `nope.weir`: no such file or directory\n");
    }
}

#[test]
fn directory_as_file() {
    let dir = scratch("directory_as_file");
    fs::create_dir(dir.join("src.weir")).unwrap();
    for sub in SUBCOMMANDS {
        weir()
            .current_dir(&dir)
            .args([sub, "src.weir"])
            .assert()
            .code(1)
            .stdout("")
            .stderr("error: cannot read `src.weir`: it is a directory, not a source file\n");
    }
}

#[test]
fn non_utf8_file_reports_line_and_column_of_first_bad_byte() {
    // Line 3, after `  (println "caf` (15 characters): column 16, byte offset 10 + 14 + 15.
    let text = b"; comment\n(defn main ()\n  (println \"caf\xe9\"))\n";
    let dir = program("non_utf8", "latin1.weir", text);
    for sub in SUBCOMMANDS {
        weir()
            .current_dir(&dir)
            .args([sub, "latin1.weir"])
            .assert()
            .code(1)
            .stdout("")
            .stderr(
                "latin1.weir:3:16: error: source file is not valid UTF-8 \
                 (invalid byte 0xE9 at byte offset 39)\n",
            );
    }
}

#[test]
fn non_utf8_column_counts_characters() {
    let text = "(defn main () (println \"héé".as_bytes();
    let mut bytes = text.to_vec();
    bytes.push(0xff);
    let dir = program("non_utf8_chars", "u.weir", &bytes);
    weir()
        .current_dir(&dir)
        .args(["check", "u.weir"])
        .assert()
        .code(1)
        .stderr(starts_with(
            "u.weir:1:28: error: source file is not valid UTF-8",
        ));
}

#[cfg(unix)]
#[test]
fn dangling_symlink() {
    let dir = scratch("dangling_symlink");
    std::os::unix::fs::symlink("gone.weir", dir.join("link.weir")).unwrap();
    weir()
        .current_dir(&dir)
        .args(["check", "link.weir"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(
            "error: cannot read `link.weir`: it is a symbolic link to a file that does not exist\n",
        );
}

#[cfg(unix)]
#[test]
fn unreadable_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = program("unreadable", "secret.weir", b"(defn main () 0)\n");
    let path = dir.join("secret.weir");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read(&path).is_ok() {
        // Running as root (or with CAP_DAC_OVERRIDE): permissions do not stop reads, so the
        // permission-denied message cannot be produced here. `read_error_from_the_os` still covers
        // the path where reading fails.
        eprintln!(
            "NOTE unreadable_file: this process can read a mode-000 file (root?); \
             the permission-denied case is not exercised"
        );
        return;
    }
    weir()
        .current_dir(&dir)
        .args(["check", "secret.weir"])
        .assert()
        .code(1)
        .stdout("")
        .stderr("error: cannot read `secret.weir`: permission denied\n");
}

/// A file that exists but whose read fails, even for root: `/proc/self/mem` gives EIO at offset 0.
#[cfg(target_os = "linux")]
#[test]
fn read_error_from_the_os() {
    weir()
        .args(["check", "/proc/self/mem"])
        .assert()
        .code(1)
        .stdout("")
        .stderr("error: cannot read `/proc/self/mem`: input/output error\n");
}

#[test]
fn colour_is_off_when_piped_and_on_when_forced() {
    let dir = scratch("colour");
    weir()
        .current_dir(&dir)
        .args(["check", "nope.weir"])
        .assert()
        .code(1)
        .stderr(contains("\x1b[").not());
    weir()
        .current_dir(&dir)
        .args(["--color", "always", "check", "nope.weir"])
        .assert()
        .code(1)
        .stderr(contains("\x1b["));
    weir()
        .current_dir(&dir)
        .args(["--color", "sometimes", "check", "nope.weir"])
        .assert()
        .code(2);
}

// ---------------------------------------------------------------------------------------------
// Compile errors (need the front end).

#[test]
fn empty_file_has_no_main() {
    let dir = program("empty_file", "empty.weir", b"");
    weir()
        .current_dir(&dir)
        .args(["check", "empty.weir"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(is_match(r"^empty\.weir:\d+:\d+: error: [^\n]*`?main`?").unwrap())
        .stderr(contains(
            "error: could not compile `empty.weir` due to 1 previous error\n",
        ));
}

#[test]
fn compile_error_shape() {
    let src = b"(defn main ()\n  (println (+ 1 \"two\")))\n";
    let dir = program("compile_error", "bad.weir", src);
    for sub in ["check", "interp"] {
        weir()
            .current_dir(&dir)
            .args([sub, "bad.weir"])
            .assert()
            .code(1)
            .stdout("")
            // The header, then codespan's snippet quoting the offending line.
            .stderr(is_match(r"^bad\.weir:2:\d+: error: .+\n  ┌─ bad\.weir:2:\d+\n").unwrap())
            .stderr(contains("2 │   (println (+ 1 \"two\")))\n"))
            .stderr(contains(
                "error: could not compile `bad.weir` due to 1 previous error\n",
            ));
    }
}

#[test]
fn several_errors_are_all_reported_in_source_order() {
    let src = b"(defn f () : i64 \"no\")\n(defn g () : Bool 1)\n(defn main () (f) (g))\n";
    let dir = program("several_errors", "two.weir", src);
    let out = weir()
        .current_dir(&dir)
        .args(["check", "two.weir"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(contains("due to 2 previous errors\n"))
        .get_output()
        .stderr
        .clone();
    let text = String::from_utf8(out).unwrap();
    let headers: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("two.weir:"))
        .collect();
    assert_eq!(headers.len(), 2, "{text}");
    assert!(headers[0].starts_with("two.weir:1:"), "{text}");
    assert!(headers[1].starts_with("two.weir:2:"), "{text}");
}

#[test]
fn check_is_silent_on_success() {
    let dir = program(
        "check_ok",
        "ok.weir",
        b"(defn main ()\n  (println \"hi\"))\n",
    );
    weir()
        .current_dir(&dir)
        .args(["check", "ok.weir"])
        .assert()
        .success()
        .stdout("")
        .stderr("");
}

#[test]
fn parse_and_expand_print_something() {
    let src = b"(defn main ()\n  (-> 1 (+ 2) println))\n";
    let dir = program("parse_expand", "p.weir", src);
    for sub in ["parse", "expand"] {
        weir()
            .current_dir(&dir)
            .args([sub, "p.weir"])
            .assert()
            .success()
            .stdout(contains("main"))
            .stderr("");
    }
    // Expansion removed the threading macro.
    weir()
        .current_dir(&dir)
        .args(["expand", "p.weir"])
        .assert()
        .success()
        .stdout(contains("->").not());
}

#[test]
fn parse_reports_syntax_errors() {
    let dir = program(
        "parse_error",
        "open.weir",
        b"(defn main ()\n  (println \"hi\")\n",
    );
    for sub in ["parse", "expand", "check", "interp"] {
        weir()
            .current_dir(&dir)
            .args([sub, "open.weir"])
            .assert()
            .code(1)
            .stdout("")
            .stderr(is_match(r"^open\.weir:\d+:\d+: error: ").unwrap());
    }
}

// ---------------------------------------------------------------------------------------------
// Running (needs the interpreter).

#[test]
fn interp_passes_arguments_after_double_dash() {
    let src = b"(defn main ()\n  (println (args))\n  (println (len (args))))\n";
    let dir = program("args", "args.weir", src);
    weir()
        .current_dir(&dir)
        .args(["interp", "args.weir", "--", "a", "b c", "--flag"])
        .assert()
        .success()
        .stdout("[a b c --flag]\n3\n")
        .stderr("");
    weir()
        .current_dir(&dir)
        .args(["interp", "args.weir"])
        .assert()
        .success()
        .stdout("[]\n0\n");
}

#[test]
fn interp_exit_status_is_masked() {
    let src = b"(defn main ()\n  (println \"bye\")\n  (exit 42))\n";
    let dir = program("exit42", "exit.weir", src);
    weir()
        .current_dir(&dir)
        .args(["interp", "exit.weir"])
        .assert()
        .code(42)
        .stdout("bye\n")
        .stderr("");
    let src = b"(defn main ()\n  (exit 263))\n";
    let dir = program("exit263", "exit.weir", src);
    weir()
        .current_dir(&dir)
        .args(["interp", "exit.weir"])
        .assert()
        .code(7);
}

#[test]
fn runtime_error_flushes_stdout_and_exits_1() {
    let src = b"(defn div ((a : i64) (b : i64)) : i64\n  (/ a b))\n\n(defn main ()\n  (println \"before\")\n  (println (div 1 0)))\n";
    let dir = program("runtime_error", "div.weir", src);
    weir()
        .current_dir(&dir)
        .args(["interp", "div.weir"])
        .assert()
        .code(1)
        .stdout("before\n")
        .stderr(is_match(r"^(div\.weir:\d+:\d+: )?runtime error: division by zero\n$").unwrap());
}

#[test]
fn unresolvable_extern_is_reported_before_running() {
    let src = b"(extern \"C\"\n  (defn weir_no_such_symbol_xyz () : i64))\n\n(defn main ()\n  (println \"ran\")\n  (println (unsafe (weir_no_such_symbol_xyz))))\n";
    let dir = program("link_error", "link.weir", src);
    weir()
        .current_dir(&dir)
        .args(["interp", "link.weir"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(contains("error: "))
        .stderr(contains("weir_no_such_symbol_xyz"));
}

#[test]
fn missing_load_library_is_an_error() {
    let dir = program(
        "load_missing",
        "p.weir",
        b"(defn main ()\n  (println \"ran\"))\n",
    );
    weir()
        .current_dir(&dir)
        .args(["interp", "p.weir", "--load", "./libnot-there.so"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(contains("error: "))
        .stderr(contains("libnot-there.so"));
}

#[test]
fn load_resolves_externs_from_a_shared_library() {
    // A C library built here with the system compiler (CI installs gcc): its functions, taking
    // and returning numbers and strings, are called through `--load`.
    let c = b"#include <string.h>\n#include <stdint.h>\nint64_t weir_test_triple(int64_t x) { return 3 * x; }\ndouble weir_test_half(double x) { return x / 2; }\nconst char *weir_test_greet(const char *who) { static char buf[64]; strcpy(buf, \"hi \"); strncat(buf, who, 40); return buf; }\n";
    let dir = program("load_library", "lib.c", c);
    let status = std::process::Command::new("cc")
        .current_dir(&dir)
        .args(["-shared", "-fPIC", "-o", "libweirtest.so", "lib.c"])
        .status()
        .expect("the C compiler `cc` is required by this test (install gcc)");
    assert!(status.success(), "cc failed to build the test library");
    let src = b"(extern \"C\"\n  (defn weir_test_triple ((x : i64)) : i64)\n  (defn weir_test_half ((x : f64)) : f64)\n  (defn weir_test_greet ((who : String)) : String))\n\n(defn main ()\n  (unsafe\n    (println (weir_test_triple 14))\n    (println (weir_test_half 5.0))\n    (println (weir_test_greet \"ada\"))))\n";
    fs::write(dir.join("p.weir"), src).unwrap();
    weir()
        .current_dir(&dir)
        .args(["interp", "p.weir", "--load", "./libweirtest.so"])
        .assert()
        .code(0)
        .stdout("42\n2.5\nhi ada\n")
        .stderr("");
    // Without the library the symbols are unresolvable, before anything runs.
    weir()
        .current_dir(&dir)
        .args(["interp", "p.weir"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(contains("weir_test_triple"));
}

// ---------------------------------------------------------------------------------------------
// JIT (`weir run`) and AOT (`weir build`).

#[test]
fn run_and_build_resolve_and_link_c_libraries() {
    let c = b"#include <stdint.h>\nint64_t weir_cg_triple(int64_t x) { return 3 * x; }\nconst char *weir_cg_name(void) { return \"lib\"; }\n";
    let dir = program("cg_library", "lib.c", c);
    let status = std::process::Command::new("cc")
        .current_dir(&dir)
        .args(["-shared", "-fPIC", "-o", "libweircg.so", "lib.c"])
        .status()
        .expect("the C compiler `cc` is required by this test (install gcc)");
    assert!(status.success(), "cc failed to build the test library");
    let src = b"(extern \"C\"\n  (defn weir_cg_triple ((x : i64)) : i64)\n  (defn weir_cg_name () : String))\n\n(defn main ()\n  (unsafe (println (weir_cg_triple 14)) (println (weir_cg_name))))\n";
    fs::write(dir.join("p.weir"), src).unwrap();
    weir()
        .current_dir(&dir)
        .args(["run", "p.weir", "--load", "./libweircg.so"])
        .assert()
        .code(0)
        .stdout("42\nlib\n")
        .stderr("");
    // Unresolvable without the library: an error before anything runs.
    weir()
        .current_dir(&dir)
        .args(["run", "p.weir"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(contains("weir_cg_triple"));
    let rpath = format!("-Wl,-rpath,{}", dir.display());
    weir()
        .current_dir(&dir)
        .args([
            "build", "p.weir", "-l", "weircg", "--cc-arg", "-L.", "--cc-arg", &rpath,
        ])
        .assert()
        .code(0)
        .stdout("");
    // The default output is the file stem in the current folder.
    Command::new(dir.join("p"))
        .current_dir(&dir)
        .assert()
        .code(0)
        .stdout("42\nlib\n");
    // Without the library the link fails: status 1, no executable.
    fs::remove_file(dir.join("p")).unwrap();
    weir()
        .current_dir(&dir)
        .args(["build", "p.weir"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(contains("weir_cg_triple"));
    assert!(!dir.join("p").exists());
}

#[test]
fn build_rejects_a_program_with_errors_without_writing_an_executable() {
    let dir = program(
        "cg_compile_error",
        "bad.weir",
        b"(defn main () (+ 1 \"x\"))\n",
    );
    weir()
        .current_dir(&dir)
        .args(["build", "bad.weir", "-o", "bad"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(contains("error: "));
    assert!(!dir.join("bad").exists());
}

#[test]
fn built_executables_take_arguments_and_exit_codes() {
    let src = b"(defn main ()\n  (for-each (a (args)) (println a))\n  (exit 7))\n";
    let dir = program("cg_args", "a.weir", src);
    weir()
        .current_dir(&dir)
        .args(["run", "a.weir", "--", "x y", "z"])
        .assert()
        .code(7)
        .stdout("x y\nz\n");
    weir()
        .current_dir(&dir)
        .args(["build", "a.weir", "-o", "prog", "--release"])
        .assert()
        .code(0);
    Command::new(dir.join("prog"))
        .args(["x y", "z"])
        .assert()
        .code(7)
        .stdout("x y\nz\n");
}

/// A program of the conformance suites, with its arguments and expected stdout.
struct Example {
    dir: PathBuf,
    file: PathBuf,
    stem: String,
    args: Vec<String>,
    expected: Vec<u8>,
    /// For run-fail programs: the expected exit status and stderr (`NAME.stderr`, or
    /// `NAME.PATH.stderr` for one path), checked as well as stdout.
    failure: Option<(i32, PathBuf)>,
}

/// Every run-pass program and spec example. A program with a `NAME.stress-args` file runs with
/// those arguments instead, and must print `NAME.stress-stdout`: `gc_stress` does 1% of its work
/// then, because under a collection before every allocation its full run would trace its
/// 10,000-node list two million times (minutes even in release builds), and making the stress
/// mode skip collections would weaken it.
fn stress_examples() -> Vec<Example> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let spec = [
        root.join("../shared/spec/examples"),
        root.join("../../shared/spec/examples"),
    ]
    .into_iter()
    .find(|d| d.is_dir())
    .expect("the spec examples folder beside the repository");
    let mut out = Vec::new();
    for (dir, ext) in [(root.join("tests/run-pass"), "stdout"), (spec, "out")] {
        let mut files: Vec<PathBuf> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "weir"))
            .collect();
        files.sort();
        for file in files {
            let stem = file.file_stem().unwrap().to_string_lossy().to_string();
            let lines = |ext: &str| {
                fs::read_to_string(dir.join(format!("{stem}.{ext}")))
                    .ok()
                    .map(|t| t.lines().map(str::to_string).collect::<Vec<_>>())
            };
            let (args, expected) = match lines("stress-args") {
                Some(args) => (args, fs::read(dir.join(format!("{stem}.stress-stdout")))),
                None => (
                    lines("args").unwrap_or_default(),
                    fs::read(dir.join(format!("{stem}.{ext}"))),
                ),
            };
            let expected = expected.expect("the expected output of a stress example");
            out.push(Example {
                dir: dir.clone(),
                file,
                stem,
                args,
                expected,
                failure: None,
            });
        }
    }
    // Runtime errors must come out the same under stress too.
    let dir = root.join("tests/run-fail");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "weir"))
        .collect();
    files.sort();
    for file in files {
        let stem = file.file_stem().unwrap().to_string_lossy().to_string();
        let read = |ext: &str| fs::read(dir.join(format!("{stem}.{ext}")));
        let status: i32 = String::from_utf8(read("status").expect("run-fail status"))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let args = fs::read_to_string(dir.join(format!("{stem}.args")))
            .map(|t| t.lines().map(str::to_string).collect())
            .unwrap_or_default();
        out.push(Example {
            dir: dir.clone(),
            stem: stem.clone(),
            args,
            expected: read("stdout").unwrap_or_default(),
            failure: Some((status, dir.join(format!("{stem}.stderr")))),
            file,
        });
    }
    assert!(out.len() > 75, "only {} programs found", out.len());
    out
}

/// A failure report unless the output (and, for a run-fail program, the status and stderr) is
/// the expected one. `path` is the fixture path name (`run` or `build`) for per-path stderr.
fn check_output(ex: &Example, how: &str, path: &str, out: &std::process::Output) -> Option<String> {
    let report = |what: &str| {
        Some(format!(
            "{} ({how}): {what}; status {:?}\n{}",
            ex.file.display(),
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        ))
    };
    if out.stdout != ex.expected {
        return report("stdout differs");
    }
    if let Some((status, stderr)) = &ex.failure {
        let per_path = stderr.with_extension(format!("{path}.stderr"));
        let expected = fs::read(&per_path)
            .or_else(|_| fs::read(stderr))
            .unwrap_or_default();
        if out.status.code() != Some(*status) || out.stderr != expected {
            return report("status or stderr differs");
        }
    }
    None
}

/// Every run-pass program and spec example (see [`stress_examples`]) under the JIT with a
/// collection before every allocation: a heap pointer that codegen failed to root shows up as a
/// crash or a wrong output here.
#[test]
fn jit_programs_survive_gc_stress() {
    let mut failures = Vec::new();
    for ex in stress_examples() {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_weir"))
            .current_dir(&ex.dir)
            .env("WEIR_GC_STRESS", "1")
            .arg("run")
            .arg(ex.file.file_name().unwrap())
            .arg("--")
            .args(&ex.args)
            .output()
            .unwrap();
        failures.extend(check_output(&ex, "jit", "run", &out));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The same programs built once each with `weir build --release` (the AOT code path, two builds
/// at a time) and run with a collection before every allocation.
#[test]
fn aot_programs_survive_gc_stress() {
    let out_dir = scratch("aot_gc_stress");
    let examples = stress_examples();
    let half = examples.len().div_ceil(2);
    let failures: Vec<String> = std::thread::scope(|s| {
        let workers: Vec<_> = examples
            .chunks(half)
            .map(|chunk| {
                let out_dir = &out_dir;
                s.spawn(move || {
                    let mut failures = Vec::new();
                    for ex in chunk {
                        let exe = out_dir.join(&ex.stem);
                        let built = std::process::Command::new(env!("CARGO_BIN_EXE_weir"))
                            .current_dir(&ex.dir)
                            .arg("build")
                            .arg(ex.file.file_name().unwrap())
                            .arg("--release")
                            .arg("-o")
                            .arg(&exe)
                            .output()
                            .unwrap();
                        if !built.status.success() {
                            failures.push(format!(
                                "{}: weir build failed\n{}",
                                ex.file.display(),
                                String::from_utf8_lossy(&built.stderr)
                            ));
                            continue;
                        }
                        let out = std::process::Command::new(&exe)
                            .current_dir(&ex.dir)
                            .env("WEIR_GC_STRESS", "1")
                            .args(&ex.args)
                            .output()
                            .unwrap();
                        failures.extend(check_output(ex, "aot", "build", &out));
                    }
                    failures
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// An executable made by `weir build` runs on its own: copied to an otherwise empty folder and
/// run there with nothing in its environment but `PATH`, it needs no weir file, source file,
/// runtime library or Rust toolchain.
#[test]
fn built_executable_runs_standalone() {
    let src = br#"(defstruct P (x : i64) (name : String))
(defn show ((p : P)) : String (str (.name p) " " (* (.x p) 10)))
(defn main ()
  (let ((mut ps (ann (Vector P) [])))
    (for (i 1 (< i 4))
      (set! ps (append ps (P i (str "p" i)))))
    (for-each (p ps) (println (show p)))
    (println (sqrt 16.0))
    (for-each (a (args)) (println a))))
"#;
    let dir = program("cg_standalone", "s.weir", src);
    weir()
        .current_dir(&dir)
        .args(["build", "s.weir", "-o", "s", "--release"])
        .assert()
        .code(0);
    let alone = scratch("cg_standalone_run");
    fs::copy(dir.join("s"), alone.join("s")).unwrap();
    fs::remove_dir_all(&dir).unwrap();
    Command::new(alone.join("s"))
        .current_dir(&alone)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .arg("hello")
        .assert()
        .code(0)
        .stdout("p1 10\np2 20\np3 30\n4.0\nhello\n");
    let entries: Vec<_> = fs::read_dir(&alone).unwrap().collect();
    assert_eq!(entries.len(), 1, "the run left files behind");
}

#[test]
fn polymorphic_recursion_is_a_clean_error_on_compiled_paths() {
    // Valid Weir that monomorphising compilers cannot handle: the interpreter runs it, `run` and
    // `build` say why they cannot (status 1, no internal error, no executable).
    let src = b"(defn depth ((x : 'a) (n : i64)) : i64\n  (if (= n 0) 0 (+ 1 (depth [x] (- n 1)))))\n\n(defn main ()\n  (println (depth 1 5)))\n";
    let dir = program("polymorphic_recursion", "p.weir", src);
    weir()
        .current_dir(&dir)
        .args(["interp", "p.weir"])
        .assert()
        .code(0)
        .stdout("5\n");
    for args in [&["run", "p.weir"][..], &["build", "p.weir", "-o", "p"][..]] {
        weir()
            .current_dir(&dir)
            .args(args)
            .assert()
            .code(1)
            .stdout("")
            .stderr(starts_with(
                "p.weir:1:1: error: `depth` calls itself at ever deeper types",
            ));
    }
    assert!(!dir.join("p").exists(), "no executable is written");
}

/// Two builds of one package at the same time: the second waits for the first's lock on
/// `target/` (packages.md §4) and both succeed; the cache and the executable are intact.
#[test]
fn concurrent_package_builds_wait_for_each_other() {
    let dir = scratch("concurrent_builds");
    fs::write(
        dir.join("weir.pkg"),
        "(package (name \"twice\") (version \"0.1.0\") (main \"src/main.weir\"))\n",
    )
    .unwrap();
    fs::create_dir_all(dir.join("src")).unwrap();
    let mut helpers = String::new();
    for i in 0..40 {
        helpers.push_str(&format!(
            "(pub defn g{i} ((x : i64)) : i64 (+ (* x {i}) 1))\n"
        ));
    }
    fs::write(dir.join("src/util.weir"), helpers).unwrap();
    fs::write(
        dir.join("src/main.weir"),
        "(import twice.util (g1 g39))\n(defn main () (println (g39 (g1 2))))\n",
    )
    .unwrap();
    let spawn = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_weir"))
            .current_dir(&dir)
            .arg("build")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    for child in [a, b] {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Command::new(dir.join("target/debug/twice"))
        .assert()
        .success()
        .stdout("118\n");
    weir()
        .current_dir(&dir)
        .args(["build", "-v"])
        .assert()
        .success()
        .stderr(contains("Fresh"));
}

/// `weir build` in a package keeps one object per module and recompiles only the objects whose
/// inputs changed; a changed generic function's body reaches the modules that instantiate it.
#[test]
fn package_objects_are_rebuilt_only_when_their_inputs_change() {
    let dir = scratch("incremental_objects");
    fs::write(
        dir.join("weir.pkg"),
        "(package (name \"inc\") (version \"0.1.0\") (main \"src/main.weir\"))\n",
    )
    .unwrap();
    fs::create_dir_all(dir.join("src")).unwrap();
    let util = |k: i64| format!("(pub defn scale ((x : i64)) : i64 (* x {k}))\n");
    let generic = |pick: &str| format!("(pub defn pick ((x : 'a) (y : 'a)) : 'a {pick})\n");
    fs::write(dir.join("src/util.weir"), util(2)).unwrap();
    fs::write(dir.join("src/gen.weir"), generic("x")).unwrap();
    fs::write(
        dir.join("src/main.weir"),
        "(import inc.util (scale))\n(import inc.gen (pick))\n\
         (defn main () (println (scale 1)) (println (pick 7 8)))\n",
    )
    .unwrap();
    let build = || {
        let out = weir()
            .current_dir(&dir)
            .args(["build", "-v"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut compiled: Vec<String> = String::from_utf8_lossy(&out.stderr)
            .lines()
            .filter_map(|l| l.strip_prefix("compiled "))
            .map(str::to_string)
            .collect();
        compiled.sort();
        let run = Command::new(dir.join("target/debug/inc")).output().unwrap();
        (compiled, String::from_utf8_lossy(&run.stdout).into_owned())
    };
    let obj = |m: &str| format!("target/debug/obj/inc.{m}.o");
    let (compiled, out) = build();
    assert_eq!(compiled, [obj("gen"), obj("main"), obj("util")]);
    assert_eq!(out, "2\n7\n");
    // A body edit of a non-generic function: only its module's object.
    fs::write(dir.join("src/util.weir"), util(3)).unwrap();
    let (compiled, out) = build();
    assert_eq!(compiled, [obj("util")]);
    assert_eq!(out, "3\n7\n");
    // A body edit of a generic function: also the module that instantiates it.
    fs::write(dir.join("src/gen.weir"), generic("y")).unwrap();
    let (compiled, out) = build();
    assert_eq!(compiled, [obj("gen"), obj("main")]);
    assert_eq!(out, "3\n8\n");
}
