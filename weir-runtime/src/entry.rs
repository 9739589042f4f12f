//! Running a program: `weir_rt_main` (AOT executables) and [`crate::run_entry`] (JIT).
//!
//! A run: take the run lock (one program at a time per process: the runtime state is global),
//! reset the heap, the root stack, stdout, the arguments and the random state, spawn the program
//! thread with a large stack ([`PROGRAM_STACK`]), set `weir_stack_limit` from inside it, call
//! `entry()` there, flush stdout and return its status. Runtime errors and `(exit)` end the
//! process from the program thread after flushing.
//!
//! Invariants: `weir_stack_limit` is the lowest address of the program thread's stack plus
//! [`STACK_MARGIN`], the room left for runtime functions and C calls made by the deepest Weir
//! frame. Heap objects of a run are freed when it returns (the caller may then free the code
//! and static data of the program, shapes included).

use std::sync::Mutex;

use crate::exports::weir_stack_limit;
use crate::{gc, io, math};

/// Stack size of the program thread.
pub const PROGRAM_STACK: usize = 1 << 30;
/// Fallback when the system refuses [`PROGRAM_STACK`].
const SMALL_STACK: usize = 256 << 20;
/// Stack kept free below the limit compiled code checks.
pub const STACK_MARGIN: usize = 512 << 10;

static RUN_LOCK: Mutex<()> = Mutex::new(());

/// Initialises every piece of runtime state for a new run (also used by tests).
pub(crate) fn init(args: Vec<Vec<u8>>) {
    gc::reset_heap();
    gc::init_root_stack();
    io::init(args);
    math::reset();
    crate::strings::cstr_release();
}

/// Sets `weir_stack_limit` for the calling thread.
fn set_stack_limit() {
    let marker = 0u8;
    let here = std::ptr::addr_of!(marker) as usize;
    let low = stack_low().unwrap_or_else(|| here.saturating_sub(SMALL_STACK / 2));
    // SAFETY: plain write of a runtime data symbol, before any compiled code runs.
    unsafe { std::ptr::addr_of_mut!(weir_stack_limit).write(low + STACK_MARGIN) }
}

/// The lowest address of the calling thread's stack.
fn stack_low() -> Option<usize> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    // SAFETY: plain libc queries on the calling thread; `attr` is initialised by
    // `pthread_getattr_np` before use and destroyed afterwards.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return None;
        }
        let mut addr: *mut libc::c_void = std::ptr::null_mut();
        let mut size: libc::size_t = 0;
        let r = libc::pthread_attr_getstack(&attr, &mut addr, &mut size);
        libc::pthread_attr_destroy(&mut attr);
        if r != 0 || addr.is_null() {
            return None;
        }
        Some(addr as usize)
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    None
}

/// Runs `entry` as a Weir program with `args`; returns its exit status.
pub(crate) fn run(entry: extern "C" fn() -> i32, args: Vec<Vec<u8>>) -> i32 {
    let _guard = RUN_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    init(args);
    let body = move || {
        set_stack_limit();
        let status = entry();
        io::flush();
        status
    };
    let handle = std::thread::Builder::new()
        .name("weir-main".into())
        .stack_size(PROGRAM_STACK)
        .spawn(body)
        .or_else(|_| {
            std::thread::Builder::new()
                .name("weir-main".into())
                .stack_size(SMALL_STACK)
                .spawn(body)
        })
        .unwrap_or_else(|e| crate::errors::fatal(&format!("cannot start the program thread: {e}")));
    let status = match handle.join() {
        Ok(status) => status,
        Err(payload) => std::panic::resume_unwind(payload),
    };
    // Free the run's objects now, while the shapes they point to (codegen's static data, e.g. in
    // a JIT module the caller frees after we return) are still valid.
    gc::reset_heap();
    crate::strings::cstr_release();
    status
}

/// `weir_rt_main(argc, argv, entry)`: arguments are `argv[1..argc]`.
pub(crate) fn rt_main(argc: i32, argv: usize, entry: usize) -> i32 {
    let mut args = Vec::new();
    for i in 1..argc.max(0) as usize {
        // SAFETY: the C runtime passes `argc` valid NUL-terminated strings.
        let a = unsafe {
            let p = *(argv as *const *const std::ffi::c_char).add(i);
            std::ffi::CStr::from_ptr(p).to_bytes().to_vec()
        };
        args.push(a);
    }
    // Like `weir` itself (Rust ignores SIGPIPE), an executable sees write errors on a closed
    // pipe instead of being killed, so every execution path ends with the same status.
    // SAFETY: setting a signal disposition before any other thread exists.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
    // SAFETY: codegen passes the address of `extern "C" fn() -> i32`.
    let entry: extern "C" fn() -> i32 = unsafe { std::mem::transmute(entry) };
    run(entry, args)
}
