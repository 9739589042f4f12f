//! Linking: merging the checked modules of a program ([`CheckedModule`], see `module.rs`) into one
//! [`tir::Program`] (language.md §14, §16.2).
//!
//! Invariants:
//! - The merged tables are, for each kind, the prelude's data types (ids 0, 1, 2 = keys
//!   `(PRELUDE, 0..2)`; the prelude has no other items) followed by every module's own definitions,
//!   module by module in the order given, each module's in key-index order. The caller gives the
//!   modules in initialisation order (every module after the modules it imports), so
//!   `Program::globals` is the global initialisation order of §16.2.
//! - Every id in the merged IR is a merged id: a module-local id `i` of a kind is relocated through
//!   the module's `*_keys[i]`. Each module's keys are resolved once into a table, so relocating an
//!   id is one array lookup and linking is linear in the size of the IR; modules are moved into the
//!   program, never cloned (a lambda shared between two places of a module stays shared).
//! - A single-file program is one module named `""`; its data types are `3..` in the checker
//!   (after the prelude's) and its keys `("", 0..)`, so linking it alone changes no id.
//! - Every span of a module's IR gets the module's [`CheckedModule::file`] (a cached module may
//!   carry the `FileId` of an earlier build's source map).
//! - Extern declarations of the same C symbol become one when their signatures (parameter and
//!   result types) are equal; different signatures are a [`LinkError`] naming both declarations.
//! - Names: data types and globals keep their bare names (printed type names and the runtime error
//!   `global x used before initialization` use them, §16.4). Functions of a named module are
//!   renamed `MODULE.NAME` so that codegen's dumps (`WEIR_DUMP`) and messages tell two `helper`s
//!   apart (codegen makes its symbols unique itself); functions of module `""` keep bare names.
//! - Bad input (an id without a key, a key that no module defines, a module listed twice or before
//!   a module it imports, a missing `main`) is a [`LinkError`], never a panic.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

use crate::module::{CheckedModule, ItemKey, PRELUDE};
use crate::span::{FileId, Span};
use crate::tir::{
    self, Callee, ExternDecl, ExternId, Func, FuncId, Global, GlobalId, Lambda, TExpr, TExprKind,
    TPattern,
};
use crate::types::{self, AdtDef, AdtId, AdtKind, Type};

#[cfg(test)]
mod tests;

/// A link failure (names a module and, where possible, spans).
#[derive(Debug, Clone)]
pub struct LinkError {
    pub message: String,
    /// The offending declaration or expression.
    pub span: Option<Span>,
    /// A second location involved (the earlier of two conflicting declarations).
    pub other: Option<Span>,
}

impl LinkError {
    fn internal(message: String, span: Option<Span>) -> LinkError {
        LinkError {
            message: format!("internal error: {message}"),
            span,
            other: None,
        }
    }
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for LinkError {}

/// How many data types the prelude defines (keys `(PRELUDE, 0..N_PRELUDE_ADTS)`).
const N_PRELUDE_ADTS: u32 = 3;

/// Merges the checked modules of one program into a `tir::Program`.
/// `modules` are in initialisation order (every module after the modules it imports; the caller
/// sorts). `main_module` names the module whose `main` is the program's entry.
pub fn link(mut modules: Vec<CheckedModule>, main_module: &str) -> Result<tir::Program, LinkError> {
    let layout = Layout::new(&modules)?;
    let main = main_id(&modules, &layout, main_module)?;
    let adt_maps = modules
        .iter()
        .map(|m| layout.resolve_all(m, &m.adt_keys, "data type", Layout::adt))
        .collect::<Result<Vec<_>, _>>()?;
    let (externs, extern_ids) = merge_externs(&mut modules, &adt_maps)?;

    let mut prog = tir::Program {
        adts: types::prelude_adts(),
        funcs: Vec::with_capacity(layout.funcs.total()),
        globals: Vec::with_capacity(layout.globals.total()),
        externs,
        main,
    };
    prog.adts.reserve(layout.adts.total());
    for (m, module) in modules.into_iter().enumerate() {
        let funcs = layout.resolve_all(&module, &module.func_keys, "function", Layout::func)?;
        let globals = layout.resolve_all(&module, &module.global_keys, "global", Layout::global)?;
        let externs = layout.resolve_all(&module, &module.extern_keys, "extern", |l, key| {
            let m = l.index.get(key.module.as_str())?;
            extern_ids[*m].get(key.index as usize).copied()
        })?;
        let mut r = Relocator {
            module: &module.name,
            file: module.file,
            adts: &adt_maps[m],
            funcs: &funcs,
            globals: &globals,
            externs: &externs,
            shared: HashMap::new(),
            span: Span::default(),
            error: None,
        };
        for mut adt in module.own_adts {
            r.adt_def(&mut adt);
            prog.adts.push(adt);
        }
        for mut func in module.own_funcs {
            r.func(&mut func);
            if !module.name.is_empty() {
                func.name = format!("{}.{}", module.name, func.name);
            }
            prog.funcs.push(func);
        }
        for mut global in module.own_globals {
            r.global(&mut global);
            prog.globals.push(global);
        }
        if let Some(e) = r.error {
            return Err(e);
        }
    }
    Ok(prog)
}

/// Where each module's own items land in the merged tables.
struct Layout {
    /// Module name → position in the link order.
    index: HashMap<String, usize>,
    adts: Bases,
    funcs: Bases,
    globals: Bases,
}

/// For one kind: the merged id of each module's first own item, and how many it has.
struct Bases {
    base: Vec<u32>,
    len: Vec<u32>,
}

impl Bases {
    fn new(first: u32, lens: impl Iterator<Item = usize>) -> Bases {
        let mut bases = Bases {
            base: Vec::new(),
            len: Vec::new(),
        };
        let mut next = first;
        for len in lens {
            bases.base.push(next);
            bases.len.push(len as u32);
            next += len as u32;
        }
        bases
    }

    /// The merged id of own item `k` of module `m`, if it exists.
    fn get(&self, m: usize, k: u32) -> Option<u32> {
        (k < self.len[m]).then(|| self.base[m] + k)
    }

    /// How many items the modules have together.
    fn total(&self) -> usize {
        self.len.iter().map(|&n| n as usize).sum()
    }
}

impl Layout {
    fn new(modules: &[CheckedModule]) -> Result<Layout, LinkError> {
        let all: HashSet<&str> = modules.iter().map(|m| m.name.as_str()).collect();
        let mut index = HashMap::with_capacity(modules.len());
        for (m, module) in modules.iter().enumerate() {
            if index.insert(module.name.clone(), m).is_some() {
                return Err(LinkError::internal(
                    format!("module `{}` is linked twice", module.name),
                    None,
                ));
            }
            for import in &module.imports {
                if import == PRELUDE || index.contains_key(import) {
                    continue;
                }
                let message = if all.contains(import.as_str()) {
                    format!(
                        "module `{}` is linked before module `{import}`, which it imports",
                        module.name
                    )
                } else {
                    format!(
                        "module `{}` imports module `{import}`, which is not linked",
                        module.name
                    )
                };
                return Err(LinkError::internal(message, None));
            }
        }
        Ok(Layout {
            index,
            adts: Bases::new(N_PRELUDE_ADTS, modules.iter().map(|m| m.own_adts.len())),
            funcs: Bases::new(0, modules.iter().map(|m| m.own_funcs.len())),
            globals: Bases::new(0, modules.iter().map(|m| m.own_globals.len())),
        })
    }

    fn adt(&self, key: &ItemKey) -> Option<AdtId> {
        if key.module == PRELUDE {
            return (key.index < N_PRELUDE_ADTS).then_some(AdtId(key.index));
        }
        let m = *self.index.get(key.module.as_str())?;
        self.adts.get(m, key.index).map(AdtId)
    }

    fn func(&self, key: &ItemKey) -> Option<FuncId> {
        let m = *self.index.get(key.module.as_str())?;
        self.funcs.get(m, key.index).map(FuncId)
    }

    fn global(&self, key: &ItemKey) -> Option<GlobalId> {
        let m = *self.index.get(key.module.as_str())?;
        self.globals.get(m, key.index).map(GlobalId)
    }

    /// The merged ids of a module's keys of one kind (the table its local ids index).
    fn resolve_all<T>(
        &self,
        module: &CheckedModule,
        keys: &[ItemKey],
        kind: &str,
        resolve: impl Fn(&Layout, &ItemKey) -> Option<T>,
    ) -> Result<Vec<T>, LinkError> {
        keys.iter()
            .map(|key| {
                resolve(self, key).ok_or_else(|| {
                    let whose = if self.index.contains_key(key.module.as_str()) {
                        "which does not define it"
                    } else {
                        "which is not linked"
                    };
                    LinkError::internal(
                        format!(
                            "module `{}` refers to {kind} #{} of module `{}`, {whose}",
                            module.name, key.index, key.module
                        ),
                        None,
                    )
                })
            })
            .collect()
    }
}

/// The merged id of the main module's `main`.
fn main_id(
    modules: &[CheckedModule],
    layout: &Layout,
    main_module: &str,
) -> Result<FuncId, LinkError> {
    let Some(&m) = layout.index.get(main_module) else {
        return Err(LinkError::internal(
            format!("the main module `{main_module}` is not among the linked modules"),
            None,
        ));
    };
    let Some(main) = modules[m].main else {
        return Err(LinkError {
            message: format!("no `main` function in module `{main_module}`"),
            span: None,
            other: None,
        });
    };
    layout.funcs.get(m, main).map(FuncId).ok_or_else(|| {
        LinkError::internal(
            format!("module `{main_module}` has no function #{main} for `main`"),
            None,
        )
    })
}

/// Takes every module's own externs, relocates them and merges declarations of the same symbol.
/// Returns the merged externs and, per module, the merged id of each own extern.
fn merge_externs(
    modules: &mut [CheckedModule],
    adt_maps: &[Vec<AdtId>],
) -> Result<(Vec<ExternDecl>, Vec<Vec<ExternId>>), LinkError> {
    let mut merged: Vec<ExternDecl> = Vec::new();
    // Symbol → merged id and the module that declared it first.
    let mut by_symbol: HashMap<String, (ExternId, usize)> = HashMap::new();
    let mut ids = Vec::with_capacity(modules.len());
    for m in 0..modules.len() {
        let own = std::mem::take(&mut modules[m].own_externs);
        let module = &modules[m];
        let mut r = Relocator {
            module: &module.name,
            file: module.file,
            adts: &adt_maps[m],
            funcs: &[],
            globals: &[],
            externs: &[],
            shared: HashMap::new(),
            span: Span::default(),
            error: None,
        };
        let mut module_ids = Vec::with_capacity(own.len());
        for mut decl in own {
            r.extern_decl(&mut decl);
            if let Some(e) = r.error.take() {
                return Err(e);
            }
            match by_symbol.get(&decl.name) {
                Some(&(id, first)) => {
                    let prev = &merged[id.0 as usize];
                    if prev.params != decl.params || prev.ret != decl.ret {
                        return Err(LinkError {
                            message: format!(
                                "extern `{}` is declared with different signatures in modules `{}` and `{}`",
                                decl.name, modules[first].name, module.name
                            ),
                            span: Some(decl.span),
                            other: Some(prev.span),
                        });
                    }
                    module_ids.push(id);
                }
                None => {
                    let id = ExternId(merged.len() as u32);
                    by_symbol.insert(decl.name.clone(), (id, m));
                    module_ids.push(id);
                    merged.push(decl);
                }
            }
        }
        ids.push(module_ids);
    }
    Ok((merged, ids))
}

/// Rewrites one module's IR in place: local ids to merged ids, spans to the module's file.
/// The first bad id is recorded in `error` (with the span of the node being rewritten) and
/// replaced by itself, so the walk needs no early exits.
struct Relocator<'a> {
    module: &'a str,
    file: FileId,
    adts: &'a [AdtId],
    funcs: &'a [FuncId],
    globals: &'a [GlobalId],
    externs: &'a [ExternId],
    /// Lambdas referenced from more than one place, by their old address: the old one (kept alive
    /// so the address is not reused) and its relocated copy.
    shared: HashMap<usize, (Arc<Lambda>, Arc<Lambda>)>,
    /// The innermost span being rewritten (for errors).
    span: Span,
    error: Option<LinkError>,
}

impl Relocator<'_> {
    fn span(&mut self, span: &mut Span) {
        span.file = self.file;
        self.span = *span;
    }

    fn bad(&mut self, kind: &str, id: u32) {
        if self.error.is_none() {
            self.error = Some(LinkError::internal(
                format!(
                    "module `{}` uses {kind} id {id}, which is not in its key table",
                    self.module
                ),
                Some(self.span),
            ));
        }
    }

    fn adt_id(&mut self, id: &mut AdtId) {
        match self.adts.get(id.0 as usize) {
            Some(&new) => *id = new,
            None => self.bad("data type", id.0),
        }
    }

    fn func_id(&mut self, id: &mut FuncId) {
        match self.funcs.get(id.0 as usize) {
            Some(&new) => *id = new,
            None => self.bad("function", id.0),
        }
    }

    fn global_id(&mut self, id: &mut GlobalId) {
        match self.globals.get(id.0 as usize) {
            Some(&new) => *id = new,
            None => self.bad("global", id.0),
        }
    }

    fn extern_id(&mut self, id: &mut ExternId) {
        match self.externs.get(id.0 as usize) {
            Some(&new) => *id = new,
            None => self.bad("extern", id.0),
        }
    }

    fn ty(&mut self, ty: &mut Type) {
        match ty {
            Type::Adt(id, args) => {
                self.adt_id(id);
                self.types(args);
            }
            Type::Vector(elem) => self.ty(elem),
            Type::Fn(params, ret) => {
                self.types(params);
                self.ty(ret);
            }
            Type::Int(_)
            | Type::Float(_)
            | Type::Bool
            | Type::Str
            | Type::Unit
            | Type::Ptr
            | Type::Param(_)
            | Type::Var(_) => {}
        }
    }

    fn types(&mut self, tys: &mut [Type]) {
        for ty in tys {
            self.ty(ty);
        }
    }

    fn adt_def(&mut self, def: &mut AdtDef) {
        self.span(&mut def.span);
        match &mut def.kind {
            AdtKind::Struct { fields } => {
                for field in fields {
                    self.ty(&mut field.ty);
                }
            }
            AdtKind::Sum { variants } => {
                for variant in variants {
                    self.types(&mut variant.fields);
                }
            }
        }
    }

    fn func(&mut self, func: &mut Func) {
        self.span(&mut func.span);
        self.types(&mut func.params);
        self.ty(&mut func.ret);
        self.expr(&mut func.body);
    }

    fn global(&mut self, global: &mut Global) {
        self.span(&mut global.span);
        self.ty(&mut global.ty);
        self.expr(&mut global.init);
    }

    fn extern_decl(&mut self, decl: &mut ExternDecl) {
        self.span(&mut decl.span);
        self.types(&mut decl.params);
        self.ty(&mut decl.ret);
    }

    fn exprs(&mut self, es: &mut [TExpr]) {
        for e in es {
            self.expr(e);
        }
    }

    /// An expression: its ids before its subexpressions (so that an error gets its span).
    fn expr(&mut self, e: &mut TExpr) {
        self.span(&mut e.span);
        self.ty(&mut e.ty);
        match &mut e.kind {
            TExprKind::Lit(_) | TExprKind::Local(_) => {}
            TExprKind::Global(id) => self.global_id(id),
            TExprKind::FuncRef(id) => self.func_id(id),
            TExprKind::CtorRef { adt, .. } | TExprKind::StructCtorRef(adt) => self.adt_id(adt),
            TExprKind::Call { callee, args, .. } => {
                match callee {
                    Callee::Func(id) => self.func_id(id),
                    Callee::Extern(id) => self.extern_id(id),
                    Callee::Builtin(_) => {}
                    Callee::Value(f) => self.expr(f),
                }
                self.exprs(args);
            }
            TExprKind::MakeStruct { adt, fields } | TExprKind::MakeVariant { adt, fields, .. } => {
                self.adt_id(adt);
                self.exprs(fields);
            }
            TExprKind::MakeVector(items) | TExprKind::Block(items) => self.exprs(items),
            TExprKind::And(items) | TExprKind::Or(items) => self.exprs(items),
            TExprKind::GetField { expr, .. } | TExprKind::Try(expr) => self.expr(expr),
            TExprKind::Update { expr, fields } => {
                self.expr(expr);
                for (_, value) in fields {
                    self.expr(value);
                }
            }
            TExprKind::Let { bindings, body } => {
                for (pat, value) in bindings {
                    self.pat(pat);
                    self.expr(value);
                }
                self.expr(body);
            }
            TExprKind::SetLocal { value, .. } => self.expr(value),
            TExprKind::SetGlobal { global, value } => {
                self.global_id(global);
                self.expr(value);
            }
            TExprKind::If { cond, then, els } => {
                self.expr(cond);
                self.expr(then);
                self.expr(els);
            }
            TExprKind::Match { scrutinee, arms } => {
                self.expr(scrutinee);
                for arm in arms {
                    self.pat(&mut arm.pat);
                    self.expr(&mut arm.body);
                }
            }
            TExprKind::Lambda(lambda) => self.lambda(lambda),
            TExprKind::For {
                init, cond, body, ..
            } => {
                self.expr(init);
                self.expr(cond);
                self.expr(body);
            }
            TExprKind::ForEach { seq, body, .. } => {
                self.expr(seq);
                self.expr(body);
            }
        }
    }

    /// Rewrites a lambda in place when this is its only reference; a shared one is copied once
    /// and every reference gets the copy.
    fn lambda(&mut self, lambda: &mut Arc<Lambda>) {
        if let Some(inner) = Arc::get_mut(lambda) {
            self.span(&mut inner.span);
            self.expr(&mut inner.body);
            return;
        }
        let old = Arc::as_ptr(lambda) as usize;
        if let Some((_, new)) = self.shared.get(&old) {
            *lambda = new.clone();
            return;
        }
        let mut copy = Lambda::clone(lambda);
        self.span(&mut copy.span);
        self.expr(&mut copy.body);
        let new = Arc::new(copy);
        let prev = std::mem::replace(lambda, new.clone());
        self.shared.insert(old, (prev, new));
    }

    fn pat(&mut self, pat: &mut TPattern) {
        match pat {
            TPattern::Wildcard | TPattern::Bind(_) | TPattern::Lit(_) => {}
            TPattern::Variant { adt, fields, .. } => {
                self.adt_id(adt);
                for field in fields {
                    self.pat(field);
                }
            }
            TPattern::Struct { adt, fields } => {
                self.adt_id(adt);
                for (_, field) in fields {
                    self.pat(field);
                }
            }
        }
    }
}
