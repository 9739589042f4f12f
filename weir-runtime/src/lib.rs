//! The Weir runtime: the heap and everything compiled Weir code calls (language.md §9–§12).
//!
//! - `layout.rs`: object layouts, shapes, type descriptors, root-stack protocol (the contract
//!   with codegen).
//! - `abi.rs`: the single table of runtime functions and data symbols.
//! - `exports.rs`: the `#[no_mangle] extern "C"` implementations named by the table.

pub mod abi;
mod exports;
pub mod layout;

/// Runs a JIT-compiled program: sets up the heap, the root stack, stdout and `(args)` exactly as
/// `weir_rt_main` does for executables, calls `entry` (global initialisers, then `main`) on a
/// thread with a large stack, flushes stdout and returns the exit status. Runtime errors and
/// `(exit)` end the process (after flushing), as they do in an executable.
pub fn run_entry(entry: extern "C" fn() -> i32, args: Vec<String>) -> i32 {
    let _ = (entry, args);
    unimplemented!("run_entry")
}
