//! Calls: of top-level functions, externs, constructors, function values and builtins, with
//! labelled (named) arguments resolved into declaration order (§6.3).

use super::imports::Lookup;
use super::{Checker, Class, Item};
use crate::ast::{self, Arg, Expr, ExprKind};
use crate::diag::Diagnostic;
use crate::span::Span;
use crate::tir::{Builtin, Callee, Lit, TExpr, TExprKind, TPattern};
use crate::types::{FloatTy, IntTy, Type};

use super::unify::VarKind;

/// What is being called, for resolving labelled arguments.
struct Target<'a> {
    /// "function `clamp`", "struct `Vec2`", ...
    what: String,
    names: &'a [Option<String>],
    def_span: Option<Span>,
}

impl Checker {
    pub(super) fn call(
        &mut self,
        callee: &Expr,
        args: &[Arg],
        hint: Option<&Type>,
        span: Span,
    ) -> TExpr {
        if let ExprKind::Var(name) = &callee.kind {
            if self.lookup_local(&name.text).is_none() {
                let item = match self.lookup_value(name) {
                    Lookup::Found(item) => Some(item),
                    Lookup::NotFound => None,
                    Lookup::Reported => {
                        self.args_unchecked(args);
                        return self.error_expr(span);
                    }
                };
                match item {
                    Some(Item::Func(id)) => return self.call_func(id, args, span),
                    Some(Item::Struct(adt)) => return self.call_struct(adt, args, span),
                    Some(Item::Ctor(adt, v)) => return self.call_ctor(adt, v, name, args, span),
                    Some(Item::Extern(id)) => return self.call_extern(id, name, args, span),
                    Some(Item::Global(_)) => {}
                    None => {
                        if let Some(te) = self.builtin(name, args, hint, span) {
                            return te;
                        }
                        if !name.text.contains('.') {
                            self.error(name.span, format!("unknown function `{}`", name.text));
                            self.args_unchecked(args);
                            return self.error_expr(span);
                        }
                    }
                }
            }
        }
        self.call_value(callee, args, span)
    }

    /// Checks arguments of an erroneous call, for their own errors.
    fn args_unchecked(&mut self, args: &[Arg]) {
        for a in args {
            self.infer(&a.expr, None);
        }
    }

    fn no_labels(&mut self, args: &[Arg], what: &str) -> bool {
        let mut ok = true;
        for a in args {
            if let Some(l) = &a.label {
                ok = false;
                if matches!(a.expr.kind, ExprKind::Error) {
                    continue; // the parser already reported the label without a value
                }
                self.push_diag(
                    Diagnostic::error(l.span, format!("labelled argument `:{}` in a call of {what}", l.text))
                        .with_note("labels can only name the parameters of a `defn`, an extern or a struct constructor; to pass a keyword string, bind it first: `(let ((k :k)) ...)`"),
                );
            }
        }
        ok
    }

    /// Maps written arguments to parameters. Returns `order[j]` = index into `args` of parameter `j`.
    fn order_args(&mut self, args: &[Arg], target: &Target, span: Span) -> Option<Vec<usize>> {
        let n = target.names.len();
        let mut order: Vec<Option<usize>> = vec![None; n];
        let mut ok = true;
        let mut seen_label = false;
        let mut positional = 0usize;
        for (i, a) in args.iter().enumerate() {
            match &a.label {
                None => {
                    if seen_label {
                        self.error(a.expr.span, "positional argument after a labelled argument");
                        ok = false;
                    } else if positional < n {
                        order[positional] = Some(i);
                    }
                    positional += 1;
                }
                Some(l) => {
                    seen_label = true;
                    match target
                        .names
                        .iter()
                        .position(|p| p.as_deref() == Some(l.text.as_str()))
                    {
                        None => {
                            let names: Vec<String> = target
                                .names
                                .iter()
                                .flatten()
                                .map(|s| format!(":{s}"))
                                .collect();
                            let mut d = Diagnostic::error(
                                l.span,
                                format!("{} has no parameter named `{}`", target.what, l.text),
                            );
                            if !names.is_empty() {
                                d = d.with_note(format!("its parameters are {}", names.join(" ")));
                            }
                            if let Some(s) = target.def_span {
                                d = d.with_secondary(s, "defined here");
                            }
                            self.push_diag(d);
                            ok = false;
                        }
                        Some(j) => {
                            if let Some(prev) = order[j] {
                                let msg = if args[prev].label.is_some() {
                                    format!("argument `:{}` is given twice", l.text)
                                } else {
                                    format!("argument `:{}` was already given positionally", l.text)
                                };
                                self.error(l.span, msg);
                                ok = false;
                            } else {
                                order[j] = Some(i);
                            }
                        }
                    }
                }
            }
        }
        if positional > n || (!seen_label && args.len() != n) {
            let mut d = Diagnostic::error(
                span,
                format!(
                    "{} takes {} argument{}, found {}",
                    target.what,
                    n,
                    super::collect::plural(n),
                    args.len()
                ),
            );
            if let Some(s) = target.def_span {
                d = d.with_secondary(s, "defined here");
            }
            self.push_diag(d);
            return None;
        }
        let missing: Vec<String> = (0..n)
            .filter(|j| order[*j].is_none())
            .map(|j| match &target.names[j] {
                Some(name) => format!("`{name}`"),
                None => format!("#{}", j + 1),
            })
            .collect();
        if ok && !missing.is_empty() {
            self.error(
                span,
                format!(
                    "missing argument{} for {}: {}",
                    super::collect::plural(missing.len()),
                    target.what,
                    missing.join(", ")
                ),
            );
            return None;
        }
        if !ok {
            return None;
        }
        Some(order.into_iter().map(|o| o.expect("filled")).collect())
    }

    /// Checks arguments against parameter types in written order and builds the call, using
    /// temporaries when labels reorder the arguments (evaluation stays in written order).
    #[allow(clippy::too_many_arguments)]
    fn build_call(
        &mut self,
        args: &[Arg],
        order: Option<Vec<usize>>,
        target: &Target,
        params: &[Type],
        span: Span,
        ret: Type,
        make: impl FnOnce(Vec<TExpr>) -> TExprKind,
    ) -> TExpr {
        let Some(order) = order else {
            self.args_unchecked(args);
            return TExpr {
                kind: TExprKind::Lit(Lit::Unit),
                ty: ret,
                span,
            };
        };
        // param index of each written argument
        let mut param_of = vec![0usize; args.len()];
        for (j, &i) in order.iter().enumerate() {
            param_of[i] = j;
        }
        let checked: Vec<TExpr> = args
            .iter()
            .enumerate()
            .map(|(i, a)| self.check_arg(&a.expr, &params[param_of[i]], param_of[i], target))
            .collect();
        let in_order = order.iter().enumerate().all(|(j, &i)| i == j);
        if in_order {
            return TExpr {
                kind: make(checked),
                ty: ret,
                span,
            };
        }
        let mut bindings = Vec::new();
        let mut temps = Vec::new();
        for te in checked {
            let slot = self.temp();
            temps.push((slot, te.ty.clone(), te.span));
            bindings.push((TPattern::Bind(slot), te));
        }
        let call_args = order
            .iter()
            .map(|&i| {
                let (slot, ty, sp) = temps[i].clone();
                TExpr {
                    kind: TExprKind::Local(slot),
                    ty,
                    span: sp,
                }
            })
            .collect();
        let call = TExpr {
            kind: make(call_args),
            ty: ret.clone(),
            span,
        };
        TExpr {
            kind: TExprKind::Let {
                bindings,
                body: Box::new(call),
            },
            ty: ret,
            span,
        }
    }

    /// Checks one argument; a mismatch names the parameter and points at the definition.
    fn check_arg(&mut self, e: &Expr, param: &Type, j: usize, target: &Target) -> TExpr {
        let te = self.infer(e, Some(param));
        if matches!(e.kind, ExprKind::Error) || self.vars.unify(param, &te.ty) {
            return te;
        }
        let pname = match target.names.get(j).and_then(|n| n.as_deref()) {
            Some(n) => format!("parameter `{n}`"),
            None => format!("argument {}", j + 1),
        };
        let msg = format!(
            "mismatched types: expected `{}`, found `{}`",
            self.show(param),
            self.show(&te.ty)
        );
        let label = format!(
            "expected `{}` for {pname} of {}",
            self.show(param),
            target.what
        );
        let mut d = Diagnostic::error(e.span, msg).with_label(label);
        if let Some(def) = target.def_span {
            d = d.with_secondary(def, "defined here");
        }
        self.push_diag(d);
        te
    }

    fn call_func(&mut self, id: crate::tir::FuncId, args: &[Arg], span: Span) -> TExpr {
        let sig = self.funcs[id.0 as usize].clone();
        let fn_ty = self.instantiate(
            &sig.tparams,
            &Type::Fn(sig.params.clone(), Box::new(sig.ret.clone())),
        );
        let Type::Fn(params, ret) = fn_ty else {
            unreachable!("instantiated a function type")
        };
        let target = Target {
            what: format!("function `{}`", sig.name),
            names: &sig.param_names,
            def_span: Some(sig.name_span),
        };
        let order = self.order_args(args, &target, span);
        self.build_call(args, order, &target, &params, span, *ret, |args| {
            TExprKind::Call {
                callee: Callee::Func(id),
                args,
                tail: false,
            }
        })
    }

    fn call_struct(&mut self, adt: crate::types::AdtId, args: &[Arg], span: Span) -> TExpr {
        let def = self.adts[adt.0 as usize].clone();
        let fields = def.struct_fields().unwrap_or(&[]).to_vec();
        let own = Type::Adt(
            adt,
            def.tparams.iter().map(|p| Type::Param(p.clone())).collect(),
        );
        let fn_ty = self.instantiate(
            &def.tparams,
            &Type::Fn(fields.iter().map(|f| f.ty.clone()).collect(), Box::new(own)),
        );
        let Type::Fn(params, ret) = fn_ty else {
            unreachable!("instantiated a function type")
        };
        let names: Vec<Option<String>> = fields.iter().map(|f| Some(f.name.clone())).collect();
        let target = Target {
            what: format!("struct `{}`", def.name),
            names: &names,
            def_span: Some(def.span),
        };
        let order = self.order_args(args, &target, span);
        self.build_call(args, order, &target, &params, span, *ret, |fields| {
            TExprKind::MakeStruct { adt, fields }
        })
    }

    fn call_ctor(
        &mut self,
        adt: crate::types::AdtId,
        variant: u32,
        name: &ast::Name,
        args: &[Arg],
        span: Span,
    ) -> TExpr {
        let def = self.adts[adt.0 as usize].clone();
        let fields = def
            .variants()
            .map(|v| v[variant as usize].fields.clone())
            .unwrap_or_default();
        if fields.is_empty() {
            self.error(
                span,
                format!(
                    "`{}` takes no arguments; write it without parentheses: `{}`",
                    name.text, name.text
                ),
            );
            self.args_unchecked(args);
            return self.error_expr(span);
        }
        if !self.no_labels(args, &format!("constructor `{}`", name.text)) {
            self.args_unchecked(args);
            return self.error_expr(span);
        }
        let own = Type::Adt(
            adt,
            def.tparams.iter().map(|p| Type::Param(p.clone())).collect(),
        );
        let fn_ty = self.instantiate(&def.tparams, &Type::Fn(fields, Box::new(own)));
        let Type::Fn(params, ret) = fn_ty else {
            unreachable!("instantiated a function type")
        };
        let names = vec![None; params.len()];
        let def_span = if def.span == Span::default() {
            None
        } else {
            Some(def.span)
        };
        let target = Target {
            what: format!("constructor `{}`", name.text),
            names: &names,
            def_span,
        };
        let order = self.order_args(args, &target, span);
        self.build_call(args, order, &target, &params, span, *ret, |fields| {
            TExprKind::MakeVariant {
                adt,
                variant,
                fields,
            }
        })
    }

    fn call_extern(
        &mut self,
        id: crate::tir::ExternId,
        name: &ast::Name,
        args: &[Arg],
        span: Span,
    ) -> TExpr {
        let sig = self.externs[id.0 as usize].clone();
        if self.unsafe_depth == 0 {
            self.push_diag(
                Diagnostic::error(
                    span,
                    format!(
                        "call of extern \"C\" function `{}` outside `unsafe`",
                        name.text
                    ),
                )
                .with_secondary(sig.decl.span, "declared here")
                .with_note("wrap the call in `(unsafe ...)`"),
            );
        }
        let names: Vec<Option<String>> = sig.param_names.iter().map(|n| Some(n.clone())).collect();
        let target = Target {
            what: format!("extern function `{}`", name.text),
            names: &names,
            def_span: Some(sig.decl.span),
        };
        let order = self.order_args(args, &target, span);
        self.build_call(
            args,
            order,
            &target,
            &sig.decl.params,
            span,
            sig.decl.ret.clone(),
            |args| TExprKind::Call {
                callee: Callee::Extern(id),
                args,
                tail: false,
            },
        )
    }

    fn call_value(&mut self, callee: &Expr, args: &[Arg], span: Span) -> TExpr {
        let f = self.infer(callee, None);
        if !self.no_labels(args, "a function value") {
            self.args_unchecked(args);
            return self.error_expr(span);
        }
        let (params, ret) = match self.vars.shallow(&f.ty) {
            Type::Fn(ps, r) => (ps, *r),
            Type::Var(_) => {
                let ps: Vec<Type> = args.iter().map(|_| self.fresh()).collect();
                let r = self.fresh();
                self.vars
                    .unify(&f.ty, &Type::Fn(ps.clone(), Box::new(r.clone())));
                (ps, r)
            }
            other => {
                if !matches!(callee.kind, ExprKind::Error) {
                    let msg = format!(
                        "this is not a function: it has type `{}`",
                        self.show(&other)
                    );
                    self.error(callee.span, msg);
                }
                self.args_unchecked(args);
                return self.error_expr(span);
            }
        };
        if params.len() != args.len() {
            self.error(
                span,
                format!(
                    "this function takes {} argument{}, found {}",
                    params.len(),
                    super::collect::plural(params.len()),
                    args.len()
                ),
            );
            self.args_unchecked(args);
            return TExpr {
                kind: TExprKind::Lit(Lit::Unit),
                ty: ret,
                span,
            };
        }
        let checked = args
            .iter()
            .zip(&params)
            .map(|(a, p)| self.check(&a.expr, p))
            .collect();
        TExpr {
            kind: TExprKind::Call {
                callee: Callee::Value(Box::new(f)),
                args: checked,
                tail: false,
            },
            ty: ret,
            span,
        }
    }

    /// A builtin call, or `None` if `name` is not a builtin.
    fn builtin(
        &mut self,
        name: &ast::Name,
        args: &[Arg],
        hint: Option<&Type>,
        span: Span,
    ) -> Option<TExpr> {
        use Builtin as B;
        let n = name.text.as_str();
        if super::LATER_BUILTINS.contains(&n) {
            self.error(name.span, format!("`{n}` is not supported yet ([later])"));
            self.args_unchecked(args);
            return Some(self.error_expr(span));
        }
        let known = super::BUILTIN_NAMES.contains(&n) || super::expr::is_numeric_type_name(n);
        if !known {
            return None;
        }
        if !self.no_labels(args, &format!("builtin `{n}`")) {
            self.args_unchecked(args);
            return Some(self.error_expr(span));
        }
        let exprs: Vec<&Expr> = args.iter().map(|a| &a.expr).collect();
        let f64t = Type::Float(FloatTy::F64);
        let i64t = Type::Int(IntTy::I64);
        let te = match n {
            "+" | "*" if exprs.is_empty() => {
                let v = if n == "+" { 0 } else { 1 };
                TExpr {
                    kind: TExprKind::Lit(Lit::Int(v)),
                    ty: self.vars.fresh(VarKind::IntLit),
                    span,
                }
            }
            "+" | "*" | "-" | "/" => {
                let min = if n == "/" { 2 } else { 1 };
                if !self.arity_at_least(n, &exprs, min, span) {
                    return Some(self.error_expr(span));
                }
                let b = match (n, exprs.len()) {
                    ("-", 1) => B::Neg,
                    ("+", _) => B::Add,
                    ("*", _) => B::Mul,
                    ("-", _) => B::Sub,
                    _ => B::Div,
                };
                self.same_type_op(b, &exprs, Class::Numeric, hint, span, None)
            }
            "mod" | "min" | "max" => {
                let b = match n {
                    "mod" => B::Mod,
                    "min" => B::Min,
                    _ => B::Max,
                };
                if !self.arity(n, &exprs, 2, span) {
                    return Some(self.error_expr(span));
                }
                self.same_type_op(b, &exprs, Class::Numeric, hint, span, None)
            }
            "abs" => {
                if !self.arity(n, &exprs, 1, span) {
                    return Some(self.error_expr(span));
                }
                self.same_type_op(B::Abs, &exprs, Class::Numeric, hint, span, None)
            }
            "=" | "!=" | "<" | ">" | "<=" | ">=" => {
                if !self.arity(n, &exprs, 2, span) {
                    return Some(self.error_expr(span));
                }
                let (b, class) = match n {
                    "=" => (B::Eq, Class::Equatable),
                    "!=" => (B::Ne, Class::Equatable),
                    "<" => (B::Lt, Class::Ordered),
                    ">" => (B::Gt, Class::Ordered),
                    "<=" => (B::Le, Class::Ordered),
                    _ => (B::Ge, Class::Ordered),
                };
                self.same_type_op(b, &exprs, class, None, span, Some(Type::Bool))
            }
            "not" => self.fixed(B::Not, n, &exprs, &[Type::Bool], Type::Bool, span)?,
            "sqrt" | "floor" | "ceil" | "round" | "sin" | "cos" | "tan" | "asin" | "acos"
            | "atan" | "exp" | "log" => {
                let b = match n {
                    "sqrt" => B::Sqrt,
                    "floor" => B::Floor,
                    "ceil" => B::Ceil,
                    "round" => B::Round,
                    "sin" => B::Sin,
                    "cos" => B::Cos,
                    "tan" => B::Tan,
                    "asin" => B::Asin,
                    "acos" => B::Acos,
                    "atan" => B::Atan,
                    "exp" => B::Exp,
                    _ => B::Log,
                };
                self.fixed(
                    b,
                    n,
                    &exprs,
                    std::slice::from_ref(&f64t),
                    f64t.clone(),
                    span,
                )?
            }
            "pow" | "atan2" => {
                let b = if n == "pow" { B::Pow } else { B::Atan2 };
                self.fixed(
                    b,
                    n,
                    &exprs,
                    &[f64t.clone(), f64t.clone()],
                    f64t.clone(),
                    span,
                )?
            }
            "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "f32" | "f64"
            | "to-f64" | "to-i64" | "to-f32" | "to-i32" => {
                let (b, ty) = match n {
                    "i8" => (B::ToInt(IntTy::I8), Type::Int(IntTy::I8)),
                    "i16" => (B::ToInt(IntTy::I16), Type::Int(IntTy::I16)),
                    "i32" | "to-i32" => (B::ToInt(IntTy::I32), Type::Int(IntTy::I32)),
                    "i64" | "to-i64" => (B::ToInt(IntTy::I64), Type::Int(IntTy::I64)),
                    "u8" => (B::ToInt(IntTy::U8), Type::Int(IntTy::U8)),
                    "u16" => (B::ToInt(IntTy::U16), Type::Int(IntTy::U16)),
                    "u32" => (B::ToInt(IntTy::U32), Type::Int(IntTy::U32)),
                    "u64" => (B::ToInt(IntTy::U64), Type::Int(IntTy::U64)),
                    "f32" | "to-f32" => (B::ToFloat(FloatTy::F32), Type::Float(FloatTy::F32)),
                    _ => (B::ToFloat(FloatTy::F64), Type::Float(FloatTy::F64)),
                };
                if !self.arity(n, &exprs, 1, span) {
                    return Some(self.error_expr(span));
                }
                let a = self.infer(exprs[0], None);
                self.require(&a.ty, Class::Numeric, a.span);
                builtin_call(b, vec![a], ty, span)
            }
            "len" => {
                if !self.arity(n, &exprs, 1, span) {
                    return Some(self.error_expr(span));
                }
                let a = self.infer(exprs[0], None);
                self.require(&a.ty, Class::Lenable, a.span);
                // `finish` switches to `StrLen` when the operand turns out to be a String.
                builtin_call(B::VecLen, vec![a], i64t, span)
            }
            "nth" => {
                let e = self.fresh();
                let v = Type::Vector(Box::new(e.clone()));
                self.fixed(B::Nth, n, &exprs, &[v, i64t.clone()], e, span)?
            }
            "append" => {
                let e = self.fresh();
                let v = Type::Vector(Box::new(e.clone()));
                self.fixed(B::Append, n, &exprs, &[v.clone(), e], v, span)?
            }
            "set-nth" => {
                let e = self.fresh();
                let v = Type::Vector(Box::new(e.clone()));
                self.fixed(B::SetNth, n, &exprs, &[v.clone(), i64t.clone(), e], v, span)?
            }
            "str" => {
                let items: Vec<TExpr> = exprs.iter().map(|e| self.infer(e, None)).collect();
                for i in &items {
                    self.require(&i.ty, Class::Printable, i.span);
                }
                builtin_call(B::Str, items, Type::Str, span)
            }
            "string-length" => self.fixed(B::StrLen, n, &exprs, &[Type::Str], i64t, span)?,
            "substring" => self.fixed(
                B::Substring,
                n,
                &exprs,
                &[Type::Str, i64t.clone(), i64t],
                Type::Str,
                span,
            )?,
            "string-ref" => self.fixed(
                B::StringRef,
                n,
                &exprs,
                &[Type::Str, i64t.clone()],
                i64t,
                span,
            )?,
            "string-contains" => self.fixed(
                B::StringContains,
                n,
                &exprs,
                &[Type::Str, Type::Str],
                Type::Bool,
                span,
            )?,
            "string-upcase" => {
                self.fixed(B::StringUpcase, n, &exprs, &[Type::Str], Type::Str, span)?
            }
            "string-downcase" => {
                self.fixed(B::StringDowncase, n, &exprs, &[Type::Str], Type::Str, span)?
            }
            "string-trim" => self.fixed(B::StringTrim, n, &exprs, &[Type::Str], Type::Str, span)?,
            "char-to-string" => self.fixed(B::CharToString, n, &exprs, &[i64t], Type::Str, span)?,
            "println" | "print" => {
                let (b, max, min) = if n == "println" {
                    (B::Println, 1, 0)
                } else {
                    (B::Print, 1, 1)
                };
                if exprs.len() < min || exprs.len() > max {
                    let want = if n == "println" {
                        "0 or 1 arguments".to_string()
                    } else {
                        "1 argument".to_string()
                    };
                    self.error(span, format!("`{n}` takes {want}, found {}", exprs.len()));
                    self.args_unchecked(args);
                    return Some(self.error_expr(span));
                }
                let items: Vec<TExpr> = exprs.iter().map(|e| self.infer(e, None)).collect();
                for i in &items {
                    self.require(&i.ty, Class::Printable, i.span);
                }
                builtin_call(b, items, Type::Unit, span)
            }
            "random" => self.fixed(B::Random, n, &exprs, &[], f64t, span)?,
            "random-int" => self.fixed(
                B::RandomInt,
                n,
                &exprs,
                std::slice::from_ref(&i64t),
                i64t.clone(),
                span,
            )?,
            "random-seed" => self.fixed(B::RandomSeed, n, &exprs, &[i64t], Type::Unit, span)?,
            "read-file" => self.fixed(B::ReadFile, n, &exprs, &[Type::Str], Type::Str, span)?,
            "write-file" => self.fixed(
                B::WriteFile,
                n,
                &exprs,
                &[Type::Str, Type::Str],
                Type::Unit,
                span,
            )?,
            "time-ms" => self.fixed(B::TimeMs, n, &exprs, &[], i64t, span)?,
            "sleep" => self.fixed(B::Sleep, n, &exprs, &[i64t], Type::Unit, span)?,
            "assert" => {
                if exprs.len() == 2 {
                    self.fixed(
                        B::Assert,
                        n,
                        &exprs,
                        &[Type::Bool, Type::Str],
                        Type::Unit,
                        span,
                    )?
                } else {
                    self.fixed(B::Assert, n, &exprs, &[Type::Bool], Type::Unit, span)?
                }
            }
            "assert-eq" => {
                if !self.arity(n, &exprs, 2, span) {
                    return Some(self.error_expr(span));
                }
                self.same_type_op(
                    B::AssertEq,
                    &exprs,
                    Class::Equatable,
                    None,
                    span,
                    Some(Type::Unit),
                )
            }
            "args" => self.fixed(
                B::Args,
                n,
                &exprs,
                &[],
                Type::Vector(Box::new(Type::Str)),
                span,
            )?,
            "exit" => self.fixed(
                B::Exit,
                n,
                &exprs,
                &[Type::Int(IntTy::I32)],
                Type::Unit,
                span,
            )?,
            _ => unreachable!("builtin `{n}` without a rule"),
        };
        Some(te)
    }

    fn arity(&mut self, name: &str, exprs: &[&Expr], n: usize, span: Span) -> bool {
        if exprs.len() == n {
            return true;
        }
        self.error(
            span,
            format!(
                "`{name}` takes {n} argument{}, found {}",
                super::collect::plural(n),
                exprs.len()
            ),
        );
        for e in exprs {
            self.infer(e, None);
        }
        false
    }

    fn arity_at_least(&mut self, name: &str, exprs: &[&Expr], n: usize, span: Span) -> bool {
        if exprs.len() >= n {
            return true;
        }
        self.error(
            span,
            format!(
                "`{name}` takes at least {n} argument{}, found {}",
                super::collect::plural(n),
                exprs.len()
            ),
        );
        for e in exprs {
            self.infer(e, None);
        }
        false
    }

    /// A builtin with fixed parameter types.
    fn fixed(
        &mut self,
        b: Builtin,
        name: &str,
        exprs: &[&Expr],
        params: &[Type],
        ret: Type,
        span: Span,
    ) -> Option<TExpr> {
        if !self.arity(name, exprs, params.len(), span) {
            return Some(self.error_expr(span));
        }
        let args = exprs
            .iter()
            .zip(params)
            .map(|(e, p)| self.check(e, p))
            .collect();
        Some(builtin_call(b, args, ret, span))
    }

    /// An operator whose operands all share one type of `class`; the result is that type, or
    /// `result` when given (comparisons).
    fn same_type_op(
        &mut self,
        b: Builtin,
        exprs: &[&Expr],
        class: Class,
        hint: Option<&Type>,
        span: Span,
        result: Option<Type>,
    ) -> TExpr {
        let ty = self.fresh();
        if let (Some(h), None) = (hint, &result) {
            // Arithmetic yields its operand type: let an expected numeric type flow into literals.
            if self.class_ok(h, Class::Numeric) == Some(true) {
                self.vars.unify(&ty, h);
            }
        }
        let mut args: Vec<TExpr> = Vec::new();
        for e in exprs {
            let a = self.infer(e, Some(&ty));
            if !self.vars.unify(&ty, &a.ty) {
                let msg = format!(
                    "mismatched operand types: expected `{}` like the first operand, found `{}`",
                    self.show(&ty),
                    self.show(&a.ty)
                );
                let mut d = Diagnostic::error(a.span, msg);
                if let Some(first) = args.first() {
                    d = d.with_secondary(first.span, "first operand");
                }
                self.push_diag(d);
            }
            args.push(a);
        }
        if let Some(first) = args.first() {
            let sp = first.span;
            self.require(&ty, class, sp);
        }
        builtin_call(b, args, result.unwrap_or(ty), span)
    }
}

fn builtin_call(b: Builtin, args: Vec<TExpr>, ty: Type, span: Span) -> TExpr {
    TExpr {
        kind: TExprKind::Call {
            callee: Callee::Builtin(b),
            args,
            tail: false,
        },
        ty,
        span,
    }
}
