//! Data-driven checker tests: `test_data/check/ok/*.weir` must check without diagnostics;
//! `test_data/check/err/*.weir` must produce exactly the diagnostics in the `.txt` next to it
//! (`LINE:COL: MESSAGE` per line). `UPDATE_EXPECT=1 cargo test` rewrites the `.txt` files.

use std::path::{Path, PathBuf};

use crate::span::SourceMap;

fn files(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("test_data/check")
        .join(dir);
    let mut out: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", root.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "weir"))
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no test files in {}", root.display());
    out
}

fn diagnostics(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("read test file");
    let mut sm = SourceMap::new();
    let file = sm.add(path.display().to_string(), text.clone());
    let res = crate::with_stack(64 << 20, move || {
        let fe = crate::compile_file(file, &text);
        fe.diagnostics
    });
    let src = sm.get(file);
    let mut out = String::new();
    for d in res {
        let (l, c) = d
            .primary_span()
            .map(|s| src.line_col(s.start))
            .unwrap_or((0, 0));
        out.push_str(&format!("{l}:{c}: {}\n", d.message));
    }
    out
}

#[test]
fn ok_programs_check() {
    let mut failures = Vec::new();
    for f in files("ok") {
        let d = diagnostics(&f);
        if !d.is_empty() {
            failures.push(format!("{}:\n{d}", f.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "unexpected diagnostics:\n{}",
        failures.join("\n")
    );
}

#[test]
fn err_programs_report_expected_diagnostics() {
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut failures = Vec::new();
    for f in files("err") {
        let got = diagnostics(&f);
        let expect_path = f.with_extension("txt");
        if update {
            std::fs::write(&expect_path, &got).expect("write expectation");
            continue;
        }
        let want = std::fs::read_to_string(&expect_path).unwrap_or_default();
        if got.is_empty() {
            failures.push(format!("{}: accepted, but must be rejected", f.display()));
        } else if got != want {
            failures.push(format!(
                "{}:\n--- expected\n{want}--- got\n{got}",
                f.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every single-file program of the spec's examples is accepted.
#[test]
fn spec_examples_check() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // `shared/` sits beside the repository (or beside the folder of worktrees).
    let dir = [
        root.join("../../shared/spec/examples"),
        root.join("../../../shared/spec/examples"),
    ]
    .into_iter()
    .find(|d| d.is_dir())
    .unwrap_or_else(|| root.join("../../shared/spec/examples"));
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| {
        panic!(
            "the spec examples are missing at {} ({e}); the repository must sit next to `shared/`",
            dir.display()
        )
    });
    let mut paths: Vec<PathBuf> = entries
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "weir"))
        .collect();
    paths.sort();
    assert!(
        paths.len() >= 20,
        "expected the spec's example programs in {}",
        dir.display()
    );
    let mut failures = Vec::new();
    for f in paths {
        let d = diagnostics(&f);
        if !d.is_empty() {
            failures.push(format!("{}:\n{d}", f.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "spec examples rejected:\n{}",
        failures.join("\n")
    );
}

mod fuzz {
    //! Random, mostly well-formed programs through the whole front end and, when they check,
    //! the interpreter: neither may panic (a checked program that makes the interpreter panic
    //! is a checker or interpreter bug).
    use proptest::prelude::*;

    use crate::span::FileId;

    /// A random expression over a small vocabulary that often type-checks.
    fn expr() -> impl Strategy<Value = String> {
        let leaf = prop::sample::select(vec![
            "0",
            "1",
            "-3",
            "2.5",
            "0.0",
            "true",
            "false",
            "\"s\"",
            ":k",
            "x",
            "y",
            "v",
            "p",
            "o",
            "s",
            "(do)",
            "None",
            "(ann u8 255)",
            "(ann i64 7)",
            "[]",
            "[1 2]",
            "(Some 1)",
            "(P 1 2)",
            "id",
            "Some",
        ])
        .prop_map(str::to_string);
        leaf.prop_recursive(4, 40, 4, |inner| {
            let op = prop::sample::select(vec![
                "+",
                "-",
                "*",
                "/",
                "mod",
                "=",
                "<",
                "!=",
                "and",
                "or",
                "not",
                "str",
                "len",
                "nth",
                "append",
                "abs",
                "min",
                "max",
                "println",
                "f",
                "g",
                "Some",
                "P",
                ".x",
                ".y",
                "id",
                "to-f64",
                "i64",
                "u8",
                "sqrt",
                "string-length",
                "substring",
                "set-nth",
                "update",
                "ann i64",
                "if",
                "when",
                "unless",
                "do",
                "unsafe",
                "labs",
            ]);
            prop_oneof![
                (op, prop::collection::vec(inner.clone(), 0..4))
                    .prop_map(|(op, args)| format!("({op} {})", args.join(" "))),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("(let ((z {a})) {b} z)")),
                (inner.clone(), inner.clone(), inner.clone())
                    .prop_map(|(c, a, b)| format!("(if {c} {a} {b})")),
                (inner.clone(), inner.clone())
                    .prop_map(|(a, b)| format!("(match {a} ((Some q) {b}) (None {b}) (_ {b}))")),
                (inner.clone(), inner.clone())
                    .prop_map(|(a, b)| format!("(match {a} ({{:x :y}} {b}) (w {b}))")),
                inner.clone().prop_map(|a| format!("((fn (q) {a}) 1)")),
                inner.clone().prop_map(|a| format!("(fn ((q : i64)) {a})")),
                inner.clone().prop_map(|a| format!("[{a} {a}]")),
                inner.clone().prop_map(|a| format!("{a}?")),
                (inner.clone(), inner)
                    .prop_map(|(a, b)| format!("(let ((mut m {a})) (set! m {b}) m)")),
            ]
        })
    }

    /// A random well-typed `i64` expression (over `x : i64`).
    fn int_expr() -> impl Strategy<Value = String> {
        let leaf = prop::sample::select(vec![
            "x",
            "0",
            "7",
            "-2",
            "(f x)",
            "(len [1 2])",
            "(i64 (ann u8 200))",
        ])
        .prop_map(str::to_string);
        leaf.prop_recursive(5, 64, 3, |inner| {
            let bin = prop::sample::select(vec!["+", "-", "*", "/", "mod", "min", "max"]);
            prop_oneof![
                (bin, inner.clone(), inner.clone())
                    .prop_map(|(op, a, b)| format!("({op} {a} {b})")),
                (inner.clone(), inner.clone())
                    .prop_map(|(a, b)| format!("(if (g {a} {b}) {a} {b})")),
                (inner.clone(), inner.clone())
                    .prop_map(|(a, b)| format!("(let ((z {a})) (+ z {b}))")),
                (inner.clone(), inner.clone())
                    .prop_map(|(a, b)| format!("(match (Some {a}) ((Some q) (- q {b})) (None 0))")),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("(.y (P {a} {b}))")),
                (inner.clone(), inner.clone())
                    .prop_map(|(a, b)| format!("((fn (q) (* q {a})) {b})")),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("(nth [{a} {b}] 1)")),
                inner.clone().prop_map(|a| format!("(id (abs {a}))")),
                inner.clone().prop_map(|a| format!("(i64 (u8 {a}))")),
                inner
                    .clone()
                    .prop_map(|a| format!("(i64 (* 0.5 (to-f64 {a})))")),
                inner
                    .clone()
                    .prop_map(|a| format!("(string-length (str {a} \"!\"))")),
                inner.clone().prop_map(|a| format!("(unsafe (labs {a}))")),
                inner.clone().prop_map(|a| format!("(-> {a} (+ 1) (* 2))")),
                (inner.clone(), inner)
                    .prop_map(|(a, b)| format!("(let ((mut m {a})) (set! m (+ m {b})) m)")),
            ]
        })
    }

    const PRELUDE: &str = "(defstruct P (x : i64) (y : i64))
(extern \"C\" (defn labs ((n : i64)) : i64))
(defn id ((a : 'a)) : 'a a)
(defn f ((a : i64)) : i64 (* a 2))
(defn g ((a : i64) (b : i64)) : Bool (< a b))
(defn r () : (Result i64 String) (Ok 1))
";

    proptest! {
        #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(300), ..ProptestConfig::default() })]
        #[test]
        fn well_typed_programs_check_and_run(e in int_expr()) {
            let text = format!("{PRELUDE}(defn main () (let ((x 5)) (println {e})))\n");
            crate::with_stack(256 << 20, move || {
                let fe = crate::compile_file(FileId(0), &text);
                let program = fe.program.unwrap_or_else(|| panic!("rejected: {text}\n{:#?}", fe.diagnostics));
                let config = crate::interp::Config { max_stack: 128 << 20, ..Default::default() };
                let mut out = Vec::new();
                match crate::interp::run(&program, &config, &mut out) {
                    Ok(0) => assert!(out.ends_with(b"\n"), "no output line"),
                    Ok(code) => panic!("exit {code}"),
                    Err(crate::interp::RunError::Runtime { message, .. }) => assert_eq!(message, "division by zero"),
                    Err(e) => panic!("{e:?}"),
                }
            });
        }

        #[test]
        fn random_programs_never_panic(body in expr(), other in expr()) {
            let text = format!(
                "{PRELUDE}(defn main () (let ((x 1) (y 2.5) (v [1 2 3]) (p (P 1 2)) (o (Some 3)) (s \"str\")) {body} (println {other})))\n(defn h () : (Result i64 String) (Ok {body}))\n"
            );
            crate::with_stack(256 << 20, move || {
                let fe = crate::compile_file(FileId(0), &text);
                if let Some(program) = fe.program {
                    let config = crate::interp::Config { max_stack: 128 << 20, ..Default::default() };
                    let _ = crate::interp::run(&program, &config, &mut std::io::sink());
                }
            });
        }
    }
}
