//! Runtime errors (§11), assertions, `args` and `exit`.

use super::build::*;
use super::*;

fn expect_error(body: TExpr, message: &str) {
    let (msg, _) = run_err(&main_only(1, body));
    assert_eq!(msg, message);
}

#[test]
fn runtime_errors() {
    let vt = vec_t(I64);
    let v3 = || vector(vec![i64(1), i64(2), i64(3)], I64);
    expect_error(op(Builtin::Div, vec![i64(1), i64(0)]), "division by zero");
    expect_error(
        op(Builtin::Mod, vec![int(1, IntTy::U8), int(0, IntTy::U8)]),
        "division by zero",
    );
    expect_error(
        bi(Builtin::Nth, vec![v3(), i64(3)], I64),
        "index 3 out of bounds (len 3)",
    );
    expect_error(
        bi(Builtin::Nth, vec![v3(), i64(-1)], I64),
        "index -1 out of bounds (len 3)",
    );
    expect_error(
        bi(Builtin::SetNth, vec![v3(), i64(5), i64(0)], vt),
        "index 5 out of bounds (len 3)",
    );
    expect_error(
        bi(Builtin::StringRef, vec![s("ab"), i64(2)], I64),
        "string index 2 out of bounds (len 2)",
    );
    expect_error(
        bi(Builtin::Substring, vec![s("ab"), i64(-1), i64(1)], STR),
        "substring index out of range",
    );
    expect_error(
        bi(Builtin::Substring, vec![s("ab"), i64(0), i64(-1)], STR),
        "substring index out of range",
    );
    expect_error(
        bi(Builtin::CharToString, vec![i64(0xD800)], STR),
        "invalid character code: 55296",
    );
    expect_error(
        bi(Builtin::CharToString, vec![i64(0x110000)], STR),
        "invalid character code: 1114112",
    );
    expect_error(
        bi(Builtin::CharToString, vec![i64(-1)], STR),
        "invalid character code: -1",
    );
    expect_error(
        bi(Builtin::RandomInt, vec![i64(0)], I64),
        "random-int requires a positive bound",
    );
    let (msg, _) = run_err(&main_only(
        0,
        bi(
            Builtin::ReadFile,
            vec![s("/nonexistent/weir-test-file")],
            STR,
        ),
    ));
    assert!(msg.starts_with("read-file failed: "), "{msg}");
    let (msg, _) = run_err(&main_only(
        0,
        bi(
            Builtin::WriteFile,
            vec![s("/nonexistent/dir/f"), s("x")],
            UNIT,
        ),
    ));
    assert!(msg.starts_with("write-file failed: "), "{msg}");
    expect_error(
        bi(Builtin::Assert, vec![b(false)], UNIT),
        "assertion failed",
    );
    expect_error(
        bi(Builtin::Assert, vec![b(false), s("oops")], UNIT),
        "assertion failed: oops",
    );
    expect_error(
        bi(Builtin::AssertEq, vec![f64(1.0), f64(2.5)], UNIT),
        "assertion failed: left = 1.0, right = 2.5",
    );
    expect_error(
        bi(Builtin::AssertEq, vec![s("a"), s("b")], UNIT),
        "assertion failed: left = a, right = b",
    );
}

#[test]
fn passing_assertions_and_args() {
    let prog = main_only(
        0,
        block(vec![
            bi(Builtin::Assert, vec![b(true)], UNIT),
            bi(Builtin::AssertEq, vec![i64(2), i64(2)], UNIT),
            println(bi(Builtin::Args, vec![], vec_t(STR))),
        ]),
    );
    let config = Config {
        args: vec!["a".into(), "b c".into()],
        ..Config::default()
    };
    let (res, out) = run_with(&prog, &config);
    assert_eq!(res, Ok(0));
    assert_eq!(out, "[a b c]\n");
}

#[test]
fn error_span_is_the_offending_call() {
    let call = with_span(op(Builtin::Div, vec![i64(1), i64(0)]), at(7));
    let (res, out) = run_with(
        &main_only(
            0,
            block(vec![bi(Builtin::Print, vec![s("partial")], UNIT), call]),
        ),
        &Config::default(),
    );
    assert_eq!(
        res,
        Err(RunError::Runtime {
            message: "division by zero".into(),
            span: Some(at(7)),
        })
    );
    assert_eq!(out, "partial");
}

#[test]
fn exit_flushes_and_masks_the_status() {
    let prog = main_only(
        0,
        block(vec![
            println(s("bye")),
            bi(Builtin::Exit, vec![i32(257)], UNIT),
            println(s("not reached")),
        ]),
    );
    let (res, out) = run_with(&prog, &Config::default());
    assert_eq!(res, Ok(1));
    assert_eq!(out, "bye\n");
    let prog = main_only(0, bi(Builtin::Exit, vec![i32(-1)], UNIT));
    assert_eq!(run_with(&prog, &Config::default()).0, Ok(255));
}

/// A writer that fails like a closed pipe.
struct ClosedPipe;

impl std::io::Write for ClosedPipe {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        Err(std::io::ErrorKind::BrokenPipe.into())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn endless_output_to_a_closed_pipe_stops() {
    // (while true (println "y")) written as a for loop that never ends.
    let prog = main_only(
        1,
        ex(
            TExprKind::For {
                var: LocalId(0),
                init: Box::new(i64(0)),
                cond: Box::new(b(true)),
                body: Box::new(println(s("y"))),
            },
            UNIT,
        ),
    );
    let res = run(&prog, &Config::default(), &mut ClosedPipe);
    assert!(
        matches!(&res, Err(RunError::Runtime { message, .. }) if message.starts_with("cannot write to stdout")),
        "{res:?}"
    );
}
