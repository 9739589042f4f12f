//! Lexer and reader: UTF-8 text → S-expressions (language.md §2). STUB.
use crate::diag::Diagnostic;
use crate::span::FileId;
use crate::syntax::Sexp;

pub fn read(_file: FileId, _text: &str) -> (Vec<Sexp>, Vec<Diagnostic>) {
    (Vec::new(), Vec::new())
}
