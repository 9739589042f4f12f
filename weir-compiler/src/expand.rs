//! Expansion of built-in sugar on S-expressions (`->`, `->>`, `cond`). STUB.
use crate::diag::Diagnostic;
use crate::syntax::Sexp;

pub fn expand(forms: Vec<Sexp>) -> (Vec<Sexp>, Vec<Diagnostic>) {
    (forms, Vec::new())
}

/// Prints forms as readable Weir source.
pub fn print_forms(_forms: &[Sexp]) -> String {
    String::new()
}
