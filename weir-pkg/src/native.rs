//! Native C sources of packages (`packages.md` §5): compiling them to objects in
//! `target/native/PKG/`, linking objects into a shared library for the JIT and the interpreter,
//! and checking that the `link` libraries exist.
//!
//! The `cc` crate is used as a library, never as a build script: the target and host (this
//! process's own triple), the optimisation level, debug info, PIC and the output folder are set
//! explicitly, and cargo output is off (`cargo_metadata`, `cargo_warnings`, `cargo_output`,
//! `cargo_debug`, `emit_rerun_if_env_changed` all `false`), so nothing is ever printed on stdout.
//! `cc` chooses the compiler (honouring `CC` and `CFLAGS`) and its base flags; this module runs
//! the compile and link commands itself, to capture the compiler's output whole and to ask for
//! a dependency file (`-MD -MF`).
//!
//! ## Output layout (`out_dir` = `target/native/PKG/`)
//!
//! ```text
//! out_dir/
//!   helper-1a2b3c4d.o    object of `src/helper.c`: file stem + hash of the root-relative path
//!   helper-1a2b3c4d.fp   its fingerprint (below)
//!   .cc/                 `cc`'s own scratch files (compiler and flag probes)
//! ```
//! An object is written to a temporary name and renamed into place, so it is never partial.
//!
//! ## Freshness of an object
//!
//! An object is reused when its `.fp` file parses, its key matches and every file it records is
//! unchanged. Anything else (missing, corrupt, truncated or foreign `.fp`, missing object)
//! means "recompile", never an error.
//!
//! | In the key | Why |
//! |---|---|
//! | format version | a new layout invalidates old fingerprints |
//! | compiler identity: `cc`'s path, the resolved executable's size and mtime, `--version` output | a different or upgraded compiler |
//! | the full compiler argument list from `cc` (opt level, debug, PIC, `CFLAGS`, the package's `cflags`) and its extra environment | any flag change |
//! | the include folders, root-relative as written | include path changes |
//! | the source's root-relative path | two sources never share a key |
//!
//! | Recorded per file (the source and every header from the dependency file) | Why |
//! |---|---|
//! | path (root-relative when below the root, else absolute) | moving the package keeps its own headers tracked |
//! | SHA-256 of the contents | the actual change test |
//! | stamp (size, mtime, inode), only when the file was older than 2 s when recorded | fast path: an equal trusted stamp skips reading the file |
//! | the object's exact stamp | an object replaced or deleted behind our back is rebuilt |
//!
//! Left out on purpose: absolute paths of the package (moving it does not rebuild), the current
//! folder, timestamps as a change signal on their own. A stamp is trusted only if the file was at
//! least 2 s old when recorded: a later rewrite then necessarily gets a different mtime, while a
//! rewrite within the same timestamp tick as the recording could keep size and mtime (the
//! "racy git" problem). A fresh check that had to hash a file records its current stamp once it
//! can be trusted, so it is not read again. The source is hashed *before* it is compiled, so an
//! edit during the compile makes the next build recompile; headers are known only from the
//! dependency file and are hashed just after the compile, so an edit to a header *during* its
//! includer's compile can go unnoticed (cargo has the same window). Also not noticed: a new
//! header that would shadow a tracked one (an earlier include folder gains a file of that name).
//! Without a readable dependency file no fingerprint is written, so the source is compiled
//! again next time rather than trusted.
//!
//! ## Shared library
//!
//! `link_shared` writes `OUT` atomically and `OUT.fp` beside it. Its key is the compiler identity
//! and arguments, every input object's path and SHA-256, and the `(package, library)` list; with
//! an equal key and `OUT` unchanged (exact stamp) nothing is linked. The `link` libraries are
//! linked with `--no-as-needed` (not on macOS) so they are loaded with the library even when no
//! object refers to them yet (a package that only binds a system library).
//!
//! ## Errors
//!
//! Every failure is a [`PkgError`]; nothing here panics. Compiler and linker output goes into
//! `detail`, unchanged. The compiler runs in the package root with root-relative paths, so its
//! messages read `src/helper.c:3:5: error: ...` and relative paths in `cflags` mean the same
//! thing wherever `weir` runs; `PkgError::file` carries the source as seen from the current
//! folder. Only GCC-like compilers (gcc, clang) are supported; MSVC is an error.

use std::collections::{HashMap, HashSet};
use std::ffi::{OsStr, OsString};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::SystemTime;

use rayon::prelude::*;

use crate::fsutil::{self, atomic_write, display_path, sha256_hex, FileStamp, Hasher};
use crate::PkgError;

/// The native part of one package, from its manifest's `(native ...)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NativeSpec {
    /// Package name, for messages.
    pub package: String,
    /// Package folder.
    pub root: PathBuf,
    /// C sources, relative to `root`.
    pub sources: Vec<PathBuf>,
    /// Include folders, relative to `root`.
    pub include: Vec<PathBuf>,
    /// Extra compiler flags.
    pub cflags: Vec<String>,
    /// `-l` libraries of this package.
    pub link: Vec<String>,
}

/// Build profile: `Debug` is `-O0 -g`, `Release` is `-O2` without debug info.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Profile {
    Debug,
    Release,
}

/// The result of [`compile_objects`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NativeObjects {
    /// One object per distinct source, in the order of `NativeSpec::sources`.
    pub objects: Vec<PathBuf>,
    /// Sources compiled by this call.
    pub compiled: usize,
    /// Sources whose object was reused.
    pub fresh: usize,
    /// Compiler output (warnings) of sources that compiled successfully by this call:
    /// (the source as seen from the current folder, the compiler's stderr).
    pub warnings: Vec<(PathBuf, String)>,
}

/// Compiles each source of `spec` to a position-independent object in `out_dir`
/// (`target/native/PKG/`), reusing objects whose fingerprint shows nothing changed (see the
/// module docs). Independent sources compile in parallel.
pub fn compile_objects(
    spec: &NativeSpec,
    out_dir: &Path,
    profile: Profile,
) -> Result<NativeObjects, PkgError> {
    let root = fsutil::absolute(&spec.root);
    let out_dir = fsutil::absolute(out_dir);
    let sources = checked_sources(spec, &root)?;
    if sources.is_empty() {
        return Ok(NativeObjects::default());
    }
    fs::create_dir_all(&out_dir).map_err(|e| {
        PkgError::in_file(
            display_path(&out_dir),
            format!("cannot create the native output folder: {e}"),
        )
    })?;
    let compiler = Compiler::new(Some(profile), &spec.cflags, Some(&out_dir))
        .map_err(|e| e.for_package(&spec.package))?;
    let config_key = config_key(&compiler, &spec.include);
    let jobs: Vec<Job> = sources
        .iter()
        .map(|rel| Job::new(rel, &root, &out_dir, &config_key))
        .collect();

    let outcomes: Vec<Outcome> = jobs
        .par_iter()
        .map(|job| match check_fresh(job) {
            Some(refreshed) => {
                if let Some(fp) = refreshed {
                    // Only an optimisation: failing to write it costs hashing next time.
                    let _ = atomic_write(&job.fp, fp.to_text().as_bytes());
                }
                Outcome::Fresh
            }
            None => compile_one(job, &compiler, &spec.include),
        })
        .collect();

    let mut res = NativeObjects::default();
    let mut failures = Vec::new();
    for (job, outcome) in jobs.iter().zip(outcomes) {
        res.objects.push(job.obj.clone());
        match outcome {
            Outcome::Fresh => res.fresh += 1,
            Outcome::Compiled { warnings } => {
                res.compiled += 1;
                if !warnings.trim().is_empty() {
                    res.warnings.push((display_path(&job.src), warnings));
                }
            }
            Outcome::Failed(failure) => failures.push((job, failure)),
        }
    }
    if failures.is_empty() {
        Ok(res)
    } else {
        Err(compile_error(spec, failures))
    }
}

/// Links `objects` (of one or more packages) into the shared library `out`, with the `link`
/// libraries (`(package, library)`, the package for messages), for the JIT and the interpreter,
/// which `dlopen` it before the program runs. Relinks only when an input object, the library list
/// or the compiler changed, or `out` was touched. Returns `out`.
pub fn link_shared(
    objects: &[PathBuf],
    link: &[(String, String)],
    out: &Path,
) -> Result<PathBuf, PkgError> {
    check_library_names(link)?;
    let out_abs = fsutil::absolute(out);
    let (Some(dir), Some(name)) = (out_abs.parent(), out_abs.file_name()) else {
        return Err(PkgError::msg(format!(
            "`{}` is not a valid path for a shared library",
            out.display()
        )));
    };
    let compiler = Compiler::new(None, &[], None)?;

    let mut key = Hasher::new();
    key.update_str(LINK_FORMAT);
    key.update_str(&compiler.identity);
    hash_command_config(&mut key, &compiler.tool);
    key.update_u64(objects.len() as u64);
    for obj in objects {
        let path = fsutil::absolute(obj);
        let bytes = fs::read(&path).map_err(|e| {
            PkgError::in_file(display_path(&path), format!("cannot read object file: {e}"))
        })?;
        key.update(path_bytes(&path).as_ref());
        key.update_str(&sha256_hex(&bytes));
    }
    key.update_u64(link.len() as u64);
    for (package, lib) in link {
        key.update_str(package);
        key.update_str(lib);
    }
    let key = key.finish_hex();

    let mut fp_name = name.to_os_string();
    fp_name.push(".fp");
    let fp_path = dir.join(fp_name);
    if link_is_fresh(&fp_path, &key, &out_abs) {
        return Ok(out.to_path_buf());
    }

    fs::create_dir_all(dir).map_err(|e| {
        PkgError::in_file(
            display_path(dir),
            format!("cannot create the folder of the shared library: {e}"),
        )
    })?;
    // The old fingerprint must not vouch for a half-replaced library.
    let _ = fs::remove_file(&fp_path);
    let tmp = fsutil::temp_path(dir, &name.to_string_lossy());
    let mut cmd = compiler.tool.to_command();
    cmd.arg("-shared").arg("-o").arg(&tmp);
    for obj in objects {
        cmd.arg(fsutil::absolute(obj));
    }
    add_link_libraries(&mut cmd, link.iter().map(|(_, lib)| lib.as_str()));
    match run(&mut cmd, &compiler) {
        Ok(output) if output.status.success() => {}
        other => {
            let _ = fs::remove_file(&tmp);
            return Err(link_error(other, link, &out_abs, &compiler));
        }
    }
    fs::rename(&tmp, &out_abs).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        PkgError::in_file(
            display_path(&out_abs),
            format!("cannot write the shared library: {e}"),
        )
    })?;
    if let Ok(stamp) = FileStamp::of(&out_abs) {
        let text = format!("{LINK_FORMAT}\nkey {key}\nout {}\n", stamp_text(&stamp));
        // A fingerprint that cannot be written only costs a relink next time.
        let _ = atomic_write(&fp_path, text.as_bytes());
    }
    Ok(out.to_path_buf())
}

/// The C compiler `cc` chooses (honouring `CC`), for linking executables elsewhere. Fails when it
/// cannot be run.
pub fn c_compiler() -> Result<PathBuf, PkgError> {
    Ok(Compiler::new(None, &[], None)?.tool.path().to_path_buf())
}

/// Checks that the linker finds every `-l` library of `link` (`(package, library)`) by linking a
/// trivial program with them; a missing one is an error naming the library and the package that
/// asked for it.
pub fn check_libraries(link: &[(String, String)]) -> Result<(), PkgError> {
    check_library_names(link)?;
    if link.is_empty() {
        return Ok(());
    }
    let compiler = Compiler::new(None, &[], None)?;
    let dir = std::env::temp_dir().join(format!(
        "weir-libcheck-{}-{:016x}",
        std::process::id(),
        fsutil::random_u64()
    ));
    let res = check_libraries_in(&dir, link, &compiler);
    let _ = fs::remove_dir_all(&dir);
    res
}

const OBJ_FORMAT: &str = "weir-native-fp 1";
const LINK_FORMAT: &str = "weir-native-link 1";
/// How old a file must be when recorded for its stamp to be trusted (see the module docs).
const TRUST_AGE_NS: i128 = 2_000_000_000;

// ---------------------------------------------------------------------------------------------
// The compiler

/// A compiler as configured by `cc`, with its identity.
struct Compiler {
    tool: cc::Tool,
    /// Hash of the compiler's path, executable stamp and `--version` output.
    identity: String,
}

/// Why the compiler is unusable; turned into a `PkgError` that may name a package.
struct CompilerError {
    message: String,
    detail: String,
}

impl CompilerError {
    fn for_package(self, package: &str) -> PkgError {
        PkgError::msg(format!(
            "{} (needed for the native sources of package `{package}`)",
            self.message
        ))
        .with_detail(self.detail)
    }
}

impl From<CompilerError> for PkgError {
    fn from(e: CompilerError) -> PkgError {
        PkgError::msg(e.message).with_detail(e.detail)
    }
}

impl Compiler {
    fn new(
        profile: Option<Profile>,
        cflags: &[String],
        out_dir: Option<&Path>,
    ) -> Result<Compiler, CompilerError> {
        let triple = host_triple();
        let mut build = cc::Build::new();
        build
            .target(&triple)
            .host(&triple)
            .cargo_metadata(false)
            .cargo_warnings(false)
            .cargo_output(false)
            .cargo_debug(false)
            .emit_rerun_if_env_changed(false)
            .inherit_rustflags(false)
            .pic(true)
            .warnings(true)
            .extra_warnings(false);
        match profile.unwrap_or(Profile::Debug) {
            Profile::Debug => build.opt_level(0).debug(true),
            Profile::Release => build.opt_level(2).debug(false),
        };
        // cc's own probes (compiler family, flag support) write fixed-name scratch files to the
        // output folder; without one they use unique temporary files.
        if let Some(dir) = out_dir {
            let scratch = dir.join(".cc");
            fs::create_dir_all(&scratch).map_err(|e| CompilerError {
                message: format!(
                    "cannot create the folder `{}`: {e}",
                    display_path(&scratch).display()
                ),
                detail: String::new(),
            })?;
            build.out_dir(scratch);
        }
        // Also without cc's defaults (`CRATE_CC_NO_DEFAULTS`): objects go into shared libraries.
        if !cfg!(windows) {
            build.flag("-fPIC");
        }
        for flag in cflags {
            build.flag(flag);
        }
        let tool = build.try_get_compiler().map_err(|e| CompilerError {
            message: "cannot determine the C compiler".to_string(),
            detail: e.to_string(),
        })?;
        if tool.is_like_msvc() {
            return Err(CompilerError {
                message: format!(
                    "the C compiler `{}` is MSVC-like, which weir does not support",
                    tool.path().display()
                ),
                detail: "use gcc or clang (set CC)".to_string(),
            });
        }
        let identity = compiler_identity(tool.path(), &tool)?;
        Ok(Compiler { tool, identity })
    }
}

/// The identity of the compiler at `path`, computed once per process (the result, error or not,
/// is cached): its path, the resolved executable's size and mtime, and `--version` output.
fn compiler_identity(path: &Path, tool: &cc::Tool) -> Result<String, CompilerError> {
    /// Compiler path → identity, or (message, detail) of why it is unusable.
    type Cache = Mutex<HashMap<PathBuf, Result<String, (String, String)>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(hit) = cache.lock().ok().and_then(|map| map.get(path).cloned()) {
        return hit.map_err(|(message, detail)| CompilerError { message, detail });
    }
    let mut cmd = Command::new(path);
    cmd.envs(tool.get_envs()).arg("--version");
    let res = identity_from(path, cmd);
    if let Ok(mut map) = cache.lock() {
        map.insert(path.to_path_buf(), res.clone());
    }
    res.map_err(|(message, detail)| CompilerError { message, detail })
}

/// Runs `version_cmd` (the compiler's `--version`) and hashes the identity of `path`.
fn identity_from(path: &Path, mut version_cmd: Command) -> Result<String, (String, String)> {
    let shown = path.display();
    let output = version_cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => (
                format!("C compiler `{shown}` not found"),
                "install a C compiler (gcc or clang) or set CC to one".to_string(),
            ),
            _ => (
                format!("cannot run the C compiler `{shown}`: {e}"),
                String::new(),
            ),
        })?;
    if !output.status.success() {
        return Err((
            format!("the C compiler `{shown}` does not work (`{shown} --version` failed)"),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        ));
    }
    let mut h = Hasher::new();
    h.update(path_bytes(path).as_ref());
    if let Some(exe) = resolve_executable(path) {
        h.update(path_bytes(&exe).as_ref());
        if let Ok(stamp) = FileStamp::of(&exe) {
            h.update_u64(stamp.size);
            h.update_str(&stamp.mtime_ns.to_string());
        }
    }
    h.update(&output.stdout);
    Ok(h.finish_hex())
}

/// The executable a command name runs (searching `PATH` for a bare name), symlinks resolved.
fn resolve_executable(program: &Path) -> Option<PathBuf> {
    if program.components().count() > 1 {
        return fs::canonicalize(program).ok();
    }
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
        .and_then(|found| fs::canonicalize(found).ok())
}

/// This process's own target triple, which native code must match to be loaded or linked.
fn host_triple() -> String {
    let arch = std::env::consts::ARCH;
    if cfg!(target_os = "linux") {
        let env = if cfg!(target_env = "musl") {
            "musl"
        } else {
            "gnu"
        };
        format!("{arch}-unknown-linux-{env}")
    } else if cfg!(target_vendor = "apple") {
        format!("{arch}-apple-darwin")
    } else if cfg!(target_os = "windows") {
        let env = if cfg!(target_env = "gnu") {
            "gnu"
        } else {
            "msvc"
        };
        format!("{arch}-pc-windows-{env}")
    } else {
        format!("{arch}-unknown-{}", std::env::consts::OS)
    }
}

/// Adds the compiler's arguments and extra environment to a key.
fn hash_command_config(h: &mut Hasher, tool: &cc::Tool) {
    h.update_u64(tool.args().len() as u64);
    for arg in tool.args() {
        h.update(os_bytes(arg).as_ref());
    }
    let envs: Vec<_> = tool.get_envs().collect();
    h.update_u64(envs.len() as u64);
    for (k, v) in envs {
        h.update(os_bytes(k).as_ref());
        h.update(os_bytes(v).as_ref());
    }
}

/// Runs `cmd` with stdin closed, capturing stdout and stderr.
fn run(cmd: &mut Command, compiler: &Compiler) -> Result<Output, String> {
    cmd.stdin(Stdio::null())
        .output()
        .map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => {
                format!("C compiler `{}` not found", compiler.tool.path().display())
            }
            _ => format!(
                "cannot run the C compiler `{}`: {e}",
                compiler.tool.path().display()
            ),
        })
}

/// The stderr and then the stdout of a command, as text.
fn output_text(output: &Output) -> String {
    let mut text = String::from_utf8_lossy(&output.stderr).into_owned();
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !stdout.trim().is_empty() {
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&stdout);
    }
    text
}

// ---------------------------------------------------------------------------------------------
// Compiling objects

/// The distinct sources of `spec`, each checked to exist; the include folders checked too.
fn checked_sources(spec: &NativeSpec, root: &Path) -> Result<Vec<PathBuf>, PkgError> {
    let mut seen = HashSet::new();
    let mut sources = Vec::new();
    for rel in &spec.sources {
        let path = root.join(rel);
        if !path.is_file() {
            let what = if path.is_dir() {
                "is a folder, not a C file"
            } else {
                "does not exist"
            };
            return Err(PkgError::in_file(
                display_path(&path),
                format!(
                    "package `{}`: native source `{}` {what}",
                    spec.package,
                    rel.display()
                ),
            ));
        }
        if seen.insert(rel.clone()) {
            sources.push(rel.clone());
        }
    }
    for rel in &spec.include {
        let path = root.join(rel);
        if !path.is_dir() {
            return Err(PkgError::in_file(
                display_path(&path),
                format!(
                    "package `{}`: include folder `{}` does not exist",
                    spec.package,
                    rel.display()
                ),
            ));
        }
    }
    Ok(sources)
}

/// The part of every object's key shared by all sources of one package.
fn config_key(compiler: &Compiler, include: &[PathBuf]) -> String {
    let mut h = Hasher::new();
    h.update_str(OBJ_FORMAT);
    h.update_str(&compiler.identity);
    hash_command_config(&mut h, &compiler.tool);
    h.update_u64(include.len() as u64);
    for dir in include {
        h.update(path_bytes(dir).as_ref());
    }
    h.finish_hex()
}

/// One source to bring up to date.
struct Job {
    /// As written in the manifest (relative to the root).
    rel: PathBuf,
    root: PathBuf,
    /// `root/rel`.
    src: PathBuf,
    obj: PathBuf,
    fp: PathBuf,
    out_dir: PathBuf,
    /// The object's key: the package's config key and `rel`.
    key: String,
}

impl Job {
    fn new(rel: &Path, root: &Path, out_dir: &Path, config_key: &str) -> Job {
        let stem = rel
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let stem: String = stem
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let rel_hash = sha256_hex(path_bytes(rel).as_ref());
        let base = format!("{stem}-{}", &rel_hash[..8]);
        let mut key = Hasher::new();
        key.update_str(config_key);
        key.update(path_bytes(rel).as_ref());
        Job {
            rel: rel.to_path_buf(),
            root: root.to_path_buf(),
            src: root.join(rel),
            obj: out_dir.join(format!("{base}.o")),
            fp: out_dir.join(format!("{base}.fp")),
            out_dir: out_dir.to_path_buf(),
            key: key.finish_hex(),
        }
    }

    /// A recorded path, made absolute (recorded relative paths are relative to the root).
    fn resolve(&self, recorded: &Path) -> PathBuf {
        self.root.join(recorded)
    }
}

enum Outcome {
    Fresh,
    Compiled { warnings: String },
    Failed(Failure),
}

enum Failure {
    /// The compiler ran and rejected the source: its output.
    Compiler(String),
    /// Anything else (could not run the compiler, could not read or write a file).
    Other(String),
}

/// A file the object depends on, as recorded in its fingerprint.
#[derive(Clone, Debug, PartialEq, Eq)]
struct FileRecord {
    /// Relative to the package root when below it, else absolute.
    path: PathBuf,
    /// SHA-256 of the contents the object was built from.
    hash: String,
    /// Set only when trusted (see the module docs).
    stamp: Option<FileStamp>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Fingerprint {
    key: String,
    obj: FileStamp,
    files: Vec<FileRecord>,
}

impl Fingerprint {
    fn to_text(&self) -> String {
        let mut out = format!(
            "{OBJ_FORMAT}\nkey {}\nobj {}\n",
            self.key,
            stamp_text(&self.obj)
        );
        for file in &self.files {
            let stamp = match &file.stamp {
                Some(stamp) => stamp_text(stamp),
                None => "-".to_string(),
            };
            out.push_str(&format!(
                "file {} {stamp} {}\n",
                file.hash,
                fsutil::to_hex(path_bytes(&file.path).as_ref())
            ));
        }
        out
    }

    /// Parses a fingerprint file; `None` for anything but a well-formed one of this format.
    fn parse(text: &str) -> Option<Fingerprint> {
        let mut lines = text.lines();
        if lines.next()? != OBJ_FORMAT {
            return None;
        }
        let key = lines.next()?.strip_prefix("key ")?.to_string();
        let obj = parse_stamp(lines.next()?.strip_prefix("obj ")?)?;
        let mut files = Vec::new();
        for line in lines {
            let mut parts = line.strip_prefix("file ")?.split(' ');
            let hash = parts.next()?.to_string();
            let stamp = match parts.next()? {
                "-" => None,
                s => Some(parse_stamp(s)?),
            };
            let path = bytes_to_path(from_hex(parts.next()?)?);
            if parts.next().is_some() || hash.len() != 64 || path.as_os_str().is_empty() {
                return None;
            }
            files.push(FileRecord { path, hash, stamp });
        }
        if files.is_empty() {
            return None;
        }
        Some(Fingerprint { key, obj, files })
    }
}

fn stamp_text(stamp: &FileStamp) -> String {
    format!("{},{},{}", stamp.size, stamp.mtime_ns, stamp.ino)
}

fn parse_stamp(s: &str) -> Option<FileStamp> {
    let mut parts = s.split(',');
    let stamp = FileStamp {
        size: parts.next()?.parse().ok()?,
        mtime_ns: parts.next()?.parse().ok()?,
        ino: parts.next()?.parse().ok()?,
    };
    if parts.next().is_some() {
        return None;
    }
    Some(stamp)
}

/// Whether the object of `job` can be reused; every doubt answers `None`. A fresh object whose
/// files had to be hashed (no trusted stamp, or a stamp that changed with the contents intact)
/// comes with its fingerprint updated with their current stamps, where those can be trusted now,
/// so the next check can skip reading them.
fn check_fresh(job: &Job) -> Option<Option<Fingerprint>> {
    let text = fs::read_to_string(&job.fp).ok()?;
    let mut fp = Fingerprint::parse(&text)?;
    if fp.key != job.key || FileStamp::of(&job.obj).ok() != Some(fp.obj) {
        return None;
    }
    let now = SystemTime::now();
    let mut refreshed = false;
    for file in &mut fp.files {
        let path = job.resolve(&file.path);
        // Stamp before reading: a change after the stamp shows in the hash now or in the stamp
        // next time.
        let current = FileStamp::of(&path).ok()?;
        if file.stamp == Some(current) {
            continue;
        }
        if sha256_hex(&fs::read(&path).ok()?) != file.hash {
            return None;
        }
        if let Some(stamp) = trusted(current, now) {
            file.stamp = Some(stamp);
            refreshed = true;
        }
    }
    Some(refreshed.then_some(fp))
}

/// Compiles `job`'s source and records its fingerprint.
fn compile_one(job: &Job, compiler: &Compiler, include: &[PathBuf]) -> Outcome {
    match try_compile_one(job, compiler, include) {
        Ok(outcome) => outcome,
        Err(failure) => Outcome::Failed(failure),
    }
}

fn try_compile_one(
    job: &Job,
    compiler: &Compiler,
    include: &[PathBuf],
) -> Result<Outcome, Failure> {
    let io_err = |what: &str, path: &Path, e: io::Error| {
        Failure::Other(format!(
            "cannot {what} `{}`: {e}",
            display_path(path).display()
        ))
    };
    // Stamp, then hash, then compile: an edit at any point after the hash makes the next
    // build's hash differ, so the object is never wrongly trusted.
    let src_stamp = FileStamp::of(&job.src).map_err(|e| io_err("read", &job.src, e))?;
    let src_bytes = fs::read(&job.src).map_err(|e| io_err("read", &job.src, e))?;
    let src_record = FileRecord {
        path: job.rel.clone(),
        hash: sha256_hex(&src_bytes),
        stamp: trusted(src_stamp, SystemTime::now()),
    };
    drop(src_bytes);

    let obj_name = job
        .obj
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp_obj = fsutil::temp_path(&job.out_dir, &obj_name);
    let tmp_dep = fsutil::temp_path(&job.out_dir, &format!("{obj_name}.d"));
    let cleanup = || {
        let _ = fs::remove_file(&tmp_obj);
        let _ = fs::remove_file(&tmp_dep);
    };
    // The old fingerprint must not vouch for the object while it is being replaced.
    let _ = fs::remove_file(&job.fp);

    let mut cmd = compiler.tool.to_command();
    cmd.current_dir(&job.root);
    for dir in include {
        cmd.arg("-I").arg(dir);
    }
    cmd.arg("-MD").arg("-MF").arg(&tmp_dep);
    cmd.arg("-c").arg(&job.rel).arg("-o").arg(&tmp_obj);
    let output = match run(&mut cmd, compiler) {
        Ok(output) => output,
        Err(message) => {
            cleanup();
            return Err(Failure::Other(message));
        }
    };
    if !output.status.success() {
        cleanup();
        let mut text = output_text(&output);
        if text.trim().is_empty() {
            text = format!("the compiler exited with {}", output.status);
        }
        return Err(Failure::Compiler(text));
    }
    let deps = fs::read(&tmp_dep).ok().and_then(|d| parse_dep_file(&d));
    if let Err(e) = fs::rename(&tmp_obj, &job.obj) {
        cleanup();
        return Err(io_err("write", &job.obj, e));
    }
    cleanup();
    let warnings = output_text(&output);

    // Without the dependency list the headers are unknown: no fingerprint, so the source is
    // compiled again next time rather than trusted.
    if let Some(deps) = deps {
        if let Some(fp) = fingerprint_after_compile(job, src_record, &deps) {
            // A fingerprint that cannot be written only costs a recompile next time.
            let _ = atomic_write(&job.fp, fp.to_text().as_bytes());
        }
    }
    Ok(Outcome::Compiled { warnings })
}

/// The fingerprint of a just-compiled object; `None` if a dependency cannot be read.
fn fingerprint_after_compile(
    job: &Job,
    src_record: FileRecord,
    deps: &[PathBuf],
) -> Option<Fingerprint> {
    let obj = FileStamp::of(&job.obj).ok()?;
    let now = SystemTime::now();
    let mut files = vec![src_record];
    let mut seen = HashSet::new();
    seen.insert(job.root.join(&job.rel));
    for dep in deps {
        let abs = job.root.join(dep);
        if !seen.insert(abs.clone()) {
            continue;
        }
        let stamp = FileStamp::of(&abs).ok()?;
        let bytes = fs::read(&abs).ok()?;
        let path = match abs.strip_prefix(&job.root) {
            Ok(rel) if !rel.as_os_str().is_empty() => rel.to_path_buf(),
            _ => abs.clone(),
        };
        files.push(FileRecord {
            path,
            hash: sha256_hex(&bytes),
            stamp: trusted(stamp, now),
        });
    }
    Some(Fingerprint {
        key: job.key.clone(),
        obj,
        files,
    })
}

/// `stamp` if the file was old enough at `now` for the stamp to prove it unchanged later.
fn trusted(stamp: FileStamp, now: SystemTime) -> Option<FileStamp> {
    let now_ns: i128 = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .ok()?
        .as_nanos()
        .try_into()
        .ok()?;
    let age = now_ns - stamp.mtime_ns;
    (age > TRUST_AGE_NS).then_some(stamp)
}

/// The prerequisites of the first rule of a Makefile-syntax dependency file (as written by
/// `-MD -MF`): backslash-newline continues a line, `\ ` and `\#` escape, `$$` is `$`. `None` if
/// there is no rule.
fn parse_dep_file(bytes: &[u8]) -> Option<Vec<PathBuf>> {
    let mut words: Vec<Vec<u8>> = Vec::new();
    let mut cur = Vec::new();
    let mut i = 0;
    let flush = |cur: &mut Vec<u8>, words: &mut Vec<Vec<u8>>| {
        if !cur.is_empty() {
            words.push(std::mem::take(cur));
        }
    };
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\\' => match bytes.get(i + 1) {
                Some(b'\n') => {
                    flush(&mut cur, &mut words);
                    i += 1;
                }
                Some(b'\r') if bytes.get(i + 2) == Some(&b'\n') => {
                    flush(&mut cur, &mut words);
                    i += 2;
                }
                Some(&c @ (b' ' | b'#' | b'\\')) => {
                    cur.push(c);
                    i += 1;
                }
                _ => cur.push(b'\\'),
            },
            b'$' if bytes.get(i + 1) == Some(&b'$') => {
                cur.push(b'$');
                i += 1;
            }
            b' ' | b'\t' | b'\r' | b'\n' => flush(&mut cur, &mut words),
            _ => cur.push(b),
        }
        i += 1;
    }
    flush(&mut cur, &mut words);

    let colon = words.iter().position(|w| w.ends_with(b":"))?;
    let mut deps = Vec::new();
    for word in &words[colon + 1..] {
        if word.ends_with(b":") {
            break; // the next rule (`-MP` phony targets)
        }
        deps.push(bytes_to_path(word.clone()));
    }
    Some(deps)
}

/// The error for the sources that failed to compile (reported in source order).
fn compile_error(spec: &NativeSpec, failures: Vec<(&Job, Failure)>) -> PkgError {
    let n_failed = failures.len();
    let mut failures = failures.into_iter();
    let Some((first, failure)) = failures.next() else {
        return PkgError::msg(format!(
            "package `{}`: native compilation failed",
            spec.package
        ));
    };
    let others = match n_failed - 1 {
        0 => String::new(),
        1 => " (and 1 other)".to_string(),
        n => format!(" (and {n} others)"),
    };
    let message = format!(
        "package `{}`: failed to compile native source `{}`{others}",
        spec.package,
        first.rel.display()
    );
    let mut err = PkgError::in_file(display_path(&first.src), message);
    let mut detail = String::new();
    match &failure {
        Failure::Compiler(text) => {
            if let Some((line, col)) = first_error_position(text, &first.rel) {
                err = err.at(line, col);
            }
            detail.push_str(text);
        }
        Failure::Other(text) => detail.push_str(text),
    }
    for (_, failure) in failures {
        let (Failure::Compiler(text) | Failure::Other(text)) = failure;
        if !detail.ends_with('\n') {
            detail.push('\n');
        }
        detail.push_str(&text);
    }
    if let Some(header) = missing_header(&detail).map(str::to_string) {
        if !detail.ends_with('\n') {
            detail.push('\n');
        }
        detail.push_str(&format!(
            "note: the C header `{header}` is not installed; install the development files of the library that provides it (e.g. `apt-get install libglfw3-dev` for GLFW/glfw3.h)"
        ));
    }
    err.with_detail(detail)
}

/// The header named by a compiler's "fatal error: X: No such file or directory", if any.
fn missing_header(output: &str) -> Option<&str> {
    output.lines().find_map(|l| {
        let rest = l.split("fatal error: ").nth(1)?;
        let (name, why) = rest.split_once(": ")?;
        (why.starts_with("No such file") && name.ends_with(".h")).then_some(name)
    })
}

/// The `LINE:COL` of the first `error:` the compiler reported in `source` itself.
fn first_error_position(output: &str, source: &Path) -> Option<(u32, u32)> {
    let prefix = format!("{}:", source.display());
    output.lines().find_map(|line| {
        let rest = line.strip_prefix(&prefix)?;
        let mut parts = rest.splitn(3, ':');
        let line_no = parts.next()?.parse().ok()?;
        let col = parts.next()?.parse().ok()?;
        let tail = parts.next()?.trim_start();
        (tail.starts_with("error:") || tail.starts_with("fatal error:")).then_some((line_no, col))
    })
}

// ---------------------------------------------------------------------------------------------
// Linking and libraries

fn check_library_names(link: &[(String, String)]) -> Result<(), PkgError> {
    for (package, lib) in link {
        if lib.is_empty() || lib.starts_with('-') || lib.chars().any(char::is_whitespace) {
            return Err(PkgError::msg(format!(
                "package `{package}`: `{lib}` is not a valid library name for `link`"
            )));
        }
    }
    Ok(())
}

/// Adds `-lLIB` for each library, kept even when nothing refers to them yet.
fn add_link_libraries<'a>(cmd: &mut Command, libs: impl Iterator<Item = &'a str>) {
    if !cfg!(target_vendor = "apple") {
        cmd.arg("-Wl,--no-as-needed");
    }
    for lib in libs {
        cmd.arg(format!("-l{lib}"));
    }
}

fn link_is_fresh(fp_path: &Path, key: &str, out: &Path) -> bool {
    let Ok(text) = fs::read_to_string(fp_path) else {
        return false;
    };
    let mut lines = text.lines();
    if lines.next() != Some(LINK_FORMAT)
        || lines.next().and_then(|l| l.strip_prefix("key ")) != Some(key)
    {
        return false;
    }
    let Some(stamp) = lines
        .next()
        .and_then(|l| l.strip_prefix("out "))
        .and_then(parse_stamp)
    else {
        return false;
    };
    lines.next().is_none() && FileStamp::of(out).ok() == Some(stamp)
}

/// The error for a failed link of `out`: a missing library if the linker names one of `link`
/// (or, failing that, if `check_libraries` finds one), else the linker's output.
fn link_error(
    res: Result<Output, String>,
    link: &[(String, String)],
    out: &Path,
    compiler: &Compiler,
) -> PkgError {
    let text = match res {
        Ok(output) => output_text(&output),
        Err(message) => {
            return PkgError::msg(message)
                .with_detail("install a C compiler (gcc or clang) or set CC to one");
        }
    };
    if let Some((package, lib)) = link.iter().find(|(_, lib)| linker_says_missing(&text, lib)) {
        return missing_library(package, lib, &text);
    }
    let dir = std::env::temp_dir().join(format!(
        "weir-libcheck-{}-{:016x}",
        std::process::id(),
        fsutil::random_u64()
    ));
    let checked = check_libraries_in(&dir, link, compiler);
    let _ = fs::remove_dir_all(&dir);
    if let Err(err) = checked {
        return err;
    }
    PkgError::in_file(
        display_path(out),
        "failed to link the native shared library",
    )
    .with_detail(text)
}

fn missing_library(package: &str, lib: &str, linker_output: &str) -> PkgError {
    PkgError::msg(format!(
        "package `{package}`: native library `{lib}` not found (`-l{lib}`)"
    ))
    .with_detail(linker_output)
}

/// Whether a linker's output says `-lLIB` was not found (GNU ld, gold, lld, ld64 wordings).
fn linker_says_missing(text: &str, lib: &str) -> bool {
    let flag = format!("-l{lib}");
    let quoted = format!("library '{lib}' not found");
    text.lines().any(|line| {
        if line.contains(&quoted) {
            return true;
        }
        let mentions_missing = line.contains("cannot find")
            || line.contains("unable to find")
            || line.contains("not found");
        mentions_missing
            && line.match_indices(&flag).any(|(at, _)| {
                line[at + flag.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| !(c.is_alphanumeric() || "_-+.".contains(c)))
            })
    })
}

/// Links a trivial program in `dir` against all of `link`; on failure, against each library
/// alone, to name the missing one.
fn check_libraries_in(
    dir: &Path,
    link: &[(String, String)],
    compiler: &Compiler,
) -> Result<(), PkgError> {
    let io_err = |e: io::Error| {
        PkgError::msg(format!(
            "cannot prepare the library check in `{}`: {e}",
            dir.display()
        ))
    };
    fs::create_dir_all(dir).map_err(io_err)?;
    fs::write(dir.join("main.c"), "int main(void) { return 0; }\n").map_err(io_err)?;
    let try_link = |libs: &[&str]| -> Result<Output, String> {
        let mut cmd = compiler.tool.to_command();
        cmd.current_dir(dir).arg("main.c").arg("-o").arg("main");
        add_link_libraries(&mut cmd, libs.iter().copied());
        run(&mut cmd, compiler)
    };
    let mut libs: Vec<(&str, &str)> = Vec::new();
    for (package, lib) in link {
        if !libs.iter().any(|(_, l)| l == lib) {
            libs.push((package, lib));
        }
    }
    let all: Vec<&str> = libs.iter().map(|(_, lib)| *lib).collect();
    let combined = match try_link(&all) {
        Ok(output) if output.status.success() => return Ok(()),
        Ok(output) => output_text(&output),
        Err(message) => {
            return Err(PkgError::msg(message)
                .with_detail("install a C compiler (gcc or clang) or set CC to one"))
        }
    };
    for (package, lib) in &libs {
        match try_link(&[lib]) {
            Ok(output) if output.status.success() => {}
            Ok(output) => return Err(missing_library(package, lib, &output_text(&output))),
            Err(message) => return Err(PkgError::msg(message)),
        }
    }
    Err(PkgError::msg(format!(
        "the native libraries {} cannot be linked together",
        all.iter()
            .map(|l| format!("`{l}`"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
    .with_detail(combined))
}

// ---------------------------------------------------------------------------------------------
// Paths as bytes

#[cfg(unix)]
fn path_bytes(path: &Path) -> std::borrow::Cow<'_, [u8]> {
    use std::os::unix::ffi::OsStrExt;
    std::borrow::Cow::Borrowed(path.as_os_str().as_bytes())
}

#[cfg(not(unix))]
fn path_bytes(path: &Path) -> std::borrow::Cow<'_, [u8]> {
    std::borrow::Cow::Owned(path.to_string_lossy().into_owned().into_bytes())
}

fn os_bytes(s: &OsStr) -> std::borrow::Cow<'_, [u8]> {
    path_bytes(Path::new(s))
}

#[cfg(unix)]
fn bytes_to_path(bytes: Vec<u8>) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    PathBuf::from(OsString::from_vec(bytes))
}

#[cfg(not(unix))]
fn bytes_to_path(bytes: Vec<u8>) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(&bytes).into_owned())
}

fn from_hex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 == 1 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dep_file_with_continuations_and_escapes() {
        let text =
            b"/out/x.o: src/a.c include/my\\ lib.h \\\n /usr/include/stdio.h \\\n  odd$$name.h\n";
        let deps = parse_dep_file(text).unwrap();
        let want: Vec<PathBuf> = [
            "src/a.c",
            "include/my lib.h",
            "/usr/include/stdio.h",
            "odd$name.h",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        assert_eq!(deps, want);
    }

    #[test]
    fn dep_file_stops_at_phony_rules() {
        let deps = parse_dep_file(b"x.o: a.c b.h\n\nb.h:\n").unwrap();
        assert_eq!(deps, vec![PathBuf::from("a.c"), PathBuf::from("b.h")]);
        assert_eq!(parse_dep_file(b"no rule here"), None);
        assert_eq!(parse_dep_file(b""), None);
    }

    #[test]
    fn fingerprint_round_trips_and_rejects_garbage() {
        let fp = Fingerprint {
            key: "k".repeat(64),
            obj: FileStamp {
                size: 1,
                mtime_ns: -5,
                ino: 7,
            },
            files: vec![
                FileRecord {
                    path: PathBuf::from("src/a b.c"),
                    hash: "0".repeat(64),
                    stamp: Some(FileStamp {
                        size: 3,
                        mtime_ns: 12_345_678_901_234,
                        ino: 9,
                    }),
                },
                FileRecord {
                    path: PathBuf::from("/usr/include/stdio.h"),
                    hash: "f".repeat(64),
                    stamp: None,
                },
            ],
        };
        let text = fp.to_text();
        assert_eq!(Fingerprint::parse(&text), Some(fp));
        for bad in [
            "",
            "weir-native-fp 0\n",
            &text[..text.len() / 2],
            &text.replace("file ", "fil "),
            &text.replace(",", ";"),
            "weir-native-fp 1\nkey x\nobj 1,2,3\n",
        ] {
            assert_eq!(Fingerprint::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn linker_missing_library_wordings() {
        let gnu = "/usr/bin/ld: cannot find -lfoo: No such file or directory\n";
        assert!(linker_says_missing(gnu, "foo"));
        assert!(!linker_says_missing(gnu, "fo"));
        assert!(!linker_says_missing(gnu, "bar"));
        assert!(linker_says_missing(
            "/usr/bin/ld: cannot find -lfoo\n",
            "foo"
        ));
        assert!(linker_says_missing(
            "ld.lld: error: unable to find library -lfoo",
            "foo"
        ));
        assert!(linker_says_missing(
            "ld: library not found for -lfoo",
            "foo"
        ));
        assert!(linker_says_missing("ld: library 'foo' not found", "foo"));
        assert!(!linker_says_missing("undefined reference to `foo'", "foo"));
    }

    #[test]
    fn error_position_is_taken_from_the_source_only() {
        let out = "In file included from src/a.c:1:\n\
                   include/a.h:2:3: error: bad\n\
                   src/a.c:4:5: warning: meh\n\
                   src/a.c:6:7: error: worse\n";
        assert_eq!(
            first_error_position(out, Path::new("src/a.c")),
            Some((6, 7))
        );
        assert_eq!(first_error_position("garbage", Path::new("src/a.c")), None);
    }

    #[test]
    fn only_old_stamps_are_trusted() {
        let now = SystemTime::now();
        let now_ns = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as i128;
        let fresh = FileStamp {
            size: 1,
            mtime_ns: now_ns - 1_000_000,
            ino: 1,
        };
        let old = FileStamp {
            size: 1,
            mtime_ns: now_ns - 10_000_000_000,
            ino: 1,
        };
        assert_eq!(trusted(fresh, now), None);
        assert_eq!(trusted(old, now), Some(old));
    }

    #[test]
    fn hex_round_trip() {
        assert_eq!(from_hex("00ff10"), Some(vec![0, 255, 16]));
        assert_eq!(from_hex("0"), None);
        assert_eq!(from_hex("zz"), None);
        assert_eq!(from_hex("é1"), None);
    }

    #[test]
    fn host_triple_names_this_platform() {
        let triple = host_triple();
        assert!(triple.starts_with(std::env::consts::ARCH), "{triple}");
    }

    #[test]
    fn a_missing_compiler_is_reported_as_such() {
        let path = Path::new("/nonexistent/weir-test-cc");
        let mut cmd = Command::new(path);
        cmd.arg("--version");
        let (message, detail) = identity_from(path, cmd).unwrap_err();
        assert!(
            message.contains("C compiler `/nonexistent/weir-test-cc` not found"),
            "{message}"
        );
        assert!(detail.contains("CC"), "{detail}");
    }
}

#[cfg(test)]
mod missing_header_tests {
    #[test]
    fn finds_the_missing_header() {
        let out = "native/gl.c:7:10: fatal error: GLFW/glfw3.h: No such file or directory\n";
        assert_eq!(super::missing_header(out), Some("GLFW/glfw3.h"));
        assert_eq!(
            super::missing_header("x.c:1:1: error: expected ';'\n"),
            None
        );
    }
}
