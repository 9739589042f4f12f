use super::*;
use crate::span::SourceFile;

/// Reads `text` and renders the data compactly (kinds visible) plus `LINE:COL: message` errors.
fn check(text: &str, expect: &str) {
    let (forms, diags) = read(FileId(0), text);
    let file = SourceFile::new("t.weir", text);
    let mut got = String::new();
    for f in &forms {
        render(f, &mut got);
        got.push('\n');
    }
    for d in &diags {
        let (l, c) = file.line_col(d.primary_span().unwrap().start);
        got.push_str(&format!("{l}:{c}: {}\n", d.message));
    }
    assert_eq!(got.trim_end(), expect.trim(), "input: {text:?}");
}

fn render(s: &Sexp, out: &mut String) {
    match &s.kind {
        SexpKind::List(items) | SexpKind::Vector(items) | SexpKind::Brace(items) => {
            let (o, c) = match s.kind {
                SexpKind::List(_) => ('(', ')'),
                SexpKind::Vector(_) => ('[', ']'),
                _ => ('{', '}'),
            };
            out.push(o);
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                render(it, out);
            }
            out.push(c);
        }
        SexpKind::Int(v) => out.push_str(&format!("int:{v}")),
        SexpKind::Float(t) => out.push_str(&format!("float:{t}")),
        SexpKind::Str(b) => out.push_str(&format!("str:{:?}", String::from_utf8_lossy(b))),
        SexpKind::Bool(b) => out.push_str(&format!("bool:{b}")),
        SexpKind::Keyword(k) => out.push_str(&format!("kw:{k}")),
        SexpKind::TypeVar(v) => out.push_str(&format!("tv:{v}")),
        SexpKind::Field(f) => out.push_str(&format!("field:{f}")),
        SexpKind::Ident(i) => out.push_str(&format!("id:{i}")),
        SexpKind::Colon => out.push_str("colon"),
        SexpKind::Try(inner) => {
            out.push_str("try:");
            render(inner, out);
        }
    }
}

#[test]
fn longest_match_table() {
    check(
        "-7 -x -> -7x 1+ x? true true? false",
        "int:-7\nid:-x\nid:->\nid:-7x\nint:1\nid:+\nid:x?\nbool:true\nid:true?\nbool:false",
    );
    check("1e3 1.5e3 1.5E-3 -1.5 -1.5x 1. -7.", "int:1\nid:e3\nfloat:1.5e3\nfloat:1.5E-3\nfloat:-1.5\nid:-1.5x\nint:1\nid:-7.\n1:30: unexpected character `.`: expected a field accessor like `.name`");
    check(
        ":k :a-b? : 'a 'elem .pos v.add",
        "kw:k\nkw:a-b?\ncolon\ntv:a\ntv:elem\nfield:pos\nid:v.add",
    );
    check("1.5e", "float:1.5\nid:e");
}

#[test]
fn errors_are_reported_after_the_data() {
    // `check` prints forms first, then errors; keep the order consistent in expectations.
    check(
        "1. 2",
        "int:1\nint:2\n1:2: unexpected character `.`: expected a field accessor like `.name`",
    );
}

#[test]
fn strings_and_escapes() {
    check(
        r#""a\tb\n\"\\\0\q" "two
lines""#,
        "str:\"a\\tb\\n\\\"\\\\\\0\\\\q\"\nstr:\"two\\nlines\"",
    );
    check("\"héllo\" ; comment ünï\nx", "str:\"héllo\"\nid:x");
}

#[test]
fn postfix_question() {
    check(
        "(f x)? r ? x ? ? y?",
        "try:(id:f id:x)\ntry:id:r\ntry:try:id:x\nid:y?",
    );
    check(
        "(? x)",
        "(id:x)\n1:2: `?` must follow an expression, found nothing before it",
    );
}

#[test]
fn integer_limits() {
    check(
        "18446744073709551615 -9223372036854775808 18446744073709551616 -9223372036854775809",
        "int:18446744073709551615\nint:-9223372036854775808\n1:43: integer literal `18446744073709551616` is out of range\n1:64: integer literal `-9223372036854775809` is out of range",
    );
    check(
        "99999999999999999999999999999999999999999999999999",
        "1:1: integer literal `99999999999999999999999999999999999999999999999999` is out of range",
    );
}

#[test]
fn float_overflow() {
    let big = format!("1.0e{}", 400);
    check(
        &big,
        "1:1: float literal `1.0e400` is out of range (it rounds to infinity)",
    );
    check("1.0e-400", "float:1.0e-400");
}

#[test]
fn unterminated_string() {
    check("(f)\n  \"abc\n", "(id:f)\n2:3: unterminated string literal");
}

#[test]
fn bad_characters_recover() {
    check("(a @ b # c)\n$x é", "(id:a id:b id:c)\nid:x\n1:4: unexpected character `@`\n1:8: unexpected character `#`\n2:1: unexpected character `$`\n2:4: unexpected non-ASCII character `é` (U+00E9); identifiers are ASCII, other text must be in a string or comment");
    check("`(a ,b ,@c)", "(id:a id:b id:c)\n1:1: `` ` ``: macro templates are not supported ([later])\n1:5: `,`: macro templates are not supported ([later])\n1:8: `,@`: macro templates are not supported ([later])");
}

#[test]
fn unbalanced_delimiters() {
    check(
        "(a (b)\n",
        "1:1: unclosed `(`: the file ended before its closing `)`",
    );
    check("a)\n(b]", "id:a\n(id:b)\n1:2: unexpected `)` with no matching `(`\n2:3: mismatched delimiter: `(` closed by `]`");
    let (_, diags) = read(FileId(0), "(b]");
    assert_eq!(diags[0].labels.len(), 2, "points at the opener too");
    assert_eq!(diags[0].labels[1].span.start, 0);
}

#[test]
fn many_errors_in_one_file() {
    let (_, diags) = read(FileId(0), "@ # $ (x] ) \"open");
    assert_eq!(diags.len(), 6, "{diags:#?}");
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let text = "(".repeat(100_000);
    let t = std::time::Instant::now();
    let (forms, diags) = read(FileId(0), &text);
    assert!(forms.is_empty());
    assert_eq!(diags.len(), 2, "{diags:#?}");
    assert!(diags[0].message.contains("nesting too deep"));
    assert!(diags[1].message.contains("unclosed"));
    let balanced = format!("{}{}", "(".repeat(100_000), ")".repeat(100_000));
    let (forms, diags) = read(FileId(0), &balanced);
    assert_eq!(forms.len(), 1);
    assert_eq!(diags.len(), 1);
    drop(forms);
    let ok = format!("{}{}", "(".repeat(1000), ")".repeat(1000));
    let (_, diags) = read(FileId(0), &ok);
    assert!(diags.is_empty());
    let qs = format!("x{}", " ?".repeat(100_000));
    let (_, diags) = read(FileId(0), &qs);
    assert_eq!(diags.len(), 1);
    assert!(t.elapsed().as_secs() < 10);
}

#[test]
fn ten_megabytes_is_fast() {
    let unit = "(defn f-1 ((x : i64)) : i64 (+ x 1 2.5 \"s\" :k))\n";
    let text = unit.repeat(10_000_000 / unit.len() + 1);
    let t = std::time::Instant::now();
    let (forms, diags) = read(FileId(0), &text);
    assert!(diags.is_empty());
    assert_eq!(forms.len(), 10_000_000 / unit.len() + 1);
    assert!(t.elapsed().as_secs() < 20, "took {:?}", t.elapsed());
}

#[test]
fn unclosed_inner_form_before_matching_closer() {
    check(
        "(a [b) c",
        "(id:a [id:b])\nid:c\n1:6: unclosed `[` before `)`",
    );
    let (_, diags) = read(FileId(0), "(a [b) c");
    assert_eq!(
        diags[0].labels[1].span.start, 3,
        "secondary label at the `[`"
    );
}

#[test]
fn spans_cover_the_datum() {
    let text = "(f x)? \"s\\n\" :k";
    let (forms, _) = read(FileId(0), text);
    let spans: Vec<(u32, u32)> = forms.iter().map(|f| (f.span.start, f.span.end)).collect();
    assert_eq!(spans, vec![(0, 6), (7, 12), (13, 15)]);
    let SexpKind::Try(inner) = &forms[0].kind else {
        panic!()
    };
    assert_eq!((inner.span.start, inner.span.end), (0, 5));
}
