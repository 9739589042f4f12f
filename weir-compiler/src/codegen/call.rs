//! Calls (top-level functions, `extern "C"` functions, function values) and builtins (§9).
//!
//! Invariants:
//! - Arguments are evaluated left to right before the call; heap arguments of anything that may
//!   collect are rooted (see `mod.rs`).
//! - Integer arithmetic wraps at the operand width; `/` and `mod` check for zero and never trap
//!   on `MIN / -1` (the divisor -1 is replaced by 1 and the quotient negated).
//! - Runtime error locations are the call expression's span, as in the interpreter.

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{
    types, AbiParam, BlockArg, InstBuilder, MemFlagsData, Signature, Value,
};
use cranelift_codegen::isa::CallConv;
use cranelift_module::Module;
use weir_runtime::layout::{E_DIV_ZERO, E_INDEX};

use super::translate::{clty, is_heap, match_ty, Fx, LIBM, VIRTUAL_FRAME};
use crate::span::Span;
use crate::tir::{Builtin, Callee, Lit, TExpr, TExprKind};
use crate::types::{FloatTy, IntTy, Type};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
}

impl<M: Module> Fx<'_, '_, '_, M> {
    pub fn translate_call(
        &mut self,
        callee: &Callee,
        args: &[TExpr],
        tail: bool,
        e: &TExpr,
    ) -> Value {
        match callee {
            Callee::Func(f) => {
                let ret = self.ty(&e.ty);
                let vals = self.call_func(*f, args, tail, e);
                match self.st.flat(&ret) {
                    Some(tys) => self.build_object(&tys, &vals, None),
                    None => vals[0],
                }
            }
            Callee::Extern(x) => self.call_extern(*x, args, e),
            Callee::Builtin(Builtin::Add)
                if self
                    .accum
                    .as_ref()
                    .is_some_and(|a| a.sites.contains(&(e as *const TExpr))) =>
            {
                self.accumulate(args, e)
            }
            Callee::Builtin(b) => self.builtin(*b, args, e),
            Callee::Value(fe) => {
                let fv = self.expr(fe);
                let mut slots: Vec<u32> = Vec::new();
                if !args.is_empty() {
                    slots.push(self.root_temp(fv));
                }
                let (args, arg_slots) = self.operands(args, false);
                slots.extend(arg_slots);
                let mut vals = vec![fv];
                vals.extend(args);
                let Type::Fn(params, ret) = self.ty(&fe.ty) else {
                    panic!("internal error: call of a non-function value")
                };
                let sig = self.st.weir_sig(&params, &ret, true);
                let sig = self.b.import_signature(sig);
                let code = self
                    .b
                    .ins()
                    .load(types::I64, MemFlagsData::trusted(), vals[0], 16);
                self.stack_check(e.span);
                let call = self.b.ins().call_indirect(sig, code, &vals);
                let res = self.b.inst_results(call)[0];
                self.release(&slots);
                res
            }
        }
    }

    /// An accumulation site `(+ X... (f ARGS))` of the function being translated (see
    /// `translate::Accum`): `acc += X...`, then the loop continues with `ARGS` after checking
    /// the virtual stack depth.
    fn accumulate(&mut self, args: &[TExpr], e: &TExpr) -> Value {
        let (call, prefix) = args
            .split_last()
            .expect("an accumulation site has operands");
        let TExprKind::Call { args: cargs, .. } = &call.kind else {
            panic!("internal error: accumulation site without a self call")
        };
        let mut x = self.expr(&prefix[0]);
        for a in &prefix[1..] {
            let v = self.expr(a);
            x = self.b.ins().iadd(x, v);
        }
        let (vals, slots) = self.call_operands(cargs);
        self.release(&slots);
        let (Some(accum), Some((_, header))) = (&self.accum, self.self_loop) else {
            panic!("internal error: accumulation site outside an accumulating function")
        };
        let (acc, vsp) = (accum.acc, accum.vsp);
        let frame = self.b.ins().iconst(types::I64, VIRTUAL_FRAME);
        let vsp = self.b.ins().isub(vsp, frame);
        // Unless this iteration already checked `vsp` (before a call in `X...`), check the new
        // one: every iteration checks, so the virtual stack cannot grow unchecked.
        if self.sp_checked() != self.b.current_block() {
            self.check_stack_pointer(vsp, call.span);
        }
        let acc = self.b.ins().iadd(acc, x);
        let mut jargs: Vec<BlockArg> = vals.iter().map(|v| (*v).into()).collect();
        jargs.extend([BlockArg::from(acc), vsp.into()]);
        self.b.ins().jump(header, &jargs);
        self.unreachable_block();
        let ty = self.ty(&e.ty);
        self.dummy(&ty)
    }

    /// Calls a top-level function instance (`tail`: a tail call when the return conventions
    /// agree); returns its result in the flat convention (one value per field of a flat struct).
    pub fn call_func(
        &mut self,
        f: crate::tir::FuncId,
        args: &[TExpr],
        tail: bool,
        e: &TExpr,
    ) -> Vec<Value> {
        let func = &self.st.prog.funcs[f.0 as usize];
        let mut targs = Vec::new();
        if !func.tparams.is_empty() {
            let mut m = Vec::new();
            for (p, a) in func.params.iter().zip(args) {
                match_ty(p, &self.ty(&a.ty), &mut m);
            }
            match_ty(&func.ret, &self.ty(&e.ty), &mut m);
            targs = func
                .tparams
                .iter()
                .map(|n| {
                    m.iter()
                        .find(|(k, _)| k == n)
                        .map(|(_, t)| t.clone())
                        .unwrap_or(Type::Unit)
                })
                .collect();
        }
        let inst = self.st.instance(f, targs);
        // Inside an inlined copy of the body nothing is in tail position.
        let tail = tail && self.inline_depth == 0;
        if !tail && self.can_inline() && self.self_loop.is_some_and(|(me, _)| me == inst) {
            return vec![self.inline_self_call(args)];
        }
        let ret = self.ty(&e.ty);
        let ret_flat = self.st.flat(&ret);
        let (vals, slots) = self.call_operands(args);
        // A closure or initialiser returns a boxed value: it cannot tail-call an instance that
        // returns a flat one.
        if tail && (ret_flat.is_none() || self.flat_ret) {
            self.release(&slots);
            match self.self_loop {
                Some((me, header)) if me == inst => {
                    let mut args: Vec<_> = vals.iter().map(|v| (*v).into()).collect();
                    if let Some(a) = &self.accum {
                        args.extend([BlockArg::from(a.acc), a.vsp.into()]);
                    }
                    self.b.ins().jump(header, &args);
                    self.unreachable_block();
                }
                _ => self.tail_call_direct(inst, &vals),
            }
            return match ret_flat {
                Some(tys) => tys.iter().map(|t| self.dummy(t)).collect(),
                None => vec![self.dummy(&ret)],
            };
        }
        self.stack_check(e.span);
        let fr = self.func_ref(inst);
        let call = self.b.ins().call(fr, &vals);
        let res = self.b.inst_results(call).to_vec();
        self.release(&slots);
        res
    }

    /// Arguments of a call of an instance, left to right: flat structs as their fields, heap
    /// values rooted unless last.
    fn call_operands(&mut self, es: &[TExpr]) -> (Vec<Value>, Vec<u32>) {
        let mut vals = Vec::with_capacity(es.len());
        let mut slots = Vec::new();
        for (i, e) in es.iter().enumerate() {
            let ty = self.ty(&e.ty);
            if let Some(tys) = self.st.flat(&ty) {
                vals.extend(self.expr_flat(e, &tys));
                continue;
            }
            let v = self.expr(e);
            if i + 1 != es.len() && is_heap(&ty) {
                slots.push(self.root_temp(v));
            }
            vals.push(v);
        }
        (vals, slots)
    }

    /// A placeholder value in unreachable code.
    pub fn dummy(&mut self, ty: &Type) -> Value {
        match clty(ty) {
            types::F32 => self.b.ins().f32const(0.0),
            types::F64 => self.b.ins().f64const(0.0),
            t => self.b.ins().iconst(t, 0),
        }
    }

    fn call_extern(&mut self, x: crate::tir::ExternId, args: &[TExpr], e: &TExpr) -> Value {
        let decl = self.st.prog.externs[x.0 as usize].clone();
        let (mut vals, slots) = self.operands(args, false);
        let mut has_cstr = false;
        for (v, ty) in vals.iter_mut().zip(&decl.params) {
            if *ty == Type::Str {
                *v = self.call_rt("weir_cstr", &[*v]).unwrap();
                has_cstr = true;
            }
        }
        let id = self.st.extern_fn(x);
        let fr = self.func_ref(id);
        let call = self.b.ins().call(fr, &vals);
        let res = self.b.inst_results(call).first().copied();
        if has_cstr {
            self.call_rt("weir_cstr_release", &[]);
        }
        self.release(&slots);
        match decl.ret {
            Type::Unit => self.unit(),
            Type::Str => {
                let loc = self.loc(e.span);
                self.call_rt("weir_from_cstr", &[res.unwrap(), loc])
                    .unwrap()
            }
            _ => res.unwrap(),
        }
    }

    fn libm(&mut self, name: &str, args: &[Value]) -> Value {
        debug_assert!(LIBM.contains(&name));
        let mut sig = Signature::new(CallConv::triple_default(self.st.module.isa().triple()));
        for _ in args {
            sig.params.push(AbiParam::new(types::F64));
        }
        sig.returns.push(AbiParam::new(types::F64));
        let id = self.st.c_fn(name, &sig);
        let fr = self.func_ref(id);
        let call = self.b.ins().call(fr, args);
        self.b.inst_results(call)[0]
    }

    fn builtin(&mut self, b: Builtin, args: &[TExpr], e: &TExpr) -> Value {
        let span = e.span;
        let ty0 = args.first().map(|a| self.ty(&a.ty)).unwrap_or(Type::Unit);
        match b {
            Builtin::Add | Builtin::Sub | Builtin::Mul | Builtin::Div | Builtin::Mod => {
                let mut acc = self.expr(&args[0]);
                for a in &args[1..] {
                    let v = self.expr(a);
                    acc = self.arith(b, acc, v, &ty0, span);
                }
                acc
            }
            Builtin::Neg => {
                let v = self.expr(&args[0]);
                if ty0.is_float() {
                    self.b.ins().fneg(v)
                } else {
                    self.b.ins().ineg(v)
                }
            }
            Builtin::Abs => {
                let v = self.expr(&args[0]);
                match &ty0 {
                    Type::Float(_) => self.b.ins().fabs(v),
                    Type::Int(i) if i.signed() => {
                        let n = self.b.ins().ineg(v);
                        let zero = self.iconst(clty(&ty0), 0);
                        let c = self.b.ins().icmp(IntCC::SignedLessThan, v, zero);
                        self.b.ins().select(c, n, v)
                    }
                    _ => v,
                }
            }
            Builtin::Min | Builtin::Max => {
                let x = self.expr(&args[0]);
                let y = self.expr(&args[1]);
                let min = b == Builtin::Min;
                match &ty0 {
                    Type::Float(_) if min => self.b.ins().fmin(x, y),
                    Type::Float(_) => self.b.ins().fmax(x, y),
                    Type::Int(i) if i.signed() && min => self.b.ins().smin(x, y),
                    Type::Int(i) if i.signed() => self.b.ins().smax(x, y),
                    _ if min => self.b.ins().umin(x, y),
                    _ => self.b.ins().umax(x, y),
                }
            }
            Builtin::Eq | Builtin::Ne if mod_pow2_zero(args).is_some() => {
                let (x, c) = mod_pow2_zero(args).unwrap();
                let v = self.expr(x);
                let low = self.b.ins().band_imm_u(v, c - 1);
                let cc = if b == Builtin::Eq {
                    IntCC::Equal
                } else {
                    IntCC::NotEqual
                };
                self.b.ins().icmp_imm_u(cc, low, 0)
            }
            Builtin::Eq | Builtin::Ne | Builtin::Lt | Builtin::Gt | Builtin::Le | Builtin::Ge => {
                let cmp = match b {
                    Builtin::Eq => Cmp::Eq,
                    Builtin::Ne => Cmp::Ne,
                    Builtin::Lt => Cmp::Lt,
                    Builtin::Gt => Cmp::Gt,
                    Builtin::Le => Cmp::Le,
                    _ => Cmp::Ge,
                };
                let (vals, slots) = self.operands(args, true);
                let r = self.compare(cmp, vals[0], vals[1], &ty0);
                self.release(&slots);
                r
            }
            Builtin::Not => {
                let v = self.expr(&args[0]);
                self.b.ins().bxor_imm_u(v, 1)
            }
            Builtin::Sqrt | Builtin::Floor | Builtin::Ceil => {
                let v = self.expr(&args[0]);
                match b {
                    Builtin::Sqrt => self.b.ins().sqrt(v),
                    Builtin::Floor => self.b.ins().floor(v),
                    _ => self.b.ins().ceil(v),
                }
            }
            Builtin::Round => {
                let v = self.expr(&args[0]);
                self.call_rt("weir_round", &[v]).unwrap()
            }
            Builtin::Sin
            | Builtin::Cos
            | Builtin::Tan
            | Builtin::Asin
            | Builtin::Acos
            | Builtin::Atan
            | Builtin::Exp
            | Builtin::Log
            | Builtin::Pow
            | Builtin::Atan2 => {
                let name = match b {
                    Builtin::Sin => "sin",
                    Builtin::Cos => "cos",
                    Builtin::Tan => "tan",
                    Builtin::Asin => "asin",
                    Builtin::Acos => "acos",
                    Builtin::Atan => "atan",
                    Builtin::Exp => "exp",
                    Builtin::Log => "log",
                    Builtin::Pow => "pow",
                    _ => "atan2",
                };
                let (vals, _) = self.operands(args, false);
                self.libm(name, &vals)
            }
            Builtin::ToInt(to) => {
                let v = self.expr(&args[0]);
                match &ty0 {
                    Type::Int(from) => self.int_to_int(v, *from, to),
                    Type::Float(_) => self.float_to_int(v, to),
                    _ => panic!("internal error: conversion of {ty0:?}"),
                }
            }
            Builtin::ToFloat(to) => {
                let v = self.expr(&args[0]);
                let tt = if to == FloatTy::F32 {
                    types::F32
                } else {
                    types::F64
                };
                match &ty0 {
                    Type::Int(from) => {
                        let w = self.int_to_int(v, *from, IntTy::I64);
                        if from.signed() {
                            self.b.ins().fcvt_from_sint(tt, w)
                        } else {
                            self.b.ins().fcvt_from_uint(tt, w)
                        }
                    }
                    Type::Float(FloatTy::F32) if to == FloatTy::F64 => {
                        self.b.ins().fpromote(types::F64, v)
                    }
                    Type::Float(FloatTy::F64) if to == FloatTy::F32 => {
                        self.b.ins().fdemote(types::F32, v)
                    }
                    _ => v,
                }
            }
            _ => self.builtin_data(b, args, e),
        }
    }

    fn builtin_data(&mut self, b: Builtin, args: &[TExpr], e: &TExpr) -> Value {
        let span = e.span;
        let ty0 = args.first().map(|a| self.ty(&a.ty)).unwrap_or(Type::Unit);
        match b {
            Builtin::VecLen | Builtin::StrLen => {
                let v = self.expr(&args[0]);
                let n = self.load_aux(v);
                self.b.ins().uextend(types::I64, n)
            }
            Builtin::Nth => {
                let (vals, slots) = self.operands(args, false);
                let (v, i) = (vals[0], vals[1]);
                let Type::Vector(elem) = ty0 else {
                    panic!("internal error: nth of a non-vector")
                };
                self.bounds_check(v, i, span);
                self.release(&slots);
                let off = self.b.ins().ishl_imm_u(i, 3);
                let addr = self.b.ins().iadd(v, off);
                self.b
                    .ins()
                    .load(clty(&elem), MemFlagsData::trusted(), addr, 16)
            }
            Builtin::Append => {
                let (vals, slots) = self.operands(args, true);
                let Type::Vector(elem) = ty0 else {
                    panic!("internal error: append to a non-vector")
                };
                let bits = self.bits_of(vals[1], &elem);
                let ptrs = self.b.ins().iconst(types::I8, i64::from(is_heap(&elem)));
                let r = self
                    .call_rt("weir_vec_append", &[vals[0], bits, ptrs])
                    .unwrap();
                self.release(&slots);
                r
            }
            Builtin::SetNth => {
                let (vals, slots) = self.operands(args, true);
                let Type::Vector(elem) = ty0 else {
                    panic!("internal error: set-nth of a non-vector")
                };
                let bits = self.bits_of(vals[2], &elem);
                let ptrs = self.b.ins().iconst(types::I8, i64::from(is_heap(&elem)));
                let loc = self.loc(span);
                let r = self
                    .call_rt("weir_vec_set", &[vals[0], vals[1], bits, ptrs, loc])
                    .unwrap();
                self.release(&slots);
                r
            }
            Builtin::Str => self.translate_str(args),
            Builtin::Substring
            | Builtin::StringRef
            | Builtin::CharToString
            | Builtin::RandomInt
            | Builtin::ReadFile
            | Builtin::WriteFile => {
                let (mut vals, slots) = self.operands(args, true);
                vals.push(self.loc(span));
                let name = match b {
                    Builtin::Substring => "weir_substring",
                    Builtin::StringRef => "weir_string_ref",
                    Builtin::CharToString => "weir_char_to_string",
                    Builtin::RandomInt => "weir_random_int",
                    Builtin::ReadFile => "weir_read_file",
                    _ => "weir_write_file",
                };
                let r = self.call_rt(name, &vals);
                self.release(&slots);
                r.unwrap_or_else(|| self.unit())
            }
            Builtin::StringContains
            | Builtin::StringUpcase
            | Builtin::StringDowncase
            | Builtin::StringTrim
            | Builtin::Random
            | Builtin::RandomSeed
            | Builtin::TimeMs
            | Builtin::Sleep
            | Builtin::Args => {
                let (vals, slots) = self.operands(args, true);
                let name = match b {
                    Builtin::StringContains => "weir_string_contains",
                    Builtin::StringUpcase => "weir_string_upcase",
                    Builtin::StringDowncase => "weir_string_downcase",
                    Builtin::StringTrim => "weir_string_trim",
                    Builtin::Random => "weir_random",
                    Builtin::RandomSeed => "weir_random_seed",
                    Builtin::TimeMs => "weir_time_ms",
                    Builtin::Sleep => "weir_sleep",
                    _ => "weir_args",
                };
                let r = self.call_rt(name, &vals);
                self.release(&slots);
                r.unwrap_or_else(|| self.unit())
            }
            Builtin::Println | Builtin::Print => {
                if let Some(a) = args.first() {
                    let v = self.expr(a);
                    let bits = self.bits_of(v, &ty0);
                    let desc = self.st.desc(&ty0);
                    let desc = self.data_addr(desc);
                    self.call_rt("weir_print", &[desc, bits]);
                }
                if b == Builtin::Println {
                    self.call_rt("weir_print_newline", &[]);
                }
                self.unit()
            }
            Builtin::Assert => {
                let (vals, slots) = self.operands(args, true);
                let ok = self.b.create_block();
                let fail = self.b.create_block();
                self.b.set_cold_block(fail);
                self.b.ins().brif(vals[0], ok, &[], fail, &[]);
                self.b.switch_to_block(fail);
                self.b.seal_block(fail);
                let msg = match vals.get(1) {
                    Some(m) => *m,
                    None => self.b.ins().iconst(types::I64, 0),
                };
                let loc = self.loc(span);
                self.call_rt("weir_assert_fail", &[msg, loc]);
                self.b
                    .ins()
                    .trap(cranelift_codegen::ir::TrapCode::unwrap_user(1));
                self.b.switch_to_block(ok);
                self.b.seal_block(ok);
                self.release(&slots);
                self.unit()
            }
            Builtin::AssertEq => {
                let (vals, slots) = self.operands(args, true);
                let eq = self.compare(Cmp::Eq, vals[0], vals[1], &ty0);
                let ok = self.b.create_block();
                let fail = self.b.create_block();
                self.b.set_cold_block(fail);
                self.b.ins().brif(eq, ok, &[], fail, &[]);
                self.b.switch_to_block(fail);
                self.b.seal_block(fail);
                let desc = self.st.desc(&ty0);
                let desc = self.data_addr(desc);
                let a = self.bits_of(vals[0], &ty0);
                let bb = self.bits_of(vals[1], &ty0);
                let loc = self.loc(span);
                self.call_rt("weir_assert_eq_fail", &[desc, a, bb, loc]);
                self.b
                    .ins()
                    .trap(cranelift_codegen::ir::TrapCode::unwrap_user(1));
                self.b.switch_to_block(ok);
                self.b.seal_block(ok);
                self.release(&slots);
                self.unit()
            }
            Builtin::Exit => {
                let v = self.expr(&args[0]);
                self.call_rt("weir_exit", &[v]);
                self.unit()
            }
            _ => unreachable!("internal error: builtin {b:?} handled elsewhere"),
        }
    }

    /// `(str a ...)`: printed forms concatenated.
    fn translate_str(&mut self, args: &[TExpr]) -> Value {
        let mut acc: Option<(Value, u32)> = None;
        for a in args {
            let v = self.expr(a);
            let ty = self.ty(&a.ty);
            let s = if ty == Type::Str {
                v
            } else {
                let tmp = is_heap(&ty).then(|| self.root_temp(v));
                let bits = self.bits_of(v, &ty);
                let desc = self.st.desc(&ty);
                let desc = self.data_addr(desc);
                let s = self.call_rt("weir_to_str", &[desc, bits]).unwrap();
                if let Some(t) = tmp {
                    self.release(&[t]);
                }
                s
            };
            acc = Some(match acc {
                None => (s, self.root_temp(s)),
                Some((prev, slot)) => {
                    let tmp = self.root_temp(s);
                    let r = self.call_rt("weir_str_concat", &[prev, s]).unwrap();
                    self.release(&[tmp]);
                    self.store_slot(slot, r);
                    (r, slot)
                }
            });
        }
        match acc {
            Some((v, slot)) => {
                self.release(&[slot]);
                v
            }
            None => {
                let id = self.st.str_lit(b"");
                self.data_addr(id)
            }
        }
    }

    /// Ends with `index I out of bounds (len N)` unless `0 <= i < len(v)`.
    fn bounds_check(&mut self, v: Value, i: Value, span: Span) {
        let len = self.load_aux(v);
        let len = self.b.ins().uextend(types::I64, len);
        let bad = self.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, i, len);
        let ok = self.b.create_block();
        let fail = self.b.create_block();
        self.b.set_cold_block(fail);
        self.b.ins().brif(bad, fail, &[], ok, &[]);
        self.b.switch_to_block(fail);
        self.b.seal_block(fail);
        let kind = self.b.ins().iconst(types::I32, i64::from(E_INDEX));
        let loc = self.loc(span);
        self.call_rt("weir_rt_error", &[kind, i, len, loc]);
        self.b
            .ins()
            .trap(cranelift_codegen::ir::TrapCode::unwrap_user(1));
        self.b.switch_to_block(ok);
        self.b.seal_block(ok);
    }

    fn arith(&mut self, b: Builtin, x: Value, y: Value, ty: &Type, span: Span) -> Value {
        match ty {
            Type::Float(_) => match b {
                Builtin::Add => self.b.ins().fadd(x, y),
                Builtin::Sub => self.b.ins().fsub(x, y),
                Builtin::Mul => self.b.ins().fmul(x, y),
                Builtin::Div => self.b.ins().fdiv(x, y),
                _ => {
                    if *ty == Type::Float(FloatTy::F32) {
                        let x = self.b.ins().fpromote(types::F64, x);
                        let y = self.b.ins().fpromote(types::F64, y);
                        let r = self.call_rt("weir_fmod", &[x, y]).unwrap();
                        self.b.ins().fdemote(types::F32, r)
                    } else {
                        self.call_rt("weir_fmod", &[x, y]).unwrap()
                    }
                }
            },
            Type::Int(it) => match b {
                Builtin::Add => self.b.ins().iadd(x, y),
                Builtin::Sub => self.b.ins().isub(x, y),
                Builtin::Mul => self.b.ins().imul(x, y),
                _ => self.int_div(b == Builtin::Div, x, y, *it, span),
            },
            _ => panic!("internal error: arithmetic on {ty:?}"),
        }
    }

    fn int_div(&mut self, div: bool, x: Value, y: Value, it: IntTy, span: Span) -> Value {
        let t = clty(&Type::Int(it));
        let zero = self.iconst(t, 0);
        let is_zero = self.b.ins().icmp(IntCC::Equal, y, zero);
        let ok = self.b.create_block();
        let fail = self.b.create_block();
        self.b.set_cold_block(fail);
        self.b.ins().brif(is_zero, fail, &[], ok, &[]);
        self.b.switch_to_block(fail);
        self.b.seal_block(fail);
        let kind = self.b.ins().iconst(types::I32, i64::from(E_DIV_ZERO));
        let z = self.b.ins().iconst(types::I64, 0);
        let loc = self.loc(span);
        self.call_rt("weir_rt_error", &[kind, z, z, loc]);
        self.b
            .ins()
            .trap(cranelift_codegen::ir::TrapCode::unwrap_user(1));
        self.b.switch_to_block(ok);
        self.b.seal_block(ok);
        if !it.signed() {
            return if div {
                self.b.ins().udiv(x, y)
            } else {
                self.b.ins().urem(x, y)
            };
        }
        let minus_one = self.iconst(t, -1);
        let one = self.iconst(t, 1);
        let is_m1 = self.b.ins().icmp(IntCC::Equal, y, minus_one);
        let safe = self.b.ins().select(is_m1, one, y);
        if div {
            let q = self.b.ins().sdiv(x, safe);
            let n = self.b.ins().ineg(x);
            self.b.ins().select(is_m1, n, q)
        } else {
            self.b.ins().srem(x, safe)
        }
    }

    fn compare(&mut self, cmp: Cmp, x: Value, y: Value, ty: &Type) -> Value {
        match ty {
            Type::Float(_) => {
                let cc = match cmp {
                    Cmp::Eq => FloatCC::Equal,
                    Cmp::Ne => FloatCC::NotEqual,
                    Cmp::Lt => FloatCC::LessThan,
                    Cmp::Gt => FloatCC::GreaterThan,
                    Cmp::Le => FloatCC::LessThanOrEqual,
                    Cmp::Ge => FloatCC::GreaterThanOrEqual,
                };
                self.b.ins().fcmp(cc, x, y)
            }
            Type::Str => {
                if matches!(cmp, Cmp::Eq | Cmp::Ne) {
                    let r = self.call_rt("weir_str_eq", &[x, y]).unwrap();
                    if cmp == Cmp::Ne {
                        self.b.ins().bxor_imm_u(r, 1)
                    } else {
                        r
                    }
                } else {
                    let r = self.call_rt("weir_str_cmp", &[x, y]).unwrap();
                    let zero = self.b.ins().iconst(types::I32, 0);
                    self.b.ins().icmp(int_cc(cmp, true), r, zero)
                }
            }
            Type::Unit => {
                let v = matches!(cmp, Cmp::Eq | Cmp::Le | Cmp::Ge);
                self.b.ins().iconst(types::I8, i64::from(v))
            }
            Type::Int(i) => self.b.ins().icmp(int_cc(cmp, i.signed()), x, y),
            _ => self.b.ins().icmp(int_cc(cmp, false), x, y),
        }
    }

    /// Equality with a literal of the same type (patterns).
    pub fn equal(&mut self, x: Value, y: Value, ty: &Type) -> Value {
        self.compare(Cmp::Eq, x, y, ty)
    }

    fn int_to_int(&mut self, v: Value, from: IntTy, to: IntTy) -> Value {
        let (fb, tb) = (from.bits(), to.bits());
        let tt = clty(&Type::Int(to));
        if fb == tb {
            v
        } else if fb > tb {
            self.b.ins().ireduce(tt, v)
        } else if from.signed() {
            self.b.ins().sextend(tt, v)
        } else {
            self.b.ins().uextend(tt, v)
        }
    }

    /// Saturating float → int, NaN → 0.
    fn float_to_int(&mut self, v: Value, to: IntTy) -> Value {
        let tt = clty(&Type::Int(to));
        if to.bits() >= 32 {
            return if to.signed() {
                self.b.ins().fcvt_to_sint_sat(tt, v)
            } else {
                self.b.ins().fcvt_to_uint_sat(tt, v)
            };
        }
        let (lo, hi) = to.range();
        let w = if to.signed() {
            let w = self.b.ins().fcvt_to_sint_sat(types::I32, v);
            let lo = self.b.ins().iconst(types::I32, lo as i64);
            let hi = self.b.ins().iconst(types::I32, hi as i64);
            let w = self.b.ins().smax(w, lo);
            self.b.ins().smin(w, hi)
        } else {
            let w = self.b.ins().fcvt_to_uint_sat(types::I32, v);
            let hi = self.b.ins().iconst(types::I32, hi as i64);
            self.b.ins().umin(w, hi)
        };
        self.b.ins().ireduce(tt, w)
    }
}

/// `(= (mod x C) 0)` or `(= 0 (mod x C))` (also `!=`) with `C` a power of two: `x` and `C - 1`.
/// The remainder (which has the sign of `x`) is zero exactly when the low bits of `x` are, so
/// the comparison tests them instead of dividing (e.g. `(= (mod n 2) 0)`).
fn mod_pow2_zero(args: &[TExpr]) -> Option<(&TExpr, i64)> {
    let is_zero = |e: &TExpr| matches!(e.kind, TExprKind::Lit(Lit::Int(0)));
    let [a, b] = args else { return None };
    let m = if is_zero(b) {
        a
    } else if is_zero(a) {
        b
    } else {
        return None;
    };
    let TExprKind::Call {
        callee: Callee::Builtin(Builtin::Mod),
        args: margs,
        ..
    } = &m.kind
    else {
        return None;
    };
    let [x, c] = margs.as_slice() else {
        return None;
    };
    if !matches!(x.ty, Type::Int(_)) {
        return None;
    }
    match c.kind {
        TExprKind::Lit(Lit::Int(c)) if c > 0 && (c as u128).is_power_of_two() && c <= 1 << 62 => {
            Some((x, c as i64))
        }
        _ => None,
    }
}

fn int_cc(cmp: Cmp, signed: bool) -> IntCC {
    match (cmp, signed) {
        (Cmp::Eq, _) => IntCC::Equal,
        (Cmp::Ne, _) => IntCC::NotEqual,
        (Cmp::Lt, true) => IntCC::SignedLessThan,
        (Cmp::Gt, true) => IntCC::SignedGreaterThan,
        (Cmp::Le, true) => IntCC::SignedLessThanOrEqual,
        (Cmp::Ge, true) => IntCC::SignedGreaterThanOrEqual,
        (Cmp::Lt, false) => IntCC::UnsignedLessThan,
        (Cmp::Gt, false) => IntCC::UnsignedGreaterThan,
        (Cmp::Le, false) => IntCC::UnsignedLessThanOrEqual,
        (Cmp::Ge, false) => IntCC::UnsignedGreaterThanOrEqual,
    }
}
