//! Checking of patterns (`match` arms, destructuring `let` bindings and parameters).

use super::imports::Lookup;
use super::{Checker, Item};
use crate::ast::{self, PatKind};
use crate::diag::Diagnostic;
use crate::tir::{Lit, TPattern};
use crate::types::{AdtKind, Type};

use super::unify::VarKind;

impl Checker {
    /// Checks pattern `p` against type `ty`, declaring its variables in the current scope.
    /// `refutable_ok` is false for `let` bindings and parameters, which need irrefutable patterns.
    pub(super) fn pattern(&mut self, p: &ast::Pattern, ty: &Type, refutable_ok: bool) -> TPattern {
        let mut bound = Vec::new();
        self.pat(p, ty, refutable_ok, &mut bound)
    }

    fn pat(
        &mut self,
        p: &ast::Pattern,
        ty: &Type,
        refutable_ok: bool,
        bound: &mut Vec<String>,
    ) -> TPattern {
        let span = p.span;
        let refutable = |ck: &mut Checker| {
            if !refutable_ok {
                ck.push_diag(
                    Diagnostic::error(span, "refutable pattern in a binding: this pattern might not match")
                        .with_note("bindings and parameters only take struct patterns; use `match` for the rest"),
                );
            }
        };
        match &p.kind {
            PatKind::Error | PatKind::Wildcard => TPattern::Wildcard,
            PatKind::Bind(name) => self.bind_name(name, ty, bound),
            PatKind::Int(v) => {
                refutable(self);
                let lit = self.vars.fresh(VarKind::IntLit);
                self.pat_expect(ty, &lit, span);
                self.pattern_lits.push((lit, *v, span));
                TPattern::Lit(Lit::Int(*v))
            }
            PatKind::Float(text) => {
                refutable(self);
                let v = self.float_literal(text, span);
                let lit = self.vars.fresh(VarKind::FloatLit);
                self.pat_expect(ty, &lit, span);
                TPattern::Lit(Lit::Float(v))
            }
            PatKind::Str(s) => {
                refutable(self);
                self.pat_expect(ty, &Type::Str, span);
                TPattern::Lit(Lit::Str(s.as_slice().into()))
            }
            PatKind::Bool(b) => {
                refutable(self);
                self.pat_expect(ty, &Type::Bool, span);
                TPattern::Lit(Lit::Bool(*b))
            }
            PatKind::Ctor { name, args } => {
                let item = match self.lookup_value(name) {
                    Lookup::Found(item) => Some(item),
                    Lookup::NotFound => None,
                    Lookup::Reported => {
                        args.iter().for_each(|a| {
                            let t = self.fresh();
                            self.pat(a, &t, true, bound);
                        });
                        return TPattern::Wildcard;
                    }
                };
                let Some(Item::Ctor(adt, variant)) = item else {
                    let msg = match item {
                        Some(Item::Struct(_)) => format!(
                            "`{}` is a struct: match it with a struct pattern `{{:field pattern ...}}`",
                            name.text
                        ),
                        _ if name.text.contains('.') => {
                            format!("unknown module in `{}`: a single-file program has no imports", name.text)
                        }
                        _ => format!("unknown constructor `{}`", name.text),
                    };
                    self.error(name.span, msg);
                    args.iter().for_each(|a| {
                        let t = self.fresh();
                        self.pat(a, &t, true, bound);
                    });
                    return TPattern::Wildcard;
                };
                refutable(self);
                let def = self.adts[adt.0 as usize].clone();
                let targs: Vec<Type> = def.tparams.iter().map(|_| self.fresh()).collect();
                let own = Type::Adt(adt, targs.clone());
                self.pat_expect(ty, &own, name.span);
                let map: Vec<_> = def.tparams.iter().cloned().zip(targs).collect();
                let fields: Vec<Type> = match &def.kind {
                    AdtKind::Sum { variants } => variants[variant as usize]
                        .fields
                        .iter()
                        .map(|f| f.subst(&map))
                        .collect(),
                    AdtKind::Struct { .. } => Vec::new(),
                };
                if fields.len() != args.len() {
                    self.push_diag(
                        Diagnostic::error(
                            span,
                            format!(
                                "constructor `{}` has {} field{}, but the pattern has {}",
                                name.text,
                                fields.len(),
                                super::collect::plural(fields.len()),
                                args.len()
                            ),
                        )
                        .with_secondary(def.span, format!("`{}` defined here", def.name)),
                    );
                }
                let mut sub = Vec::new();
                for (i, a) in args.iter().enumerate() {
                    let fty = fields.get(i).cloned().unwrap_or_else(|| self.fresh());
                    sub.push(self.pat(a, &fty, refutable_ok, bound));
                }
                sub.truncate(fields.len());
                while sub.len() < fields.len() {
                    sub.push(TPattern::Wildcard);
                }
                TPattern::Variant {
                    adt,
                    variant,
                    fields: sub,
                }
            }
            PatKind::Struct { fields } => {
                let resolved = self.vars.shallow(ty);
                let adt = match &resolved {
                    Type::Adt(id, _)
                        if matches!(self.adts[id.0 as usize].kind, AdtKind::Struct { .. }) =>
                    {
                        *id
                    }
                    Type::Var(_) => {
                        self.push_diag(
                            Diagnostic::error(span, "type annotations needed: the struct type of this pattern is not known")
                                .with_note("write the type, e.g. `({:x :y} : Vec2)`"),
                        );
                        return TPattern::Wildcard;
                    }
                    other => {
                        let msg = format!(
                            "a struct pattern cannot match a value of type `{}`",
                            self.show(other)
                        );
                        self.error(span, msg);
                        return TPattern::Wildcard;
                    }
                };
                let mut out: Vec<(u32, TPattern)> = Vec::new();
                for (fname, sub) in fields {
                    let Some((idx, fty)) = self.struct_field(ty, &fname.text, fname.span) else {
                        continue;
                    };
                    if out.iter().any(|(i, _)| *i == idx) {
                        self.error(
                            fname.span,
                            format!("field `{}` appears twice in this pattern", fname.text),
                        );
                    }
                    let tp = match sub {
                        Some(sp) => self.pat(sp, &fty, refutable_ok, bound),
                        None => self.bind_name(fname, &fty, bound),
                    };
                    out.push((idx, tp));
                }
                TPattern::Struct { adt, fields: out }
            }
        }
    }

    fn bind_name(&mut self, name: &ast::Name, ty: &Type, bound: &mut Vec<String>) -> TPattern {
        if name.text == "_" {
            return TPattern::Wildcard;
        }
        if bound.contains(&name.text) {
            self.error(
                name.span,
                format!("`{}` is bound more than once in this pattern", name.text),
            );
        }
        bound.push(name.text.clone());
        TPattern::Bind(self.declare(name, ty.clone(), false))
    }

    fn pat_expect(&mut self, scrutinee: &Type, pat_ty: &Type, span: crate::span::Span) {
        if !self.vars.unify(scrutinee, pat_ty) {
            let msg = format!(
                "this pattern matches `{}`, but the value has type `{}`",
                self.show(pat_ty),
                self.show(scrutinee)
            );
            self.error(span, msg);
        }
    }
}
