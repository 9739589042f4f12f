//! Tree-walking interpreter over the typed IR ([`crate::tir`]).
//!
//! Layout: `mod.rs` drives a run (linking, globals, `main`, errors); `eval.rs` evaluates
//! expressions, calls and patterns; `builtins.rs` implements §9; `print.rs` the printed form (§10);
//! `ffi.rs` `extern "C"` calls (§13); `value.rs` the run-time values.
//!
//! Invariants:
//! - All frames live on one value stack (`Interp::stack`): a call's locals are the slots
//!   `base..base + n_locals`, parameters first (then a lambda's captures). Locals are addressed by
//!   slot, never by name.
//! - Expression evaluation returns `Result<Value, Ctrl>`: `Ctrl` carries the non-local exits
//!   (`?` returning `Err`, tail calls, runtime errors, `exit`). A tail call leaves its arguments on
//!   top of the value stack and returns `Ctrl::TailCall`; the frame loop (`Interp::run_frame`) moves
//!   them to the frame base and runs the callee without growing the Rust stack.
//! - Every Weir call checks the Rust stack depth against a limit below the thread's real stack, so
//!   deep recursion ends with the runtime error `stack overflow` instead of a crash.
//! - All `extern "C"` symbols are resolved before any user code (globals included) runs.
//! - Buffered output is flushed to the caller's `stdout` before `run` returns, in every case.
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use crate::span::Span;
use crate::tir::{FuncId, Program};

mod builtins;
mod eval;
mod ffi;
pub mod print;
mod value;

#[cfg(test)]
mod tests;

use value::Value;

/// How to run a program.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// The program's arguments (`(args)`), without a program name.
    pub args: Vec<String>,
    /// Shared libraries to load (`--load`) before resolving `extern "C"` symbols.
    pub load: Vec<PathBuf>,
    /// Stack bytes the interpreter may use before reporting `stack overflow`; the caller runs
    /// `run` on a thread whose stack is larger than this (see `run_on_big_stack`).
    pub max_stack: usize,
}

/// Why a run ended other than by `main` returning.
#[derive(Clone, Debug, PartialEq)]
pub enum RunError {
    /// A runtime error (§11): the CLI prints `[PATH:LINE:COL: ]runtime error: MESSAGE`, exit 1.
    Runtime { message: String, span: Option<Span> },
    /// An `extern "C"` symbol could not be resolved, or a `--load` library could not be loaded;
    /// reported like a compile error (stderr, exit 1) before any user code runs.
    Link { message: String, span: Option<Span> },
}

/// Stack limit used when `Config::max_stack` is 0.
const DEFAULT_MAX_STACK: usize = 1 << 30;
/// Stack kept free below the limit for the work one Weir call does between two checks (builtins,
/// printing, C calls).
const STACK_MARGIN: usize = 256 << 10;
/// Output is passed to the caller's writer in chunks of about this size.
const OUT_CHUNK: usize = 32 << 10;

/// Runs global initialisers then `main`. Returns the process exit status (0, or the code given to
/// `(exit code)` masked with 255). `stdout` is flushed before returning, also on errors.
pub fn run(program: &Program, config: &Config, stdout: &mut dyn Write) -> Result<i32, RunError> {
    let externs = ffi::link(program, config);
    let externs = match externs {
        Ok(x) => x,
        Err(e) => {
            let _ = stdout.flush();
            return Err(e);
        }
    };
    let marker = 0u8;
    let here = std::ptr::addr_of!(marker) as usize;
    let mut limit = if config.max_stack == 0 {
        DEFAULT_MAX_STACK
    } else {
        config.max_stack
    };
    if let Some(avail) = available_stack(here) {
        limit = limit.min(avail.saturating_sub(STACK_MARGIN));
    }
    let mut interp = Interp {
        prog: program,
        stack: Vec::with_capacity(1024),
        base: 0,
        globals: vec![None; program.globals.len()],
        out: Vec::with_capacity(OUT_CHUNK),
        sink: stdout,
        rng: 0x1234_5678_9ABC_DEF0,
        start: Instant::now(),
        args: config.args.clone(),
        externs,
        ret: Value::Unit,
        error: None,
        out_error: None,
        stack_start: here,
        stack_limit: limit,
    };
    // An internal error (a panic) still flushes the program's output before propagating.
    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| interp.run_program()));
    interp.flush();
    let res = res.unwrap_or_else(|payload| std::panic::resume_unwind(payload));
    let error = interp.error.take();
    drop(interp.stack);
    match res {
        Ok(()) => Ok(0),
        Err(Ctrl::Exit(code)) => Ok(code & 255),
        Err(Ctrl::Error) => Err(error.expect("error stashed with Ctrl::Error")),
        Err(Ctrl::Return) | Err(Ctrl::TailCall(_)) => {
            unreachable!("internal error: control signal escaped the program")
        }
    }
}

/// Bytes of stack between `here` and the lowest address of the current thread's stack.
fn available_stack(here: usize) -> Option<usize> {
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
        Some(here.saturating_sub(addr as usize))
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        let _ = here;
        None
    }
}

/// A non-local exit from expression evaluation. Payloads live in the interpreter
/// (`Interp::ret`, `Interp::error`) so that [`Res`] stays 16 bytes and is returned in registers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Ctrl {
    /// `e?` on an `Err`: the innermost function or lambda returns `Interp::ret`.
    Return,
    /// A tail call of this function; its arguments are on top of the value stack.
    TailCall(FuncId),
    /// A runtime error, stored in `Interp::error`.
    Error,
    /// `(exit code)`, already masked.
    Exit(i32),
}

pub(crate) type Res = Result<Value, Ctrl>;

const _: () = assert!(std::mem::size_of::<Res>() == 16);

pub(crate) struct Interp<'p, 'o> {
    prog: &'p Program,
    /// All frames' slots.
    stack: Vec<Value>,
    /// Slot 0 of the current frame.
    base: usize,
    /// `None` until the initialiser has completed.
    globals: Vec<Option<Value>>,
    /// Buffered stdout.
    out: Vec<u8>,
    sink: &'o mut dyn Write,
    /// xorshift64 state (§9.8).
    rng: u64,
    start: Instant,
    args: Vec<String>,
    externs: Vec<ffi::Linked>,
    /// The first error writing to `sink`.
    out_error: Option<std::io::Error>,
    /// The value of a pending `Ctrl::Return`.
    ret: Value,
    /// The error of a pending `Ctrl::Error`.
    error: Option<RunError>,
    /// Address of a local of `run`: the stack position where interpretation began.
    stack_start: usize,
    /// Maximum bytes of stack below `stack_start`.
    stack_limit: usize,
}

impl Interp<'_, '_> {
    /// Records a runtime error (§11) at `span`; the caller returns the `Ctrl`.
    #[cold]
    pub(crate) fn fail(&mut self, message: impl Into<String>, span: Span) -> Ctrl {
        self.error = Some(RunError::Runtime {
            message: message.into(),
            span: Some(span),
        });
        Ctrl::Error
    }

    fn run_program(&mut self) -> Result<(), Ctrl> {
        let prog = self.prog;
        for (i, global) in prog.globals.iter().enumerate() {
            let base = self.stack.len();
            self.stack
                .resize(base + global.n_locals as usize, Value::Unit);
            let v = self.run_frame(base, &global.init)?;
            self.globals[i] = Some(v);
        }
        self.call_func(prog.main, prog.funcs[prog.main.0 as usize].span)?;
        Ok(())
    }

    /// Writes bytes to (buffered) stdout.
    fn write_out(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
        if self.out.len() >= OUT_CHUNK {
            self.flush();
        }
    }

    /// Passes buffered output on and flushes the caller's writer. The first write error (a closed
    /// pipe) is remembered in `out_error`; `print`/`println` then stop the program with it.
    fn flush(&mut self) {
        if !self.out.is_empty() {
            if let Err(e) = self.sink.write_all(&self.out) {
                self.out_error.get_or_insert(e);
            }
            self.out.clear();
        }
        if let Err(e) = self.sink.flush() {
            self.out_error.get_or_insert(e);
        }
    }
}
