//! `weir build FILE [-o OUT] [--release] [-l LIB]... [--cc-arg ARG]...`: check the program,
//! compile it to an object file with Cranelift and link it with `cc` into an executable.
//!
//! The object and the embedded runtime library ([`crate::runtime_lib::RUNTIME_LIB`]) are written
//! to a fresh temporary folder, removed afterwards; the link line is `cc OBJECT RUNTIME -l LIB...
//! CC-ARGS... SYSTEM-LIBS -o OUT`. The default output is the file stem in the current folder.
//! Nothing is written to stdout.

use std::path::{Path, PathBuf};
use std::process::Command;

use weir_compiler::codegen::{self, Options};

use super::check::front_end;
use super::{on_big_stack, Input, FAILURE};
use crate::package;
use crate::runtime_lib::{RUNTIME_LIB, RUNTIME_LINK_LIBS};
use crate::shell::Shell;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The source file (default: the package around the current folder, see `weir.pkg`).
    pub file: Option<PathBuf>,
    /// The executable to write (default: the file's stem in the current folder; for a package,
    /// `target/debug/NAME` or `target/release/NAME`).
    #[arg(short = 'o', value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Optimise the generated code (Cranelift `opt_level=speed`).
    #[arg(long)]
    pub release: bool,
    /// A C library to link (`-l LIB`, repeatable).
    #[arg(short = 'l', value_name = "LIB")]
    pub libs: Vec<String>,
    /// An extra argument for the `cc` link step (repeatable).
    #[arg(long = "cc-arg", value_name = "ARG", allow_hyphen_values = true)]
    pub cc_args: Vec<String>,
}

pub fn run(shell: Shell, args: Args) -> i32 {
    on_big_stack(move || {
        let Some(file) = args.file.clone() else {
            return build_package(&shell, &args);
        };
        let input = match Input::load(&shell, &file) {
            Ok(input) => input,
            Err(code) => return code,
        };
        let program = match front_end(&shell, &input) {
            Ok(program) => program,
            Err(code) => return code,
        };
        let output = args.output.clone().unwrap_or_else(|| {
            PathBuf::from(
                file.file_stem()
                    .map(|s| s.to_os_string())
                    .unwrap_or_else(|| "a.out".into()),
            )
        });
        let libs: Vec<String> = args.libs.clone();
        compile_and_link(
            &shell,
            &program,
            &input.sources,
            input.file,
            &output,
            &args,
            &[],
            &libs,
        )
    })
}

/// `weir build` in a package: nothing to do when the fingerprint says the executable is fresh;
/// otherwise check (with the cache), link, generate code, compile the native C code and link
/// everything into `target/PROFILE/NAME` (or `-o`).
fn build_package(shell: &Shell, args: &Args) -> i32 {
    let mut timings = package::Timings::new();
    let (project, lock) = match package::open(shell, &mut timings) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let root = project.graph.package(project.graph.root).manifest.clone();
    if project.main_module.is_none() {
        // A library: checking it and compiling its C code is the whole build.
        let compiled = match package::check(shell, project, lock, false, &mut timings) {
            Ok(c) => c,
            Err(code) => return code,
        };
        let profile = if args.release {
            weir_pkg::native::Profile::Release
        } else {
            weir_pkg::native::Profile::Debug
        };
        if let Err(code) = package::native(shell, &compiled.project, profile, &mut timings) {
            return code;
        }
        package::finished(shell, &format!("library `{}`", root.name), &timings);
        return 0;
    }
    let dir = package::profile_dir(&project, args.release);
    let output = args.output.clone().unwrap_or_else(|| dir.join(&root.name));
    let fingerprint = dir.join(format!(".{}.fingerprint", root.name));
    let options = format!(
        "release={} libs={:?} cc-args={:?} out={}",
        args.release,
        args.libs,
        args.cc_args,
        output.display()
    );
    let fresh = timings.time("fingerprint", || {
        weir_pkg::fingerprint::is_fresh(&fingerprint, &project, &options, &output)
    });
    if fresh {
        shell.status(
            "Fresh",
            &format!(
                "{} v{} (`{}` is up to date)",
                root.name,
                root.version,
                package::show(&output)
            ),
        );
        if shell.timings() {
            shell.raw_line(&format!("timings: {}", timings.summary()));
        }
        return 0;
    }
    let compiled = match package::check(shell, project, lock, true, &mut timings) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let linked = match package::link(shell, compiled, &mut timings) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let profile = if args.release {
        weir_pkg::native::Profile::Release
    } else {
        weir_pkg::native::Profile::Debug
    };
    let native = match package::native(shell, &linked.project, profile, &mut timings) {
        Ok(n) => n,
        Err(code) => return code,
    };
    if let Some(parent) = output.parent().filter(|p| !p.as_os_str().is_empty()) {
        if let Err(e) = std::fs::create_dir_all(parent) {
            shell.error(&format!("cannot create `{}`: {e}", parent.display()));
            return FAILURE;
        }
    }
    let mut libs: Vec<String> = native.links.iter().map(|(_, l)| l.clone()).collect();
    libs.extend(args.libs.iter().cloned());
    let status =
        build_objects_and_link(shell, &linked, &output, args, &native, &libs, &mut timings);
    let package::Linked { project, lock, .. } = linked;
    if status == 0 {
        weir_pkg::fingerprint::write(&fingerprint, &project, &options, &output);
        drop(lock);
        package::finished(
            shell,
            &format!(
                "{} build of `{}`",
                if args.release { "release" } else { "debug" },
                package::show(&output)
            ),
            &timings,
        );
    }
    status
}

/// `weir build` of a package: one object file per module plus the entry object
/// ([`compile_objects`]), then everything is linked with `cc`.
fn build_objects_and_link(
    shell: &Shell,
    linked: &package::Linked,
    output: &Path,
    args: &Args,
    native: &package::NativeOut,
    libs: &[String],
    timings: &mut package::Timings,
) -> i32 {
    let plans: Vec<ObjectPlan> = (linked.units.iter())
        .map(|u| ObjectPlan {
            module: u.module.clone(),
            funcs: u.funcs,
            globals: u.globals.clone(),
            key: Some(u.key.clone()),
        })
        .collect();
    let dir = package::profile_dir(&linked.project, args.release).join("obj");
    let spin = package::spinner(shell, "Building", "machine code (Cranelift)");
    let objects = compile_objects(
        shell,
        &spin,
        (&linked.program, &linked.sources, linked.main),
        &plans,
        &dir,
        args.release,
        timings,
    );
    let mut objects = match objects {
        Ok(o) => o,
        Err(code) => {
            spin.finish_and_clear();
            return code;
        }
    };
    spin.set_message("linking (cc)");
    objects.extend(native.objects.iter().cloned());
    let lib_dir = package::profile_dir(&linked.project, args.release);
    let linked_ok = timings.time("cc", || {
        link_files(&lib_dir, &objects, output, libs, &args.cc_args)
    });
    spin.finish_and_clear();
    match linked_ok {
        Ok(()) => 0,
        Err(message) => {
            shell.error(&message);
            FAILURE
        }
    }
}

/// One module's object file of a package executable (see [`compile_objects`]).
pub(crate) struct ObjectPlan {
    /// The object is `DIR/MODULE.o`.
    pub module: String,
    /// How many functions and which globals (by name) the module has; in the linked program
    /// they follow those of the modules planned before it.
    pub funcs: usize,
    pub globals: Vec<String>,
    /// What the object is built from (e.g. `UnitInfo::key`): it is reused while the key is
    /// unchanged; `None` rebuilds it every time.
    pub key: Option<String>,
}

/// Compiles `program` into one object per plan (which together cover every function and
/// global, in order) plus the entry object (global initialisation and `main`, rebuilt every
/// time: it is one small function), in parallel, into `dir`; returns the object files.
///
/// `dir/keys` records the key each object was built from, one line per object (one file per
/// object made the kernel's file creation a tenth of a cold build). Objects about to be rebuilt
/// lose their line first, so an interrupted build never leaves a stale object marked fresh.
pub(crate) fn compile_objects(
    shell: &Shell,
    spin: &indicatif::ProgressBar,
    (program, sources, main): (
        &weir_compiler::tir::Program,
        &weir_compiler::span::SourceMap,
        weir_compiler::span::FileId,
    ),
    plans: &[ObjectPlan],
    dir: &Path,
    release: bool,
    timings: &mut package::Timings,
) -> Result<Vec<PathBuf>, i32> {
    use rayon::prelude::*;
    use std::collections::BTreeMap;
    use weir_pkg::fsutil::atomic_write;
    let opts = Options {
        opt_speed: release,
        verify: false,
    };
    let global_names: std::sync::Arc<Vec<String>> = std::sync::Arc::new(
        (plans.iter())
            .flat_map(|p| p.globals.iter().map(move |g| format!("{}.{g}", p.module)))
            .collect(),
    );
    // (object file, key, unit)
    let mut jobs: Vec<(PathBuf, Option<&str>, codegen::Unit)> = Vec::new();
    let (mut f, mut g) = (0u32, 0u32);
    for p in plans {
        let (nf, ng) = (p.funcs as u32, p.globals.len() as u32);
        let unit = codegen::Unit {
            funcs: f..f + nf,
            globals: g..g + ng,
            global_names: global_names.clone(),
            entry: false,
        };
        (f, g) = (f + nf, g + ng);
        jobs.push((dir.join(format!("{}.o", p.module)), p.key.as_deref(), unit));
    }
    if f as usize != program.funcs.len() || g as usize != program.globals.len() {
        shell.error(&format!(
            "internal error: the objects cover {f} functions and {g} globals, the program has {} and {}",
            program.funcs.len(),
            program.globals.len()
        ));
        return Err(super::INTERNAL_ERROR);
    }
    // `#` cannot start a module name, so the entry never shares a module's file.
    let entry = codegen::Unit {
        funcs: 0..0,
        globals: 0..0,
        global_names,
        entry: true,
    };
    jobs.push((dir.join("#entry.o"), None, entry));
    if let Err(e) = std::fs::create_dir_all(dir) {
        shell.error(&format!("cannot create `{}`: {e}", package::show(dir)));
        return Err(FAILURE);
    }
    let file_name = |p: &Path| {
        p.file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned()
    };
    let keys_path = dir.join("keys");
    let mut keys: BTreeMap<String, String> = std::fs::read_to_string(&keys_path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(m, k)| (m.to_string(), k.to_string()))
        .collect();
    let stale: Vec<bool> = (jobs.iter())
        .map(|(obj, key, _)| match key {
            Some(key) => !(obj.is_file() && keys.get(&file_name(obj)).is_some_and(|k| k == key)),
            None => true,
        })
        .collect();
    let write_keys = |keys: &BTreeMap<String, String>| {
        let text: String = keys.iter().map(|(m, k)| format!("{m} {k}\n")).collect();
        let _ = atomic_write(&keys_path, text.as_bytes());
    };
    for ((obj, _, _), stale) in jobs.iter().zip(&stale) {
        if *stale {
            keys.remove(&file_name(obj));
        }
    }
    write_keys(&keys);
    let results: Vec<Result<bool, codegen::CodegenError>> = timings.time("codegen", || {
        (jobs.par_iter().zip(&stale))
            .map(|((obj, _, unit), stale)| {
                if !stale {
                    return Ok(false);
                }
                let bytes = codegen::compile_unit_object(program, sources, &opts, unit)?;
                std::fs::write(obj, &bytes).map_err(|e| {
                    codegen::CodegenError::Internal(format!("cannot write {}: {e}", obj.display()))
                })?;
                Ok(true)
            })
            .collect()
    });
    let verbose = shell.is_verbose();
    for (r, (obj, key, _)) in results.into_iter().zip(&jobs) {
        match r {
            Ok(true) => {
                if let Some(key) = key {
                    keys.insert(file_name(obj), key.to_string());
                    if verbose {
                        spin.suspend(|| {
                            shell.raw_line(&format!("compiled {}", package::show(obj)))
                        });
                    }
                }
            }
            Ok(false) => {}
            Err(e) => {
                write_keys(&keys);
                return Err(codegen_failed(shell, sources, main, e));
            }
        }
    }
    write_keys(&keys);
    Ok(jobs.into_iter().map(|(o, _, _)| o).collect())
}

/// Reports a code generation failure (status 1 for what the user can change).
fn codegen_failed(
    shell: &Shell,
    sources: &weir_compiler::span::SourceMap,
    main: weir_compiler::span::FileId,
    e: codegen::CodegenError,
) -> i32 {
    match e {
        codegen::CodegenError::Unsupported { message, span } => {
            shell.diagnostic(
                sources,
                main,
                &weir_compiler::diag::Diagnostic::error(span, message),
            );
            FAILURE
        }
        codegen::CodegenError::Internal(e) => {
            panic!("internal error: code generation failed: {e}")
        }
    }
}

/// Generates the object file and links it with the runtime, `objects` and `libs`.
#[allow(clippy::too_many_arguments)]
fn compile_and_link(
    shell: &Shell,
    program: &weir_compiler::tir::Program,
    sources: &weir_compiler::span::SourceMap,
    main: weir_compiler::span::FileId,
    output: &Path,
    args: &Args,
    objects: &[PathBuf],
    libs: &[String],
) -> i32 {
    let opts = Options {
        opt_speed: args.release,
        verify: false,
    };
    let object = match codegen::compile_object(program, sources, &opts) {
        Ok(bytes) => bytes,
        Err(e) => return codegen_failed(shell, sources, main, e),
    };
    match link(&object, output, objects, libs, &args.cc_args) {
        Ok(()) => 0,
        Err(message) => {
            shell.error(&message);
            FAILURE
        }
    }
}

/// A temporary folder removed when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir() -> Result<TempDir, String> {
    let base = std::env::temp_dir();
    for i in 0..1000u32 {
        let dir = base.join(format!("weir-build-{}-{i}", std::process::id()));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(TempDir(dir)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("cannot create a temporary folder: {e}")),
        }
    }
    Err("cannot create a temporary folder".to_string())
}

fn link(
    object: &[u8],
    output: &Path,
    objects: &[PathBuf],
    libs: &[String],
    cc_args: &[String],
) -> Result<(), String> {
    let dir = temp_dir()?;
    let obj_path = dir.0.join("program.o");
    std::fs::write(&obj_path, object)
        .map_err(|e| format!("cannot write {}: {e}", obj_path.display()))?;
    let mut all = vec![obj_path];
    all.extend(objects.iter().cloned());
    link_files(&dir.0, &all, output, libs, cc_args)
}

/// Whether `ld.gold` is on `PATH` (checked once).
fn gold_available() -> bool {
    static GOLD: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *GOLD.get_or_init(|| {
        std::env::var_os("PATH")
            .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join("ld.gold").is_file()))
    })
}

/// Links object files with the runtime library (written to `dir`) and `libs` into `output`.
pub(crate) fn link_files(
    dir: &Path,
    objects: &[PathBuf],
    output: &Path,
    libs: &[String],
    cc_args: &[String],
) -> Result<(), String> {
    // The runtime library is written once per folder (a package build keeps it in
    // `target/PROFILE/`), and rewritten only when this `weir` carries a different one.
    let lib_path = dir.join("libweir_runtime.a");
    let same = std::fs::metadata(&lib_path).is_ok_and(|m| m.len() == RUNTIME_LIB.len() as u64)
        && std::fs::read(&lib_path).is_ok_and(|b| b == RUNTIME_LIB);
    if !same {
        weir_pkg::fsutil::atomic_write(&lib_path, RUNTIME_LIB)
            .map_err(|e| format!("cannot write {}: {e}", lib_path.display()))?;
    }
    let cc = std::env::var_os("CC").unwrap_or_else(|| "cc".into());
    let mut cmd = Command::new(&cc);
    if std::env::var_os("CC").is_none() && gold_available() {
        // gold links the hundreds of objects of a package build about a third faster.
        cmd.arg("-fuse-ld=gold");
    }
    cmd.args(objects).arg(&lib_path);
    for lib in libs {
        cmd.arg(format!("-l{lib}"));
    }
    cmd.args(cc_args);
    cmd.args(RUNTIME_LINK_LIBS);
    cmd.arg("-o").arg(output);
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run `{}`: {e}", cc.to_string_lossy()))?;
    if !out.status.success() {
        return Err(format!(
            "linking failed (`{}` exited with {}):\n{}",
            cc.to_string_lossy(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim_end()
        ));
    }
    Ok(())
}
