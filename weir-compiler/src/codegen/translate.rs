//! Per-program state ([`State`]: imports, monomorphic instances, the work queue, static data) and
//! the per-function translator ([`Fx`]: builder, locals, root slots, prologue and epilogue).
//!
//! Invariants:
//! - One `FunctionBuilderContext` and one `Context` are reused for translating every function;
//!   translated functions are compiled by Cranelift in parallel batches (`compile_pending`) and
//!   defined in translation order.
//! - Functions are declared when first referenced and defined when their job leaves the queue;
//!   [`compile_program`] returns only when the queue is empty, so every declared Weir function is
//!   defined.
//! - A function's root frame size is known only after its body is translated: the prologue emits
//!   a placeholder `iconst` that is patched (and the slot-zeroing stores inserted) afterwards.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    self, types, AbiParam, Block, FuncRef, GlobalValue, Inst, InstBuilder, MemFlagsData, Signature,
    TrapCode, Value,
};
use cranelift_codegen::isa::CallConv;
use cranelift_codegen::Context;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use cranelift_module::{DataId, FuncId as ClFuncId, Linkage, Module};
use weir_runtime::abi::{AbiTy, RUNTIME_DATA, RUNTIME_FNS};

use super::data::Statics;
use super::Options;
use crate::span::{SourceMap, Span};
use crate::tir::{self, Lambda, LocalId, Program};
use crate::types::{AdtId, AdtKind, FloatTy, IntTy, Type};

pub(crate) type Subst = Vec<(Arc<str>, Type)>;

/// The machine type of a Weir value (layout.rs, "Machine values").
pub(crate) fn clty(ty: &Type) -> types::Type {
    match ty {
        Type::Int(i) => match i.bits() {
            8 => types::I8,
            16 => types::I16,
            32 => types::I32,
            _ => types::I64,
        },
        Type::Float(FloatTy::F32) => types::F32,
        Type::Float(FloatTy::F64) => types::F64,
        Type::Bool | Type::Unit => types::I8,
        Type::Ptr | Type::Str | Type::Vector(_) | Type::Fn(..) | Type::Adt(..) => types::I64,
        Type::Param(_) | Type::Var(_) => panic!("internal error: unsubstituted type {ty:?}"),
    }
}

/// Whether values of the type are pointers to (heap or static) objects.
pub(crate) fn is_heap(ty: &Type) -> bool {
    matches!(
        ty,
        Type::Str | Type::Vector(_) | Type::Fn(..) | Type::Adt(..)
    )
}

/// Binds the params of `generic` by matching it against `concrete`.
pub(crate) fn match_ty(generic: &Type, concrete: &Type, out: &mut Subst) {
    match (generic, concrete) {
        (Type::Param(n), c) if !out.iter().any(|(m, _)| m == n) => {
            out.push((n.clone(), c.clone()));
        }
        (Type::Vector(g), Type::Vector(c)) => match_ty(g, c, out),
        (Type::Fn(gp, gr), Type::Fn(cp, cr)) => {
            for (g, c) in gp.iter().zip(cp) {
                match_ty(g, c, out);
            }
            match_ty(gr, cr, out);
        }
        (Type::Adt(_, ga), Type::Adt(_, ca)) => {
            for (g, c) in ga.iter().zip(ca) {
                match_ty(g, c, out);
            }
        }
        _ => {}
    }
}

/// Deepest type argument an instance may have (see [`State::instance`]).
const MAX_TYPE_DEPTH: usize = 64;

fn type_depth(ty: &Type) -> usize {
    match ty {
        Type::Vector(t) => 1 + type_depth(t),
        Type::Fn(ps, r) => 1 + ps.iter().chain([&**r]).map(type_depth).max().unwrap_or(0),
        Type::Adt(_, args) => 1 + args.iter().map(type_depth).max().unwrap_or(0),
        _ => 1,
    }
}

/// Work left to do.
pub(crate) enum Job {
    Func {
        id: ClFuncId,
        func: tir::FuncId,
        subst: Subst,
    },
    Lambda {
        id: ClFuncId,
        lambda: Arc<Lambda>,
        subst: Subst,
        params: Vec<Type>,
        ret: Type,
        captures: Vec<Type>,
    },
    Global {
        id: ClFuncId,
        global: usize,
    },
    /// Closure code `(env, params...)` that tail-calls a top-level function instance.
    FnThunk {
        id: ClFuncId,
        target: ClFuncId,
        params: Vec<Type>,
        ret: Type,
    },
    /// Closure code that builds a struct (`variant: None`) or a sum-type value.
    CtorThunk {
        id: ClFuncId,
        adt: AdtId,
        variant: Option<u32>,
        params: Vec<Type>,
        ret: Type,
    },
}

/// Everything about one program's translation except the reusable contexts.
pub(crate) struct State<'p, M: Module> {
    pub module: M,
    pub prog: &'p Program,
    pub sources: &'p SourceMap,
    rt_fns: HashMap<&'static str, ClFuncId>,
    rt_data: HashMap<&'static str, DataId>,
    /// C functions (externs, libm) by symbol.
    c_fns: HashMap<String, ClFuncId>,
    externs: Vec<Option<ClFuncId>>,
    instances: HashMap<(tir::FuncId, Vec<Type>), ClFuncId>,
    lambdas: HashMap<(*const Lambda, Vec<Type>), ClFuncId>,
    pub queue: VecDeque<Job>,
    /// Storage of each global (declared on first use): the value at offset 0, the init flag
    /// (I8) at offset 8.
    globals: Vec<Option<DataId>>,
    /// The part of the program this object holds (per-module objects), or `None` for all of it.
    unit: Option<&'p super::Unit>,
    pub statics: Statics,
    n_funcs: usize,
    /// Runtime symbols are in the same linked image as the code (AOT: the runtime is a static
    /// library of the executable), so they are reached PC-relative instead of through the GOT.
    rt_colocated: bool,
    /// The first construct found that compiled code does not support (message, span).
    unsupported: Option<(String, Span)>,
    /// Translated functions waiting for Cranelift (see [`State::compile_pending`]).
    pending: Vec<(ClFuncId, ir::Function, String)>,
}

/// libm functions used for builtins (resolved like externs).
pub(crate) const LIBM: &[&str] = &[
    "sin", "cos", "tan", "asin", "acos", "atan", "exp", "log", "pow", "atan2",
];

/// The result of translating a whole program (or a unit of it).
pub(crate) struct Compiled<M: Module> {
    pub module: M,
    /// `extern "C" fn() -> i32`: registers global roots, runs the initialisers, then `main`
    /// (absent from units without the entry).
    pub entry: Option<ClFuncId>,
}

/// Translates every instance reachable from `main` and the global initialisers.
/// `rt_colocated`: the runtime is linked into the same image as the code (see
/// [`State::rt_colocated`]); false for the JIT, whose code may be far from the runtime.
pub(crate) fn compile_program<'p, M: Module>(
    module: M,
    prog: &'p Program,
    sources: &'p SourceMap,
    opts: &Options,
    rt_colocated: bool,
    unit: Option<&'p super::Unit>,
) -> Result<Compiled<M>, super::CodegenError> {
    let mut st = State {
        module,
        prog,
        sources,
        rt_fns: HashMap::new(),
        rt_data: HashMap::new(),
        c_fns: HashMap::new(),
        externs: vec![None; prog.externs.len()],
        instances: HashMap::new(),
        lambdas: HashMap::new(),
        queue: VecDeque::new(),
        globals: vec![None; prog.globals.len()],
        unit,
        statics: Statics::default(),
        n_funcs: 0,
        rt_colocated,
        unsupported: None,
        pending: Vec::new(),
    };
    let mut ctx = st.module.make_context();
    let mut fctx = FunctionBuilderContext::new();
    // Global initialisers: all of them for a whole program; a unit defines (and exports) those
    // of its module's globals and, if it holds the entry, imports the others.
    let mut inits = Vec::new();
    for (i, g) in prog.globals.iter().enumerate() {
        let sig = st.weir_sig(&[], &g.ty, false);
        let id = match unit {
            None => st.declare_fn(&format!("init {}", g.name), &sig),
            Some(u) => {
                let own = u.globals.contains(&(i as u32));
                if !own && !u.entry {
                    continue;
                }
                let linkage = if own {
                    Linkage::Export
                } else {
                    Linkage::Import
                };
                st.module
                    .declare_function(&format!("weir$i${}", u.global_names[i]), linkage, &sig)
                    .map_err(|e| e.to_string())?
            }
        };
        if unit.is_none_or(|u| u.globals.contains(&(i as u32))) {
            st.queue.push_back(Job::Global { id, global: i });
        }
        inits.push(id);
    }
    let entry = match unit {
        Some(u) if !u.entry => {
            // The storage of the module's globals (other objects import it).
            for i in u.globals.clone() {
                st.global(i as usize);
            }
            // Every function of the module (generic ones are instantiated where they are used).
            for f in u.funcs.clone() {
                if prog.funcs[f as usize].tparams.is_empty() {
                    st.instance(tir::FuncId(f), Vec::new());
                }
            }
            None
        }
        _ => {
            let main = st.instance(prog.main, Vec::new());
            Some(define_entry(&mut st, &mut ctx, &mut fctx, &inits, main)?)
        }
    };
    while let Some(job) = st.queue.pop_front() {
        st.translate_job(job, &mut ctx, &mut fctx, opts)?;
    }
    st.compile_pending()?;
    if let Some((message, span)) = st.unsupported.take() {
        return Err(super::CodegenError::Unsupported { message, span });
    }
    Ok(Compiled {
        module: st.module,
        entry,
    })
}

/// The entry function (C convention, `() -> i32`).
fn define_entry<M: Module>(
    st: &mut State<'_, M>,
    ctx: &mut Context,
    fctx: &mut FunctionBuilderContext,
    inits: &[ClFuncId],
    main: ClFuncId,
) -> Result<ClFuncId, String> {
    let mut sig = st.module.make_signature();
    sig.returns.push(AbiParam::new(types::I32));
    let entry = st.declare_fn("entry", &sig);
    ctx.func.signature = sig;
    let mut b = FunctionBuilder::new(&mut ctx.func, fctx);
    let block = b.create_block();
    b.switch_to_block(block);
    b.seal_block(block);
    let add_root = st.rt_fn("weir_add_global_root");
    let add_root = st.module.declare_func_in_func(add_root, b.func);
    for i in 0..st.prog.globals.len() {
        if is_heap(&st.prog.globals[i].ty) {
            let data = st.global(i);
            let gv = st.module.declare_data_in_func(data, b.func);
            let addr = b.ins().symbol_value(types::I64, gv);
            b.ins().call(add_root, &[addr]);
        }
    }
    for (i, init) in inits.iter().enumerate() {
        let f = st.module.declare_func_in_func(*init, b.func);
        let call = b.ins().call(f, &[]);
        let v = b.inst_results(call)[0];
        let data = st.global(i);
        let gv = st.module.declare_data_in_func(data, b.func);
        let addr = b.ins().symbol_value(types::I64, gv);
        b.ins().store(MemFlagsData::trusted(), v, addr, 0);
        let one = b.ins().iconst(types::I8, 1);
        b.ins().store(MemFlagsData::trusted(), one, addr, 8);
    }
    let f = st.module.declare_func_in_func(main, b.func);
    b.ins().call(f, &[]);
    let zero = b.ins().iconst(types::I32, 0);
    b.ins().return_(&[zero]);
    b.finalize(st.module.target_config());
    st.module
        .define_function(entry, ctx)
        .map_err(|e| format!("entry: {e:?}"))?;
    st.module.clear_context(ctx);
    Ok(entry)
}

/// Defines the C `main(argc, argv)` of an executable: `return weir_rt_main(argc, argv, entry)`.
pub(crate) fn define_c_main<M: Module>(module: &mut M, entry: ClFuncId) -> Result<(), String> {
    let mut sig = module.make_signature();
    sig.params.push(AbiParam::new(types::I32));
    sig.params.push(AbiParam::new(types::I64));
    sig.returns.push(AbiParam::new(types::I32));
    let main = module
        .declare_function("main", Linkage::Export, &sig)
        .map_err(|e| e.to_string())?;
    let rt_main = declare_rt(module, "weir_rt_main")?;
    let mut ctx = module.make_context();
    let mut fctx = FunctionBuilderContext::new();
    ctx.func.signature = sig;
    let mut b = FunctionBuilder::new(&mut ctx.func, &mut fctx);
    let block = b.create_block();
    b.append_block_params_for_function_params(block);
    b.switch_to_block(block);
    b.seal_block(block);
    let (argc, argv) = (b.block_params(block)[0], b.block_params(block)[1]);
    let f = module.declare_func_in_func(entry, b.func);
    let entry_addr = b.ins().func_addr(types::I64, f);
    let rt_main = module.declare_func_in_func(rt_main, b.func);
    let call = b.ins().call(rt_main, &[argc, argv, entry_addr]);
    let status = b.inst_results(call)[0];
    b.ins().return_(&[status]);
    b.finalize(module.target_config());
    module
        .define_function(main, &mut ctx)
        .map_err(|e| format!("main: {e:?}"))?;
    Ok(())
}

fn abi_param(t: AbiTy) -> AbiParam {
    match t {
        AbiTy::I8 => AbiParam::new(types::I8).sext(),
        AbiTy::I32 => AbiParam::new(types::I32),
        AbiTy::I64 | AbiTy::P => AbiParam::new(types::I64),
        AbiTy::F64 => AbiParam::new(types::F64),
    }
}

/// Declares a runtime function found by name in `RUNTIME_FNS`.
fn declare_rt<M: Module>(module: &mut M, name: &str) -> Result<ClFuncId, String> {
    let f = RUNTIME_FNS
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("internal error: `{name}` is not in RUNTIME_FNS"));
    let mut sig = module.make_signature();
    sig.params.extend(f.params.iter().map(|t| abi_param(*t)));
    sig.returns.extend(f.returns.iter().map(|t| abi_param(*t)));
    module
        .declare_function(f.name, Linkage::Import, &sig)
        .map_err(|e| e.to_string())
}

impl<'p, M: Module> State<'p, M> {
    /// The storage of global `i` (declared, and defined if it is this object's, on first use):
    /// anonymous in a whole-program object, `weir$g$MODULE.NAME` in a unit.
    pub fn global(&mut self, i: usize) -> DataId {
        if let Some(id) = self.globals[i] {
            return id;
        }
        let (id, define) = match self.unit {
            None => (
                self.module
                    .declare_anonymous_data(true, false)
                    .expect("declare global"),
                true,
            ),
            Some(u) => {
                let own = u.globals.contains(&(i as u32));
                let linkage = if own {
                    Linkage::Export
                } else {
                    Linkage::Import
                };
                let name = format!("weir$g${}", u.global_names[i]);
                let id = self
                    .module
                    .declare_data(&name, linkage, true, false)
                    .expect("declare global");
                (id, own)
            }
        };
        if define {
            let mut desc = cranelift_module::DataDescription::new();
            desc.define_zeroinit(16);
            desc.set_align(8);
            self.module.define_data(id, &desc).expect("define global");
        }
        self.globals[i] = Some(id);
        id
    }

    /// A runtime function (declared on first use).
    pub fn rt_fn(&mut self, name: &str) -> ClFuncId {
        if let Some(id) = self.rt_fns.get(name) {
            return *id;
        }
        let f = RUNTIME_FNS
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("internal error: `{name}` is not in RUNTIME_FNS"));
        let id = declare_rt(&mut self.module, name).expect("declare runtime function");
        self.rt_fns.insert(f.name, id);
        id
    }

    /// A runtime data symbol (declared on first use).
    pub fn rt_data(&mut self, name: &str) -> DataId {
        if let Some(id) = self.rt_data.get(name) {
            return *id;
        }
        let n = RUNTIME_DATA
            .iter()
            .find(|n| **n == name)
            .unwrap_or_else(|| panic!("internal error: `{name}` is not in RUNTIME_DATA"));
        let id = self
            .module
            .declare_data(n, Linkage::Import, true, false)
            .expect("declare runtime data");
        self.rt_data.insert(n, id);
        id
    }

    /// A C function with the given machine signature (libm).
    pub fn c_fn(&mut self, name: &str, sig: &Signature) -> ClFuncId {
        if let Some(id) = self.c_fns.get(name) {
            return *id;
        }
        let id = self
            .module
            .declare_function(name, Linkage::Import, sig)
            .unwrap_or_else(|e| panic!("internal error: declaring `{name}`: {e}"));
        self.c_fns.insert(name.to_string(), id);
        id
    }

    /// An `extern "C"` function.
    pub fn extern_fn(&mut self, x: tir::ExternId) -> ClFuncId {
        if let Some(id) = self.externs[x.0 as usize] {
            return id;
        }
        let decl = &self.prog.externs[x.0 as usize];
        let mut sig = self.module.make_signature();
        for p in &decl.params {
            sig.params.push(c_param(p));
        }
        if decl.ret != Type::Unit {
            sig.returns.push(c_param(&decl.ret));
        }
        let id = self.c_fn(&decl.name.clone(), &sig);
        self.externs[x.0 as usize] = Some(id);
        id
    }

    pub fn declare_fn(&mut self, name: &str, sig: &Signature) -> ClFuncId {
        self.n_funcs += 1;
        let name = format!("__weir_{}_{}", self.n_funcs, name);
        self.module
            .declare_function(&name, Linkage::Local, sig)
            .expect("declare function")
    }

    /// Signature of Weir code: Tail convention, `env` first for closure code.
    pub fn weir_sig(&self, params: &[Type], ret: &Type, closure: bool) -> Signature {
        let mut sig = Signature::new(CallConv::Tail);
        if closure {
            sig.params.push(AbiParam::new(types::I64));
        }
        sig.params
            .extend(params.iter().map(|p| AbiParam::new(clty(p))));
        sig.returns.push(AbiParam::new(clty(ret)));
        sig
    }

    /// The field types of a *flat* struct type: a concrete struct with 1 to [`MAX_FLAT`] fields,
    /// all scalar (not heap pointers). Top-level function instances take and return flat values
    /// as one machine value per field (see `mod.rs`, "Flat structs").
    pub fn flat(&self, ty: &Type) -> Option<Vec<Type>> {
        let Type::Adt(adt, args) = ty else {
            return None;
        };
        let AdtKind::Struct { fields } = &self.prog.adts[adt.0 as usize].kind else {
            return None;
        };
        if fields.is_empty() || fields.len() > MAX_FLAT {
            return None;
        }
        let tys = self.field_tys(*adt, args, None);
        (!tys.iter().any(is_heap)).then_some(tys)
    }

    /// Machine types of a value in the flat convention (one per field of a flat struct).
    pub fn cltys(&self, ty: &Type) -> Vec<types::Type> {
        match self.flat(ty) {
            Some(tys) => tys.iter().map(clty).collect(),
            None => vec![clty(ty)],
        }
    }

    /// Signature of a top-level function instance: flat structs are passed and returned as one
    /// value per field.
    pub fn func_sig(&self, params: &[Type], ret: &Type) -> Signature {
        let mut sig = Signature::new(CallConv::Tail);
        for p in params {
            sig.params
                .extend(self.cltys(p).into_iter().map(AbiParam::new));
        }
        sig.returns
            .extend(self.cltys(ret).into_iter().map(AbiParam::new));
        sig
    }

    /// The instance of a top-level function for the given type arguments.
    pub fn instance(&mut self, func: tir::FuncId, targs: Vec<Type>) -> ClFuncId {
        let key = (func, targs);
        if let Some(id) = self.instances.get(&key) {
            return *id;
        }
        let f = &self.prog.funcs[func.0 as usize];
        // Polymorphic recursion (`f` calling itself at a bigger type) has no finite set of
        // instances: record it (reported as an error by `compile_program`) and stop
        // instantiating, so translation ends.
        let too_deep = key.1.iter().any(|t| type_depth(t) > MAX_TYPE_DEPTH);
        if too_deep && self.unsupported.is_none() {
            self.unsupported = Some((
                format!(
                    "`{}` calls itself at ever deeper types (polymorphic recursion), which `weir run` and `weir build` cannot compile; `weir interp` runs it",
                    f.name
                ),
                f.span,
            ));
        }
        let subst: Subst = f.tparams.iter().cloned().zip(key.1.clone()).collect();
        let params: Vec<Type> = f.params.iter().map(|p| p.subst(&subst)).collect();
        let ret = f.ret.subst(&subst);
        let sig = self.func_sig(&params, &ret);
        let name = f.name.clone();
        // In a unit, a non-generic function has one stable symbol: exported by the object of
        // its module, imported by the others. Generic instances stay local to each object.
        if let (Some(u), true) = (self.unit, key.1.is_empty()) {
            let own = u.funcs.contains(&func.0);
            let linkage = if own {
                Linkage::Export
            } else {
                Linkage::Import
            };
            let id = self
                .module
                .declare_function(&format!("weir${name}"), linkage, &sig)
                .expect("declare function");
            self.instances.insert(key, id);
            if own {
                self.queue.push_back(Job::Func { id, func, subst });
            }
            return id;
        }
        let id = self.declare_fn(&name, &sig);
        self.instances.insert(key, id);
        if !too_deep {
            self.queue.push_back(Job::Func { id, func, subst });
        }
        id
    }

    /// The code of a lambda in the enclosing instance's substitution.
    pub fn lambda(
        &mut self,
        lambda: &Arc<Lambda>,
        subst: &Subst,
        params: Vec<Type>,
        ret: Type,
        captures: Vec<Type>,
    ) -> ClFuncId {
        let key = (
            Arc::as_ptr(lambda),
            subst.iter().map(|(_, t)| t.clone()).collect(),
        );
        if let Some(id) = self.lambdas.get(&key) {
            return *id;
        }
        let sig = self.weir_sig(&params, &ret, true);
        let id = self.declare_fn("lambda", &sig);
        self.lambdas.insert(key, id);
        self.queue.push_back(Job::Lambda {
            id,
            lambda: lambda.clone(),
            subst: subst.clone(),
            params,
            ret,
            captures,
        });
        id
    }

    /// Field types of a struct (`variant: None`) or of one variant, with type arguments applied.
    pub fn field_tys(&self, adt: AdtId, args: &[Type], variant: Option<u32>) -> Vec<Type> {
        let def = &self.prog.adts[adt.0 as usize];
        let subst: Subst = def
            .tparams
            .iter()
            .cloned()
            .zip(args.iter().cloned())
            .collect();
        match (&def.kind, variant) {
            (AdtKind::Struct { fields }, _) => fields.iter().map(|f| f.ty.subst(&subst)).collect(),
            (AdtKind::Sum { variants }, Some(v)) => variants[v as usize]
                .fields
                .iter()
                .map(|t| t.subst(&subst))
                .collect(),
            (AdtKind::Sum { .. }, None) => panic!("internal error: variant index missing"),
        }
    }

    pub fn loc_string(&self, span: Span) -> String {
        self.sources.location(span).to_string()
    }

    fn translate_job(
        &mut self,
        job: Job,
        ctx: &mut Context,
        fctx: &mut FunctionBuilderContext,
        opts: &Options,
    ) -> Result<(), String> {
        let prog = self.prog;
        let (id, sig, n_locals, span, subst, _ret) = match &job {
            Job::Func { id, func, subst } => {
                let f = &prog.funcs[func.0 as usize];
                let params: Vec<Type> = f.params.iter().map(|p| p.subst(subst)).collect();
                let ret = f.ret.subst(subst);
                (
                    *id,
                    self.func_sig(&params, &ret),
                    f.n_locals,
                    f.span,
                    subst.clone(),
                    ret,
                )
            }
            Job::Lambda {
                id,
                lambda,
                subst,
                params,
                ret,
                ..
            } => (
                *id,
                self.weir_sig(params, ret, true),
                lambda.n_locals,
                lambda.span,
                subst.clone(),
                ret.clone(),
            ),
            Job::Global { id, global } => {
                let g = &prog.globals[*global];
                (
                    *id,
                    self.weir_sig(&[], &g.ty, false),
                    g.n_locals,
                    g.span,
                    Vec::new(),
                    g.ty.clone(),
                )
            }
            Job::FnThunk {
                id, params, ret, ..
            }
            | Job::CtorThunk {
                id, params, ret, ..
            } => (
                *id,
                self.weir_sig(params, ret, true),
                0,
                prog.funcs[prog.main.0 as usize].span,
                Vec::new(),
                ret.clone(),
            ),
        };
        ctx.func.signature = sig;
        let mut b = FunctionBuilder::new(&mut ctx.func, fctx);
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        b.seal_block(entry);
        let params = b.block_params(entry).to_vec();
        let mut fx = Fx::new(self, b, &subst, n_locals, span);
        let res = match &job {
            Job::Func { id, func, .. } => {
                // Self tail calls jump back to `header` with the new arguments, reusing the
                // root frame.
                let f = &prog.funcs[func.0 as usize];
                let header = fx.b.create_block();
                let mut args = Vec::new();
                for p in &f.params {
                    let ty = p.subst(&subst);
                    let vals: Vec<Value> = (fx.st.cltys(&ty).into_iter())
                        .map(|t| fx.b.append_block_param(header, t))
                        .collect();
                    args.push((ty, vals));
                }
                let mut jump_args: Vec<ir::BlockArg> = params.iter().map(|v| (*v).into()).collect();
                let sites = match f.ret {
                    Type::Int(_) if f.tparams.is_empty() => accumulating_sites(&f.body, *func),
                    _ => None,
                };
                if let Some(sites) = sites {
                    let acc = fx.b.append_block_param(header, clty(&f.ret));
                    let vsp = fx.b.append_block_param(header, types::I64);
                    let zero = fx.b.ins().iconst(clty(&f.ret), 0);
                    let sp = fx.b.ins().get_stack_pointer(types::I64);
                    jump_args.extend([ir::BlockArg::from(zero), sp.into()]);
                    fx.accum = Some(Accum { sites, acc, vsp });
                }
                fx.b.ins().jump(header, &jump_args);
                fx.b.switch_to_block(header);
                for (i, (ty, vals)) in args.into_iter().enumerate() {
                    if fx.st.flat(&ty).is_some() {
                        fx.bind_local_flat(LocalId(i as u32), &ty, &vals);
                    } else {
                        fx.bind_local(LocalId(i as u32), &ty, vals[0]);
                    }
                }
                fx.self_loop = Some((*id, header));
                if let Some(size) = inlinable(f, *func) {
                    fx.inline_body = Some((&f.body, &f.params, f.n_locals));
                    fx.inline_size = size;
                }
                let ret = f.ret.subst(&subst);
                if let Some(tys) = fx.st.flat(&ret) {
                    fx.flat_ret = true;
                    let vals = fx.expr_flat(&f.body, &tys);
                    fx.ret_many(&vals);
                } else {
                    let v = fx.expr(&f.body);
                    fx.ret(v);
                }
                fx.b.seal_block(header);
                None
            }
            Job::Lambda {
                lambda,
                params: ptys,
                captures,
                ..
            } => {
                for (i, ty) in ptys.iter().enumerate() {
                    fx.bind_local(LocalId(i as u32), ty, params[i + 1]);
                }
                for (j, ty) in captures.iter().enumerate() {
                    let v = fx.load_slot(ty, params[0], 1 + j as u32);
                    fx.bind_local(LocalId(lambda.n_params + j as u32), ty, v);
                }
                Some(fx.expr(&lambda.body))
            }
            Job::Global { global, .. } => Some(fx.expr(&prog.globals[*global].init)),
            Job::FnThunk {
                target,
                params: ptys,
                ret,
                ..
            } => {
                // Closure code takes and returns boxed values; the instance takes flat ones.
                let mut args = Vec::new();
                for (ty, v) in ptys.iter().zip(&params[1..]) {
                    match fx.st.flat(ty) {
                        Some(tys) => {
                            for (i, fty) in tys.iter().enumerate() {
                                args.push(fx.load_slot(fty, *v, i as u32));
                            }
                        }
                        None => args.push(*v),
                    }
                }
                match fx.st.flat(ret) {
                    Some(tys) => {
                        let f = fx.func_ref(*target);
                        let call = fx.b.ins().call(f, &args);
                        let vals = fx.b.inst_results(call).to_vec();
                        Some(fx.build_object(&tys, &vals, None))
                    }
                    None => {
                        fx.tail_call_direct(*target, &args);
                        None
                    }
                }
            }
            Job::CtorThunk {
                adt, variant, ret, ..
            } => {
                let Type::Adt(_, args) = ret else {
                    panic!("internal error: constructor of a non-ADT type")
                };
                let tys = fx.st.field_tys(*adt, args, *variant);
                // The fields must survive the allocation.
                for (ty, v) in tys.iter().zip(&params[1..]) {
                    if is_heap(ty) {
                        fx.root_temp(*v);
                    }
                }
                Some(fx.build_object(&tys, &params[1..], *variant))
            }
        };
        if let Some(v) = res {
            fx.ret(v);
        }
        let Fx {
            b, n_slots, frame, ..
        } = fx;
        b.finalize(self.module.target_config());
        patch_root_frame(&mut ctx.func, &frame, n_slots);
        if opts.verify {
            let flags = self.module.isa().flags().clone();
            if let Err(errors) = cranelift_codegen::verify_function(&ctx.func, &flags) {
                return Err(format!(
                    "verifier errors in {}:\n{}\n{}",
                    self.loc_string(span),
                    errors,
                    ctx.func.display()
                ));
            }
        }
        let dump = Dump::get();
        if dump.clif {
            eprintln!(
                "; {} ({})\n{}",
                job_name(prog, &job),
                self.loc_string(span),
                ctx.func.display()
            );
        }
        // Cranelift's own work (legalisation, register allocation, emission) happens later, for
        // many functions at once and on every core (`compile_pending`).
        let header = format!("{} ({})", job_name(prog, &job), self.loc_string(span));
        let func = std::mem::replace(&mut ctx.func, ir::Function::new());
        self.pending.push((id, func, header));
        self.module.clear_context(ctx);
        if self.pending.len() >= PENDING_BATCH {
            self.compile_pending()?;
        }
        Ok(())
    }

    /// Compiles the translated functions waiting in `pending` in parallel and defines them in
    /// the module (in translation order, so the output does not depend on scheduling).
    pub fn compile_pending(&mut self) -> Result<(), String> {
        use rayon::prelude::*;
        let pending = std::mem::take(&mut self.pending);
        let asm = Dump::get().asm;
        let isa = self.module.isa();
        let compiled: Vec<Result<CompiledFn, String>> = pending
            .into_par_iter()
            .map(|(id, func, header)| {
                let mut ctx = Context::for_function(func);
                ctx.set_disasm(asm);
                let mut plane = cranelift_codegen::control::ControlPlane::default();
                if let Err(e) = ctx.compile(isa, &mut plane) {
                    return Err(format!(
                        "cannot compile {header}: {:?}\n{}",
                        e.inner,
                        e.func.display()
                    ));
                }
                let code = ctx
                    .compiled_code()
                    .expect("compiled code after a successful compile");
                let relocs = (code.buffer.relocs().iter())
                    .map(|r| cranelift_module::ModuleReloc::from_mach_reloc(r, &ctx.func, id))
                    .collect();
                Ok(CompiledFn {
                    id,
                    alignment: code.buffer.alignment as u64,
                    bytes: code.code_buffer().to_vec(),
                    relocs,
                    asm: asm.then(|| code.vcode.clone()).flatten(),
                    header,
                })
            })
            .collect();
        for c in compiled {
            let c = c?;
            if let Some(code) = &c.asm {
                eprintln!("; {}: machine code\n{code}", c.header);
            }
            self.module
                .define_function_bytes(c.id, c.alignment, &c.bytes, &c.relocs)
                .map_err(|e| format!("cannot define {}: {e:?}", c.header))?;
        }
        Ok(())
    }
}

/// Functions translated but not yet compiled by Cranelift: compiled in parallel batches of this
/// size (bounded memory, all cores busy).
const PENDING_BATCH: usize = 512;

/// One function's machine code, ready to be defined in the module.
struct CompiledFn {
    id: ClFuncId,
    alignment: u64,
    bytes: Vec<u8>,
    relocs: Vec<cranelift_module::ModuleReloc>,
    asm: Option<String>,
    header: String,
}

/// Debugging aid: `WEIR_DUMP=clif` prints the Cranelift IR of every compiled function to stderr
/// (after the root-frame patch, before Cranelift's optimisations), `WEIR_DUMP=asm` the machine
/// code Cranelift emitted (its textual "vcode", after register allocation), `WEIR_DUMP=clif,asm`
/// both. Works for `weir run` and `weir build` alike.
#[derive(Clone, Copy, Default)]
struct Dump {
    clif: bool,
    asm: bool,
}

impl Dump {
    fn get() -> Dump {
        static DUMP: std::sync::OnceLock<Dump> = std::sync::OnceLock::new();
        *DUMP.get_or_init(|| {
            let v = std::env::var("WEIR_DUMP").unwrap_or_default();
            let has = |w: &str| v.split(',').any(|p| p.trim() == w);
            Dump {
                clif: has("clif"),
                asm: has("asm"),
            }
        })
    }
}

/// What a job compiles, for [`Dump`] headers.
fn job_name(prog: &Program, job: &Job) -> String {
    match job {
        Job::Func { func, subst, .. } => {
            let name = &prog.funcs[func.0 as usize].name;
            if subst.is_empty() {
                name.to_string()
            } else {
                let args: Vec<String> = subst
                    .iter()
                    .map(|(_, ty)| {
                        crate::types::TypeDisplay {
                            ty,
                            adts: &prog.adts,
                        }
                        .to_string()
                    })
                    .collect();
                format!("{name}[{}]", args.join(", "))
            }
        }
        Job::Lambda { .. } => "lambda".to_string(),
        Job::Global { global, .. } => format!("init {}", prog.globals[*global].name),
        Job::FnThunk { .. } => "function value thunk".to_string(),
        Job::CtorThunk { .. } => "constructor thunk".to_string(),
    }
}

/// Accumulator introduction for a self-recursive integer function whose tail positions hold
/// `(+ X... (f ARGS))`: the function computes `acc + f(params)` in a loop, and such a site
/// becomes `acc += X...; params = ARGS; continue` (a jump to the loop header), so only the calls
/// inside `X` recurse on the native stack (`fib` makes half as many calls). Integer addition
/// wraps, so regrouping the sum changes no result; the evaluation order is unchanged. Every
/// return yields `acc + value` ([`Fx::ret`]); a self tail call keeps `acc`.
///
/// The frames the loop saves are still counted: a *virtual stack pointer* `vsp` (the native one
/// on entry) goes down by [`VIRTUAL_FRAME`] bytes per site iteration, and the function's stack
/// checks ([`Fx::stack_check`], and each site unless a check already passed in its block)
/// compare `vsp` with `weir_stack_limit`, i.e. the stack the recursion would have used. So
/// unbounded recursion such as `(+ 1 (down n))` still ends with `stack overflow` (§7, §11).
pub(crate) struct Accum {
    /// The `(+ ...)` expressions that are accumulation sites.
    pub sites: Vec<*const tir::TExpr>,
    /// Header parameters: the accumulated sum and the virtual stack pointer.
    pub acc: Value,
    pub vsp: Value,
}

/// Stack bytes one iteration of an accumulation site stands for (the smallest real frame: return
/// address, frame pointer and two saved registers).
pub(crate) const VIRTUAL_FRAME: i64 = 32;

/// The accumulation sites of `me`'s body (see [`Accum`]), or `None` when there are none or when
/// the body tail-calls another function (which would then have to return through `acc`).
fn accumulating_sites(body: &tir::TExpr, me: tir::FuncId) -> Option<Vec<*const tir::TExpr>> {
    use tir::{Builtin, Callee, TExprKind};
    fn walk(e: &tir::TExpr, me: tir::FuncId, sites: &mut Vec<*const tir::TExpr>, ok: &mut bool) {
        match &e.kind {
            TExprKind::Call {
                callee: Callee::Builtin(Builtin::Add),
                args,
                ..
            } if matches!(e.ty, Type::Int(_))
                && args.len() >= 2
                && matches!(&args[args.len() - 1].kind,
                    TExprKind::Call { callee: Callee::Func(g), .. } if *g == me) =>
            {
                sites.push(e as *const tir::TExpr);
            }
            TExprKind::Call {
                callee: Callee::Func(g),
                tail: true,
                ..
            } if *g != me => *ok = false,
            TExprKind::If { then, els, .. } => {
                walk(then, me, sites, ok);
                walk(els, me, sites, ok);
            }
            TExprKind::Block(items) => {
                if let Some(last) = items.last() {
                    walk(last, me, sites, ok);
                }
            }
            TExprKind::Let { body, .. } => walk(body, me, sites, ok),
            TExprKind::Match { arms, .. } => {
                for a in arms {
                    walk(&a.body, me, sites, ok);
                }
            }
            _ => {}
        }
    }
    let mut sites = Vec::new();
    let mut ok = true;
    walk(body, me, &mut sites, &mut ok);
    (ok && !sites.is_empty()).then_some(sites)
}

/// Recursive inlining: the non-tail self calls of a small, non-generic function on scalars are
/// replaced by a copy of its body, [`INLINE_DEPTH`] levels deep ([`Fx::inline_self_call`]), as C
/// compilers do. For `fib` this removes about half of the remaining calls; a call is the main
/// cost of such functions (frame set-up, saved registers, the stack check).
///
/// Eligible bodies use only scalar (integer, float, `Bool`) values, locals, literals, `let`,
/// `if`, `and`/`or`, sequencing, the arithmetic and comparison builtins and self calls, and have
/// at most [`INLINE_NODES`] nodes: nothing in them allocates, captures, returns early or calls
/// other functions, so a copy behaves exactly like the call it replaces (runtime errors carry the
/// same spans; a copy uses no stack, and the real calls inside it still check the stack). The
/// copies of one function add at most [`INLINE_BUDGET`] nodes (`tak`, with four self calls, would
/// otherwise grow sixteen-fold).
pub(crate) const INLINE_DEPTH: u32 = 2;
const INLINE_NODES: usize = 40;
const INLINE_BUDGET: usize = 160;

/// The size in nodes of `f`'s body when its self calls may be inlined (see [`INLINE_DEPTH`]).
fn inlinable(f: &tir::Func, me: tir::FuncId) -> Option<usize> {
    use tir::{Builtin as B, Callee, Lit, TExprKind as K, TPattern};
    fn scalar(t: &Type) -> bool {
        matches!(t, Type::Int(_) | Type::Float(_) | Type::Bool)
    }
    fn walk(e: &tir::TExpr, me: tir::FuncId, nodes: &mut usize) -> bool {
        *nodes += 1;
        if *nodes > INLINE_NODES || !scalar(&e.ty) {
            return false;
        }
        let all = |es: &[tir::TExpr], nodes: &mut usize| es.iter().all(|a| walk(a, me, nodes));
        match &e.kind {
            K::Lit(Lit::Int(_) | Lit::Float(_) | Lit::Bool(_)) | K::Local(_) => true,
            K::If { cond, then, els } => {
                walk(cond, me, nodes) && walk(then, me, nodes) && walk(els, me, nodes)
            }
            K::And(es) | K::Or(es) | K::Block(es) => all(es, nodes),
            K::Let { bindings, body } => {
                bindings.iter().all(|(p, v)| {
                    matches!(p, TPattern::Bind(_) | TPattern::Wildcard) && walk(v, me, nodes)
                }) && walk(body, me, nodes)
            }
            K::Call {
                callee: Callee::Func(g),
                args,
                ..
            } => *g == me && all(args, nodes),
            K::Call {
                callee: Callee::Builtin(b),
                args,
                ..
            } => {
                matches!(
                    b,
                    B::Add
                        | B::Sub
                        | B::Mul
                        | B::Div
                        | B::Mod
                        | B::Neg
                        | B::Abs
                        | B::Min
                        | B::Max
                        | B::Eq
                        | B::Ne
                        | B::Lt
                        | B::Gt
                        | B::Le
                        | B::Ge
                        | B::Not
                ) && all(args, nodes)
            }
            _ => false,
        }
    }
    let mut nodes = 0;
    let ok = f.tparams.is_empty()
        && f.params.iter().all(scalar)
        && scalar(&f.ret)
        && walk(&f.body, me, &mut nodes);
    ok.then_some(nodes)
}

fn c_param(ty: &Type) -> AbiParam {
    let p = AbiParam::new(clty(ty));
    match ty {
        Type::Int(i) if i.bits() < 32 && i.signed() => p.sext(),
        Type::Int(i) if i.bits() < 32 => p.uext(),
        Type::Bool => p.uext(),
        _ => p,
    }
}

/// The instructions that reserve and restore a function's root frame (see [`Fx::prologue`]).
#[derive(Default)]
struct RootFrame {
    /// `sp = load weir_root_top` (its result is `Fx::root_sp`).
    sp: Option<Value>,
    /// The placeholder `iconst` of the frame size.
    size: Option<Inst>,
    /// The prologue's branch to the overflow block, and its fall-through block.
    branch: Option<(Inst, Block)>,
    /// `top = sp + size` (the slot-zeroing stores go after it).
    reserve: Option<Inst>,
    /// Every other instruction of the prologue and of the restores (`top = sp` before each
    /// return and tail call), in emission order.
    other: Vec<Inst>,
}

/// Sets the root frame size and zeroes the slots once the body is translated. A function that
/// needs no slot has no root frame at all: the prologue and every restore are removed (its
/// callees leave `weir_root_top` as they found it, so there is nothing to restore).
fn patch_root_frame(func: &mut ir::Function, frame: &RootFrame, n_slots: u32) {
    let (Some(sp), Some(size), Some((branch, ok)), Some(reserve)) =
        (frame.sp, frame.size, frame.branch, frame.reserve)
    else {
        panic!("internal error: root frame without a prologue")
    };
    if n_slots == 0 {
        // The overflow block becomes unreachable (Cranelift drops it).
        func.replace(branch).jump(ok, &[]);
        func.layout.remove_inst(reserve);
        for inst in frame.other.iter().rev().chain([&size]) {
            func.layout.remove_inst(*inst);
        }
        return;
    }
    func.replace(size)
        .iconst(types::I64, i64::from(n_slots) * 8);
    let mut cur = FuncCursor::new(func).at_inst(reserve);
    cur.goto_after_inst(reserve);
    let zero = cur.ins().iconst(types::I64, 0);
    for i in 0..n_slots {
        cur.ins()
            .store(MemFlagsData::trusted(), zero, sp, (i * 8) as i32);
    }
}

/// A local's variable, Weir type and (for heap types) root slot. A local of a flat struct type
/// has one variable per field instead (`flat`; `var` is then unused) and no slot.
#[derive(Clone)]
pub(crate) struct Local {
    pub var: Variable,
    pub ty: Type,
    pub slot: Option<u32>,
    pub flat: Option<Vec<(Variable, Type)>>,
}

/// Most fields a flat struct may have (`State::flat`).
const MAX_FLAT: usize = 4;

/// Translates one function body.
pub(crate) struct Fx<'s, 'p, 'f, M: Module> {
    pub st: &'s mut State<'p, M>,
    pub b: FunctionBuilder<'f>,
    pub subst: Subst,
    pub locals: Vec<Option<Local>>,
    root_sp: Value,
    n_slots: u32,
    free_slots: Vec<u32>,
    frame: RootFrame,
    /// The block whose code runs after a successful stack check (see [`Fx::stack_check`]).
    sp_checked: Option<Block>,
    funcs: HashMap<ClFuncId, FuncRef>,
    /// The function being translated and its loop header (self tail calls jump there).
    pub self_loop: Option<(ClFuncId, Block)>,
    /// Accumulator introduction, when it applies to the function (see [`Accum`]).
    pub accum: Option<Accum>,
    /// The function returns a flat struct as one value per field (a top-level instance).
    pub flat_ret: bool,
    /// The body of the function being translated when its self calls may be inlined (see
    /// [`inlinable`]), with its parameter types and local count.
    pub inline_body: Option<(&'p tir::TExpr, &'p [Type], u32)>,
    /// Nodes that further copies may still add to the function ([`INLINE_BUDGET`]).
    pub inline_budget: usize,
    /// The size of the inlinable body in nodes.
    inline_size: usize,
    /// How many inlined copies of the body enclose the code being translated (at most
    /// [`INLINE_DEPTH`]); inside one, no call is a tail call.
    pub inline_depth: u32,
    datas: HashMap<DataId, GlobalValue>,
}

impl<'s, 'p, 'f, M: Module> Fx<'s, 'p, 'f, M> {
    fn new(
        st: &'s mut State<'p, M>,
        b: FunctionBuilder<'f>,
        subst: &Subst,
        n_locals: u32,
        span: Span,
    ) -> Self {
        let mut fx = Fx {
            st,
            b,
            subst: subst.clone(),
            locals: vec![None; n_locals as usize],
            root_sp: Value::from_u32(0),
            n_slots: 0,
            free_slots: Vec::new(),
            frame: RootFrame::default(),
            sp_checked: None,
            funcs: HashMap::new(),
            self_loop: None,
            accum: None,
            flat_ret: false,
            inline_body: None,
            inline_budget: INLINE_BUDGET,
            inline_size: 0,
            inline_depth: 0,
            datas: HashMap::new(),
        };
        fx.prologue(span);
        fx
    }

    /// The instruction that defines `v`.
    fn def(&self, v: Value) -> Inst {
        self.b.func.dfg.value_def(v).unwrap_inst()
    }

    /// Reserves the root frame: `sp = top; top = sp + size` after the limit check. The size is
    /// patched in by [`patch_root_frame`], which removes the whole frame when it is empty.
    fn prologue(&mut self, span: Span) {
        let top = self.rt_data_addr("weir_root_top");
        let sp = self
            .b
            .ins()
            .load(types::I64, MemFlagsData::trusted(), top, 0);
        let size = self.b.ins().iconst(types::I64, 0);
        let new_top = self.b.ins().iadd(sp, size);
        let limit_addr = self.rt_data_addr("weir_root_limit");
        let limit = self
            .b
            .ins()
            .load(types::I64, MemFlagsData::trusted(), limit_addr, 0);
        let over = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThan, new_top, limit);
        self.frame.other = [top, sp, new_top, limit_addr, limit, over]
            .iter()
            .map(|v| self.def(*v))
            .collect();
        self.frame.size = Some(self.def(size));
        let ok = self.b.create_block();
        let fail = self.b.create_block();
        self.b.set_cold_block(fail);
        let branch = self.b.ins().brif(over, fail, &[], ok, &[]);
        self.frame.branch = Some((branch, ok));
        self.b.switch_to_block(fail);
        self.b.seal_block(fail);
        let loc = self.loc(span);
        self.call_rt("weir_stack_overflow", &[loc]);
        self.b.ins().trap(TrapCode::STACK_OVERFLOW);
        self.b.switch_to_block(ok);
        self.b.seal_block(ok);
        self.frame.reserve = Some(self.b.ins().store(MemFlagsData::trusted(), new_top, top, 0));
        self.frame.sp = Some(sp);
        self.root_sp = sp;
    }

    pub fn ty(&self, ty: &Type) -> Type {
        if self.subst.is_empty() {
            ty.clone()
        } else {
            ty.subst(&self.subst)
        }
    }

    pub fn func_ref(&mut self, id: ClFuncId) -> FuncRef {
        if let Some(f) = self.funcs.get(&id) {
            return *f;
        }
        let f = self.st.module.declare_func_in_func(id, self.b.func);
        if self.st.rt_colocated && self.st.rt_fns.values().any(|r| *r == id) {
            self.b.func.dfg.ext_funcs[f].colocated = true;
        }
        self.funcs.insert(id, f);
        f
    }

    pub fn data_addr(&mut self, id: DataId) -> Value {
        let gv = match self.datas.get(&id) {
            Some(gv) => *gv,
            None => {
                let gv = self.st.module.declare_data_in_func(id, self.b.func);
                if self.st.rt_colocated && self.st.rt_data.values().any(|r| *r == id) {
                    if let ir::GlobalValueData::Symbol { colocated, .. } =
                        &mut self.b.func.global_values[gv]
                    {
                        *colocated = true;
                    }
                }
                self.datas.insert(id, gv);
                gv
            }
        };
        self.b.ins().symbol_value(types::I64, gv)
    }

    pub fn rt_data_addr(&mut self, name: &str) -> Value {
        let id = self.st.rt_data(name);
        self.data_addr(id)
    }

    /// Calls a runtime function; returns its result, if any.
    pub fn call_rt(&mut self, name: &str, args: &[Value]) -> Option<Value> {
        let id = self.st.rt_fn(name);
        let f = self.func_ref(id);
        let call = self.b.ins().call(f, args);
        self.b.inst_results(call).first().copied()
    }

    /// Starts a fresh block without predecessors (after a terminator in the middle of an
    /// expression).
    pub fn unreachable_block(&mut self) {
        let blk = self.b.create_block();
        self.b.switch_to_block(blk);
        self.b.seal_block(blk);
    }

    /// The address of the `PATH:LINE:COL` string of a span.
    pub fn loc(&mut self, span: Span) -> Value {
        let text = self.st.loc_string(span);
        let id = self.st.cstr(&text);
        self.data_addr(id)
    }

    fn slot(&mut self) -> u32 {
        if let Some(s) = self.free_slots.pop() {
            return s;
        }
        self.n_slots += 1;
        self.n_slots - 1
    }

    pub fn store_slot(&mut self, slot: u32, v: Value) {
        self.b
            .ins()
            .store(MemFlagsData::trusted(), v, self.root_sp, (slot * 8) as i32);
    }

    /// Keeps a heap value alive in a temporary root slot until [`Fx::release`].
    pub fn root_temp(&mut self, v: Value) -> u32 {
        let s = self.slot();
        self.store_slot(s, v);
        s
    }

    pub fn release(&mut self, slots: &[u32]) {
        self.free_slots.extend_from_slice(slots);
    }

    /// Defines (first binding or rebinding) a local of a flat struct type from its fields.
    pub fn bind_local_flat(&mut self, id: LocalId, ty: &Type, vals: &[Value]) {
        let i = id.0 as usize;
        if self.locals[i].is_none() {
            let tys = self
                .st
                .flat(ty)
                .expect("internal error: flat local of a non-flat type");
            let flat = tys
                .into_iter()
                .map(|t| (self.b.declare_var(clty(&t)), t))
                .collect();
            let var = self.b.declare_var(types::I64);
            self.locals[i] = Some(Local {
                var,
                ty: ty.clone(),
                slot: None,
                flat: Some(flat),
            });
        }
        self.assign_local_flat(id, vals);
    }

    pub fn assign_local_flat(&mut self, id: LocalId, vals: &[Value]) {
        let l = self.locals[id.0 as usize]
            .clone()
            .expect("internal error: assignment of an unbound local");
        let flat = l
            .flat
            .expect("internal error: flat assignment of a boxed local");
        for ((var, _), v) in flat.iter().zip(vals) {
            self.b.def_var(*var, *v);
        }
    }

    /// The fields of a flat local, or `None` for other locals.
    pub fn use_local_flat(&mut self, id: LocalId) -> Option<Vec<Value>> {
        let l = self.locals[id.0 as usize]
            .as_ref()
            .expect("internal error: use of an unbound local");
        let vars: Vec<Variable> = l.flat.as_ref()?.iter().map(|(v, _)| *v).collect();
        Some(vars.into_iter().map(|v| self.b.use_var(v)).collect())
    }

    /// Loads the fields of a boxed flat struct.
    pub fn unbox(&mut self, tys: &[Type], obj: Value) -> Vec<Value> {
        (tys.iter().enumerate())
            .map(|(i, t)| self.load_slot(t, obj, i as u32))
            .collect()
    }

    /// Defines (first binding or rebinding) a local.
    pub fn bind_local(&mut self, id: LocalId, ty: &Type, v: Value) {
        let i = id.0 as usize;
        if let Some(tys) = self.st.flat(ty) {
            let vals = self.unbox(&tys, v);
            return self.bind_local_flat(id, ty, &vals);
        }
        if self.locals[i].is_none() {
            let var = self.b.declare_var(clty(ty));
            let slot = if is_heap(ty) {
                let s = self.n_slots;
                self.n_slots += 1;
                Some(s)
            } else {
                None
            };
            self.locals[i] = Some(Local {
                var,
                ty: ty.clone(),
                slot,
                flat: None,
            });
        }
        self.assign_local(id, v);
    }

    pub fn assign_local(&mut self, id: LocalId, v: Value) {
        let l = self.locals[id.0 as usize]
            .clone()
            .expect("internal error: assignment of an unbound local");
        if let Some(flat) = &l.flat {
            let tys: Vec<Type> = flat.iter().map(|(_, t)| t.clone()).collect();
            let vals = self.unbox(&tys, v);
            return self.assign_local_flat(id, &vals);
        }
        self.b.def_var(l.var, v);
        if let Some(s) = l.slot {
            self.store_slot(s, v);
        }
    }

    pub fn use_local(&mut self, id: LocalId) -> (Value, Type) {
        let l = self.locals[id.0 as usize]
            .clone()
            .expect("internal error: use of an unbound local");
        if let Some(flat) = &l.flat {
            // Boxed on use in a context that needs a pointer.
            let tys: Vec<Type> = flat.iter().map(|(_, t)| t.clone()).collect();
            let vals: Vec<Value> = flat.iter().map(|(v, _)| self.b.use_var(*v)).collect();
            return (self.build_object(&tys, &vals, None), l.ty);
        }
        (self.b.use_var(l.var), l.ty)
    }

    /// Restores the caller's root top.
    pub fn restore_roots(&mut self) {
        let top = self.rt_data_addr("weir_root_top");
        let store = self
            .b
            .ins()
            .store(MemFlagsData::trusted(), self.root_sp, top, 0);
        let top = self.def(top);
        self.frame.other.extend([top, store]);
    }

    pub fn ret(&mut self, v: Value) {
        let v = match &self.accum {
            Some(a) => self.b.ins().iadd(a.acc, v),
            None => v,
        };
        self.restore_roots();
        self.b.ins().return_(&[v]);
    }

    /// Returns a flat struct's fields (`flat_ret`).
    pub fn ret_many(&mut self, vals: &[Value]) {
        self.restore_roots();
        self.b.ins().return_(vals);
    }

    /// `return_call` of a Weir function; continues in an unreachable block.
    pub fn tail_call_direct(&mut self, target: ClFuncId, args: &[Value]) {
        self.restore_roots();
        let f = self.func_ref(target);
        self.b.ins().return_call(f, args);
        self.unreachable_block();
    }

    /// Whether one more copy of the body fits ([`INLINE_DEPTH`], [`INLINE_BUDGET`]).
    pub fn can_inline(&self) -> bool {
        self.inline_body.is_some()
            && self.inline_depth < INLINE_DEPTH
            && self.inline_size <= self.inline_budget
    }

    /// A copy of the body of the function being translated in place of a call of it with
    /// `args` (see [`inlinable`]): the arguments are evaluated left to right and bound to fresh
    /// variables for the parameters, and the copy's own locals are fresh too. Inside it there is
    /// no accumulation site and no tail call.
    pub fn inline_self_call(&mut self, args: &[tir::TExpr]) -> Value {
        debug_assert!(self.can_inline());
        let (body, params, n_locals) = self
            .inline_body
            .expect("internal error: inlining a function that is not inlinable");
        self.inline_budget = self.inline_budget.saturating_sub(self.inline_size);
        let vals: Vec<Value> = args.iter().map(|a| self.expr(a)).collect();
        let locals = std::mem::replace(&mut self.locals, vec![None; n_locals as usize]);
        let accum = self.accum.take();
        self.inline_depth += 1;
        for (i, (ty, v)) in params.iter().zip(vals).enumerate() {
            self.bind_local(LocalId(i as u32), ty, v);
        }
        let v = self.expr(body);
        self.inline_depth -= 1;
        self.accum = accum;
        self.locals = locals;
        // A check of the real stack pointer inside the copy says nothing about the virtual one
        // of an accumulator loop.
        self.sp_checked = None;
        v
    }

    /// Calls `weir_stack_overflow(loc)` when the native stack is below `weir_stack_limit`.
    ///
    /// The stack pointer does not move within a function body and the limit is fixed for a run,
    /// so a check that already passed earlier in the same block makes this one redundant: it is
    /// omitted (e.g. the second call of `(+ (f a) (f b))`). In a function with an accumulator
    /// loop the virtual stack pointer is checked instead (see [`Accum`]).
    pub fn stack_check(&mut self, span: Span) {
        if self.sp_checked.is_some() && self.sp_checked == self.b.current_block() {
            return;
        }
        let sp = match &self.accum {
            Some(a) => a.vsp,
            None => self.b.ins().get_stack_pointer(types::I64),
        };
        let ok = self.check_stack_pointer(sp, span);
        self.sp_checked = Some(ok);
    }

    /// Emits `if sp < weir_stack_limit { weir_stack_overflow(loc) }` and continues in the block
    /// where the check passed, which it returns.
    pub fn check_stack_pointer(&mut self, sp: Value, span: Span) -> Block {
        let limit = self.rt_data_addr("weir_stack_limit");
        let limit = self
            .b
            .ins()
            .load(types::I64, MemFlagsData::trusted(), limit, 0);
        let low = self.b.ins().icmp(IntCC::UnsignedLessThan, sp, limit);
        let ok = self.b.create_block();
        let fail = self.b.create_block();
        self.b.set_cold_block(fail);
        self.b.ins().brif(low, fail, &[], ok, &[]);
        self.b.switch_to_block(fail);
        self.b.seal_block(fail);
        let loc = self.loc(span);
        self.call_rt("weir_stack_overflow", &[loc]);
        self.b.ins().trap(TrapCode::STACK_OVERFLOW);
        self.b.switch_to_block(ok);
        self.b.seal_block(ok);
        ok
    }

    /// The block in which the last stack check passed (see [`Fx::stack_check`]).
    pub fn sp_checked(&self) -> Option<Block> {
        self.sp_checked
    }

    /// Loads payload slot `i` of an object.
    pub fn load_slot(&mut self, ty: &Type, obj: Value, i: u32) -> Value {
        self.b
            .ins()
            .load(clty(ty), MemFlagsData::trusted(), obj, (16 + 8 * i) as i32)
    }

    pub fn store_obj_slot(&mut self, obj: Value, i: u32, v: Value) {
        self.b
            .ins()
            .store(MemFlagsData::trusted(), v, obj, (16 + 8 * i) as i32);
    }

    /// `Header::aux` as an I32.
    pub fn load_aux(&mut self, obj: Value) -> Value {
        self.b
            .ins()
            .load(types::I32, MemFlagsData::trusted(), obj, 12)
    }

    /// Allocates a fixed object for fields of the given types and stores `vals` (which must be
    /// rooted by the caller if they are heap pointers).
    pub fn build_object(&mut self, tys: &[Type], vals: &[Value], variant: Option<u32>) -> Value {
        let mask: Vec<bool> = tys.iter().map(is_heap).collect();
        let shape = self.st.shape(&mask);
        let shape = self.data_addr(shape);
        let obj = self.call_rt("weir_alloc_fixed", &[shape]).unwrap();
        if let Some(v) = variant {
            let tag = self.b.ins().iconst(types::I32, i64::from(v));
            self.b.ins().store(MemFlagsData::trusted(), tag, obj, 12);
        }
        for (i, v) in vals.iter().enumerate() {
            self.store_obj_slot(obj, i as u32, *v);
        }
        obj
    }

    /// Widens a value to the 64 "bits" the runtime takes (layout.rs).
    pub fn bits_of(&mut self, v: Value, ty: &Type) -> Value {
        match ty {
            Type::Int(IntTy::I64 | IntTy::U64) => v,
            Type::Int(i) if i.signed() => self.b.ins().sextend(types::I64, v),
            Type::Int(_) | Type::Bool | Type::Unit => self.b.ins().uextend(types::I64, v),
            Type::Float(FloatTy::F64) => self.b.ins().bitcast(types::I64, MemFlagsData::new(), v),
            Type::Float(FloatTy::F32) => {
                let w = self.b.ins().bitcast(types::I32, MemFlagsData::new(), v);
                self.b.ins().uextend(types::I64, w)
            }
            _ => v,
        }
    }

    pub fn iconst(&mut self, ty: types::Type, v: i64) -> Value {
        let bits = ty.bits();
        let v = if bits < 64 {
            v & ((1i64 << bits) - 1)
        } else {
            v
        };
        self.b.ins().iconst(ty, v)
    }

    pub fn unit(&mut self) -> Value {
        self.b.ins().iconst(types::I8, 0)
    }

    /// A merge block with one parameter of the given machine type.
    pub fn merge_block(&mut self, ty: &Type) -> (Block, Value) {
        let blk = self.b.create_block();
        let v = self.b.append_block_param(blk, clty(ty));
        (blk, v)
    }
}
