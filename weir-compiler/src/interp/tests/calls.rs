//! Calls, tail calls, recursion depth, closures, `?` and globals.

use super::build::*;
use super::*;

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

#[test]
fn appending_to_a_mut_global() {
    // (defglobal mut log []) main: (for (i 0 (< i 100000)) (set! log (append log i)))
    //   (println (len log)) and a snapshot taken at i = 1 stays [0].
    let vt = vec_t(I64);
    let i = || local(0, I64);
    let set_g = |id: u32, v: TExpr| {
        ex(
            TExprKind::SetGlobal {
                global: GlobalId(id),
                value: Box::new(v),
            },
            UNIT,
        )
    };
    let mut prog = main_only(
        2,
        block(vec![
            ex(
                TExprKind::For {
                    var: LocalId(0),
                    init: Box::new(i64(0)),
                    cond: Box::new(cmp(Builtin::Lt, i(), i64(100_000))),
                    body: Box::new(block(vec![
                        set_g(
                            0,
                            bi(
                                Builtin::Append,
                                vec![global(0, vt.clone()), i()],
                                vt.clone(),
                            ),
                        ),
                        if_(
                            cmp(Builtin::Eq, i(), i64(1)),
                            set(1, global(0, vt.clone())),
                            unit(),
                        ),
                    ])),
                },
                UNIT,
            ),
            println(bi(Builtin::VecLen, vec![global(0, vt.clone())], I64)),
            println(local(1, vt.clone())),
        ]),
    );
    prog.globals.push(Global {
        name: "log".into(),
        ty: vt.clone(),
        mutable: true,
        init: vector(vec![], I64),
        n_locals: 0,
        span: sp(),
    });
    assert_eq!(run_ok(&prog), "100000\n[0 1]\n");
}
