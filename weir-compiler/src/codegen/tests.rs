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
        super::compile_object(&program, &sources, &opts).map(|_| ())
    } else {
        // Addresses are never called: translation and verification only.
        let mut syms: Vec<(String, *const u8)> = Vec::new();
        for x in &program.externs {
            syms.push((x.name.clone(), 8 as *const u8));
        }
        for n in super::translate::LIBM {
            syms.push((n.to_string(), 8 as *const u8));
        }
        jit::compile_jit(&program, &sources, &opts, &syms).map(|_| ())
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
