//! Semantic types (language.md §5) and the definitions of user and prelude data types.
//!
//! Invariants:
//! - [`Type::Var`] (an inference variable) exists only inside the checker. A checked
//!   [`crate::tir::Program`] contains no `Var`: every type is concrete, or a [`Type::Param`] of the
//!   generic definition it appears in.
//! - A `Param` is identified by its name (`'a` → `"a"`), which is unique within one definition.
//!   Instantiating a definition substitutes its params by name.
//! - The prelude's sum types have fixed ids: [`OPTION`], [`RESULT`], [`ORDERING`], with variant
//!   indices in declaration order (`Some`=0 `None`=1, `Ok`=0 `Err`=1, `LT`=0 `EQ`=1 `GT`=2).

use std::fmt;
use std::sync::Arc;

use crate::span::Span;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum IntTy {
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
}

impl IntTy {
    pub const ALL: [IntTy; 8] = [
        IntTy::I8,
        IntTy::I16,
        IntTy::I32,
        IntTy::I64,
        IntTy::U8,
        IntTy::U16,
        IntTy::U32,
        IntTy::U64,
    ];

    pub fn name(self) -> &'static str {
        match self {
            IntTy::I8 => "i8",
            IntTy::I16 => "i16",
            IntTy::I32 => "i32",
            IntTy::I64 => "i64",
            IntTy::U8 => "u8",
            IntTy::U16 => "u16",
            IntTy::U32 => "u32",
            IntTy::U64 => "u64",
        }
    }

    pub fn signed(self) -> bool {
        matches!(self, IntTy::I8 | IntTy::I16 | IntTy::I32 | IntTy::I64)
    }

    pub fn bits(self) -> u32 {
        match self {
            IntTy::I8 | IntTy::U8 => 8,
            IntTy::I16 | IntTy::U16 => 16,
            IntTy::I32 | IntTy::U32 => 32,
            IntTy::I64 | IntTy::U64 => 64,
        }
    }

    /// Smallest and largest value of the type.
    pub fn range(self) -> (i128, i128) {
        let bits = self.bits();
        if self.signed() {
            (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
        } else {
            (0, (1i128 << bits) - 1)
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum FloatTy {
    F32,
    F64,
}

impl FloatTy {
    pub fn name(self) -> &'static str {
        match self {
            FloatTy::F32 => "f32",
            FloatTy::F64 => "f64",
        }
    }
}

/// Index into [`crate::tir::Program::adts`] (or the checker's table of data types).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AdtId(pub u32);

/// The prelude's data types, `Option`, `Result` and `Ordering`, at ids [`OPTION`], [`RESULT`],
/// [`ORDERING`].
pub fn prelude_adts() -> Vec<AdtDef> {
    let mut adts = Vec::new();
    let a: Arc<str> = Arc::from("a");
    let ok: Arc<str> = Arc::from("ok");
    let err: Arc<str> = Arc::from("err");
    let sum = |name: &str, tparams: Vec<Arc<str>>, variants: Vec<(&str, Vec<Type>)>| AdtDef {
        name: name.to_string(),
        tparams,
        kind: AdtKind::Sum {
            variants: variants
                .into_iter()
                .map(|(n, f)| VariantInfo {
                    name: n.to_string(),
                    fields: f,
                })
                .collect(),
        },
        public: true,
        span: Span::default(),
    };
    adts.push(sum(
        "Option",
        vec![a.clone()],
        vec![("Some", vec![Type::Param(a)]), ("None", vec![])],
    ));
    adts.push(sum(
        "Result",
        vec![ok.clone(), err.clone()],
        vec![
            ("Ok", vec![Type::Param(ok)]),
            ("Err", vec![Type::Param(err)]),
        ],
    ));
    adts.push(sum(
        "Ordering",
        vec![],
        vec![("LT", vec![]), ("EQ", vec![]), ("GT", vec![])],
    ));
    adts
}

pub const OPTION: AdtId = AdtId(0);
pub const RESULT: AdtId = AdtId(1);
pub const ORDERING: AdtId = AdtId(2);

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Type {
    Int(IntTy),
    Float(FloatTy),
    Bool,
    Str,
    Unit,
    Ptr,
    Vector(Box<Type>),
    Fn(Vec<Type>, Box<Type>),
    /// A struct or sum type applied to its type arguments.
    Adt(AdtId, Vec<Type>),
    /// A rigid type parameter (`'a`) of the enclosing generic definition, by name.
    Param(Arc<str>),
    /// An inference variable (checker only).
    Var(u32),
}

impl Type {
    pub fn is_int(&self) -> bool {
        matches!(self, Type::Int(_))
    }

    pub fn is_float(&self) -> bool {
        matches!(self, Type::Float(_))
    }

    pub fn is_numeric(&self) -> bool {
        matches!(self, Type::Int(_) | Type::Float(_))
    }

    /// numeric + String (§5.3 operand classes).
    pub fn is_ordered(&self) -> bool {
        self.is_numeric() || matches!(self, Type::Str)
    }

    /// numeric + Bool, String, Unit.
    pub fn is_equatable(&self) -> bool {
        self.is_numeric() || matches!(self, Type::Bool | Type::Str | Type::Unit)
    }

    /// Substitutes params by name.
    pub fn subst(&self, map: &[(Arc<str>, Type)]) -> Type {
        match self {
            Type::Param(name) => map
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, t)| t.clone())
                .unwrap_or_else(|| self.clone()),
            Type::Vector(t) => Type::Vector(Box::new(t.subst(map))),
            Type::Fn(ps, r) => Type::Fn(
                ps.iter().map(|p| p.subst(map)).collect(),
                Box::new(r.subst(map)),
            ),
            Type::Adt(id, args) => Type::Adt(*id, args.iter().map(|a| a.subst(map)).collect()),
            _ => self.clone(),
        }
    }
}

/// A struct or sum type definition (user or prelude).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AdtDef {
    pub name: String,
    pub tparams: Vec<Arc<str>>,
    pub kind: AdtKind,
    pub public: bool,
    /// The defining form; prelude types have a default (file 0, empty) span.
    pub span: Span,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum AdtKind {
    Struct { fields: Vec<FieldInfo> },
    Sum { variants: Vec<VariantInfo> },
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FieldInfo {
    pub name: String,
    pub ty: Type,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VariantInfo {
    pub name: String,
    pub fields: Vec<Type>,
}

impl AdtDef {
    pub fn struct_fields(&self) -> Option<&[FieldInfo]> {
        match &self.kind {
            AdtKind::Struct { fields } => Some(fields),
            AdtKind::Sum { .. } => None,
        }
    }

    pub fn variants(&self) -> Option<&[VariantInfo]> {
        match &self.kind {
            AdtKind::Sum { variants } => Some(variants),
            AdtKind::Struct { .. } => None,
        }
    }
}

/// Displays a type in Weir syntax given the data-type table (for names of ADTs).
pub struct TypeDisplay<'a> {
    pub ty: &'a Type,
    pub adts: &'a [AdtDef],
}

impl fmt::Display for TypeDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |t: &Type| {
            TypeDisplay {
                ty: t,
                adts: self.adts,
            }
            .to_string()
        };
        match self.ty {
            Type::Int(i) => f.write_str(i.name()),
            Type::Float(x) => f.write_str(x.name()),
            Type::Bool => f.write_str("Bool"),
            Type::Str => f.write_str("String"),
            Type::Unit => f.write_str("Unit"),
            Type::Ptr => f.write_str("Ptr"),
            Type::Vector(t) => write!(f, "(Vector {})", show(t)),
            Type::Fn(ps, r) => {
                let ps: Vec<String> = ps.iter().map(show).collect();
                write!(f, "(Fn [{}] {})", ps.join(" "), show(r))
            }
            Type::Adt(id, args) => {
                let name = self
                    .adts
                    .get(id.0 as usize)
                    .map(|a| a.name.as_str())
                    .unwrap_or("?");
                if args.is_empty() {
                    f.write_str(name)
                } else {
                    let args: Vec<String> = args.iter().map(show).collect();
                    write!(f, "({} {})", name, args.join(" "))
                }
            }
            Type::Param(n) => write!(f, "'{n}"),
            Type::Var(_) => f.write_str("_"),
        }
    }
}
