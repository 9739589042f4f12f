//! Builds the `weir-runtime` static library so that the `weir` binary can carry it
//! (`src/runtime_lib.rs`) and `weir build` can link executables anywhere, without a Rust
//! toolchain at hand.
//!
//! It runs `cargo build -p weir-runtime --release --lib` (offline and locked: every dependency
//! is already in the lock file and was fetched for this very build) into a separate target
//! directory under `OUT_DIR` (so it never contends for the outer build's directory lock), for
//! the same target triple, and copies `libweir_runtime.a` to `OUT_DIR`. The runtime is always
//! built in release mode, whatever the profile of `weir`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir =
        PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let root = manifest_dir
        .parent()
        .expect("weir-cli is inside the workspace")
        .to_path_buf();
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets it"));
    let target = std::env::var("TARGET").expect("cargo sets it");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());

    for path in [
        "weir-runtime/src",
        "weir-runtime/Cargo.toml",
        "Cargo.lock",
        "Cargo.toml",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(path).display());
    }

    let rt_target_dir = out_dir.join("rt");
    let mut cmd = Command::new(&cargo);
    cmd.arg("build")
        .arg("--manifest-path")
        .arg(root.join("Cargo.toml"))
        .args([
            "-p",
            "weir-runtime",
            "--release",
            "--lib",
            "--offline",
            "--locked",
        ])
        .arg("--target")
        .arg(&target)
        .arg("--target-dir")
        .arg(&rt_target_dir)
        // `cargo clippy` runs build scripts with clippy as the workspace wrapper; the runtime is
        // linted on its own, and the embedded library must be a plain build.
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET_DIR");
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("cannot run {cargo:?} to build weir-runtime: {e}"));
    assert!(
        status.success(),
        "building the weir-runtime static library failed ({status})"
    );

    let built = rt_target_dir
        .join(&target)
        .join("release")
        .join("libweir_runtime.a");
    let dest = out_dir.join("libweir_runtime.a");
    copy_if_changed(&built, &dest);
}

/// Copies `from` to `to` unless the contents are equal (keeps `to`'s mtime stable so that
/// `include_bytes!` does not force a rebuild of `weir` for nothing).
fn copy_if_changed(from: &Path, to: &Path) {
    let new = std::fs::read(from).unwrap_or_else(|e| panic!("cannot read {}: {e}", from.display()));
    if std::fs::read(to).ok().as_deref() != Some(&new[..]) {
        std::fs::write(to, &new).unwrap_or_else(|e| panic!("cannot write {}: {e}", to.display()));
    }
}
