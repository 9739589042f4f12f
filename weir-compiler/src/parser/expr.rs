//! Expressions, `let` bindings, `set!` places and patterns (language.md §3, §6).
//!
//! Dispatch is on the head identifier only: a list whose head is a special-form name is that
//! form (`(if ...)` is always `if`); any other non-empty list is a call, except `(.f e)`, which is
//! a field access.

use super::{Parser, LATER_FORMS};
use crate::ast::*;
use crate::expand::describe;
use crate::span::Span;
use crate::syntax::{Sexp, SexpKind, RESERVED_WORDS};

fn ex(kind: ExprKind, span: Span) -> Expr {
    Expr { kind, span }
}

fn name_of(s: &Sexp, text: &str) -> Name {
    Name {
        text: text.to_string(),
        span: s.span,
    }
}

/// Does a (possibly qualified) name refer to a constructor (last segment starts with `A`-`Z`)?
fn is_ctor_name(text: &str) -> bool {
    let last = text.rsplit('.').next().unwrap_or(text);
    last.starts_with(|c: char| c.is_ascii_uppercase())
}

impl Parser {
    pub(crate) fn exprs(&mut self, items: &[Sexp]) -> Vec<Expr> {
        items.iter().map(|e| self.expr(e)).collect()
    }

    fn error_expr(&mut self, span: Span, msg: impl Into<String>) -> Expr {
        self.err(span, msg);
        ex(ExprKind::Error, span)
    }

    pub(crate) fn expr(&mut self, s: &Sexp) -> Expr {
        let kind = match &s.kind {
            SexpKind::Int(v) => ExprKind::Int(*v),
            SexpKind::Float(t) => ExprKind::Float(t.clone()),
            SexpKind::Str(b) => ExprKind::Str(b.clone()),
            SexpKind::Bool(b) => ExprKind::Bool(*b),
            SexpKind::Keyword(k) => ExprKind::Keyword(k.clone()),
            SexpKind::Ident(t) => {
                if RESERVED_WORDS.contains(&t.as_str()) {
                    return self.error_expr(
                        s.span,
                        format!("expected an expression, found the reserved word `{t}`"),
                    );
                }
                ExprKind::Var(name_of(s, t))
            }
            SexpKind::Field(f) => {
                return self.error_expr(
                    s.span,
                    format!("`.{f}` on its own as a function value is not supported yet ([later]); write `(.{f} e)` or wrap it in `fn`"),
                )
            }
            SexpKind::TypeVar(_) | SexpKind::Colon => {
                return self.error_expr(
                    s.span,
                    format!("expected an expression, found {}", describe(s)),
                )
            }
            SexpKind::Vector(items) => ExprKind::Vector(self.exprs(items)),
            SexpKind::Brace(_) => {
                return self.error_expr(
                    s.span,
                    "map literals `{k v ...}` are not supported yet ([later])",
                )
            }
            SexpKind::Try(inner) => ExprKind::Try(Box::new(self.expr(inner))),
            SexpKind::List(items) => return self.list_expr(s, items),
        };
        ex(kind, s.span)
    }

    fn list_expr(&mut self, s: &Sexp, items: &[Sexp]) -> Expr {
        let Some(head) = items.first() else {
            return self.error_expr(
                s.span,
                "expected an expression, found `()` (Unit has no literal; `(do)` produces it)",
            );
        };
        let args = &items[1..];
        if let SexpKind::Field(f) = &head.kind {
            return self.field_access(s, head, f, args);
        }
        let Some(h) = head.as_ident() else {
            return self.call(s, head, args);
        };
        let kind = match h {
            "let" => self.let_form(s, args),
            "set!" => self.set_form(s, args),
            "update" => self.update_form(s, args),
            "if" => self.if_form(s, args),
            "when" | "unless" => {
                let Some(c) = args.first() else {
                    return self.error_expr(
                        s.span,
                        format!("expected a condition after `{h}`, found the end of the form"),
                    );
                };
                ExprKind::When {
                    cond: Box::new(self.expr(c)),
                    negate: h == "unless",
                    body: self.exprs(&args[1..]),
                }
            }
            "do" => ExprKind::Do(self.exprs(args)),
            "unsafe" => ExprKind::Unsafe(self.exprs(args)),
            "and" => ExprKind::And(self.exprs(args)),
            "or" => ExprKind::Or(self.exprs(args)),
            "match" => self.match_form(s, args),
            "fn" => self.fn_form(s, args),
            "ann" => {
                if args.len() != 2 {
                    return self.error_expr(
                        s.span,
                        format!(
                            "`ann` takes a type and an expression `(ann T e)`, found {} arguments",
                            args.len()
                        ),
                    );
                }
                ExprKind::Ann {
                    ty: self.ty(&args[0]),
                    expr: Box::new(self.expr(&args[1])),
                }
            }
            "for" | "for-each" => self.loop_form(s, h, args),
            // Left behind by a failed expansion, which was reported.
            "cond" | "->" | "->>" => ExprKind::Error,
            "defn" | "defstruct" | "deftype" | "defglobal" | "extern" | "import" | "pub" => {
                return self.error_expr(
                    s.span,
                    format!("`{h}` is only allowed at top level, not inside an expression"),
                )
            }
            _ if LATER_FORMS.contains(&h) => {
                return self.error_expr(
                    head.span,
                    format!("`{h}` is not supported yet (it is a [later] feature)"),
                )
            }
            _ if RESERVED_WORDS.contains(&h) => {
                return self.error_expr(
                    head.span,
                    format!(
                    "expected an expression or a function to call, found the reserved word `{h}`"
                ),
                )
            }
            _ => return self.call(s, head, args),
        };
        ex(kind, s.span)
    }

    fn field_access(&mut self, s: &Sexp, head: &Sexp, f: &str, args: &[Sexp]) -> Expr {
        if args.len() != 1 || matches!(args[0].kind, SexpKind::Keyword(_)) {
            return self.error_expr(
                s.span,
                format!(
                    "a field access `(.{f} e)` takes exactly one expression, found {} arguments",
                    args.len()
                ),
            );
        }
        ex(
            ExprKind::FieldAccess {
                field: name_of(head, f),
                expr: Box::new(self.expr(&args[0])),
            },
            s.span,
        )
    }

    fn call(&mut self, s: &Sexp, head: &Sexp, rest: &[Sexp]) -> Expr {
        let callee = Box::new(self.expr(head));
        let mut args = Vec::new();
        let mut i = 0;
        while i < rest.len() {
            let a = &rest[i];
            if let SexpKind::Keyword(k) = &a.kind {
                let label = name_of(a, k);
                match rest.get(i + 1) {
                    Some(v) if !matches!(v.kind, SexpKind::Keyword(_)) => {
                        args.push(Arg {
                            label: Some(label),
                            expr: self.expr(v),
                        });
                        i += 2;
                    }
                    next => {
                        let found = next.map_or("the end of the call".to_string(), describe);
                        self.err(
                            a.span,
                            format!(
                                "expected a value after the label `:{k}`, found {found} (a keyword in an argument list is always a label; bind the string first: `(let ((k :{k})) ...)`)"
                            ),
                        );
                        args.push(Arg {
                            label: Some(label),
                            expr: ex(ExprKind::Error, a.span),
                        });
                        i += 1;
                    }
                }
            } else {
                args.push(Arg {
                    label: None,
                    expr: self.expr(a),
                });
                i += 1;
            }
        }
        ex(ExprKind::Call { callee, args }, s.span)
    }

    fn let_form(&mut self, s: &Sexp, args: &[Sexp]) -> ExprKind {
        let Some(bs) = args.first() else {
            self.err(s.span, "expected a binding list `((name value) ...)` after `let`, found the end of the form");
            return ExprKind::Error;
        };
        let Some(list) = bs.as_list() else {
            self.err(
                bs.span,
                format!(
                    "expected a binding list `((name value) ...)` after `let`, found {}",
                    describe(bs)
                ),
            );
            return ExprKind::Error;
        };
        let bindings = list.iter().filter_map(|b| self.binding(b)).collect();
        ExprKind::Let {
            bindings,
            body: self.exprs(&args[1..]),
        }
    }

    fn binding(&mut self, s: &Sexp) -> Option<Binding> {
        const EXPECTED: &str =
            "a binding `(name value)`, `(mut name value)`, `((name : Type) value)` or `({:field ...} value)`";
        let Some(parts) = s.as_list() else {
            self.err(
                s.span,
                format!("expected {EXPECTED}, found {}", describe(s)),
            );
            return None;
        };
        let (pat, ty, value) = match parts {
            [m, n, v] if m.as_ident() == Some("mut") => {
                let name = self.def_name(n, "a variable name")?;
                (
                    BindPat::Name {
                        name,
                        mutable: true,
                    },
                    None,
                    v,
                )
            }
            [m, _] if m.as_ident() == Some("mut") => {
                self.err(
                    s.span,
                    "expected a mutable binding `(mut name value)`, found `(mut name)` without a value",
                );
                return None;
            }
            [target, v] => match &target.kind {
                SexpKind::Ident(_) => {
                    let name = self.def_name(target, "a variable name")?;
                    (
                        BindPat::Name {
                            name,
                            mutable: false,
                        },
                        None,
                        v,
                    )
                }
                SexpKind::Brace(_) => (BindPat::Destructure(self.pattern(target)), None, v),
                SexpKind::List(inner) => {
                    let (mutable, rest) = match inner.first().and_then(Sexp::as_ident) {
                        Some("mut") => (true, &inner[1..]),
                        _ => (false, &inner[..]),
                    };
                    match rest {
                        [n, Sexp {
                            kind: SexpKind::Colon,
                            ..
                        }, t] => {
                            let name = self.def_name(n, "a variable name")?;
                            let ty = self.ty(t);
                            (BindPat::Name { name, mutable }, Some(ty), v)
                        }
                        _ => {
                            self.err(
                                target.span,
                                format!("expected an annotated name `(name : Type)` or `(mut name : Type)`, found {}", describe(target)),
                            );
                            return None;
                        }
                    }
                }
                _ => {
                    self.err(
                        target.span,
                        format!("expected a variable name or `{{:field ...}}` pattern to bind, found {}", describe(target)),
                    );
                    return None;
                }
            },
            _ => {
                self.err(
                    s.span,
                    format!(
                        "expected {EXPECTED}, found a list of {} elements",
                        parts.len()
                    ),
                );
                return None;
            }
        };
        Some(Binding {
            pat,
            ty,
            value: self.expr(value),
            span: s.span,
        })
    }

    fn set_form(&mut self, s: &Sexp, args: &[Sexp]) -> ExprKind {
        if args.len() != 2 {
            self.err(
                s.span,
                format!(
                    "`set!` takes a place and a value `(set! place e)`, found {} arguments",
                    args.len()
                ),
            );
            return ExprKind::Error;
        }
        let Some(place) = self.place(&args[0]) else {
            return ExprKind::Error;
        };
        ExprKind::Set {
            place,
            value: Box::new(self.expr(&args[1])),
        }
    }

    fn place(&mut self, s: &Sexp) -> Option<Place> {
        match &s.kind {
            SexpKind::Ident(t) if !RESERVED_WORDS.contains(&t.as_str()) => {
                Some(Place::Var(name_of(s, t)))
            }
            SexpKind::List(parts) => match parts.as_slice() {
                [f @ Sexp {
                    kind: SexpKind::Field(fname),
                    ..
                }, inner] => {
                    let inner = self.place(inner)?;
                    Some(Place::Field {
                        field: name_of(f, fname),
                        inner: Box::new(inner),
                        span: s.span,
                    })
                }
                _ => {
                    self.err(
                        s.span,
                        format!(
                            "expected a place (a variable or `(.field place)`), found {}",
                            describe(s)
                        ),
                    );
                    None
                }
            },
            _ => {
                self.err(
                    s.span,
                    format!(
                        "expected a place (a variable or `(.field place)`), found {}",
                        describe(s)
                    ),
                );
                None
            }
        }
    }

    fn update_form(&mut self, s: &Sexp, args: &[Sexp]) -> ExprKind {
        let Some(target) = args.first() else {
            self.err(
                s.span,
                "expected a struct value after `update`, found the end of the form",
            );
            return ExprKind::Error;
        };
        let target = Box::new(self.expr(target));
        let mut fields = Vec::new();
        let rest = &args[1..];
        if rest.is_empty() {
            self.err(s.span, "`update` needs at least one `:field value` pair");
        }
        let mut i = 0;
        while i < rest.len() {
            let k = &rest[i];
            let SexpKind::Keyword(f) = &k.kind else {
                self.err(
                    k.span,
                    format!(
                        "expected a field label `:field` in `update`, found {}",
                        describe(k)
                    ),
                );
                i += 1;
                continue;
            };
            match rest.get(i + 1) {
                Some(v) => fields.push((name_of(k, f), self.expr(v))),
                None => self.err(
                    k.span,
                    format!("expected a value after `:{f}` in `update`, found the end of the form"),
                ),
            }
            i += 2;
        }
        ExprKind::Update { target, fields }
    }

    fn if_form(&mut self, s: &Sexp, args: &[Sexp]) -> ExprKind {
        if !(2..=3).contains(&args.len()) {
            self.err(
                s.span,
                format!(
                    "`if` takes a condition, a then-branch and an optional else-branch, found {} arguments",
                    args.len()
                ),
            );
            return ExprKind::Error;
        }
        ExprKind::If {
            cond: Box::new(self.expr(&args[0])),
            then: Box::new(self.expr(&args[1])),
            els: args.get(2).map(|e| Box::new(self.expr(e))),
        }
    }

    fn match_form(&mut self, s: &Sexp, args: &[Sexp]) -> ExprKind {
        let Some(scrut) = args.first() else {
            self.err(
                s.span,
                "expected an expression to match on after `match`, found the end of the form",
            );
            return ExprKind::Error;
        };
        let scrutinee = Box::new(self.expr(scrut));
        if args.len() == 1 {
            self.err(
                s.span,
                "`match` needs at least one arm `(pattern body ...)`",
            );
        }
        let mut arms = Vec::new();
        for a in &args[1..] {
            match a.as_list() {
                Some([pat, body @ ..]) => arms.push(Arm {
                    pat: self.pattern(pat),
                    body: self.exprs(body),
                    span: a.span,
                }),
                _ => self.err(
                    a.span,
                    format!(
                        "expected a match arm `(pattern body ...)`, found {}",
                        describe(a)
                    ),
                ),
            }
        }
        ExprKind::Match { scrutinee, arms }
    }

    fn fn_form(&mut self, s: &Sexp, args: &[Sexp]) -> ExprKind {
        let Some(ps) = args.first() else {
            self.err(
                s.span,
                "expected a parameter list `(...)` after `fn`, found the end of the form",
            );
            return ExprKind::Error;
        };
        let params = self.params(ps, false);
        let mut i = 1;
        let mut ret = None;
        if args.get(1).map(|a| &a.kind) == Some(&SexpKind::Colon) {
            match args.get(2) {
                Some(t) => ret = Some(self.ty(t)),
                None => self.err(
                    s.span,
                    "expected a return type after `:`, found the end of the form",
                ),
            }
            i = 3;
        }
        ExprKind::Fn(Lambda {
            params,
            ret,
            body: self.exprs(&args[i.min(args.len())..]),
        })
    }

    fn loop_form(&mut self, s: &Sexp, h: &str, args: &[Sexp]) -> ExprKind {
        let for_each = h == "for-each";
        let shape = if for_each {
            "(x vector)"
        } else {
            "(i init cond)"
        };
        let Some(header) = args.first() else {
            self.err(
                s.span,
                format!("expected a loop header `{shape}` after `{h}`, found the end of the form"),
            );
            return ExprKind::Error;
        };
        let parts = match header.as_list() {
            Some(p) if p.len() == if for_each { 2 } else { 3 } => p,
            _ => {
                self.err(
                    header.span,
                    format!(
                        "expected a loop header `{shape}` after `{h}`, found {}",
                        describe(header)
                    ),
                );
                return ExprKind::Error;
            }
        };
        let Some(var) = self.def_name(&parts[0], "a loop variable name") else {
            return ExprKind::Error;
        };
        let body = self.exprs(&args[1..]);
        if for_each {
            ExprKind::ForEach {
                var,
                seq: Box::new(self.expr(&parts[1])),
                body,
            }
        } else {
            ExprKind::For {
                var,
                init: Box::new(self.expr(&parts[1])),
                cond: Box::new(self.expr(&parts[2])),
                body,
            }
        }
    }

    pub(crate) fn pattern(&mut self, s: &Sexp) -> Pattern {
        let kind = match &s.kind {
            SexpKind::Ident(t) if t == "_" => PatKind::Wildcard,
            SexpKind::Ident(t) if is_ctor_name(t) => PatKind::Ctor {
                name: name_of(s, t),
                args: Vec::new(),
            },
            SexpKind::Ident(_) => match self.def_name(s, "a pattern variable") {
                Some(n) => PatKind::Bind(n),
                None => PatKind::Error,
            },
            SexpKind::Int(v) => PatKind::Int(*v),
            SexpKind::Float(t) => PatKind::Float(t.clone()),
            SexpKind::Str(b) => PatKind::Str(b.clone()),
            SexpKind::Bool(b) => PatKind::Bool(*b),
            SexpKind::List(parts) => match parts.first() {
                Some(
                    h @ Sexp {
                        kind: SexpKind::Ident(t),
                        ..
                    },
                ) if is_ctor_name(t) => PatKind::Ctor {
                    name: name_of(h, t),
                    args: parts[1..].iter().map(|p| self.pattern(p)).collect(),
                },
                Some(h) => {
                    self.err(
                        h.span,
                        format!(
                            "expected a constructor name (starting with `A`-`Z`) at the head of a pattern, found {}",
                            describe(h)
                        ),
                    );
                    PatKind::Error
                }
                None => {
                    self.err(s.span, "expected a pattern, found `()`");
                    PatKind::Error
                }
            },
            SexpKind::Brace(items) => self.struct_pattern(items),
            _ => {
                self.err(s.span, format!("expected a pattern, found {}", describe(s)));
                PatKind::Error
            }
        };
        Pattern { kind, span: s.span }
    }

    fn struct_pattern(&mut self, items: &[Sexp]) -> PatKind {
        let mut fields = Vec::new();
        let mut i = 0;
        while i < items.len() {
            let k = &items[i];
            let SexpKind::Keyword(f) = &k.kind else {
                self.err(
                    k.span,
                    format!(
                        "expected a field label `:field` in a struct pattern, found {}",
                        describe(k)
                    ),
                );
                i += 1;
                continue;
            };
            let name = name_of(k, f);
            match items.get(i + 1) {
                Some(p) if !matches!(p.kind, SexpKind::Keyword(_)) => {
                    fields.push((name, Some(self.pattern(p))));
                    i += 2;
                }
                _ => {
                    if RESERVED_WORDS.contains(&f.as_str()) {
                        self.err(
                            k.span,
                            format!("the shorthand `:{f}` would bind the reserved word `{f}`; write `:{f} NAME`"),
                        );
                    }
                    fields.push((name, None));
                    i += 1;
                }
            }
        }
        PatKind::Struct { fields }
    }
}
