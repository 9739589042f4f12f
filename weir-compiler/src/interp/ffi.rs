//! `extern "C"` calls through libffi (language.md §13).
//!
//! Invariants:
//! - [`link`] runs before any user code: it makes libm's symbols global, loads the `--load`
//!   libraries and resolves every extern of the program (an unresolvable one is a
//!   [`RunError::Link`]).
//! - String arguments are NUL-terminated copies (cut at the first NUL) that live until the call
//!   returns; String results are copied; a NULL String result is the runtime error
//!   `null string from C`.
//! - Bool crosses as `_Bool` (`u8` 0/1), `Ptr` as `void *`, a Unit result as `void`.

use std::ffi::{c_char, c_void, CStr, CString};
use std::rc::Rc;

use libffi::middle::{arg, Arg, Cif, CodePtr, Type as FfiType};

use super::value::Value;
use super::{Config, Interp, Res, RunError};
use crate::span::Span;
use crate::tir::{ExternDecl, ExternId, Program, TExpr};
use crate::types::{FloatTy, IntTy, Type};

/// A resolved extern: its call interface and address.
pub(crate) struct Linked {
    cif: Cif,
    code: CodePtr,
}

fn ffi_type(ty: &Type) -> FfiType {
    match ty {
        Type::Int(IntTy::I8) => FfiType::i8(),
        Type::Int(IntTy::I16) => FfiType::i16(),
        Type::Int(IntTy::I32) => FfiType::i32(),
        Type::Int(IntTy::I64) => FfiType::i64(),
        Type::Int(IntTy::U8) => FfiType::u8(),
        Type::Int(IntTy::U16) => FfiType::u16(),
        Type::Int(IntTy::U32) => FfiType::u32(),
        Type::Int(IntTy::U64) => FfiType::u64(),
        Type::Float(FloatTy::F32) => FfiType::f32(),
        Type::Float(FloatTy::F64) => FfiType::f64(),
        Type::Bool => FfiType::u8(),
        Type::Str | Type::Ptr => FfiType::pointer(),
        Type::Unit => FfiType::void(),
        _ => unreachable!("internal error: type {ty:?} in an extern signature"),
    }
}

fn dl_error() -> String {
    // SAFETY: dlerror returns NULL or a NUL-terminated message.
    unsafe {
        let e = libc::dlerror();
        if e.is_null() {
            "unknown error".to_string()
        } else {
            CStr::from_ptr(e).to_string_lossy().into_owned()
        }
    }
}

/// Loads libraries and resolves every extern of `prog`.
pub(crate) fn link(prog: &Program, config: &Config) -> Result<Vec<Linked>, RunError> {
    // SAFETY: dlopen/dlsym with valid NUL-terminated names; handles are kept open for the life of
    // the process.
    unsafe {
        for lib in ["libm.so.6", "libm.so"] {
            let name = CString::new(lib).expect("no NUL");
            if !libc::dlopen(name.as_ptr(), libc::RTLD_NOW | libc::RTLD_GLOBAL).is_null() {
                break;
            }
        }
        for path in &config.load {
            use std::os::unix::ffi::OsStrExt;
            let Ok(name) = CString::new(path.as_os_str().as_bytes()) else {
                return Err(RunError::Link {
                    message: format!("cannot load library `{}`", path.display()),
                    span: None,
                });
            };
            if libc::dlopen(name.as_ptr(), libc::RTLD_NOW | libc::RTLD_GLOBAL).is_null() {
                return Err(RunError::Link {
                    message: format!("cannot load library `{}`: {}", path.display(), dl_error()),
                    span: None,
                });
            }
        }
        let mut out = Vec::with_capacity(prog.externs.len());
        for decl in &prog.externs {
            let addr = CString::new(decl.name.as_bytes())
                .ok()
                .map(|name| libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()))
                .unwrap_or(std::ptr::null_mut());
            if addr.is_null() {
                return Err(RunError::Link {
                    message: format!("cannot resolve extern \"C\" symbol `{}`", decl.name),
                    span: Some(decl.span),
                });
            }
            let cif = Cif::new(decl.params.iter().map(ffi_type), ffi_type(&decl.ret));
            out.push(Linked {
                cif,
                code: CodePtr::from_ptr(addr as *const c_void),
            });
        }
        Ok(out)
    }
}

/// One argument converted to its C representation.
enum CArg {
    I8(i8),
    I16(i16),
    I32(i32),
    I64(i64),
    U8(u8),
    U16(u16),
    U32(u32),
    U64(u64),
    F32(f32),
    F64(f64),
    Ptr(*const c_void),
}

impl CArg {
    fn as_arg(&self) -> Arg<'_> {
        match self {
            CArg::I8(x) => arg(x),
            CArg::I16(x) => arg(x),
            CArg::I32(x) => arg(x),
            CArg::I64(x) => arg(x),
            CArg::U8(x) => arg(x),
            CArg::U16(x) => arg(x),
            CArg::U32(x) => arg(x),
            CArg::U64(x) => arg(x),
            CArg::F32(x) => arg(x),
            CArg::F64(x) => arg(x),
            CArg::Ptr(x) => arg(x),
        }
    }
}

impl Interp<'_, '_> {
    pub(crate) fn call_extern(&mut self, x: ExternId, args: &[TExpr], span: Span) -> Res {
        let prog = self.prog;
        let decl: &ExternDecl = &prog.externs[x.0 as usize];
        let mut strings: Vec<CString> = Vec::new();
        let mut cargs: Vec<CArg> = Vec::with_capacity(args.len());
        for a in args {
            let v = self.eval(a)?;
            cargs.push(match v {
                Value::I8(n) => CArg::I8(n),
                Value::I16(n) => CArg::I16(n),
                Value::I32(n) => CArg::I32(n),
                Value::I64(n) => CArg::I64(n),
                Value::U8(n) => CArg::U8(n),
                Value::U16(n) => CArg::U16(n),
                Value::U32(n) => CArg::U32(n),
                Value::U64(n) => CArg::U64(n),
                Value::F32(n) => CArg::F32(n),
                Value::F64(n) => CArg::F64(n),
                Value::Bool(b) => CArg::U8(b as u8),
                Value::Ptr(p) => CArg::Ptr(p as *const c_void),
                Value::Str(s) => {
                    let cut = s.iter().position(|&c| c == 0).unwrap_or(s.len());
                    let c = CString::new(&s[..cut]).expect("cut at the first NUL");
                    // The CString's heap buffer does not move when the Vec grows.
                    let p = c.as_ptr() as *const c_void;
                    strings.push(c);
                    CArg::Ptr(p)
                }
                v => unreachable!("internal error: extern argument {v:?}"),
            });
        }
        // C code may write to the same file descriptor; keep the order sensible.
        if !self.out.is_empty() {
            self.flush();
        }
        let ffi_args: Vec<Arg> = cargs.iter().map(CArg::as_arg).collect();
        let linked = &self.externs[x.0 as usize];
        let (cif, code) = (&linked.cif, CodePtr(linked.code.0));
        // SAFETY: the Cif matches the declared C signature (the user's responsibility, §13); the
        // arguments and string copies outlive the call.
        let res = unsafe {
            match &decl.ret {
                Type::Int(IntTy::I8) => Value::I8(cif.call(code, &ffi_args)),
                Type::Int(IntTy::I16) => Value::I16(cif.call(code, &ffi_args)),
                Type::Int(IntTy::I32) => Value::I32(cif.call(code, &ffi_args)),
                Type::Int(IntTy::I64) => Value::I64(cif.call(code, &ffi_args)),
                Type::Int(IntTy::U8) => Value::U8(cif.call(code, &ffi_args)),
                Type::Int(IntTy::U16) => Value::U16(cif.call(code, &ffi_args)),
                Type::Int(IntTy::U32) => Value::U32(cif.call(code, &ffi_args)),
                Type::Int(IntTy::U64) => Value::U64(cif.call(code, &ffi_args)),
                Type::Float(FloatTy::F32) => Value::F32(cif.call(code, &ffi_args)),
                Type::Float(FloatTy::F64) => Value::F64(cif.call(code, &ffi_args)),
                Type::Bool => Value::Bool(cif.call::<u8>(code, &ffi_args) != 0),
                Type::Ptr => Value::Ptr(cif.call::<*mut c_void>(code, &ffi_args) as usize),
                Type::Unit => {
                    cif.call::<()>(code, &ffi_args);
                    Value::Unit
                }
                Type::Str => {
                    let p: *const c_char = cif.call(code, &ffi_args);
                    if p.is_null() {
                        return Err(self.fail("null string from C", span));
                    }
                    Value::Str(Rc::new(CStr::from_ptr(p).to_bytes().to_vec()))
                }
                ty => unreachable!("internal error: extern result type {ty:?}"),
            }
        };
        drop(ffi_args);
        drop(strings);
        Ok(res)
    }
}
