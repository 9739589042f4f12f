//! Checking of bodies and expressions (everything but calls and patterns).

use std::sync::Arc;

use super::imports::Lookup;
use super::{Checker, FieldFixup, Frame, Item, FIXUP_BASE};
use crate::ast::{self, Expr, ExprKind};
use crate::diag::Diagnostic;
use crate::span::Span;
use crate::tir::{self, Lit, LocalId, TExpr, TExprKind, TPattern};
use crate::types::{AdtKind, Type, RESULT};

use super::unify::VarKind;

impl Checker {
    pub(super) fn check_bodies(&mut self, module: &ast::Module) {
        // Signatures were collected in the same order.
        let mut funcs = self.own_funcs.clone().into_iter();
        let mut globals = self.own_globals.clone().into_iter();
        for item in &module.items {
            match item {
                ast::Item::Defn(d) => {
                    let Some(id) = funcs.next() else { break };
                    self.check_defn(d, id.0 as usize);
                }
                ast::Item::Global(g) => {
                    let Some(id) = globals.next() else { break };
                    self.check_global(g, id.0 as usize);
                }
                _ => {}
            }
        }
    }

    fn check_defn(&mut self, d: &ast::Defn, id: usize) {
        let sig = self.funcs[id].clone();
        self.tparams = sig.tparams.clone();
        self.frames.push(Frame {
            n_locals: d.params.len() as u32,
            n_params: d.params.len() as u32,
            captures: Vec::new(),
            ret: Some(sig.ret.clone()),
        });
        let prefix = self.bind_params(&d.params, &sig.params);
        let body = self.body(&d.body, Some(&sig.ret));
        let span = d.body.last().map(|e| e.span).unwrap_or(d.name.span);
        self.expect_because(
            &sig.ret,
            &body.ty,
            span,
            Some("the function's declared return type"),
        );
        let body = wrap_prefix(prefix, body);
        let frame = self.frames.pop().expect("frame");
        self.scopes.clear();
        self.tparams.clear();
        self.func_bodies[id] = Some((body, frame.n_locals));
    }

    fn check_global(&mut self, g: &ast::GlobalDef, id: usize) {
        let ty = self.globals[id].ty.clone();
        self.frames.push(Frame {
            n_locals: 0,
            n_params: 0,
            captures: Vec::new(),
            ret: None,
        });
        let init = self.check(&g.init, &ty);
        let frame = self.frames.pop().expect("frame");
        self.scopes.clear();
        self.global_inits[id] = Some((init, frame.n_locals));
    }

    /// Binds parameters to slots `0..n` (already reserved in the frame). Returns destructuring
    /// bindings to run before the body.
    pub(super) fn bind_params(
        &mut self,
        params: &[ast::Param],
        tys: &[Type],
    ) -> Vec<(TPattern, TExpr)> {
        let mut prefix = Vec::new();
        for (i, (p, ty)) in params.iter().zip(tys).enumerate() {
            let slot = LocalId(i as u32);
            match &p.pat {
                ast::ParamPat::Name(n) => {
                    if n.text == "_" {
                        continue;
                    }
                    self.check_bindable(n);
                    self.push_local(n.text.clone(), slot, ty.clone(), p.mutable);
                }
                ast::ParamPat::Destructure(pat) => {
                    let tp = self.pattern(pat, ty, false);
                    let read = TExpr {
                        kind: TExprKind::Local(slot),
                        ty: ty.clone(),
                        span: p.span,
                    };
                    prefix.push((tp, read));
                }
            }
        }
        prefix
    }

    /// A body (sequence); its value is the last expression's (Unit when empty).
    pub(super) fn body(&mut self, exprs: &[Expr], hint: Option<&Type>) -> TExpr {
        match exprs {
            [] => unit(Span::default()),
            [only] => self.infer(only, hint),
            [init @ .., last] => {
                let mut items: Vec<TExpr> = init.iter().map(|e| self.infer(e, None)).collect();
                let last = self.infer(last, hint);
                let ty = last.ty.clone();
                let span = exprs[0].span.to(last.span);
                items.push(last);
                TExpr {
                    kind: TExprKind::Block(items),
                    ty,
                    span,
                }
            }
        }
    }

    /// Checks `e` against `expected`.
    pub(super) fn check(&mut self, e: &Expr, expected: &Type) -> TExpr {
        let te = self.infer(e, Some(expected));
        if !matches!(e.kind, ExprKind::Error) {
            self.expect(expected, &te.ty, e.span);
        }
        te
    }

    /// Infers the type of `e`; `hint` is the expected type when known (used by `fn` and `[]`).
    pub(super) fn infer(&mut self, e: &Expr, hint: Option<&Type>) -> TExpr {
        let span = e.span;
        let mk = |kind, ty| TExpr { kind, ty, span };
        match &e.kind {
            ExprKind::Error => TExpr {
                kind: TExprKind::Lit(Lit::Unit),
                ty: self.fresh(),
                span,
            },
            ExprKind::Int(v) => mk(
                TExprKind::Lit(Lit::Int(*v)),
                self.vars.fresh(VarKind::IntLit),
            ),
            ExprKind::Float(text) => {
                let v = self.float_literal(text, span);
                mk(
                    TExprKind::Lit(Lit::Float(v)),
                    self.vars.fresh(VarKind::FloatLit),
                )
            }
            ExprKind::Str(bytes) => mk(
                TExprKind::Lit(Lit::Str(Arc::from(bytes.as_slice()))),
                Type::Str,
            ),
            ExprKind::Bool(b) => mk(TExprKind::Lit(Lit::Bool(*b)), Type::Bool),
            ExprKind::Keyword(k) => {
                let text = format!(":{k}");
                mk(
                    TExprKind::Lit(Lit::Str(Arc::from(text.as_bytes()))),
                    Type::Str,
                )
            }
            ExprKind::Var(name) => self.var(name),
            ExprKind::Vector(items) => {
                let elem = match hint.map(|h| self.vars.shallow(h)) {
                    Some(Type::Vector(t)) => *t,
                    _ => self.fresh(),
                };
                let items = items.iter().map(|i| self.check(i, &elem)).collect();
                mk(TExprKind::MakeVector(items), Type::Vector(Box::new(elem)))
            }
            ExprKind::Let { bindings, body } => self.let_expr(bindings, body, hint, span),
            ExprKind::Set { place, value } => self.set(place, value, span),
            ExprKind::Update { target, fields } => self.update(target, fields, span),
            ExprKind::If { cond, then, els } => {
                let c = self.check(cond, &Type::Bool);
                match els {
                    Some(els) => {
                        let t = self.infer(then, hint);
                        let ty = t.ty.clone();
                        let f = self.infer(els, Some(&ty));
                        if !self.vars.unify(&ty, &f.ty) {
                            let msg = format!(
                                "`if` branches have different types: `{}` and `{}`",
                                self.show(&ty),
                                self.show(&f.ty)
                            );
                            self.push_diag(
                                Diagnostic::error(els.span, msg)
                                    .with_label(format!(
                                        "expected `{}` like the then-branch",
                                        self.show(&ty)
                                    ))
                                    .with_secondary(then.span, "then-branch"),
                            );
                        }
                        mk(
                            TExprKind::If {
                                cond: Box::new(c),
                                then: Box::new(t),
                                els: Box::new(f),
                            },
                            ty,
                        )
                    }
                    None => {
                        let t = self.infer(then, None);
                        if !self.vars.unify(&Type::Unit, &t.ty) {
                            let msg = format!(
                                "`if` without `else` must have a Unit then-branch, found `{}`",
                                self.show(&t.ty)
                            );
                            self.push_diag(Diagnostic::error(then.span, msg).with_note(
                                "add an else-branch, or use `when` to discard the value",
                            ));
                        }
                        let els = unit(span);
                        mk(
                            TExprKind::If {
                                cond: Box::new(c),
                                then: Box::new(t),
                                els: Box::new(els),
                            },
                            Type::Unit,
                        )
                    }
                }
            }
            ExprKind::When { cond, negate, body } => {
                let c = self.check(cond, &Type::Bool);
                let b = self.body(body, None);
                // `when` discards its body's value; `finish` drops the trailing Unit again when the
                // body is itself Unit, which keeps a tail call there in tail position (§7).
                let bspan = b.span;
                let then = TExpr {
                    kind: TExprKind::Block(vec![b, unit(bspan)]),
                    ty: Type::Unit,
                    span: bspan,
                };
                let (then, els) = if *negate {
                    (unit(span), then)
                } else {
                    (then, unit(span))
                };
                mk(
                    TExprKind::If {
                        cond: Box::new(c),
                        then: Box::new(then),
                        els: Box::new(els),
                    },
                    Type::Unit,
                )
            }
            ExprKind::Do(exprs) => {
                let mut b = self.body(exprs, hint);
                if matches!(b.kind, TExprKind::Block(_)) {
                    b.span = span;
                }
                b
            }
            ExprKind::Match { scrutinee, arms } => self.match_expr(scrutinee, arms, hint, span),
            ExprKind::Fn(lambda) => self.lambda(lambda, hint, span),
            ExprKind::Ann { ty, expr } => {
                let t = self.resolve_type(ty);
                self.check(expr, &t)
            }
            ExprKind::Unsafe(body) => {
                self.unsafe_depth += 1;
                let mut b = self.body(body, hint);
                self.unsafe_depth -= 1;
                if matches!(b.kind, TExprKind::Block(_)) {
                    b.span = span;
                }
                b
            }
            ExprKind::For {
                var,
                init,
                cond,
                body,
            } => {
                let mark = self.scopes.len();
                let init = self.infer(init, None);
                self.require(&init.ty, super::Class::Integer, init.span);
                let slot = self.declare(var, init.ty.clone(), true);
                let c = self.check(cond, &Type::Bool);
                let b = self.body(body, None);
                self.scopes.truncate(mark);
                mk(
                    TExprKind::For {
                        var: slot,
                        init: Box::new(init),
                        cond: Box::new(c),
                        body: Box::new(b),
                    },
                    Type::Unit,
                )
            }
            ExprKind::ForEach { var, seq, body } => {
                let mark = self.scopes.len();
                let s = self.infer(seq, None);
                let elem = self.fresh();
                self.expect(&Type::Vector(Box::new(elem.clone())), &s.ty, seq.span);
                let slot = self.declare(var, elem, true);
                let b = self.body(body, None);
                self.scopes.truncate(mark);
                mk(
                    TExprKind::ForEach {
                        var: slot,
                        seq: Box::new(s),
                        body: Box::new(b),
                    },
                    Type::Unit,
                )
            }
            ExprKind::And(xs) | ExprKind::Or(xs) => {
                let items = xs.iter().map(|x| self.check(x, &Type::Bool)).collect();
                let kind = if matches!(e.kind, ExprKind::And(_)) {
                    TExprKind::And(items)
                } else {
                    TExprKind::Or(items)
                };
                mk(kind, Type::Bool)
            }
            ExprKind::Call { callee, args } => self.call(callee, args, hint, span),
            ExprKind::FieldAccess { field, expr } => {
                let obj = self.infer(expr, None);
                let result = self.fresh();
                let index =
                    self.field_fixup(obj.ty.clone(), &field.text, result.clone(), field.span);
                mk(
                    TExprKind::GetField {
                        expr: Box::new(obj),
                        index,
                    },
                    result,
                )
            }
            ExprKind::Try(inner) => {
                let t = self.infer(inner, None);
                let ok = self.fresh();
                let err = self.fresh();
                let res = Type::Adt(RESULT, vec![ok.clone(), err.clone()]);
                if !self.vars.unify(&res, &t.ty) {
                    let msg = format!(
                        "`?` needs a `(Result T E)` value, found `{}`",
                        self.show(&t.ty)
                    );
                    self.error(inner.span, msg);
                }
                match self.frames.last().and_then(|f| f.ret.clone()) {
                    Some(ret) => {
                        let u = self.fresh();
                        let want = Type::Adt(RESULT, vec![u, err.clone()]);
                        if !self.vars.unify(&ret, &want) {
                            let msg = match self.vars.shallow(&ret) {
                                Type::Adt(RESULT, args) => format!(
                                    "`?` propagates an error of type `{}`, but this function's errors have type `{}`",
                                    self.show(&err),
                                    self.show(&args[1])
                                ),
                                _ => format!(
                                    "`?` can only be used in a function that returns a `Result`; this function returns `{}`",
                                    self.show(&ret)
                                ),
                            };
                            self.error(span, msg);
                        }
                    }
                    None => self.error(span, "`?` can only be used inside a function"),
                }
                mk(TExprKind::Try(Box::new(t)), ok)
            }
        }
    }

    pub(super) fn float_literal(&mut self, text: &str, span: Span) -> f64 {
        self.float_texts
            .insert((span.file.0, span.start), text.to_string());
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => v,
            _ => {
                self.error(span, format!("float literal `{text}` is out of range"));
                0.0
            }
        }
    }

    /// A variable reference in value position.
    fn var(&mut self, name: &ast::Name) -> TExpr {
        let span = name.span;
        if let Some(idx) = self.lookup_local(&name.text) {
            let ty = self.scopes[idx].ty.clone();
            let slot = self.local_slot(idx);
            return TExpr {
                kind: TExprKind::Local(slot),
                ty,
                span,
            };
        }
        let item = match self.lookup_value(name) {
            Lookup::Found(item) => Some(item),
            Lookup::NotFound => None,
            Lookup::Reported => return self.error_expr(span),
        };
        match item {
            Some(Item::Func(id)) => {
                let sig = self.funcs[id.0 as usize].clone();
                let ty = self.instantiate(
                    &sig.tparams,
                    &Type::Fn(sig.params.clone(), Box::new(sig.ret.clone())),
                );
                TExpr {
                    kind: TExprKind::FuncRef(id),
                    ty,
                    span,
                }
            }
            Some(Item::Global(id)) => {
                let ty = self.globals[id.0 as usize].ty.clone();
                TExpr {
                    kind: TExprKind::Global(id),
                    ty,
                    span,
                }
            }
            Some(Item::Struct(adt)) => {
                let def = self.adts[adt.0 as usize].clone();
                let fields: Vec<Type> = def
                    .struct_fields()
                    .unwrap_or(&[])
                    .iter()
                    .map(|f| f.ty.clone())
                    .collect();
                let ty = self.instantiate(
                    &def.tparams,
                    &Type::Fn(
                        fields,
                        Box::new(Type::Adt(
                            adt,
                            def.tparams.iter().map(|p| Type::Param(p.clone())).collect(),
                        )),
                    ),
                );
                TExpr {
                    kind: TExprKind::StructCtorRef(adt),
                    ty,
                    span,
                }
            }
            Some(Item::Ctor(adt, v)) => {
                let def = self.adts[adt.0 as usize].clone();
                let fields = def
                    .variants()
                    .map(|vs| vs[v as usize].fields.clone())
                    .unwrap_or_default();
                let own = Type::Adt(
                    adt,
                    def.tparams.iter().map(|p| Type::Param(p.clone())).collect(),
                );
                if fields.is_empty() {
                    let ty = self.instantiate(&def.tparams, &own);
                    TExpr {
                        kind: TExprKind::MakeVariant {
                            adt,
                            variant: v,
                            fields: vec![],
                        },
                        ty,
                        span,
                    }
                } else {
                    let ty = self.instantiate(&def.tparams, &Type::Fn(fields, Box::new(own)));
                    TExpr {
                        kind: TExprKind::CtorRef { adt, variant: v },
                        ty,
                        span,
                    }
                }
            }
            Some(Item::Extern(_)) => {
                self.error(
                    span,
                    format!(
                        "extern function `{}` cannot be used as a value; wrap it in `(fn ...)`",
                        name.text
                    ),
                );
                self.error_expr(span)
            }
            None => {
                let builtin = super::BUILTIN_NAMES.contains(&name.text.as_str())
                    || super::LATER_BUILTINS.contains(&name.text.as_str())
                    || is_numeric_type_name(&name.text);
                if builtin {
                    self.error(
                        span,
                        format!(
                            "builtin `{}` is not a value; wrap it in a function: `(fn (x) ({} x))`",
                            name.text, name.text
                        ),
                    );
                } else if let Some((m, _)) = name.text.split_once('.') {
                    self.error(
                        span,
                        format!("unknown module `{m}`: a single-file program has no imports"),
                    );
                } else {
                    self.error(span, format!("unknown variable `{}`", name.text));
                }
                self.error_expr(span)
            }
        }
    }

    pub(super) fn error_expr(&mut self, span: Span) -> TExpr {
        TExpr {
            kind: TExprKind::Lit(Lit::Unit),
            ty: self.fresh(),
            span,
        }
    }

    /// Instantiates the params of a generic definition with fresh variables.
    pub(super) fn instantiate(&mut self, tparams: &[Arc<str>], ty: &Type) -> Type {
        if tparams.is_empty() {
            return ty.clone();
        }
        let map: Vec<(Arc<str>, Type)> =
            tparams.iter().map(|p| (p.clone(), self.fresh())).collect();
        ty.subst(&map)
    }

    fn let_expr(
        &mut self,
        bindings: &[ast::Binding],
        body: &[Expr],
        hint: Option<&Type>,
        span: Span,
    ) -> TExpr {
        let mark = self.scopes.len();
        let mut out = Vec::new();
        for b in bindings {
            let value = match &b.ty {
                Some(t) => {
                    let ty = self.resolve_type(t);
                    self.check(&b.value, &ty)
                }
                None => self.infer(&b.value, None),
            };
            let pat = match &b.pat {
                ast::BindPat::Name { name, mutable } => {
                    TPattern::Bind(self.declare(name, value.ty.clone(), *mutable))
                }
                ast::BindPat::Destructure(p) => self.pattern(p, &value.ty.clone(), false),
            };
            out.push((pat, value));
        }
        let b = self.body(body, hint);
        self.scopes.truncate(mark);
        let ty = b.ty.clone();
        if out.is_empty() {
            return TExpr { span, ..b };
        }
        TExpr {
            kind: TExprKind::Let {
                bindings: out,
                body: Box::new(b),
            },
            ty,
            span,
        }
    }

    fn set(&mut self, place: &ast::Place, value: &Expr, span: Span) -> TExpr {
        // Flatten `(.x (.pos b))` into root `b` and path [pos, x].
        let mut path = Vec::new();
        let mut p = place;
        let root = loop {
            match p {
                ast::Place::Var(n) => break n,
                ast::Place::Field { field, inner, .. } => {
                    path.push(field);
                    p = inner;
                }
            }
        };
        path.reverse();
        let (root_read, root_ty, target) = match self.lookup_local(&root.text) {
            Some(idx) => {
                let l = self.scopes[idx].clone();
                if l.frame != self.frames.len() - 1 {
                    self.push_diag(
                        Diagnostic::error(
                            root.span,
                            format!("cannot assign to `{}` inside a closure", root.text),
                        )
                        .with_label("captured variable")
                        .with_note("closures capture variables by value; they cannot change them"),
                    );
                } else if !l.mutable {
                    self.push_diag(
                        Diagnostic::error(
                            root.span,
                            format!("cannot assign to immutable variable `{}`", root.text),
                        )
                        .with_note(format!("declare it mutable: `(mut {} ...)`", root.text)),
                    );
                }
                let slot = self.local_slot(idx);
                let read = TExpr {
                    kind: TExprKind::Local(slot),
                    ty: l.ty.clone(),
                    span: root.span,
                };
                (read, l.ty, Ok(slot))
            }
            None => match self.lookup_value(root) {
                Lookup::Found(Item::Global(id)) => {
                    let g = self.globals[id.0 as usize].clone();
                    if let Some(m) = self.global_origin(id) {
                        let msg = format!(
                            "cannot assign to `{}`: it is defined in module `{m}`, and only its own module may `set!` it",
                            root.text
                        );
                        self.error(root.span, msg);
                    } else if !g.mutable {
                        self.push_diag(
                            Diagnostic::error(
                                root.span,
                                format!("cannot assign to immutable global `{}`", root.text),
                            )
                            .with_secondary(g.name_span, "declared here without `mut`"),
                        );
                    }
                    let read = TExpr {
                        kind: TExprKind::Global(id),
                        ty: g.ty.clone(),
                        span: root.span,
                    };
                    (read, g.ty, Err(id))
                }
                Lookup::Found(_) => {
                    self.error(
                        root.span,
                        format!("`{}` is not a variable and cannot be assigned", root.text),
                    );
                    let v = self.infer(value, None);
                    return TExpr {
                        kind: TExprKind::Block(vec![v, unit(span)]),
                        ty: Type::Unit,
                        span,
                    };
                }
                Lookup::Reported => {
                    let v = self.infer(value, None);
                    return TExpr {
                        kind: TExprKind::Block(vec![v, unit(span)]),
                        ty: Type::Unit,
                        span,
                    };
                }
                Lookup::NotFound => {
                    self.error(root.span, format!("unknown variable `{}`", root.text));
                    let v = self.infer(value, None);
                    return TExpr {
                        kind: TExprKind::Block(vec![v, unit(span)]),
                        ty: Type::Unit,
                        span,
                    };
                }
            },
        };
        // Walk the path: the type and field index at each level.
        let mut levels: Vec<(u32, Type)> = Vec::new(); // (field index, struct type) per level
        let mut cur = root_ty.clone();
        let mut ok = true;
        for f in &path {
            match self.struct_field(&cur, &f.text, f.span) {
                Some((idx, fty)) => {
                    levels.push((idx, cur.clone()));
                    cur = fty;
                }
                None => {
                    ok = false;
                    break;
                }
            }
        }
        let v = self.check(value, &cur);
        if !ok {
            return TExpr {
                kind: TExprKind::Block(vec![v, unit(span)]),
                ty: Type::Unit,
                span,
            };
        }
        // Build nested updates from the innermost level out.
        let mut reads = vec![root_read];
        for (idx, _) in levels.iter().take(levels.len().saturating_sub(1)) {
            let prev = reads.last().expect("read").clone();
            let ty = self.fresh();
            let fty = self.field_type_at(&prev.ty, *idx);
            self.vars.unify(&ty, &fty);
            reads.push(TExpr {
                kind: TExprKind::GetField {
                    expr: Box::new(prev),
                    index: *idx,
                },
                ty,
                span,
            });
        }
        let mut new_value = v;
        for (level, (idx, sty)) in levels.iter().enumerate().rev() {
            let read = reads[level].clone();
            new_value = TExpr {
                kind: TExprKind::Update {
                    expr: Box::new(read),
                    fields: vec![(*idx, new_value)],
                },
                ty: sty.clone(),
                span,
            };
        }
        let kind = match target {
            Ok(local) => TExprKind::SetLocal {
                local,
                value: Box::new(new_value),
            },
            Err(global) => TExprKind::SetGlobal {
                global,
                value: Box::new(new_value),
            },
        };
        TExpr {
            kind,
            ty: Type::Unit,
            span,
        }
    }

    /// The type of field `idx` of struct type `ty` (which is known to be a struct).
    fn field_type_at(&self, ty: &Type, idx: u32) -> Type {
        match self.vars.shallow(ty) {
            Type::Adt(id, args) => {
                let def = &self.adts[id.0 as usize];
                let map: Vec<_> = def.tparams.iter().cloned().zip(args).collect();
                def.struct_fields()
                    .map(|f| f[idx as usize].ty.subst(&map))
                    .unwrap_or(Type::Unit)
            }
            _ => Type::Unit,
        }
    }

    /// Looks up a field of a type that must already be known to be a struct.
    pub(super) fn struct_field(
        &mut self,
        ty: &Type,
        field: &str,
        span: Span,
    ) -> Option<(u32, Type)> {
        match self.vars.shallow(ty) {
            Type::Adt(id, args) => {
                let def = self.adts[id.0 as usize].clone();
                let Some(fields) = def.struct_fields() else {
                    self.error(
                        span,
                        format!("`{}` is not a struct and has no field `{field}`", def.name),
                    );
                    return None;
                };
                let map: Vec<_> = def.tparams.iter().cloned().zip(args).collect();
                match fields.iter().position(|f| f.name == field) {
                    Some(i) => Some((i as u32, fields[i].ty.subst(&map))),
                    None => {
                        let names: Vec<String> =
                            fields.iter().map(|f| format!("`{}`", f.name)).collect();
                        let mut d = Diagnostic::error(
                            span,
                            format!("struct `{}` has no field `{field}`", def.name),
                        )
                        .with_secondary(def.span, format!("`{}` defined here", def.name));
                        if !names.is_empty() {
                            d = d.with_note(format!("its fields are {}", names.join(", ")));
                        }
                        self.push_diag(d);
                        None
                    }
                }
            }
            Type::Var(_) => {
                self.error(
                    span,
                    "type annotations needed: the type of this value must be known here",
                );
                None
            }
            other => {
                let msg = format!(
                    "`{}` is not a struct and has no field `{field}`",
                    self.show(&other)
                );
                self.error(span, msg);
                None
            }
        }
    }

    fn update(&mut self, target: &Expr, fields: &[(ast::Name, Expr)], span: Span) -> TExpr {
        let t = self.infer(target, None);
        let mut out: Vec<(u32, TExpr)> = Vec::new();
        for (name, value) in fields {
            match self.struct_field(&t.ty.clone(), &name.text, name.span) {
                Some((idx, fty)) => {
                    if out.iter().any(|(i, _)| *i == idx) {
                        self.error(name.span, format!("field `{}` is updated twice", name.text));
                    }
                    let v = self.check(value, &fty);
                    out.push((idx, v));
                }
                None => {
                    self.infer(value, None);
                }
            }
        }
        let ty = t.ty.clone();
        TExpr {
            kind: TExprKind::Update {
                expr: Box::new(t),
                fields: out,
            },
            ty,
            span,
        }
    }

    /// Registers a field access; returns the `GetField` index placeholder.
    pub(super) fn field_fixup(&mut self, obj: Type, field: &str, result: Type, span: Span) -> u32 {
        self.fields.push(FieldFixup {
            obj,
            field: field.to_string(),
            result,
            span,
            index: None,
        });
        let k = self.fields.len() - 1;
        self.try_field(k, false);
        FIXUP_BASE + k as u32
    }

    /// Tries to resolve field fixup `k`; with `last_chance`, an unknown type is an error.
    pub(super) fn try_field(&mut self, k: usize, last_chance: bool) -> bool {
        if self.fields[k].index.is_some() {
            return true;
        }
        let f = self.fields[k].clone();
        match self.vars.shallow(&f.obj) {
            Type::Var(_) if !last_chance => false,
            Type::Var(_) => {
                self.push_diag(
                    Diagnostic::error(
                        f.span,
                        format!(
                            "type annotations needed: cannot tell which struct `.{}` reads",
                            f.field
                        ),
                    )
                    .with_note("annotate the value's type, e.g. a `fn` parameter `(p : Vec2)`"),
                );
                self.fields[k].index = Some(0);
                true
            }
            Type::Adt(id, _) if matches!(self.adts[id.0 as usize].kind, AdtKind::Struct { .. }) => {
                match self.struct_field(&f.obj, &f.field, f.span) {
                    Some((idx, fty)) => {
                        self.expect(&f.result, &fty, f.span);
                        self.fields[k].index = Some(idx);
                    }
                    None => self.fields[k].index = Some(0),
                }
                true
            }
            other => {
                let msg = format!(
                    "`{}` is not a struct and has no field `{}`",
                    self.show(&other),
                    f.field
                );
                self.error(f.span, msg);
                self.fields[k].index = Some(0);
                true
            }
        }
    }

    fn match_expr(
        &mut self,
        scrutinee: &Expr,
        arms: &[ast::Arm],
        hint: Option<&Type>,
        span: Span,
    ) -> TExpr {
        let s = self.infer(scrutinee, None);
        let ty = match hint {
            Some(h) => h.clone(),
            None => self.fresh(),
        };
        let mut out = Vec::new();
        let mut first: Option<(Type, Span)> = None;
        for arm in arms {
            let mark = self.scopes.len();
            let pat = self.pattern(&arm.pat, &s.ty.clone(), true);
            let body = self.body(&arm.body, Some(&ty));
            let bspan = arm.body.last().map(|e| e.span).unwrap_or(arm.span);
            if !self.vars.unify(&ty, &body.ty) {
                let msg = match &first {
                    Some((fty, _)) => format!(
                        "`match` arms have different types: expected `{}`, found `{}`",
                        self.show(fty),
                        self.show(&body.ty)
                    ),
                    None => format!(
                        "mismatched types: expected `{}`, found `{}`",
                        self.show(&ty),
                        self.show(&body.ty)
                    ),
                };
                let mut d = Diagnostic::error(bspan, msg);
                if let Some((_, fspan)) = &first {
                    d = d.with_secondary(*fspan, "first arm's value");
                }
                self.push_diag(d);
            }
            if first.is_none() {
                first = Some((body.ty.clone(), bspan));
            }
            self.scopes.truncate(mark);
            out.push(tir::TArm { pat, body });
        }
        TExpr {
            kind: TExprKind::Match {
                scrutinee: Box::new(s),
                arms: out,
            },
            ty,
            span,
        }
    }

    fn lambda(&mut self, lambda: &ast::Lambda, hint: Option<&Type>, span: Span) -> TExpr {
        let hinted = match hint.map(|h| self.vars.shallow(h)) {
            Some(Type::Fn(ps, r)) if ps.len() == lambda.params.len() => Some((ps, *r)),
            _ => None,
        };
        let mut params = Vec::new();
        for (i, p) in lambda.params.iter().enumerate() {
            let ty = match &p.ty {
                Some(t) => self.resolve_type(t),
                None => {
                    if let ast::ParamPat::Destructure(_) = p.pat {
                        self.error(
                            p.span,
                            "a destructured `fn` parameter needs its type: `({:x :y} : Vec2)`",
                        );
                    }
                    match &hinted {
                        Some((ps, _)) => ps[i].clone(),
                        None => self.fresh(),
                    }
                }
            };
            params.push(ty);
        }
        let ret = match &lambda.ret {
            Some(t) => self.resolve_type(t),
            None => match &hinted {
                Some((_, r)) => r.clone(),
                None => self.fresh(),
            },
        };
        let fn_ty = Type::Fn(params.clone(), Box::new(ret.clone()));
        if let Some(h) = hint {
            // Let the expected type flow in before the body is checked (§5.3); a mismatch is
            // reported by the caller's `check`.
            let snapshot_ok = self.vars.unify(h, &fn_ty);
            let _ = snapshot_ok;
        }
        let n = lambda.params.len() as u32;
        for (i, p) in lambda.params.iter().enumerate() {
            if let ast::ParamPat::Name(name) = &p.pat {
                if name.text != "_"
                    && lambda.params[..i]
                        .iter()
                        .any(|q| matches!(&q.pat, ast::ParamPat::Name(m) if m.text == name.text))
                {
                    self.error(
                        name.span,
                        format!("duplicate parameter name `{}`", name.text),
                    );
                }
            }
        }
        let mark = self.scopes.len();
        self.frames.push(Frame {
            n_locals: n,
            n_params: n,
            captures: Vec::new(),
            ret: Some(ret.clone()),
        });
        let prefix = self.bind_params(&lambda.params, &params);
        let body = self.body(&lambda.body, Some(&ret));
        let bspan = lambda.body.last().map(|e| e.span).unwrap_or(span);
        self.expect(&ret, &body.ty, bspan);
        let body = wrap_prefix(prefix, body);
        let frame = self.frames.pop().expect("frame");
        self.scopes.truncate(mark);
        let lam = finish_lambda(frame, body, span);
        TExpr {
            kind: TExprKind::Lambda(Arc::new(lam)),
            ty: fn_ty,
            span,
        }
    }
}

pub(super) fn unit(span: Span) -> TExpr {
    TExpr {
        kind: TExprKind::Lit(Lit::Unit),
        ty: Type::Unit,
        span,
    }
}

pub(super) fn is_numeric_type_name(name: &str) -> bool {
    matches!(
        name,
        "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "f32" | "f64"
    )
}

fn wrap_prefix(prefix: Vec<(TPattern, TExpr)>, body: TExpr) -> TExpr {
    if prefix.is_empty() {
        return body;
    }
    let ty = body.ty.clone();
    let span = body.span;
    TExpr {
        kind: TExprKind::Let {
            bindings: prefix,
            body: Box::new(body),
        },
        ty,
        span,
    }
}

/// Lays out a lambda's frame as `tir.rs` requires: params, then captures, then other locals.
fn finish_lambda(frame: Frame, mut body: TExpr, span: Span) -> tir::Lambda {
    let n_params = frame.n_params;
    let n_caps = frame.captures.len() as u32;
    let mut map: Vec<u32> = (0..frame.n_locals).collect();
    let mut is_cap = vec![false; frame.n_locals as usize];
    for (i, (_, _, inner)) in frame.captures.iter().enumerate() {
        map[inner.0 as usize] = n_params + i as u32;
        is_cap[inner.0 as usize] = true;
    }
    let mut next = n_params + n_caps;
    for s in n_params..frame.n_locals {
        if !is_cap[s as usize] {
            map[s as usize] = next;
            next += 1;
        }
    }
    remap(&mut body, &map);
    tir::Lambda {
        n_params,
        captures: frame.captures.iter().map(|c| c.1).collect(),
        n_locals: frame.n_locals,
        body,
        span,
    }
}

fn remap_slot(s: &mut LocalId, map: &[u32]) {
    s.0 = map[s.0 as usize];
}

fn remap_pat(p: &mut TPattern, map: &[u32]) {
    match p {
        TPattern::Bind(s) => remap_slot(s, map),
        TPattern::Variant { fields, .. } => fields.iter_mut().for_each(|f| remap_pat(f, map)),
        TPattern::Struct { fields, .. } => fields.iter_mut().for_each(|(_, f)| remap_pat(f, map)),
        TPattern::Wildcard | TPattern::Lit(_) => {}
    }
}

/// Renumbers the slots of one frame (not of nested lambdas' frames, except their captures).
fn remap(e: &mut TExpr, map: &[u32]) {
    match &mut e.kind {
        TExprKind::Local(s) => remap_slot(s, map),
        TExprKind::SetLocal { local, value } => {
            remap_slot(local, map);
            remap(value, map);
        }
        TExprKind::For {
            var,
            init,
            cond,
            body,
        } => {
            remap_slot(var, map);
            remap(init, map);
            remap(cond, map);
            remap(body, map);
        }
        TExprKind::ForEach { var, seq, body } => {
            remap_slot(var, map);
            remap(seq, map);
            remap(body, map);
        }
        TExprKind::Let { bindings, body } => {
            for (p, v) in bindings {
                remap_pat(p, map);
                remap(v, map);
            }
            remap(body, map);
        }
        TExprKind::Match { scrutinee, arms } => {
            remap(scrutinee, map);
            for a in arms {
                remap_pat(&mut a.pat, map);
                remap(&mut a.body, map);
            }
        }
        TExprKind::Lambda(l) => {
            let l = Arc::get_mut(l).expect("lambda is not shared during checking");
            l.captures.iter_mut().for_each(|s| remap_slot(s, map));
        }
        _ => for_each_child(e, |c| remap(c, map)),
    }
}

/// Calls `f` on every direct child expression (not into lambda bodies, not pattern-binding nodes'
/// special parts — callers handle `Let`, `Match`, loops and `Lambda` themselves when they care).
pub(super) fn for_each_child(e: &mut TExpr, mut f: impl FnMut(&mut TExpr)) {
    match &mut e.kind {
        TExprKind::Lit(_)
        | TExprKind::Local(_)
        | TExprKind::Global(_)
        | TExprKind::FuncRef(_)
        | TExprKind::CtorRef { .. }
        | TExprKind::StructCtorRef(_)
        | TExprKind::Lambda(_) => {}
        TExprKind::Call { callee, args, .. } => {
            if let tir::Callee::Value(c) = callee {
                f(c);
            }
            args.iter_mut().for_each(f);
        }
        TExprKind::MakeStruct { fields, .. } | TExprKind::MakeVariant { fields, .. } => {
            fields.iter_mut().for_each(f)
        }
        TExprKind::MakeVector(items)
        | TExprKind::Block(items)
        | TExprKind::And(items)
        | TExprKind::Or(items) => items.iter_mut().for_each(f),
        TExprKind::GetField { expr, .. } | TExprKind::Try(expr) => f(expr),
        TExprKind::Update { expr, fields } => {
            f(expr);
            fields.iter_mut().for_each(|(_, v)| f(v));
        }
        TExprKind::Let { bindings, body } => {
            bindings.iter_mut().for_each(|(_, v)| f(v));
            f(body);
        }
        TExprKind::SetLocal { value, .. } | TExprKind::SetGlobal { value, .. } => f(value),
        TExprKind::If { cond, then, els } => {
            f(cond);
            f(then);
            f(els);
        }
        TExprKind::Match { scrutinee, arms } => {
            f(scrutinee);
            arms.iter_mut().for_each(|a| f(&mut a.body));
        }
        TExprKind::For {
            init, cond, body, ..
        } => {
            f(init);
            f(cond);
            f(body);
        }
        TExprKind::ForEach { seq, body, .. } => {
            f(seq);
            f(body);
        }
    }
}
