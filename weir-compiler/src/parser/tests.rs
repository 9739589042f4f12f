use super::*;
use crate::expand::expand;
use crate::parser::test_support::{check_fixtures, render_diags};
use crate::reader::read;
use crate::span::{FileId, SourceFile};
use proptest::prelude::*;

/// Read → expand → parse; renders the AST dump followed by `LINE:COL: error: MESSAGE` lines.
fn run(text: &str) -> (String, usize) {
    let (forms, mut diags) = read(FileId(0), text);
    let (forms, d) = expand(forms);
    diags.extend(d);
    let (module, d) = parse_module(&forms);
    diags.extend(d);
    let mut out = dump_module(&module);
    out.push_str(&render_diags(&SourceFile::new("t.weir", text), &diags));
    (out, diags.len())
}

fn check(text: &str, expect: &str) {
    let (got, _) = run(text);
    assert_eq!(got.trim_end(), expect.trim(), "input: {text}");
}

#[test]
fn fixtures() {
    check_fixtures("parse", run);
}

#[test]
fn spec_examples_parse_cleanly() {
    let dir = std::path::Path::new("/work/shared/spec/examples");
    let mut files = Vec::new();
    for sub in [dir.to_path_buf(), dir.join("modules")] {
        for entry in std::fs::read_dir(&sub).expect("spec examples directory") {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "weir") {
                files.push(path);
            }
        }
    }
    assert!(files.len() >= 20, "found only {} examples", files.len());
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let (out, n) = run(&text);
        assert_eq!(n, 0, "{}:\n{out}", path.display());
        assert!(out.contains("Defn"), "{}", path.display());
    }
}

#[test]
fn top_level_expression_and_recovery() {
    check(
        "(println 1)\n42\n(defn f () 1)\n(defn g (x) 2)\n(defn h () (let ((if 1)) if))",
        r#"
Defn f ()
  Int 1
Defn g ()
  Int 2
Defn h ()
  Let
    body
      <error>
1:1: error: expected a top-level definition (`defn`, `defstruct`, `deftype`, `defglobal`, `extern` or `import`), found the form `(println ...)`; expressions are not allowed at top level
2:1: error: expected a top-level definition like `(defn ...)`, found the integer `42`; expressions are not allowed at top level
4:10: error: expected a parameter `(name : Type)`, found the identifier `x` (`defn` parameters need a type)
5:19: error: `if` is a reserved word and cannot be used as a variable name
5:26: error: expected an expression, found the reserved word `if`
"#,
    );
}

#[test]
fn later_forms_are_rejected() {
    let (out, n) = run(
        "(defmacro m () 1)\n(declare f i64)\n(defn main () (spawn 1) {:a 1} (swap! a f) (with-arena a 1))",
    );
    assert_eq!(n, 6, "{out}");
    assert!(
        out.contains("1:2: error: `defmacro` is not supported yet"),
        "{out}"
    );
    assert!(out.contains("map literals"), "{out}");
}

#[test]
fn deep_and_large_inputs_do_not_crash() {
    crate::with_stack(256 << 20, || {
        let t = std::time::Instant::now();
        let deep = format!("(defn main () {}1{})", "(f ".repeat(999), ")".repeat(999));
        let (_, n) = run(&deep);
        assert_eq!(n, 0);
        let deeper = format!("(defn main () {})", "(".repeat(100_000));
        let (_, n) = run(&deeper);
        assert!(n >= 1);
        let many_steps = format!("(defn main () (-> x {}))", "f ".repeat(100_000));
        let (out, n) = run(&many_steps);
        assert_eq!(n, 1, "{}", &out[out.len().saturating_sub(300)..]);
        let unit = "(defn f-1 ((x : i64)) : i64 (let ((y (-> x (+ 1) (* 2)))) (cond ((< y 0) 0) (else y))))\n";
        let big = unit.repeat(10_000_000 / unit.len() + 1);
        let (forms, diags) = read(FileId(0), &big);
        let (forms, d) = expand(forms);
        let (module, d2) = parse_module(&forms);
        assert!(diags.is_empty() && d.is_empty() && d2.is_empty());
        assert_eq!(module.items.len(), forms.len());
        assert!(t.elapsed().as_secs() < 60, "took {:?}", t.elapsed());
    });
}

#[test]
fn max_depth_fits_in_an_8mb_stack() {
    // The reader allows 1000 levels; reading, expanding and parsing them (debug build) must fit
    // in the main thread's usual 8 MB stack, not only in `BIG_STACK`.
    crate::with_stack(8 << 20, || {
        let deep = format!(
            "(defn main () {}1{})",
            "(f [(g ".repeat(332),
            ")])".repeat(332)
        );
        let (out, n) = run(&deep);
        assert_eq!(n, 0, "{out}");
        let deep = format!(
            "(defn main () {}x{})",
            "(let ((a ".repeat(300),
            ")) a)".repeat(300)
        );
        let (out, n) = run(&deep);
        assert_eq!(n, 0, "{}", &out[..300]);
        let text = crate::expand::print_forms(&expand(read(FileId(0), &deep).0).0);
        assert!(text.len() > deep.len());
    });
}

fn token_soup() -> impl Strategy<Value = String> {
    let tokens = prop::sample::select(vec![
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        "defn",
        "let",
        "fn",
        "match",
        "cond",
        "else",
        "->",
        "->>",
        ":x",
        ":as",
        "'a",
        ".f",
        "?",
        "\"s\"",
        "1",
        "-2",
        "2.5",
        "x",
        "Some",
        "None",
        "_",
        ":",
        "if",
        "set!",
        "update",
        "for",
        "for-each",
        "mut",
        "pub",
        "defstruct",
        "deftype",
        "defglobal",
        "extern",
        "\"C\"",
        "import",
        "Fn",
        "ann",
        "unsafe",
        "when",
        "do",
        "and",
        "(.f",
        "@",
        ",",
        "\n",
        ";c\n",
        "i64",
        "(Option i64)",
    ]);
    prop::collection::vec(tokens, 0..80).prop_map(|ts| ts.join(" "))
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = run(&text);
        let _ = crate::expand::print_forms(&expand(read(FileId(0), &text).0).0);
    }

    #[test]
    fn token_soup_never_panics(text in token_soup()) {
        let _ = run(&text);
    }

    #[test]
    fn token_soup_print_round_trips(text in token_soup()) {
        crate::parser::test_support::assert_round_trip(&text);
    }
}
