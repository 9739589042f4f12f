//! Run-time values of the interpreter.
//!
//! Invariants:
//! - `Value` is 16 bytes and cloning it is at most a reference-count increment.
//! - Values are immutable as far as the program can observe (§5.5). Shared payloads (`Rc`) may be
//!   mutated in place only when uniquely owned (`Rc::make_mut`).
//! - A sum-type value without fields is [`Value::Enum`] (no allocation); one with fields, and every
//!   struct value (even with zero fields), is [`Value::Adt`].

use std::rc::Rc;

use crate::tir::{FuncId, Lambda};
use crate::types::AdtId;

/// `repr(u64)` puts every payload at offset 8, so values move as two aligned words.
#[derive(Clone, Debug)]
#[repr(u64)]
pub enum Value {
    I8(i8),
    I16(i16),
    I32(i32),
    I64(i64),
    U8(u8),
    U16(u16),
    U32(u32),
    U64(u64),
    F32(f32),
    F64(f64),
    Bool(bool),
    Unit,
    Str(Rc<Vec<u8>>),
    Ptr(usize),
    Vector(Rc<Vec<Value>>),
    /// A nullary constructor of a sum type.
    Enum {
        adt: u32,
        variant: u32,
    },
    /// A struct (`variant` 0) or a constructor with fields.
    Adt(Rc<AdtVal>),
    Closure(Rc<Closure>),
    FuncRef(FuncId),
    CtorRef {
        adt: u32,
        variant: u32,
    },
    StructCtorRef(AdtId),
}

#[derive(Clone, Debug)]
pub struct AdtVal {
    pub adt: AdtId,
    pub variant: u32,
    pub fields: Vec<Value>,
}

/// Dropping a long chain of constructors (a list of a million `Cons` cells) must not recurse once
/// per cell: uniquely owned nested data values are unlinked into a work list first.
impl Drop for AdtVal {
    fn drop(&mut self) {
        let unique = |v: &Value| matches!(v, Value::Adt(rc) if Rc::strong_count(rc) == 1);
        if !self.fields.iter().any(unique) {
            return;
        }
        let mut work = std::mem::take(&mut self.fields);
        while let Some(v) = work.pop() {
            if let Value::Adt(rc) = v {
                if let Ok(mut inner) = Rc::try_unwrap(rc) {
                    work.append(&mut inner.fields);
                }
            }
        }
    }
}

#[derive(Debug)]
pub struct Closure {
    pub lambda: std::sync::Arc<Lambda>,
    pub captured: Box<[Value]>,
}

const _: () = assert!(std::mem::size_of::<Value>() == 16);

impl Value {
    pub fn str(bytes: Vec<u8>) -> Value {
        Value::Str(Rc::new(bytes))
    }

    /// The variant index of a sum-type value (0 for structs).
    pub fn variant(&self) -> u32 {
        match self {
            Value::Enum { variant, .. } => *variant,
            Value::Adt(a) => a.variant,
            _ => unreachable!("internal error: not a data value: {self:?}"),
        }
    }

    /// Fields of a struct or constructor value (empty for nullary constructors).
    pub fn fields(&self) -> &[Value] {
        match self {
            Value::Enum { .. } => &[],
            Value::Adt(a) => &a.fields,
            _ => unreachable!("internal error: not a data value: {self:?}"),
        }
    }

    pub fn as_bool(&self) -> bool {
        match self {
            Value::Bool(b) => *b,
            _ => unreachable!("internal error: not a Bool: {self:?}"),
        }
    }

    pub fn as_i64(&self) -> i64 {
        match self {
            Value::I64(n) => *n,
            _ => unreachable!("internal error: not an i64: {self:?}"),
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Value::Str(s) => s,
            _ => unreachable!("internal error: not a String: {self:?}"),
        }
    }

    /// Any integer as i128 (exact).
    pub fn int_i128(&self) -> Option<i128> {
        Some(match *self {
            Value::I8(n) => n as i128,
            Value::I16(n) => n as i128,
            Value::I32(n) => n as i128,
            Value::I64(n) => n as i128,
            Value::U8(n) => n as i128,
            Value::U16(n) => n as i128,
            Value::U32(n) => n as i128,
            Value::U64(n) => n as i128,
            _ => return None,
        })
    }
}

/// `=` (§9.2) on equatable values: ints by value, floats IEEE, strings byte-wise, Unit equal.
pub fn values_eq(a: &Value, b: &Value) -> bool {
    use Value::*;
    match (a, b) {
        (I8(x), I8(y)) => x == y,
        (I16(x), I16(y)) => x == y,
        (I32(x), I32(y)) => x == y,
        (I64(x), I64(y)) => x == y,
        (U8(x), U8(y)) => x == y,
        (U16(x), U16(y)) => x == y,
        (U32(x), U32(y)) => x == y,
        (U64(x), U64(y)) => x == y,
        (F32(x), F32(y)) => x == y,
        (F64(x), F64(y)) => x == y,
        (Bool(x), Bool(y)) => x == y,
        (Unit, Unit) => true,
        (Str(x), Str(y)) => x == y,
        _ => unreachable!("internal error: = on {a:?} and {b:?}"),
    }
}

/// Partial order of ordered values (§9.2); `None` when a float is NaN.
pub fn values_cmp(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    use Value::*;
    match (a, b) {
        (I8(x), I8(y)) => Some(x.cmp(y)),
        (I16(x), I16(y)) => Some(x.cmp(y)),
        (I32(x), I32(y)) => Some(x.cmp(y)),
        (I64(x), I64(y)) => Some(x.cmp(y)),
        (U8(x), U8(y)) => Some(x.cmp(y)),
        (U16(x), U16(y)) => Some(x.cmp(y)),
        (U32(x), U32(y)) => Some(x.cmp(y)),
        (U64(x), U64(y)) => Some(x.cmp(y)),
        (F32(x), F32(y)) => x.partial_cmp(y),
        (F64(x), F64(y)) => x.partial_cmp(y),
        (Str(x), Str(y)) => Some(x.as_slice().cmp(y.as_slice())),
        _ => unreachable!("internal error: comparison of {a:?} and {b:?}"),
    }
}
