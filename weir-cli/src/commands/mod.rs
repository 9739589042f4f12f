//! One module per subcommand. Each `run` function takes its parsed arguments and the [`Shell`],
//! does all its printing through the shell (stderr) or its own locked stdout, and returns the
//! process exit status.
//!
//! Invariants:
//! - Exit status 0: success; 1: the input was rejected (file error, compile error, runtime error)
//!   or, for `interp`, whatever status the program chose with `(exit code)`; 2: usage error
//!   (clap); 101: internal error (a bug in weir).
//! - The front end and the interpreter run on a [`weir_compiler::BIG_STACK`] thread; everything
//!   that touches the (non-`Send`) typed program stays inside that thread.

pub mod add;
pub mod build;
pub mod check;
pub mod clean;
pub mod expand;
pub mod interp;
pub mod new;
pub mod parse;
pub mod publish;
pub mod run;
pub mod test;
pub mod tree;
pub mod update;
pub mod yank;

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use weir_compiler::span::{FileId, SourceMap};

use crate::shell::Shell;
use crate::source;

/// The input was rejected (exit status 1).
pub const FAILURE: i32 = 1;
/// A bug in weir (like rustc's internal compiler errors).
pub const INTERNAL_ERROR: i32 = 101;

/// A loaded single source file, named as the user wrote it.
pub struct Input {
    pub sources: SourceMap,
    pub file: FileId,
    pub name: String,
}

impl Input {
    /// Loads `path`, reporting a failure on the shell.
    pub fn load(shell: &Shell, path: &Path) -> Result<Input, i32> {
        let name = path.display().to_string();
        let mut sources = SourceMap::new();
        match source::load(&mut sources, path, &name) {
            Ok(file) => Ok(Input {
                sources,
                file,
                name,
            }),
            Err(e) if e.has_location() => {
                shell.raw_line(&e.to_string());
                Err(FAILURE)
            }
            Err(e) => {
                shell.error(&e.to_string());
                Err(FAILURE)
            }
        }
    }

    pub fn text(&self) -> &str {
        &self.sources.get(self.file).text
    }
}

/// Writes `text` to stdout, ending it with a newline if it has none; a closed pipe
/// (`weir parse f | head`) is not an error.
pub fn print_stdout(shell: &Shell, text: &str) -> i32 {
    let mut out = io::stdout().lock();
    let newline: &[u8] = if text.is_empty() || text.ends_with('\n') {
        b""
    } else {
        b"\n"
    };
    let res = out
        .write_all(text.as_bytes())
        .and_then(|()| out.write_all(newline))
        .and_then(|()| out.flush());
    match res {
        Ok(()) => 0,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            shell.error(&format!("cannot write to stdout: {e}"));
            FAILURE
        }
    }
}

/// Runs `f` on the big-stack thread.
pub fn on_big_stack(f: impl FnOnce() -> i32 + Send + 'static) -> i32 {
    weir_compiler::with_stack(weir_compiler::BIG_STACK, f)
}

/// A program ready to run: from one file, or linked from the package around the current folder.
pub struct Loaded {
    pub program: weir_compiler::tir::Program,
    pub sources: SourceMap,
    /// The file of `main` (labels without a location point there).
    pub main: FileId,
    /// Shared libraries to load before the program runs (`--load`, and the packages' native
    /// code).
    pub load: Vec<std::path::PathBuf>,
}

/// Loads the program for `interp` and `run`: the file, or (no file) the package, whose native
/// code becomes a shared library to load.
pub fn load_program(
    shell: &Shell,
    file: Option<&Path>,
    mut load: Vec<std::path::PathBuf>,
    release: bool,
    jit: bool,
) -> Result<Loaded, i32> {
    use crate::package;
    let Some(file) = file else {
        let mut timings = package::Timings::new();
        let (project, lock) = package::open(shell, &mut timings)?;
        let compiled = package::check(shell, project, lock, true, &mut timings)?;
        let package::Linked {
            program,
            sources,
            main,
            project,
            lock,
            ..
        } = package::link(shell, compiled, &mut timings)?;
        let profile = if release {
            weir_pkg::native::Profile::Release
        } else {
            weir_pkg::native::Profile::Debug
        };
        let native = package::native(shell, &project, profile, &mut timings)?;
        if let Some(lib) = package::native_shared(shell, &project, &native, &mut timings)? {
            load.push(lib);
        }
        drop(lock);
        package::finished(
            shell,
            if release {
                "release build"
            } else {
                "debug build"
            },
            &timings,
        );
        shell.status(
            "Running",
            &format!(
                "`{}`{}",
                project.graph.package(project.graph.root).manifest.name,
                if jit { " (JIT)" } else { " (interpreter)" }
            ),
        );
        return Ok(Loaded {
            program,
            sources,
            main,
            load,
        });
    };
    let input = Input::load(shell, file)?;
    let program = check::front_end(shell, &input)?;
    Ok(Loaded {
        program,
        sources: input.sources,
        main: input.file,
        load,
    })
}

/// A cargo-style status line on stderr: the verb right-aligned in 12 columns, then `message`
/// (`     Created library package `foo``).
pub fn status(shell: Shell, verb: &str, message: &str) {
    shell.status(verb, message);
}

/// The root manifest of a package command: `manifest_path` when given (a folder means its
/// `weir.pkg`), else `weir.pkg` in the current folder or the nearest parent that has one.
/// Failures are reported on the shell (with `note` when no manifest is found).
pub fn find_root_manifest(
    shell: &Shell,
    manifest_path: Option<&Path>,
    note: Option<&str>,
) -> Result<PathBuf, i32> {
    if let Some(path) = manifest_path {
        let path = if path.is_dir() {
            path.join(weir_pkg::manifest::MANIFEST_NAME)
        } else {
            path.to_path_buf()
        };
        if !path.is_file() {
            shell.error(&format!("manifest `{}` does not exist", path.display()));
            return Err(FAILURE);
        }
        return Ok(path);
    }
    let cwd = match std::env::current_dir() {
        Ok(cwd) => cwd,
        Err(e) => {
            shell.error(&format!("cannot read the current folder: {e}"));
            return Err(FAILURE);
        }
    };
    match weir_pkg::graph::find_manifest(&cwd) {
        Some(path) => Ok(path),
        None => {
            let mut message = format!(
                "could not find `{}` in `{}` or any parent folder",
                weir_pkg::manifest::MANIFEST_NAME,
                cwd.display()
            );
            if let Some(note) = note {
                message.push_str(&format!("\nnote: {note}"));
            }
            shell.error(&message);
            Err(FAILURE)
        }
    }
}

/// `path` as messages show it: relative to the current folder when it lies below it
/// (`weir_pkg::fsutil::display_path`), without a leading `./`.
pub fn shown_path(path: &Path) -> PathBuf {
    let path = weir_pkg::fsutil::display_path(path);
    match path.strip_prefix(".") {
        Ok(rest) if !rest.as_os_str().is_empty() => rest.to_path_buf(),
        _ => path,
    }
}
