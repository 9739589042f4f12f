//! Cranelift code generation from the typed IR: one translator written against
//! `cranelift_module::Module`, used by the JIT (`jit.rs`, `weir run`) and the AOT compiler
//! (`aot.rs`, `weir build`). Only those two files name a backend.
//!
//! Layout: `translate.rs` owns the per-program state (imports, instances, the work queue) and the
//! per-function translator (prologue, locals, root slots); `expr.rs` translates expressions,
//! `call.rs` calls and builtins, `pattern.rs` patterns, `data.rs` static data (string literals,
//! nullary constructors, shapes, type descriptors, location strings, static closures).
//!
//! The memory and calling contract with the runtime is `weir-runtime/src/layout.rs`; the runtime
//! functions are the ones in `weir_runtime::abi::RUNTIME_FNS` (declared only by looking them up
//! there).
//!
//! Invariants:
//! - **Monomorphisation.** Only instances reachable from `main` and the global initialisers are
//!   compiled. An instance is a `FuncId` plus concrete type arguments (in `Func::tparams` order),
//!   derived at each call site by matching the callee's generic signature against the call's
//!   concrete argument and result types; every type in a body is substituted before use, so
//!   translation never sees a `Type::Param`. Lambdas are compiled once per enclosing instance.
//! - **Calling conventions.** Weir functions, lambdas and thunks use `CallConv::Tail`; a closure's
//!   code is `(env, params...) -> ret`; runtime imports, `extern "C"` functions, libm and the entry
//!   function use the platform C convention. A `Call { tail: true }` of the function being
//!   translated (same instance) jumps back to its loop header, reusing the frame and the root
//!   frame; every other one is a `return_call`.
//! - **Accumulator loops.** A non-generic integer function whose tail positions hold
//!   `(+ X... (self ARGS))` loops with an accumulator instead of recursing there, counting the
//!   frames it saves with a virtual stack pointer so unbounded recursion still overflows
//!   (`translate.rs`, `Accum`).
//! - **Flat structs.** A concrete struct type with 1 to 4 fields, none of them a heap pointer
//!   (`State::flat`), is *flat*: top-level function instances take each such parameter as one
//!   machine value per field and return such a result as several values (`State::func_sig`);
//!   self-tail-call loop headers have one parameter per field; locals of a flat type (parameters,
//!   `let` variables, pattern bindings, closure parameters and captures) are one `Variable` per
//!   field and have no root slot. `Fx::expr_flat` translates an expression of a flat type to its
//!   fields without allocating for locals, struct literals, calls of instances, `update`, `let`,
//!   blocks and `if`; `GetField` of a flat value reads the field directly, and `let` patterns and
//!   `match` on a flat value test and bind its fields (`Fx::test_pattern_flat`). Everywhere else a
//!   flat value is the usual heap object: it is boxed (allocated) where it is needed as a
//!   pointer (`Fx::expr` of a flat local or of a call result; vectors, fields of other objects,
//!   closure environments, globals, printing, closure code, which keeps the
//!   boxed convention: `FnThunk` unboxes and re-boxes) and unboxed (fields loaded) when bound to
//!   a local or passed to an instance. Structs are immutable values without identity, so copies
//!   are indistinguishable. A value boxed on use is a fresh, unrooted object like any call result
//!   (closure captures are rooted until the closure object is built); flat values themselves
//!   hold no heap pointers and need no roots. A closure or global initialiser (boxed result) does not tail-call an
//!   instance with a flat result: it calls it and boxes the result.
//! - **GC roots.** The collector is precise and non-moving (`weir-runtime/src/gc.rs`), so a heap
//!   pointer only has to be *stored* in a root slot to stay alive; SSA values are not reloaded.
//!   Each function that needs root slots reserves its root frame on entry (`sp = weir_root_top`,
//!   limit check, zeroed slots) and restores `weir_root_top = sp` before every `return` and
//!   `return_call`; one that needs none (e.g. only integer locals) has no root frame at all. Every
//!   heap-typed local is written to its own slot at each definition; every heap-typed
//!   intermediate value that is an operand of a later call or allocation (call arguments,
//!   constructor fields, vector elements, scrutinees, loop sequences) is written to a temporary
//!   slot until the operation that consumes it is done. Heap-typed globals are registered with
//!   `weir_add_global_root` before any initialiser runs.
//! - **Stack overflow.** Before every non-tail call of Weir code (functions and closures) the
//!   stack pointer is compared with `weir_stack_limit`; below it, `weir_stack_overflow(loc)` is
//!   called with the *call's* location, so messages match the interpreter's (a prologue check
//!   would cost the same but report the callee's definition). A check is omitted when one earlier
//!   in the same block already passed (the stack pointer is fixed within a body). The root
//!   stack's own limit is checked in the prologue.
//! - **Recursive inlining.** The non-tail self calls of a small function on scalars are replaced
//!   by copies of its body, two levels deep and within a node budget (`translate.rs`,
//!   `inlinable`, `Fx::inline_self_call`). A copy has fresh locals, contains no tail call and no
//!   accumulation site, and uses only constructs that cannot allocate, capture or return early,
//!   so it behaves exactly like the call; the real calls left inside it check the stack.
//! - **Runtime symbols** are reached through the GOT / absolute addresses by the JIT, and
//!   PC-relative (colocated) in AOT objects, whose runtime is a static library of the same
//!   executable.
//! - **Debugging:** `WEIR_DUMP=clif`, `asm` or `clif,asm` prints every compiled function's
//!   Cranelift IR and/or machine code to stderr (`translate.rs`, `Dump`).
//! - **Static objects** (string literals, nullary constructors, closures of top-level functions)
//!   carry `GC_STATIC` and hold no heap pointers.
//! - A program that passed the checker must compile: any failure here is an internal error
//!   (`CodegenError::Internal`). The one known exception is polymorphic recursion (a generic
//!   function calling itself at an ever bigger type), which has no finite set of instances and is
//!   reported to the user as `CodegenError::Unsupported` (`docs/decisions.md`).

mod call;
mod data;
mod expr;
mod pattern;
mod translate;

mod aot;
mod jit;

#[cfg(test)]
mod tests;

use std::fmt;

use crate::interp::{Config, RunError};
use crate::span::{SourceMap, Span};
use crate::tir::Program;

/// Why a checked program could not be compiled.
#[derive(Clone, Debug, PartialEq)]
pub enum CodegenError {
    /// A valid program that compiled code does not support (polymorphic recursion); reported to
    /// the user like a compile error at `span`.
    Unsupported { message: String, span: Span },
    /// A bug in weir (Cranelift rejected what the translator produced, ...).
    Internal(String),
}

impl From<String> for CodegenError {
    fn from(message: String) -> CodegenError {
        CodegenError::Internal(message)
    }
}

impl fmt::Display for CodegenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodegenError::Unsupported { message, .. } | CodegenError::Internal(message) => {
                f.write_str(message)
            }
        }
    }
}

/// Code generation options.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Cranelift `opt_level=speed` (`--release`).
    pub opt_speed: bool,
    /// Run the Cranelift verifier on every function (tests).
    pub verify: bool,
}

/// Compiles a program to an object file that defines the C `main` (which calls
/// `weir_rt_main`); the caller links it with the runtime static library, `-lc -lm` and the
/// program's libraries. `sources` names the files in runtime error locations.
pub fn compile_object(
    program: &Program,
    sources: &SourceMap,
    opts: &Options,
) -> Result<Vec<u8>, CodegenError> {
    aot::compile_object(program, sources, opts)
}

/// One object file of a program built module by module (`weir build` in a package): the
/// functions and globals of one module, or the entry. Objects of the same program link together:
/// a module's non-generic functions are exported as `weir$MODULE.NAME`, its globals' storage as
/// `weir$g$MODULE.NAME` and their initialisers as `weir$i$MODULE.NAME`; everything else (generic
/// instances, closures, thunks, static data) is local to each object.
#[derive(Clone, Debug)]
pub struct Unit {
    /// The functions (ids of the linked program) this object defines.
    pub funcs: std::ops::Range<u32>,
    /// The globals this object defines (storage and initialiser).
    pub globals: std::ops::Range<u32>,
    /// The stable name (`MODULE.NAME`) of every global of the program, by id.
    pub global_names: std::sync::Arc<Vec<String>>,
    /// Whether this object holds the entry (global initialisation, `main`) and the C `main`.
    pub entry: bool,
}

/// Compiles one [`Unit`] of a program to an object file.
pub fn compile_unit_object(
    program: &Program,
    sources: &SourceMap,
    opts: &Options,
    unit: &Unit,
) -> Result<Vec<u8>, CodegenError> {
    aot::compile_unit_object(program, sources, opts, unit)
}

/// Compiles a program with the JIT and runs it (`config.args`, `config.load` as for the
/// interpreter). Returns the exit status.
pub fn run_jit(
    program: &Program,
    sources: &SourceMap,
    opts: &Options,
    config: &Config,
) -> Result<i32, RunError> {
    jit::run_jit(program, sources, opts, config)
}
