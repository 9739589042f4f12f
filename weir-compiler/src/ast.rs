//! The untyped AST: what the parser builds from expanded S-expressions (language.md §3).
//!
//! Invariants:
//! - Every node has the span of the user's text it came from.
//! - Sugar is gone before this tree exists: `->`/`->>` and `cond` were rewritten by the expander
//!   (`expand.rs`), so there is no threading or `cond` node. `when`/`unless` stay as [`ExprKind::When`]
//!   because their tail-position rule depends on the body's type (§7), which only the checker knows;
//!   named arguments stay as labelled [`Arg`]s because resolving them needs the callee's signature.
//! - A form that failed to parse becomes [`ExprKind::Error`] / is dropped, after a diagnostic was
//!   reported; later passes treat `Error` as "already reported" and stay quiet about it.

use crate::span::Span;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Name {
    pub text: String,
    pub span: Span,
}

#[derive(Clone, Debug, Default)]
pub struct Module {
    pub items: Vec<Item>,
}

#[derive(Clone, Debug)]
pub enum Item {
    Defn(Defn),
    Struct(StructDef),
    Type(TypeDef),
    Global(GlobalDef),
    Extern(ExternBlock),
    Import(Import),
}

#[derive(Clone, Debug)]
pub struct Defn {
    pub public: bool,
    pub name: Name,
    pub params: Vec<Param>,
    pub ret: Option<TypeExpr>,
    pub doc: Option<String>,
    pub body: Vec<Expr>,
    /// The whole `(defn ...)` form.
    pub span: Span,
}

/// A `defn` or `fn` parameter. `defn` parameters always have `ty`; `fn` parameters may omit it.
#[derive(Clone, Debug)]
pub struct Param {
    pub pat: ParamPat,
    pub mutable: bool,
    pub ty: Option<TypeExpr>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum ParamPat {
    Name(Name),
    /// `({:x :y} : Vec2)` — an irrefutable struct pattern (always a [`PatKind::Struct`]).
    Destructure(Pattern),
}

#[derive(Clone, Debug)]
pub struct StructDef {
    pub public: bool,
    pub name: Name,
    pub tparams: Vec<Name>,
    pub fields: Vec<FieldDef>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct FieldDef {
    pub name: Name,
    pub ty: TypeExpr,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct TypeDef {
    pub public: bool,
    pub name: Name,
    pub tparams: Vec<Name>,
    pub variants: Vec<Variant>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Variant {
    pub name: Name,
    pub fields: Vec<TypeExpr>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct GlobalDef {
    pub public: bool,
    pub mutable: bool,
    pub name: Name,
    pub ty: Option<TypeExpr>,
    pub init: Expr,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct ExternBlock {
    pub fns: Vec<ExternFn>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct ExternFn {
    pub public: bool,
    pub name: Name,
    pub params: Vec<(Name, TypeExpr)>,
    /// `None` means Unit.
    pub ret: Option<TypeExpr>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Import {
    /// The module path as written (`foo.bar`).
    pub module: Name,
    pub kind: ImportKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum ImportKind {
    Names(Vec<Name>),
    Alias(Name),
    All,
}

#[derive(Clone, Debug)]
pub struct TypeExpr {
    pub kind: TypeExprKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum TypeExprKind {
    /// `i64`, `Vec2`, `(Option i64)`, `m.Shape` — a named type applied to arguments.
    Named { name: Name, args: Vec<TypeExpr> },
    /// `'a` (name without the quote).
    Var(Name),
    /// `(Fn [A B] R)`
    Fn {
        params: Vec<TypeExpr>,
        ret: Box<TypeExpr>,
    },
    /// A type that failed to parse (already reported).
    Error,
}

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    /// Integer literal, value in `[-2^63, 2^64-1]`.
    Int(i128),
    /// Float literal as written.
    Float(String),
    Str(Vec<u8>),
    Bool(bool),
    /// A keyword in value position: the string `:name` (text stored without the colon).
    Keyword(String),
    /// An identifier, possibly qualified (`m.name`).
    Var(Name),
    /// `[e ...]`
    Vector(Vec<Expr>),
    Let {
        bindings: Vec<Binding>,
        body: Vec<Expr>,
    },
    Set {
        place: Place,
        value: Box<Expr>,
    },
    /// `(update e :f v ...)`
    Update {
        target: Box<Expr>,
        fields: Vec<(Name, Expr)>,
    },
    /// `(if c then [else])`
    If {
        cond: Box<Expr>,
        then: Box<Expr>,
        els: Option<Box<Expr>>,
    },
    /// `(when c body*)`, or `(unless c body*)` when `negate`.
    When {
        cond: Box<Expr>,
        negate: bool,
        body: Vec<Expr>,
    },
    Do(Vec<Expr>),
    Match {
        scrutinee: Box<Expr>,
        arms: Vec<Arm>,
    },
    Fn(Lambda),
    /// `(ann T e)`
    Ann {
        ty: TypeExpr,
        expr: Box<Expr>,
    },
    Unsafe(Vec<Expr>),
    /// `(for (var init cond) body*)`
    For {
        var: Name,
        init: Box<Expr>,
        cond: Box<Expr>,
        body: Vec<Expr>,
    },
    /// `(for-each (var seq) body*)`
    ForEach {
        var: Name,
        seq: Box<Expr>,
        body: Vec<Expr>,
    },
    And(Vec<Expr>),
    Or(Vec<Expr>),
    /// `(f a :label b)` — also struct construction and builtin calls; resolved by the checker.
    Call {
        callee: Box<Expr>,
        args: Vec<Arg>,
    },
    /// `(.field e)`
    FieldAccess {
        field: Name,
        expr: Box<Expr>,
    },
    /// `e?`
    Try(Box<Expr>),
    /// A form that failed to parse (already reported).
    Error,
}

#[derive(Clone, Debug)]
pub struct Arg {
    pub label: Option<Name>,
    pub expr: Expr,
}

#[derive(Clone, Debug)]
pub struct Binding {
    pub pat: BindPat,
    pub ty: Option<TypeExpr>,
    pub value: Expr,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum BindPat {
    Name {
        name: Name,
        mutable: bool,
    },
    /// An irrefutable struct pattern (always a [`PatKind::Struct`]).
    Destructure(Pattern),
}

#[derive(Clone, Debug)]
pub enum Place {
    Var(Name),
    /// `(.field inner)`; `span` covers the whole place.
    Field {
        field: Name,
        inner: Box<Place>,
        span: Span,
    },
}

#[derive(Clone, Debug)]
pub struct Arm {
    pub pat: Pattern,
    pub body: Vec<Expr>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Lambda {
    pub params: Vec<Param>,
    pub ret: Option<TypeExpr>,
    pub body: Vec<Expr>,
}

#[derive(Clone, Debug)]
pub struct Pattern {
    pub kind: PatKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum PatKind {
    Wildcard,
    /// A variable (identifier not starting with `A`–`Z`).
    Bind(Name),
    /// A constructor: `None` (written bare, `args` empty) or `(Some p)`. The name may be qualified.
    Ctor {
        name: Name,
        args: Vec<Pattern>,
    },
    /// `{:f1 :f2 p2 ...}` — `None` means the shorthand `:f` (binds `f`).
    Struct {
        fields: Vec<(Name, Option<Pattern>)>,
    },
    Int(i128),
    Float(String),
    Str(Vec<u8>),
    Bool(bool),
    /// A pattern that failed to parse (already reported).
    Error,
}
