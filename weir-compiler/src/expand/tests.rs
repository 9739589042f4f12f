use super::*;
use crate::parser::test_support::{assert_round_trip, check_fixtures, render_diags};
use crate::reader::read;
use crate::span::{FileId, SourceFile};

fn run(text: &str) -> (String, usize) {
    let (forms, mut diags) = read(FileId(0), text);
    let (forms, d) = expand(forms);
    diags.extend(d);
    let mut out = print_forms(&forms);
    out.push_str(&render_diags(&SourceFile::new("t.weir", text), &diags));
    (out, diags.len())
}

fn check(text: &str, expect: &str) {
    let (got, _) = run(text);
    assert_eq!(got.trim_end(), expect.trim(), "input: {text}");
}

#[test]
fn fixtures() {
    check_fixtures("expand", |text| {
        assert_round_trip(text);
        run(text)
    });
}

#[test]
fn threading() {
    check("(-> b .pos .x)", "(.x (.pos b))");
    check("(->> 10 (- 3) (* 2))", "(* 2 (- 3 10))");
    check("(-> 10 (- 3) (* 2))", "(* (- 10 3) 2)");
    check("(-> e)", "e");
    // Outside-in, like Clojure: the inner thread forms receive the accumulated value first.
    check("(-> x (-> y f) (->> z (g 1)))", "(g 1 (z (f (y x))))");
    check("(-> x (cond (a 1) (else 2)))", "(cond x (a 1) (else 2))\n1:5: error: expected a `cond` clause `(test e)`, found the identifier `x`");
}

#[test]
fn threading_errors() {
    check(
        "(-> x :k)\n(->)\n(-> :k f)\n(-> x 1)",
        "(-> x :k)\n\n(->)\n\n(-> :k f)\n\n(-> x 1)\n1:7: error: a keyword cannot be a threading step: `(f :k)` would make `:k` a label\n2:1: error: `(->)` needs an expression to thread\n3:5: error: threading would put the keyword `:k` into an argument list, where it is a label\n4:7: error: expected a threading step (a function name, a field accessor `.f` or a call `(g a ...)`), found the integer `1`",
    );
}

#[test]
fn cond() {
    check("(cond (a 1) (b 2) (else 3))", "(if a 1 (if b 2 3))");
    check("(cond (else 3))", "3");
    check(
        "(cond (a (cond (b 1) (else 2))) (else (-> x f)))",
        "(if a (if b 1 2) (f x))",
    );
}

#[test]
fn cond_errors() {
    check(
        "(cond (a 1))\n(cond)\n(cond (else 1) (a 2))\n(cond (a 1 2) (else 3))\n(cond x (else 1))",
        "(cond (a 1))\n\n(cond)\n\n(cond (else 1) (a 2))\n\n(cond (a 1 2) (else 3))\n\n(cond x (else 1))\n1:1: error: `cond` needs a final `(else e)` clause\n2:1: error: `cond` needs a final `(else e)` clause\n3:7: error: the `else` clause of `cond` must be the last clause\n3:1: error: `cond` needs a final `(else e)` clause\n4:7: error: a `cond` clause must be `(test e)` with exactly two elements, found 3 elements\n5:7: error: expected a `cond` clause `(test e)`, found the identifier `x`",
    );
}

#[test]
fn spans_of_synthesised_forms() {
    let (forms, _) = read(FileId(0), "(cond (a 1) (b 2) (else 3))");
    let (forms, _) = expand(forms);
    assert_eq!((forms[0].span.start, forms[0].span.end), (0, 27));
    let SexpKind::List(items) = &forms[0].kind else {
        panic!()
    };
    assert_eq!((items[3].span.start, items[3].span.end), (12, 17));
}

#[test]
fn printing_breaks_long_forms_and_round_trips() {
    let text = "(defn main () : i64 \"doc\" (let ((x 1) (y \"a\\n\\\"b\\\\\")) (println (str x y :k 'a .f (f x)? r ? x ? ? -1 ? 1.5 true (+ 1 2) (* 3 4) (some-long-function-name x y z)))))";
    let (out, _) = run(text);
    assert_eq!(
        out,
        r#"(defn main () : i64
  "doc"
  (let ((x 1) (y "a\n\"b\\"))
    (println
      (str x y :k 'a .f (f x)? r ? x ?? -1 ? 1.5 true (+ 1 2) (* 3 4)
        (some-long-function-name x y z)))))
"#
    );
    assert_round_trip(text);
}

#[test]
fn spec_examples_print_and_read_back() {
    let dir = std::path::Path::new("/work/shared/spec/examples");
    for sub in [dir.to_path_buf(), dir.join("modules")] {
        for entry in std::fs::read_dir(&sub).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "weir") {
                assert_round_trip(&std::fs::read_to_string(&path).unwrap());
            }
        }
    }
}
