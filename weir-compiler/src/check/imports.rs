//! Imports (language.md §14): `import` forms resolved against the interfaces of other modules,
//! imported items seeded into the checker's tables on demand, qualified (`m.x`) and `:all` names,
//! and the checked module's own interface.
//!
//! Invariants:
//! - An imported item gets one id in this module however often it is named; its id maps to its
//!   [`ItemKey`] in `Imports::{adts, funcs, globals, externs}`. Every other id is the module's own.
//! - Imported items carry default spans: importers do not know where other modules' definitions
//!   are (and must not: interfaces have no spans, see `module.rs`).
//! - Names brought in by `(import m (a b))` are defined like local names (a local definition of
//!   the same name is an error); names of `:all` imports are looked up only when nothing else
//!   defines the name, and a name that several `:all` imports provide is an error only where it
//!   is used (§16.15).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use super::{Checker, ExternSig, FuncSig, GlobalSig, Item};
use crate::ast::{self, ImportKind};
use crate::diag::Diagnostic;
use crate::module::{
    CheckedModule, IfaceExtern, IfaceFunc, IfaceGlobal, Interface, ItemKey, PRELUDE,
};
use crate::span::{FileId, Span};
use crate::tir::{ExternDecl, ExternId, FuncId, GlobalId};
use crate::types::{AdtDef, AdtId, AdtKind, FieldInfo, Type, VariantInfo};

/// The import state of the module being checked.
#[derive(Default)]
pub(super) struct Imports {
    /// This module's name (`""` for a single-file program).
    pub module: String,
    /// Interfaces of the modules this one may see (`""` mode: none).
    pub ifaces: HashMap<String, Arc<Interface>>,
    /// Ids of imported (and prelude) items and what they denote.
    pub adts: HashMap<AdtId, ItemKey>,
    pub funcs: HashMap<FuncId, ItemKey>,
    pub globals: HashMap<GlobalId, ItemKey>,
    pub externs: HashMap<ExternId, ItemKey>,
    /// The reverse maps (one id per imported item).
    adt_ids: HashMap<ItemKey, AdtId>,
    func_ids: HashMap<ItemKey, FuncId>,
    global_ids: HashMap<ItemKey, GlobalId>,
    extern_ids: HashMap<ItemKey, ExternId>,
    /// Names imported by list, with the module they come from and the import's name span.
    pub named: HashMap<String, (String, Span)>,
    /// `:as` aliases.
    aliases: HashMap<String, String>,
    /// Modules imported with `:all`, in import order.
    globs: Vec<String>,
    /// Every imported module.
    pub modules: BTreeSet<String>,
}

/// The result of looking a name up.
pub(super) enum Lookup<T> {
    Found(T),
    NotFound,
    /// Not usable, and an error was already reported.
    Reported,
}

impl Checker {
    /// Processes the module's `import` forms: checks them against the available interfaces and
    /// defines the names they bring in. Runs after the prelude, before the module's own names.
    pub(super) fn process_imports(&mut self, module: &ast::Module) {
        for item in &module.items {
            let ast::Item::Import(imp) = item else {
                continue;
            };
            let m = imp.module.text.clone();
            let Some(iface) = self.imports.ifaces.get(&m).cloned() else {
                let msg = if self.imports.module.is_empty() {
                    format!(
                        "unknown module `{m}`: a single-file program has no modules to import (imports need a package with a weir.pkg)"
                    )
                } else if m == self.imports.module {
                    format!("module `{m}` cannot import itself")
                } else {
                    format!("unknown module `{m}`")
                };
                self.error(imp.module.span, msg);
                continue;
            };
            self.imports.modules.insert(m.clone());
            match &imp.kind {
                ImportKind::Names(names) => {
                    for n in names {
                        self.import_name(&iface, n);
                    }
                }
                ImportKind::Alias(a) => {
                    if let Some(prev) = self.imports.aliases.get(&a.text) {
                        if *prev != m {
                            let msg =
                                format!("the alias `{}` already names module `{prev}`", a.text);
                            self.error(a.span, msg);
                        }
                        continue;
                    }
                    self.imports.aliases.insert(a.text.clone(), m.clone());
                }
                ImportKind::All => {
                    if !self.imports.globs.contains(&m) {
                        self.imports.globs.push(m.clone());
                    }
                }
            }
        }
    }

    /// `(import m (... n ...))`: defines `n` (a value, a type with its constructors, or both).
    fn import_name(&mut self, iface: &Interface, n: &ast::Name) {
        let m = &iface.module;
        if let Some((prev, _)) = self.imports.named.get(&n.text) {
            if prev != m {
                let msg = format!("`{}` is imported from both `{prev}` and `{m}`", n.text);
                self.error(n.span, msg);
            }
            return;
        }
        let value = self.iface_value(iface, &n.text);
        let ty = self.iface_type(iface, &n.text);
        if value.is_none() && ty.is_none() {
            let msg = if iface.private_names.contains(&n.text) {
                format!("`{}` is private to module `{m}`", n.text)
            } else {
                format!("module `{m}` has no public item named `{}`", n.text)
            };
            let mut d = Diagnostic::error(n.span, msg);
            if iface.private_names.contains(&n.text) {
                d = d.with_note(format!(
                    "only definitions written `(pub ...)` can be imported; make `{}` public in `{m}`",
                    n.text
                ));
            }
            self.push_diag(d);
            return;
        }
        self.imports
            .named
            .insert(n.text.clone(), (m.clone(), n.span));
        if let Some(item) = value {
            self.define_imported_value(&n.text, n.span, item);
        }
        if let Some(adt) = ty {
            self.types.insert(n.text.clone(), adt);
            // A type brings its constructors (§16.15).
            let def = self.adts[adt.0 as usize].clone();
            if let AdtKind::Sum { variants } = &def.kind {
                for (i, v) in variants.iter().enumerate() {
                    self.define_imported_value(&v.name, n.span, Item::Ctor(adt, i as u32));
                }
            }
        }
    }

    fn define_imported_value(&mut self, name: &str, span: Span, item: Item) {
        if self.values.get(name).is_some_and(|prev| *prev != item) {
            self.error(span, format!("`{name}` is imported twice"));
            return;
        }
        self.values.insert(name.to_string(), item);
        self.value_spans.insert(name.to_string(), span);
    }

    /// Looks a value name up: local definitions and listed imports, then `m.x` through an alias,
    /// then the `:all` imports.
    pub(super) fn lookup_value(&mut self, name: &ast::Name) -> Lookup<Item> {
        let local = self.values.get(&name.text).copied();
        self.lookup(name, local, Checker::iface_value)
    }

    /// Looks a type name up like [`Checker::lookup_value`].
    pub(super) fn lookup_type(&mut self, name: &ast::Name) -> Lookup<AdtId> {
        let local = self.types.get(&name.text).copied();
        self.lookup(name, local, Checker::iface_type)
    }

    /// The lookup shared by values and types: `local` (defined or listed-imported here), else
    /// `alias.x` resolved in the alias's module, else the `:all` imports, through `resolve`.
    fn lookup<T: Copy + PartialEq>(
        &mut self,
        name: &ast::Name,
        local: Option<T>,
        resolve: fn(&mut Checker, &Interface, &str) -> Option<T>,
    ) -> Lookup<T> {
        if let Some(found) = local {
            return Lookup::Found(found);
        }
        if let Some((alias, rest)) = name.text.rsplit_once('.') {
            let Some(iface) = self.alias_iface(alias, name.span) else {
                return Lookup::Reported;
            };
            return match resolve(self, &iface, rest) {
                Some(found) => Lookup::Found(found),
                None => {
                    self.missing_member(&iface, rest, name.span);
                    Lookup::Reported
                }
            };
        }
        let mut found: Vec<(String, T)> = Vec::new();
        for m in self.imports.globs.clone() {
            let iface = self.imports.ifaces[&m].clone();
            if let Some(item) = resolve(self, &iface, &name.text) {
                if !found.iter().any(|(_, i)| *i == item) {
                    found.push((m, item));
                }
            }
        }
        match found.len() {
            0 => Lookup::NotFound,
            1 => Lookup::Found(found[0].1),
            _ => {
                self.ambiguous(&name.text, name.span, &found);
                Lookup::Reported
            }
        }
    }

    fn ambiguous<T>(&mut self, name: &str, span: Span, found: &[(String, T)]) {
        let modules: Vec<String> = found.iter().map(|(m, _)| format!("`{m}`")).collect();
        self.push_diag(
            Diagnostic::error(
                span,
                format!(
                    "`{name}` is ambiguous: it is imported from {}",
                    modules.join(" and ")
                ),
            )
            .with_note(format!(
                "import it by name from one module, e.g. `(import {} ({name}))`",
                found[0].0
            )),
        );
    }

    /// The interface of the module an alias names; reports an unknown alias.
    fn alias_iface(&mut self, alias: &str, span: Span) -> Option<Arc<Interface>> {
        match self.imports.aliases.get(alias) {
            Some(m) => Some(self.imports.ifaces[m].clone()),
            None => {
                let msg = if self.imports.module.is_empty() {
                    format!("unknown module `{alias}`: a single-file program has no imports")
                } else {
                    format!("unknown module alias `{alias}`")
                };
                let mut d = Diagnostic::error(span, msg);
                if !self.imports.module.is_empty() {
                    d = d.with_note(format!(
                        "qualified names need an alias: `(import MODULE :as {alias})`"
                    ));
                }
                self.push_diag(d);
                None
            }
        }
    }

    fn missing_member(&mut self, iface: &Interface, name: &str, span: Span) {
        let m = &iface.module;
        let msg = if iface.private_names.iter().any(|p| p == name) {
            format!("`{name}` is private to module `{m}`")
        } else {
            format!("module `{m}` has no public item named `{name}`")
        };
        self.error(span, msg);
    }

    /// A public value of `iface` named `name` (function, global, extern, struct constructor,
    /// sum-type constructor), seeded into this module's tables.
    fn iface_value(&mut self, iface: &Interface, name: &str) -> Option<Item> {
        let m = iface.module.as_str();
        if let Some(f) = iface.funcs.get(name) {
            return Some(Item::Func(self.seed_func(iface, name, f)));
        }
        if let Some(g) = iface.globals.get(name) {
            return Some(Item::Global(self.seed_global(iface, name, g)));
        }
        if let Some(x) = iface.externs.get(name) {
            return Some(Item::Extern(self.seed_extern(iface, x)));
        }
        for (i, def) in iface.adts.iter().enumerate() {
            if !def.public {
                continue;
            }
            match &def.kind {
                AdtKind::Struct { .. } if def.name == name => {
                    return Some(Item::Struct(self.seed_adt(&ItemKey::new(m, i as u32))));
                }
                AdtKind::Sum { variants } => {
                    if let Some(v) = variants.iter().position(|v| v.name == name) {
                        let id = self.seed_adt(&ItemKey::new(m, i as u32));
                        return Some(Item::Ctor(id, v as u32));
                    }
                }
                AdtKind::Struct { .. } => {}
            }
        }
        None
    }

    /// A public data type of `iface` named `name`, seeded.
    fn iface_type(&mut self, iface: &Interface, name: &str) -> Option<AdtId> {
        let i = iface.adts.iter().position(|d| d.public && d.name == name)?;
        Some(self.seed_adt(&ItemKey::new(&iface.module, i as u32)))
    }

    /// This module's id for the data type `key`, adding it (and the types its fields mention)
    /// on first use.
    fn seed_adt(&mut self, key: &ItemKey) -> AdtId {
        if key.module == PRELUDE {
            return AdtId(key.index);
        }
        if let Some(id) = self.imports.adt_ids.get(key) {
            return *id;
        }
        let iface = self.imports.ifaces.get(&key.module).cloned();
        let def = iface
            .as_ref()
            .and_then(|i| i.adts.get(key.index as usize))
            .cloned();
        let (Some(iface), Some(def)) = (iface, def) else {
            // The build gives every module the interfaces of all modules it depends on.
            panic!(
                "internal error: interface of module `{}` (data type {}) is not available",
                key.module, key.index
            );
        };
        let id = AdtId(self.adts.len() as u32);
        self.adts.push(AdtDef {
            kind: AdtKind::Struct { fields: vec![] },
            ..def.clone()
        });
        self.imports.adts.insert(id, key.clone());
        self.imports.adt_ids.insert(key.clone(), id);
        let kind = match &def.kind {
            AdtKind::Struct { fields } => AdtKind::Struct {
                fields: fields
                    .iter()
                    .map(|f| FieldInfo {
                        name: f.name.clone(),
                        ty: self.import_type(&iface, &f.ty),
                    })
                    .collect(),
            },
            AdtKind::Sum { variants } => AdtKind::Sum {
                variants: variants
                    .iter()
                    .map(|v| VariantInfo {
                        name: v.name.clone(),
                        fields: v
                            .fields
                            .iter()
                            .map(|t| self.import_type(&iface, t))
                            .collect(),
                    })
                    .collect(),
            },
        };
        self.adts[id.0 as usize].kind = kind;
        id
    }

    /// A type of `iface` in this module's ids.
    fn import_type(&mut self, iface: &Interface, ty: &Type) -> Type {
        match ty {
            Type::Adt(id, args) => {
                let key = iface.adt_keys[id.0 as usize].clone();
                let args = args.iter().map(|a| self.import_type(iface, a)).collect();
                Type::Adt(self.seed_adt(&key), args)
            }
            Type::Vector(t) => Type::Vector(Box::new(self.import_type(iface, t))),
            Type::Fn(ps, r) => Type::Fn(
                ps.iter().map(|p| self.import_type(iface, p)).collect(),
                Box::new(self.import_type(iface, r)),
            ),
            other => other.clone(),
        }
    }

    fn seed_func(&mut self, iface: &Interface, name: &str, f: &IfaceFunc) -> FuncId {
        let key = ItemKey::new(&iface.module, f.index);
        if let Some(id) = self.imports.func_ids.get(&key) {
            return *id;
        }
        let params = f
            .params
            .iter()
            .map(|t| self.import_type(iface, t))
            .collect();
        let ret = self.import_type(iface, &f.ret);
        let id = FuncId(self.funcs.len() as u32);
        self.funcs.push(FuncSig {
            name: name.to_string(),
            tparams: f.tparams.clone(),
            params,
            param_names: f.param_names.clone(),
            ret,
            span: Span::default(),
            name_span: Span::default(),
        });
        self.func_bodies.push(None);
        self.imports.funcs.insert(id, key.clone());
        self.imports.func_ids.insert(key, id);
        id
    }

    fn seed_global(&mut self, iface: &Interface, name: &str, g: &IfaceGlobal) -> GlobalId {
        let key = ItemKey::new(&iface.module, g.index);
        if let Some(id) = self.imports.global_ids.get(&key) {
            return *id;
        }
        let ty = self.import_type(iface, &g.ty);
        let id = GlobalId(self.globals.len() as u32);
        self.globals.push(GlobalSig {
            name: name.to_string(),
            ty,
            mutable: g.mutable,
            name_span: Span::default(),
        });
        self.global_inits.push(None);
        self.imports.globals.insert(id, key.clone());
        self.imports.global_ids.insert(key, id);
        id
    }

    fn seed_extern(&mut self, iface: &Interface, x: &IfaceExtern) -> ExternId {
        let key = ItemKey::new(&iface.module, x.index);
        if let Some(id) = self.imports.extern_ids.get(&key) {
            return *id;
        }
        let decl = ExternDecl {
            params: x
                .decl
                .params
                .iter()
                .map(|t| self.import_type(iface, t))
                .collect(),
            ret: self.import_type(iface, &x.decl.ret),
            ..x.decl.clone()
        };
        let id = ExternId(self.externs.len() as u32);
        self.externs.push(ExternSig {
            decl,
            param_names: x.param_names.clone(),
        });
        self.imports.externs.insert(id, key.clone());
        self.imports.extern_ids.insert(key, id);
        id
    }

    /// The module this global is imported from, if it is imported.
    pub(super) fn global_origin(&self, id: GlobalId) -> Option<&str> {
        self.imports.globals.get(&id).map(|k| k.module.as_str())
    }

    /// Splits the checker's tables into the module's own definitions and the key tables, and
    /// extracts the interface. `funcs`, `globals` are the zonked items by id (imported ones
    /// included, with placeholder bodies); `public` says which own items are `pub`.
    pub(super) fn split_module(
        &self,
        file: FileId,
        funcs: Vec<crate::tir::Func>,
        globals: Vec<crate::tir::Global>,
        public: &Public,
    ) -> (CheckedModule, Interface) {
        let name = self.imports.module.clone();
        let keys = |n: usize, imported: &dyn Fn(u32) -> Option<ItemKey>| -> Vec<ItemKey> {
            let mut own = 0;
            (0..n as u32)
                .map(|i| {
                    imported(i).unwrap_or_else(|| {
                        own += 1;
                        ItemKey::new(&name, own - 1)
                    })
                })
                .collect()
        };
        let adt_keys = keys(self.adts.len(), &|i| {
            if i < 3 {
                Some(ItemKey::new(PRELUDE, i))
            } else {
                self.imports.adts.get(&AdtId(i)).cloned()
            }
        });
        let func_keys = keys(funcs.len(), &|i| {
            self.imports.funcs.get(&FuncId(i)).cloned()
        });
        let global_keys = keys(globals.len(), &|i| {
            self.imports.globals.get(&GlobalId(i)).cloned()
        });
        let extern_keys = keys(self.externs.len(), &|i| {
            self.imports.externs.get(&ExternId(i)).cloned()
        });
        let own_adts: Vec<AdtDef> = (3..self.adts.len())
            .filter(|i| !self.imports.adts.contains_key(&AdtId(*i as u32)))
            .map(|i| self.adts[i].clone())
            .collect();
        let mut main = None;
        let mut own_funcs = Vec::new();
        for (i, (f, k)) in funcs.into_iter().zip(&func_keys).enumerate() {
            if self.imports.funcs.contains_key(&FuncId(i as u32)) {
                continue;
            }
            if self.main == Some(FuncId(i as u32)) {
                main = Some(k.index);
            }
            own_funcs.push(f);
        }
        let own_globals: Vec<_> = (globals.into_iter().enumerate())
            .filter(|(i, _)| !self.imports.globals.contains_key(&GlobalId(*i as u32)))
            .map(|(_, g)| g)
            .collect();
        let own_externs: Vec<ExternDecl> = (self.externs.iter().enumerate())
            .filter(|(i, _)| !self.imports.externs.contains_key(&ExternId(*i as u32)))
            .map(|(_, x)| x.decl.clone())
            .collect();
        let iface = self.interface(&adt_keys, &func_keys, &global_keys, &extern_keys, public);
        let module = CheckedModule {
            name: name.clone(),
            file,
            adt_keys,
            func_keys,
            global_keys,
            extern_keys,
            own_adts,
            own_funcs,
            own_globals,
            own_externs,
            main,
            imports: self.imports.modules.iter().cloned().collect(),
        };
        (module, iface)
    }

    /// The interface: own data types and public values, with a canonical data-type table (the
    /// keys it mentions, sorted), so that it depends on nothing but what importers can see.
    fn interface(
        &self,
        adt_keys: &[ItemKey],
        func_keys: &[ItemKey],
        global_keys: &[ItemKey],
        extern_keys: &[ItemKey],
        public: &Public,
    ) -> Interface {
        let name = &self.imports.module;
        let is_own = |id: usize, keys: &[ItemKey], imported: bool| !imported && keys.len() > id;
        // Collect what the interface mentions.
        let own_adt_ids: Vec<usize> = (3..self.adts.len())
            .filter(|i| !self.imports.adts.contains_key(&AdtId(*i as u32)))
            .collect();
        let mut funcs = BTreeMap::new();
        for (i, f) in self.funcs.iter().enumerate() {
            let id = FuncId(i as u32);
            if !is_own(i, func_keys, self.imports.funcs.contains_key(&id))
                || !public.funcs.contains(&id)
            {
                continue;
            }
            funcs.insert(
                f.name.clone(),
                IfaceFunc {
                    index: func_keys[i].index,
                    tparams: f.tparams.clone(),
                    params: f.params.iter().map(|t| self.vars.resolve(t)).collect(),
                    param_names: f.param_names.clone(),
                    ret: self.vars.resolve(&f.ret),
                },
            );
        }
        let mut globals = BTreeMap::new();
        for (i, g) in self.globals.iter().enumerate() {
            let id = GlobalId(i as u32);
            if !is_own(i, global_keys, self.imports.globals.contains_key(&id))
                || !public.globals.contains(&id)
            {
                continue;
            }
            globals.insert(
                g.name.clone(),
                IfaceGlobal {
                    index: global_keys[i].index,
                    ty: self.vars.resolve(&g.ty),
                    mutable: g.mutable,
                },
            );
        }
        let mut externs = BTreeMap::new();
        for (i, x) in self.externs.iter().enumerate() {
            let id = ExternId(i as u32);
            if !is_own(i, extern_keys, self.imports.externs.contains_key(&id))
                || !public.externs.contains(&id)
            {
                continue;
            }
            externs.insert(
                x.decl.name.clone(),
                IfaceExtern {
                    index: extern_keys[i].index,
                    decl: ExternDecl {
                        span: Span::default(),
                        ..x.decl.clone()
                    },
                    param_names: x.param_names.clone(),
                },
            );
        }
        let mut adts: Vec<AdtDef> = own_adt_ids
            .iter()
            .map(|&i| AdtDef {
                span: Span::default(),
                ..self.adts[i].clone()
            })
            .collect();
        // The canonical table: every key mentioned, sorted.
        let mut mentioned: BTreeSet<ItemKey> =
            own_adt_ids.iter().map(|&i| adt_keys[i].clone()).collect();
        let mut note = |t: &Type| {
            collect_adts(t, &mut |id| {
                mentioned.insert(adt_keys[id.0 as usize].clone());
            })
        };
        for d in &adts {
            for_each_type(d, &mut note);
        }
        for f in funcs.values() {
            f.params.iter().for_each(&mut note);
            note(&f.ret);
        }
        for g in globals.values() {
            note(&g.ty);
        }
        let table: Vec<ItemKey> = mentioned.into_iter().collect();
        let index: HashMap<&ItemKey, u32> = (table.iter().enumerate())
            .map(|(i, k)| (k, i as u32))
            .collect();
        let remap = |t: &Type| map_adts(t, &|id| AdtId(index[&adt_keys[id.0 as usize]]));
        for d in &mut adts {
            d.kind = match &d.kind {
                AdtKind::Struct { fields } => AdtKind::Struct {
                    fields: fields
                        .iter()
                        .map(|f| FieldInfo {
                            name: f.name.clone(),
                            ty: remap(&f.ty),
                        })
                        .collect(),
                },
                AdtKind::Sum { variants } => AdtKind::Sum {
                    variants: variants
                        .iter()
                        .map(|v| VariantInfo {
                            name: v.name.clone(),
                            fields: v.fields.iter().map(&remap).collect(),
                        })
                        .collect(),
                },
            };
        }
        for f in funcs.values_mut() {
            f.params = f.params.iter().map(&remap).collect();
            f.ret = remap(&f.ret);
        }
        for g in globals.values_mut() {
            g.ty = remap(&g.ty);
        }
        let mut private_names: Vec<String> = public.private_names.clone();
        private_names.sort();
        private_names.dedup();
        Interface {
            module: name.clone(),
            adt_keys: table,
            adts,
            funcs,
            globals,
            externs,
            private_names,
        }
    }
}

/// Which of the module's own items are `pub`, and the names of the others.
#[derive(Default)]
pub(super) struct Public {
    pub funcs: BTreeSet<FuncId>,
    pub globals: BTreeSet<GlobalId>,
    pub externs: BTreeSet<ExternId>,
    pub private_names: Vec<String>,
}

fn for_each_type(d: &AdtDef, f: &mut dyn FnMut(&Type)) {
    match &d.kind {
        AdtKind::Struct { fields } => fields.iter().for_each(|x| f(&x.ty)),
        AdtKind::Sum { variants } => variants.iter().flat_map(|v| &v.fields).for_each(f),
    }
}

fn collect_adts(t: &Type, f: &mut dyn FnMut(AdtId)) {
    match t {
        Type::Adt(id, args) => {
            f(*id);
            args.iter().for_each(|a| collect_adts(a, f));
        }
        Type::Vector(t) => collect_adts(t, f),
        Type::Fn(ps, r) => {
            ps.iter().for_each(|p| collect_adts(p, f));
            collect_adts(r, f);
        }
        _ => {}
    }
}

fn map_adts(t: &Type, f: &dyn Fn(AdtId) -> AdtId) -> Type {
    match t {
        Type::Adt(id, args) => Type::Adt(f(*id), args.iter().map(|a| map_adts(a, f)).collect()),
        Type::Vector(t) => Type::Vector(Box::new(map_adts(t, f))),
        Type::Fn(ps, r) => Type::Fn(
            ps.iter().map(|p| map_adts(p, f)).collect(),
            Box::new(map_adts(r, f)),
        ),
        other => other.clone(),
    }
}
