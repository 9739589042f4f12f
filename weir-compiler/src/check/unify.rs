//! Inference variables and unification.
//!
//! Invariants:
//! - A variable is bound at most once; `resolve` follows bindings (with path shortening left out:
//!   chains are short because `bind` always binds the representative).
//! - Integer-literal variables may only be bound to integer types (or merged with other
//!   integer-literal / general variables); float-literal variables likewise to float types (§5.3).
//! - `Type::Param` is rigid: it unifies only with the same param or with a variable.

use crate::types::Type;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VarKind {
    General,
    IntLit,
    FloatLit,
}

#[derive(Clone, Debug)]
struct VarInfo {
    binding: Option<Type>,
    kind: VarKind,
}

#[derive(Default, Debug)]
pub struct Vars {
    vars: Vec<VarInfo>,
}

impl Vars {
    pub fn fresh(&mut self, kind: VarKind) -> Type {
        self.vars.push(VarInfo {
            binding: None,
            kind,
        });
        Type::Var(self.vars.len() as u32 - 1)
    }

    pub fn kind(&self, v: u32) -> VarKind {
        self.vars[v as usize].kind
    }

    /// Follows variable bindings at the top of `ty` (not deeply).
    pub fn shallow(&self, ty: &Type) -> Type {
        let mut ty = ty.clone();
        while let Type::Var(v) = ty {
            match &self.vars[v as usize].binding {
                Some(t) => ty = t.clone(),
                None => return ty,
            }
        }
        ty
    }

    /// Replaces every bound variable, deeply. Unbound variables stay.
    pub fn resolve(&self, ty: &Type) -> Type {
        match self.shallow(ty) {
            Type::Vector(t) => Type::Vector(Box::new(self.resolve(&t))),
            Type::Fn(ps, r) => Type::Fn(
                ps.iter().map(|p| self.resolve(p)).collect(),
                Box::new(self.resolve(&r)),
            ),
            Type::Adt(id, args) => Type::Adt(id, args.iter().map(|a| self.resolve(a)).collect()),
            t => t,
        }
    }

    fn occurs(&self, v: u32, ty: &Type) -> bool {
        match self.shallow(ty) {
            Type::Var(w) => v == w,
            Type::Vector(t) => self.occurs(v, &t),
            Type::Fn(ps, r) => ps.iter().any(|p| self.occurs(v, p)) || self.occurs(v, &r),
            Type::Adt(_, args) => args.iter().any(|a| self.occurs(v, a)),
            _ => false,
        }
    }

    fn bind(&mut self, v: u32, ty: Type) -> bool {
        let kind = self.vars[v as usize].kind;
        match (&ty, kind) {
            (Type::Var(w), _) => {
                let w = *w;
                if w == v {
                    return true;
                }
                let wk = self.vars[w as usize].kind;
                let merged = match (kind, wk) {
                    (VarKind::General, k) | (k, VarKind::General) => k,
                    (a, b) if a == b => a,
                    _ => return false,
                };
                self.vars[w as usize].kind = merged;
                self.vars[v as usize].binding = Some(ty);
                true
            }
            (_, VarKind::General) => {
                if self.occurs(v, &ty) {
                    return false;
                }
                self.vars[v as usize].binding = Some(ty);
                true
            }
            (Type::Int(_), VarKind::IntLit) | (Type::Float(_), VarKind::FloatLit) => {
                self.vars[v as usize].binding = Some(ty);
                true
            }
            _ => false,
        }
    }

    /// Makes the two types equal, binding variables. On failure some variables may have been bound
    /// (the caller reports an error; the checker keeps going but the program is rejected).
    pub fn unify(&mut self, a: &Type, b: &Type) -> bool {
        let a = self.shallow(a);
        let b = self.shallow(b);
        match (&a, &b) {
            (Type::Var(v), _) => self.bind(*v, b.clone()),
            (_, Type::Var(v)) => self.bind(*v, a.clone()),
            (Type::Vector(x), Type::Vector(y)) => self.unify(x, y),
            (Type::Fn(p1, r1), Type::Fn(p2, r2)) => {
                p1.len() == p2.len()
                    && p1.iter().zip(p2).all(|(x, y)| self.unify(x, y))
                    && self.unify(r1, r2)
            }
            (Type::Adt(i1, a1), Type::Adt(i2, a2)) => {
                i1 == i2 && a1.len() == a2.len() && a1.iter().zip(a2).all(|(x, y)| self.unify(x, y))
            }
            _ => a == b,
        }
    }

    /// Defaults every unbound variable: integer literals → i32, float literals → f64, others → Unit.
    pub fn default_all(&mut self) {
        for i in 0..self.vars.len() {
            if self.vars[i].binding.is_none() {
                self.vars[i].binding = Some(match self.vars[i].kind {
                    VarKind::IntLit => Type::Int(crate::types::IntTy::I32),
                    VarKind::FloatLit => Type::Float(crate::types::FloatTy::F64),
                    VarKind::General => Type::Unit,
                });
            }
        }
    }
}
