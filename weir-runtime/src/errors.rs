//! Runtime errors (language.md §11): the messages of the `E_*` kinds and the one way a program
//! dies with a runtime error.
//!
//! Invariants: [`die`] flushes stdout first, writes exactly one line
//! `[LOC: ]runtime error: MESSAGE` to stderr and exits with status 1 (never a signal). Message
//! texts are produced by pure functions ([`kind_message`], [`error_line`]) that tests check
//! directly.

use std::ffi::CStr;

use crate::layout::*;

/// The message of runtime error `kind` with operands `a`, `b` (layout.rs `E_*`).
pub fn kind_message(kind: i32, a: i64, b: i64) -> String {
    match kind {
        E_DIV_ZERO => "division by zero".to_string(),
        E_INDEX => format!("index {a} out of bounds (len {b})"),
        E_STRING_INDEX => format!("string index {a} out of bounds (len {b})"),
        E_SUBSTRING => "substring index out of range".to_string(),
        E_CHAR_CODE => format!("invalid character code: {a}"),
        E_RANDOM_INT => "random-int requires a positive bound".to_string(),
        E_NULL_STRING => "null string from C".to_string(),
        E_STACK_OVERFLOW => "stack overflow".to_string(),
        _ => format!("unknown runtime error {kind} ({a}, {b})"),
    }
}

/// The stderr line of a runtime error: `LOC: runtime error: MESSAGE\n`, or without `LOC: ` when
/// there is no location. Invalid UTF-8 in the message is replaced (as the interpreter does).
pub fn error_line(loc: Option<&[u8]>, message: &[u8]) -> Vec<u8> {
    let mut line = Vec::new();
    if let Some(loc) = loc {
        line.extend_from_slice(loc);
        line.extend_from_slice(b": ");
    }
    line.extend_from_slice(b"runtime error: ");
    line.extend_from_slice(String::from_utf8_lossy(message).as_bytes());
    line.push(b'\n');
    line
}

/// The bytes of a NUL-terminated location string, or `None` for a null pointer.
pub(crate) fn loc_bytes<'a>(loc: usize) -> Option<&'a [u8]> {
    if loc == 0 {
        None
    } else {
        // SAFETY: codegen passes NUL-terminated static strings.
        Some(unsafe { CStr::from_ptr(loc as *const std::ffi::c_char) }.to_bytes())
    }
}

/// Ends the program with a runtime error.
#[cold]
pub(crate) fn die(message: &[u8], loc: usize) -> ! {
    crate::io::flush();
    crate::io::write_fd(2, &error_line(loc_bytes(loc), message));
    std::process::exit(1)
}

/// Ends the program with runtime error `kind`.
#[cold]
pub(crate) fn die_kind(kind: i32, a: i64, b: i64, loc: usize) -> ! {
    die(kind_message(kind, a, b).as_bytes(), loc)
}

/// An internal failure of the runtime itself (out of memory, ...): stderr, status 1.
#[cold]
pub(crate) fn fatal(message: &str) -> ! {
    crate::io::flush();
    crate::io::write_fd(2, format!("weir runtime: fatal: {message}\n").as_bytes());
    std::process::exit(1)
}

/// `assertion failed[: MSG]` (msg: a Weir string or 0).
pub(crate) fn assert_fail(msg: usize, loc: usize) -> ! {
    let mut text = b"assertion failed".to_vec();
    if msg != 0 {
        text.extend_from_slice(b": ");
        // SAFETY: `msg` is a Weir string.
        text.extend_from_slice(unsafe { crate::object::str_bytes(msg) });
    }
    die(&text, loc)
}

/// The message of a failed `assert-eq`.
pub(crate) fn assert_eq_message(desc: *const TypeDesc, a: i64, b: i64) -> Vec<u8> {
    let mut text = b"assertion failed: left = ".to_vec();
    crate::print::write_value(&mut text, desc, a);
    text.extend_from_slice(b", right = ");
    crate::print::write_value(&mut text, desc, b);
    text
}

/// `global NAME used before initialization`.
pub(crate) fn global_uninit(name: usize, loc: usize) -> ! {
    let name = loc_bytes(name).unwrap_or(b"?");
    let mut text = b"global ".to_vec();
    text.extend_from_slice(name);
    text.extend_from_slice(b" used before initialization");
    die(&text, loc)
}
