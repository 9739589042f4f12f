//! Static data emitted by codegen (layout.rs): string literals as static string objects, nullary
//! constructors as static objects, shapes, type descriptors, NUL-terminated location and name
//! strings, and static closures of top-level functions and constructors.
//!
//! Invariants:
//! - Every static object has `GC_STATIC` set and contains no heap pointers (closure slot 0 is a
//!   code pointer, which the collector never traces).
//! - Everything is deduplicated by content (strings, shapes) or by key (descriptors by concrete
//!   type, nullary constructors by variant, closures by code). A descriptor is registered before
//!   its children are built, so recursive types refer to themselves.

use std::collections::HashMap;

use cranelift_module::{DataDescription, DataId, FuncId as ClFuncId, Module};
use weir_runtime::layout::{
    GC_STATIC, SHAPE_FIXED, SHAPE_STRING, T_BOOL, T_F32, T_F64, T_FN, T_I16, T_I32, T_I64, T_I8,
    T_PTR, T_STR, T_STRUCT, T_SUM, T_U16, T_U32, T_U64, T_U8, T_UNIT, T_VARIANT, T_VECTOR,
};

use super::translate::{Job, State};
use crate::types::{AdtId, AdtKind, FloatTy, IntTy, Type};

/// Caches of emitted static data.
#[derive(Default)]
pub(crate) struct Statics {
    strings: HashMap<Vec<u8>, DataId>,
    cstrings: HashMap<String, DataId>,
    shapes: HashMap<Vec<bool>, DataId>,
    string_shape: Option<DataId>,
    nullary: HashMap<(AdtId, u32), DataId>,
    descs: HashMap<Type, DataId>,
    fn_closures: HashMap<ClFuncId, DataId>,
    ctor_closures: HashMap<(AdtId, Option<u32>, Type), DataId>,
}

/// Bytes plus relocations of one data object under construction.
struct Blob {
    bytes: Vec<u8>,
    data_relocs: Vec<(u32, DataId)>,
    func_relocs: Vec<(u32, ClFuncId)>,
}

impl Blob {
    fn new() -> Blob {
        Blob {
            bytes: Vec::new(),
            data_relocs: Vec::new(),
            func_relocs: Vec::new(),
        }
    }

    fn u32(&mut self, v: u32) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }

    fn u64(&mut self, v: u64) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }

    /// A pointer to another data object (null for `None`).
    fn ptr(&mut self, target: Option<DataId>) {
        if let Some(t) = target {
            self.data_relocs.push((self.bytes.len() as u32, t));
        }
        self.u64(0);
    }

    fn func(&mut self, f: ClFuncId) {
        self.func_relocs.push((self.bytes.len() as u32, f));
        self.u64(0);
    }

    /// A static object header.
    fn header(&mut self, shape: DataId, aux: u32) {
        self.ptr(Some(shape));
        self.u32(GC_STATIC);
        self.u32(aux);
    }

    fn pad8(&mut self) {
        while !self.bytes.len().is_multiple_of(8) {
            self.bytes.push(0);
        }
    }
}

impl<M: Module> State<'_, M> {
    fn new_data(&mut self) -> DataId {
        self.module
            .declare_anonymous_data(true, false)
            .expect("declare data")
    }

    fn define_blob(&mut self, id: DataId, blob: Blob) {
        let mut desc = DataDescription::new();
        desc.define(blob.bytes.into_boxed_slice());
        desc.set_align(8);
        for (off, d) in blob.data_relocs {
            let gv = self.module.declare_data_in_data(d, &mut desc);
            desc.write_data_addr(off, gv, 0);
        }
        for (off, f) in blob.func_relocs {
            let fr = self.module.declare_func_in_data(f, &mut desc);
            desc.write_function_addr(off, fr);
        }
        self.module.define_data(id, &desc).expect("define data");
    }

    fn blob_data(&mut self, blob: Blob) -> DataId {
        let id = self.new_data();
        self.define_blob(id, blob);
        id
    }

    /// A NUL-terminated C string.
    pub fn cstr(&mut self, s: &str) -> DataId {
        if let Some(id) = self.statics.cstrings.get(s) {
            return *id;
        }
        let mut blob = Blob::new();
        blob.bytes.extend_from_slice(s.as_bytes());
        blob.bytes.push(0);
        let id = self.blob_data(blob);
        self.statics.cstrings.insert(s.to_string(), id);
        id
    }

    fn string_shape(&mut self) -> DataId {
        if let Some(id) = self.statics.string_shape {
            return id;
        }
        let mut blob = Blob::new();
        blob.u32(SHAPE_STRING);
        blob.u32(0);
        blob.ptr(None);
        let id = self.blob_data(blob);
        self.statics.string_shape = Some(id);
        id
    }

    /// A static string object.
    pub fn str_lit(&mut self, bytes: &[u8]) -> DataId {
        if let Some(id) = self.statics.strings.get(bytes) {
            return *id;
        }
        let shape = self.string_shape();
        let mut blob = Blob::new();
        blob.header(shape, bytes.len() as u32);
        blob.bytes.extend_from_slice(bytes);
        blob.pad8();
        let id = self.blob_data(blob);
        self.statics.strings.insert(bytes.to_vec(), id);
        id
    }

    /// A `SHAPE_FIXED` shape whose slot `i` holds a heap pointer iff `mask[i]`.
    pub fn shape(&mut self, mask: &[bool]) -> DataId {
        if let Some(id) = self.statics.shapes.get(mask) {
            return *id;
        }
        let words = if mask.iter().any(|m| *m) {
            let mut words = vec![0u64; mask.len().div_ceil(64)];
            for (i, m) in mask.iter().enumerate() {
                if *m {
                    words[i / 64] |= 1 << (i % 64);
                }
            }
            let mut blob = Blob::new();
            for w in words {
                blob.u64(w);
            }
            Some(self.blob_data(blob))
        } else {
            None
        };
        let mut blob = Blob::new();
        blob.u32(SHAPE_FIXED);
        blob.u32(mask.len() as u32);
        blob.ptr(words);
        let id = self.blob_data(blob);
        self.statics.shapes.insert(mask.to_vec(), id);
        id
    }

    /// The static object of a nullary constructor.
    pub fn nullary(&mut self, adt: AdtId, variant: u32) -> DataId {
        if let Some(id) = self.statics.nullary.get(&(adt, variant)) {
            return *id;
        }
        let shape = self.shape(&[]);
        let mut blob = Blob::new();
        blob.header(shape, variant);
        let id = self.blob_data(blob);
        self.statics.nullary.insert((adt, variant), id);
        id
    }

    /// A static closure whose code is `code`.
    fn static_closure(&mut self, code: ClFuncId) -> DataId {
        let shape = self.shape(&[false]);
        let mut blob = Blob::new();
        blob.header(shape, 0);
        blob.func(code);
        self.blob_data(blob)
    }

    /// The static closure of a top-level function instance.
    pub fn fn_closure(&mut self, target: ClFuncId, params: Vec<Type>, ret: Type) -> DataId {
        if let Some(id) = self.statics.fn_closures.get(&target) {
            return *id;
        }
        let sig = self.weir_sig(&params, &ret, true);
        let thunk = self.declare_fn("thunk", &sig);
        self.queue.push_back(Job::FnThunk {
            id: thunk,
            target,
            params,
            ret,
        });
        let id = self.static_closure(thunk);
        self.statics.fn_closures.insert(target, id);
        id
    }

    /// The static closure of a constructor used as a value, for its concrete function type.
    pub fn ctor_closure(&mut self, adt: AdtId, variant: Option<u32>, fn_ty: &Type) -> DataId {
        let key = (adt, variant, fn_ty.clone());
        if let Some(id) = self.statics.ctor_closures.get(&key) {
            return *id;
        }
        let Type::Fn(params, ret) = fn_ty else {
            panic!("internal error: constructor value of type {fn_ty:?}")
        };
        let sig = self.weir_sig(params, ret, true);
        let thunk = self.declare_fn("ctor", &sig);
        self.queue.push_back(Job::CtorThunk {
            id: thunk,
            adt,
            variant,
            params: params.clone(),
            ret: (**ret).clone(),
        });
        let id = self.static_closure(thunk);
        self.statics.ctor_closures.insert(key, id);
        id
    }

    fn ptr_array(&mut self, items: &[DataId]) -> Option<DataId> {
        if items.is_empty() {
            return None;
        }
        let mut blob = Blob::new();
        for i in items {
            blob.ptr(Some(*i));
        }
        Some(self.blob_data(blob))
    }

    /// The type descriptor of a concrete type.
    pub fn desc(&mut self, ty: &Type) -> DataId {
        if let Some(id) = self.statics.descs.get(ty) {
            return *id;
        }
        let id = self.new_data();
        self.statics.descs.insert(ty.clone(), id);
        let simple = |kind: u32| {
            let mut blob = Blob::new();
            blob.u32(kind);
            blob.u32(0);
            blob.ptr(None);
            blob.ptr(None);
            blob.ptr(None);
            blob
        };
        let blob = match ty {
            Type::Int(i) => simple(match i {
                IntTy::I8 => T_I8,
                IntTy::I16 => T_I16,
                IntTy::I32 => T_I32,
                IntTy::I64 => T_I64,
                IntTy::U8 => T_U8,
                IntTy::U16 => T_U16,
                IntTy::U32 => T_U32,
                IntTy::U64 => T_U64,
            }),
            Type::Float(FloatTy::F32) => simple(T_F32),
            Type::Float(FloatTy::F64) => simple(T_F64),
            Type::Bool => simple(T_BOOL),
            Type::Unit => simple(T_UNIT),
            Type::Str => simple(T_STR),
            Type::Ptr => simple(T_PTR),
            Type::Fn(..) => simple(T_FN),
            Type::Vector(elem) => {
                let child = self.desc(elem);
                let children = self.ptr_array(&[child]);
                let mut blob = Blob::new();
                blob.u32(T_VECTOR);
                blob.u32(1);
                blob.ptr(None);
                blob.ptr(None);
                blob.ptr(children);
                blob
            }
            Type::Adt(adt, args) => self.adt_desc(*adt, args),
            Type::Param(_) | Type::Var(_) => panic!("internal error: descriptor of {ty:?}"),
        };
        self.define_blob(id, blob);
        id
    }

    fn adt_desc(&mut self, adt: AdtId, args: &[Type]) -> Blob {
        let def = &self.prog.adts[adt.0 as usize];
        let name = self.cstr(&def.name.clone());
        let mut blob = Blob::new();
        match &def.kind {
            AdtKind::Struct { fields } => {
                let field_names: Vec<String> = fields.iter().map(|f| f.name.clone()).collect();
                let tys = self.field_tys(adt, args, None);
                let children: Vec<DataId> = tys.iter().map(|t| self.desc(t)).collect();
                let names: Vec<DataId> = field_names.iter().map(|n| self.cstr(n)).collect();
                let names = self.ptr_array(&names);
                let children = self.ptr_array(&children);
                blob.u32(T_STRUCT);
                blob.u32(field_names.len() as u32);
                blob.ptr(Some(name));
                blob.ptr(names);
                blob.ptr(children);
            }
            AdtKind::Sum { variants } => {
                let vnames: Vec<String> = variants.iter().map(|v| v.name.clone()).collect();
                let mut vdescs = Vec::new();
                for (v, vname) in vnames.iter().enumerate() {
                    let tys = self.field_tys(adt, args, Some(v as u32));
                    let children: Vec<DataId> = tys.iter().map(|t| self.desc(t)).collect();
                    let children = self.ptr_array(&children);
                    let vname = self.cstr(vname);
                    let mut vb = Blob::new();
                    vb.u32(T_VARIANT);
                    vb.u32(tys.len() as u32);
                    vb.ptr(Some(vname));
                    vb.ptr(None);
                    vb.ptr(children);
                    vdescs.push(self.blob_data(vb));
                }
                let children = self.ptr_array(&vdescs);
                blob.u32(T_SUM);
                blob.u32(vnames.len() as u32);
                blob.ptr(Some(name));
                blob.ptr(None);
                blob.ptr(children);
            }
        }
        blob
    }
}
