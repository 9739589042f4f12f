//! Modules of a package program (language.md §14, packages.md §2–§4): what checking one module
//! produces and what its importers see.
//!
//! A module is checked on its own, given the [`Interface`]s of the modules it may import, and
//! yields a [`CheckedModule`]: its own definitions in typed IR plus tables saying which item every
//! id in that IR denotes. [`crate::link::link`] merges the checked modules of a program into one
//! [`crate::tir::Program`].
//!
//! Invariants:
//! - Items are identified across modules by [`ItemKey`]: the defining module's name and the
//!   item's index among that module's own definitions of its kind, in source order. The prelude
//!   is the module [`PRELUDE`] (its data types `Option`, `Result`, `Ordering` are indices 0, 1,
//!   2); a single-file program is one module named `""`.
//! - In a [`CheckedModule`] (and in an [`Interface`]), every id of a kind (`AdtId(i)`,
//!   `FuncId(i)`, `GlobalId(i)`, `ExternId(i)`) means `*_keys[i]`; ids are module-local and
//!   imported items may come in any order among the module's own.
//! - `own_*` lists hold the module's own definitions in key-index order (index `k` is the item
//!   with key `(name, k)`).
//! - Every span in a `CheckedModule` lies in `file` (the module's source file) except the spans
//!   of nothing: imported items carry no bodies. Interfaces carry no spans at all (default
//!   spans), so moving code within a file does not change its interface hash.
//! - Both are plain data (`Send`, serialisable with serde) so that they can be cached on disk and
//!   produced on worker threads.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::span::FileId;
use crate::tir::{ExternDecl, Func, Global};
use crate::types::{AdtDef, Type};

/// The prelude's module name in [`ItemKey`]s (not a valid module name).
pub const PRELUDE: &str = "#prelude";

/// An item's identity across modules.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ItemKey {
    pub module: String,
    pub index: u32,
}

impl ItemKey {
    pub fn new(module: &str, index: u32) -> ItemKey {
        ItemKey {
            module: module.to_string(),
            index,
        }
    }
}

/// A checked module: its own definitions in typed IR with module-local ids (see the module
/// invariants).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CheckedModule {
    /// The module's name (`shapes.geometry`); `""` for a single-file program.
    pub name: String,
    /// The file every span of the module lies in.
    pub file: FileId,
    pub adt_keys: Vec<ItemKey>,
    pub func_keys: Vec<ItemKey>,
    pub global_keys: Vec<ItemKey>,
    pub extern_keys: Vec<ItemKey>,
    pub own_adts: Vec<AdtDef>,
    pub own_funcs: Vec<Func>,
    /// In source order (the module's share of the initialisation order).
    pub own_globals: Vec<Global>,
    pub own_externs: Vec<ExternDecl>,
    /// The index of `main` among `own_funcs`, when the module defines it.
    pub main: Option<u32>,
    /// The modules this one imports, by name, sorted, without duplicates.
    pub imports: Vec<String>,
}

/// What importers of a module see: its data types and its public values, with their types.
/// Importers resolve names and check their uses against it; the build cache hashes it
/// ([`Interface::hash_bytes`]) for early cut-off.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Interface {
    pub module: String,
    /// `AdtId(i)` in the types below means `adt_keys[i]`.
    pub adt_keys: Vec<ItemKey>,
    /// The module's own data types, in key-index order (private ones too: a public signature may
    /// mention them, and importers need their layout); only `public` ones can be imported by
    /// name. Spans are default.
    pub adts: Vec<AdtDef>,
    /// Public functions, by name (sorted).
    pub funcs: BTreeMap<String, IfaceFunc>,
    /// Public globals, by name.
    pub globals: BTreeMap<String, IfaceGlobal>,
    /// Public externs, by name.
    pub externs: BTreeMap<String, IfaceExtern>,
    /// Every top-level name the module defines that is not public (for "`x` is private"
    /// messages). Not part of the hash: it only changes the wording of an importer's error.
    pub private_names: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct IfaceFunc {
    /// Index among the module's own functions.
    pub index: u32,
    pub tparams: Vec<std::sync::Arc<str>>,
    pub params: Vec<Type>,
    /// Parameter names for labelled arguments (`None` for destructured parameters).
    pub param_names: Vec<Option<String>>,
    pub ret: Type,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct IfaceGlobal {
    pub index: u32,
    pub ty: Type,
    pub mutable: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct IfaceExtern {
    pub index: u32,
    /// The C symbol and signature (default span).
    pub decl: ExternDecl,
    pub param_names: Vec<String>,
}

impl Interface {
    /// The bytes the build cache hashes: everything importers depend on, deterministically
    /// encoded.
    pub fn hash_bytes(&self) -> Vec<u8> {
        let public = Interface {
            private_names: Vec::new(),
            ..self.clone()
        };
        bincode::serialize(&public).expect("an interface always serialises")
    }
}
