//! S-expressions: what the reader produces and the expander rewrites (language.md §2, §6.15).
//!
//! Invariants:
//! - Every [`Sexp`] carries the span of the user's text it was read from; a form synthesised by
//!   the expander carries the span of the user form it replaces.
//! - Literals are kept as written where their meaning depends on the final type: float literals keep
//!   their text (rounded once, to the final type, by the checker, §16.5); integer literals keep
//!   their exact value, which the reader has already limited to `[-2^63, 2^64-1]`.
//! - Strings hold bytes after escape processing.

use crate::span::Span;

#[derive(Clone, Debug, PartialEq)]
pub struct Sexp {
    pub kind: SexpKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SexpKind {
    /// `( ... )`
    List(Vec<Sexp>),
    /// `[ ... ]`
    Vector(Vec<Sexp>),
    /// `{ ... }`
    Brace(Vec<Sexp>),
    /// An integer literal, in `[-2^63, 2^64-1]`.
    Int(i128),
    /// A float literal, as written (`-1.5e3`).
    Float(String),
    /// A string literal's bytes after escape processing.
    Str(Vec<u8>),
    Bool(bool),
    /// `:name`, stored without the colon.
    Keyword(String),
    /// `'a`, stored without the quote.
    TypeVar(String),
    /// `.name`, stored without the dot.
    Field(String),
    /// An identifier, possibly qualified (`m.name`).
    Ident(String),
    /// A lone `:` (type annotation separator).
    Colon,
    /// `e?` — postfix `?` applied to the datum before it (§6.13, §16.12).
    Try(Box<Sexp>),
}

impl Sexp {
    pub fn new(kind: SexpKind, span: Span) -> Sexp {
        Sexp { kind, span }
    }

    pub fn as_ident(&self) -> Option<&str> {
        match &self.kind {
            SexpKind::Ident(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Sexp]> {
        match &self.kind {
            SexpKind::List(items) => Some(items),
            _ => None,
        }
    }

    /// The head identifier of a list form: `(if ...)` → `Some("if")`.
    pub fn head(&self) -> Option<&str> {
        self.as_list()
            .and_then(|items| items.first())
            .and_then(Sexp::as_ident)
    }
}

/// Identifiers that may not be defined or bound (§2), besides builtins and prelude names.
pub const RESERVED_WORDS: &[&str] = &[
    "defn",
    "deftype",
    "defstruct",
    "defglobal",
    "extern",
    "import",
    "pub",
    "declare",
    "defclass",
    "instance",
    "defmacro",
    "let",
    "if",
    "cond",
    "else",
    "when",
    "unless",
    "match",
    "fn",
    "do",
    "and",
    "or",
    "set!",
    "update",
    "ann",
    "unsafe",
    "for",
    "for-each",
    "mut",
    "ref",
    "with-arena",
    "with-tasks",
    "spawn",
    "swap!",
    "target",
    "true",
    "false",
    "->",
    "->>",
];

/// Type names that are reserved (§2); the numeric ones are also conversion functions (§9.4).
pub const RESERVED_TYPE_NAMES: &[&str] = &[
    "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "f32", "f64", "Bool", "String", "Unit",
    "Ptr", "Vector", "Fn", "Map", "MutVec", "MutMap", "Atom", "Channel",
];

/// Prelude names (§8).
pub const PRELUDE_NAMES: &[&str] = &[
    "Option", "Some", "None", "Result", "Ok", "Err", "Ordering", "LT", "EQ", "GT", "Ord", "compare",
];
