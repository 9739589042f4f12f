//! Native C compilation (`weir_pkg::native`, packages.md §5) against the system C compiler: the
//! fixtures of `test_data/native/` are copied to a temporary folder, compiled, edited and
//! compiled again; shared libraries are loaded with `dlopen` and called.

use std::ffi::CString;
use std::fs;
use std::path::{Path, PathBuf};

use weir_pkg::fsutil::FileStamp;
use weir_pkg::native::{
    c_compiler, check_libraries, compile_objects, link_shared, NativeSpec, Profile,
};

/// A copy of `test_data/native/NAME` in a fresh temporary folder.
fn fixture(name: &str) -> (tempfile::TempDir, PathBuf) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("test_data/native")
        .join(name);
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join(name);
    for entry in walkdir::WalkDir::new(&src) {
        let entry = entry.unwrap();
        let dest = root.join(entry.path().strip_prefix(&src).unwrap());
        if entry.file_type().is_dir() {
            fs::create_dir_all(&dest).unwrap();
        } else {
            fs::copy(entry.path(), &dest).unwrap();
        }
    }
    (tmp, root)
}

fn mylib(root: &Path) -> NativeSpec {
    NativeSpec {
        package: "mylib".to_string(),
        root: root.to_path_buf(),
        sources: vec!["src/add.c".into(), "src/scale.c".into()],
        include: vec!["include".into()],
        cflags: vec![],
        link: vec![],
    }
}

fn out_dir(root: &Path) -> PathBuf {
    root.join("target/native/mylib")
}

/// Replaces `from` by `to` in the file at `path` (in place, same inode).
fn edit(path: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from:?} not in {}", path.display());
    fs::write(path, text.replace(from, to)).unwrap();
}

fn set_mtime(path: &Path, mtime: std::time::SystemTime) {
    fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
}

fn stamps(paths: &[PathBuf]) -> Vec<FileStamp> {
    paths.iter().map(|p| FileStamp::of(p).unwrap()).collect()
}

/// A loaded shared library, closed on drop.
struct Lib(*mut libc::c_void);

impl Lib {
    fn open(path: &Path) -> Lib {
        let c_path = CString::new(path.to_str().unwrap()).unwrap();
        // SAFETY: a valid C string; the library's initialisers are the fixture's (none).
        let handle = unsafe { libc::dlopen(c_path.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
        assert!(!handle.is_null(), "dlopen {} failed", path.display());
        Lib(handle)
    }

    fn int_fn(&self, name: &str) -> extern "C" fn(i32, i32) -> i32 {
        let c_name = CString::new(name).unwrap();
        // SAFETY: the handle is open; the fixture defines these symbols with this signature
        // (a one-argument function ignores the second argument under the C calling convention).
        unsafe {
            let sym = libc::dlsym(self.0, c_name.as_ptr());
            assert!(!sym.is_null(), "dlsym {name} failed");
            std::mem::transmute::<*mut libc::c_void, extern "C" fn(i32, i32) -> i32>(sym)
        }
    }
}

impl Drop for Lib {
    fn drop(&mut self) {
        // SAFETY: the handle came from dlopen and no function pointer outlives the test body.
        unsafe {
            libc::dlclose(self.0);
        }
    }
}

#[test]
fn compiles_objects_then_reuses_them() {
    let (_tmp, root) = fixture("mylib");
    let spec = mylib(&root);
    let first = compile_objects(&spec, &out_dir(&root), Profile::Debug).unwrap();
    assert_eq!((first.compiled, first.fresh), (2, 0));
    assert_eq!(first.objects.len(), 2);
    for obj in &first.objects {
        assert!(obj.is_file(), "{} missing", obj.display());
        assert!(obj.starts_with(out_dir(&root)));
    }
    assert_ne!(first.objects[0], first.objects[1]);
    assert!(first.warnings.is_empty(), "{:?}", first.warnings);
    let before = stamps(&first.objects);

    let second = compile_objects(&spec, &out_dir(&root), Profile::Debug).unwrap();
    assert_eq!((second.compiled, second.fresh), (0, 2));
    assert_eq!(second.objects, first.objects);
    assert_eq!(
        stamps(&second.objects),
        before,
        "a fresh object was rewritten"
    );
}

#[test]
fn no_sources_need_no_compiler() {
    let (_tmp, root) = fixture("mylib");
    let spec = NativeSpec {
        sources: vec![],
        ..mylib(&root)
    };
    let res = compile_objects(&spec, &out_dir(&root), Profile::Debug).unwrap();
    assert!(res.objects.is_empty());
    assert_eq!((res.compiled, res.fresh), (0, 0));
}

#[test]
fn a_header_edit_recompiles_its_includers() {
    let (_tmp, root) = fixture("mylib");
    let spec = mylib(&root);
    let out = out_dir(&root);
    // A header written "just now" (its mtime in the future keeps it so however slow the
    // machine): its stamp alone can never prove it unchanged.
    let header = root.join("include/mylib.h");
    let mtime = std::time::SystemTime::now() + std::time::Duration::from_secs(3600);
    set_mtime(&header, mtime);
    let objs = compile_objects(&spec, &out, Profile::Debug)
        .unwrap()
        .objects;
    {
        let lib = Lib::open(&link_shared(&objs, &[], &root.join("target/a/libmylib.so")).unwrap());
        assert_eq!(lib.int_fn("mylib_scaled")(-21, 0), 42);
    }
    // Same size, same inode, and the mtime put back: only the contents tell the change (a
    // rewrite within one timestamp tick looks like this).
    let stamp = FileStamp::of(&header).unwrap();
    edit(&header, "MYLIB_SCALE 2", "MYLIB_SCALE 3");
    set_mtime(&header, mtime);
    assert_eq!(FileStamp::of(&header).unwrap(), stamp);
    let res = compile_objects(&spec, &out, Profile::Debug).unwrap();
    assert_eq!((res.compiled, res.fresh), (2, 0));
    let lib =
        Lib::open(&link_shared(&res.objects, &[], &root.join("target/b/libmylib.so")).unwrap());
    assert_eq!(lib.int_fn("mylib_scaled")(-21, 0), 63);

    let again = compile_objects(&spec, &out, Profile::Debug).unwrap();
    assert_eq!((again.compiled, again.fresh), (0, 2));
}

#[test]
fn touched_files_stay_fresh_and_their_stamps_are_refreshed() {
    let (_tmp, root) = fixture("mylib");
    let spec = mylib(&root);
    let out = out_dir(&root);
    let objs = compile_objects(&spec, &out, Profile::Debug)
        .unwrap()
        .objects;
    let fp = objs[0].with_extension("fp");
    let before = fs::read_to_string(&fp).unwrap();
    // An hour old: from now on their stamps can be trusted.
    let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for file in ["include/mylib.h", "src/add.c", "src/scale.c"] {
        set_mtime(&root.join(file), an_hour_ago);
    }
    let res = compile_objects(&spec, &out, Profile::Debug).unwrap();
    assert_eq!((res.compiled, res.fresh), (0, 2));
    let after = fs::read_to_string(&fp).unwrap();
    assert_ne!(after, before, "the new stamps were not recorded");
    let res = compile_objects(&spec, &out, Profile::Debug).unwrap();
    assert_eq!((res.compiled, res.fresh), (0, 2));
    assert_eq!(
        fs::read_to_string(&fp).unwrap(),
        after,
        "rewritten with nothing new"
    );
}

#[test]
fn a_source_edit_recompiles_only_that_source() {
    let (_tmp, root) = fixture("mylib");
    let spec = mylib(&root);
    let out = out_dir(&root);
    compile_objects(&spec, &out, Profile::Debug).unwrap();
    edit(&root.join("src/add.c"), "a + b", "b + a");
    let res = compile_objects(&spec, &out, Profile::Debug).unwrap();
    assert_eq!((res.compiled, res.fresh), (1, 1));
}

#[test]
fn changed_flags_or_profile_recompile() {
    let (_tmp, root) = fixture("mylib");
    let mut spec = mylib(&root);
    let out = out_dir(&root);
    compile_objects(&spec, &out, Profile::Debug).unwrap();

    spec.cflags = vec!["-DMYLIB_EXTRA=1".to_string()];
    let res = compile_objects(&spec, &out, Profile::Debug).unwrap();
    assert_eq!((res.compiled, res.fresh), (2, 0));
    let res = compile_objects(&spec, &out, Profile::Debug).unwrap();
    assert_eq!((res.compiled, res.fresh), (0, 2));

    let res = compile_objects(&spec, &out, Profile::Release).unwrap();
    assert_eq!((res.compiled, res.fresh), (2, 0));

    spec.include.push("src".into());
    let res = compile_objects(&spec, &out, Profile::Release).unwrap();
    assert_eq!((res.compiled, res.fresh), (2, 0));
}

#[test]
fn corrupt_fingerprints_or_objects_recompile_without_error() {
    let (_tmp, root) = fixture("mylib");
    let spec = mylib(&root);
    let out = out_dir(&root);
    compile_objects(&spec, &out, Profile::Debug).unwrap();
    let fps: Vec<PathBuf> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "fp"))
        .collect();
    assert_eq!(fps.len(), 2, "one fingerprint per object");
    for (fp, garbage) in fps.iter().zip([&b"\xff\x00 not a fingerprint"[..], b""]) {
        fs::write(fp, garbage).unwrap();
    }
    let res = compile_objects(&spec, &out, Profile::Debug).unwrap();
    assert_eq!((res.compiled, res.fresh), (2, 0));

    // Truncated fingerprint, then a deleted object.
    let fp0 = res.objects[0].with_extension("fp");
    let text = fs::read(&fp0).unwrap();
    fs::write(&fp0, &text[..text.len() / 2]).unwrap();
    fs::remove_file(&res.objects[1]).unwrap();
    let res = compile_objects(&spec, &out, Profile::Debug).unwrap();
    assert_eq!((res.compiled, res.fresh), (2, 0));
    assert!(res.objects.iter().all(|o| o.is_file()));

    // No temporary files are left behind.
    let names: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains(".tmp.")), "{names:?}");
    let mut objects_and_fps: Vec<&String> = names.iter().filter(|n| !n.starts_with('.')).collect();
    objects_and_fps.sort();
    assert_eq!(objects_and_fps.len(), 4, "{names:?}");
}

#[test]
fn a_deleted_header_recompiles_and_reports_the_compiler_error() {
    let (_tmp, root) = fixture("mylib");
    let spec = mylib(&root);
    let out = out_dir(&root);
    compile_objects(&spec, &out, Profile::Debug).unwrap();
    fs::remove_file(root.join("include/mylib.h")).unwrap();
    let err = compile_objects(&spec, &out, Profile::Debug).unwrap_err();
    assert!(err.detail.contains("mylib.h"), "{err}");
    assert!(err.message.contains("(and 1 other)"), "{err}");
}

#[test]
fn a_syntax_error_names_the_package_and_shows_the_compiler_output() {
    let (_tmp, root) = fixture("bad");
    let spec = NativeSpec {
        package: "bad".to_string(),
        root: root.clone(),
        sources: vec!["src/bad.c".into()],
        include: vec![],
        cflags: vec![],
        link: vec![],
    };
    let err = compile_objects(&spec, &root.join("target/native/bad"), Profile::Debug).unwrap_err();
    assert_eq!(
        err.message,
        "package `bad`: failed to compile native source `src/bad.c`"
    );
    assert_eq!(err.file.as_deref(), Some(root.join("src/bad.c").as_path()));
    assert_eq!((err.line, err.col), (Some(6), Some(15)), "{err}");
    assert!(
        err.detail.contains("src/bad.c:6:15: error:"),
        "{}",
        err.detail
    );
    let shown = err.to_string();
    assert!(
        shown.starts_with(&format!(
            "{}:6:15: error: package `bad`",
            root.join("src/bad.c").display()
        )),
        "{shown}"
    );
    // Nothing usable is left behind, and the next try fails the same way.
    let again =
        compile_objects(&spec, &root.join("target/native/bad"), Profile::Debug).unwrap_err();
    assert_eq!(again, err);
}

#[test]
fn warnings_are_returned_not_printed() {
    let (_tmp, root) = fixture("warn");
    let spec = NativeSpec {
        package: "warn".to_string(),
        root: root.clone(),
        sources: vec!["src/warn.c".into()],
        include: vec![],
        cflags: vec![],
        link: vec![],
    };
    let res = compile_objects(&spec, &root.join("target/native/warn"), Profile::Debug).unwrap();
    assert_eq!(res.compiled, 1);
    assert_eq!(res.warnings.len(), 1, "{:?}", res.warnings);
    assert!(
        res.warnings[0].1.contains("unused_variable"),
        "{:?}",
        res.warnings
    );
}

#[test]
fn missing_sources_and_include_folders_are_named() {
    let (_tmp, root) = fixture("mylib");
    let mut spec = mylib(&root);
    spec.sources.push("src/nope.c".into());
    let err = compile_objects(&spec, &out_dir(&root), Profile::Debug).unwrap_err();
    assert_eq!(
        err.message,
        "package `mylib`: native source `src/nope.c` does not exist"
    );
    assert!(
        !out_dir(&root).exists(),
        "nothing compiled before the check"
    );

    let mut spec = mylib(&root);
    spec.include = vec!["headers".into()];
    let err = compile_objects(&spec, &out_dir(&root), Profile::Debug).unwrap_err();
    assert_eq!(
        err.message,
        "package `mylib`: include folder `headers` does not exist"
    );
}

#[test]
fn link_shared_loads_and_relinks_only_on_change() {
    let (_tmp, root) = fixture("mylib");
    let objs = compile_objects(&mylib(&root), &out_dir(&root), Profile::Debug)
        .unwrap()
        .objects;
    let so = root.join("target/native/libweir-native.so");
    let link = vec![("mylib".to_string(), "m".to_string())];
    assert_eq!(link_shared(&objs, &link, &so).unwrap(), so);
    {
        let lib = Lib::open(&so);
        assert_eq!(lib.int_fn("mylib_add")(2, 3), 5);
        assert_eq!(lib.int_fn("mylib_scaled")(7, 0), 14);
    }
    let stamp = FileStamp::of(&so).unwrap();
    link_shared(&objs, &link, &so).unwrap();
    assert_eq!(
        FileStamp::of(&so).unwrap(),
        stamp,
        "relinked with nothing changed"
    );

    // Fewer objects, a different library list, a corrupt fingerprint: each relinks.
    link_shared(&objs[..1], &link, &so).unwrap();
    let stamp2 = FileStamp::of(&so).unwrap();
    assert_ne!(stamp2, stamp);
    link_shared(&objs[..1], &[], &so).unwrap();
    let stamp3 = FileStamp::of(&so).unwrap();
    assert_ne!(stamp3, stamp2);
    fs::write(root.join("target/native/libweir-native.so.fp"), "junk").unwrap();
    link_shared(&objs[..1], &[], &so).unwrap();
    assert_ne!(FileStamp::of(&so).unwrap(), stamp3);
    let lib = Lib::open(&so);
    assert_eq!(lib.int_fn("mylib_add")(40, 2), 42);
}

#[test]
fn a_library_only_package_still_loads_its_library() {
    let (_tmp, root) = fixture("mylib");
    let so = root.join("target/libonly.so");
    link_shared(&[], &[("mathpkg".to_string(), "m".to_string())], &so).unwrap();
    let lib = Lib::open(&so);
    let c_name = CString::new("cos").unwrap();
    // SAFETY: the handle is open; `cos` is looked up, not called.
    let sym = unsafe { libc::dlsym(lib.0, c_name.as_ptr()) };
    assert!(!sym.is_null(), "libm is not a dependency of the library");
}

#[test]
fn a_missing_library_names_the_library_and_the_package() {
    let link = vec![
        ("mathpkg".to_string(), "m".to_string()),
        ("gfx".to_string(), "weir_no_such_library_42".to_string()),
    ];
    let err = check_libraries(&link).unwrap_err();
    assert_eq!(
        err.message,
        "package `gfx`: native library `weir_no_such_library_42` not found (`-lweir_no_such_library_42`)"
    );
    assert!(
        err.detail.contains("weir_no_such_library_42"),
        "{}",
        err.detail
    );

    let (_tmp, root) = fixture("mylib");
    let objs = compile_objects(&mylib(&root), &out_dir(&root), Profile::Debug)
        .unwrap()
        .objects;
    let so = root.join("target/libx.so");
    let err = link_shared(&objs, &link, &so).unwrap_err();
    assert_eq!(
        err.message,
        "package `gfx`: native library `weir_no_such_library_42` not found (`-lweir_no_such_library_42`)"
    );
    assert!(!so.exists());
    let leftovers: Vec<_> = fs::read_dir(root.join("target")).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "only target/native: {leftovers:?}");
}

#[test]
fn present_libraries_pass_the_check() {
    check_libraries(&[]).unwrap();
    check_libraries(&[
        ("a".to_string(), "m".to_string()),
        ("b".to_string(), "m".to_string()),
    ])
    .unwrap();
    let err = check_libraries(&[("a".to_string(), "-lm".to_string())]).unwrap_err();
    assert!(err.message.contains("package `a`"), "{err}");
}

#[test]
fn the_c_compiler_is_found() {
    let cc = c_compiler().unwrap();
    assert!(!cc.as_os_str().is_empty());
}

/// cc is used as a library: nothing reaches stdout (no `cargo:` lines), even for warnings and
/// errors. The work runs in a child process (this test binary again) whose stdout is inspected.
#[test]
fn nothing_is_printed_on_stdout() {
    if std::env::var_os("WEIR_NATIVE_STDOUT_CHILD").is_some() {
        for name in ["warn", "bad"] {
            let (_tmp, root) = fixture(name);
            let spec = NativeSpec {
                package: name.to_string(),
                root: root.clone(),
                sources: vec![format!("src/{name}.c").into()],
                include: vec![],
                cflags: vec![],
                link: vec![],
            };
            let _ = compile_objects(
                &spec,
                &root.join("target/native").join(name),
                Profile::Debug,
            );
        }
        let _ = check_libraries(&[("gfx".to_string(), "weir_no_such_library_42".to_string())]);
        let _ = c_compiler();
        println!("child done");
        return;
    }
    let out = run_child(
        "nothing_is_printed_on_stdout",
        &[("WEIR_NATIVE_STDOUT_CHILD", "1")],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("child done"), "{stdout}");
    assert!(!stdout.contains("cargo:"), "{stdout}");
    assert!(!stdout.contains("unused_variable"), "{stdout}");
    assert!(!stdout.contains("error"), "{stdout}");
}

/// Runs the test `name` of this binary again in a child process with `envs` set, returning its
/// output (`--nocapture`: what the child prints is on its stdout).
fn run_child(name: &str, envs: &[(&str, &str)]) -> std::process::Output {
    std::process::Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .envs(envs.iter().copied())
        .output()
        .unwrap()
}

#[test]
fn a_missing_compiler_is_named() {
    if std::env::var_os("WEIR_NATIVE_CC_CHILD").is_some() {
        let (_tmp, root) = fixture("mylib");
        let err = compile_objects(&mylib(&root), &out_dir(&root), Profile::Debug).unwrap_err();
        println!("COMPILE {err}");
        let err = link_shared(&[], &[], &root.join("x.so")).unwrap_err();
        println!("LINK {err}");
        let err = c_compiler().unwrap_err();
        println!("CC {err}");
        return;
    }
    let out = run_child(
        "a_missing_compiler_is_named",
        &[
            ("WEIR_NATIVE_CC_CHILD", "1"),
            ("CC", "/nonexistent/weir-cc"),
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(
            "COMPILE error: C compiler `/nonexistent/weir-cc` not found \
             (needed for the native sources of package `mylib`)\n\
             install a C compiler (gcc or clang) or set CC to one"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("LINK error: C compiler `/nonexistent/weir-cc` not found"),
        "{stdout}"
    );
    assert!(
        stdout.contains("CC error: C compiler `/nonexistent/weir-cc` not found"),
        "{stdout}"
    );
}

#[test]
fn paths_with_spaces_are_tracked() {
    let (tmp, root) = fixture("mylib");
    let spaced = tmp.path().join("my packages/my lib");
    fs::create_dir_all(spaced.parent().unwrap()).unwrap();
    fs::rename(&root, &spaced).unwrap();
    fs::rename(
        spaced.join("include/mylib.h"),
        spaced.join("include/my lib.h"),
    )
    .unwrap();
    for src in ["src/add.c", "src/scale.c"] {
        edit(&spaced.join(src), "\"mylib.h\"", "\"my lib.h\"");
    }
    let spec = mylib(&spaced);
    let out = spaced.join("target/native $dir");
    let res = compile_objects(&spec, &out, Profile::Debug).unwrap();
    assert_eq!((res.compiled, res.fresh), (2, 0));
    let res = compile_objects(&spec, &out, Profile::Debug).unwrap();
    assert_eq!((res.compiled, res.fresh), (0, 2));
    edit(&spaced.join("include/my lib.h"), "SCALE 2", "SCALE 4");
    let res = compile_objects(&spec, &out, Profile::Debug).unwrap();
    assert_eq!((res.compiled, res.fresh), (2, 0));
}

/// A relative root is taken from the current folder (the crate folder under `cargo test`), and
/// errors show paths relative to it. The fixture is only read.
#[test]
fn a_relative_root_gives_relative_messages() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = NativeSpec {
        package: "bad".to_string(),
        root: "test_data/native/bad".into(),
        sources: vec!["src/bad.c".into()],
        include: vec![],
        cflags: vec![],
        link: vec![],
    };
    let err = compile_objects(&spec, tmp.path(), Profile::Release).unwrap_err();
    assert!(
        err.to_string().starts_with(
            "test_data/native/bad/src/bad.c:6:15: error: \
             package `bad`: failed to compile native source `src/bad.c`\n"
        ),
        "{err}"
    );
}
