//! The printed form of values (language.md §10), driven by [`TypeDesc`]s: `print`, `println`,
//! `str` and `assert-eq` messages.
//!
//! Invariants: output is bytes (strings verbatim, even invalid UTF-8 or NUL); floats use the
//! shortest round-trip digits of their own width (an f32 is never widened); type and variant
//! names come from the descriptors. Printing never recurses: compound values push their parts
//! on an explicit work stack, so a million-long list prints without growing the native stack.
//! Printing never allocates on the GC heap (so it never collects); `weir_to_str` formats into a
//! Rust buffer first and then allocates the one result string.

use std::ffi::{c_char, CStr};
use std::io::Write;

use crate::layout::*;
use crate::object::{aux, load_bits, slot_addr, str_bytes};

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

/// One pending piece of output.
enum Work {
    /// A value of the described type, in "bits" form.
    Value(*const TypeDesc, i64),
    /// Literal bytes.
    Lit(&'static [u8]),
    /// ` :NAME ` before a struct field.
    Field(*const c_char),
}

fn name_bytes<'a>(p: *const c_char) -> &'a [u8] {
    if p.is_null() {
        b"?"
    } else {
        // SAFETY: descriptor names are NUL-terminated static strings.
        unsafe { CStr::from_ptr(p) }.to_bytes()
    }
}

/// Appends the printed form of the value `bits` of type `desc` to `out`.
pub(crate) fn write_value(out: &mut Vec<u8>, desc: *const TypeDesc, bits: i64) {
    // Scalars never touch the work stack, so they print without allocating it.
    let mut work = Vec::new();
    // SAFETY: codegen passes a descriptor matching the value (layout.rs).
    unsafe { write_one(out, &mut work, &*desc, bits) };
    while let Some(item) = work.pop() {
        match item {
            Work::Lit(s) => out.extend_from_slice(s),
            Work::Field(name) => {
                out.extend_from_slice(b" :");
                out.extend_from_slice(name_bytes(name));
                out.push(b' ');
            }
            // SAFETY: codegen passes a descriptor matching the value (layout.rs).
            Work::Value(desc, bits) => unsafe { write_one(out, &mut work, &*desc, bits) },
        }
    }
}

/// Writes a scalar, or the opening of a compound value and queues its parts.
unsafe fn write_one(out: &mut Vec<u8>, work: &mut Vec<Work>, d: &TypeDesc, bits: i64) {
    // Writing to a Vec cannot fail.
    let _ = match d.kind {
        T_I8 => write!(out, "{}", bits as i8),
        T_I16 => write!(out, "{}", bits as i16),
        T_I32 => write!(out, "{}", bits as i32),
        T_I64 => write!(out, "{bits}"),
        T_U8 => write!(out, "{}", bits as u8),
        T_U16 => write!(out, "{}", bits as u16),
        T_U32 => write!(out, "{}", bits as u32),
        T_U64 => write!(out, "{}", bits as u64),
        T_F32 => write!(out, "{}", fmt_f32(f32::from_bits(bits as u32))),
        T_F64 => write!(out, "{}", fmt_f64(f64::from_bits(bits as u64))),
        T_BOOL => write!(out, "{}", bits as u8 != 0),
        T_UNIT => write!(out, "()"),
        T_STR => {
            out.extend_from_slice(str_bytes(bits as usize));
            Ok(())
        }
        T_PTR => write!(out, "<ptr {:#x}>", bits as u64),
        T_FN => write!(out, "<fn>"),
        T_VECTOR => {
            let v = bits as usize;
            let elem = *d.children;
            let ek = (*elem).kind;
            out.push(b'[');
            work.push(Work::Lit(b"]"));
            for i in (0..aux(v)).rev() {
                work.push(Work::Value(elem, load_bits(ek, slot_addr(v, i))));
                if i > 0 {
                    work.push(Work::Lit(b" "));
                }
            }
            Ok(())
        }
        T_STRUCT => {
            let o = bits as usize;
            out.push(b'(');
            out.extend_from_slice(name_bytes(d.name));
            work.push(Work::Lit(b")"));
            for i in (0..d.n as usize).rev() {
                let fd = *d.children.add(i);
                work.push(Work::Value(fd, load_bits((*fd).kind, slot_addr(o, i))));
                work.push(Work::Field(*d.names.add(i)));
            }
            Ok(())
        }
        T_SUM => {
            let o = bits as usize;
            let vd = &**d.children.add(aux(o));
            write_variant(out, work, vd, o);
            Ok(())
        }
        T_VARIANT => {
            write_variant(out, work, d, bits as usize);
            Ok(())
        }
        k => write!(out, "<unknown type kind {k}>"),
    };
}

/// A sum-type value of variant `vd`: `Name` or `(Name f1 f2)`.
unsafe fn write_variant(out: &mut Vec<u8>, work: &mut Vec<Work>, vd: &TypeDesc, o: usize) {
    if vd.n == 0 {
        out.extend_from_slice(name_bytes(vd.name));
        return;
    }
    out.push(b'(');
    out.extend_from_slice(name_bytes(vd.name));
    work.push(Work::Lit(b")"));
    for i in (0..vd.n as usize).rev() {
        let fd = *vd.children.add(i);
        work.push(Work::Value(fd, load_bits((*fd).kind, slot_addr(o, i))));
        work.push(Work::Lit(b" "));
    }
}

/// The printed form as bytes.
pub(crate) fn to_bytes(desc: *const TypeDesc, bits: i64) -> Vec<u8> {
    let mut out = Vec::new();
    write_value(&mut out, desc, bits);
    out
}

/// `weir_print`: writes the printed form to the stdout buffer.
pub(crate) fn print(desc: *const TypeDesc, bits: i64) {
    // SAFETY: `desc` is a valid descriptor.
    if unsafe { (*desc).kind } == T_STR {
        // SAFETY: the value is a string.
        crate::io::write_out(unsafe { str_bytes(bits as usize) });
        return;
    }
    crate::io::with_out(|out| write_value(out, desc, bits));
}

/// `weir_to_str`: the printed form as a new string (GC); a string is returned as is.
pub(crate) fn to_str(desc: *const TypeDesc, bits: i64) -> usize {
    // SAFETY: `desc` is a valid descriptor.
    if unsafe { (*desc).kind } == T_STR {
        return bits as usize;
    }
    crate::gc::new_string(&to_bytes(desc, bits))
}
