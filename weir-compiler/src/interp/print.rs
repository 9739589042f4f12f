//! The printed form of values (language.md §10), shared by `print`, `println`, `str` and
//! `assert-eq` messages.
//!
//! Invariants: output is bytes (strings are copied verbatim, even invalid UTF-8); floats use the
//! shortest round-trip digits of their own width (an f32 is never widened); type names come from
//! `Program::adts` and are never module-qualified.

use std::io::Write;

use super::value::Value;
use crate::types::{AdtDef, AdtKind};

/// The printed form of an f64.
pub fn fmt_f64(v: f64) -> String {
    if v.is_finite() && v.fract() == 0.0 {
        format!("{v:.1}")
    } else {
        format!("{v}")
    }
}

/// The printed form of an f32 (formatted as f32, not widened).
pub fn fmt_f32(v: f32) -> String {
    if v.is_finite() && v.fract() == 0.0 {
        format!("{v:.1}")
    } else {
        format!("{v}")
    }
}

/// A pending piece of output: a value to print or literal bytes.
enum Work<'a> {
    Val(&'a Value),
    Lit(&'a [u8]),
}

/// Appends the printed form of `v` to `out`. Iterative (an explicit work stack), so arbitrarily
/// deep values — a 1,000,000-cell list — print without growing the Rust stack.
pub fn write_value(out: &mut Vec<u8>, v: &Value, adts: &[AdtDef]) {
    let mut work = vec![Work::Val(v)];
    while let Some(w) = work.pop() {
        let v = match w {
            Work::Lit(bytes) => {
                out.extend_from_slice(bytes);
                continue;
            }
            Work::Val(v) => v,
        };
        // Writing to a Vec cannot fail.
        let _ = match v {
            Value::I8(n) => write!(out, "{n}"),
            Value::I16(n) => write!(out, "{n}"),
            Value::I32(n) => write!(out, "{n}"),
            Value::I64(n) => write!(out, "{n}"),
            Value::U8(n) => write!(out, "{n}"),
            Value::U16(n) => write!(out, "{n}"),
            Value::U32(n) => write!(out, "{n}"),
            Value::U64(n) => write!(out, "{n}"),
            Value::F32(x) => {
                out.extend_from_slice(fmt_f32(*x).as_bytes());
                Ok(())
            }
            Value::F64(x) => {
                out.extend_from_slice(fmt_f64(*x).as_bytes());
                Ok(())
            }
            Value::Bool(b) => write!(out, "{b}"),
            Value::Unit => write!(out, "()"),
            Value::Str(s) => {
                out.extend_from_slice(s);
                Ok(())
            }
            Value::Ptr(p) => write!(out, "<ptr {p:#x}>"),
            Value::Vector(items) => {
                out.push(b'[');
                work.push(Work::Lit(b"]"));
                for (i, item) in items.iter().enumerate().rev() {
                    work.push(Work::Val(item));
                    if i > 0 {
                        work.push(Work::Lit(b" "));
                    }
                }
                Ok(())
            }
            Value::Enum { adt, variant } => {
                let def = &adts[*adt as usize];
                let name = &def.variants().expect("sum type")[*variant as usize].name;
                out.extend_from_slice(name.as_bytes());
                Ok(())
            }
            Value::Adt(a) => {
                let def = &adts[a.adt.0 as usize];
                out.push(b'(');
                work.push(Work::Lit(b")"));
                match &def.kind {
                    AdtKind::Struct { fields } => {
                        out.extend_from_slice(def.name.as_bytes());
                        for (info, field) in fields.iter().zip(&a.fields).rev() {
                            work.push(Work::Val(field));
                            work.push(Work::Lit(b" "));
                            work.push(Work::Lit(info.name.as_bytes()));
                            work.push(Work::Lit(b" :"));
                        }
                    }
                    AdtKind::Sum { variants } => {
                        out.extend_from_slice(variants[a.variant as usize].name.as_bytes());
                        for field in a.fields.iter().rev() {
                            work.push(Work::Val(field));
                            work.push(Work::Lit(b" "));
                        }
                    }
                }
                Ok(())
            }
            Value::Closure(_)
            | Value::FuncRef(_)
            | Value::CtorRef { .. }
            | Value::StructCtorRef(_) => {
                write!(out, "<fn>")
            }
        };
    }
}

/// The printed form of `v` as a byte string.
pub fn to_bytes(v: &Value, adts: &[AdtDef]) -> Vec<u8> {
    let mut out = Vec::new();
    write_value(&mut out, v, adts);
    out
}
