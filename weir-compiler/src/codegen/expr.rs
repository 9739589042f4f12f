//! Expressions: one `translate_<form>` per TIR node (calls and builtins are in `call.rs`,
//! patterns and `match` in `pattern.rs`).
//!
//! Invariant: `Fx::expr` leaves the builder in a block where translation can continue (possibly
//! an unreachable one after a tail call) and returns a value of `clty(e.ty)`.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, InstBuilder, MemFlagsData, Value};
use cranelift_module::Module;

use super::translate::{clty, is_heap, match_ty, Fx};
use crate::tir::{Callee, Lit, LocalId, TExpr, TExprKind, TPattern};
use crate::types::{FloatTy, Type};

impl<M: Module> Fx<'_, '_, '_, M> {
    pub fn expr(&mut self, e: &TExpr) -> Value {
        match &e.kind {
            TExprKind::Lit(lit) => {
                let ty = self.ty(&e.ty);
                self.lit(lit, &ty)
            }
            TExprKind::Local(id) => self.use_local(*id).0,
            TExprKind::Global(g) => self.read_global(g.0 as usize, e),
            TExprKind::FuncRef(f) => self.translate_func_ref(*f, e),
            TExprKind::CtorRef { adt, variant } => {
                let ty = self.ty(&e.ty);
                let id = self.st.ctor_closure(*adt, Some(*variant), &ty);
                self.data_addr(id)
            }
            TExprKind::StructCtorRef(adt) => {
                let ty = self.ty(&e.ty);
                let id = self.st.ctor_closure(*adt, None, &ty);
                self.data_addr(id)
            }
            TExprKind::Call { callee, args, tail } => self.translate_call(callee, args, *tail, e),
            TExprKind::MakeStruct { adt, fields } => {
                let Type::Adt(_, targs) = self.ty(&e.ty) else {
                    panic!("internal error: struct of a non-ADT type")
                };
                let tys = self.st.field_tys(*adt, &targs, None);
                let (vals, slots) = self.operands(fields, true);
                let obj = self.build_object(&tys, &vals, None);
                self.release(&slots);
                obj
            }
            TExprKind::MakeVariant {
                adt,
                variant,
                fields,
            } => {
                if fields.is_empty() {
                    let id = self.st.nullary(*adt, *variant);
                    return self.data_addr(id);
                }
                let Type::Adt(_, targs) = self.ty(&e.ty) else {
                    panic!("internal error: variant of a non-ADT type")
                };
                let tys = self.st.field_tys(*adt, &targs, Some(*variant));
                let (vals, slots) = self.operands(fields, true);
                let obj = self.build_object(&tys, &vals, Some(*variant));
                self.release(&slots);
                obj
            }
            TExprKind::MakeVector(items) => self.translate_vector(items, e),
            TExprKind::GetField { expr, index } => {
                let oty = self.ty(&expr.ty);
                if let Some(tys) = self.st.flat(&oty) {
                    return self.expr_flat(expr, &tys)[*index as usize];
                }
                let obj = self.expr(expr);
                let Type::Adt(adt, targs) = oty else {
                    panic!("internal error: field of a non-ADT type")
                };
                let tys = self.st.field_tys(adt, &targs, None);
                self.load_slot(&tys[*index as usize], obj, *index)
            }
            TExprKind::Update { expr, fields } => {
                let ty = self.ty(&e.ty);
                match self.st.flat(&ty) {
                    Some(tys) => {
                        let vals = self.expr_flat(e, &tys);
                        self.build_object(&tys, &vals, None)
                    }
                    None => self.translate_update(expr, fields),
                }
            }
            TExprKind::Let { bindings, body } => {
                self.let_bindings(bindings);
                self.expr(body)
            }
            TExprKind::Block(es) => {
                let mut last = None;
                for e in es {
                    last = Some(self.expr(e));
                }
                last.unwrap_or_else(|| self.unit())
            }
            TExprKind::SetLocal { local, value } => {
                let ty = self.ty(&value.ty);
                match self.st.flat(&ty) {
                    Some(tys) => {
                        let vals = self.expr_flat(value, &tys);
                        self.assign_local_flat(*local, &vals);
                    }
                    None => {
                        let v = self.expr(value);
                        self.assign_local(*local, v);
                    }
                }
                self.unit()
            }
            TExprKind::SetGlobal { global, value } => {
                let v = self.expr(value);
                let data = self.st.global(global.0 as usize);
                let addr = self.data_addr(data);
                self.b.ins().store(MemFlagsData::trusted(), v, addr, 0);
                let one = self.b.ins().iconst(types::I8, 1);
                self.b.ins().store(MemFlagsData::trusted(), one, addr, 8);
                self.unit()
            }
            TExprKind::If { cond, then, els } => {
                let c = self.expr(cond);
                let ty = self.ty(&e.ty);
                let (merge, res) = self.merge_block(&ty);
                let tb = self.b.create_block();
                let eb = self.b.create_block();
                self.b.ins().brif(c, tb, &[], eb, &[]);
                self.b.seal_block(tb);
                self.b.seal_block(eb);
                self.b.switch_to_block(tb);
                let v = self.expr(then);
                self.b.ins().jump(merge, &[v.into()]);
                self.b.switch_to_block(eb);
                let v = self.expr(els);
                self.b.ins().jump(merge, &[v.into()]);
                self.b.switch_to_block(merge);
                self.b.seal_block(merge);
                res
            }
            TExprKind::And(es) => self.short_circuit(es, true),
            TExprKind::Or(es) => self.short_circuit(es, false),
            TExprKind::Match { scrutinee, arms } => self.translate_match(scrutinee, arms, e),
            TExprKind::Lambda(lambda) => self.translate_lambda(lambda, e),
            TExprKind::For {
                var,
                init,
                cond,
                body,
            } => self.translate_for(*var, init, cond, body),
            TExprKind::ForEach { var, seq, body } => self.translate_for_each(*var, seq, body),
            TExprKind::Try(inner) => self.translate_try(inner),
        }
    }

    /// Binds `let` bindings in order; a variable of a flat struct type gets its fields directly.
    fn let_bindings(&mut self, bindings: &[(TPattern, TExpr)]) {
        for (pat, value) in bindings {
            let ty = self.ty(&value.ty);
            if let Some(tys) = self.st.flat(&ty) {
                let vals = self.expr_flat(value, &tys);
                self.bind_pattern_flat(pat, &vals, &tys, &ty);
                continue;
            }
            let v = self.expr(value);
            self.bind_pattern(pat, v, &ty);
        }
    }

    /// Translates an expression of a flat struct type (field types `tys`) to one value per field,
    /// without allocating where the form allows it; other forms are evaluated boxed and unboxed.
    /// Same continuation invariant as [`Fx::expr`].
    pub fn expr_flat(&mut self, e: &TExpr, tys: &[Type]) -> Vec<Value> {
        match &e.kind {
            TExprKind::Local(id) => {
                if let Some(vals) = self.use_local_flat(*id) {
                    return vals;
                }
            }
            TExprKind::MakeStruct { fields, .. } => {
                // Scalar fields: nothing to root.
                return fields.iter().map(|f| self.expr(f)).collect();
            }
            TExprKind::Call {
                callee: Callee::Func(f),
                args,
                tail,
            } => return self.call_func(*f, args, *tail, e),
            TExprKind::Update { expr, fields } => {
                let mut vals = self.expr_flat(expr, tys);
                for (idx, fe) in fields {
                    vals[*idx as usize] = self.expr(fe);
                }
                return vals;
            }
            TExprKind::Let { bindings, body } => {
                self.let_bindings(bindings);
                return self.expr_flat(body, tys);
            }
            TExprKind::Block(es) if !es.is_empty() => {
                for e in &es[..es.len() - 1] {
                    self.expr(e);
                }
                return self.expr_flat(&es[es.len() - 1], tys);
            }
            TExprKind::If { cond, then, els } => {
                let c = self.expr(cond);
                let merge = self.b.create_block();
                let res: Vec<Value> = (tys.iter())
                    .map(|t| self.b.append_block_param(merge, clty(t)))
                    .collect();
                let tb = self.b.create_block();
                let eb = self.b.create_block();
                self.b.ins().brif(c, tb, &[], eb, &[]);
                self.b.seal_block(tb);
                self.b.seal_block(eb);
                for (blk, branch) in [(tb, then), (eb, els)] {
                    self.b.switch_to_block(blk);
                    let vals = self.expr_flat(branch, tys);
                    let args: Vec<_> = vals.iter().map(|v| (*v).into()).collect();
                    self.b.ins().jump(merge, &args);
                }
                self.b.switch_to_block(merge);
                self.b.seal_block(merge);
                return res;
            }
            _ => {}
        }
        let obj = self.expr(e);
        self.unbox(tys, obj)
    }

    pub fn lit(&mut self, lit: &Lit, ty: &Type) -> Value {
        match lit {
            Lit::Int(v) => self.iconst(clty(ty), *v as i64),
            Lit::Float(f) => match ty {
                Type::Float(FloatTy::F32) => self.b.ins().f32const(*f as f32),
                _ => self.b.ins().f64const(*f),
            },
            Lit::Str(bytes) => {
                let id = self.st.str_lit(bytes);
                self.data_addr(id)
            }
            Lit::Bool(b) => self.b.ins().iconst(types::I8, i64::from(*b)),
            Lit::Unit => self.unit(),
        }
    }

    /// Evaluates operands left to right; heap values are kept in temporary root slots (all of
    /// them if `root_last`, else all but the last). Returns the values and the slots to release.
    pub fn operands(&mut self, es: &[TExpr], root_last: bool) -> (Vec<Value>, Vec<u32>) {
        let mut vals = Vec::with_capacity(es.len());
        let mut slots = Vec::new();
        for (i, e) in es.iter().enumerate() {
            let v = self.expr(e);
            let last = i + 1 == es.len();
            if (!last || root_last) && is_heap(&self.ty(&e.ty)) {
                slots.push(self.root_temp(v));
            }
            vals.push(v);
        }
        (vals, slots)
    }

    fn read_global(&mut self, g: usize, e: &TExpr) -> Value {
        let data = self.st.global(g);
        let addr = self.data_addr(data);
        let flag = self
            .b
            .ins()
            .load(types::I8, MemFlagsData::trusted(), addr, 8);
        let ok = self.b.create_block();
        let fail = self.b.create_block();
        self.b.set_cold_block(fail);
        self.b.ins().brif(flag, ok, &[], fail, &[]);
        self.b.switch_to_block(fail);
        self.b.seal_block(fail);
        let name = self.st.prog.globals[g].name.clone();
        let name = self.st.cstr(&name);
        let name = self.data_addr(name);
        let loc = self.loc(e.span);
        self.call_rt("weir_global_uninit", &[name, loc]);
        self.b
            .ins()
            .trap(cranelift_codegen::ir::TrapCode::unwrap_user(1));
        self.b.switch_to_block(ok);
        self.b.seal_block(ok);
        let ty = self.ty(&e.ty);
        self.b
            .ins()
            .load(clty(&ty), MemFlagsData::trusted(), addr, 0)
    }

    fn translate_func_ref(&mut self, f: crate::tir::FuncId, e: &TExpr) -> Value {
        let ty = self.ty(&e.ty);
        let func = &self.st.prog.funcs[f.0 as usize];
        let mut m = Vec::new();
        match_ty(
            &Type::Fn(func.params.clone(), Box::new(func.ret.clone())),
            &ty,
            &mut m,
        );
        let targs: Vec<Type> = func
            .tparams
            .iter()
            .map(|n| {
                m.iter()
                    .find(|(k, _)| k == n)
                    .map(|(_, t)| t.clone())
                    .unwrap_or(Type::Unit)
            })
            .collect();
        let inst = self.st.instance(f, targs);
        let Type::Fn(params, ret) = ty else {
            panic!("internal error: function reference of type {ty:?}")
        };
        let id = self.st.fn_closure(inst, params, *ret);
        self.data_addr(id)
    }

    fn translate_vector(&mut self, items: &[TExpr], e: &TExpr) -> Value {
        let Type::Vector(elem) = self.ty(&e.ty) else {
            panic!("internal error: vector literal of a non-vector type")
        };
        let n = self.b.ins().iconst(types::I64, items.len() as i64);
        let ptrs = self.b.ins().iconst(types::I8, i64::from(is_heap(&elem)));
        let v = self.call_rt("weir_alloc_vector", &[n, ptrs]).unwrap();
        let slot = self.root_temp(v);
        for (i, item) in items.iter().enumerate() {
            let x = self.expr(item);
            self.store_obj_slot(v, i as u32, x);
        }
        self.release(&[slot]);
        v
    }

    fn translate_update(&mut self, expr: &TExpr, fields: &[(u32, TExpr)]) -> Value {
        let old = self.expr(expr);
        let mut slots = vec![self.root_temp(old)];
        let Type::Adt(adt, targs) = self.ty(&expr.ty) else {
            panic!("internal error: update of a non-ADT type")
        };
        let tys = self.st.field_tys(adt, &targs, None);
        let mut new_vals: Vec<(u32, Value)> = Vec::new();
        for (idx, fe) in fields {
            let v = self.expr(fe);
            if is_heap(&tys[*idx as usize]) {
                slots.push(self.root_temp(v));
            }
            new_vals.push((*idx, v));
        }
        let mut vals = Vec::new();
        for (i, ty) in tys.iter().enumerate() {
            match new_vals.iter().rev().find(|(k, _)| *k == i as u32) {
                Some((_, v)) => vals.push(*v),
                None => vals.push(self.load_slot(ty, old, i as u32)),
            }
        }
        // The loads above read `old` before the allocation; its fields stay alive through `old`.
        let obj = self.build_object(&tys, &vals, None);
        self.release(&slots);
        obj
    }

    fn short_circuit(&mut self, es: &[TExpr], is_and: bool) -> Value {
        let (merge, res) = self.merge_block(&Type::Bool);
        for e in es {
            let v = self.expr(e);
            let next = self.b.create_block();
            if is_and {
                self.b.ins().brif(v, next, &[], merge, &[v.into()]);
            } else {
                self.b.ins().brif(v, merge, &[v.into()], next, &[]);
            }
            self.b.seal_block(next);
            self.b.switch_to_block(next);
        }
        let v = self.b.ins().iconst(types::I8, i64::from(is_and));
        self.b.ins().jump(merge, &[v.into()]);
        self.b.switch_to_block(merge);
        self.b.seal_block(merge);
        res
    }

    fn translate_lambda(
        &mut self,
        lambda: &std::sync::Arc<crate::tir::Lambda>,
        e: &TExpr,
    ) -> Value {
        let Type::Fn(params, ret) = self.ty(&e.ty) else {
            panic!("internal error: lambda of a non-function type")
        };
        let mut vals = Vec::new();
        let mut tys = Vec::new();
        let mut slots = Vec::new();
        for c in &lambda.captures {
            let (v, ty) = self.use_local(*c);
            if self.st.flat(&ty).is_some() {
                // Boxed just now: keep it alive through the next allocations.
                slots.push(self.root_temp(v));
            }
            vals.push(v);
            tys.push(ty);
        }
        let subst = self.subst.clone();
        let code = self.st.lambda(lambda, &subst, params, *ret, tys.clone());
        let f = self.func_ref(code);
        let code_addr = self.b.ins().func_addr(types::I64, f);
        let mut all_tys = vec![Type::Ptr];
        all_tys.extend(tys);
        let mut all_vals = vec![code_addr];
        all_vals.extend(vals);
        // Captured values are locals, already in root slots (flat ones: rooted above).
        let obj = self.build_object(&all_tys, &all_vals, None);
        self.release(&slots);
        obj
    }

    fn translate_for(&mut self, var: LocalId, init: &TExpr, cond: &TExpr, body: &TExpr) -> Value {
        let v = self.expr(init);
        let ty = self.ty(&init.ty);
        self.bind_local(var, &ty, v);
        let header = self.b.create_block();
        let body_blk = self.b.create_block();
        let exit = self.b.create_block();
        self.b.ins().jump(header, &[]);
        self.b.switch_to_block(header);
        let c = self.expr(cond);
        self.b.ins().brif(c, body_blk, &[], exit, &[]);
        self.b.switch_to_block(body_blk);
        self.b.seal_block(body_blk);
        self.expr(body);
        let (i, _) = self.use_local(var);
        let one = self.b.ins().iconst(clty(&ty), 1);
        let next = self.b.ins().iadd(i, one);
        self.assign_local(var, next);
        self.b.ins().jump(header, &[]);
        self.b.seal_block(header);
        self.b.switch_to_block(exit);
        self.b.seal_block(exit);
        self.unit()
    }

    fn translate_for_each(&mut self, var: LocalId, seq: &TExpr, body: &TExpr) -> Value {
        let v = self.expr(seq);
        let Type::Vector(elem) = self.ty(&seq.ty) else {
            panic!("internal error: for-each over a non-vector")
        };
        let slot = self.root_temp(v);
        let len = self.load_aux(v);
        let len = self.b.ins().uextend(types::I64, len);
        let idx = self.b.declare_var(types::I64);
        let zero = self.b.ins().iconst(types::I64, 0);
        self.b.def_var(idx, zero);
        let header = self.b.create_block();
        let body_blk = self.b.create_block();
        let exit = self.b.create_block();
        self.b.ins().jump(header, &[]);
        self.b.switch_to_block(header);
        let i = self.b.use_var(idx);
        let c = self.b.ins().icmp(IntCC::SignedLessThan, i, len);
        self.b.ins().brif(c, body_blk, &[], exit, &[]);
        self.b.switch_to_block(body_blk);
        self.b.seal_block(body_blk);
        let off = self.b.ins().ishl_imm_u(i, 3);
        let addr = self.b.ins().iadd(v, off);
        let x = self
            .b
            .ins()
            .load(clty(&elem), MemFlagsData::trusted(), addr, 16);
        self.bind_local(var, &elem, x);
        self.expr(body);
        let i = self.b.use_var(idx);
        let next = self.b.ins().iadd_imm_s(i, 1);
        self.b.def_var(idx, next);
        self.b.ins().jump(header, &[]);
        self.b.seal_block(header);
        self.b.switch_to_block(exit);
        self.b.seal_block(exit);
        self.release(&[slot]);
        self.unit()
    }

    fn translate_try(&mut self, inner: &TExpr) -> Value {
        let v = self.expr(inner);
        let Type::Adt(_, targs) = self.ty(&inner.ty) else {
            panic!("internal error: `?` on a non-Result")
        };
        let tag = self.load_aux(v);
        let ok = self.b.create_block();
        let err = self.b.create_block();
        self.b.ins().brif(tag, err, &[], ok, &[]);
        self.b.seal_block(ok);
        self.b.seal_block(err);
        self.b.switch_to_block(err);
        self.ret(v);
        self.b.switch_to_block(ok);
        self.load_slot(&targs[0], v, 0)
    }
}
