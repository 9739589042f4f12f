//! Collection of top-level definitions: the prelude, names, data types and signatures.

use std::sync::Arc;

use super::imports::Lookup;
use super::{Checker, ExternSig, FuncSig, GlobalSig, Item};
use crate::ast::{self, Item as AstItem, TypeExpr, TypeExprKind};
use crate::diag::Diagnostic;
use crate::span::Span;
use crate::tir::{ExternDecl, ExternId, FuncId, GlobalId};
use crate::types::{
    AdtDef, AdtId, AdtKind, FieldInfo, FloatTy, IntTy, Type, VariantInfo, OPTION, ORDERING, RESULT,
};

impl Checker {
    pub(super) fn collect(&mut self, module: &ast::Module) {
        self.add_prelude();
        self.process_imports(module);
        // Names first, so that every signature can refer to every type. `own_adts` holds the id
        // of each data type definition that registered, in source order.
        let mut own_adts: Vec<Option<AdtId>> = Vec::new();
        for item in &module.items {
            match item {
                AstItem::Struct(s) => {
                    let id = self.add_adt(&s.name, s.public, s.span, &s.tparams, true);
                    own_adts.push(id);
                    if let Some(id) = id {
                        self.define_value(&s.name, Item::Struct(id));
                        if !s.public {
                            self.public.private_names.push(s.name.text.clone());
                        }
                    }
                }
                AstItem::Type(t) => {
                    let id = self.add_adt(&t.name, t.public, t.span, &t.tparams, false);
                    own_adts.push(id);
                    if let Some(id) = id {
                        if !t.public {
                            self.public.private_names.push(t.name.text.clone());
                            for v in &t.variants {
                                self.public.private_names.push(v.name.text.clone());
                            }
                        }
                        for (i, v) in t.variants.iter().enumerate() {
                            if !v.name.text.starts_with(|c: char| c.is_ascii_uppercase()) {
                                self.error(
                                    v.name.span,
                                    format!(
                                        "constructor names must start with a capital letter: `{}`",
                                        v.name.text
                                    ),
                                );
                            }
                            self.define_value(&v.name, Item::Ctor(id, i as u32));
                        }
                    }
                }
                _ => {}
            }
        }
        // Data type bodies.
        let mut own_adts = own_adts.into_iter();
        for item in &module.items {
            match item {
                AstItem::Struct(s) => {
                    let Some(Some(id)) = own_adts.next() else {
                        continue;
                    };
                    self.tparams = s
                        .tparams
                        .iter()
                        .map(|n| Arc::from(n.text.as_str()))
                        .collect();
                    let mut fields: Vec<FieldInfo> = Vec::new();
                    for f in &s.fields {
                        if fields.iter().any(|g| g.name == f.name.text) {
                            self.error(
                                f.name.span,
                                format!("field `{}` is declared twice", f.name.text),
                            );
                        }
                        let ty = self.resolve_type(&f.ty);
                        fields.push(FieldInfo {
                            name: f.name.text.clone(),
                            ty,
                        });
                    }
                    self.adts[id.0 as usize].kind = AdtKind::Struct { fields };
                }
                AstItem::Type(t) => {
                    let Some(Some(id)) = own_adts.next() else {
                        continue;
                    };
                    self.tparams = t
                        .tparams
                        .iter()
                        .map(|n| Arc::from(n.text.as_str()))
                        .collect();
                    let variants = t
                        .variants
                        .iter()
                        .map(|v| VariantInfo {
                            name: v.name.text.clone(),
                            fields: v.fields.iter().map(|f| self.resolve_type(f)).collect(),
                        })
                        .collect();
                    self.adts[id.0 as usize].kind = AdtKind::Sum { variants };
                }
                _ => {}
            }
        }
        self.tparams.clear();
        // Signatures.
        for item in &module.items {
            match item {
                AstItem::Defn(d) => self.collect_defn(d),
                AstItem::Global(g) => {
                    let ty = match &g.ty {
                        Some(t) => self.resolve_type(t),
                        None => self.fresh(),
                    };
                    let id = GlobalId(self.globals.len() as u32);
                    self.globals.push(GlobalSig {
                        name: g.name.text.clone(),
                        ty,
                        mutable: g.mutable,
                        name_span: g.name.span,
                    });
                    self.global_inits.push(None);
                    self.define_value(&g.name, Item::Global(id));
                    self.own_globals.push(id);
                    if g.public {
                        self.public.globals.insert(id);
                    } else {
                        self.public.private_names.push(g.name.text.clone());
                    }
                }
                AstItem::Extern(block) => {
                    for f in &block.fns {
                        self.collect_extern(f);
                    }
                }
                AstItem::Import(_) => {} // see `process_imports`
                AstItem::Struct(_) | AstItem::Type(_) => {}
            }
        }
        match self.values.get("main").copied() {
            Some(Item::Func(id)) => {
                let sig = &self.funcs[id.0 as usize];
                if !sig.params.is_empty() {
                    let span = sig.name_span;
                    self.error(span, "`main` must take no parameters");
                }
                self.main = Some(id);
            }
            Some(_) => {
                let span = self.value_spans["main"];
                self.error(span, "`main` must be a function: `(defn main () ...)`");
            }
            None if !self.require_main => {}
            None => {
                let span = module
                    .items
                    .first()
                    .map(item_span)
                    .map(|s| Span { end: s.start, ..s })
                    .unwrap_or_default();
                self.push_diag(
                    Diagnostic::error(span, "no `main` function in this program")
                        .with_note("a program starts at `(defn main () ...)`"),
                );
            }
        }
    }

    fn add_prelude(&mut self) {
        self.adts.extend(crate::types::prelude_adts());
        for (name, id) in [
            ("Option", OPTION),
            ("Result", RESULT),
            ("Ordering", ORDERING),
        ] {
            self.types.insert(name.to_string(), id);
        }
        for (adt, names) in [
            (OPTION, &["Some", "None"][..]),
            (RESULT, &["Ok", "Err"]),
            (ORDERING, &["LT", "EQ", "GT"]),
        ] {
            for (i, n) in names.iter().enumerate() {
                self.values.insert(n.to_string(), Item::Ctor(adt, i as u32));
            }
        }
    }

    /// Registers a data type's name; `None` if the name is taken or reserved.
    fn add_adt(
        &mut self,
        name: &ast::Name,
        public: bool,
        span: Span,
        tparams: &[ast::Name],
        is_struct: bool,
    ) -> Option<AdtId> {
        if let Some(why) = super::reserved_reason(&name.text) {
            self.error(
                name.span,
                format!("`{}` is {why} and cannot be used as a type name", name.text),
            );
            return None;
        }
        if let Some((m, prev)) = self.imports.named.get(&name.text) {
            let (m, prev) = (m.clone(), *prev);
            self.push_diag(
                Diagnostic::error(
                    name.span,
                    format!(
                        "the type `{}` is both imported from `{m}` and defined here",
                        name.text
                    ),
                )
                .with_secondary(prev, "imported here"),
            );
            return None;
        }
        if let Some(&prev) = self.types.get(&name.text) {
            let prev_span = self.adts[prev.0 as usize].span;
            self.push_diag(
                Diagnostic::error(
                    name.span,
                    format!("the type `{}` is defined twice", name.text),
                )
                .with_secondary(prev_span, "first defined here"),
            );
            return None;
        }
        for (i, p) in tparams.iter().enumerate() {
            if tparams[..i].iter().any(|q| q.text == p.text) {
                self.error(
                    p.span,
                    format!("type parameter `'{}` is declared twice", p.text),
                );
            }
        }
        let id = AdtId(self.adts.len() as u32);
        self.adts.push(AdtDef {
            name: name.text.clone(),
            tparams: tparams.iter().map(|n| Arc::from(n.text.as_str())).collect(),
            kind: if is_struct {
                AdtKind::Struct { fields: vec![] }
            } else {
                AdtKind::Sum { variants: vec![] }
            },
            public,
            span,
        });
        self.types.insert(name.text.clone(), id);
        Some(id)
    }

    /// Adds a name to the value namespace, reporting duplicates and reserved names.
    fn define_value(&mut self, name: &ast::Name, item: Item) {
        let reserved = match item {
            // An extern may shadow a builtin function (§4.4), but not a reserved word or prelude name.
            Item::Extern(_) => {
                if super::BUILTIN_NAMES.contains(&name.text.as_str()) {
                    None
                } else {
                    super::reserved_reason(&name.text)
                }
            }
            _ => super::reserved_reason(&name.text),
        };
        if let Some(why) = reserved {
            self.error(
                name.span,
                format!("`{}` is {why} and cannot be defined", name.text),
            );
            return;
        }
        if let Some((m, prev)) = self.imports.named.get(&name.text) {
            let (m, prev) = (m.clone(), *prev);
            self.push_diag(
                Diagnostic::error(
                    name.span,
                    format!(
                        "`{}` is both imported from `{m}` and defined here",
                        name.text
                    ),
                )
                .with_secondary(prev, "imported here"),
            );
            return;
        }
        if let Some(prev) = self.value_spans.get(&name.text) {
            let prev = *prev;
            self.push_diag(
                Diagnostic::error(name.span, format!("`{}` is defined twice", name.text))
                    .with_secondary(prev, "first defined here"),
            );
            return;
        }
        self.value_spans.insert(name.text.clone(), name.span);
        self.values.insert(name.text.clone(), item);
    }

    fn collect_defn(&mut self, d: &ast::Defn) {
        // Type parameters: every 'a in the parameter and return annotations, in order.
        let mut tparams: Vec<Arc<str>> = Vec::new();
        for p in &d.params {
            if let Some(t) = &p.ty {
                collect_tvars(t, &mut tparams);
            }
        }
        if let Some(t) = &d.ret {
            collect_tvars(t, &mut tparams);
        }
        self.tparams = tparams.clone();
        let mut params = Vec::new();
        let mut names: Vec<Option<String>> = Vec::new();
        for p in &d.params {
            let ty = match &p.ty {
                Some(t) => self.resolve_type(t),
                None => {
                    self.error(
                        p.span,
                        "every `defn` parameter needs a type: `(name : Type)`",
                    );
                    self.fresh()
                }
            };
            params.push(ty);
            match &p.pat {
                ast::ParamPat::Name(n) => {
                    if n.text != "_" && names.iter().flatten().any(|m| *m == n.text) {
                        self.error(n.span, format!("duplicate parameter name `{}`", n.text));
                    }
                    names.push(if n.text == "_" {
                        None
                    } else {
                        Some(n.text.clone())
                    });
                }
                ast::ParamPat::Destructure(_) => names.push(None),
            }
        }
        let ret = match &d.ret {
            Some(t) => self.resolve_type(t),
            None => {
                if !tparams.is_empty() {
                    self.error(
                        d.name.span,
                        "a generic function needs its return type written: `(defn f ((x : 'a)) : 'a ...)`",
                    );
                }
                self.fresh()
            }
        };
        self.tparams.clear();
        let id = FuncId(self.funcs.len() as u32);
        self.funcs.push(FuncSig {
            name: d.name.text.clone(),
            tparams,
            params,
            param_names: names,
            ret,
            span: d.span,
            name_span: d.name.span,
        });
        self.func_bodies.push(None);
        self.define_value(&d.name, Item::Func(id));
        self.own_funcs.push(id);
        if d.public {
            self.public.funcs.insert(id);
        } else {
            self.public.private_names.push(d.name.text.clone());
        }
    }

    fn collect_extern(&mut self, f: &ast::ExternFn) {
        const NOT_SHADOWABLE: &[&str] =
            &["exit", "args", "assert", "assert-eq", "print", "println"];
        if NOT_SHADOWABLE.contains(&f.name.text.as_str()) {
            self.error(
                f.name.span,
                format!("an extern may not shadow the builtin `{}`", f.name.text),
            );
        }
        let mut params = Vec::new();
        let mut names = Vec::new();
        for (n, t) in &f.params {
            let ty = self.resolve_type(t);
            if !c_compatible(&ty, false) {
                let msg = format!("type `{}` cannot be passed to C", self.show(&ty));
                self.push_diag(
                    Diagnostic::error(t.span, msg).with_note(
                        "extern parameters may be integers, floats, Bool, String or Ptr",
                    ),
                );
            }
            if names.contains(&n.text) {
                self.error(n.span, format!("duplicate parameter name `{}`", n.text));
            }
            names.push(n.text.clone());
            params.push(ty);
        }
        let ret = match &f.ret {
            Some(t) => {
                let ty = self.resolve_type(t);
                if !c_compatible(&ty, true) {
                    let msg = format!("type `{}` cannot be returned from C", self.show(&ty));
                    self.push_diag(Diagnostic::error(t.span, msg).with_note(
                        "extern results may be integers, floats, Bool, String, Ptr or Unit",
                    ));
                }
                ty
            }
            None => Type::Unit,
        };
        let id = ExternId(self.externs.len() as u32);
        self.externs.push(ExternSig {
            decl: ExternDecl {
                name: f.name.text.clone(),
                params,
                ret,
                span: f.span,
            },
            param_names: names,
        });
        self.define_value(&f.name, Item::Extern(id));
        if f.public {
            self.public.externs.insert(id);
        } else {
            self.public.private_names.push(f.name.text.clone());
        }
    }

    /// Resolves a written type in the current type-parameter scope (`self.tparams`).
    pub(super) fn resolve_type(&mut self, t: &TypeExpr) -> Type {
        match &t.kind {
            TypeExprKind::Error => self.fresh(),
            TypeExprKind::Var(n) => {
                if let Some(p) = self.tparams.iter().find(|p| ***p == *n.text) {
                    Type::Param(p.clone())
                } else {
                    self.error(n.span, format!("unknown type variable `'{}`", n.text));
                    self.fresh()
                }
            }
            TypeExprKind::Fn { params, ret } => {
                let ps = params.iter().map(|p| self.resolve_type(p)).collect();
                let r = self.resolve_type(ret);
                Type::Fn(ps, Box::new(r))
            }
            TypeExprKind::Named { name, args } => {
                let prim = match name.text.as_str() {
                    "i8" => Some(Type::Int(IntTy::I8)),
                    "i16" => Some(Type::Int(IntTy::I16)),
                    "i32" => Some(Type::Int(IntTy::I32)),
                    "i64" => Some(Type::Int(IntTy::I64)),
                    "u8" => Some(Type::Int(IntTy::U8)),
                    "u16" => Some(Type::Int(IntTy::U16)),
                    "u32" => Some(Type::Int(IntTy::U32)),
                    "u64" => Some(Type::Int(IntTy::U64)),
                    "f32" => Some(Type::Float(FloatTy::F32)),
                    "f64" => Some(Type::Float(FloatTy::F64)),
                    "Bool" => Some(Type::Bool),
                    "String" => Some(Type::Str),
                    "Unit" => Some(Type::Unit),
                    "Ptr" => Some(Type::Ptr),
                    _ => None,
                };
                if let Some(p) = prim {
                    if !args.is_empty() {
                        self.error(t.span, format!("`{}` takes no type arguments", name.text));
                    }
                    return p;
                }
                match name.text.as_str() {
                    "Vector" => {
                        if args.len() != 1 {
                            self.error(
                                t.span,
                                format!("`Vector` takes 1 type argument, found {}", args.len()),
                            );
                            return self.fresh();
                        }
                        return Type::Vector(Box::new(self.resolve_type(&args[0])));
                    }
                    "Fn" => {
                        self.error(t.span, "a function type is written `(Fn [ARG ...] RESULT)`");
                        return self.fresh();
                    }
                    "Map" | "MutVec" | "MutMap" | "Atom" | "Channel" => {
                        self.error(
                            t.span,
                            format!("the type `{}` is not supported yet ([later])", name.text),
                        );
                        return self.fresh();
                    }
                    _ => {}
                }
                let id = match self.lookup_type(name) {
                    Lookup::Found(id) => id,
                    Lookup::Reported => return self.fresh(),
                    Lookup::NotFound => {
                        self.error(name.span, format!("unknown type `{}`", name.text));
                        return self.fresh();
                    }
                };
                let want = self.adts[id.0 as usize].tparams.len();
                if args.len() != want {
                    let def_span = self.adts[id.0 as usize].span;
                    let mut d = Diagnostic::error(
                        t.span,
                        format!(
                            "`{}` takes {} type argument{}, found {}",
                            name.text,
                            want,
                            plural(want),
                            args.len()
                        ),
                    );
                    if def_span != Span::default() {
                        d = d.with_secondary(def_span, "defined here");
                    }
                    self.push_diag(d);
                    return self.fresh();
                }
                let args = args.iter().map(|a| self.resolve_type(a)).collect();
                Type::Adt(id, args)
            }
        }
    }
}

pub(super) fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn c_compatible(ty: &Type, result: bool) -> bool {
    match ty {
        Type::Int(_) | Type::Float(_) | Type::Bool | Type::Str | Type::Ptr => true,
        Type::Unit => result,
        Type::Var(_) => true, // an error was already reported
        _ => false,
    }
}

fn collect_tvars(t: &TypeExpr, out: &mut Vec<Arc<str>>) {
    match &t.kind {
        TypeExprKind::Var(n) => {
            if !out.iter().any(|p| **p == *n.text) {
                out.push(Arc::from(n.text.as_str()));
            }
        }
        TypeExprKind::Named { args, .. } => args.iter().for_each(|a| collect_tvars(a, out)),
        TypeExprKind::Fn { params, ret } => {
            params.iter().for_each(|p| collect_tvars(p, out));
            collect_tvars(ret, out);
        }
        TypeExprKind::Error => {}
    }
}

fn item_span(item: &AstItem) -> Span {
    match item {
        AstItem::Defn(d) => d.span,
        AstItem::Struct(s) => s.span,
        AstItem::Type(t) => t.span,
        AstItem::Global(g) => g.span,
        AstItem::Extern(e) => e.span,
        AstItem::Import(i) => i.span,
    }
}
