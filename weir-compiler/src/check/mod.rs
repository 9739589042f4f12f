//! Type checker: [`ast::Module`] → [`tir::Program`] (language.md §4–§7, §9, §13, §16).
//!
//! Shape of the pass (all in one [`Checker`]):
//! 1. `collect` — the prelude's data types, then every top-level definition's name (one namespace
//!    of values, one of types; duplicates and reserved names are errors), then data-type bodies and
//!    every signature (functions, externs, annotated globals). Nothing is checked in order of use:
//!    definitions may be used before they appear.
//! 2. `expr`/`call`/`pattern` — bodies in source order, producing typed IR whose types may still
//!    contain inference variables. Checks that need a type that is not known yet (a field access,
//!    an operator's operand class, `len`) are deferred (§5.3) and retried as types become known.
//! 3. `finish` — remaining deferred checks, defaulting (integer literals → i32, float literals →
//!    f64, anything else → Unit), then "zonking": every type in the IR is replaced by its final
//!    type, literals are range-checked and rounded, `match`es are checked for exhaustiveness, and
//!    calls in tail position are marked.
//!
//! Invariants: every error is reported as a diagnostic and checking continues; a program is only
//! returned when no error was reported, and then it satisfies every invariant listed in `tir.rs`.

mod call;
mod collect;
mod exhaust;
mod expr;
mod finish;
mod imports;
mod pattern;
mod unify;

#[cfg(test)]
mod module_tests;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::Arc;

use crate::ast::{self, Module};
use crate::diag::Diagnostic;
use crate::module::{CheckedModule, Interface};
use crate::span::{FileId, Span};
use crate::tir::{ExternDecl, ExternId, FuncId, GlobalId, LocalId, Program, TExpr};
use crate::types::{AdtDef, AdtId, Type, TypeDisplay};

use unify::{VarKind, Vars};

/// How to check a module.
#[derive(Clone, Copy, Debug)]
pub struct CheckOptions {
    /// Report a missing or malformed `main` (§1). Off for libraries, and when the source had
    /// syntax errors (the form holding `main` may be the one that was dropped).
    pub require_main: bool,
}

/// Checks a single-file program (the prelude is implicit) in `file`.
pub fn check_program(module: &Module, file: FileId) -> (Option<Program>, Vec<Diagnostic>) {
    check_module(module, file, CheckOptions { require_main: true })
}

/// Checks a single-file program: one module named `""` without imports, linked on its own.
/// `Program` is `None` when there are errors or no `main`.
pub fn check_module(
    module: &Module,
    file: FileId,
    opts: CheckOptions,
) -> (Option<Program>, Vec<Diagnostic>) {
    let res = check_module_in(module, "", file, &HashMap::new(), opts);
    let program =
        res.module
            .filter(|m| m.main.is_some())
            .map(|m| match crate::link::link(vec![m], "") {
                Ok(p) => p,
                Err(e) => panic!(
                    "internal error: linking a single-file program: {}",
                    e.message
                ),
            });
    (program, res.diagnostics)
}

/// What checking one module of a package yields.
pub struct ModuleCheck {
    /// `Some` when there are no errors.
    pub module: Option<CheckedModule>,
    pub interface: Option<Interface>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Checks one module of a package (`name`, in `file`) given the interfaces of the modules it
/// may import (at least every module it imports, directly or through the types of what it
/// imports). Only the importing rules of the language are checked here (a missing or private
/// name, an unknown module, conflicting names); which modules a package may import at all
/// (declared dependencies, cycles) is the build's business.
pub fn check_module_in(
    module: &Module,
    name: &str,
    file: FileId,
    interfaces: &HashMap<String, Arc<Interface>>,
    opts: CheckOptions,
) -> ModuleCheck {
    let mut ck = Checker::new();
    ck.require_main = opts.require_main;
    ck.imports.module = name.to_string();
    ck.imports.ifaces = interfaces.clone();
    ck.collect(module);
    ck.check_bodies(module);
    let (checked, iface) = ck.finish_module(file);
    let mut diags = ck.diags;
    diags.sort_by_key(|d| {
        d.primary_span()
            .map(|s| (s.file, s.start))
            .unwrap_or_default()
    });
    if diags.iter().any(Diagnostic::is_error) {
        return ModuleCheck {
            module: None,
            interface: None,
            diagnostics: diags,
        };
    }
    ModuleCheck {
        module: Some(checked),
        interface: Some(iface),
        diagnostics: diags,
    }
}

/// What a top-level value name refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Item {
    Func(FuncId),
    Global(GlobalId),
    Struct(AdtId),
    Ctor(AdtId, u32),
    Extern(ExternId),
}

#[derive(Clone, Debug)]
struct FuncSig {
    name: String,
    tparams: Vec<Arc<str>>,
    params: Vec<Type>,
    /// Parameter names for labelled arguments (`None` for destructured parameters).
    param_names: Vec<Option<String>>,
    ret: Type,
    span: Span,
    name_span: Span,
}

#[derive(Clone, Debug)]
struct GlobalSig {
    name: String,
    ty: Type,
    mutable: bool,
    name_span: Span,
}

#[derive(Clone, Debug)]
struct ExternSig {
    decl: ExternDecl,
    param_names: Vec<String>,
}

/// A local variable in scope.
#[derive(Clone, Debug)]
struct Local {
    name: String,
    id: u64,
    slot: LocalId,
    ty: Type,
    mutable: bool,
    /// Index of the frame (function, lambda or global initialiser) that owns the slot.
    frame: usize,
}

/// A function-like body being checked: a `defn`, a global initialiser, or a lambda.
#[derive(Debug)]
struct Frame {
    n_locals: u32,
    n_params: u32,
    /// (local id, slot in the enclosing frame, slot in this frame)
    captures: Vec<(u64, LocalId, LocalId)>,
    /// The return type (for `?`); `None` in a global initialiser.
    ret: Option<Type>,
}

/// A field access whose object type may not be known yet.
#[derive(Clone, Debug)]
struct FieldFixup {
    obj: Type,
    field: String,
    result: Type,
    span: Span,
    index: Option<u32>,
}

/// Operand classes of §5.3 (and a few builtin-specific ones).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    Numeric,
    Integer,
    Ordered,
    Equatable,
    /// Any type without rigid type variables (§9.7).
    Printable,
    /// `(Vector T)` or `String` (`len`).
    Lenable,
}

impl Class {
    fn describe(self) -> &'static str {
        match self {
            Class::Numeric => "a numeric type",
            Class::Integer => "an integer type",
            Class::Ordered => "a numeric type or String",
            Class::Equatable => "a number, Bool, String or Unit",
            Class::Printable => "a printable type (not a type variable)",
            Class::Lenable => "a Vector or a String",
        }
    }
}

/// Field index placeholders in `GetField` point into `Checker::fields` until `finish`.
const FIXUP_BASE: u32 = 1 << 31;

struct Checker {
    diags: Vec<Diagnostic>,
    vars: Vars,
    adts: Vec<AdtDef>,
    types: HashMap<String, AdtId>,
    values: HashMap<String, Item>,
    /// Span of each top-level name's definition (for "first defined here").
    value_spans: HashMap<String, Span>,
    funcs: Vec<FuncSig>,
    func_bodies: Vec<Option<(TExpr, u32)>>,
    globals: Vec<GlobalSig>,
    global_inits: Vec<Option<(TExpr, u32)>>,
    externs: Vec<ExternSig>,
    // Per-body state.
    scopes: Vec<Local>,
    frames: Vec<Frame>,
    unsafe_depth: u32,
    tparams: Vec<Arc<str>>,
    next_local_id: u64,
    // Deferred work.
    fields: Vec<FieldFixup>,
    constraints: Vec<(Type, Class, Span)>,
    float_texts: HashMap<(u32, u32), String>,
    /// Type variables of expressions that had errors (see `error_expr`).
    poisoned: Vec<u32>,
    /// Integer literal patterns, range-checked once their type is final.
    pattern_lits: Vec<(Type, i128, Span)>,
    main: Option<FuncId>,
    require_main: bool,
    /// Imports and imported items (see `imports.rs`).
    imports: imports::Imports,
    /// Which own items are `pub`.
    public: imports::Public,
    /// Ids of the module's own `defn`s and globals, in source order.
    own_funcs: Vec<FuncId>,
    own_globals: Vec<GlobalId>,
}

impl Checker {
    fn new() -> Checker {
        Checker {
            diags: Vec::new(),
            vars: Vars::default(),
            adts: Vec::new(),
            types: HashMap::new(),
            values: HashMap::new(),
            value_spans: HashMap::new(),
            funcs: Vec::new(),
            func_bodies: Vec::new(),
            globals: Vec::new(),
            global_inits: Vec::new(),
            externs: Vec::new(),
            scopes: Vec::new(),
            frames: Vec::new(),
            unsafe_depth: 0,
            tparams: Vec::new(),
            next_local_id: 0,
            fields: Vec::new(),
            constraints: Vec::new(),
            float_texts: HashMap::new(),
            pattern_lits: Vec::new(),
            poisoned: Vec::new(),
            main: None,
            require_main: true,
            imports: imports::Imports::default(),
            public: imports::Public::default(),
            own_funcs: Vec::new(),
            own_globals: Vec::new(),
        }
    }

    fn error(&mut self, span: Span, message: impl Into<String>) {
        self.diags.push(Diagnostic::error(span, message));
    }

    fn push_diag(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// A type in Weir syntax with variables resolved as far as known: an unknown type prints as
    /// `_`, an undecided integer literal as `{integer}`, a float literal as `{float}`.
    fn show(&self, ty: &Type) -> String {
        let ty = self.vars.resolve(ty);
        match &ty {
            Type::Var(v) => match self.vars.kind(*v) {
                VarKind::IntLit => "{integer}".to_string(),
                VarKind::FloatLit => "{float}".to_string(),
                VarKind::General => "_".to_string(),
            },
            _ => TypeDisplay {
                ty: &ty,
                adts: &self.adts,
            }
            .to_string(),
        }
    }

    fn fresh(&mut self) -> Type {
        self.vars.fresh(VarKind::General)
    }

    /// Unifies `found` with `expected`, reporting a mismatch at `span`.
    fn expect(&mut self, expected: &Type, found: &Type, span: Span) -> bool {
        self.expect_because(expected, found, span, None)
    }

    /// Like `expect`; `why` (e.g. "the function's declared return type") is added to the label.
    fn expect_because(
        &mut self,
        expected: &Type,
        found: &Type,
        span: Span,
        why: Option<&str>,
    ) -> bool {
        if self.vars.unify(expected, found) {
            return true;
        }
        let msg = format!(
            "mismatched types: expected `{}`, found `{}`",
            self.show(expected),
            self.show(found)
        );
        let label = match why {
            Some(why) => format!("expected `{}` ({why})", self.show(expected)),
            None => format!("expected `{}`", self.show(expected)),
        };
        self.push_diag(Diagnostic::error(span, msg).with_label(label));
        false
    }

    /// Requires `ty` to be in `class` now, or later once it is known.
    fn require(&mut self, ty: &Type, class: Class, span: Span) {
        match self.class_ok(ty, class) {
            Some(true) => {}
            Some(false) => {
                let msg = format!("expected {}, found `{}`", class.describe(), self.show(ty));
                self.error(span, msg);
            }
            None => self.constraints.push((ty.clone(), class, span)),
        }
    }

    /// Whether `ty` is in `class`; `None` if that is not known yet.
    fn class_ok(&self, ty: &Type, class: Class) -> Option<bool> {
        let t = self.vars.shallow(ty);
        if let Type::Var(v) = t {
            let kind = self.vars.kind(v);
            return match (kind, class) {
                (VarKind::IntLit, Class::Lenable | Class::Printable) => {
                    Some(class == Class::Printable)
                }
                (VarKind::IntLit, _) => Some(true),
                (VarKind::FloatLit, Class::Integer | Class::Lenable) => Some(false),
                (VarKind::FloatLit, _) => Some(true),
                (VarKind::General, _) => None,
            };
        }
        Some(match class {
            Class::Numeric => t.is_numeric(),
            Class::Integer => t.is_int(),
            Class::Ordered => t.is_ordered(),
            Class::Equatable => t.is_equatable(),
            Class::Lenable => matches!(t, Type::Vector(_) | Type::Str),
            Class::Printable => return self.printable(&t),
        })
    }

    fn printable(&self, ty: &Type) -> Option<bool> {
        match self.vars.shallow(ty) {
            Type::Param(_) => Some(false),
            Type::Var(_) => None,
            Type::Vector(t) => self.printable(&t),
            Type::Adt(_, args) => {
                let mut res = Some(true);
                for a in &args {
                    match self.printable(a) {
                        Some(false) => return Some(false),
                        None => res = None,
                        Some(true) => {}
                    }
                }
                res
            }
            _ => Some(true),
        }
    }

    // ----- scopes and frames -----

    fn frame(&mut self) -> &mut Frame {
        self.frames.last_mut().expect("no frame")
    }

    fn new_slot(&mut self) -> LocalId {
        let f = self.frame();
        f.n_locals += 1;
        LocalId(f.n_locals - 1)
    }

    /// Declares a local in the innermost frame and scope; returns its slot.
    fn declare(&mut self, name: &ast::Name, ty: Type, mutable: bool) -> LocalId {
        self.check_bindable(name);
        let slot = self.new_slot();
        self.push_local(name.text.clone(), slot, ty, mutable);
        slot
    }

    fn push_local(&mut self, name: String, slot: LocalId, ty: Type, mutable: bool) {
        let id = self.next_local_id;
        self.next_local_id += 1;
        let frame = self.frames.len() - 1;
        self.scopes.push(Local {
            name,
            id,
            slot,
            ty,
            mutable,
            frame,
        });
    }

    /// A fresh slot for a compiler temporary (not visible by name).
    fn temp(&mut self) -> LocalId {
        self.new_slot()
    }

    fn lookup_local(&self, name: &str) -> Option<usize> {
        self.scopes.iter().rposition(|l| l.name == name)
    }

    /// The slot through which the current frame reaches local `idx`, adding captures to every
    /// lambda frame between the owner and the current frame.
    fn local_slot(&mut self, idx: usize) -> LocalId {
        let (owner, id, mut slot) = {
            let l = &self.scopes[idx];
            (l.frame, l.id, l.slot)
        };
        for f in owner + 1..self.frames.len() {
            let frame = &mut self.frames[f];
            if let Some(&(_, _, inner)) = frame.captures.iter().find(|c| c.0 == id) {
                slot = inner;
            } else {
                frame.n_locals += 1;
                let inner = LocalId(frame.n_locals - 1);
                frame.captures.push((id, slot, inner));
                slot = inner;
            }
        }
        slot
    }

    /// Reports names that may not be bound (§2).
    fn check_bindable(&mut self, name: &ast::Name) {
        if let Some(why) = reserved_reason(&name.text) {
            self.error(
                name.span,
                format!("`{}` is {why} and cannot be used as a name", name.text),
            );
        }
    }
}

/// Builtin function names (§9, including [later] ones, which are reserved too).
pub(crate) const BUILTIN_NAMES: &[&str] = &[
    "+",
    "-",
    "*",
    "/",
    "mod",
    "abs",
    "min",
    "max",
    "=",
    "!=",
    "<",
    ">",
    "<=",
    ">=",
    "not",
    "sqrt",
    "floor",
    "ceil",
    "round",
    "sin",
    "cos",
    "tan",
    "asin",
    "acos",
    "atan",
    "exp",
    "log",
    "pow",
    "atan2",
    "to-f64",
    "to-i64",
    "to-f32",
    "to-i32",
    "len",
    "nth",
    "append",
    "set-nth",
    "str",
    "string-length",
    "substring",
    "string-ref",
    "string-contains",
    "string-upcase",
    "string-downcase",
    "string-trim",
    "char-to-string",
    "println",
    "print",
    "random",
    "random-int",
    "random-seed",
    "read-file",
    "write-file",
    "time-ms",
    "sleep",
    "assert",
    "assert-eq",
    "args",
    "exit",
];

/// [later] builtins (§9.10): reserved, rejected when called.
pub(crate) const LATER_BUILTINS: &[&str] = &[
    "term-init",
    "term-restore",
    "read-key",
    "type-of",
    "mut-vec",
    "push!",
    "pop!",
    "mut-map",
    "map-set!",
    "map-get",
    "map-remove!",
    "atom",
    "deref",
    "channel",
    "send",
    "recv",
    "par-map",
    "par-for-each",
];

/// Why a name is reserved, if it is.
fn reserved_reason(name: &str) -> Option<&'static str> {
    use crate::syntax::{PRELUDE_NAMES, RESERVED_TYPE_NAMES, RESERVED_WORDS};
    if RESERVED_WORDS.contains(&name) {
        Some("a reserved word")
    } else if BUILTIN_NAMES.contains(&name) || LATER_BUILTINS.contains(&name) {
        Some("a builtin function")
    } else if PRELUDE_NAMES.contains(&name) {
        Some("a prelude name")
    } else if RESERVED_TYPE_NAMES.contains(&name) {
        Some("a builtin type name")
    } else {
        None
    }
}
