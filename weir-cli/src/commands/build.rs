//! `weir build FILE [-o OUT] [--release] [-l LIB]... [--cc-arg ARG]...`: check the program,
//! compile it to an object file with Cranelift and link it with `cc` into an executable.
//!
//! The object and the embedded runtime library ([`crate::runtime_lib::RUNTIME_LIB`]) are written
//! to a fresh temporary folder, removed afterwards; the link line is `cc OBJECT RUNTIME -l LIB...
//! CC-ARGS... SYSTEM-LIBS -o OUT`. The default output is the file stem in the current folder.
//! Nothing is written to stdout.

use std::path::{Path, PathBuf};
use std::process::Command;

use weir_compiler::codegen::{self, Options};

use super::check::front_end;
use super::{on_big_stack, Input, FAILURE};
use crate::runtime_lib::{RUNTIME_LIB, RUNTIME_LINK_LIBS};
use crate::shell::Shell;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The source file.
    pub file: PathBuf,
    /// The executable to write (default: the file's stem, in the current folder).
    #[arg(short = 'o', value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Optimise the generated code (Cranelift `opt_level=speed`).
    #[arg(long)]
    pub release: bool,
    /// A C library to link (`-l LIB`, repeatable).
    #[arg(short = 'l', value_name = "LIB")]
    pub libs: Vec<String>,
    /// An extra argument for the `cc` link step (repeatable).
    #[arg(long = "cc-arg", value_name = "ARG", allow_hyphen_values = true)]
    pub cc_args: Vec<String>,
}

pub fn run(shell: Shell, args: Args) -> i32 {
    on_big_stack(move || {
        let input = match Input::load(&shell, &args.file) {
            Ok(input) => input,
            Err(code) => return code,
        };
        let program = match front_end(&shell, &input) {
            Ok(program) => program,
            Err(code) => return code,
        };
        let opts = Options {
            opt_speed: args.release,
            verify: false,
        };
        let object = match codegen::compile_object(&program, &input.sources, &opts) {
            Ok(bytes) => bytes,
            Err(codegen::CodegenError::Unsupported { message, span }) => {
                shell.diagnostic(
                    &input.sources,
                    input.file,
                    &weir_compiler::diag::Diagnostic::error(span, message),
                );
                return FAILURE;
            }
            Err(codegen::CodegenError::Internal(e)) => {
                panic!("internal error: code generation failed: {e}")
            }
        };
        let output = args.output.clone().unwrap_or_else(|| {
            PathBuf::from(
                args.file
                    .file_stem()
                    .map(|s| s.to_os_string())
                    .unwrap_or_else(|| "a.out".into()),
            )
        });
        match link(&object, &output, &args) {
            Ok(()) => 0,
            Err(message) => {
                shell.error(&message);
                FAILURE
            }
        }
    })
}

/// A temporary folder removed when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir() -> Result<TempDir, String> {
    let base = std::env::temp_dir();
    for i in 0..1000u32 {
        let dir = base.join(format!("weir-build-{}-{i}", std::process::id()));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(TempDir(dir)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("cannot create a temporary folder: {e}")),
        }
    }
    Err("cannot create a temporary folder".to_string())
}

fn link(object: &[u8], output: &Path, args: &Args) -> Result<(), String> {
    let dir = temp_dir()?;
    let obj_path = dir.0.join("program.o");
    let lib_path = dir.0.join("libweir_runtime.a");
    std::fs::write(&obj_path, object)
        .map_err(|e| format!("cannot write {}: {e}", obj_path.display()))?;
    std::fs::write(&lib_path, RUNTIME_LIB)
        .map_err(|e| format!("cannot write {}: {e}", lib_path.display()))?;
    let cc = std::env::var_os("CC").unwrap_or_else(|| "cc".into());
    let mut cmd = Command::new(&cc);
    cmd.arg(&obj_path).arg(&lib_path);
    for lib in &args.libs {
        cmd.arg(format!("-l{lib}"));
    }
    cmd.args(&args.cc_args);
    cmd.args(RUNTIME_LINK_LIBS);
    cmd.arg("-o").arg(output);
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run `{}`: {e}", cc.to_string_lossy()))?;
    if !out.status.success() {
        return Err(format!(
            "linking failed (`{}` exited with {}):\n{}",
            cc.to_string_lossy(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim_end()
        ));
    }
    Ok(())
}
