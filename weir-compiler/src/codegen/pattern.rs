//! `match` and patterns: arms are tried in order; each pattern's tests branch to the next arm's
//! block on failure and bind as they go (bindings of a failed arm are never read).
//!
//! Invariant: the scrutinee is rooted for the whole `match`; pattern bindings are locals (rooted
//! in their own slots). Matches are exhaustive (checker), so the block after the last arm traps.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{Block, InstBuilder, TrapCode, Value};
use cranelift_module::Module;

use super::translate::{is_heap, Fx};
use crate::tir::{TArm, TExpr, TPattern};
use crate::types::Type;

impl<M: Module> Fx<'_, '_, '_, M> {
    pub fn translate_match(&mut self, scrutinee: &TExpr, arms: &[TArm], e: &TExpr) -> Value {
        let sty = self.ty(&scrutinee.ty);
        // A flat scrutinee is matched field by field, without boxing it.
        let flat = self.st.flat(&sty);
        let (v, slot, fields) = match &flat {
            Some(tys) => {
                let vals = self.expr_flat(scrutinee, tys);
                (Value::from_u32(0), None, vals)
            }
            None => {
                let v = self.expr(scrutinee);
                let slot = is_heap(&sty).then(|| self.root_temp(v));
                (v, slot, Vec::new())
            }
        };
        let ty = self.ty(&e.ty);
        let (merge, res) = self.merge_block(&ty);
        for arm in arms {
            let next = self.b.create_block();
            match &flat {
                Some(tys) => self.test_pattern_flat(&arm.pat, &fields, tys, &sty, Some(next)),
                None => self.test_pattern(&arm.pat, v, &sty, Some(next)),
            }
            let r = self.expr(&arm.body);
            self.b.ins().jump(merge, &[r.into()]);
            self.b.switch_to_block(next);
            self.b.seal_block(next);
        }
        self.b.ins().trap(TrapCode::unwrap_user(2));
        self.b.switch_to_block(merge);
        self.b.seal_block(merge);
        if let Some(s) = slot {
            self.release(&[s]);
        }
        res
    }

    /// Binds an irrefutable pattern (`let`, parameters).
    pub fn bind_pattern(&mut self, pat: &TPattern, v: Value, ty: &Type) {
        self.test_pattern(pat, v, ty, None);
    }

    /// Binds an irrefutable pattern to the fields of a flat struct value.
    pub fn bind_pattern_flat(&mut self, pat: &TPattern, vals: &[Value], tys: &[Type], ty: &Type) {
        self.test_pattern_flat(pat, vals, tys, ty, None);
    }

    /// [`Fx::test_pattern`] for a flat struct value given as its fields (`tys`); the only
    /// patterns of a struct type are wildcards, variables and struct patterns.
    fn test_pattern_flat(
        &mut self,
        pat: &TPattern,
        vals: &[Value],
        tys: &[Type],
        ty: &Type,
        fail: Option<Block>,
    ) {
        match pat {
            TPattern::Wildcard => {}
            TPattern::Bind(id) => self.bind_local_flat(*id, ty, vals),
            TPattern::Struct { fields, .. } => {
                for (i, p) in fields {
                    let i = *i as usize;
                    self.test_pattern(p, vals[i], &tys[i], fail);
                }
            }
            _ => {
                let obj = self.build_object(tys, vals, None);
                self.test_pattern(pat, obj, ty, fail);
            }
        }
    }

    /// Tests `v` against `pat`, jumping to `fail` on mismatch (no tests when `fail` is `None`),
    /// and binds the pattern's variables. Continues in the success block.
    fn test_pattern(&mut self, pat: &TPattern, v: Value, ty: &Type, fail: Option<Block>) {
        match pat {
            TPattern::Wildcard => {}
            TPattern::Bind(id) => self.bind_local(*id, ty, v),
            TPattern::Lit(lit) => {
                if let Some(fail) = fail {
                    let l = self.lit(lit, ty);
                    let c = self.equal(v, l, ty);
                    self.branch(c, fail);
                }
            }
            TPattern::Variant {
                adt,
                variant,
                fields,
            } => {
                let Type::Adt(_, targs) = ty else {
                    panic!("internal error: variant pattern on {ty:?}")
                };
                if let Some(fail) = fail {
                    let n_variants = self.st.prog.adts[adt.0 as usize]
                        .variants()
                        .map_or(1, |v| v.len());
                    if n_variants > 1 {
                        let tag = self.load_aux(v);
                        let c = self
                            .b
                            .ins()
                            .icmp_imm_u(IntCC::Equal, tag, i64::from(*variant));
                        self.branch(c, fail);
                    }
                }
                let tys = self.st.field_tys(*adt, targs, Some(*variant));
                for (i, (p, fty)) in fields.iter().zip(&tys).enumerate() {
                    if matches!(p, TPattern::Wildcard) {
                        continue;
                    }
                    let fv = self.load_slot(fty, v, i as u32);
                    self.test_pattern(p, fv, fty, fail);
                }
            }
            TPattern::Struct { adt, fields } => {
                let Type::Adt(_, targs) = ty else {
                    panic!("internal error: struct pattern on {ty:?}")
                };
                let tys = self.st.field_tys(*adt, targs, None);
                for (i, p) in fields {
                    if matches!(p, TPattern::Wildcard) {
                        continue;
                    }
                    let fty = &tys[*i as usize];
                    let fv = self.load_slot(fty, v, *i);
                    self.test_pattern(p, fv, fty, fail);
                }
            }
        }
    }

    /// Continues in a new block if `c` is true, else jumps to `fail`.
    fn branch(&mut self, c: Value, fail: Block) {
        let ok = self.b.create_block();
        self.b.ins().brif(c, ok, &[], fail, &[]);
        self.b.switch_to_block(ok);
        self.b.seal_block(ok);
    }
}
