//! Type checker: AST → typed IR (language.md §5). STUB.
use crate::ast::Module;
use crate::diag::Diagnostic;
use crate::tir::Program;

pub fn check_program(_module: &Module) -> (Option<Program>, Vec<Diagnostic>) {
    (None, Vec::new())
}
