//! Codegen tests: every fixture program (`tests/run-pass`, `tests/run-fail`, the spec examples)
//! translates with the Cranelift verifier enabled, for the JIT and for an object file. Running
//! programs is tested through the `weir` binary (`weir-cli/tests/`), because JIT output goes
//! through the runtime's stdout.

use std::path::{Path, PathBuf};

use super::{jit, Options};
use crate::span::SourceMap;

fn fixture_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for dir in [
        root.join("tests/run-pass"),
        root.join("tests/run-fail"),
        root.join("../shared/spec/examples"),
        root.join("../../shared/spec/examples"),
    ] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "weir") {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

fn compile(path: &Path, aot: bool) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let mut sources = SourceMap::new();
    let file = sources.add(path.display().to_string(), text.clone());
    let front = crate::compile_file(file, &text);
    let Some(program) = front.program else {
        return Err("front end rejected the program".to_string());
    };
    let opts = Options {
        opt_speed: false,
        verify: true,
    };
    if aot {
        super::compile_object(&program, &sources, &opts)
            .map(|_| ())
            .map_err(|e| e.to_string())
    } else {
        // Addresses are never called: translation and verification only.
        let mut syms: Vec<(String, *const u8)> = Vec::new();
        for x in &program.externs {
            syms.push((x.name.clone(), 8 as *const u8));
        }
        for n in super::translate::LIBM {
            syms.push((n.to_string(), 8 as *const u8));
        }
        jit::compile_jit(&program, &sources, &opts, &syms)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

#[test]
fn fixtures_verify_jit() {
    let files = fixture_files();
    assert!(files.len() > 80, "fixtures not found: {}", files.len());
    let mut failures = Vec::new();
    for f in &files {
        if let Err(e) = crate::with_stack(crate::BIG_STACK, {
            let f = f.clone();
            move || compile(&f, false)
        }) {
            failures.push(format!("{}: {}", f.display(), e));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn fixtures_verify_object() {
    let mut failures = Vec::new();
    for f in fixture_files() {
        if let Err(e) = crate::with_stack(crate::BIG_STACK, {
            let f = f.clone();
            move || compile(&f, true)
        }) {
            failures.push(format!("{}: {}", f.display(), e));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
#[cfg(target_os = "linux")]
fn object_defines_c_main_and_imports_the_runtime() {
    let text = "(defn main () (println (str \"n=\" 42)))";
    let mut sources = SourceMap::new();
    let file = sources.add("m.weir", text);
    let program = crate::compile_file(file, text).program.expect("checks");
    let opts = Options {
        opt_speed: true,
        verify: true,
    };
    let bytes = super::compile_object(&program, &sources, &opts).expect("compiles");
    assert_eq!(&bytes[..4], b"\x7fELF");
    let has = |name: &str| bytes.windows(name.len()).any(|w| w == name.as_bytes());
    assert!(has("main\0"));
    assert!(has("weir_rt_main\0"));
    assert!(has("weir_to_str\0"));
    assert!(has("weir_print\0"));
}

mod fuzz {
    //! Random programs that pass the checker must translate, verifier-clean, for the JIT.
    use proptest::prelude::*;

    use crate::span::FileId;

    fn expr() -> impl Strategy<Value = String> {
        let leaf = prop::sample::select(vec![
            "0",
            "-3",
            "2.5",
            "true",
            "\"s\"",
            "x",
            "y",
            "v",
            "p",
            "o",
            "s",
            "t",
            "(do)",
            "None",
            "Leaf",
            "(ann u8 255)",
            "(ann i8 -128)",
            "(ann f32 1.5)",
            "[]",
            "[1 2]",
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
                "id",
                "to-f64",
                "i64",
                "u8",
                "sqrt",
                "substring",
                "set-nth",
                "when",
                "do",
                "Node",
                "sum-tree",
                "apply",
            ]);
            prop_oneof![
                (op, prop::collection::vec(inner.clone(), 0..4))
                    .prop_map(|(op, args)| format!("({op} {})", args.join(" "))),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("(let ((z {a})) {b} z)")),
                (inner.clone(), inner.clone(), inner.clone())
                    .prop_map(|(c, a, b)| format!("(if {c} {a} {b})")),
                (inner.clone(), inner.clone())
                    .prop_map(|(a, b)| format!("(match {a} ((Some q) {b}) (None {b}) (_ {b}))")),
                inner.clone().prop_map(|a| format!("((fn (q) {a}) 1)")),
                inner.clone().prop_map(|a| format!("[{a} {a}]")),
                (inner.clone(), inner)
                    .prop_map(|(a, b)| format!("(let ((mut m {a})) (set! m {b}) m)")),
            ]
        })
    }

    const PRELUDE: &str = "(defstruct P (x : i64) (y : i64))
(deftype Tree Leaf (Node Tree i64 Tree))
(defn id ((a : 'a)) : 'a a)
(defn f ((a : i64)) : i64 (* a 2))
(defn g ((a : i64) (b : i64)) : Bool (< a b))
(defn apply ((h : (Fn [i64] 'b)) (a : i64)) : 'b (h a))
(defn sum-tree ((t : Tree)) : i64 (match t (Leaf 0) ((Node l v r) (+ (sum-tree l) v (sum-tree r)))))
";

    proptest! {
        #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(300), ..ProptestConfig::default() })]
        #[test]
        fn checked_programs_translate(body in expr(), other in expr()) {
            let text = format!(
                "{PRELUDE}(defn main () (let ((x 1) (y 2.5) (v [1 2 3]) (p (P 1 2)) (o (Some 3)) (s \"str\") (t (Node Leaf 4 Leaf))) {body} (println {other})))\n"
            );
            crate::with_stack(256 << 20, move || {
                let mut sources = crate::span::SourceMap::new();
                sources.add("fuzz.weir", text.clone());
                let fe = crate::compile_file(FileId(0), &text);
                if let Some(program) = fe.program {
                    let opts = super::Options { opt_speed: false, verify: true };
                    if let Err(e) = super::jit::compile_jit(&program, &sources, &opts, &[]) {
                        panic!("{text}\n{e}");
                    }
                }
            });
        }
    }
}
