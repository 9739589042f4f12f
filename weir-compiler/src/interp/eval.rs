//! Expression evaluation, calls, frames and pattern matching.
//!
//! Invariants: `eval` keeps its own Rust stack frame small (rare or bulky cases live in separate
//! non-inlined functions), because every Weir call nests a few `eval` frames; `call_func` and
//! `call_value` check the stack limit on every call.
//!
//! In-place updates: `(set! x (append x ..))` (also `set-nth`, `str`, `update`, and the same
//! builtins applied to a field of `x`) and tail-call arguments `(append x ..)` move the old value
//! out of its slot instead of cloning it, so an unshared vector/string/struct is mutated in place
//! (`Rc::make_mut`). This is only done when the other operands provably cannot assign `x` (and,
//! for tail calls, no later argument reads it), so the result is the same as copying (§5.5).

use std::rc::Rc;

use super::value::{AdtVal, Closure, Value};
use super::{Ctrl, Interp, Res};
use crate::span::Span;
use crate::tir::{Builtin, Callee, FuncId, Lambda, Lit, LocalId, TExpr, TExprKind, TPattern};
use crate::types::{AdtId, FloatTy, IntTy, Type};

/// The value of a literal of type `ty`.
#[inline(always)]
pub(crate) fn lit_value(lit: &Lit, ty: &Type) -> Value {
    if let (Lit::Int(n), Type::Int(IntTy::I64)) = (lit, ty) {
        return Value::I64(*n as i64);
    }
    lit_value_slow(lit, ty)
}

#[inline(never)]
fn lit_value_slow(lit: &Lit, ty: &Type) -> Value {
    match lit {
        Lit::Int(n) => match ty {
            Type::Int(it) => int_value(*it, *n),
            _ => unreachable!("internal error: integer literal of type {ty:?}"),
        },
        Lit::Float(x) => match ty {
            Type::Float(FloatTy::F32) => Value::F32(*x as f32),
            _ => Value::F64(*x),
        },
        Lit::Str(s) => Value::str(s.to_vec()),
        Lit::Bool(b) => Value::Bool(*b),
        Lit::Unit => Value::Unit,
    }
}

/// The integer of type `it` with the low bits of `n`.
#[inline]
pub(crate) fn int_value(it: IntTy, n: i128) -> Value {
    match it {
        IntTy::I8 => Value::I8(n as i8),
        IntTy::I16 => Value::I16(n as i16),
        IntTy::I32 => Value::I32(n as i32),
        IntTy::I64 => Value::I64(n as i64),
        IntTy::U8 => Value::U8(n as u8),
        IntTy::U16 => Value::U16(n as u16),
        IntTy::U32 => Value::U32(n as u32),
        IntTy::U64 => Value::U64(n as u64),
    }
}

/// Whether `v` equals the literal pattern `lit` (`=` semantics, §6.7).
fn lit_matches(lit: &Lit, v: &Value) -> bool {
    match (lit, v) {
        (Lit::Int(n), _) => v.int_i128() == Some(*n),
        (Lit::Float(x), Value::F32(y)) => *y == *x as f32,
        (Lit::Float(x), Value::F64(y)) => y == x,
        (Lit::Str(s), Value::Str(t)) => **s == ***t,
        (Lit::Bool(b), Value::Bool(c)) => b == c,
        (Lit::Unit, Value::Unit) => true,
        _ => unreachable!("internal error: literal pattern {lit:?} against {v:?}"),
    }
}

/// `(append (.f x) ..)`, `(set-nth (.f x) ..)` or `(str (.f x) ..)` where `.f` is field `index`
/// of local `x` and the other operands cannot assign locals: the builtin and its operands.
fn in_place_field_op(e: &TExpr, local: LocalId, index: u32) -> Option<(Builtin, &[TExpr])> {
    let TExprKind::Call {
        callee: Callee::Builtin(b @ (Builtin::Append | Builtin::SetNth | Builtin::Str)),
        args,
        ..
    } = &e.kind
    else {
        return None;
    };
    let TExprKind::GetField { expr, index: i } = &args.first()?.kind else {
        return None;
    };
    if *i == index && is_local(Some(expr), local) && args[1..].iter().all(cannot_assign) {
        Some((*b, args))
    } else {
        None
    }
}

/// `e` is built from literals, globals, locals other than `local`, field accesses and builtin
/// calls only (so it neither reads nor assigns `local`).
fn leaf_without(e: &TExpr, local: LocalId) -> bool {
    match &e.kind {
        TExprKind::Lit(_) | TExprKind::Global(_) | TExprKind::FuncRef(_) => true,
        TExprKind::Local(l) => *l != local,
        TExprKind::GetField { expr, .. } => leaf_without(expr, local),
        TExprKind::Call {
            callee: Callee::Builtin(_),
            args,
            ..
        } => args.iter().all(|a| leaf_without(a, local)),
        _ => false,
    }
}

/// `e` calls no function (only builtins), so it cannot assign a global.
fn calls_nothing(e: &TExpr) -> bool {
    match &e.kind {
        TExprKind::Lit(_) | TExprKind::Local(_) | TExprKind::Global(_) => true,
        TExprKind::GetField { expr, .. } => calls_nothing(expr),
        TExprKind::Call {
            callee: Callee::Builtin(_),
            args,
            ..
        } => args.iter().all(calls_nothing),
        TExprKind::MakeStruct { fields, .. } | TExprKind::MakeVariant { fields, .. } => {
            fields.iter().all(calls_nothing)
        }
        TExprKind::MakeVector(items) => items.iter().all(calls_nothing),
        _ => false,
    }
}

fn is_local(e: Option<&TExpr>, local: LocalId) -> bool {
    matches!(e.map(|e| &e.kind), Some(TExprKind::Local(l)) if *l == local)
}

/// Conservatively: evaluating `e` cannot assign any local of the current frame (it contains no
/// `set!`, loop or binding form outside a lambda body).
fn cannot_assign(e: &TExpr) -> bool {
    match &e.kind {
        TExprKind::Lit(_)
        | TExprKind::Local(_)
        | TExprKind::Global(_)
        | TExprKind::FuncRef(_)
        | TExprKind::CtorRef { .. }
        | TExprKind::StructCtorRef(_)
        | TExprKind::Lambda(_) => true,
        TExprKind::GetField { expr, .. } => cannot_assign(expr),
        TExprKind::Call { callee, args, .. } => {
            let callee_ok = match callee {
                Callee::Value(f) => cannot_assign(f),
                Callee::Func(_) | Callee::Extern(_) | Callee::Builtin(_) => true,
            };
            callee_ok && args.iter().all(cannot_assign)
        }
        TExprKind::MakeStruct { fields, .. } | TExprKind::MakeVariant { fields, .. } => {
            fields.iter().all(cannot_assign)
        }
        TExprKind::MakeVector(items) => items.iter().all(cannot_assign),
        _ => false,
    }
}

/// `v + 1`, wrapping (the step of a `for` loop).
fn increment(v: &Value) -> Value {
    match *v {
        Value::I8(n) => Value::I8(n.wrapping_add(1)),
        Value::I16(n) => Value::I16(n.wrapping_add(1)),
        Value::I32(n) => Value::I32(n.wrapping_add(1)),
        Value::I64(n) => Value::I64(n.wrapping_add(1)),
        Value::U8(n) => Value::U8(n.wrapping_add(1)),
        Value::U16(n) => Value::U16(n.wrapping_add(1)),
        Value::U32(n) => Value::U32(n.wrapping_add(1)),
        Value::U64(n) => Value::U64(n.wrapping_add(1)),
        _ => unreachable!("internal error: for loop over {v:?}"),
    }
}

impl Interp<'_, '_> {
    #[inline]
    fn slot(&self, id: LocalId) -> &Value {
        &self.stack[self.base + id.0 as usize]
    }

    #[inline]
    fn set_slot(&mut self, id: LocalId, v: Value) {
        let i = self.base + id.0 as usize;
        self.stack[i] = v;
    }

    /// `eval` with the leaves (locals, literals) handled without a recursive call.
    #[inline(always)]
    pub(crate) fn operand(&mut self, e: &TExpr) -> Res {
        match &e.kind {
            TExprKind::Local(id) => Ok(self.slot(*id).clone()),
            TExprKind::Lit(lit) => Ok(lit_value(lit, &e.ty)),
            _ => self.eval(e),
        }
    }

    /// Evaluates `e`. Expressions in tail position of `if`, `do`, `let` and `match` are evaluated by
    /// looping, not recursing (fewer Rust frames per Weir call).
    pub(crate) fn eval(&mut self, mut e: &TExpr) -> Res {
        loop {
            match &e.kind {
                TExprKind::Lit(lit) => return Ok(lit_value(lit, &e.ty)),
                TExprKind::Local(id) => return Ok(self.slot(*id).clone()),
                TExprKind::Call { callee, args, tail } => {
                    return match callee {
                        Callee::Func(f) => {
                            if *tail {
                                self.push_tail_args(args)?;
                                Err(Ctrl::TailCall(*f))
                            } else {
                                self.push_args(args)?;
                                self.call_func(*f, e.span)
                            }
                        }
                        Callee::Builtin(b) => self.builtin(*b, args, e),
                        Callee::Extern(x) => self.call_extern(*x, args, e.span),
                        Callee::Value(f) => self.call_value_expr(f, args, e.span),
                    }
                }
                TExprKind::If { cond, then, els } => {
                    e = if self.eval_bool(cond)? { then } else { els };
                }
                TExprKind::Block(es) => match es.split_last() {
                    None => return Ok(Value::Unit),
                    Some((last, init)) => {
                        for e in init {
                            self.eval(e)?;
                        }
                        e = last;
                    }
                },
                TExprKind::Let { bindings, body } => {
                    for (pat, init) in bindings {
                        let v = self.eval(init)?;
                        self.bind(pat, v, init.span)?;
                    }
                    e = body;
                }
                TExprKind::Match { scrutinee, arms } => {
                    let v = self.eval(scrutinee)?;
                    match arms.iter().find(|arm| self.match_pat(&arm.pat, &v)) {
                        Some(arm) => e = &arm.body,
                        None => {
                            return Err(self.fail("internal error: no match arm matched", e.span))
                        }
                    }
                }
                TExprKind::GetField { expr, index } => {
                    return if let TExprKind::Local(id) = expr.kind {
                        Ok(self.slot(id).fields()[*index as usize].clone())
                    } else {
                        let v = self.eval(expr)?;
                        Ok(v.fields()[*index as usize].clone())
                    };
                }
                TExprKind::SetLocal { local, value } => return self.set_local(*local, value),
                TExprKind::Global(g) => return self.read_global(g.0 as usize, e.span),
                _ => return self.eval_other(e),
            }
        }
    }

    /// The less frequent expression kinds, out of line to keep `eval`'s frame small.
    #[inline(never)]
    fn eval_other(&mut self, e: &TExpr) -> Res {
        match &e.kind {
            TExprKind::FuncRef(f) => Ok(Value::FuncRef(*f)),
            TExprKind::CtorRef { adt, variant } => Ok(Value::CtorRef {
                adt: adt.0,
                variant: *variant,
            }),
            TExprKind::StructCtorRef(adt) => Ok(Value::StructCtorRef(*adt)),
            TExprKind::MakeStruct { adt, fields } => {
                let fields = self.eval_list(fields)?;
                Ok(Value::Adt(Rc::new(AdtVal {
                    adt: *adt,
                    variant: 0,
                    fields,
                })))
            }
            TExprKind::MakeVariant {
                adt,
                variant,
                fields,
            } => {
                if fields.is_empty() {
                    return Ok(Value::Enum {
                        adt: adt.0,
                        variant: *variant,
                    });
                }
                let fields = self.eval_list(fields)?;
                Ok(Value::Adt(Rc::new(AdtVal {
                    adt: *adt,
                    variant: *variant,
                    fields,
                })))
            }
            TExprKind::MakeVector(items) => Ok(Value::Vector(Rc::new(self.eval_list(items)?))),
            TExprKind::Update { expr, fields } => {
                let mut rc = match self.eval(expr)? {
                    Value::Adt(rc) => rc,
                    v => unreachable!("internal error: update of {v:?}"),
                };
                for (index, value) in fields {
                    let v = self.eval(value)?;
                    Rc::make_mut(&mut rc).fields[*index as usize] = v;
                }
                Ok(Value::Adt(rc))
            }
            TExprKind::SetGlobal { global, value } => {
                let g = global.0 as usize;
                let v = match &value.kind {
                    // `(set! g (append g ..))` etc.: grow an unshared value in place (see
                    // `set_local`); the other operands call no functions, so they cannot assign `g`.
                    TExprKind::Call {
                        callee:
                            Callee::Builtin(b @ (Builtin::Append | Builtin::SetNth | Builtin::Str)),
                        args,
                        ..
                    } if matches!(args.first().map(|a| &a.kind), Some(TExprKind::Global(h)) if h == global)
                        && args[1..].iter().all(calls_nothing) =>
                    {
                        if self.globals[g].is_none() {
                            return self.read_global(g, args[0].span);
                        }
                        let rest = self.eval_list(&args[1..])?;
                        let old = self.globals[g].take().expect("initialised, checked above");
                        self.update_in_place(*b, old, rest, value.span)?
                    }
                    _ => self.eval(value)?,
                };
                self.globals[g] = Some(v);
                Ok(Value::Unit)
            }
            TExprKind::And(es) => {
                for e in es {
                    if !self.eval(e)?.as_bool() {
                        return Ok(Value::Bool(false));
                    }
                }
                Ok(Value::Bool(true))
            }
            TExprKind::Or(es) => {
                for e in es {
                    if self.eval(e)?.as_bool() {
                        return Ok(Value::Bool(true));
                    }
                }
                Ok(Value::Bool(false))
            }
            TExprKind::Lambda(lam) => Ok(self.make_closure(lam)),
            TExprKind::For {
                var,
                init,
                cond,
                body,
            } => {
                let v = self.eval(init)?;
                self.set_slot(*var, v);
                while self.eval(cond)?.as_bool() {
                    self.eval(body)?;
                    let i = self.base + var.0 as usize;
                    self.stack[i] = increment(&self.stack[i]);
                }
                Ok(Value::Unit)
            }
            TExprKind::ForEach { var, seq, body } => {
                let items = match self.eval(seq)? {
                    Value::Vector(items) => items,
                    v => unreachable!("internal error: for-each over {v:?}"),
                };
                for item in items.iter() {
                    self.set_slot(*var, item.clone());
                    self.eval(body)?;
                }
                Ok(Value::Unit)
            }
            TExprKind::Try(inner) => {
                let v = self.eval(inner)?;
                if v.variant() == 0 {
                    Ok(v.fields()[0].clone())
                } else {
                    self.ret = v;
                    Err(Ctrl::Return)
                }
            }
            TExprKind::Lit(_)
            | TExprKind::Local(_)
            | TExprKind::Global(_)
            | TExprKind::Call { .. }
            | TExprKind::If { .. }
            | TExprKind::Block(_)
            | TExprKind::Let { .. }
            | TExprKind::Match { .. }
            | TExprKind::GetField { .. }
            | TExprKind::SetLocal { .. } => self.eval(e),
        }
    }

    /// `(set! x value)`. When `value` is `(append x ..)`, `(set-nth x ..)`, `(str x ..)` or
    /// `(update x ..)` and the other operands cannot assign `x`, the old value is moved out of the
    /// slot (after evaluating the other operands, which may read it), so that an unshared vector,
    /// string or struct is updated in place instead of copied: loops that grow a vector or string
    /// stay linear. This is unobservable (§5.5).
    #[inline(never)]
    fn set_local(&mut self, local: LocalId, value: &TExpr) -> Res {
        let v = match &value.kind {
            TExprKind::Call {
                callee: Callee::Builtin(b @ (Builtin::Append | Builtin::SetNth | Builtin::Str)),
                args,
                ..
            } if is_local(args.first(), local) && args[1..].iter().all(cannot_assign) => {
                let rest = self.eval_list(&args[1..])?;
                let old = self.take_slot(local);
                self.update_in_place(*b, old, rest, value.span)?
            }
            TExprKind::Update { expr, fields }
                if is_local(Some(expr), local) && fields.iter().all(|(_, e)| cannot_assign(e)) =>
            {
                // A field value `(append (.f x) ..)` (or set-nth/str) updates field `f` in place.
                let mut pending = Vec::with_capacity(fields.len());
                for (index, e) in fields {
                    match in_place_field_op(e, local, *index) {
                        Some((b, args)) => {
                            let rest = self.eval_list(&args[1..])?;
                            pending.push((Some(b), rest, e.span));
                        }
                        None => {
                            let v = self.eval(e)?;
                            pending.push((None, vec![v], e.span));
                        }
                    }
                }
                let Value::Adt(mut rc) = self.take_slot(local) else {
                    unreachable!("internal error: update of a non-struct")
                };
                for ((index, _), (op, mut rest, span)) in fields.iter().zip(pending) {
                    let i = *index as usize;
                    let v = match op {
                        Some(b) => {
                            let old = std::mem::replace(
                                &mut Rc::make_mut(&mut rc).fields[i],
                                Value::Unit,
                            );
                            self.update_in_place(b, old, rest, span)?
                        }
                        None => rest.pop().expect("one value"),
                    };
                    Rc::make_mut(&mut rc).fields[i] = v;
                }
                Value::Adt(rc)
            }
            _ => self.eval(value)?,
        };
        self.set_slot(local, v);
        Ok(Value::Unit)
    }

    fn take_slot(&mut self, id: LocalId) -> Value {
        let i = self.base + id.0 as usize;
        std::mem::replace(&mut self.stack[i], Value::Unit)
    }

    /// `append`/`set-nth`/`str` with the first operand `old` and the others `rest`.
    fn update_in_place(&mut self, b: Builtin, old: Value, rest: Vec<Value>, span: Span) -> Res {
        match (b, old) {
            (Builtin::Append, Value::Vector(mut items)) => {
                let x = rest.into_iter().next().expect("append has 2 operands");
                Rc::make_mut(&mut items).push(x);
                Ok(Value::Vector(items))
            }
            (Builtin::SetNth, Value::Vector(mut items)) => {
                let mut rest = rest.into_iter();
                let i = rest.next().expect("set-nth index").as_i64();
                let x = rest.next().expect("set-nth value");
                let len = items.len();
                if i < 0 || i as u64 >= len as u64 {
                    return Err(self.fail(format!("index {i} out of bounds (len {len})"), span));
                }
                Rc::make_mut(&mut items)[i as usize] = x;
                Ok(Value::Vector(items))
            }
            (Builtin::Str, Value::Str(mut s)) => {
                let buf = Rc::make_mut(&mut s);
                for v in &rest {
                    super::print::write_value(buf, v, &self.prog.adts);
                }
                Ok(Value::Str(s))
            }
            (b, old) => {
                // `(str x ..)` where `x` is not a String: build a new string.
                let mut out = super::print::to_bytes(&old, &self.prog.adts);
                debug_assert_eq!(b, Builtin::Str);
                for v in &rest {
                    super::print::write_value(&mut out, v, &self.prog.adts);
                }
                Ok(Value::str(out))
            }
        }
    }

    fn eval_list(&mut self, es: &[TExpr]) -> Result<Vec<Value>, Ctrl> {
        let mut out = Vec::with_capacity(es.len());
        for e in es {
            out.push(self.eval(e)?);
        }
        Ok(out)
    }

    #[inline(never)]
    fn read_global(&mut self, g: usize, span: Span) -> Res {
        match &self.globals[g] {
            Some(v) => Ok(v.clone()),
            None => Err(self.fail(
                format!(
                    "global {} used before initialization",
                    self.prog.globals[g].name
                ),
                span,
            )),
        }
    }

    fn make_closure(&self, lam: &std::sync::Arc<Lambda>) -> Value {
        let captured = lam
            .captures
            .iter()
            .map(|id| self.slot(*id).clone())
            .collect();
        Value::Closure(Rc::new(Closure {
            lambda: lam.clone(),
            captured,
        }))
    }

    /// Evaluates call arguments onto the value stack.
    #[inline(always)]
    pub(crate) fn push_args(&mut self, args: &[TExpr]) -> Result<(), Ctrl> {
        for a in args {
            let v = self.operand(a)?;
            self.stack.push(v);
        }
        Ok(())
    }

    /// Arguments of a tail call. The frame dies right after, so an argument
    /// `(append x ..)` / `(set-nth x ..)` / `(str x ..)` may move `x` out of its slot when no later
    /// argument reads it: accumulator loops written as tail recursion stay linear.
    fn push_tail_args(&mut self, args: &[TExpr]) -> Result<(), Ctrl> {
        for (n, a) in args.iter().enumerate() {
            if let TExprKind::Call {
                callee: Callee::Builtin(b @ (Builtin::Append | Builtin::SetNth | Builtin::Str)),
                args: bargs,
                ..
            } = &a.kind
            {
                if let Some(TExprKind::Local(l)) = bargs.first().map(|e| &e.kind) {
                    if bargs[1..].iter().all(cannot_assign)
                        && args[n + 1..].iter().all(|e| leaf_without(e, *l))
                    {
                        let rest = self.eval_list(&bargs[1..])?;
                        let old = self.take_slot(*l);
                        let v = self.update_in_place(*b, old, rest, a.span)?;
                        self.stack.push(v);
                        continue;
                    }
                }
            }
            let v = self.operand(a)?;
            self.stack.push(v);
        }
        Ok(())
    }

    /// Ends with `stack overflow` when the Rust stack is deeper than the limit.
    #[inline]
    fn check_stack(&mut self, span: Span) -> Result<(), Ctrl> {
        let marker = 0u8;
        let here = std::ptr::addr_of!(marker) as usize;
        if self.stack_start.saturating_sub(here) > self.stack_limit {
            return Err(self.fail("stack overflow", span));
        }
        Ok(())
    }

    /// Calls a top-level function whose arguments are on top of the value stack.
    pub(crate) fn call_func(&mut self, f: FuncId, span: Span) -> Res {
        self.check_stack(span)?;
        let prog = self.prog;
        let func = &prog.funcs[f.0 as usize];
        let base = self.stack.len() - func.params.len();
        for _ in func.params.len()..func.n_locals as usize {
            self.stack.push(Value::Unit);
        }
        self.run_frame(base, &func.body)
    }

    /// Runs `body` in the frame starting at `base` (slots already allocated), then any tail calls
    /// it makes, and pops the frame.
    #[inline(always)]
    pub(crate) fn run_frame(&mut self, base: usize, body: &TExpr) -> Res {
        let saved = self.base;
        self.base = base;
        let mut res = self.eval(body);
        while let Err(Ctrl::TailCall(next)) = res {
            let prog = self.prog;
            let func = &prog.funcs[next.0 as usize];
            let n = func.params.len();
            let top = self.stack.len();
            for i in 0..n {
                self.stack.swap(base + i, top - n + i);
            }
            self.stack.truncate(base + n);
            self.stack
                .resize(base + func.n_locals as usize, Value::Unit);
            res = self.eval(&func.body);
        }
        self.stack.truncate(base);
        self.base = saved;
        match res {
            Err(Ctrl::Return) => Ok(std::mem::replace(&mut self.ret, Value::Unit)),
            res => res,
        }
    }

    #[inline(never)]
    fn call_value_expr(&mut self, f: &TExpr, args: &[TExpr], span: Span) -> Res {
        let f = self.eval(f)?;
        self.push_args(args)?;
        self.call_value(f, args.len(), span)
    }

    /// Calls a function value whose `n_args` arguments are on top of the value stack.
    pub(crate) fn call_value(&mut self, f: Value, n_args: usize, span: Span) -> Res {
        match f {
            Value::FuncRef(id) => self.call_func(id, span),
            Value::Closure(c) => {
                self.check_stack(span)?;
                let base = self.stack.len() - n_args;
                self.stack.extend(c.captured.iter().cloned());
                self.stack
                    .resize(base + c.lambda.n_locals as usize, Value::Unit);
                self.run_frame(base, &c.lambda.body)
            }
            Value::CtorRef { adt, variant } => {
                let fields = self.stack.split_off(self.stack.len() - n_args);
                Ok(Value::Adt(Rc::new(AdtVal {
                    adt: AdtId(adt),
                    variant,
                    fields,
                })))
            }
            Value::StructCtorRef(adt) => {
                let fields = self.stack.split_off(self.stack.len() - n_args);
                Ok(Value::Adt(Rc::new(AdtVal {
                    adt,
                    variant: 0,
                    fields,
                })))
            }
            v => unreachable!("internal error: call of {v:?}"),
        }
    }

    /// Binds an irrefutable pattern.
    fn bind(&mut self, pat: &TPattern, v: Value, span: Span) -> Result<(), Ctrl> {
        match pat {
            TPattern::Bind(id) => {
                self.set_slot(*id, v);
                Ok(())
            }
            TPattern::Wildcard => Ok(()),
            _ => {
                if self.match_pat(pat, &v) {
                    Ok(())
                } else {
                    Err(self.fail("internal error: refutable let pattern", span))
                }
            }
        }
    }

    /// Tests `v` against `pat`, binding its variables.
    fn match_pat(&mut self, pat: &TPattern, v: &Value) -> bool {
        match pat {
            TPattern::Wildcard => true,
            TPattern::Bind(id) => {
                self.set_slot(*id, v.clone());
                true
            }
            TPattern::Lit(lit) => lit_matches(lit, v),
            TPattern::Variant {
                variant, fields, ..
            } => {
                v.variant() == *variant
                    && fields
                        .iter()
                        .zip(v.fields())
                        .all(|(p, f)| self.match_pat(p, f))
            }
            TPattern::Struct { fields, .. } => {
                let vals = v.fields();
                fields
                    .iter()
                    .all(|(i, p)| self.match_pat(p, &vals[*i as usize]))
            }
        }
    }
}
