//! `extern "C"` calls through libffi and link errors.

use super::build::*;
use super::*;

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
