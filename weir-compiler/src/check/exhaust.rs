//! Exhaustiveness of `match` (§5.4) by the pattern-usefulness algorithm, producing a missing
//! pattern as the witness; plus the final checks of literal patterns (range, f32 rounding).
//!
//! Constructors: a sum type's variants; `Bool`'s `true`/`false`; a struct is one constructor
//! whose fields are its sub-patterns. Every other type has infinitely many values, so only a
//! variable or `_` covers it.

use crate::tir::{Lit, TPattern};
use crate::types::{AdtDef, AdtKind, Type};

#[derive(Clone, Debug, PartialEq)]
enum Key {
    Variant(u32),
    Struct,
    Bool(bool),
    /// Any other literal (never part of a complete signature).
    Lit,
}

#[derive(Clone, Debug)]
enum Pat {
    Wild,
    Ctor(Key, Vec<Pat>),
}

pub(super) struct Exhaust<'a> {
    pub adts: &'a [AdtDef],
}

impl Exhaust<'_> {
    /// `None` if the patterns cover every value of `ty`, else a printed missing pattern.
    /// Patterns that do not fit the type (possible only after a reported type error) are not
    /// analysed.
    pub fn missing(&self, ty: &Type, pats: &[&TPattern]) -> Option<String> {
        if !pats.iter().all(|p| self.fits(p, ty)) {
            return None;
        }
        let rows: Vec<Vec<Pat>> = pats.iter().map(|p| vec![self.lower(p, ty)]).collect();
        let w = self.useful(&rows, std::slice::from_ref(ty))?;
        Some(self.show(&w[0], ty))
    }

    /// Whether `p` has the shape of a pattern of type `ty`.
    fn fits(&self, p: &TPattern, ty: &Type) -> bool {
        match p {
            TPattern::Wildcard | TPattern::Bind(_) => true,
            TPattern::Lit(lit) => matches!(
                (lit, ty),
                (Lit::Bool(_), Type::Bool)
                    | (Lit::Int(_), Type::Int(_))
                    | (Lit::Float(_), Type::Float(_))
                    | (Lit::Str(_), Type::Str)
            ),
            TPattern::Variant {
                adt,
                variant,
                fields,
            } => {
                let Type::Adt(id, _) = ty else { return false };
                let ok = id == adt
                    && self.adts[id.0 as usize].variants().is_some_and(|vs| {
                        vs.get(*variant as usize)
                            .is_some_and(|v| v.fields.len() == fields.len())
                    });
                ok && {
                    let ftys = self.fields_of(ty, &Key::Variant(*variant));
                    fields.iter().zip(&ftys).all(|(f, t)| self.fits(f, t))
                }
            }
            TPattern::Struct { adt, fields } => {
                let Type::Adt(id, _) = ty else { return false };
                if id != adt || self.adts[id.0 as usize].struct_fields().is_none() {
                    return false;
                }
                let ftys = self.fields_of(ty, &Key::Struct);
                fields
                    .iter()
                    .all(|(i, f)| ftys.get(*i as usize).is_some_and(|t| self.fits(f, t)))
            }
        }
    }

    fn lower(&self, p: &TPattern, ty: &Type) -> Pat {
        match p {
            TPattern::Wildcard | TPattern::Bind(_) => Pat::Wild,
            TPattern::Lit(Lit::Bool(b)) => Pat::Ctor(Key::Bool(*b), vec![]),
            TPattern::Lit(_) => Pat::Ctor(Key::Lit, vec![]),
            TPattern::Variant {
                variant, fields, ..
            } => {
                let ftys = self.fields_of(ty, &Key::Variant(*variant));
                Pat::Ctor(
                    Key::Variant(*variant),
                    fields
                        .iter()
                        .zip(&ftys)
                        .map(|(f, t)| self.lower(f, t))
                        .collect(),
                )
            }
            TPattern::Struct { fields, .. } => {
                let ftys = self.fields_of(ty, &Key::Struct);
                let mut sub = vec![Pat::Wild; ftys.len()];
                for (i, f) in fields {
                    if let Some(t) = ftys.get(*i as usize) {
                        sub[*i as usize] = self.lower(f, t);
                    }
                }
                Pat::Ctor(Key::Struct, sub)
            }
        }
    }

    /// The constructors of `ty` with their field types, or `None` for infinite types.
    fn ctors(&self, ty: &Type) -> Option<Vec<(Key, Vec<Type>)>> {
        match ty {
            Type::Bool => Some(vec![(Key::Bool(true), vec![]), (Key::Bool(false), vec![])]),
            Type::Adt(id, _) => {
                let def = &self.adts[id.0 as usize];
                match &def.kind {
                    AdtKind::Struct { .. } => {
                        Some(vec![(Key::Struct, self.fields_of(ty, &Key::Struct))])
                    }
                    AdtKind::Sum { variants } => Some(
                        (0..variants.len() as u32)
                            .map(|v| (Key::Variant(v), self.fields_of(ty, &Key::Variant(v))))
                            .collect(),
                    ),
                }
            }
            _ => None,
        }
    }

    fn fields_of(&self, ty: &Type, key: &Key) -> Vec<Type> {
        let Type::Adt(id, args) = ty else {
            return vec![];
        };
        let def = &self.adts[id.0 as usize];
        let map: Vec<_> = def
            .tparams
            .iter()
            .cloned()
            .zip(args.iter().cloned())
            .collect();
        match (&def.kind, key) {
            (AdtKind::Struct { fields }, Key::Struct) => {
                fields.iter().map(|f| f.ty.subst(&map)).collect()
            }
            (AdtKind::Sum { variants }, Key::Variant(v)) => variants
                .get(*v as usize)
                .map(|v| v.fields.iter().map(|f| f.subst(&map)).collect())
                .unwrap_or_default(),
            _ => vec![],
        }
    }

    /// A witness vector of values not matched by any row, if one exists.
    fn useful(&self, rows: &[Vec<Pat>], tys: &[Type]) -> Option<Vec<Pat>> {
        let Some((ty, rest)) = tys.split_first() else {
            return if rows.is_empty() { Some(vec![]) } else { None };
        };
        let heads: Vec<&Key> = rows
            .iter()
            .filter_map(|r| match &r[0] {
                Pat::Ctor(k, _) => Some(k),
                Pat::Wild => None,
            })
            .collect();
        let all = self.ctors(ty);
        if let Some(all) = &all {
            if all.iter().all(|(k, _)| heads.contains(&k)) {
                for (k, ftys) in all {
                    let spec: Vec<Vec<Pat>> = rows
                        .iter()
                        .filter_map(|r| match &r[0] {
                            Pat::Wild => {
                                let mut v = vec![Pat::Wild; ftys.len()];
                                v.extend_from_slice(&r[1..]);
                                Some(v)
                            }
                            Pat::Ctor(k2, sub) if k2 == k => {
                                let mut v = sub.clone();
                                v.extend_from_slice(&r[1..]);
                                Some(v)
                            }
                            Pat::Ctor(..) => None,
                        })
                        .collect();
                    let mut tys2 = ftys.clone();
                    tys2.extend_from_slice(rest);
                    if let Some(mut w) = self.useful(&spec, &tys2) {
                        let tail = w.split_off(ftys.len());
                        let mut out = vec![Pat::Ctor(k.clone(), w)];
                        out.extend(tail);
                        return Some(out);
                    }
                }
                return None;
            }
        }
        let default: Vec<Vec<Pat>> = rows
            .iter()
            .filter(|r| matches!(r[0], Pat::Wild))
            .map(|r| r[1..].to_vec())
            .collect();
        let w = self.useful(&default, rest)?;
        let head = match &all {
            Some(all) if !heads.is_empty() => {
                let (k, ftys) = all
                    .iter()
                    .find(|(k, _)| !heads.contains(&k))
                    .expect("incomplete signature");
                Pat::Ctor(k.clone(), vec![Pat::Wild; ftys.len()])
            }
            _ => Pat::Wild,
        };
        let mut out = vec![head];
        out.extend(w);
        Some(out)
    }

    fn show(&self, p: &Pat, ty: &Type) -> String {
        match p {
            Pat::Wild | Pat::Ctor(Key::Lit, _) => "_".to_string(),
            Pat::Ctor(Key::Bool(b), _) => b.to_string(),
            Pat::Ctor(Key::Variant(v), sub) => {
                let Type::Adt(id, _) = ty else {
                    return "_".to_string();
                };
                let name = self.adts[id.0 as usize]
                    .variants()
                    .map(|vs| vs[*v as usize].name.clone())
                    .unwrap_or_default();
                if sub.is_empty() {
                    name
                } else {
                    let ftys = self.fields_of(ty, &Key::Variant(*v));
                    let parts: Vec<String> = sub
                        .iter()
                        .zip(&ftys)
                        .map(|(s, t)| self.show(s, t))
                        .collect();
                    format!("({} {})", name, parts.join(" "))
                }
            }
            Pat::Ctor(Key::Struct, sub) => {
                let Type::Adt(id, _) = ty else {
                    return "_".to_string();
                };
                let def = &self.adts[id.0 as usize];
                let ftys = self.fields_of(ty, &Key::Struct);
                let parts: Vec<String> = sub
                    .iter()
                    .zip(&ftys)
                    .enumerate()
                    .filter(|(_, (s, _))| !matches!(s, Pat::Wild))
                    .map(|(i, (s, t))| {
                        format!(
                            ":{} {}",
                            def.struct_fields()
                                .map(|f| f[i].name.as_str())
                                .unwrap_or("?"),
                            self.show(s, t)
                        )
                    })
                    .collect();
                if parts.is_empty() {
                    "_".to_string()
                } else {
                    format!("{{{}}}", parts.join(" "))
                }
            }
        }
    }
}
