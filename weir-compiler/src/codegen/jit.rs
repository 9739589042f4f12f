//! The JIT backend (`weir run`): `cranelift-jit` over the shared translator.
//!
//! Invariants:
//! - Every C symbol (externs, libm) is resolved with `dlsym` after loading libm and the
//!   `config.load` libraries (`RTLD_NOW | RTLD_GLOBAL`); an unresolvable one is a
//!   [`RunError::Link`] before anything runs. Runtime symbols come from
//!   `weir_runtime::abi::symbols()`.
//! - The compiled code stays mapped until the process ends (the module is leaked): the runtime may
//!   end the process from inside it (`exit`, runtime errors).

use std::ffi::{CStr, CString};

use cranelift_codegen::settings::{self, Configurable};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::default_libcall_names;

use super::translate::{compile_program, LIBM};
use super::{CodegenError, Options};
use crate::interp::{Config, RunError};
use crate::span::SourceMap;
use crate::tir::Program;

type Isa = std::sync::Arc<dyn cranelift_codegen::isa::TargetIsa>;

/// The native ISA with weir's flags (`is_pic` for object files), built once per process and
/// set of options (a package build makes one object per module).
pub(crate) fn native_isa(opts: &Options, pic: bool) -> Result<Isa, String> {
    type Cache = std::sync::Mutex<Vec<((bool, bool, bool), Isa)>>;
    static CACHE: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
    let key = (opts.opt_speed, opts.verify, pic);
    let cache = CACHE.get_or_init(Default::default);
    if let Some((_, isa)) = (cache.lock().expect("isa cache").iter()).find(|(k, _)| *k == key) {
        return Ok(isa.clone());
    }
    let isa = build_isa(opts, pic)?;
    cache.lock().expect("isa cache").push((key, isa.clone()));
    Ok(isa)
}

fn build_isa(opts: &Options, pic: bool) -> Result<Isa, String> {
    let mut flags = settings::builder();
    let set = |f: &mut settings::Builder, k: &str, v: &str| {
        f.set(k, v).map_err(|e| format!("cranelift flag {k}: {e}"))
    };
    set(
        &mut flags,
        "opt_level",
        if opts.opt_speed { "speed" } else { "none" },
    )?;
    set(&mut flags, "is_pic", if pic { "true" } else { "false" })?;
    set(&mut flags, "preserve_frame_pointers", "true")?;
    // Without `--release`, compile fast (like a debug build): Cranelift's single-pass register
    // allocator takes about a quarter less time than the backtracking one, for slower code.
    if !opts.opt_speed {
        set(&mut flags, "regalloc_algorithm", "single_pass")?;
    }
    // Cranelift verifies every function by default; that is for tests (`opts.verify`).
    set(
        &mut flags,
        "enable_verifier",
        if opts.verify { "true" } else { "false" },
    )?;
    let isa_builder = cranelift_native::builder().map_err(|e| e.to_string())?;
    isa_builder
        .finish(settings::Flags::new(flags))
        .map_err(|e| e.to_string())
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

fn link_error(message: String, span: Option<crate::span::Span>) -> RunError {
    RunError::Link { message, span }
}

/// Loads libm and the `--load` libraries, then resolves every C symbol the program may call.
fn resolve_symbols(
    program: &Program,
    config: &Config,
) -> Result<Vec<(String, *const u8)>, RunError> {
    // SAFETY: dlopen/dlsym with valid NUL-terminated names; handles stay open for the process.
    unsafe {
        for lib in ["libm.so.6", "libm.so"] {
            let name = CString::new(lib).expect("no NUL");
            if !libc::dlopen(name.as_ptr(), libc::RTLD_NOW | libc::RTLD_GLOBAL).is_null() {
                break;
            }
        }
        for path in &config.load {
            use std::os::unix::ffi::OsStrExt;
            let name = CString::new(path.as_os_str().as_bytes()).map_err(|_| {
                link_error(format!("cannot load library `{}`", path.display()), None)
            })?;
            if libc::dlopen(name.as_ptr(), libc::RTLD_NOW | libc::RTLD_GLOBAL).is_null() {
                return Err(link_error(
                    format!("cannot load library `{}`: {}", path.display(), dl_error()),
                    None,
                ));
            }
        }
        let mut out = Vec::new();
        let names = program
            .externs
            .iter()
            .map(|x| (x.name.as_str(), Some(x.span)))
            .chain(LIBM.iter().map(|n| (*n, None)));
        for (name, span) in names {
            let c = CString::new(name)
                .map_err(|_| link_error(format!("cannot resolve C symbol `{name}`"), span))?;
            let addr = libc::dlsym(libc::RTLD_DEFAULT, c.as_ptr());
            if addr.is_null() {
                return Err(link_error(
                    format!("cannot resolve C symbol `{name}`"),
                    span,
                ));
            }
            out.push((name.to_string(), addr as *const u8));
        }
        Ok(out)
    }
}

/// Compiles the program in memory and returns the entry function (for tests: `None` means the
/// translation failed with the message).
pub(crate) fn compile_jit(
    program: &Program,
    sources: &SourceMap,
    opts: &Options,
    c_symbols: &[(String, *const u8)],
) -> Result<(JITModule, extern "C" fn() -> i32), CodegenError> {
    let isa = native_isa(opts, false)?;
    let mut builder = JITBuilder::with_isa(isa, default_libcall_names());
    for (name, addr) in weir_runtime::abi::symbols() {
        builder.symbol(name, addr);
    }
    for (name, addr) in c_symbols {
        builder.symbol(name.clone(), *addr);
    }
    let module = JITModule::new(builder);
    let compiled = compile_program(module, program, sources, opts, false, None)?;
    let mut module = compiled.module;
    module
        .finalize_definitions()
        .map_err(|e| format!("JIT finalisation failed: {e}"))?;
    let code = module.get_finalized_function(compiled.entry.expect("a whole program has an entry"));
    // SAFETY: the entry function was compiled with the C convention and signature `() -> i32`.
    let entry = unsafe { std::mem::transmute::<*const u8, extern "C" fn() -> i32>(code) };
    Ok((module, entry))
}

pub(crate) fn run_jit(
    program: &Program,
    sources: &SourceMap,
    opts: &Options,
    config: &Config,
) -> Result<i32, RunError> {
    let c_symbols = resolve_symbols(program, config)?;
    let (module, entry) = match compile_jit(program, sources, opts, &c_symbols) {
        Ok(compiled) => compiled,
        Err(CodegenError::Unsupported { message, span }) => {
            return Err(link_error(message, Some(span)))
        }
        Err(CodegenError::Internal(e)) => panic!("internal error: JIT compilation failed: {e}"),
    };
    let status = weir_runtime::run_entry(entry, config.args.clone());
    std::mem::forget(module);
    Ok(status)
}
