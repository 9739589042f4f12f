//! Expansion of built-in sugar on S-expressions: `->`/`->>` threading (§6.15) and `cond` (§6.5),
//! plus [`print_forms`], which prints an (expanded) program back as Weir source.
//!
//! Invariants:
//! - Expansion is outside-in: a form is rewritten first and the result's sub-forms are expanded
//!   afterwards, so `(-> x (cond ...))` threads `x` into the `cond` before it is expanded.
//! - Every synthesised form carries the span of the user form it replaces: the final call of a
//!   thread and the outermost `if` of a `cond` carry the whole form's span; intermediate calls carry
//!   their step's span and inner `if`s their clause's span.
//! - A form that fails to expand is reported and left in place (its sub-forms still expanded); the
//!   parser treats any remaining `->`, `->>` or `cond` form as already reported.
//! - Expansion never nests the tree deeper than [`MAX_EXPANDED_DEPTH`] (a thread of n steps nests n
//!   levels), so later recursive passes stay within bounds.
//! - [`print_forms`] output reads back (with `reader::read`) to the same S-expressions, spans aside.

use crate::diag::Diagnostic;
use crate::span::Span;
use crate::syntax::{Sexp, SexpKind};

/// Maximum depth of the expanded tree (the reader allows 1000; expansion may add nesting).
pub const MAX_EXPANDED_DEPTH: usize = 2000;

/// Expands every `->`, `->>` and `cond` form in the program.
pub fn expand(forms: Vec<Sexp>) -> (Vec<Sexp>, Vec<Diagnostic>) {
    let mut ctx = Ctx { diags: Vec::new() };
    let forms = forms.into_iter().map(|f| ctx.expand(f, 0)).collect();
    (forms, ctx.diags)
}

struct Ctx {
    diags: Vec<Diagnostic>,
}

fn list(items: Vec<Sexp>, span: Span) -> Sexp {
    Sexp::new(SexpKind::List(items), span)
}

/// A short description of a datum for error messages.
pub(crate) fn describe(s: &Sexp) -> String {
    match &s.kind {
        SexpKind::List(items) if items.is_empty() => "`()`".to_string(),
        SexpKind::List(_) => match s.head() {
            Some(h) => format!("the form `({h} ...)`"),
            None => "a list `(...)`".to_string(),
        },
        SexpKind::Vector(_) => "a vector `[...]`".to_string(),
        SexpKind::Brace(_) => "a brace form `{...}`".to_string(),
        SexpKind::Int(v) => format!("the integer `{v}`"),
        SexpKind::Float(t) => format!("the float `{t}`"),
        SexpKind::Str(b) if b.len() <= 24 => {
            format!("the string {:?}", String::from_utf8_lossy(b))
        }
        SexpKind::Str(_) => "a string literal".to_string(),
        SexpKind::Bool(b) => format!("`{b}`"),
        SexpKind::Keyword(k) => format!("the keyword `:{k}`"),
        SexpKind::TypeVar(v) => format!("the type variable `'{v}`"),
        SexpKind::Field(f) => format!("the field accessor `.{f}`"),
        SexpKind::Ident(i) => format!("the identifier `{i}`"),
        SexpKind::Colon => "`:`".to_string(),
        SexpKind::Try(_) => "a `?` expression".to_string(),
    }
}

impl Ctx {
    fn expand(&mut self, mut form: Sexp, depth: usize) -> Sexp {
        // A rewrite may produce another sugar form (`(-> x (->> y f))`); repeat until none is left.
        // `added` counts the nesting the rewrites at this position have introduced.
        let mut added = 0;
        loop {
            let res = match form.head() {
                Some("->") => self.thread(form, false, depth + added),
                Some("->>") => self.thread(form, true, depth + added),
                Some("cond") => self.cond(form, depth + added),
                _ => break,
            };
            match res {
                Ok((f, n)) => {
                    form = f;
                    added += n;
                }
                Err(f) => {
                    form = f;
                    break;
                }
            }
        }
        self.expand_children(form, depth)
    }

    fn expand_children(&mut self, form: Sexp, depth: usize) -> Sexp {
        let Sexp { kind, span } = form;
        let kind = match kind {
            SexpKind::List(items) => SexpKind::List(self.expand_all(items, depth)),
            SexpKind::Vector(items) => SexpKind::Vector(self.expand_all(items, depth)),
            SexpKind::Brace(items) => SexpKind::Brace(self.expand_all(items, depth)),
            SexpKind::Try(inner) => SexpKind::Try(Box::new(self.expand(*inner, depth + 1))),
            other => other,
        };
        Sexp::new(kind, span)
    }

    fn expand_all(&mut self, items: Vec<Sexp>, depth: usize) -> Vec<Sexp> {
        items
            .into_iter()
            .map(|s| self.expand(s, depth + 1))
            .collect()
    }

    fn too_deep(&mut self, span: Span, depth: usize, added: usize) -> bool {
        if depth + added > MAX_EXPANDED_DEPTH {
            self.diags.push(Diagnostic::error(
                span,
                format!("nesting too deep after expansion (more than {MAX_EXPANDED_DEPTH} levels)"),
            ));
            true
        } else {
            false
        }
    }

    /// `(-> e s1 ... sn)` / `(->> e s1 ... sn)`; returns the form unchanged after an error.
    fn thread(&mut self, form: Sexp, last: bool, depth: usize) -> Result<(Sexp, usize), Sexp> {
        let items = form.as_list().unwrap();
        let name = if last { "->>" } else { "->" };
        let Some(init) = items.get(1) else {
            self.diags.push(
                Diagnostic::error(
                    form.span,
                    format!("`({name})` needs an expression to thread"),
                )
                .with_note(format!("write `({name} e step ...)`")),
            );
            return Err(form);
        };
        let steps = &items[2..];
        let mut ok = true;
        if let (SexpKind::Keyword(k), false) = (&init.kind, steps.is_empty()) {
            self.diags.push(
                Diagnostic::error(
                    init.span,
                    format!(
                        "threading would put the keyword `:{k}` into an argument list, where it is a label"
                    ),
                )
                .with_note(format!("bind the string first: `(let ((k :{k})) ({name} k ...))`")),
            );
            ok = false;
        }
        for step in steps {
            let bad = match &step.kind {
                SexpKind::Ident(_) | SexpKind::Field(_) => None,
                SexpKind::List(items) if !items.is_empty() => None,
                SexpKind::Keyword(k) => Some(format!(
                    "a keyword cannot be a threading step: `(f :{k})` would make `:{k}` a label"
                )),
                _ => Some(format!(
                    "expected a threading step (a function name, a field accessor `.f` or a call `(g a ...)`), found {}",
                    describe(step)
                )),
            };
            if let Some(msg) = bad {
                self.diags.push(Diagnostic::error(step.span, msg));
                ok = false;
            }
        }
        let n = steps.len();
        if !ok || self.too_deep(form.span, depth, n) {
            return Err(form);
        }
        let Sexp { kind, span } = form;
        let SexpKind::List(items) = kind else {
            unreachable!()
        };
        let mut it = items.into_iter().skip(1);
        let mut acc = it.next().unwrap();
        for (i, step) in it.enumerate() {
            let call_span = if i + 1 == n { span } else { step.span };
            acc = match step.kind {
                SexpKind::List(mut args) => {
                    if last {
                        args.push(acc);
                    } else {
                        args.insert(1, acc);
                    }
                    list(args, call_span)
                }
                _ => list(vec![step, acc], call_span),
            };
        }
        Ok((acc, n))
    }

    /// `(cond (t e)* (else e))` → nested `if`; returns the form unchanged after an error.
    fn cond(&mut self, form: Sexp, depth: usize) -> Result<(Sexp, usize), Sexp> {
        let items = form.as_list().unwrap();
        let clauses = &items[1..];
        let mut ok = true;
        for (i, clause) in clauses.iter().enumerate() {
            let is_last = i + 1 == clauses.len();
            match clause.as_list() {
                Some(parts) if parts.len() == 2 => {
                    let is_else = parts[0].as_ident() == Some("else");
                    if is_else && !is_last {
                        self.diags.push(Diagnostic::error(
                            clause.span,
                            "the `else` clause of `cond` must be the last clause",
                        ));
                        ok = false;
                    } else if !is_else && is_last {
                        self.diags.push(
                            Diagnostic::error(form.span, "`cond` needs a final `(else e)` clause")
                                .with_secondary(clause.span, "last clause")
                                .with_note("every `cond` must end with `(else e)`"),
                        );
                        ok = false;
                    }
                }
                Some(parts) => {
                    let msg = if parts.first().and_then(Sexp::as_ident) == Some("else") {
                        format!(
                            "an `else` clause of `cond` must be `(else e)` with exactly one expression, found {} elements",
                            parts.len()
                        )
                    } else {
                        format!(
                            "a `cond` clause must be `(test e)` with exactly two elements, found {} elements",
                            parts.len()
                        )
                    };
                    self.diags.push(Diagnostic::error(clause.span, msg));
                    ok = false;
                }
                None => {
                    self.diags.push(Diagnostic::error(
                        clause.span,
                        format!(
                            "expected a `cond` clause `(test e)`, found {}",
                            describe(clause)
                        ),
                    ));
                    ok = false;
                }
            }
        }
        if clauses.is_empty() {
            self.diags.push(
                Diagnostic::error(form.span, "`cond` needs a final `(else e)` clause")
                    .with_note("write `(cond (test e) ... (else e))`"),
            );
            ok = false;
        }
        let n = clauses.len();
        if !ok || self.too_deep(form.span, depth, n) {
            return Err(form);
        }
        let Sexp { kind, span } = form;
        let SexpKind::List(items) = kind else {
            unreachable!()
        };
        let mut it = items.into_iter();
        let head = it.next().unwrap();
        let mut clauses: Vec<Sexp> = it.collect();
        let else_clause = clauses.pop().unwrap();
        let mut acc = take_pair(else_clause).1;
        for (i, clause) in clauses.into_iter().enumerate().rev() {
            let clause_span = if i == 0 { span } else { clause.span };
            let (test, e) = take_pair(clause);
            let if_head = Sexp::new(SexpKind::Ident("if".to_string()), head.span);
            acc = list(vec![if_head, test, e, acc], clause_span);
        }
        Ok((acc, n))
    }
}

fn take_pair(clause: Sexp) -> (Sexp, Sexp) {
    let SexpKind::List(parts) = clause.kind else {
        unreachable!()
    };
    let mut it = parts.into_iter();
    let a = it.next().unwrap();
    let b = it.next().unwrap();
    (a, b)
}

// ---------------------------------------------------------------------------------------------
// Printing

const WIDTH: usize = 80;

/// Prints forms as readable Weir source: one top-level form per paragraph, short forms on one
/// line, long lists broken with the head on the first line and further elements indented.
pub fn print_forms(forms: &[Sexp]) -> String {
    let mut out = String::new();
    for (i, form) in forms.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        print_sexp(form, 0, &mut out);
        out.push('\n');
    }
    out
}

/// Prints a datum on one line into `out`; stops early (returns false) once `out` exceeds `limit`.
fn flat(s: &Sexp, out: &mut String, limit: usize) -> bool {
    if out.len() > limit {
        return false;
    }
    match &s.kind {
        SexpKind::List(items) | SexpKind::Vector(items) | SexpKind::Brace(items) => {
            let (open, close) = delims(s);
            out.push(open);
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                if !flat(item, out, limit) {
                    return false;
                }
            }
            out.push(close);
        }
        SexpKind::Try(inner) => {
            if !flat(inner, out, limit) {
                return false;
            }
            if try_needs_space(inner) {
                out.push(' ');
            }
            out.push('?');
        }
        _ => atom(s, out),
    }
    out.len() <= limit
}

fn delims(s: &Sexp) -> (char, char) {
    match s.kind {
        SexpKind::Vector(_) => ('[', ']'),
        SexpKind::Brace(_) => ('{', '}'),
        _ => ('(', ')'),
    }
}

/// Would a `?` written directly after this datum be read as part of it?
fn try_needs_space(inner: &Sexp) -> bool {
    !matches!(
        inner.kind,
        SexpKind::List(_)
            | SexpKind::Vector(_)
            | SexpKind::Brace(_)
            | SexpKind::Str(_)
            | SexpKind::Try(_)
    )
}

fn atom(s: &Sexp, out: &mut String) {
    use std::fmt::Write;
    match &s.kind {
        SexpKind::Int(v) => write!(out, "{v}").unwrap(),
        SexpKind::Float(t) => out.push_str(t),
        SexpKind::Str(bytes) => {
            out.push('"');
            for ch in String::from_utf8_lossy(bytes).chars() {
                match ch {
                    '\n' => out.push_str("\\n"),
                    '\t' => out.push_str("\\t"),
                    '\r' => out.push_str("\\r"),
                    '\\' => out.push_str("\\\\"),
                    '"' => out.push_str("\\\""),
                    '\0' => out.push_str("\\0"),
                    c => out.push(c),
                }
            }
            out.push('"');
        }
        SexpKind::Bool(b) => write!(out, "{b}").unwrap(),
        SexpKind::Keyword(k) => write!(out, ":{k}").unwrap(),
        SexpKind::TypeVar(v) => write!(out, "'{v}").unwrap(),
        SexpKind::Field(f) => write!(out, ".{f}").unwrap(),
        SexpKind::Ident(i) => out.push_str(i),
        SexpKind::Colon => out.push(':'),
        SexpKind::List(_) | SexpKind::Vector(_) | SexpKind::Brace(_) | SexpKind::Try(_) => {
            unreachable!("not an atom")
        }
    }
}

/// How a broken list places its elements after the head.
enum Layout {
    /// Up to n header elements (a name, parameters, a test) on the head's line, then one element
    /// per line: definitions and special forms with bodies.
    Header(usize),
    /// As many elements per line as fit: calls and data.
    Fill,
}

fn layout(items: &[Sexp]) -> Layout {
    match items.first().and_then(Sexp::as_ident) {
        Some("defn") => {
            if items.get(3).is_some_and(|s| s.kind == SexpKind::Colon) {
                Layout::Header(4)
            } else {
                Layout::Header(2)
            }
        }
        Some("pub" | "do" | "unsafe" | "and" | "or" | "extern") => Layout::Header(0),
        Some(
            "fn" | "let" | "if" | "when" | "unless" | "match" | "for" | "for-each" | "defstruct"
            | "deftype" | "defglobal" | "set!" | "update" | "ann" | "import",
        ) => Layout::Header(1),
        _ => Layout::Fill,
    }
}

/// Does `item` print on one line when started at column `col`?
fn line_is_flat(item: &Sexp, col: usize) -> bool {
    flat(item, &mut String::new(), WIDTH.saturating_sub(col))
}

/// Column of the end of `out` (characters since the last newline).
fn column(out: &str) -> usize {
    let start = out.rfind('\n').map_or(0, |i| i + 1);
    out[start..].chars().count()
}

fn print_sexp(s: &Sexp, indent: usize, out: &mut String) {
    let col = column(out);
    let budget = WIDTH.saturating_sub(col);
    let mut line = String::new();
    if flat(s, &mut line, budget) {
        out.push_str(&line);
        return;
    }
    match &s.kind {
        SexpKind::List(items) | SexpKind::Vector(items) | SexpKind::Brace(items) => {
            let (open, close) = delims(s);
            out.push(open);
            // Calls and special forms indent their arguments by 2; data, and lists of lists
            // (bindings, parameters, match arms), align their elements after the delimiter.
            let ident_head = items.first().is_some_and(|h| h.as_ident().is_some());
            let inner = indent + if open == '(' && ident_head { 2 } else { 1 };
            let layout = match open {
                '(' if ident_head => layout(items),
                '(' => Layout::Header(0),
                _ => Layout::Fill,
            };
            let mut rest = items.iter().enumerate().peekable();
            if let Some((_, first)) = rest.next() {
                print_sexp(first, indent + 1, out);
            }
            let mut fresh_line = false;
            for (i, item) in rest {
                let mut line = String::new();
                let mut fits = flat(item, &mut line, WIDTH.saturating_sub(column(out) + 1));
                if item.kind == SexpKind::Colon {
                    // Keep `: Type` together.
                    if let Some(ty) = items.get(i + 1) {
                        fits = fits && line_is_flat(ty, column(out) + 3);
                    }
                }
                let same_line = match layout {
                    Layout::Header(n) => i <= n && fits,
                    Layout::Fill => fits && !fresh_line,
                };
                if same_line {
                    out.push(' ');
                    out.push_str(&line);
                    continue;
                }
                let list_of_lists = item
                    .as_list()
                    .is_some_and(|l| l.first().is_some_and(|h| h.as_list().is_some()));
                if matches!(layout, Layout::Header(n) if i <= n) && list_of_lists {
                    // A long binding list stays on the head's line, its elements aligned.
                    out.push(' ');
                    let col = column(out);
                    print_sexp(item, col, out);
                    fresh_line = true;
                    continue;
                }
                out.push('\n');
                out.extend(std::iter::repeat_n(' ', inner));
                print_sexp(item, inner, out);
                // After an element that had to be broken, start the next one on a new line.
                fresh_line = !line_is_flat(item, inner);
            }
            out.push(close);
        }
        SexpKind::Try(inner) => {
            print_sexp(inner, indent, out);
            if try_needs_space(inner) {
                out.push(' ');
            }
            out.push('?');
        }
        _ => atom(s, out),
    }
}

#[cfg(test)]
mod tests;
