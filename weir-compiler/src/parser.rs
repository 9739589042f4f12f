//! Parser: expanded S-expressions → AST (language.md §3). STUB.
use crate::ast::Module;
use crate::diag::Diagnostic;
use crate::syntax::Sexp;

pub fn parse_module(_forms: &[Sexp]) -> (Module, Vec<Diagnostic>) {
    (Module::default(), Vec::new())
}

/// A compact, readable dump of the AST for `weir parse`.
pub fn dump_module(_module: &Module) -> String {
    String::new()
}
