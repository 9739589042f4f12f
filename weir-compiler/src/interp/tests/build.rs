//! Short constructors for hand-built typed IR (the checker's output) used by the interpreter
//! tests.

use std::sync::Arc;

use crate::span::Span;
use crate::tir::*;
use crate::types::*;

pub fn sp() -> Span {
    Span::default()
}

pub fn at(start: usize) -> Span {
    Span::new(crate::span::FileId(0), start, start + 1)
}

pub fn ex(kind: TExprKind, ty: Type) -> TExpr {
    TExpr {
        kind,
        ty,
        span: sp(),
    }
}

pub fn with_span(mut e: TExpr, span: Span) -> TExpr {
    e.span = span;
    e
}

pub const I64: Type = Type::Int(IntTy::I64);
pub const I32: Type = Type::Int(IntTy::I32);
pub const F64: Type = Type::Float(FloatTy::F64);
pub const F32: Type = Type::Float(FloatTy::F32);
pub const BOOL: Type = Type::Bool;
pub const STR: Type = Type::Str;
pub const UNIT: Type = Type::Unit;

pub fn int_t(it: IntTy) -> Type {
    Type::Int(it)
}

pub fn vec_t(t: Type) -> Type {
    Type::Vector(Box::new(t))
}

pub fn fn_t(params: Vec<Type>, ret: Type) -> Type {
    Type::Fn(params, Box::new(ret))
}

pub fn int(n: i128, it: IntTy) -> TExpr {
    ex(TExprKind::Lit(Lit::Int(n)), Type::Int(it))
}

pub fn i64(n: i128) -> TExpr {
    int(n, IntTy::I64)
}

pub fn i32(n: i128) -> TExpr {
    int(n, IntTy::I32)
}

pub fn f64(x: f64) -> TExpr {
    ex(TExprKind::Lit(Lit::Float(x)), F64)
}

pub fn f32(x: f64) -> TExpr {
    ex(TExprKind::Lit(Lit::Float(x as f32 as f64)), F32)
}

pub fn s(text: &str) -> TExpr {
    ex(TExprKind::Lit(Lit::Str(Arc::from(text.as_bytes()))), STR)
}

pub fn b(v: bool) -> TExpr {
    ex(TExprKind::Lit(Lit::Bool(v)), BOOL)
}

pub fn unit() -> TExpr {
    ex(TExprKind::Lit(Lit::Unit), UNIT)
}

pub fn local(id: u32, ty: Type) -> TExpr {
    ex(TExprKind::Local(LocalId(id)), ty)
}

pub fn global(id: u32, ty: Type) -> TExpr {
    ex(TExprKind::Global(GlobalId(id)), ty)
}

/// A builtin call; the result type is given.
pub fn bi(builtin: Builtin, args: Vec<TExpr>, ty: Type) -> TExpr {
    ex(
        TExprKind::Call {
            callee: Callee::Builtin(builtin),
            args,
            tail: false,
        },
        ty,
    )
}

/// A builtin call whose result type is its first operand's.
pub fn op(builtin: Builtin, args: Vec<TExpr>) -> TExpr {
    let ty = args[0].ty.clone();
    bi(builtin, args, ty)
}

pub fn cmp(builtin: Builtin, x: TExpr, y: TExpr) -> TExpr {
    bi(builtin, vec![x, y], BOOL)
}

pub fn call(f: u32, args: Vec<TExpr>, ty: Type) -> TExpr {
    ex(
        TExprKind::Call {
            callee: Callee::Func(FuncId(f)),
            args,
            tail: false,
        },
        ty,
    )
}

pub fn tcall(f: u32, args: Vec<TExpr>, ty: Type) -> TExpr {
    ex(
        TExprKind::Call {
            callee: Callee::Func(FuncId(f)),
            args,
            tail: true,
        },
        ty,
    )
}

pub fn ecall(x: u32, args: Vec<TExpr>, ty: Type) -> TExpr {
    ex(
        TExprKind::Call {
            callee: Callee::Extern(ExternId(x)),
            args,
            tail: false,
        },
        ty,
    )
}

pub fn vcall(f: TExpr, args: Vec<TExpr>, ty: Type) -> TExpr {
    ex(
        TExprKind::Call {
            callee: Callee::Value(Box::new(f)),
            args,
            tail: false,
        },
        ty,
    )
}

pub fn if_(c: TExpr, t: TExpr, e: TExpr) -> TExpr {
    let ty = t.ty.clone();
    ex(
        TExprKind::If {
            cond: Box::new(c),
            then: Box::new(t),
            els: Box::new(e),
        },
        ty,
    )
}

pub fn block(es: Vec<TExpr>) -> TExpr {
    let ty = es.last().map_or(UNIT, |e| e.ty.clone());
    ex(TExprKind::Block(es), ty)
}

/// `(let ((slot init) ...) body)` with simple bindings.
pub fn let_(bindings: Vec<(u32, TExpr)>, body: TExpr) -> TExpr {
    let ty = body.ty.clone();
    ex(
        TExprKind::Let {
            bindings: bindings
                .into_iter()
                .map(|(id, e)| (TPattern::Bind(LocalId(id)), e))
                .collect(),
            body: Box::new(body),
        },
        ty,
    )
}

pub fn set(id: u32, e: TExpr) -> TExpr {
    ex(
        TExprKind::SetLocal {
            local: LocalId(id),
            value: Box::new(e),
        },
        UNIT,
    )
}

pub fn println(e: TExpr) -> TExpr {
    bi(Builtin::Println, vec![e], UNIT)
}

pub fn vector(items: Vec<TExpr>, elem: Type) -> TExpr {
    ex(TExprKind::MakeVector(items), vec_t(elem))
}

pub fn variant(adt: AdtId, variant: u32, fields: Vec<TExpr>, ty: Type) -> TExpr {
    ex(
        TExprKind::MakeVariant {
            adt,
            variant,
            fields,
        },
        ty,
    )
}

pub fn some(e: TExpr) -> TExpr {
    let ty = Type::Adt(OPTION, vec![e.ty.clone()]);
    variant(OPTION, 0, vec![e], ty)
}

pub fn none(t: Type) -> TExpr {
    variant(OPTION, 1, vec![], Type::Adt(OPTION, vec![t]))
}

pub fn result_t(ok: Type, err: Type) -> Type {
    Type::Adt(RESULT, vec![ok, err])
}

pub fn ok(e: TExpr, err: Type) -> TExpr {
    let ty = result_t(e.ty.clone(), err);
    variant(RESULT, 0, vec![e], ty)
}

pub fn err(e: TExpr, ok: Type) -> TExpr {
    let ty = result_t(ok, e.ty.clone());
    variant(RESULT, 1, vec![e], ty)
}

pub fn lambda(n_params: u32, captures: Vec<u32>, n_locals: u32, body: TExpr, ty: Type) -> TExpr {
    ex(
        TExprKind::Lambda(Arc::new(Lambda {
            n_params,
            captures: captures.into_iter().map(LocalId).collect(),
            n_locals,
            body,
            span: sp(),
        })),
        ty,
    )
}

pub fn func(name: &str, params: Vec<Type>, ret: Type, n_locals: u32, body: TExpr) -> Func {
    Func {
        name: name.to_string(),
        tparams: vec![],
        params,
        ret,
        n_locals,
        body,
        span: sp(),
    }
}

pub use crate::types::prelude_adts;

pub fn struct_def(name: &str, fields: Vec<(&str, Type)>) -> AdtDef {
    AdtDef {
        name: name.to_string(),
        tparams: vec![],
        kind: AdtKind::Struct {
            fields: fields
                .into_iter()
                .map(|(n, ty)| FieldInfo {
                    name: n.to_string(),
                    ty,
                })
                .collect(),
        },
        public: true,
        span: sp(),
    }
}

/// A program whose `main` (the last function) has the given body.
pub fn program(mut funcs: Vec<Func>, main_locals: u32, main_body: TExpr) -> Program {
    funcs.push(func("main", vec![], UNIT, main_locals, main_body));
    Program {
        adts: prelude_adts(),
        main: FuncId(funcs.len() as u32 - 1),
        funcs,
        globals: vec![],
        externs: vec![],
    }
}

/// A program that only runs `main_body` (with `n_locals` slots).
pub fn main_only(n_locals: u32, main_body: TExpr) -> Program {
    program(vec![], n_locals, main_body)
}
