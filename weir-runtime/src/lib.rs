//! The Weir runtime: the heap and everything compiled Weir code calls (language.md §9–§12).
//!
//! - `layout.rs`: object layouts, shapes, type descriptors, root-stack protocol (the contract
//!   with codegen).
//! - `abi.rs`: the single table of runtime functions and data symbols.
//! - `exports.rs`: the `#[no_mangle] extern "C"` wrappers named by the table, which call:
//! - `gc.rs` (allocation, root stack, collector), `object.rs` (reading objects), `strings.rs`
//!   (string builtins, C strings), `vectors.rs`, `print.rs` (§10), `math.rs` (rounding, random),
//!   `io.rs` (stdout buffer, files, time, args, exit), `errors.rs` (§11), `entry.rs` (running a
//!   program on its thread).
//!
//! The runtime depends on no other weir crate. Its state is global and belongs to one program
//! at a time (see `entry.rs`).

pub mod abi;
mod entry;
pub mod errors;
mod exports;
pub mod gc;
mod io;
pub mod layout;
mod math;
mod object;
pub mod print;
mod strings;
mod vectors;

#[cfg(test)]
mod tests;

pub use entry::{PROGRAM_STACK, STACK_MARGIN};

/// Runs a JIT-compiled program: sets up the heap, the root stack, stdout and `(args)` exactly as
/// `weir_rt_main` does for executables, calls `entry` (global initialisers, then `main`) on a
/// thread with a large stack, flushes stdout and returns the exit status. Runtime errors and
/// `(exit)` end the process (after flushing), as they do in an executable. Runs are serialised:
/// a second call waits until the first has returned.
pub fn run_entry(entry: extern "C" fn() -> i32, args: Vec<String>) -> i32 {
    entry::run(entry, args.into_iter().map(String::into_bytes).collect())
}
