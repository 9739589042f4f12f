//! Cranelift code generation from the typed IR: one translator written against
//! `cranelift_module::Module`, used by the JIT (`jit.rs`, `weir run`) and the AOT compiler
//! (`aot.rs`, `weir build`). Only those two files name a backend. STUB: not implemented yet.
//!
//! The memory and calling contract with the runtime is `weir-runtime/src/layout.rs`; the runtime
//! functions are the ones in `weir_runtime::abi::RUNTIME_FNS`.

use crate::interp::{Config, RunError};
use crate::span::SourceMap;
use crate::tir::Program;

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
) -> Result<Vec<u8>, String> {
    let _ = (program, sources, opts);
    Err("the AOT compiler is not implemented yet".to_string())
}

/// Compiles a program with the JIT and runs it (`config.args`, `config.load` as for the
/// interpreter). Returns the exit status.
pub fn run_jit(
    program: &Program,
    sources: &SourceMap,
    opts: &Options,
    config: &Config,
) -> Result<i32, RunError> {
    let _ = (program, sources, opts, config);
    Err(RunError::Link {
        message: "the JIT is not implemented yet".to_string(),
        span: None,
    })
}
