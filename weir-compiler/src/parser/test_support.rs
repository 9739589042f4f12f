//! Shared helpers for the front end's data-driven tests (fixtures under `test_data/`).
use crate::diag::Diagnostic;
use crate::span::{FileId, SourceFile};
use crate::syntax::{Sexp, SexpKind};
use std::path::Path;

/// `LINE:COL: error: MESSAGE` lines, one per diagnostic.
pub fn render_diags(file: &SourceFile, diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        let (l, c) = file.line_col(d.primary_span().map_or(0, |s| s.start));
        out.push_str(&format!("{l}:{c}: error: {}\n", d.message));
    }
    out
}

/// Runs `f` on every `test_data/<pass>/{ok,err}/*.weir` and compares with the `.txt` next to it
/// (rewritten instead when `UPDATE_EXPECT=1`). `f` returns the output and the diagnostic count;
/// `ok` fixtures must have none and `err` fixtures at least one.
pub fn check_fixtures(pass: &str, f: impl Fn(&str) -> (String, usize)) {
    let update = std::env::var("UPDATE_EXPECT").is_ok_and(|v| v == "1");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("test_data")
        .join(pass);
    let mut failures = Vec::new();
    let mut count = 0;
    for kind in ["ok", "err"] {
        let dir = root.join(kind);
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "weir"))
            .collect();
        paths.sort();
        for path in paths {
            count += 1;
            let text = std::fs::read_to_string(&path).unwrap();
            let (got, n) = f(&text);
            if kind == "ok" && n != 0 {
                failures.push(format!(
                    "{}: expected no diagnostics:\n{got}",
                    path.display()
                ));
            }
            if kind == "err" && n == 0 {
                failures.push(format!("{}: expected diagnostics", path.display()));
            }
            let expect_path = path.with_extension("txt");
            if update {
                std::fs::write(&expect_path, &got).unwrap();
                continue;
            }
            let expect = std::fs::read_to_string(&expect_path).unwrap_or_default();
            if expect != got {
                failures.push(format!(
                    "{}: output differs (run with UPDATE_EXPECT=1 to update)\n--- expected\n{expect}\n--- got\n{got}",
                    path.display()
                ));
            }
        }
    }
    assert!(count > 0, "no fixtures in {}", root.display());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Strips spans so that data read from different texts can be compared.
pub fn strip(s: &Sexp) -> Sexp {
    let kind = match &s.kind {
        SexpKind::List(items) => SexpKind::List(items.iter().map(strip).collect()),
        SexpKind::Vector(items) => SexpKind::Vector(items.iter().map(strip).collect()),
        SexpKind::Brace(items) => SexpKind::Brace(items.iter().map(strip).collect()),
        SexpKind::Try(inner) => SexpKind::Try(Box::new(strip(inner))),
        other => other.clone(),
    };
    Sexp::new(kind, Default::default())
}

/// Expanding `text`, printing it and reading the print back gives the same S-expressions.
pub fn assert_round_trip(text: &str) {
    let (forms, _) = crate::reader::read(FileId(0), text);
    let (forms, _) = crate::expand::expand(forms);
    let printed = crate::expand::print_forms(&forms);
    let (again, diags) = crate::reader::read(FileId(0), &printed);
    assert!(
        diags.is_empty(),
        "printed text does not read back: {diags:?}\n{printed}"
    );
    let a: Vec<Sexp> = forms.iter().map(strip).collect();
    let b: Vec<Sexp> = again.iter().map(strip).collect();
    assert_eq!(a, b, "round trip changed the program:\n{printed}");
}
