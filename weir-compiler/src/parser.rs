//! Parser: expanded S-expressions → AST (language.md §3). This file owns the top-level forms and
//! type expressions; `parser/expr.rs` owns expressions, bindings and patterns; `parser/dump.rs` the
//! `weir parse` dump.
//!
//! Invariants:
//! - The parser always returns a module plus diagnostics. An error inside a form becomes
//!   `ExprKind::Error` / `PatKind::Error` / `TypeExprKind::Error` (or drops the broken parameter,
//!   field, variant or binding) and parsing continues; a top-level form whose header is unusable
//!   (no name) is dropped. Every error names what was expected and what was found, at the span of
//!   the offending datum.
//! - Which special form a list is depends only on its head identifier (§3).
//! - Syntax-level reserved words (`syntax::RESERVED_WORDS`) are rejected as defined or bound names
//!   and as variable references here; builtin, prelude and type-name reservations are the checker's.
//! - `->`, `->>` and `cond` forms are gone after a successful expansion; any that remain failed to
//!   expand, were reported by the expander, and become `ExprKind::Error` without a new diagnostic.
//! - [later] forms (§4.7, §15) are rejected with "not supported yet".

mod dump;
mod expr;

pub use dump::dump_module;

use crate::ast::*;
use crate::diag::Diagnostic;
use crate::expand::describe;
use crate::span::Span;
use crate::syntax::{Sexp, SexpKind, RESERVED_WORDS};

/// Parses a whole module; top-level forms are parsed independently.
pub fn parse_module(forms: &[Sexp]) -> (Module, Vec<Diagnostic>) {
    let mut p = Parser { diags: Vec::new() };
    let mut module = Module::default();
    for form in forms {
        p.item(form, &mut module.items);
    }
    (module, p.diags)
}

/// [later] forms, rejected wherever they appear.
const LATER_FORMS: &[&str] = &[
    "declare",
    "defclass",
    "instance",
    "defmacro",
    "target",
    "with-arena",
    "with-tasks",
    "spawn",
    "swap!",
    "ref",
];

pub(crate) struct Parser {
    diags: Vec<Diagnostic>,
}

fn name_of(s: &Sexp, text: &str) -> Name {
    Name {
        text: text.to_string(),
        span: s.span,
    }
}

impl Parser {
    pub(crate) fn err(&mut self, span: Span, msg: impl Into<String>) {
        self.diags.push(Diagnostic::error(span, msg));
    }

    fn later(&mut self, span: Span, what: &str) {
        self.err(
            span,
            format!("`{what}` is not supported yet (it is a [later] feature)"),
        );
    }

    /// A name being defined or bound: an unqualified identifier that is not a reserved word.
    pub(crate) fn def_name(&mut self, s: &Sexp, what: &str) -> Option<Name> {
        let Some(text) = s.as_ident() else {
            self.err(
                s.span,
                format!("expected {what} (an identifier), found {}", describe(s)),
            );
            return None;
        };
        if RESERVED_WORDS.contains(&text) {
            self.err(
                s.span,
                format!("`{text}` is a reserved word and cannot be used as {what}"),
            );
            return None;
        }
        if text.len() > 1 && text[1..].contains('.') {
            self.err(
                s.span,
                format!("expected {what}, found the qualified name `{text}` (names defined here cannot contain `.`)"),
            );
            return None;
        }
        Some(name_of(s, text))
    }

    fn item(&mut self, form: &Sexp, out: &mut Vec<Item>) {
        let Some(items) = form.as_list() else {
            self.err(
                form.span,
                format!(
                    "expected a top-level definition like `(defn ...)`, found {}; expressions are not allowed at top level",
                    describe(form)
                ),
            );
            return;
        };
        let Some(head) = items.first() else {
            self.err(
                form.span,
                "expected a top-level definition like `(defn ...)`, found `()`",
            );
            return;
        };
        let head_text = head.as_ident().unwrap_or("");
        let (public, rest) = if head_text == "pub" {
            match items.get(1).and_then(Sexp::as_ident) {
                Some("defn" | "defstruct" | "deftype" | "defglobal") => (true, &items[1..]),
                _ => {
                    let found = items.get(1).map_or("nothing".to_string(), describe);
                    let span = items.get(1).map_or(form.span, |s| s.span);
                    self.err(
                        span,
                        format!("expected `defn`, `defstruct`, `deftype` or `defglobal` after `pub`, found {found}"),
                    );
                    return;
                }
            }
        } else {
            (false, items)
        };
        let kind = rest[0].as_ident().unwrap_or("");
        let item = match kind {
            "defn" => self.defn(form, rest, public).map(Item::Defn),
            "defstruct" => self.defstruct(form, rest, public).map(Item::Struct),
            "deftype" => self.deftype(form, rest, public).map(Item::Type),
            "defglobal" => self.defglobal(form, rest, public).map(Item::Global),
            "extern" => self.extern_block(form, rest).map(Item::Extern),
            "import" => self.import(form, rest).map(Item::Import),
            k if LATER_FORMS.contains(&k) => {
                self.later(rest[0].span, k);
                None
            }
            _ => {
                self.err(
                    form.span,
                    format!(
                        "expected a top-level definition (`defn`, `defstruct`, `deftype`, `defglobal`, `extern` or `import`), found {}; expressions are not allowed at top level",
                        describe(form)
                    ),
                );
                None
            }
        };
        out.extend(item);
    }

    /// Reports a missing element `what` after `prev` in `form`.
    fn missing(&mut self, form: &Sexp, what: &str) {
        let end = Span {
            start: form.span.end.saturating_sub(1),
            ..form.span
        };
        self.err(end, format!("expected {what}, found the end of the form"));
    }

    fn defn(&mut self, form: &Sexp, items: &[Sexp], public: bool) -> Option<Defn> {
        let Some(name_s) = items.get(1) else {
            self.missing(form, "a function name after `defn`");
            return None;
        };
        let name = self.def_name(name_s, "a function name")?;
        let Some(params_s) = items.get(2) else {
            self.missing(form, "a parameter list `(...)`");
            return None;
        };
        let params = self.params(params_s, true);
        let mut i = 3;
        let ret = self.opt_ret(form, items, &mut i);
        let mut doc = None;
        if let (
            Some(Sexp {
                kind: SexpKind::Str(bytes),
                ..
            }),
            true,
        ) = (items.get(i), items.len() > i + 1)
        {
            doc = Some(String::from_utf8_lossy(bytes).into_owned());
            i += 1;
        }
        let body = self.exprs(&items[i.min(items.len())..]);
        Some(Defn {
            public,
            name,
            params,
            ret,
            doc,
            body,
            span: form.span,
        })
    }

    /// `[: TYPE]` at `items[*i]`; advances `i` past it.
    fn opt_ret(&mut self, form: &Sexp, items: &[Sexp], i: &mut usize) -> Option<TypeExpr> {
        if items.get(*i).map(|s| &s.kind) != Some(&SexpKind::Colon) {
            return None;
        }
        *i += 1;
        let Some(ty) = items.get(*i) else {
            self.missing(form, "a return type after `:`");
            return None;
        };
        *i += 1;
        Some(self.ty(ty))
    }

    /// A parameter list; `typed` requires every parameter to have a type (`defn`).
    pub(crate) fn params(&mut self, s: &Sexp, typed: bool) -> Vec<Param> {
        let Some(list) = s.as_list() else {
            self.err(
                s.span,
                format!("expected a parameter list `(...)`, found {}", describe(s)),
            );
            return Vec::new();
        };
        list.iter().filter_map(|p| self.param(p, typed)).collect()
    }

    fn param(&mut self, s: &Sexp, typed: bool) -> Option<Param> {
        let expected = if typed {
            "a parameter `(name : Type)`"
        } else {
            "a parameter `name` or `(name : Type)`"
        };
        let parts = match &s.kind {
            SexpKind::Ident(_) if !typed => {
                let name = self.def_name(s, "a parameter name")?;
                return Some(Param {
                    pat: ParamPat::Name(name),
                    mutable: false,
                    ty: None,
                    span: s.span,
                });
            }
            SexpKind::List(parts) if !parts.is_empty() => parts,
            _ => {
                let mut msg = format!("expected {expected}, found {}", describe(s));
                if typed && s.as_ident().is_some() {
                    msg.push_str(" (`defn` parameters need a type)");
                }
                self.err(s.span, msg);
                return None;
            }
        };
        let mut i = 0;
        let mutable = parts[0].as_ident() == Some("mut");
        if mutable {
            i += 1;
        }
        let Some(target) = parts.get(i) else {
            self.err(s.span, "expected a parameter name after `mut`");
            return None;
        };
        let pat = if let SexpKind::Brace(_) = target.kind {
            if mutable {
                self.err(parts[0].span, "a destructured parameter cannot be `mut`");
            }
            ParamPat::Destructure(self.pattern(target))
        } else {
            ParamPat::Name(self.def_name(target, "a parameter name")?)
        };
        i += 1;
        let ty = match parts.get(i) {
            None => None,
            Some(Sexp {
                kind: SexpKind::Colon,
                ..
            }) => match parts.get(i + 1) {
                Some(t) => {
                    if let Some(extra) = parts.get(i + 2) {
                        self.err(
                            extra.span,
                            format!(
                                "expected `)` after the parameter's type, found {}",
                                describe(extra)
                            ),
                        );
                    }
                    Some(self.ty(t))
                }
                None => {
                    self.err(s.span, "expected a type after `:` in the parameter");
                    Some(TypeExpr {
                        kind: TypeExprKind::Error,
                        span: parts[i].span,
                    })
                }
            },
            Some(other) => {
                self.err(
                    other.span,
                    format!(
                        "expected `:` and a type after the parameter name, found {}",
                        describe(other)
                    ),
                );
                return None;
            }
        };
        if ty.is_none() {
            if typed {
                self.err(
                    s.span,
                    "expected a parameter `(name : Type)`: `defn` parameters need a type",
                );
            } else if matches!(pat, ParamPat::Destructure(_)) {
                self.err(
                    s.span,
                    "a destructured parameter needs its type: `({...} : T)`",
                );
            }
        }
        Some(Param {
            pat,
            mutable,
            ty,
            span: s.span,
        })
    }

    /// `NAME` or `(NAME 'a ...)` of `defstruct` / `deftype`.
    fn tname(&mut self, s: &Sexp) -> Option<(Name, Vec<Name>)> {
        match &s.kind {
            SexpKind::List(parts) if !parts.is_empty() => {
                let name = self.def_name(&parts[0], "a type name")?;
                let mut tparams = Vec::new();
                for p in &parts[1..] {
                    match &p.kind {
                        SexpKind::TypeVar(v) => tparams.push(name_of(p, v)),
                        _ => self.err(
                            p.span,
                            format!("expected a type parameter like `'a`, found {}", describe(p)),
                        ),
                    }
                }
                if parts.len() == 1 {
                    self.err(
                        s.span,
                        "expected type parameters after the type name (write `NAME` without parentheses if it has none)",
                    );
                }
                Some((name, tparams))
            }
            _ => Some((self.def_name(s, "a type name")?, Vec::new())),
        }
    }

    fn defstruct(&mut self, form: &Sexp, items: &[Sexp], public: bool) -> Option<StructDef> {
        let Some(n) = items.get(1) else {
            self.missing(form, "a struct name after `defstruct`");
            return None;
        };
        let (name, tparams) = self.tname(n)?;
        let mut fields = Vec::new();
        for f in &items[2..] {
            if let Some(fd) = self.field_def(f) {
                fields.push(fd);
            }
        }
        Some(StructDef {
            public,
            name,
            tparams,
            fields,
            span: form.span,
        })
    }

    fn field_def(&mut self, s: &Sexp) -> Option<FieldDef> {
        match s.as_list() {
            Some(
                [n, Sexp {
                    kind: SexpKind::Colon,
                    ..
                }, t],
            ) => {
                let Some(text) = n.as_ident() else {
                    self.err(
                        n.span,
                        format!("expected a field name, found {}", describe(n)),
                    );
                    return None;
                };
                if text.contains('.') {
                    self.err(n.span, format!("a field name cannot contain `.`: `{text}`"));
                    return None;
                }
                Some(FieldDef {
                    name: name_of(n, text),
                    ty: self.ty(t),
                    span: s.span,
                })
            }
            _ => {
                self.err(
                    s.span,
                    format!("expected a field `(name : Type)`, found {}", describe(s)),
                );
                None
            }
        }
    }

    fn deftype(&mut self, form: &Sexp, items: &[Sexp], public: bool) -> Option<TypeDef> {
        let Some(n) = items.get(1) else {
            self.missing(form, "a type name after `deftype`");
            return None;
        };
        let (name, tparams) = self.tname(n)?;
        let mut variants = Vec::new();
        for v in &items[2..] {
            if let Some(v) = self.variant(v) {
                variants.push(v);
            }
        }
        Some(TypeDef {
            public,
            name,
            tparams,
            variants,
            span: form.span,
        })
    }

    fn ctor_name(&mut self, s: &Sexp) -> Option<Name> {
        let name = self.def_name(s, "a constructor name")?;
        if !name.text.starts_with(|c: char| c.is_ascii_uppercase()) {
            self.err(
                s.span,
                format!(
                    "constructor names must start with `A`-`Z`, found `{}`",
                    name.text
                ),
            );
            return None;
        }
        Some(name)
    }

    fn variant(&mut self, s: &Sexp) -> Option<Variant> {
        match &s.kind {
            SexpKind::Ident(_) => Some(Variant {
                name: self.ctor_name(s)?,
                fields: Vec::new(),
                span: s.span,
            }),
            SexpKind::List(parts) if !parts.is_empty() => {
                let name = self.ctor_name(&parts[0])?;
                if parts.len() == 1 {
                    self.err(
                        s.span,
                        format!(
                            "expected field types after the constructor `{}` (a variant without fields is written without parentheses)",
                            name.text
                        ),
                    );
                }
                let fields = parts[1..].iter().map(|t| self.ty(t)).collect();
                Some(Variant {
                    name,
                    fields,
                    span: s.span,
                })
            }
            _ => {
                self.err(
                    s.span,
                    format!(
                        "expected a variant `Ctor` or `(Ctor Type ...)`, found {}",
                        describe(s)
                    ),
                );
                None
            }
        }
    }

    fn defglobal(&mut self, form: &Sexp, items: &[Sexp], public: bool) -> Option<GlobalDef> {
        let mut i = 1;
        let mutable = items.get(1).and_then(Sexp::as_ident) == Some("mut");
        if mutable {
            i += 1;
        }
        let Some(n) = items.get(i) else {
            self.missing(form, "a global name");
            return None;
        };
        let name = self.def_name(n, "a global name")?;
        i += 1;
        let ty = self.opt_ret(form, items, &mut i);
        let init = match items.get(i) {
            Some(e) => self.expr(e),
            None => {
                self.missing(form, "an initial value for the global");
                Expr {
                    kind: ExprKind::Error,
                    span: form.span,
                }
            }
        };
        for extra in items.iter().skip(i + 1) {
            self.err(
                extra.span,
                format!(
                    "expected `)` after the global's initial value, found {}",
                    describe(extra)
                ),
            );
        }
        Some(GlobalDef {
            public,
            mutable,
            name,
            ty,
            init,
            span: form.span,
        })
    }

    fn extern_block(&mut self, form: &Sexp, items: &[Sexp]) -> Option<ExternBlock> {
        match items.get(1) {
            Some(Sexp {
                kind: SexpKind::Str(abi),
                ..
            }) if abi == b"C" => {}
            Some(other) => {
                self.err(
                    other.span,
                    format!(
                        "expected the ABI string \"C\" after `extern`, found {}",
                        describe(other)
                    ),
                );
                return None;
            }
            None => {
                self.missing(form, "the ABI string \"C\" after `extern`");
                return None;
            }
        }
        let mut fns = Vec::new();
        for f in &items[2..] {
            if let Some(f) = self.extern_fn(f) {
                fns.push(f);
            }
        }
        Some(ExternBlock {
            fns,
            span: form.span,
        })
    }

    fn extern_fn(&mut self, s: &Sexp) -> Option<ExternFn> {
        let parts = match s.as_list() {
            Some(parts) => parts,
            None => {
                self.err(
                    s.span,
                    format!(
                        "expected an extern declaration `(defn name ((p : T) ...) : R)`, found {}",
                        describe(s)
                    ),
                );
                return None;
            }
        };
        let (public, parts) = match parts.first().and_then(Sexp::as_ident) {
            Some("pub") => (true, &parts[1..]),
            _ => (false, parts),
        };
        if parts.first().and_then(Sexp::as_ident) != Some("defn") {
            self.err(
                s.span,
                format!(
                    "expected an extern declaration `(defn name ((p : T) ...) : R)`, found {}",
                    describe(s)
                ),
            );
            return None;
        }
        let Some(n) = parts.get(1) else {
            self.missing(s, "a function name after `defn`");
            return None;
        };
        let name = self.def_name(n, "a function name")?;
        let Some(ps) = parts.get(2) else {
            self.missing(s, "a parameter list `(...)`");
            return None;
        };
        let mut params = Vec::new();
        match ps.as_list() {
            Some(list) => {
                for p in list {
                    match p.as_list() {
                        Some(
                            [pn, Sexp {
                                kind: SexpKind::Colon,
                                ..
                            }, t],
                        ) => {
                            if let Some(pn) = self.def_name(pn, "a parameter name") {
                                let t = self.ty(t);
                                params.push((pn, t));
                            }
                        }
                        _ => self.err(
                            p.span,
                            format!(
                                "expected an extern parameter `(name : Type)`, found {}",
                                describe(p)
                            ),
                        ),
                    }
                }
            }
            None => self.err(
                ps.span,
                format!("expected a parameter list `(...)`, found {}", describe(ps)),
            ),
        }
        let mut i = 3;
        let ret = self.opt_ret(s, parts, &mut i);
        if let Some(extra) = parts.get(i) {
            self.err(
                extra.span,
                format!(
                    "expected `)` after the extern declaration (extern functions have no body), found {}",
                    describe(extra)
                ),
            );
        }
        Some(ExternFn {
            public,
            name,
            params,
            ret,
            span: s.span,
        })
    }

    fn import(&mut self, form: &Sexp, items: &[Sexp]) -> Option<Import> {
        let Some(m) = items.get(1) else {
            self.missing(form, "a module name after `import`");
            return None;
        };
        let Some(mtext) = m.as_ident() else {
            self.err(
                m.span,
                format!(
                    "expected a module name after `import`, found {}",
                    describe(m)
                ),
            );
            return None;
        };
        let module = name_of(m, mtext);
        let kind = match (items.get(2), items.get(3)) {
            (
                Some(Sexp {
                    kind: SexpKind::List(names),
                    ..
                }),
                None,
            ) => {
                let mut out = Vec::new();
                for n in names {
                    match n.as_ident() {
                        Some(t) if !t[1..].contains('.') => out.push(name_of(n, t)),
                        _ => self.err(
                            n.span,
                            format!("expected a name to import, found {}", describe(n)),
                        ),
                    }
                }
                ImportKind::Names(out)
            }
            (
                Some(Sexp {
                    kind: SexpKind::Keyword(k),
                    ..
                }),
                Some(alias),
            ) if k == "as" => {
                if let Some(extra) = items.get(4) {
                    self.err(
                        extra.span,
                        format!(
                            "expected `)` after the import alias, found {}",
                            describe(extra)
                        ),
                    );
                }
                ImportKind::Alias(self.def_name(alias, "a module alias")?)
            }
            (
                Some(Sexp {
                    kind: SexpKind::Keyword(k),
                    ..
                }),
                None,
            ) if k == "all" => ImportKind::All,
            (Some(other), _) => {
                self.err(
                    other.span,
                    format!(
                        "expected a list of names `(a b ...)`, `:as NAME` or `:all` after the module name, found {}",
                        describe(other)
                    ),
                );
                return None;
            }
            (None, _) => {
                self.missing(form, "a list of names `(a b ...)`, `:as NAME` or `:all`");
                return None;
            }
        };
        Some(Import {
            module,
            kind,
            span: form.span,
        })
    }

    pub(crate) fn ty(&mut self, s: &Sexp) -> TypeExpr {
        let kind = match &s.kind {
            SexpKind::Ident(t) => TypeExprKind::Named {
                name: name_of(s, t),
                args: Vec::new(),
            },
            SexpKind::TypeVar(v) => TypeExprKind::Var(name_of(s, v)),
            SexpKind::List(parts) if !parts.is_empty() => return self.ty_list(s, parts),
            _ => {
                self.err(s.span, format!("expected a type, found {}", describe(s)));
                TypeExprKind::Error
            }
        };
        TypeExpr { kind, span: s.span }
    }

    fn ty_list(&mut self, s: &Sexp, parts: &[Sexp]) -> TypeExpr {
        let error = TypeExpr {
            kind: TypeExprKind::Error,
            span: s.span,
        };
        if parts.len() == 1 {
            // `(T)` is `T`.
            let mut t = self.ty(&parts[0]);
            t.span = s.span;
            return t;
        }
        match &parts[0].kind {
            SexpKind::Ident(f) if f == "Fn" => {
                let ps = match &parts[1].kind {
                    SexpKind::Vector(ps) => ps,
                    _ => {
                        self.err(
                            parts[1].span,
                            format!(
                                "expected the parameter types `[A B ...]` of a function type, found {}",
                                describe(&parts[1])
                            ),
                        );
                        return error;
                    }
                };
                if parts.len() != 3 {
                    self.err(
                        s.span,
                        "a function type is written `(Fn [A B ...] R)` with exactly one result type",
                    );
                    return error;
                }
                let params = ps.iter().map(|p| self.ty(p)).collect();
                let ret = Box::new(self.ty(&parts[2]));
                TypeExpr {
                    kind: TypeExprKind::Fn { params, ret },
                    span: s.span,
                }
            }
            SexpKind::Ident(t) => TypeExpr {
                kind: TypeExprKind::Named {
                    name: name_of(&parts[0], t),
                    args: parts[1..].iter().map(|a| self.ty(a)).collect(),
                },
                span: s.span,
            },
            _ => {
                self.err(
                    parts[0].span,
                    format!(
                        "expected a type name at the head of an applied type, found {}",
                        describe(&parts[0])
                    ),
                );
                error
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod test_support;
#[cfg(test)]
mod tests;
