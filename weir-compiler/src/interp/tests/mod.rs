//! Interpreter tests over hand-built typed IR (see `build.rs`).

mod build;

use std::rc::Rc;

use build::*;

use super::print::{fmt_f32, fmt_f64, to_bytes};
use super::value::{AdtVal, Value};
use super::{run, Config, RunError};
use crate::tir::*;
use crate::types::*;

fn run_with(prog: &Program, config: &Config) -> (Result<i32, RunError>, String) {
    let mut out = Vec::new();
    let res = run(prog, config, &mut out);
    (res, String::from_utf8(out).expect("utf-8 output"))
}

/// Runs on the current thread; expects success and returns stdout.
fn run_ok(prog: &Program) -> String {
    let (res, out) = run_with(prog, &Config::default());
    assert_eq!(res, Ok(0), "stdout so far: {out}");
    out
}

/// Expects a runtime error; returns its message and stdout.
fn run_err(prog: &Program) -> (String, String) {
    let (res, out) = run_with(prog, &Config::default());
    match res {
        Err(RunError::Runtime { message, .. }) => (message, out),
        other => panic!("expected a runtime error, got {other:?} (stdout: {out})"),
    }
}

/// Prints each expression on its own line from `main` and returns the output.
fn print_all(es: Vec<TExpr>) -> String {
    run_ok(&main_only(0, block(es.into_iter().map(println).collect())))
}

fn lines(out: &str) -> Vec<&str> {
    out.lines().collect()
}

fn fib_func() -> Func {
    // (defn fib ((n : i64)) : i64 (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))
    let n = || local(0, I64);
    func(
        "fib",
        vec![I64],
        I64,
        1,
        if_(
            cmp(Builtin::Lt, n(), i64(2)),
            n(),
            op(
                Builtin::Add,
                vec![
                    call(0, vec![op(Builtin::Sub, vec![n(), i64(1)])], I64),
                    call(0, vec![op(Builtin::Sub, vec![n(), i64(2)])], I64),
                ],
            ),
        ),
    )
}

#[test]
fn fib() {
    let prog = program(vec![fib_func()], 0, println(call(0, vec![i64(20)], I64)));
    assert_eq!(run_ok(&prog), "6765\n");
}

#[test]
fn self_tail_call_million() {
    // (defn count-down ((n : i64) (acc : i64)) (if (= n 0) acc (count-down (- n 1) (+ acc 1))))
    let n = || local(0, I64);
    let acc = || local(1, I64);
    let f = func(
        "count-down",
        vec![I64, I64],
        I64,
        2,
        if_(
            cmp(Builtin::Eq, n(), i64(0)),
            acc(),
            tcall(
                0,
                vec![
                    op(Builtin::Sub, vec![n(), i64(1)]),
                    op(Builtin::Add, vec![acc(), i64(1)]),
                ],
                I64,
            ),
        ),
    );
    let prog = program(
        vec![f],
        0,
        println(call(0, vec![i64(1_000_000), i64(0)], I64)),
    );
    assert_eq!(run_ok(&prog), "1000000\n");
}

#[test]
fn mutual_tail_call_million() {
    // even?/odd? with a let temporary in one of them (different frame sizes).
    let n = || local(0, I64);
    let even = func(
        "even?",
        vec![I64],
        BOOL,
        1,
        if_(
            cmp(Builtin::Eq, n(), i64(0)),
            b(true),
            tcall(1, vec![op(Builtin::Sub, vec![n(), i64(1)])], BOOL),
        ),
    );
    let odd = func(
        "odd?",
        vec![I64],
        BOOL,
        3,
        let_(
            vec![(1, i64(1)), (2, unit())],
            if_(
                cmp(Builtin::Eq, n(), i64(0)),
                b(false),
                tcall(0, vec![op(Builtin::Sub, vec![n(), local(1, I64)])], BOOL),
            ),
        ),
    );
    let prog = program(
        vec![even, odd],
        0,
        block(vec![
            println(call(0, vec![i64(1_000_000)], BOOL)),
            println(call(1, vec![i64(1_000_001)], BOOL)),
        ]),
    );
    assert_eq!(run_ok(&prog), "true\ntrue\n");
}

/// (defn sum ((n : i64)) : i64 (if (= n 0) 0 (+ n (sum (- n 1)))))
fn sum_func() -> Func {
    let n = || local(0, I64);
    func(
        "sum",
        vec![I64],
        I64,
        1,
        if_(
            cmp(Builtin::Eq, n(), i64(0)),
            i64(0),
            op(
                Builtin::Add,
                vec![n(), call(0, vec![op(Builtin::Sub, vec![n(), i64(1)])], I64)],
            ),
        ),
    )
}

#[test]
fn deep_non_tail_recursion_on_big_stack() {
    let out = crate::with_stack(crate::BIG_STACK, || {
        let prog = program(
            vec![sum_func()],
            0,
            println(call(0, vec![i64(100_000)], I64)),
        );
        let mut out = Vec::new();
        let res = run(&prog, &Config::default(), &mut out);
        (res, out)
    });
    assert_eq!(out.0, Ok(0));
    assert_eq!(out.1, b"5000050000\n");
}

#[test]
fn stack_overflow_is_an_error() {
    // Beyond max_stack on a big thread.
    let (res, out) = crate::with_stack(256 << 20, || {
        let prog = program(
            vec![sum_func()],
            0,
            block(vec![
                println(s("before")),
                println(call(0, vec![i64(100_000_000)], I64)),
            ]),
        );
        let mut out = Vec::new();
        let config = Config {
            max_stack: 16 << 20,
            ..Config::default()
        };
        let res = run(&prog, &config, &mut out);
        (res, out)
    });
    assert!(
        matches!(&res, Err(RunError::Runtime { message, .. }) if message == "stack overflow"),
        "{res:?}"
    );
    assert_eq!(out, b"before\n");
}

#[test]
fn stack_overflow_on_a_small_thread_with_a_large_limit() {
    // The limit is capped by the thread's real stack: an error, not a crash.
    let (res, _) = crate::with_stack(4 << 20, || {
        let prog = program(
            vec![sum_func()],
            0,
            println(call(0, vec![i64(10_000_000)], I64)),
        );
        let mut out = Vec::new();
        let config = Config {
            max_stack: 1 << 40,
            ..Config::default()
        };
        (run(&prog, &config, &mut out), out)
    });
    assert!(
        matches!(&res, Err(RunError::Runtime { message, .. }) if message == "stack overflow"),
        "{res:?}"
    );
}

#[test]
fn closure_recursion_overflow_is_an_error() {
    let (res, _) = crate::with_stack(64 << 20, || {
        let prog = closure_recursion_program();
        let mut out = Vec::new();
        (run(&prog, &Config::default(), &mut out), out)
    });
    assert!(
        matches!(&res, Err(RunError::Runtime { message, .. }) if message == "stack overflow"),
        "{res:?}"
    );
}

fn closure_recursion_program() -> Program {
    // main calls a closure that calls a function that calls the closure (via a global).
    // (defglobal g (fn ((n : i64)) (+ 1 (f n))))  (defn f ((n : i64)) (+ 1 ((.g) n)))
    let fty = fn_t(vec![I64], I64);
    let f = func(
        "f",
        vec![I64],
        I64,
        1,
        op(
            Builtin::Add,
            vec![
                i64(1),
                vcall(global(0, fty.clone()), vec![local(0, I64)], I64),
            ],
        ),
    );
    let lam = lambda(
        1,
        vec![],
        1,
        op(
            Builtin::Add,
            vec![i64(1), call(0, vec![local(0, I64)], I64)],
        ),
        fty.clone(),
    );
    let mut prog = program(vec![f], 0, println(call(0, vec![i64(1)], I64)));
    prog.globals.push(Global {
        name: "g".into(),
        ty: fty,
        mutable: false,
        init: lam,
        n_locals: 0,
        span: sp(),
    });
    prog
}

#[test]
fn integer_wrapping_per_width() {
    let out = print_all(vec![
        op(Builtin::Add, vec![int(127, IntTy::I8), int(1, IntTy::I8)]),
        op(Builtin::Add, vec![int(255, IntTy::U8), int(1, IntTy::U8)]),
        op(
            Builtin::Mul,
            vec![int(300, IntTy::I16), int(300, IntTy::I16)],
        ),
        op(
            Builtin::Add,
            vec![int(65535, IntTy::U16), int(2, IntTy::U16)],
        ),
        op(
            Builtin::Add,
            vec![int(2147483647, IntTy::I32), int(1, IntTy::I32)],
        ),
        op(Builtin::Sub, vec![int(0, IntTy::U32), int(1, IntTy::U32)]),
        op(Builtin::Sub, vec![int(0, IntTy::U64), int(1, IntTy::U64)]),
        op(
            Builtin::Add,
            vec![int(i64::MAX as i128, IntTy::I64), int(1, IntTy::I64)],
        ),
        op(Builtin::Neg, vec![int(i64::MIN as i128, IntTy::I64)]),
        op(Builtin::Neg, vec![int(1, IntTy::U8)]),
        op(
            Builtin::Div,
            vec![int(i64::MIN as i128, IntTy::I64), int(-1, IntTy::I64)],
        ),
        op(
            Builtin::Mod,
            vec![int(i64::MIN as i128, IntTy::I64), int(-1, IntTy::I64)],
        ),
        op(Builtin::Div, vec![int(-128, IntTy::I8), int(-1, IntTy::I8)]),
        op(Builtin::Mod, vec![int(-7, IntTy::I32), int(3, IntTy::I32)]),
        op(Builtin::Mod, vec![int(7, IntTy::I32), int(-3, IntTy::I32)]),
        op(Builtin::Div, vec![int(-7, IntTy::I32), int(2, IntTy::I32)]),
        op(
            Builtin::Div,
            vec![int(100, IntTy::I64), int(3, IntTy::I64), int(2, IntTy::I64)],
        ),
        op(
            Builtin::Sub,
            vec![int(10, IntTy::I64), int(3, IntTy::I64), int(2, IntTy::I64)],
        ),
        op(Builtin::Abs, vec![int(-128, IntTy::I8)]),
        op(Builtin::Abs, vec![int(-5, IntTy::I32)]),
        op(Builtin::Min, vec![int(200, IntTy::U8), int(3, IntTy::U8)]),
        op(
            Builtin::Max,
            vec![int(-200, IntTy::I64), int(3, IntTy::I64)],
        ),
        cmp(
            Builtin::Lt,
            int(1, IntTy::U64),
            int(u64::MAX as i128, IntTy::U64),
        ),
        int(u64::MAX as i128, IntTy::U64),
    ]);
    assert_eq!(
        lines(&out),
        vec![
            "-128",
            "0",
            "24464",
            "1",
            "-2147483648",
            "4294967295",
            "18446744073709551615",
            "-9223372036854775808",
            "-9223372036854775808",
            "255",
            "-9223372036854775808",
            "0",
            "-128",
            "-1",
            "1",
            "-3",
            "16",
            "5",
            "-128",
            "5",
            "3",
            "3",
            "true",
            "18446744073709551615",
        ]
    );
}

#[test]
fn conversions() {
    let out = print_all(vec![
        bi(
            Builtin::ToInt(IntTy::I8),
            vec![f64(300.0)],
            int_t(IntTy::I8),
        ),
        bi(
            Builtin::ToInt(IntTy::I8),
            vec![f64(-300.0)],
            int_t(IntTy::I8),
        ),
        bi(Builtin::ToInt(IntTy::I32), vec![f64(f64::NAN)], I32),
        bi(Builtin::ToInt(IntTy::I64), vec![f64(-2.9)], I64),
        bi(Builtin::ToInt(IntTy::U8), vec![f64(-1.5)], int_t(IntTy::U8)),
        bi(
            Builtin::ToInt(IntTy::U64),
            vec![int(-1, IntTy::I64)],
            int_t(IntTy::U64),
        ),
        bi(
            Builtin::ToInt(IntTy::I8),
            vec![int(200, IntTy::I32)],
            int_t(IntTy::I8),
        ),
        bi(Builtin::ToInt(IntTy::I64), vec![int(200, IntTy::U8)], I64),
        bi(Builtin::ToInt(IntTy::I64), vec![int(-1, IntTy::I8)], I64),
        bi(
            Builtin::ToInt(IntTy::U16),
            vec![int(-1, IntTy::I8)],
            int_t(IntTy::U16),
        ),
        bi(
            Builtin::ToFloat(FloatTy::F64),
            vec![int(u64::MAX as i128, IntTy::U64)],
            F64,
        ),
        bi(
            Builtin::ToFloat(FloatTy::F64),
            vec![int(7, IntTy::I32)],
            F64,
        ),
        bi(Builtin::ToFloat(FloatTy::F32), vec![f64(0.1)], F32),
        bi(Builtin::ToFloat(FloatTy::F64), vec![f32(0.1)], F64),
        bi(
            Builtin::ToFloat(FloatTy::F32),
            vec![int(16_777_217, IntTy::I64)],
            F32,
        ),
        bi(Builtin::ToInt(IntTy::I32), vec![f32(1e10)], I32),
    ]);
    assert_eq!(
        lines(&out),
        vec![
            "127",
            "-128",
            "0",
            "-2",
            "0",
            "18446744073709551615",
            "-56",
            "200",
            "-1",
            "65535",
            "18446744073709551616.0",
            "7.0",
            "0.1",
            "0.10000000149011612",
            "16777216.0",
            "2147483647",
        ]
    );
}

#[test]
fn float_arithmetic_and_math() {
    let out = print_all(vec![
        op(Builtin::Div, vec![f64(1.0), f64(0.0)]),
        op(Builtin::Div, vec![f64(0.0), f64(0.0)]),
        op(Builtin::Mod, vec![f64(-7.5), f64(2.0)]),
        op(Builtin::Mod, vec![f64(1.0), f64(0.0)]),
        op(Builtin::Min, vec![f64(0.0), f64(-0.0)]),
        op(Builtin::Max, vec![f64(-0.0), f64(0.0)]),
        op(Builtin::Min, vec![f64(f64::NAN), f64(1.0)]),
        op(Builtin::Max, vec![f64(1.0), f64(f64::NAN)]),
        op(Builtin::Min, vec![f64(2.0), f64(1.0)]),
        op(Builtin::Abs, vec![f64(-0.0)]),
        op(Builtin::Neg, vec![f64(0.0)]),
        bi(Builtin::Round, vec![f64(-2.5)], F64),
        bi(Builtin::Round, vec![f64(2.5)], F64),
        bi(Builtin::Floor, vec![f64(-1.5)], F64),
        bi(Builtin::Ceil, vec![f64(-1.5)], F64),
        bi(Builtin::Sqrt, vec![f64(2.0)], F64),
        bi(Builtin::Pow, vec![f64(2.0), f64(10.0)], F64),
        bi(Builtin::Atan2, vec![f64(1.0), f64(1.0)], F64),
        bi(Builtin::Exp, vec![f64(1000.0)], F64),
        bi(Builtin::Log, vec![f64(1.0)], F64),
        op(Builtin::Add, vec![f32(0.1), f32(0.2)]),
        cmp(Builtin::Eq, f64(f64::NAN), f64(f64::NAN)),
        cmp(Builtin::Ne, f64(f64::NAN), f64(f64::NAN)),
        cmp(Builtin::Eq, f64(0.0), f64(-0.0)),
        cmp(Builtin::Lt, f64(f64::NAN), f64(1.0)),
        cmp(Builtin::Ge, f64(f64::NAN), f64(1.0)),
    ]);
    let pi4 = fmt_f64(std::f64::consts::FRAC_PI_4);
    assert_eq!(
        lines(&out),
        vec![
            "inf",
            "NaN",
            "-1.5",
            "NaN",
            "-0.0",
            "0.0",
            "NaN",
            "NaN",
            "1.0",
            "0.0",
            "-0.0",
            "-3.0",
            "3.0",
            "-2.0",
            "-1.0",
            "1.4142135623730951",
            "1024.0",
            &pi4,
            "inf",
            "0.0",
            "0.3",
            "false",
            "true",
            "true",
            "false",
            "false",
        ]
    );
}

#[test]
fn float_printing_table() {
    // Every float row of §10.
    let rows: &[(f64, &str)] = &[
        (1.0, "1.0"),
        (100.0, "100.0"),
        (-2.0, "-2.0"),
        (0.1, "0.1"),
        (2.5, "2.5"),
        (0.125, "0.125"),
        (-1.75, "-1.75"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1.0 / 3.0, "0.3333333333333333"),
        (1.5e3, "1500.0"),
        (2.5e-2, "0.025"),
        (1.0e21, "1000000000000000000000.0"),
        (1.0e23, "99999999999999991611392.0"),
        (1.0e-7, "0.0000001"),
        (-0.0, "-0.0"),
        (f64::NAN, "NaN"),
        (-f64::NAN, "NaN"),
        (f64::INFINITY, "inf"),
        (f64::NEG_INFINITY, "-inf"),
        (2f64.sqrt(), "1.4142135623730951"),
    ];
    for (v, want) in rows {
        assert_eq!(fmt_f64(*v), *want, "{v:e}");
    }
    assert_eq!(fmt_f32(0.1), "0.1");
    assert_eq!(fmt_f32(0.5), "0.5");
    assert_eq!(fmt_f32(f32::NAN), "NaN");
    assert_eq!(fmt_f32(-0.0), "-0.0");
    // Through the interpreter: literals, arithmetic and (sqrt -1.0), (- 0.0 (exp 1000.0)).
    let out = print_all(vec![
        f32(0.1),
        f32(0.5),
        op(Builtin::Add, vec![f64(0.1), f64(0.2)]),
        op(Builtin::Neg, vec![f64(0.0)]),
        bi(Builtin::Sqrt, vec![f64(-1.0)], F64),
        op(
            Builtin::Sub,
            vec![f64(0.0), bi(Builtin::Exp, vec![f64(1000.0)], F64)],
        ),
        f64(1.0e23),
        bi(
            Builtin::Str,
            vec![s("n="), i32(42), s(" x="), f64(2.5), s(" ok="), b(true)],
            STR,
        ),
        bi(Builtin::Str, vec![], STR),
        bi(Builtin::Str, vec![unit()], STR),
        unit(),
    ]);
    assert_eq!(
        lines(&out),
        vec![
            "0.1",
            "0.5",
            "0.30000000000000004",
            "-0.0",
            "NaN",
            "-inf",
            "99999999999999991611392.0",
            "n=42 x=2.5 ok=true",
            "",
            "()",
            "()",
        ]
    );
}

#[test]
fn printing_compound_values() {
    let mut adts = prelude_adts();
    adts.push(struct_def("Point", vec![("x", I64), ("y", I64)]));
    adts.push(struct_def("Empty", vec![]));
    let point = AdtId(3);
    let p = |v: &Value| String::from_utf8(to_bytes(v, &adts)).unwrap();
    let int = Value::I64;
    let vecv = |items: Vec<Value>| Value::Vector(Rc::new(items));
    let adt = |a: AdtId, variant: u32, fields: Vec<Value>| {
        Value::Adt(Rc::new(AdtVal {
            adt: a,
            variant,
            fields,
        }))
    };
    let none = Value::Enum {
        adt: OPTION.0,
        variant: 1,
    };
    assert_eq!(p(&vecv(vec![int(1), int(2), int(3)])), "[1 2 3]");
    assert_eq!(p(&vecv(vec![])), "[]");
    assert_eq!(p(&adt(point, 0, vec![int(1), int(2)])), "(Point :x 1 :y 2)");
    assert_eq!(p(&adt(AdtId(4), 0, vec![])), "(Empty)");
    assert_eq!(
        p(&adt(OPTION, 0, vec![Value::str(b"x".to_vec())])),
        "(Some x)"
    );
    assert_eq!(p(&none), "None");
    assert_eq!(
        p(&vecv(vec![adt(OPTION, 0, vec![int(1)]), none.clone()])),
        "[(Some 1) None]"
    );
    assert_eq!(
        p(&adt(
            RESULT,
            1,
            vec![vecv(vec![Value::F64(1.0), Value::Unit])]
        )),
        "(Err [1.0 ()])"
    );
    assert_eq!(p(&Value::FuncRef(FuncId(0))), "<fn>");
    assert_eq!(p(&Value::StructCtorRef(point)), "<fn>");
    assert_eq!(p(&Value::CtorRef { adt: 0, variant: 0 }), "<fn>");
    assert_eq!(p(&Value::Ptr(0x1f)), "<ptr 0x1f>");
    assert_eq!(p(&Value::Ptr(0)), "<ptr 0x0>");
    assert_eq!(p(&Value::U8(255)), "255");
    assert_eq!(p(&Value::Bool(false)), "false");
}

#[test]
fn printing_through_the_interpreter() {
    let mut prog = main_only(
        1,
        block(vec![
            println(vector(
                vec![some(i64(1)), none(I64)],
                Type::Adt(OPTION, vec![I64]),
            )),
            println(ex(
                TExprKind::MakeStruct {
                    adt: AdtId(3),
                    fields: vec![i64(1), s("two")],
                },
                Type::Adt(AdtId(3), vec![]),
            )),
            println(lambda(0, vec![], 0, unit(), fn_t(vec![], UNIT))),
            println(ex(TExprKind::FuncRef(FuncId(0)), fn_t(vec![], UNIT))),
            bi(Builtin::Print, vec![s("a\0b")], UNIT),
            bi(Builtin::Println, vec![], UNIT),
        ]),
    );
    prog.adts
        .push(struct_def("Pair", vec![("first", I64), ("second", STR)]));
    assert_eq!(
        run_ok(&prog),
        "[(Some 1) None]\n(Pair :first 1 :second two)\n<fn>\n<fn>\na\0b\n"
    );
}

#[test]
fn closures_capture_by_value() {
    // (let ((mut x 1) (f (fn () x))) (set! x 2) (println (f)) (println x))
    let fty = fn_t(vec![], I64);
    let prog = main_only(
        2,
        let_(
            vec![
                (0, i64(1)),
                (1, lambda(0, vec![0], 1, local(0, I64), fty.clone())),
            ],
            block(vec![
                set(0, i64(2)),
                println(vcall(local(1, fty.clone()), vec![], I64)),
                println(local(0, I64)),
            ]),
        ),
    );
    assert_eq!(run_ok(&prog), "1\n2\n");
}

#[test]
fn closures_with_params_and_captures() {
    // (defn adder ((n : i64)) (fn (x) (+ x n)))  ((adder 10) 5), and a closure in a vector.
    let fty = fn_t(vec![I64], I64);
    let adder = func(
        "adder",
        vec![I64],
        fty.clone(),
        1,
        lambda(
            1,
            vec![0],
            3,
            let_(
                vec![(2, op(Builtin::Mul, vec![local(1, I64), i64(1)]))],
                op(Builtin::Add, vec![local(0, I64), local(2, I64)]),
            ),
            fty.clone(),
        ),
    );
    let prog = program(
        vec![adder],
        1,
        let_(
            vec![(
                0,
                vector(vec![call(0, vec![i64(10)], fty.clone())], fty.clone()),
            )],
            block(vec![
                println(vcall(
                    call(0, vec![i64(10)], fty.clone()),
                    vec![i64(5)],
                    I64,
                )),
                println(vcall(
                    bi(
                        Builtin::Nth,
                        vec![local(0, vec_t(fty.clone())), i64(0)],
                        fty.clone(),
                    ),
                    vec![i64(1)],
                    I64,
                )),
            ]),
        ),
    );
    assert_eq!(run_ok(&prog), "15\n11\n");
}

#[test]
fn function_and_constructor_values() {
    // ((fn-value) args) for a FuncRef, a CtorRef and a StructCtorRef.
    let mut prog = program(
        vec![fib_func()],
        0,
        block(vec![
            println(vcall(
                ex(TExprKind::FuncRef(FuncId(0)), fn_t(vec![I64], I64)),
                vec![i64(10)],
                I64,
            )),
            println(vcall(
                ex(
                    TExprKind::CtorRef {
                        adt: OPTION,
                        variant: 0,
                    },
                    fn_t(vec![I64], Type::Adt(OPTION, vec![I64])),
                ),
                vec![i64(3)],
                Type::Adt(OPTION, vec![I64]),
            )),
            println(vcall(
                ex(
                    TExprKind::StructCtorRef(AdtId(3)),
                    fn_t(vec![I64], Type::Adt(AdtId(3), vec![])),
                ),
                vec![i64(4)],
                Type::Adt(AdtId(3), vec![]),
            )),
        ]),
    );
    prog.adts.push(struct_def("Box", vec![("v", I64)]));
    assert_eq!(run_ok(&prog), "55\n(Some 3)\n(Box :v 4)\n");
}

#[test]
fn try_returns_early_from_the_innermost_function() {
    // (defn check ((n : i64)) : (Result i64 String) (if (< n 0) (Err "neg") (Ok n)))
    // (defn twice ((n : i64)) : (Result i64 String)
    //   (let ((a (check n)?)) (println "after") (Ok (* a 2))))
    let rt = result_t(I64, STR);
    let check = func(
        "check",
        vec![I64],
        rt.clone(),
        1,
        if_(
            cmp(Builtin::Lt, local(0, I64), i64(0)),
            err(s("neg"), I64),
            ok(local(0, I64), STR),
        ),
    );
    let try_ = |e: TExpr| ex(TExprKind::Try(Box::new(e)), I64);
    let twice = func(
        "twice",
        vec![I64],
        rt.clone(),
        2,
        let_(
            vec![(1, try_(call(0, vec![local(0, I64)], rt.clone())))],
            block(vec![
                println(s("after")),
                ok(op(Builtin::Mul, vec![local(1, I64), i64(2)]), STR),
            ]),
        ),
    );
    // A lambda using `?` returns from the lambda only.
    let lam = lambda(
        0,
        vec![],
        0,
        block(vec![try_(err(s("inner"), I64)), ok(i64(0), STR)]),
        fn_t(vec![], rt.clone()),
    );
    let prog = program(
        vec![check, twice],
        0,
        block(vec![
            println(call(1, vec![i64(4)], rt.clone())),
            println(call(1, vec![i64(-4)], rt.clone())),
            println(vcall(lam, vec![], rt.clone())),
            println(s("end")),
        ]),
    );
    assert_eq!(
        run_ok(&prog),
        "after\n(Ok 8)\n(Err neg)\n(Err inner)\nend\n"
    );
}

#[test]
fn match_patterns() {
    // (match (Some 5) ((Some 0) "zero") ((Some n) (str "n=" n)) (None "none"))
    // and a string literal pattern and a struct pattern.
    let opt = Type::Adt(OPTION, vec![I64]);
    let m = |scrut: TExpr| {
        ex(
            TExprKind::Match {
                scrutinee: Box::new(scrut),
                arms: vec![
                    TArm {
                        pat: TPattern::Variant {
                            adt: OPTION,
                            variant: 0,
                            fields: vec![TPattern::Lit(Lit::Int(0))],
                        },
                        body: s("zero"),
                    },
                    TArm {
                        pat: TPattern::Variant {
                            adt: OPTION,
                            variant: 0,
                            fields: vec![TPattern::Bind(LocalId(0))],
                        },
                        body: bi(Builtin::Str, vec![s("n="), local(0, I64)], STR),
                    },
                    TArm {
                        pat: TPattern::Variant {
                            adt: OPTION,
                            variant: 1,
                            fields: vec![],
                        },
                        body: s("none"),
                    },
                ],
            },
            STR,
        )
    };
    let sm = ex(
        TExprKind::Match {
            scrutinee: Box::new(s("b")),
            arms: vec![
                TArm {
                    pat: TPattern::Lit(Lit::Str(Rc::from(&b"a"[..]))),
                    body: i64(1),
                },
                TArm {
                    pat: TPattern::Lit(Lit::Str(Rc::from(&b"b"[..]))),
                    body: i64(2),
                },
                TArm {
                    pat: TPattern::Wildcard,
                    body: i64(3),
                },
            ],
        },
        I64,
    );
    let point = AdtId(3);
    let pt = Type::Adt(point, vec![]);
    let mk = ex(
        TExprKind::MakeStruct {
            adt: point,
            fields: vec![i64(3), i64(4)],
        },
        pt.clone(),
    );
    let destructure = ex(
        TExprKind::Let {
            bindings: vec![(
                TPattern::Struct {
                    adt: point,
                    fields: vec![
                        (1, TPattern::Bind(LocalId(1))),
                        (0, TPattern::Bind(LocalId(2))),
                    ],
                },
                mk.clone(),
            )],
            body: Box::new(op(Builtin::Sub, vec![local(1, I64), local(2, I64)])),
        },
        I64,
    );
    let upd = ex(
        TExprKind::Update {
            expr: Box::new(mk),
            fields: vec![(1, i64(40))],
        },
        pt.clone(),
    );
    let getf = ex(
        TExprKind::GetField {
            expr: Box::new(upd.clone()),
            index: 1,
        },
        I64,
    );
    let mut prog = main_only(
        3,
        block(vec![
            println(m(some(i64(0)))),
            println(m(some(i64(5)))),
            println(m(none(I64))),
            println(sm),
            println(destructure),
            println(upd),
            println(getf),
        ]),
    );
    let _ = opt;
    prog.adts
        .push(struct_def("Point", vec![("x", I64), ("y", I64)]));
    assert_eq!(
        run_ok(&prog),
        "zero\nn=5\nnone\n2\n1\n(Point :x 3 :y 40)\n40\n"
    );
}

#[test]
fn loops_and_logic() {
    // (let ((mut acc 0)) (for (i 0 (< i 5)) (set! acc (+ acc i))) (for-each (x [10 20]) ...))
    let prog = main_only(
        3,
        let_(
            vec![(0, i64(0))],
            block(vec![
                ex(
                    TExprKind::For {
                        var: LocalId(1),
                        init: Box::new(int(250, IntTy::U8)),
                        cond: Box::new(cmp(
                            Builtin::Ne,
                            local(1, int_t(IntTy::U8)),
                            int(2, IntTy::U8),
                        )),
                        body: Box::new(set(0, op(Builtin::Add, vec![local(0, I64), i64(1)]))),
                    },
                    UNIT,
                ),
                println(local(0, I64)),
                ex(
                    TExprKind::ForEach {
                        var: LocalId(2),
                        seq: Box::new(vector(vec![f64(1.5), f64(2.5)], F64)),
                        body: Box::new(println(local(2, F64))),
                    },
                    UNIT,
                ),
                println(ex(TExprKind::And(vec![]), BOOL)),
                println(ex(TExprKind::Or(vec![]), BOOL)),
                // (and false (/ 1 0)) short-circuits.
                println(ex(
                    TExprKind::And(vec![
                        b(false),
                        cmp(Builtin::Eq, op(Builtin::Div, vec![i64(1), i64(0)]), i64(0)),
                    ]),
                    BOOL,
                )),
                println(ex(TExprKind::Or(vec![b(false), b(true)]), BOOL)),
                println(bi(Builtin::Not, vec![b(true)], BOOL)),
            ]),
        ),
    );
    assert_eq!(
        run_ok(&prog),
        "8\n1.5\n2.5\ntrue\nfalse\nfalse\ntrue\nfalse\n"
    );
}

#[test]
fn vectors_are_values() {
    let vt = vec_t(I64);
    let prog = main_only(
        2,
        let_(
            vec![
                (0, vector(vec![i64(1), i64(2)], I64)),
                (
                    1,
                    bi(
                        Builtin::Append,
                        vec![local(0, vt.clone()), i64(3)],
                        vt.clone(),
                    ),
                ),
            ],
            block(vec![
                println(local(0, vt.clone())),
                println(local(1, vt.clone())),
                println(bi(
                    Builtin::SetNth,
                    vec![local(1, vt.clone()), i64(0), i64(9)],
                    vt.clone(),
                )),
                println(local(1, vt.clone())),
                println(bi(Builtin::VecLen, vec![local(1, vt.clone())], I64)),
                println(bi(Builtin::Nth, vec![local(1, vt.clone()), i64(2)], I64)),
            ]),
        ),
    );
    assert_eq!(run_ok(&prog), "[1 2]\n[1 2 3]\n[9 2 3]\n[1 2 3]\n3\n3\n");
}

#[test]
fn strings() {
    let out = print_all(vec![
        bi(Builtin::StrLen, vec![s("héllo")], I64),
        bi(Builtin::Substring, vec![s("hello"), i64(1), i64(3)], STR),
        bi(Builtin::Substring, vec![s("hello"), i64(2), i64(100)], STR),
        bi(Builtin::Substring, vec![s("hello"), i64(4), i64(2)], STR),
        bi(Builtin::Substring, vec![s("hello"), i64(9), i64(12)], STR),
        bi(Builtin::StringRef, vec![s("A")], I64).tap_args(vec![s("A"), i64(0)]),
        bi(Builtin::StringContains, vec![s("hello"), s("ll")], BOOL),
        bi(Builtin::StringContains, vec![s("hello"), s("")], BOOL),
        bi(Builtin::StringContains, vec![s("hello"), s("lo!")], BOOL),
        bi(Builtin::StringUpcase, vec![s("abc-é")], STR),
        bi(Builtin::StringDowncase, vec![s("ABC")], STR),
        bi(Builtin::StringTrim, vec![s(" \t\r\nx y\n ")], STR),
        bi(Builtin::StringTrim, vec![s("  ")], STR),
        bi(Builtin::CharToString, vec![i64(0x263A)], STR),
        bi(Builtin::CharToString, vec![i64(65)], STR),
        cmp(Builtin::Lt, s("abc"), s("abd")),
        cmp(Builtin::Lt, s("ab"), s("a")),
        cmp(Builtin::Eq, s("ab"), s("ab")),
    ]);
    assert_eq!(
        lines(&out),
        vec![
            "6", "el", "llo", "", "", "65", "true", "true", "false", "ABC-é", "abc", "x y", "",
            "☺", "A", "true", "false", "true",
        ]
    );
}

trait TapArgs {
    fn tap_args(self, args: Vec<TExpr>) -> TExpr;
}

impl TapArgs for TExpr {
    /// Replaces a call's arguments.
    fn tap_args(mut self, new: Vec<TExpr>) -> TExpr {
        if let TExprKind::Call { args, .. } = &mut self.kind {
            *args = new;
        }
        self
    }
}

#[test]
fn random_matches_the_spec_generator() {
    // (roll 10 6) with the default state: "6 1 2 3 2 4 2 4 1 4" (examples/random.out).
    let roll = || {
        op(
            Builtin::Add,
            vec![i64(1), bi(Builtin::RandomInt, vec![i64(6)], I64)],
        )
    };
    let mut es: Vec<TExpr> = (0..10)
        .map(|_| {
            bi(
                Builtin::Print,
                vec![bi(Builtin::Str, vec![roll(), s(" ")], STR)],
                UNIT,
            )
        })
        .collect();
    es.push(bi(Builtin::Println, vec![], UNIT));
    es.push(bi(Builtin::RandomSeed, vec![i64(0)], UNIT));
    es.push(println(bi(Builtin::RandomInt, vec![i64(1_000_000)], I64)));
    es.push(bi(Builtin::RandomSeed, vec![i64(42)], UNIT));
    for _ in 0..10 {
        es.push(bi(
            Builtin::Print,
            vec![bi(Builtin::Str, vec![roll(), s(" ")], STR)],
            UNIT,
        ));
    }
    let out = run_ok(&main_only(0, block(es)));
    assert_eq!(out, "6 1 2 3 2 4 2 4 1 4 \n0\n1 4 4 1 2 4 4 4 4 3 ");
}

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

#[test]
fn globals_initialise_in_order() {
    // (defglobal a (do (println "init a") 1)) (defglobal mut b (+ a 1)) main: (set! b 10) b
    let mut prog = main_only(
        0,
        block(vec![
            println(global(1, I64)),
            ex(
                TExprKind::SetGlobal {
                    global: GlobalId(1),
                    value: Box::new(i64(10)),
                },
                UNIT,
            ),
            println(global(1, I64)),
        ]),
    );
    let g = |name: &str, n_locals: u32, init: TExpr| Global {
        name: name.into(),
        ty: I64,
        mutable: true,
        init,
        n_locals,
        span: sp(),
    };
    prog.globals.push(g(
        "a",
        1,
        let_(
            vec![(0, i64(1))],
            block(vec![println(s("init a")), local(0, I64)]),
        ),
    ));
    prog.globals
        .push(g("b", 0, op(Builtin::Add, vec![global(0, I64), i64(1)])));
    assert_eq!(run_ok(&prog), "init a\n2\n10\n");

    // A global read before its initialiser completed.
    let mut prog = main_only(0, unit());
    prog.globals.push(g(
        "early",
        0,
        op(Builtin::Add, vec![global(1, I64), i64(1)]),
    ));
    prog.globals.push(g("late", 0, i64(1)));
    let (msg, _) = run_err(&prog);
    assert_eq!(msg, "global late used before initialization");
}

fn ext(name: &str, params: Vec<Type>, ret: Type) -> ExternDecl {
    ExternDecl {
        name: name.into(),
        params,
        ret,
        span: sp(),
    }
}

#[test]
fn extern_calls() {
    let mut prog = main_only(
        1,
        block(vec![
            println(ecall(0, vec![i64(-1234567890123)], I64)),
            println(ecall(1, vec![s("hello\0ignored")], int_t(IntTy::U64))),
            println(ecall(2, vec![s("WEIR_INTERP_TEST_VAR")], STR)),
            println(ecall(3, vec![f64(3.0), f64(4.0)], F64)),
            println(ecall(4, vec![i32(-42)], I32)),
            let_(
                vec![(0, ecall(5, vec![i64(4), i64(16)], Type::Ptr))],
                ecall(6, vec![local(0, Type::Ptr)], UNIT),
            ),
            println(ecall(7, vec![i32(55)], I32)),
            println(ecall(8, vec![f32(2.0)], F32)),
        ]),
    );
    prog.externs = vec![
        ext("labs", vec![I64], I64),
        ext("strlen", vec![STR], int_t(IntTy::U64)),
        ext("getenv", vec![STR], STR),
        ext("hypot", vec![F64, F64], F64),
        ext("abs", vec![I32], I32),
        ext("calloc", vec![I64, I64], Type::Ptr),
        ext("free", vec![Type::Ptr], UNIT),
        ext("isdigit", vec![I32], I32),
        ext("sqrtf", vec![F32], F32),
    ];
    std::env::set_var("WEIR_INTERP_TEST_VAR", "value=1");
    let out = run_ok(&prog);
    let l = lines(&out);
    assert_eq!(&l[..5], &["1234567890123", "5", "value=1", "5.0", "42"]);
    assert_ne!(l[5], "0");
    assert_eq!(l[6], "1.4142135");
}

#[test]
fn extern_null_string_is_an_error() {
    let mut prog = main_only(
        0,
        println(ecall(0, vec![s("WEIR_SURELY_UNSET_VAR_42")], STR)),
    );
    prog.externs = vec![ext("getenv", vec![STR], STR)];
    let (msg, _) = run_err(&prog);
    assert_eq!(msg, "null string from C");
}

#[test]
fn unresolvable_extern_is_a_link_error_before_globals_run() {
    let mut prog = main_only(0, println(s("main")));
    prog.externs = vec![ext("weir_no_such_symbol_xyz", vec![], UNIT)];
    prog.globals.push(Global {
        name: "g".into(),
        ty: UNIT,
        mutable: false,
        init: println(s("global")),
        n_locals: 0,
        span: sp(),
    });
    let (res, out) = run_with(&prog, &Config::default());
    assert_eq!(
        res,
        Err(RunError::Link {
            message: "cannot resolve extern \"C\" symbol `weir_no_such_symbol_xyz`".into(),
            span: Some(sp()),
        })
    );
    assert_eq!(out, "");
}

#[test]
fn unloadable_library_is_a_link_error() {
    let config = Config {
        load: vec!["/nonexistent/libweir-nothing.so".into()],
        ..Config::default()
    };
    let (res, _) = run_with(&main_only(0, unit()), &config);
    assert!(matches!(res, Err(RunError::Link { .. })), "{res:?}");
}

#[test]
fn dropping_a_long_list_does_not_recurse() {
    // (deftype L (Cons i64 L) Nil) (defn build ((n : i64) (acc : L)) : L
    //   (if (= n 0) acc (build (- n 1) (Cons n acc))))
    // main: (let ((l (build 1000000 Nil))) (println "built")) on a 16 MiB stack.
    let (res, out) = crate::with_stack(16 << 20, || {
        let lt = Type::Adt(AdtId(3), vec![]);
        let build = func(
            "build",
            vec![I64, lt.clone()],
            lt.clone(),
            2,
            if_(
                cmp(Builtin::Eq, local(0, I64), i64(0)),
                local(1, lt.clone()),
                tcall(
                    0,
                    vec![
                        op(Builtin::Sub, vec![local(0, I64), i64(1)]),
                        variant(
                            AdtId(3),
                            0,
                            vec![local(0, I64), local(1, lt.clone())],
                            lt.clone(),
                        ),
                    ],
                    lt.clone(),
                ),
            ),
        );
        let mut prog = program(
            vec![build],
            1,
            let_(
                vec![(
                    0,
                    call(
                        0,
                        vec![i64(1_000_000), variant(AdtId(3), 1, vec![], lt.clone())],
                        lt.clone(),
                    ),
                )],
                println(s("built")),
            ),
        );
        prog.adts.push(AdtDef {
            name: "L".into(),
            tparams: vec![],
            kind: AdtKind::Sum {
                variants: vec![
                    VariantInfo {
                        name: "Cons".into(),
                        fields: vec![I64, lt.clone()],
                    },
                    VariantInfo {
                        name: "Nil".into(),
                        fields: vec![],
                    },
                ],
            },
            public: true,
            span: sp(),
        });
        let mut out = Vec::new();
        (run(&prog, &Config::default(), &mut out), out)
    });
    assert_eq!(res, Ok(0));
    assert_eq!(out, b"built\n");
}

#[test]
fn growing_a_vector_and_a_string_in_a_loop_keeps_values_separate() {
    // (let ((mut v []) (mut s "") (alias [])) (for (i 0 (< i 200000)) (set! v (append v i))
    //   (when (= i 2) (set! alias v))) (set! s (str s (len v))) ...)
    let vt = vec_t(I64);
    let i = || local(3, I64);
    let body = block(vec![
        set(
            0,
            bi(Builtin::Append, vec![local(0, vt.clone()), i()], vt.clone()),
        ),
        if_(
            cmp(Builtin::Eq, i(), i64(2)),
            set(2, local(0, vt.clone())),
            unit(),
        ),
        if_(
            cmp(Builtin::Lt, i(), i64(3)),
            set(1, bi(Builtin::Str, vec![local(1, STR), i(), s(",")], STR)),
            unit(),
        ),
    ]);
    let prog = main_only(
        4,
        let_(
            vec![
                (0, vector(vec![], I64)),
                (1, s("")),
                (2, vector(vec![], I64)),
            ],
            block(vec![
                ex(
                    TExprKind::For {
                        var: LocalId(3),
                        init: Box::new(i64(0)),
                        cond: Box::new(cmp(Builtin::Lt, i(), i64(200_000))),
                        body: Box::new(body),
                    },
                    UNIT,
                ),
                println(bi(Builtin::VecLen, vec![local(0, vt.clone())], I64)),
                println(local(2, vt.clone())),
                // (set! v (set-nth v 0 (len v))) reads v in an operand.
                set(
                    0,
                    bi(
                        Builtin::SetNth,
                        vec![
                            local(0, vt.clone()),
                            i64(0),
                            bi(Builtin::VecLen, vec![local(0, vt.clone())], I64),
                        ],
                        vt.clone(),
                    ),
                ),
                println(bi(Builtin::Nth, vec![local(0, vt.clone()), i64(0)], I64)),
                // (set! s (str s s)) reads s twice.
                set(1, bi(Builtin::Str, vec![local(1, STR), local(1, STR)], STR)),
                println(local(1, STR)),
            ]),
        ),
    );
    assert_eq!(run_ok(&prog), "200000\n[0 1 2]\n200000\n0,1,2,0,1,2,\n");
}

#[test]
fn field_assignment_copies_when_shared() {
    // (let ((mut p (Point 1 2)) (q p)) (set! p (update p :x 10)) (println p) (println q))
    let pt = Type::Adt(AdtId(3), vec![]);
    let mut prog = main_only(
        2,
        let_(
            vec![
                (
                    0,
                    ex(
                        TExprKind::MakeStruct {
                            adt: AdtId(3),
                            fields: vec![i64(1), i64(2)],
                        },
                        pt.clone(),
                    ),
                ),
                (1, local(0, pt.clone())),
            ],
            block(vec![
                set(
                    0,
                    ex(
                        TExprKind::Update {
                            expr: Box::new(local(0, pt.clone())),
                            fields: vec![(0, i64(10))],
                        },
                        pt.clone(),
                    ),
                ),
                println(local(0, pt.clone())),
                println(local(1, pt.clone())),
            ]),
        ),
    );
    prog.adts
        .push(struct_def("Point", vec![("x", I64), ("y", I64)]));
    assert_eq!(run_ok(&prog), "(Point :x 10 :y 2)\n(Point :x 1 :y 2)\n");
}

#[test]
fn appending_to_a_struct_field_in_a_loop() {
    // (let ((mut a (Acc [] 0)) (mut snap (Acc [] 0)))
    //   (for (i 0 (< i 100000)) (set! (.items a) (append (.items a) (.n a))) (set! (.n a) i)
    //     (when (= i 2) (set! snap a)))
    //   (println (len (.items a))) (println snap))
    let acc = Type::Adt(AdtId(3), vec![]);
    let vt = vec_t(I64);
    let a = || local(0, acc.clone());
    let field = |index: u32, ty: Type| {
        ex(
            TExprKind::GetField {
                expr: Box::new(a()),
                index,
            },
            ty,
        )
    };
    let update = |index: u32, v: TExpr| {
        set(
            0,
            ex(
                TExprKind::Update {
                    expr: Box::new(a()),
                    fields: vec![(index, v)],
                },
                acc.clone(),
            ),
        )
    };
    let mk = || {
        ex(
            TExprKind::MakeStruct {
                adt: AdtId(3),
                fields: vec![vector(vec![], I64), i64(0)],
            },
            acc.clone(),
        )
    };
    let i = || local(2, I64);
    let body = block(vec![
        update(
            0,
            bi(
                Builtin::Append,
                vec![field(0, vt.clone()), field(1, I64)],
                vt.clone(),
            ),
        ),
        update(1, i()),
        if_(cmp(Builtin::Eq, i(), i64(2)), set(1, a()), unit()),
    ]);
    let mut prog = main_only(
        3,
        let_(
            vec![(0, mk()), (1, mk())],
            block(vec![
                ex(
                    TExprKind::For {
                        var: LocalId(2),
                        init: Box::new(i64(0)),
                        cond: Box::new(cmp(Builtin::Lt, i(), i64(100_000))),
                        body: Box::new(body),
                    },
                    UNIT,
                ),
                println(bi(Builtin::VecLen, vec![field(0, vt.clone())], I64)),
                println(local(1, acc.clone())),
            ]),
        ),
    );
    prog.adts
        .push(struct_def("Acc", vec![("items", vt.clone()), ("n", I64)]));
    assert_eq!(run_ok(&prog), "100000\n(Acc :items [0 0 1] :n 2)\n");
}

#[test]
fn tail_recursive_accumulation_and_argument_order() {
    // (defn build ((acc : (Vector i64)) (i : i64) (n : i64)) : (Vector i64)
    //   (if (= i n) acc (build (append acc i) (+ i 1) n)))
    // (defn keep ((acc : (Vector i64)) (i : i64)) : (Vector i64)   ; a later argument reads acc
    //   (if (= i 3) acc (keep2 (append acc i) acc i)))
    let vt = vec_t(I64);
    let build = func(
        "build",
        vec![vt.clone(), I64, I64],
        vt.clone(),
        3,
        if_(
            cmp(Builtin::Eq, local(1, I64), local(2, I64)),
            local(0, vt.clone()),
            tcall(
                0,
                vec![
                    bi(
                        Builtin::Append,
                        vec![local(0, vt.clone()), local(1, I64)],
                        vt.clone(),
                    ),
                    op(Builtin::Add, vec![local(1, I64), i64(1)]),
                    local(2, I64),
                ],
                vt.clone(),
            ),
        ),
    );
    // (defn pair ((a : (Vector i64)) (b : (Vector i64))) (str a b))
    let pair = func(
        "pair",
        vec![vt.clone(), vt.clone()],
        STR,
        2,
        bi(
            Builtin::Str,
            vec![local(0, vt.clone()), local(1, vt.clone())],
            STR,
        ),
    );
    // (defn twice ((acc : (Vector i64))) (pair (append acc 9) acc))  ; tail call, acc read later
    let twice = func(
        "twice",
        vec![vt.clone()],
        STR,
        1,
        tcall(
            1,
            vec![
                bi(
                    Builtin::Append,
                    vec![local(0, vt.clone()), i64(9)],
                    vt.clone(),
                ),
                local(0, vt.clone()),
            ],
            STR,
        ),
    );
    let prog = program(
        vec![build, pair, twice],
        0,
        block(vec![
            println(bi(
                Builtin::VecLen,
                vec![call(
                    0,
                    vec![vector(vec![], I64), i64(0), i64(200_000)],
                    vt.clone(),
                )],
                I64,
            )),
            println(call(2, vec![vector(vec![i64(1)], I64)], STR)),
        ]),
    );
    assert_eq!(run_ok(&prog), "200000\n[1 9][1]\n");
}
