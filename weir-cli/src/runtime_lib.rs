//! The `weir-runtime` static library, embedded at build time (`build.rs`), that `weir build`
//! links into every executable together with the program's object file.
//!
//! Invariant: the bytes are `libweir_runtime.a` built in release mode for the target `weir`
//! itself was built for, from the same sources (so the ABI of `weir_runtime::abi` matches the
//! compiler in this binary).

/// The bytes of `libweir_runtime.a`.
pub const RUNTIME_LIB: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/libweir_runtime.a"));

/// The system libraries an executable linked with [`RUNTIME_LIB`] needs, in link order (what
/// `rustc --print native-static-libs` reports for a staticlib using `std` on Linux).
pub const RUNTIME_LINK_LIBS: &[&str] = &[
    "-lgcc_s",
    "-lutil",
    "-lrt",
    "-lpthread",
    "-lm",
    "-ldl",
    "-lc",
];
