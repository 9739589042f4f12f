//! Data values: printing, patterns, loops, vectors, strings, and in-place growth that must stay unobservable.

use super::build::*;
use super::*;

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
                    pat: TPattern::Lit(Lit::Str(std::sync::Arc::from(&b"a"[..]))),
                    body: i64(1),
                },
                TArm {
                    pat: TPattern::Lit(Lit::Str(std::sync::Arc::from(&b"b"[..]))),
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

/// Printing a 300,000-cell list needs no Rust stack per cell (it runs on a 16 MiB thread).
#[test]
fn deep_values_print_iteratively() {
    let src = "(deftype L (Cons i64 L) Nil)
(defn build ((n : i64) (acc : L)) : L (if (= n 0) acc (build (- n 1) (Cons n acc))))
(defn main () (let ((s (str [(build 300000 Nil)]))) (println (string-length s)) (println (substring s 0 20))))";
    let out = crate::with_stack(16 << 20, move || {
        let fe = crate::compile_file(crate::span::FileId(0), src);
        let program = fe.program.expect("the program checks");
        let mut out = Vec::new();
        let config = Config {
            max_stack: 8 << 20,
            ..Config::default()
        };
        assert_eq!(run(&program, &config, &mut out), Ok(0));
        String::from_utf8(out).expect("utf-8")
    });
    // "[" + 300,000 × "(Cons N " + digits + "Nil" + 300,000 × ")" + "]"
    let digits: usize = (1..=300_000usize).map(|n| n.to_string().len()).sum();
    let len = 2 + 300_000 * "(Cons  ".len() + digits + "Nil".len() + 300_000;
    assert_eq!(out, format!("{len}\n[(Cons 1 (Cons 2 (Co\n"));
}
