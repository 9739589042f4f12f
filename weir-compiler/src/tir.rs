//! The typed, resolved intermediate representation: what the checker produces and what the
//! interpreter (and, later, Cranelift codegen) consume.
//!
//! Invariants (established by the checker; a consumer may rely on them and treat a violation as an
//! internal error):
//! - Every [`TExpr`] has a fully resolved [`Type`] (no `Type::Var`). Generic functions keep
//!   `Type::Param`s; everything else is concrete.
//! - Names are resolved: locals are frame slots ([`LocalId`]), top-level items are ids into the
//!   [`Program`] tables. There are no named arguments: labelled calls were reordered into
//!   declaration order (with `Let` temporaries where needed to keep the written evaluation order).
//! - Sugar is gone: `when`/`unless` are `If`s, `ann` is erased, `unsafe` is a `Block`, a field
//!   `set!` is a `SetLocal`/`SetGlobal` of nested `Update`s, a keyword is a string literal, destructured
//!   parameters are a `Let` at the start of the body, a missing `else` is a Unit literal.
//! - `Call::tail` is true exactly for calls of top-level functions (`Callee::Func`) in tail position
//!   (§7, §16.8). Such calls must not consume stack on any execution path.
//! - `match` is exhaustive, every pattern's type equals its scrutinee's type, and each pattern binds
//!   a name at most once.
//! - Frames: a function's (or lambda's, or global initialiser's) locals are slots `0..n_locals`;
//!   parameters are slots `0..n_params`; a lambda's captured values come next, in the order of
//!   [`Lambda::captures`]; every other binding (let, pattern, loop variable, temporary) has its own slot.

use std::sync::Arc;

use crate::span::Span;
use crate::types::{AdtDef, AdtId, FloatTy, IntTy, Type};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LocalId(pub u32);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FuncId(pub u32);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct GlobalId(pub u32);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ExternId(pub u32);

/// A whole checked program (single file today; merged modules with the package system).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Program {
    /// Data types; the first three are the prelude's (`types::OPTION`, `RESULT`, `ORDERING`).
    pub adts: Vec<AdtDef>,
    pub funcs: Vec<Func>,
    /// Globals in initialisation order (§4.5, §16.2).
    pub globals: Vec<Global>,
    pub externs: Vec<ExternDecl>,
    pub main: FuncId,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Func {
    /// Source name (unique per module; mangled per module once programs are merged).
    pub name: String,
    /// Type parameter names of a generic function (empty otherwise).
    pub tparams: Vec<Arc<str>>,
    pub params: Vec<Type>,
    pub ret: Type,
    pub n_locals: u32,
    pub body: TExpr,
    pub span: Span,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Global {
    pub name: String,
    pub ty: Type,
    pub mutable: bool,
    /// The initialiser runs in a frame of its own with `n_locals` slots.
    pub init: TExpr,
    pub n_locals: u32,
    pub span: Span,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ExternDecl {
    /// The C symbol.
    pub name: String,
    pub params: Vec<Type>,
    /// `Type::Unit` for `void`.
    pub ret: Type,
    pub span: Span,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TExpr {
    pub kind: TExprKind,
    pub ty: Type,
    pub span: Span,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Lit {
    /// An integer of the expression's integer type; the value fits that type.
    Int(i128),
    /// A float of the expression's float type (an f32 literal is already rounded to f32).
    Float(f64),
    Str(Arc<[u8]>),
    Bool(bool),
    Unit,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum TExprKind {
    Lit(Lit),
    Local(LocalId),
    Global(GlobalId),
    /// A top-level function used as a value.
    FuncRef(FuncId),
    /// A sum-type constructor with fields, used as a function value (`(vmap Some xs)`).
    CtorRef {
        adt: AdtId,
        variant: u32,
    },
    /// A struct constructor used as a function value.
    StructCtorRef(AdtId),
    Call {
        callee: Callee,
        args: Vec<TExpr>,
        tail: bool,
    },
    /// Construct a struct; fields in declaration order.
    MakeStruct {
        adt: AdtId,
        fields: Vec<TExpr>,
    },
    /// Construct a sum-type value; payload in declaration order (empty for nullary constructors).
    MakeVariant {
        adt: AdtId,
        variant: u32,
        fields: Vec<TExpr>,
    },
    MakeVector(Vec<TExpr>),
    /// Field `index` (declaration order) of a struct value.
    GetField {
        expr: Box<TExpr>,
        index: u32,
    },
    /// A copy of struct `expr` with fields replaced; `expr` first, then the values in order.
    Update {
        expr: Box<TExpr>,
        fields: Vec<(u32, TExpr)>,
    },
    /// Bindings in order (each pattern irrefutable), then `body`.
    Let {
        bindings: Vec<(TPattern, TExpr)>,
        body: Box<TExpr>,
    },
    /// Evaluate in order; the value is the last one's (Unit when empty).
    Block(Vec<TExpr>),
    SetLocal {
        local: LocalId,
        value: Box<TExpr>,
    },
    SetGlobal {
        global: GlobalId,
        value: Box<TExpr>,
    },
    If {
        cond: Box<TExpr>,
        then: Box<TExpr>,
        els: Box<TExpr>,
    },
    /// Short-circuit, left to right; `And([])` is true, `Or([])` false.
    And(Vec<TExpr>),
    Or(Vec<TExpr>),
    Match {
        scrutinee: Box<TExpr>,
        arms: Vec<TArm>,
    },
    Lambda(Arc<Lambda>),
    /// `(for (var init cond) body)`: var := init; while cond { body; var := var + 1 (wrapping) }.
    For {
        var: LocalId,
        init: Box<TExpr>,
        cond: Box<TExpr>,
        body: Box<TExpr>,
    },
    /// `(for-each (var seq) body)`: seq evaluated once; var bound to each element.
    ForEach {
        var: LocalId,
        seq: Box<TExpr>,
        body: Box<TExpr>,
    },
    /// `e?`: `Ok v` → v; `Err x` → the innermost function (defn or lambda) returns the `Err x` value.
    Try(Box<TExpr>),
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Callee {
    Func(FuncId),
    Extern(ExternId),
    Builtin(Builtin),
    /// A function value (closure, function reference, constructor reference).
    Value(Box<TExpr>),
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TArm {
    pub pat: TPattern,
    pub body: TExpr,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum TPattern {
    Wildcard,
    Bind(LocalId),
    /// Equal to the literal (`=` semantics), of the scrutinee's type.
    Lit(Lit),
    Variant {
        adt: AdtId,
        variant: u32,
        fields: Vec<TPattern>,
    },
    /// Struct fields by declaration index; unlisted fields match anything.
    Struct {
        adt: AdtId,
        fields: Vec<(u32, TPattern)>,
    },
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Lambda {
    pub n_params: u32,
    /// Slots of the enclosing frame whose values are copied, at creation, into this frame's slots
    /// `n_params..n_params + captures.len()`.
    pub captures: Vec<LocalId>,
    pub n_locals: u32,
    pub body: TExpr,
    pub span: Span,
}

/// Builtin functions (§9). Operand types are the argument expressions' types; the checker has
/// verified the operand classes (§5.3) and arities.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Builtin {
    /// n ≥ 1 operands, left fold (`(+)`/`(*)` become literals).
    Add,
    /// n ≥ 2 operands, left fold (`(- a)` is `Neg`).
    Sub,
    Mul,
    /// n ≥ 2 operands, left fold.
    Div,
    Mod,
    Neg,
    Abs,
    Min,
    Max,
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    Not,
    Sqrt,
    Floor,
    Ceil,
    Round,
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Exp,
    Log,
    Pow,
    Atan2,
    /// Numeric conversion to an integer type (§9.4).
    ToInt(IntTy),
    /// Numeric conversion to a float type.
    ToFloat(FloatTy),
    /// `len` of a vector.
    VecLen,
    /// `len` / `string-length` of a string.
    StrLen,
    Nth,
    Append,
    SetNth,
    /// Concatenation of the printed forms of any number of arguments.
    Str,
    Substring,
    StringRef,
    StringContains,
    StringUpcase,
    StringDowncase,
    StringTrim,
    CharToString,
    /// 0 or 1 argument.
    Println,
    Print,
    Random,
    RandomInt,
    RandomSeed,
    ReadFile,
    WriteFile,
    TimeMs,
    Sleep,
    /// 1 or 2 arguments.
    Assert,
    AssertEq,
    Args,
    Exit,
}
