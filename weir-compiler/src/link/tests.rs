//! Linking hand-built checked modules, then running the program with the interpreter.
//!
//! Every span the builders make lies in [`STALE`], a file no module has: [`link_ok`] checks that
//! none survives linking.

use std::sync::Arc;

use super::{link, LinkError};
use crate::interp::{self, Config, RunError};
use crate::module::{CheckedModule, ItemKey, PRELUDE};
use crate::span::{FileId, Span};
use crate::tir::*;
use crate::types::*;

const STALE: FileId = FileId(99);
const I64: Type = Type::Int(IntTy::I64);
const I32: Type = Type::Int(IntTy::I32);
const STR: Type = Type::Str;
const UNIT: Type = Type::Unit;

fn at(start: u32) -> Span {
    Span {
        file: STALE,
        start,
        end: start + 1,
    }
}

fn ex(kind: TExprKind, ty: Type) -> TExpr {
    TExpr {
        kind,
        ty,
        span: at(1),
    }
}

fn int(n: i128) -> TExpr {
    ex(TExprKind::Lit(Lit::Int(n)), I64)
}

fn s(text: &str) -> TExpr {
    ex(TExprKind::Lit(Lit::Str(Arc::from(text.as_bytes()))), STR)
}

fn local(id: u32, ty: Type) -> TExpr {
    ex(TExprKind::Local(LocalId(id)), ty)
}

fn global(id: u32, ty: Type) -> TExpr {
    ex(TExprKind::Global(GlobalId(id)), ty)
}

fn call_with(callee: Callee, args: Vec<TExpr>, ty: Type) -> TExpr {
    ex(
        TExprKind::Call {
            callee,
            args,
            tail: false,
        },
        ty,
    )
}

fn call(f: u32, args: Vec<TExpr>, ty: Type) -> TExpr {
    call_with(Callee::Func(FuncId(f)), args, ty)
}

fn ecall(x: u32, args: Vec<TExpr>, ty: Type) -> TExpr {
    call_with(Callee::Extern(ExternId(x)), args, ty)
}

fn vcall(f: TExpr, args: Vec<TExpr>, ty: Type) -> TExpr {
    call_with(Callee::Value(Box::new(f)), args, ty)
}

fn add(x: TExpr, y: TExpr) -> TExpr {
    call_with(Callee::Builtin(Builtin::Add), vec![x, y], I64)
}

fn println(e: TExpr) -> TExpr {
    call_with(Callee::Builtin(Builtin::Println), vec![e], UNIT)
}

fn block(es: Vec<TExpr>) -> TExpr {
    let ty = es.last().map_or(UNIT, |e| e.ty.clone());
    ex(TExprKind::Block(es), ty)
}

fn let_(slot: u32, value: TExpr, body: TExpr) -> TExpr {
    let ty = body.ty.clone();
    ex(
        TExprKind::Let {
            bindings: vec![(TPattern::Bind(LocalId(slot)), value)],
            body: Box::new(body),
        },
        ty,
    )
}

fn field(e: TExpr, index: u32, ty: Type) -> TExpr {
    ex(
        TExprKind::GetField {
            expr: Box::new(e),
            index,
        },
        ty,
    )
}

fn adt_t(id: u32) -> Type {
    Type::Adt(AdtId(id), vec![])
}

fn func(name: &str, params: Vec<Type>, ret: Type, n_locals: u32, body: TExpr) -> Func {
    Func {
        name: name.to_string(),
        tparams: vec![],
        params,
        ret,
        n_locals,
        body,
        span: at(0),
    }
}

fn main_func(n_locals: u32, body: TExpr) -> Func {
    func("main", vec![], UNIT, n_locals, body)
}

fn global_def(name: &str, ty: Type, init: TExpr) -> Global {
    Global {
        name: name.to_string(),
        ty,
        mutable: false,
        init,
        n_locals: 0,
        span: at(0),
    }
}

fn ext(name: &str, params: Vec<Type>, ret: Type, start: u32) -> ExternDecl {
    ExternDecl {
        name: name.to_string(),
        params,
        ret,
        span: at(start),
    }
}

fn struct_def(name: &str, fields: Vec<(&str, Type)>) -> AdtDef {
    AdtDef {
        name: name.to_string(),
        tparams: vec![],
        kind: AdtKind::Struct {
            fields: fields
                .into_iter()
                .map(|(name, ty)| FieldInfo {
                    name: name.to_string(),
                    ty,
                })
                .collect(),
        },
        public: true,
        span: at(0),
    }
}

fn sum_def(name: &str, variants: Vec<(&str, Vec<Type>)>) -> AdtDef {
    AdtDef {
        name: name.to_string(),
        tparams: vec![],
        kind: AdtKind::Sum {
            variants: variants
                .into_iter()
                .map(|(name, fields)| VariantInfo {
                    name: name.to_string(),
                    fields,
                })
                .collect(),
        },
        public: true,
        span: at(0),
    }
}

fn keys(pairs: &[(&str, u32)]) -> Vec<ItemKey> {
    pairs.iter().map(|&(m, i)| ItemKey::new(m, i)).collect()
}

/// An empty module in file `file`.
fn module(name: &str, file: u32) -> CheckedModule {
    CheckedModule {
        name: name.to_string(),
        file: FileId(file),
        adt_keys: vec![],
        func_keys: vec![],
        global_keys: vec![],
        extern_keys: vec![],
        own_adts: vec![],
        own_funcs: vec![],
        own_globals: vec![],
        own_externs: vec![],
        main: None,
        imports: vec![],
    }
}

/// Links and checks that no span of the modules' IR kept the stale file.
fn link_ok(modules: Vec<CheckedModule>, main: &str) -> Program {
    let prog = match link(modules, main) {
        Ok(prog) => prog,
        Err(e) => panic!("link failed: {e:?}"),
    };
    let ir = format!(
        "{:?} {:?} {:?} {:?}",
        prog.funcs, prog.globals, prog.externs, prog.adts
    );
    assert!(!ir.contains("FileId(99)"), "a stale span survived: {ir}");
    prog
}

fn link_err(modules: Vec<CheckedModule>, main: &str) -> LinkError {
    match link(modules, main) {
        Ok(prog) => panic!("linked: {prog:?}"),
        Err(e) => e,
    }
}

fn run(prog: &Program) -> (Result<i32, RunError>, String) {
    let mut out = Vec::new();
    let res = interp::run(prog, &Config::default(), &mut out);
    (res, String::from_utf8(out).expect("utf-8 output"))
}

fn run_ok(prog: &Program) -> String {
    let (res, out) = run(prog);
    assert_eq!(res, Ok(0), "stdout so far: {out}");
    out
}

fn func_names(prog: &Program) -> Vec<&str> {
    prog.funcs.iter().map(|f| f.name.as_str()).collect()
}

/// Module `a` (file 1): `(pub defstruct Point (x : i64) (y : i64))`,
/// `(pub defn sum-xy ((p : Point)) : i64 (+ (.x p) (.y p)))`,
/// `(pub defn make-point ((x : i64)) : Point (Point x (+ x 1)))`.
fn module_a_point() -> CheckedModule {
    let mut a = module("a", 1);
    a.adt_keys = keys(&[("a", 0)]);
    a.own_adts = vec![struct_def("Point", vec![("x", I64), ("y", I64)])];
    a.func_keys = keys(&[("a", 0), ("a", 1)]);
    let p = || local(0, adt_t(0));
    a.own_funcs = vec![
        func(
            "sum-xy",
            vec![adt_t(0)],
            I64,
            1,
            add(field(p(), 0, I64), field(p(), 1, I64)),
        ),
        func(
            "make-point",
            vec![I64],
            adt_t(0),
            1,
            ex(
                TExprKind::MakeStruct {
                    adt: AdtId(0),
                    fields: vec![local(0, I64), add(local(0, I64), int(1))],
                },
                adt_t(0),
            ),
        ),
    ];
    a
}

#[test]
fn items_of_an_imported_module_are_relocated() {
    // Module `b` lists its own items first and imported ones after, in another order than `a`.
    let mut b = module("b", 2);
    b.imports = vec!["a".to_string()];
    // Local ids: 0 = b's Shape, 1 = Option, 2 = a's Point.
    b.adt_keys = keys(&[("b", 0), (PRELUDE, 0), ("a", 0)]);
    b.own_adts = vec![sum_def(
        "Shape",
        vec![("Circle", vec![I64]), ("Dot", vec![])],
    )];
    // Local ids: 0 = main, 1 = a.make-point, 2 = a.sum-xy.
    b.func_keys = keys(&[("b", 0), ("a", 1), ("a", 0)]);
    let point = adt_t(2);
    let shape = adt_t(0);
    let option_i64 = Type::Adt(AdtId(1), vec![I64]);
    let q = || local(1, adt_t(2));
    let sum_xy = |e: TExpr| call(2, vec![e], I64);
    let by_lambda = ex(
        TExprKind::Lambda(Arc::new(Lambda {
            n_params: 1,
            captures: vec![],
            n_locals: 1,
            body: sum_xy(local(0, adt_t(2))),
            span: at(5),
        })),
        Type::Fn(vec![point.clone()], Box::new(I64)),
    );
    let body = let_(
        0,
        call(1, vec![int(4)], point.clone()),
        let_(
            1,
            ex(
                TExprKind::MakeStruct {
                    adt: AdtId(2),
                    fields: vec![int(1), int(2)],
                },
                point.clone(),
            ),
            block(vec![
                println(local(0, point.clone())),
                println(sum_xy(local(0, point.clone()))),
                println(sum_xy(q())),
                // (match (Some (sum-xy q)) ((Some x) (println x)) (None (println "none")))
                ex(
                    TExprKind::Match {
                        scrutinee: Box::new(ex(
                            TExprKind::MakeVariant {
                                adt: AdtId(1),
                                variant: 0,
                                fields: vec![sum_xy(q())],
                            },
                            option_i64.clone(),
                        )),
                        arms: vec![
                            TArm {
                                pat: TPattern::Variant {
                                    adt: AdtId(1),
                                    variant: 0,
                                    fields: vec![TPattern::Bind(LocalId(2))],
                                },
                                body: println(local(2, I64)),
                            },
                            TArm {
                                pat: TPattern::Variant {
                                    adt: AdtId(1),
                                    variant: 1,
                                    fields: vec![],
                                },
                                body: println(s("none")),
                            },
                        ],
                    },
                    UNIT,
                ),
                // (let (({:x x} q)) (println x))
                ex(
                    TExprKind::Let {
                        bindings: vec![(
                            TPattern::Struct {
                                adt: AdtId(2),
                                fields: vec![(0, TPattern::Bind(LocalId(3)))],
                            },
                            q(),
                        )],
                        body: Box::new(println(local(3, I64))),
                    },
                    UNIT,
                ),
                println(ex(
                    TExprKind::MakeVariant {
                        adt: AdtId(0),
                        variant: 0,
                        fields: vec![int(7)],
                    },
                    shape.clone(),
                )),
                // ((fn [p] (sum-xy p)) (Point 10 20)), the struct built through its constructor
                // used as a value.
                println(vcall(
                    by_lambda,
                    vec![vcall(
                        ex(
                            TExprKind::StructCtorRef(AdtId(2)),
                            Type::Fn(vec![I64, I64], Box::new(point.clone())),
                        ),
                        vec![int(10), int(20)],
                        point.clone(),
                    )],
                    I64,
                )),
                println(vcall(
                    ex(
                        TExprKind::CtorRef {
                            adt: AdtId(0),
                            variant: 0,
                        },
                        Type::Fn(vec![I64], Box::new(shape.clone())),
                    ),
                    vec![int(5)],
                    shape,
                )),
                println(vcall(
                    ex(
                        TExprKind::FuncRef(FuncId(2)),
                        Type::Fn(vec![point.clone()], Box::new(I64)),
                    ),
                    vec![q()],
                    I64,
                )),
            ]),
        ),
    );
    b.own_funcs = vec![main_func(4, body)];
    b.main = Some(0);
    let prog = link_ok(vec![module_a_point(), b], "b");
    let adt_names: Vec<&str> = prog.adts.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        adt_names,
        ["Option", "Result", "Ordering", "Point", "Shape"]
    );
    assert_eq!(func_names(&prog), ["a.sum-xy", "a.make-point", "b.main"]);
    assert_eq!(prog.main, FuncId(2));
    assert_eq!(
        run_ok(&prog),
        "(Point :x 4 :y 5)\n9\n3\n3\n1\n(Circle 7)\n30\n(Circle 5)\n3\n"
    );
    // Types are relocated too: main's first `let` binds a Point, the merged data type 3.
    let TExprKind::Let { bindings, .. } = &prog.funcs[2].body.kind else {
        panic!("main starts with a let");
    };
    assert!(matches!(&bindings[0].1.ty, Type::Adt(AdtId(3), _)));
    assert!(matches!(prog.funcs[0].params[0], Type::Adt(AdtId(3), _)));
    // No id of `b` survives unrelocated anywhere in `main` (types, patterns, constructor
    // references, lambdas): its local data types 1, 2 are the merged 0, 3 (Result and Ordering,
    // ids 1 and 2, are not used), its local function 2 is the merged 0.
    let main = format!("{:?}", prog.funcs[2]);
    assert!(main.contains("AdtId(0)") && main.contains("AdtId(3)") && main.contains("AdtId(4)"));
    assert!(
        !main.contains("AdtId(1)") && !main.contains("AdtId(2)"),
        "{main}"
    );
    assert!(!main.contains("FuncId(2)"), "{main}");
}

#[test]
fn two_modules_may_both_define_a_function_with_the_same_name() {
    let mut a = module("a", 1);
    a.func_keys = keys(&[("a", 0)]);
    a.own_funcs = vec![func("helper", vec![], STR, 0, s("from a"))];
    let mut b = module("b", 2);
    b.imports = vec!["a".to_string()];
    b.func_keys = keys(&[("b", 0), ("b", 1), ("a", 0)]);
    b.own_funcs = vec![
        func("helper", vec![], STR, 0, s("from b")),
        main_func(
            0,
            block(vec![
                println(call(2, vec![], STR)),
                println(call(0, vec![], STR)),
            ]),
        ),
    ];
    b.main = Some(1);
    let prog = link_ok(vec![a, b], "b");
    assert_eq!(func_names(&prog), ["a.helper", "b.helper", "b.main"]);
    assert_eq!(prog.main, FuncId(2));
    assert_eq!(run_ok(&prog), "from a\nfrom b\n");
}

#[test]
fn globals_are_initialised_module_by_module_in_source_order() {
    let announce = |name: &str, value: TExpr| block(vec![println(s(name)), value]);
    let mut a = module("a", 1);
    a.global_keys = keys(&[("a", 0)]);
    a.own_globals = vec![global_def("ga", I64, announce("init ga", int(1)))];
    let mut b = module("b", 2);
    b.imports = vec!["a".to_string()];
    // Local ids: 0 = gb, 1 = gc, 2 = a's ga.
    b.global_keys = keys(&[("b", 0), ("b", 1), ("a", 0)]);
    b.own_globals = vec![
        global_def("gb", I64, announce("init gb", add(global(2, I64), int(1)))),
        global_def("gc", I64, announce("init gc", add(global(0, I64), int(10)))),
    ];
    b.func_keys = keys(&[("b", 0)]);
    b.own_funcs = vec![main_func(
        0,
        block(vec![
            println(global(1, I64)),
            println(global(2, I64)),
            ex(
                TExprKind::SetGlobal {
                    global: GlobalId(0),
                    value: Box::new(int(40)),
                },
                UNIT,
            ),
            println(global(0, I64)),
        ]),
    )];
    b.main = Some(0);
    let prog = link_ok(vec![a, b], "b");
    let names: Vec<&str> = prog.globals.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["ga", "gb", "gc"]);
    assert_eq!(run_ok(&prog), "init ga\ninit gb\ninit gc\n12\n1\n40\n");
}

#[test]
fn runtime_errors_name_globals_bare_and_point_into_the_module_file() {
    // Module `a`: (defglobal x (+ y 1)) (defglobal y 1): `y` is read before it is initialised.
    let mut a = module("a", 1);
    a.global_keys = keys(&[("a", 0), ("a", 1)]);
    let mut read_y = global(1, I64);
    read_y.span = at(30);
    a.own_globals = vec![
        global_def("x", I64, add(read_y, int(1))),
        global_def("y", I64, int(1)),
    ];
    let mut main = module("main", 2);
    main.func_keys = keys(&[("main", 0)]);
    main.own_funcs = vec![main_func(0, println(s("unreachable")))];
    main.main = Some(0);
    let prog = link_ok(vec![a, main], "main");
    let (res, out) = run(&prog);
    assert_eq!(out, "");
    assert_eq!(
        res,
        Err(RunError::Runtime {
            message: "global y used before initialization".to_string(),
            span: Some(Span {
                file: FileId(1),
                start: 30,
                end: 31
            }),
        })
    );
}

#[test]
fn identical_externs_are_merged() {
    let mut a = module("a", 1);
    a.extern_keys = keys(&[("a", 0)]);
    a.own_externs = vec![ext("labs", vec![I64], I64, 10)];
    a.func_keys = keys(&[("a", 0)]);
    a.own_funcs = vec![func(
        "twice-abs",
        vec![I64],
        I64,
        1,
        add(
            ecall(0, vec![local(0, I64)], I64),
            ecall(0, vec![local(0, I64)], I64),
        ),
    )];
    let mut b = module("b", 2);
    b.imports = vec!["a".to_string()];
    b.own_externs = vec![
        ext("abs", vec![I32], I32, 20),
        ext("labs", vec![I64], I64, 30),
    ];
    // Local ids: 0 = b's abs (merged 1), 1 = b's labs (merged 0: a's declaration).
    b.extern_keys = keys(&[("b", 0), ("b", 1)]);
    b.func_keys = keys(&[("b", 0), ("a", 0)]);
    b.own_funcs = vec![main_func(
        0,
        block(vec![
            println(ecall(1, vec![int(-5_000_000_000)], I64)),
            println(ecall(0, vec![ex(TExprKind::Lit(Lit::Int(-7)), I32)], I32)),
            println(call(1, vec![int(-9)], I64)),
        ]),
    )];
    b.main = Some(0);
    let prog = link_ok(vec![a, b], "b");
    let names: Vec<&str> = prog.externs.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(names, ["labs", "abs"]);
    // The first declaration is the one kept.
    assert_eq!(
        prog.externs[0].span,
        Span {
            file: FileId(1),
            start: 10,
            end: 11
        }
    );
    assert_eq!(run_ok(&prog), "5000000000\n7\n18\n");
}

#[test]
fn externs_with_different_signatures_are_an_error() {
    let mut a = module("a", 1);
    a.extern_keys = keys(&[("a", 0)]);
    a.own_externs = vec![ext("abs", vec![I32], I32, 10)];
    let mut b = module("b", 2);
    b.imports = vec!["a".to_string()];
    b.extern_keys = keys(&[("b", 0)]);
    b.own_externs = vec![ext("abs", vec![I64], I64, 30)];
    b.func_keys = keys(&[("b", 0)]);
    b.own_funcs = vec![main_func(0, block(vec![]))];
    b.main = Some(0);
    let e = link_err(vec![a, b], "b");
    assert_eq!(
        e.message,
        "extern `abs` is declared with different signatures in modules `a` and `b`"
    );
    assert_eq!(
        e.span,
        Some(Span {
            file: FileId(2),
            start: 30,
            end: 31
        })
    );
    assert_eq!(
        e.other,
        Some(Span {
            file: FileId(1),
            start: 10,
            end: 11
        })
    );
}

/// Module `b` importing `a` (which has one function), with `main` calling its local function 1.
fn module_b_calling(func_keys: Vec<ItemKey>, callee: u32) -> CheckedModule {
    let mut b = module("b", 2);
    b.imports = vec!["a".to_string()];
    b.func_keys = func_keys;
    let mut the_call = call(callee, vec![], STR);
    the_call.span = at(40);
    b.own_funcs = vec![main_func(0, println(the_call))];
    b.main = Some(0);
    b
}

fn module_a_helper() -> CheckedModule {
    let mut a = module("a", 1);
    a.func_keys = keys(&[("a", 0)]);
    a.own_funcs = vec![func("helper", vec![], STR, 0, s("hi"))];
    a
}

#[test]
fn module_b_calling_works_as_a_baseline() {
    // The fixture of the error tests below links and runs when nothing is wrong.
    let b = module_b_calling(keys(&[("b", 0), ("a", 0)]), 1);
    let prog = link_ok(vec![module_a_helper(), b], "b");
    assert_eq!(run_ok(&prog), "hi\n");
}

#[test]
fn a_key_without_a_definition_is_an_internal_error() {
    let b = module_b_calling(keys(&[("b", 0), ("a", 3)]), 1);
    let e = link_err(vec![module_a_helper(), b], "b");
    assert_eq!(
        e.message,
        "internal error: module `b` refers to function #3 of module `a`, which does not define it"
    );

    let b = module_b_calling(keys(&[("b", 0), ("zz", 0)]), 1);
    let e = link_err(vec![module_a_helper(), b], "b");
    assert_eq!(
        e.message,
        "internal error: module `b` refers to function #0 of module `zz`, which is not linked"
    );

    // A data type key of the prelude beyond its three types.
    let mut b = module_b_calling(keys(&[("b", 0), ("a", 0)]), 1);
    b.adt_keys = keys(&[(PRELUDE, 3)]);
    let e = link_err(vec![module_a_helper(), b], "b");
    assert_eq!(
        e.message,
        "internal error: module `b` refers to data type #3 of module `#prelude`, which is not linked"
    );
}

#[test]
fn an_id_without_a_key_is_an_internal_error_at_its_expression() {
    let b = module_b_calling(keys(&[("b", 0), ("a", 0)]), 5);
    let e = link_err(vec![module_a_helper(), b], "b");
    assert_eq!(
        e.message,
        "internal error: module `b` uses function id 5, which is not in its key table"
    );
    assert_eq!(
        e.span,
        Some(Span {
            file: FileId(2),
            start: 40,
            end: 41
        })
    );

    let mut b = module_b_calling(keys(&[("b", 0), ("a", 0)]), 1);
    b.own_funcs[0].ret = adt_t(0);
    let e = link_err(vec![module_a_helper(), b], "b");
    assert_eq!(
        e.message,
        "internal error: module `b` uses data type id 0, which is not in its key table"
    );
}

#[test]
fn missing_main_and_misordered_modules_are_errors() {
    let mut b = module_b_calling(keys(&[("b", 0), ("a", 0)]), 1);
    b.main = None;
    let e = link_err(vec![module_a_helper(), b], "b");
    assert_eq!(e.message, "no `main` function in module `b`");

    let b = module_b_calling(keys(&[("b", 0), ("a", 0)]), 1);
    let e = link_err(vec![module_a_helper(), b], "c");
    assert_eq!(
        e.message,
        "internal error: the main module `c` is not among the linked modules"
    );

    let b = module_b_calling(keys(&[("b", 0), ("a", 0)]), 1);
    let e = link_err(vec![b, module_a_helper()], "b");
    assert_eq!(
        e.message,
        "internal error: module `b` is linked before module `a`, which it imports"
    );

    let b = module_b_calling(keys(&[("b", 0), ("a", 0)]), 1);
    let e = link_err(vec![b], "b");
    assert_eq!(
        e.message,
        "internal error: module `b` imports module `a`, which is not linked"
    );

    let e = link_err(vec![module_a_helper(), module_a_helper()], "a");
    assert_eq!(e.message, "internal error: module `a` is linked twice");
}

#[test]
fn every_span_gets_the_module_file() {
    let mut a = module_a_point();
    a.file = FileId(7);
    a.extern_keys = keys(&[("a", 0)]);
    a.own_externs = vec![ext("labs", vec![I64], I64, 3)];
    a.global_keys = keys(&[("a", 0)]);
    let lambda = ex(
        TExprKind::Lambda(Arc::new(Lambda {
            n_params: 0,
            captures: vec![],
            n_locals: 0,
            body: int(1),
            span: at(8),
        })),
        Type::Fn(vec![], Box::new(I64)),
    );
    a.own_globals = vec![global_def("g", I64, vcall(lambda, vec![], I64))];
    a.func_keys.push(ItemKey::new("a", 2));
    a.own_funcs.push(main_func(0, println(global(0, I64))));
    a.main = Some(2);
    // `link_ok` checks that no stale file is left anywhere.
    let prog = link_ok(vec![a], "a");
    let in_a = |start: u32| Span {
        file: FileId(7),
        start,
        end: start + 1,
    };
    assert_eq!(prog.adts[3].span, in_a(0));
    assert_eq!(prog.funcs[0].span, in_a(0));
    assert_eq!(prog.funcs[0].body.span, in_a(1));
    assert_eq!(prog.externs[0].span, in_a(3));
    assert_eq!(prog.globals[0].span, in_a(0));
    let TExprKind::Call {
        callee: Callee::Value(f),
        ..
    } = &prog.globals[0].init.kind
    else {
        panic!("the initialiser is a call of a lambda");
    };
    let TExprKind::Lambda(lambda) = &f.kind else {
        panic!("the callee is a lambda");
    };
    assert_eq!(lambda.span, in_a(8));
    assert_eq!(lambda.body.span, in_a(1));
    // The prelude's data types keep their default spans.
    assert_eq!(prog.adts[0].span, Span::default());
    assert_eq!(run_ok(&prog), "1\n");
}

#[test]
fn a_lambda_shared_by_two_expressions_stays_shared() {
    let a = module_a_helper();
    let mut b = module("b", 2);
    b.imports = vec!["a".to_string()];
    b.func_keys = keys(&[("b", 0), ("a", 0)]);
    let shared = Arc::new(Lambda {
        n_params: 0,
        captures: vec![],
        n_locals: 0,
        body: call(1, vec![], STR),
        span: at(8),
    });
    let use_it = || {
        println(vcall(
            ex(
                TExprKind::Lambda(shared.clone()),
                Type::Fn(vec![], Box::new(STR)),
            ),
            vec![],
            STR,
        ))
    };
    b.own_funcs = vec![main_func(0, block(vec![use_it(), use_it()]))];
    b.main = Some(0);
    drop(shared);
    let prog = link_ok(vec![a, b], "b");
    let lambdas: Vec<Arc<Lambda>> = match &prog.funcs[1].body.kind {
        TExprKind::Block(es) => es
            .iter()
            .map(|e| match &e.kind {
                TExprKind::Call { args, .. } => match &args[0].kind {
                    TExprKind::Call {
                        callee: Callee::Value(f),
                        ..
                    } => match &f.kind {
                        TExprKind::Lambda(l) => l.clone(),
                        other => panic!("not a lambda: {other:?}"),
                    },
                    other => panic!("not a call: {other:?}"),
                },
                other => panic!("not a call: {other:?}"),
            })
            .collect(),
        other => panic!("not a block: {other:?}"),
    };
    assert!(Arc::ptr_eq(&lambdas[0], &lambdas[1]));
    assert!(matches!(
        lambdas[0].body.kind,
        TExprKind::Call {
            callee: Callee::Func(FuncId(0)),
            ..
        }
    ));
    assert_eq!(run_ok(&prog), "hi\nhi\n");
}

/// The parts of a single-file program (module `""`) whose local ids are the program's:
/// `(defstruct Point ...)` (key `("", 0)`), `(extern "C" labs ...)`, `(defglobal origin ...)`,
/// `(defn norm1 ...)`, `(defn main ...)`. Every span is in [`STALE`].
fn single_file_parts() -> (Vec<AdtDef>, Vec<Func>, Vec<Global>, Vec<ExternDecl>) {
    let point = struct_def("Point", vec![("x", I64), ("y", I64)]);
    let labs = ext("labs", vec![I64], I64, 10);
    let origin = global_def(
        "origin",
        adt_t(3),
        ex(
            TExprKind::MakeStruct {
                adt: AdtId(3),
                fields: vec![int(-3), int(4)],
            },
            adt_t(3),
        ),
    );
    let p = || local(0, adt_t(3));
    let norm1 = func(
        "norm1",
        vec![adt_t(3)],
        I64,
        1,
        add(
            ecall(0, vec![field(p(), 0, I64)], I64),
            ecall(0, vec![field(p(), 1, I64)], I64),
        ),
    );
    let main = main_func(
        0,
        block(vec![
            println(global(0, adt_t(3))),
            println(call(0, vec![global(0, adt_t(3))], I64)),
            println(ex(
                TExprKind::MakeVariant {
                    adt: OPTION,
                    variant: 0,
                    fields: vec![int(1)],
                },
                Type::Adt(OPTION, vec![I64]),
            )),
        ]),
    );
    (vec![point], vec![norm1, main], vec![origin], vec![labs])
}

#[test]
fn a_single_unnamed_module_links_to_the_same_program() {
    let (adts, funcs, globals, externs) = single_file_parts();
    // The module's file is the one its spans already have, so nothing may change.
    let mut m = module("", STALE.0);
    m.adt_keys = keys(&[(PRELUDE, 0), (PRELUDE, 1), (PRELUDE, 2), ("", 0)]);
    m.func_keys = keys(&[("", 0), ("", 1)]);
    m.global_keys = keys(&[("", 0)]);
    m.extern_keys = keys(&[("", 0)]);
    m.own_adts = adts;
    m.own_funcs = funcs;
    m.own_globals = globals;
    m.own_externs = externs;
    m.main = Some(1);
    let prog = link(vec![m], "").expect("links");

    let (adts, funcs, globals, externs) = single_file_parts();
    let mut expected = Program {
        adts: prelude_adts(),
        funcs,
        globals,
        externs,
        main: FuncId(1),
    };
    expected.adts.extend(adts);
    assert_eq!(format!("{prog:?}"), format!("{expected:?}"));
    assert_eq!(func_names(&prog), ["norm1", "main"]);
    assert_eq!(run_ok(&prog), "(Point :x -3 :y 4)\n7\n(Some 1)\n");
}
