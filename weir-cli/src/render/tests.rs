//! Plain-text rendering of hand-made diagnostics: one `check` helper, many tiny cases.

use weir_compiler::diag::{Diagnostic, Severity};
use weir_compiler::span::{SourceMap, Span};

use super::{render_diagnostics, render_runtime_error};

const SRC: &str = "(defn main ()\n  (println (+ 1 \"two\")))\n";

fn check(
    diags: impl FnOnce(&SourceMap, weir_compiler::span::FileId) -> Vec<Diagnostic>,
    expect: &str,
) {
    let mut sources = SourceMap::new();
    let file = sources.add("demo.weir", SRC);
    let diagnostics = diags(&sources, file);
    let out = render_diagnostics(&sources, file, "demo.weir", &diagnostics, false);
    let out = String::from_utf8(out).unwrap();
    assert_eq!(out, expect, "\n--- got ---\n{out}");
}

#[test]
fn header_snippet_and_summary() {
    check(
        |_, f| {
            vec![Diagnostic::error(Span::new(f, 30, 35), "type mismatch")
                .with_label("expected i64, found String")
                .with_secondary(Span::new(f, 26, 27), "because of this")
                .with_note("`+` adds numbers")]
        },
        "demo.weir:2:17: error: type mismatch\n\
         \x20 ┌─ demo.weir:2:17\n\
         \x20 │\n\
         2 │   (println (+ 1 \"two\")))\n\
         \x20 │             -   ^^^^^ expected i64, found String\n\
         \x20 │             │\n\
         \x20 │             because of this\n\
         \x20 │\n\
         \x20 = `+` adds numbers\n\
         \n\
         error: could not compile `demo.weir` due to 1 previous error\n",
    );
}

#[test]
fn diagnostics_are_sorted_and_counted() {
    check(
        |_, f| {
            vec![
                Diagnostic::error(Span::new(f, 30, 35), "second"),
                Diagnostic::error(Span::new(f, 1, 5), "first"),
            ]
        },
        "demo.weir:1:2: error: first\n\
         \x20 ┌─ demo.weir:1:2\n\
         \x20 │\n\
         1 │ (defn main ()\n\
         \x20 │  ^^^^\n\
         \n\
         demo.weir:2:17: error: second\n\
         \x20 ┌─ demo.weir:2:17\n\
         \x20 │\n\
         2 │   (println (+ 1 \"two\")))\n\
         \x20 │                 ^^^^^\n\
         \n\
         error: could not compile `demo.weir` due to 2 previous errors\n",
    );
}

#[test]
fn no_label_is_located_at_file_start() {
    check(
        |_, f| {
            let mut d = Diagnostic::error(Span::new(f, 0, 0), "missing `main`");
            d.labels.clear();
            vec![d]
        },
        "demo.weir:1:1: error: missing `main`\n\
         error: could not compile `demo.weir` due to 1 previous error\n",
    );
}

#[test]
fn bad_spans_do_not_panic() {
    let mut sources = SourceMap::new();
    let f = sources.add("é.weir", "é\n");
    let diags = vec![
        Diagnostic::error(Span::new(f, 1, 99), "inside a character, past the end"),
        Diagnostic::error(
            Span::new(weir_compiler::span::FileId(7), 0, 1),
            "unknown file",
        ),
    ];
    let out = render_diagnostics(&sources, f, "é.weir", &diags, false);
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.starts_with("é.weir:1:1: error: inside a character"),
        "{out}"
    );
    assert!(out.contains("é.weir:1:1: error: unknown file\n"), "{out}");
}

#[test]
fn warnings_only() {
    check(
        |_, f| {
            let mut d = Diagnostic::error(Span::new(f, 1, 5), "unused");
            d.severity = Severity::Warning;
            d.labels.clear();
            vec![d]
        },
        "demo.weir:1:2: warning: unused\n\
         warning: `demo.weir` generated 1 warning\n"
            .replace("1:2", "1:1")
            .as_str(),
    );
}

#[test]
fn colour_only_when_asked() {
    let mut sources = SourceMap::new();
    let f = sources.add("demo.weir", SRC);
    let diags = vec![Diagnostic::error(Span::new(f, 1, 5), "boom")];
    let plain = render_diagnostics(&sources, f, "demo.weir", &diags, false);
    let coloured = render_diagnostics(&sources, f, "demo.weir", &diags, true);
    assert!(!plain.contains(&0x1b));
    assert!(coloured.contains(&0x1b));
}

#[test]
fn runtime_errors() {
    let mut sources = SourceMap::new();
    let f = sources.add("demo.weir", SRC);
    let with = render_runtime_error(
        &sources,
        Some(Span::new(f, 16, 17)),
        "division by zero",
        false,
    );
    assert_eq!(
        String::from_utf8(with).unwrap(),
        "demo.weir:2:3: runtime error: division by zero\n"
    );
    let without = render_runtime_error(&sources, None, "stack overflow", false);
    assert_eq!(
        String::from_utf8(without).unwrap(),
        "runtime error: stack overflow\n"
    );
}

#[test]
fn notes_without_labels() {
    check(
        |_, f| {
            let mut d = Diagnostic::error(Span::new(f, 0, 0), "no `main` function")
                .with_note("a program starts at `(defn main () ...)`");
            d.labels.clear();
            vec![d]
        },
        "demo.weir:1:1: error: no `main` function\n\
         \x20= a program starts at `(defn main () ...)`\n\
         \n\
         error: could not compile `demo.weir` due to 1 previous error\n",
    );
}
