//! Buffered stdout, files, time, sleep and the program's arguments (language.md §9.7, §9.9,
//! §9.9a).
//!
//! Invariants: all Weir output goes through one 64 KiB buffer written to file descriptor 1 with
//! `write(2)` (bytes verbatim); it is flushed when full, when the program ends, before a runtime
//! error, in `(exit)` and before `(sleep)`. Write errors (a closed pipe) are ignored. Only
//! `read_file` and `args` allocate (GC).

use std::time::Instant;

use crate::gc::{self, Global};
use crate::object::str_bytes;

const OUT_CAP: usize = 64 << 10;

struct IoState {
    out: Vec<u8>,
    args: Vec<Vec<u8>>,
    start: Option<Instant>,
}

static IO: Global<IoState> = Global::new(IoState {
    out: Vec::new(),
    args: Vec::new(),
    start: None,
});

/// Resets the output buffer, sets the arguments and starts the clock (once per process).
pub(crate) fn init(args: Vec<Vec<u8>>) {
    // SAFETY: single-threaded runtime state.
    let io = unsafe { &mut *IO.ptr() };
    io.out.clear();
    io.out.reserve(OUT_CAP);
    io.args = args;
    io.start.get_or_insert_with(Instant::now);
}

/// Appends bytes to the stdout buffer.
pub(crate) fn write_out(bytes: &[u8]) {
    // SAFETY: single-threaded runtime state.
    let io = unsafe { &mut *IO.ptr() };
    if io.out.len() + bytes.len() > OUT_CAP {
        flush_buf(&mut io.out);
        if bytes.len() >= OUT_CAP {
            write_fd(1, bytes);
            return;
        }
    }
    io.out.extend_from_slice(bytes);
}

/// Lets `f` append to the stdout buffer directly (no intermediate copy), then flushes it if it
/// has reached its capacity.
pub(crate) fn with_out(f: impl FnOnce(&mut Vec<u8>)) {
    // SAFETY: single-threaded runtime state; `f` does not reach the buffer another way.
    let io = unsafe { &mut *IO.ptr() };
    f(&mut io.out);
    if io.out.len() >= OUT_CAP {
        flush_buf(&mut io.out);
    }
}

/// Writes the buffered output to fd 1.
pub(crate) fn flush() {
    // SAFETY: single-threaded runtime state.
    let io = unsafe { &mut *IO.ptr() };
    flush_buf(&mut io.out);
}

fn flush_buf(buf: &mut Vec<u8>) {
    if !buf.is_empty() {
        write_fd(1, buf);
        buf.clear();
    }
}

/// Writes all of `bytes` to `fd`, retrying on partial writes and EINTR; other errors are ignored.
pub(crate) fn write_fd(fd: i32, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        // SAFETY: the pointer and length describe a valid slice.
        let n = unsafe { libc::write(fd, bytes.as_ptr() as *const libc::c_void, bytes.len()) };
        if n < 0 {
            if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return;
        }
        bytes = &bytes[n as usize..];
    }
}

fn path_of(s: usize) -> std::path::PathBuf {
    use std::os::unix::ffi::OsStrExt;
    // SAFETY: `s` is a Weir string.
    let bytes = unsafe { str_bytes(s) };
    std::path::PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
}

/// `(read-file path)` (GC).
pub(crate) fn read_file(path: usize, loc: usize) -> usize {
    match std::fs::read(path_of(path)) {
        Ok(bytes) => gc::new_string(&bytes),
        Err(e) => crate::errors::die(format!("read-file failed: {e}").as_bytes(), loc),
    }
}

/// `(write-file path text)`.
pub(crate) fn write_file(path: usize, text: usize, loc: usize) {
    // SAFETY: `text` is a Weir string.
    let bytes = unsafe { str_bytes(text) };
    if let Err(e) = std::fs::write(path_of(path), bytes) {
        crate::errors::die(format!("write-file failed: {e}").as_bytes(), loc);
    }
}

/// `(time-ms)`: milliseconds since the runtime started.
pub(crate) fn time_ms() -> i64 {
    // SAFETY: single-threaded runtime state.
    let io = unsafe { &mut *IO.ptr() };
    io.start
        .get_or_insert_with(Instant::now)
        .elapsed()
        .as_millis() as i64
}

/// `(sleep ms)`: flushes stdout, then pauses (negative: no pause).
pub(crate) fn sleep(ms: i64) {
    flush();
    if ms > 0 {
        std::thread::sleep(std::time::Duration::from_millis(ms as u64));
    }
}

/// `(args)` as a new `(Vector String)` (GC).
pub(crate) fn args() -> usize {
    // SAFETY: single-threaded runtime state; the vector is rooted while the strings are
    // allocated, and each string is stored into it at once.
    unsafe {
        let io = &*IO.ptr();
        let n = io.args.len();
        let v = gc::alloc_vector(n, true);
        let saved = gc::root_top();
        gc::push_root(v);
        for i in 0..n {
            let s = gc::new_string(&io.args[i]);
            *(crate::object::slot_addr(v, i) as *mut usize) = s;
        }
        gc::set_root_top(saved);
        v
    }
}

/// `(exit code)`: flushes stdout and ends the process with `code & 255`.
pub(crate) fn exit(code: i32) -> ! {
    flush();
    std::process::exit(code & 255)
}
