//! The end of checking: deferred checks, defaulting, zonking, exhaustiveness, tail calls.

use std::sync::Arc;

use super::exhaust::Exhaust;
use super::{Checker, Class, FIXUP_BASE};
use crate::diag::Diagnostic;
use crate::module::{CheckedModule, Interface};
use crate::span::{FileId, Span};
use crate::tir::{Builtin, Callee, Func, Global, Lit, TExpr, TExprKind, TPattern};
use crate::types::{AdtKind, FloatTy, Type};

impl Checker {
    /// The end of checking a module: its own definitions and its interface.
    pub(super) fn finish_module(&mut self, file: FileId) -> (CheckedModule, Interface) {
        let (funcs, globals) = self.finish_items();
        let public = std::mem::take(&mut self.public);
        self.split_module(file, funcs, globals, &public)
    }

    /// Deferred checks, defaulting and zonking; the functions and globals by id (imported ones
    /// with placeholder bodies).
    fn finish_items(&mut self) -> (Vec<Func>, Vec<Global>) {
        // 1. Deferred field accesses, until no more progress.
        loop {
            let mut progress = false;
            for k in 0..self.fields.len() {
                if self.fields[k].index.is_none() && self.try_field(k, false) {
                    progress = true;
                }
            }
            if !progress {
                break;
            }
        }
        // Unknown types that come from an expression with an error are not reported again.
        let poisoned: Vec<Type> = self
            .poisoned
            .iter()
            .map(|v| self.vars.shallow(&Type::Var(*v)))
            .collect();
        let is_poisoned = |ck: &Checker, ty: &Type| poisoned.contains(&ck.vars.shallow(ty));
        for k in 0..self.fields.len() {
            if self.fields[k].index.is_none() {
                if is_poisoned(self, &self.fields[k].obj.clone()) {
                    self.fields[k].index = Some(0);
                } else {
                    self.try_field(k, true);
                }
            }
        }
        // 2. Operand classes.
        for (ty, class, span) in std::mem::take(&mut self.constraints) {
            match self.class_ok(&ty, class) {
                Some(true) => {}
                Some(false) => {
                    let msg = format!("expected {}, found `{}`", class.describe(), self.show(&ty));
                    self.error(span, msg);
                }
                None if class == Class::Printable => {}
                None => {
                    if !is_poisoned(self, &ty) {
                        self.push_diag(
                            Diagnostic::error(
                                span,
                                "type annotations needed: the type of this value is not known",
                            )
                            .with_note(format!(
                                "it must be {}; annotate it, e.g. `(x : i64)`",
                                class.describe()
                            )),
                        );
                    }
                }
            }
        }
        // 3. Defaulting (§5.3).
        self.vars.default_all();
        for (ty, v, span) in std::mem::take(&mut self.pattern_lits) {
            let mut lit = Lit::Int(v);
            let ty = self.vars.resolve(&ty);
            self.check_lit(&mut lit, &ty, span);
        }
        // 4. Zonk.
        let mut funcs = Vec::new();
        for (i, sig) in self.funcs.clone().into_iter().enumerate() {
            let (mut body, n_locals) = self.func_bodies[i]
                .take()
                .unwrap_or_else(|| (super::expr::unit(sig.span), 0));
            self.zonk(&mut body);
            mark_tail(&mut body, true);
            funcs.push(Func {
                name: sig.name.clone(),
                tparams: sig.tparams.clone(),
                params: sig.params.iter().map(|t| self.vars.resolve(t)).collect(),
                ret: self.vars.resolve(&sig.ret),
                n_locals,
                body,
                span: sig.span,
            });
        }
        let mut globals = Vec::new();
        for (i, g) in self.globals.clone().into_iter().enumerate() {
            let (mut init, n_locals) = self.global_inits[i]
                .take()
                .unwrap_or_else(|| (super::expr::unit(g.name_span), 0));
            self.zonk(&mut init);
            globals.push(Global {
                name: g.name.clone(),
                ty: self.vars.resolve(&g.ty),
                mutable: g.mutable,
                init,
                n_locals,
                span: g.name_span,
            });
        }
        (funcs, globals)
    }

    fn zonk(&mut self, e: &mut TExpr) {
        e.ty = self.vars.resolve(&e.ty);
        match &mut e.kind {
            TExprKind::Lambda(l) => {
                let l = Arc::get_mut(l).expect("lambda is not shared during checking");
                self.zonk(&mut l.body);
                return;
            }
            TExprKind::Let { bindings, .. } => {
                for (p, v) in bindings.iter_mut() {
                    let ty = self.vars.resolve(&v.ty);
                    self.zonk_pat(p, &ty);
                }
            }
            TExprKind::Match { scrutinee, arms } => {
                let ty = self.vars.resolve(&scrutinee.ty);
                for a in arms.iter_mut() {
                    self.zonk_pat(&mut a.pat, &ty);
                }
                let pats: Vec<&TPattern> = arms.iter().map(|a| &a.pat).collect();
                if let Some(missing) = (Exhaust { adts: &self.adts }).missing(&ty, &pats) {
                    let span = e.span;
                    let tyname = self.show(&ty);
                    self.push_diag(
                        Diagnostic::error(span, format!("non-exhaustive `match`: the case `{missing}` is not covered"))
                            .with_label(format!("`{missing}` not covered"))
                            .with_note(format!(
                                "the scrutinee has type `{tyname}`; add an arm for `{missing}` or a `_` arm"
                            )),
                    );
                }
            }
            _ => {}
        }
        super::expr::for_each_child(e, |c| self.zonk(c));
        let ty = e.ty.clone();
        let span = e.span;
        match &mut e.kind {
            TExprKind::Lit(lit) => self.check_lit(lit, &ty, span),
            TExprKind::GetField { index, .. } if *index >= FIXUP_BASE => {
                *index = self.fields[(*index - FIXUP_BASE) as usize]
                    .index
                    .unwrap_or(0);
            }
            TExprKind::Call {
                callee: Callee::Builtin(b @ Builtin::VecLen),
                args,
                ..
            } if args[0].ty == Type::Str => *b = Builtin::StrLen,
            TExprKind::Block(items) => {
                // `(do ... e ())` where `e` is Unit: the trailing Unit (added for `when`) is
                // redundant; dropping it keeps `e` in tail position.
                let n = items.len();
                if n >= 2
                    && matches!(items[n - 1].kind, TExprKind::Lit(Lit::Unit))
                    && items[n - 2].ty == Type::Unit
                {
                    items.pop();
                }
            }
            _ => {}
        }
    }

    /// Range-checks and rounds a literal for its final type.
    fn check_lit(&mut self, lit: &mut Lit, ty: &Type, span: Span) {
        match (lit, ty) {
            (Lit::Int(v), Type::Int(it)) => {
                let (lo, hi) = it.range();
                if *v < lo || *v > hi {
                    self.push_diag(
                        Diagnostic::error(
                            span,
                            format!("integer literal `{v}` does not fit in `{}`", it.name()),
                        )
                        .with_note(format!("`{}` holds values from {lo} to {hi}", it.name())),
                    );
                }
            }
            (Lit::Float(v), Type::Float(FloatTy::F32)) => {
                let text = self.float_texts.get(&(span.file.0, span.start)).cloned();
                let x: f32 = match text.as_deref().map(str::parse::<f32>) {
                    Some(Ok(x)) => x,
                    _ => *v as f32,
                };
                if x.is_infinite() {
                    self.error(span, "float literal is out of range for `f32`");
                }
                *v = x as f64;
            }
            _ => {}
        }
    }

    fn zonk_pat(&mut self, p: &mut TPattern, ty: &Type) {
        match p {
            TPattern::Wildcard | TPattern::Bind(_) => {}
            TPattern::Lit(lit) => {
                // Integer ranges were checked with the pattern's span (`pattern_lits`).
                if let (Lit::Float(v), Type::Float(FloatTy::F32)) = (lit, ty) {
                    *v = (*v as f32) as f64;
                }
            }
            TPattern::Variant {
                adt,
                variant,
                fields,
            } => {
                let def = &self.adts[adt.0 as usize];
                let args = match ty {
                    Type::Adt(_, args) => args.clone(),
                    _ => vec![],
                };
                let map: Vec<_> = def.tparams.iter().cloned().zip(args).collect();
                let ftys: Vec<Type> = match &def.kind {
                    AdtKind::Sum { variants } => variants[*variant as usize]
                        .fields
                        .iter()
                        .map(|f| f.subst(&map))
                        .collect(),
                    AdtKind::Struct { .. } => vec![],
                };
                for (f, t) in fields.iter_mut().zip(&ftys) {
                    self.zonk_pat(f, t);
                }
            }
            TPattern::Struct { adt, fields } => {
                let def = &self.adts[adt.0 as usize];
                let args = match ty {
                    Type::Adt(_, args) => args.clone(),
                    _ => vec![],
                };
                let map: Vec<_> = def.tparams.iter().cloned().zip(args).collect();
                let ftys: Vec<Type> = def
                    .struct_fields()
                    .unwrap_or(&[])
                    .iter()
                    .map(|f| f.ty.subst(&map))
                    .collect();
                for (i, f) in fields.iter_mut() {
                    if let Some(t) = ftys.get(*i as usize) {
                        let t = t.clone();
                        self.zonk_pat(f, &t);
                    }
                }
            }
        }
    }
}

/// Marks calls of top-level functions in tail position (§7, §16.8).
fn mark_tail(e: &mut TExpr, tail: bool) {
    match &mut e.kind {
        TExprKind::Call {
            callee,
            args,
            tail: t,
        } => {
            *t = tail && matches!(callee, Callee::Func(_));
            if let Callee::Value(c) = callee {
                mark_tail(c, false);
            }
            args.iter_mut().for_each(|a| mark_tail(a, false));
        }
        TExprKind::If { cond, then, els } => {
            mark_tail(cond, false);
            mark_tail(then, tail);
            mark_tail(els, tail);
        }
        TExprKind::Block(items) => {
            let n = items.len();
            for (i, it) in items.iter_mut().enumerate() {
                mark_tail(it, tail && i + 1 == n);
            }
        }
        TExprKind::Let { bindings, body } => {
            bindings.iter_mut().for_each(|(_, v)| mark_tail(v, false));
            mark_tail(body, tail);
        }
        TExprKind::Match { scrutinee, arms } => {
            mark_tail(scrutinee, false);
            arms.iter_mut().for_each(|a| mark_tail(&mut a.body, tail));
        }
        TExprKind::Lambda(_) => {}
        _ => super::expr::for_each_child(e, |c| mark_tail(c, false)),
    }
}
