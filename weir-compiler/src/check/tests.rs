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
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/spec/examples");
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
