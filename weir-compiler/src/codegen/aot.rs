//! The AOT backend (`weir build`): `cranelift-object` over the shared translator. The object
//! defines the C `main`, which calls `weir_rt_main(argc, argv, entry)`; the CLI links it with the
//! runtime static library.

use cranelift_module::default_libcall_names;
use cranelift_object::{ObjectBuilder, ObjectModule};

use super::jit::native_isa;
use super::translate::{compile_program, define_c_main};
use super::{CodegenError, Options};
use crate::span::SourceMap;
use crate::tir::Program;

pub(crate) fn compile_object(
    program: &Program,
    sources: &SourceMap,
    opts: &Options,
) -> Result<Vec<u8>, CodegenError> {
    let isa = native_isa(opts, true)?;
    let builder = ObjectBuilder::new(isa, "weir_program", default_libcall_names())
        .map_err(|e| e.to_string())?;
    let module = ObjectModule::new(builder);
    let compiled = compile_program(module, program, sources, opts, true, None)?;
    let mut module = compiled.module;
    let entry = compiled.entry.expect("a whole program has an entry");
    define_c_main(&mut module, entry)?;
    Ok(module.finish().emit().map_err(|e| e.to_string())?)
}

pub(crate) fn compile_unit_object(
    program: &Program,
    sources: &SourceMap,
    opts: &Options,
    unit: &super::Unit,
) -> Result<Vec<u8>, CodegenError> {
    let isa = native_isa(opts, true)?;
    let builder =
        ObjectBuilder::new(isa, "weir_unit", default_libcall_names()).map_err(|e| e.to_string())?;
    let module = ObjectModule::new(builder);
    let compiled = compile_program(module, program, sources, opts, true, Some(unit))?;
    let mut module = compiled.module;
    if let Some(entry) = compiled.entry {
        define_c_main(&mut module, entry)?;
    }
    Ok(module.finish().emit().map_err(|e| e.to_string())?)
}
