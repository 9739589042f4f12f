//! String builtins (language.md §9.6, §9.2 on strings) and C string conversion for
//! `extern "C"` calls (§13).
//!
//! Invariants: indices and lengths count bytes; case mapping and trimming are ASCII-only. Every
//! function that allocates (GC) roots its string arguments on the root stack first (objects do
//! not move, so the pointers stay valid) and allocates at most once after reading them.
//! Results may share the argument when the contents are equal (strings are immutable).

use std::ffi::CString;

use crate::gc::{self, Global};
use crate::layout::*;
use crate::object::str_bytes;

/// Runs `f` with `ptrs` pushed on the root stack.
fn rooted<R>(ptrs: &[usize], f: impl FnOnce() -> R) -> R {
    let saved = gc::root_top();
    for &p in ptrs {
        gc::push_root(p);
    }
    let res = f();
    gc::set_root_top(saved);
    res
}

/// A new string built from `len` bytes written by `fill`, with `keep` rooted meanwhile.
fn build(keep: &[usize], len: usize, fill: impl FnOnce(&mut [u8])) -> usize {
    rooted(keep, || {
        let s = gc::alloc_string(len);
        // SAFETY: the new string has `len` bytes of payload.
        let dst = unsafe { std::slice::from_raw_parts_mut((s + HEADER_SIZE) as *mut u8, len) };
        fill(dst);
        s
    })
}

/// `(str a b)` with two strings (GC).
pub(crate) fn concat(a: usize, b: usize) -> usize {
    // SAFETY: `a` and `b` are Weir strings, rooted while the result is allocated.
    unsafe {
        let (la, lb) = (str_bytes(a).len(), str_bytes(b).len());
        if la == 0 {
            return b;
        }
        if lb == 0 {
            return a;
        }
        build(&[a, b], la + lb, |dst| {
            dst[..la].copy_from_slice(str_bytes(a));
            dst[la..].copy_from_slice(str_bytes(b));
        })
    }
}

pub(crate) fn eq(a: usize, b: usize) -> bool {
    // SAFETY: Weir strings.
    a == b || unsafe { str_bytes(a) == str_bytes(b) }
}

pub(crate) fn cmp(a: usize, b: usize) -> i32 {
    // SAFETY: Weir strings.
    match unsafe { str_bytes(a).cmp(str_bytes(b)) } {
        std::cmp::Ordering::Less => -1,
        std::cmp::Ordering::Equal => 0,
        std::cmp::Ordering::Greater => 1,
    }
}

/// `(substring s start end)`: bytes `[start, min(end, len))`, `""` when empty; a negative index
/// is a runtime error (GC).
pub(crate) fn substring(s: usize, start: i64, end: i64, loc: usize) -> usize {
    if start < 0 || end < 0 {
        crate::errors::die_kind(E_SUBSTRING, start, end, loc);
    }
    // SAFETY: `s` is a Weir string, rooted while the result is allocated.
    unsafe {
        let len = str_bytes(s).len();
        let end = (end as u64).min(len as u64) as usize;
        let start = start as u64;
        if start >= end as u64 {
            return gc::alloc_string(0);
        }
        let start = start as usize;
        if start == 0 && end == len {
            return s;
        }
        build(&[s], end - start, |dst| {
            dst.copy_from_slice(&str_bytes(s)[start..end])
        })
    }
}

/// `(string-ref s i)`: the byte at `i`.
pub(crate) fn string_ref(s: usize, i: i64, loc: usize) -> i64 {
    // SAFETY: `s` is a Weir string.
    let bytes = unsafe { str_bytes(s) };
    if i < 0 || i as u64 >= bytes.len() as u64 {
        crate::errors::die_kind(E_STRING_INDEX, i, bytes.len() as i64, loc);
    }
    bytes[i as usize] as i64
}

pub(crate) fn contains(s: usize, t: usize) -> bool {
    // SAFETY: Weir strings.
    let (s, t) = unsafe { (str_bytes(s), str_bytes(t)) };
    t.is_empty() || s.windows(t.len()).any(|w| w == t)
}

/// A byte-wise map of `s` into a new string (GC).
fn map_bytes(s: usize, f: impl Fn(u8) -> u8) -> usize {
    // SAFETY: `s` is a Weir string, rooted while the result is allocated.
    unsafe {
        let len = str_bytes(s).len();
        build(&[s], len, |dst| {
            for (d, &c) in dst.iter_mut().zip(str_bytes(s)) {
                *d = f(c);
            }
        })
    }
}

pub(crate) fn upcase(s: usize) -> usize {
    map_bytes(s, |c| c.to_ascii_uppercase())
}

pub(crate) fn downcase(s: usize) -> usize {
    map_bytes(s, |c| c.to_ascii_lowercase())
}

/// `(string-trim s)`: without leading and trailing space, TAB, LF, CR (GC).
pub(crate) fn trim(s: usize) -> usize {
    let ws = |c: &u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r');
    // SAFETY: `s` is a Weir string.
    let bytes = unsafe { str_bytes(s) };
    let start = bytes.iter().position(|c| !ws(c)).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|c| !ws(c)).map_or(start, |i| i + 1);
    substring(s, start as i64, end as i64, 0)
}

/// `(char-to-string c)`: the UTF-8 encoding of code point `c` (GC).
pub(crate) fn char_to_string(c: i64, loc: usize) -> usize {
    match u32::try_from(c).ok().and_then(char::from_u32) {
        Some(ch) => {
            let mut buf = [0u8; 4];
            gc::new_string(ch.encode_utf8(&mut buf).as_bytes())
        }
        None => crate::errors::die_kind(E_CHAR_CODE, c, 0, loc),
    }
}

/// NUL-terminated copies handed to C, freed by [`cstr_release`].
static SCRATCH: Global<Vec<CString>> = Global::new(Vec::new());

/// A NUL-terminated copy of a Weir string, cut at its first NUL, valid until `cstr_release`.
pub(crate) fn cstr(s: usize) -> usize {
    // SAFETY: `s` is a Weir string; single-threaded runtime state.
    unsafe {
        let bytes = str_bytes(s);
        let cut = bytes.iter().position(|&c| c == 0).unwrap_or(bytes.len());
        let c = CString::new(&bytes[..cut]).expect("no NUL before the cut");
        let p = c.as_ptr() as usize;
        (*SCRATCH.ptr()).push(c);
        p
    }
}

pub(crate) fn cstr_release() {
    // SAFETY: single-threaded runtime state.
    unsafe { (*SCRATCH.ptr()).clear() }
}

/// A new Weir string copied from a C string; NULL is a runtime error (GC).
pub(crate) fn from_cstr(p: usize, loc: usize) -> usize {
    if p == 0 {
        crate::errors::die_kind(E_NULL_STRING, 0, 0, loc);
    }
    // SAFETY: C promises a NUL-terminated string; it is not on the GC heap.
    let bytes = unsafe { std::ffi::CStr::from_ptr(p as *const std::ffi::c_char) }.to_bytes();
    gc::new_string(bytes)
}
