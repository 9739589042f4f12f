//! The Weir compiler: text in, data out. It never reads manifests, never touches `target/` and
//! never prints; the CLI owns I/O and rendering.
//!
//! Pipeline (each stage recovers and reports several diagnostics):
//! `reader::read` (text → S-expressions) → `expand::expand` (threading, `cond`) →
//! `parser::parse_module` (S-expressions → [`ast::Module`]) → `check::check_program`
//! ([`ast::Module`] → [`tir::Program`]) → `interp::run` (or codegen, later).

pub mod ast;
pub mod check;
pub mod codegen;
pub mod diag;
pub mod expand;
pub mod interp;
pub mod link;
pub mod module;
pub mod parser;
pub mod reader;
pub mod span;
pub mod syntax;
pub mod tir;
pub mod types;

use diag::Diagnostic;
use span::FileId;

/// The version baked into `weir --version` and, later, cache keys.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Result of running the front end on one file.
pub struct Frontend {
    pub program: Option<tir::Program>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads, expands, parses and checks one single-file program. `program` is `Some` only when there
/// are no errors.
pub fn compile_file(file: FileId, text: &str) -> Frontend {
    let (module, mut diagnostics) = parse_file(file, text);
    // The checker reports nothing new about a module whose syntax was broken beyond the
    // `Error` nodes the parser left, so always run it: it finds type errors in the other forms.
    let syntax_ok = !diagnostics.iter().any(Diagnostic::is_error);
    let (program, d) = check::check_module(
        &module,
        file,
        check::CheckOptions {
            require_main: syntax_ok,
        },
    );
    diagnostics.extend(d);
    diagnostics.sort_by_key(|d| {
        d.primary_span()
            .map(|s| (s.file, s.start))
            .unwrap_or_default()
    });
    let ok = !diagnostics.iter().any(Diagnostic::is_error);
    Frontend {
        program: if ok { program } else { None },
        diagnostics,
    }
}

/// Reads, expands and parses one file into a module (with diagnostics; error nodes stand for
/// the forms that failed).
pub fn parse_file(file: FileId, text: &str) -> (ast::Module, Vec<Diagnostic>) {
    let (forms, mut diagnostics) = reader::read(file, text);
    let (forms, d) = expand::expand(forms);
    diagnostics.extend(d);
    let (module, d) = parser::parse_module(&forms);
    drop(forms); // the S-expressions are several times the size of the text
    diagnostics.extend(d);
    (module, diagnostics)
}

/// Stack size of the thread that runs the front end and the interpreter (virtual memory; only
/// touched pages are committed).
pub const BIG_STACK: usize = 1 << 30;

/// Runs `f` on a new thread with a `size`-byte stack and returns its result. The front end
/// recurses over the (depth-limited) syntax tree and the interpreter over Weir calls; both run
/// here so that deep programs never overflow the main thread's stack.
pub fn with_stack<T: Send + 'static>(size: usize, f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .name("weir-main".into())
        .stack_size(size)
        .spawn(f)
        .expect("cannot spawn the interpreter thread")
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e))
}
