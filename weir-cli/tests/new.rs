//! `weir new`, `weir init`, `weir tree` and `weir clean` (packages.md §7), and the templates of
//! `templates/` that `weir new` copies.
//!
//! Every test works in its own temporary folder outside the repository (so that `git init` is
//! not skipped because of the repository's own work tree). Building and running the new packages
//! needs package mode in `weir build`/`weir run`; that is `tests/templates_run.rs`. Here the
//! modules of each template are type-checked with the compiler's module checker directly.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use assert_cmd::Command;
use predicates::prelude::*;
use predicates::str::contains;
use tempfile::TempDir;

use weir_pkg::manifest::Manifest;
use weir_pkg::modules::{package_modules, test_modules};

/// (template, `weir new` flags, whether it is an application).
const TEMPLATES: &[(&str, &[&str], bool)] = &[
    ("app", &[], true),
    ("lib", &["--lib"], false),
    ("c-lib", &["--template", "c-lib"], false),
    ("gl-app", &["--template", "gl-app"], true),
];

fn weir() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_weir"));
    cmd.env_remove("NO_COLOR");
    cmd
}

fn weir_in(dir: &Path) -> Command {
    let mut cmd = weir();
    cmd.current_dir(dir);
    cmd
}

fn tmp() -> TempDir {
    tempfile::Builder::new()
        .prefix("weir-new-test")
        .tempdir()
        .unwrap()
}

fn templates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../templates")
}

fn git_available() -> bool {
    std::process::Command::new("git")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Every file below `dir` (relative path → contents), skipping `.git/`.
fn files_below(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().unwrap() == ".git" {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap().to_path_buf();
                out.insert(rel, fs::read_to_string(&path).unwrap());
            }
        }
    }
    out
}

/// What `weir new NAME` should write for `template`: the folder's files with the placeholders
/// replaced, in paths and contents.
fn expected_files(template: &str, name: &str) -> BTreeMap<PathBuf, String> {
    let subst = |s: &str| {
        s.replace("{{name}}", name)
            .replace("{{c_name}}", &name.replace('-', "_"))
    };
    files_below(&templates_dir().join(template))
        .into_iter()
        .map(|(rel, text)| (PathBuf::from(subst(rel.to_str().unwrap())), subst(&text)))
        .collect()
}

fn created_message(name: &str, app: bool) -> String {
    let what = if app {
        "binary (application)"
    } else {
        "library"
    };
    format!("     Created {what} package `{name}`\n")
}

// ---------------------------------------------------------------------------------------------
// `weir new` and the templates.

#[test]
fn templates_folder_has_the_four_templates() {
    let mut dirs: Vec<String> = fs::read_dir(templates_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    dirs.sort();
    assert_eq!(dirs, ["app", "c-lib", "gl-app", "lib"]);
}

/// The files embedded in `weir` are exactly those of `templates/` (no file missing, none extra,
/// same contents), and every placeholder is known.
#[test]
fn embedded_templates_equal_the_templates_folder() {
    let tmp = tmp();
    for (template, _, _) in TEMPLATES {
        let name = "probe";
        let dir = tmp.path().join(template);
        weir_in(tmp.path())
            .args(["new", name, "--template", template, "--path"])
            .arg(&dir)
            .assert()
            .success();
        let got = files_below(&dir);
        let want = expected_files(template, name);
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            want.keys().collect::<Vec<_>>(),
            "files of template {template}"
        );
        for (rel, text) in &want {
            assert_eq!(&got[rel], text, "{template}: {}", rel.display());
            assert!(
                !text.contains("{{"),
                "{template}: {} has a placeholder left",
                rel.display()
            );
        }
    }
}

#[test]
fn new_creates_each_template_with_a_valid_manifest() {
    let tmp = tmp();
    for (template, flags, app) in TEMPLATES {
        let name = format!("my-{template}");
        weir_in(tmp.path())
            .arg("new")
            .arg(&name)
            .args(*flags)
            .assert()
            .success()
            .stdout("")
            .stderr(created_message(&name, *app));
        let dir = tmp.path().join(&name);
        assert_eq!(files_below(&dir), expected_files(template, &name));
        let m = Manifest::load(&dir.join("weir.pkg")).unwrap();
        assert_eq!(m.name, name);
        assert_eq!(m.version.to_string(), "0.1.0");
        assert_eq!(m.is_app(), *app, "{template}");
        let modules: Vec<String> = package_modules(&m)
            .unwrap()
            .into_iter()
            .map(|f| f.name)
            .collect();
        let tests: Vec<String> = test_modules(&m)
            .unwrap()
            .into_iter()
            .map(|f| f.name)
            .collect();
        let (want_modules, want_tests): (Vec<String>, Vec<String>) = match *template {
            "app" | "gl-app" => (vec![format!("{name}.main")], vec![]),
            "lib" => (
                vec![name.clone(), format!("{name}.util")],
                vec![format!("{name}.tests.basic")],
            ),
            "c-lib" => (vec![name.clone()], vec![format!("{name}.tests.basic")]),
            _ => unreachable!(),
        };
        assert_eq!(modules, want_modules, "{template}");
        assert_eq!(tests, want_tests, "{template}");
        if *template == "c-lib" {
            let native = m.native.as_ref().unwrap();
            assert_eq!(native.sources, [PathBuf::from(format!("native/{name}.c"))]);
            assert_eq!(native.link, ["m"]);
            let c = fs::read_to_string(dir.join(format!("native/{name}.c"))).unwrap();
            assert!(c.contains("double my_c_lib_norm3("), "{c}");
        }
        if *template == "gl-app" {
            assert_eq!(m.native.as_ref().unwrap().link, ["glfw", "GL", "m"]);
        }
    }
}

/// The modules that import nothing are whole programs: `weir check` in single-file mode works.
#[test]
fn application_main_files_check_in_single_file_mode() {
    let tmp = tmp();
    for template in ["app", "gl-app"] {
        weir_in(tmp.path())
            .args(["new", "demo", "--template", template, "--path", template])
            .assert()
            .success();
        weir_in(&tmp.path().join(template))
            .args(["check", "src/main.weir"])
            .assert()
            .success()
            .stdout("")
            .stderr("");
    }
}

/// Every module of every template (tests included) type-checks with the compiler's module
/// checker, each module seeing the interfaces of those it imports.
#[test]
fn template_modules_type_check_against_each_other() {
    let tmp = tmp();
    for (template, _, _) in TEMPLATES {
        let name = format!("t-{template}");
        weir_in(tmp.path())
            .args(["new", &name, "--template", template])
            .assert()
            .success();
        let m = Manifest::load(&tmp.path().join(&name).join("weir.pkg")).unwrap();
        let mut mods: Vec<(String, String, bool)> = Vec::new();
        for f in package_modules(&m).unwrap() {
            mods.push((f.name, fs::read_to_string(&f.path).unwrap(), f.is_main));
        }
        for f in test_modules(&m).unwrap() {
            mods.push((f.name, fs::read_to_string(&f.path).unwrap(), false));
        }
        let errors =
            weir_compiler::with_stack(weir_compiler::BIG_STACK, move || check_modules(mods));
        assert_eq!(errors, "", "template {template}");
    }
}

/// Checks `(name, text, is_main)` modules in import order; returns every diagnostic as text.
fn check_modules(mods: Vec<(String, String, bool)>) -> String {
    use weir_compiler::ast::Item;
    use weir_compiler::check::{check_module_in, CheckOptions};
    use weir_compiler::span::SourceMap;

    let mut sm = SourceMap::new();
    let mut parsed = Vec::new();
    let mut out = String::new();
    for (name, text, is_main) in &mods {
        let file = sm.add(name.clone(), text.clone());
        let (module, diags) = weir_compiler::parse_file(file, text);
        for d in diags {
            out.push_str(&format!("{name}: {}\n", d.message));
        }
        let imports: Vec<String> = module
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Import(imp) => Some(imp.module.text.clone()),
                _ => None,
            })
            .collect();
        parsed.push((name.clone(), file, module, imports, *is_main));
    }
    let mut ifaces = HashMap::new();
    while !parsed.is_empty() {
        let Some(i) = parsed
            .iter()
            .position(|(_, _, _, imports, _)| imports.iter().all(|m| ifaces.contains_key(m)))
        else {
            let left: Vec<_> = parsed.iter().map(|p| (&p.0, &p.3)).collect();
            out.push_str(&format!("unresolvable imports: {left:?}\n"));
            break;
        };
        let (name, file, module, _, is_main) = parsed.remove(i);
        let res = check_module_in(
            &module,
            &name,
            file,
            &ifaces,
            CheckOptions {
                require_main: is_main,
            },
        );
        for d in &res.diagnostics {
            let (l, c) = d
                .primary_span()
                .map(|s| sm.get(file).line_col(s.start))
                .unwrap_or((0, 0));
            out.push_str(&format!("{name} {l}:{c}: {}\n", d.message));
        }
        match res.interface {
            Some(iface) => {
                ifaces.insert(name, Arc::new(iface));
            }
            None => {
                out.push_str(&format!("{name}: no interface\n"));
                break;
            }
        }
    }
    out
}

#[test]
fn new_runs_git_init_outside_a_work_tree_only() {
    if !git_available() {
        return;
    }
    let tmp = tmp();
    weir_in(tmp.path())
        .args(["new", "outer"])
        .assert()
        .success();
    assert!(tmp.path().join("outer/.git").is_dir());
    // Inside the new repository, no nested repository is made.
    weir_in(&tmp.path().join("outer"))
        .args(["new", "inner", "--lib"])
        .assert()
        .success();
    assert!(tmp.path().join("outer/inner/weir.pkg").is_file());
    assert!(!tmp.path().join("outer/inner/.git").exists());
}

#[test]
fn new_works_without_git() {
    let tmp = tmp();
    weir_in(tmp.path())
        .env("PATH", "")
        .args(["new", "nogit"])
        .assert()
        .success()
        .stderr(created_message("nogit", true));
    assert!(tmp.path().join("nogit/weir.pkg").is_file());
    assert!(!tmp.path().join("nogit/.git").exists());
}

#[test]
fn new_with_path() {
    let tmp = tmp();
    weir_in(tmp.path())
        .args(["new", "geometry", "--lib", "--path", "deep/er/geo"])
        .assert()
        .success()
        .stderr(created_message("geometry", false));
    let m = Manifest::load(&tmp.path().join("deep/er/geo/weir.pkg")).unwrap();
    assert_eq!(m.name, "geometry");
    assert!(!tmp.path().join("geometry").exists());
}

#[test]
fn new_refuses_bad_names() {
    let tmp = tmp();
    let cases: &[(&str, &[&str])] = &[
        (
            "My_App",
            &[
                "error: \"My_App\" is not a valid package name",
                "help: try `weir new my-app`",
            ],
        ),
        (
            "1st",
            &["is not a valid package name", "help: try `weir new st`"],
        ),
        ("-x", &["is not a valid package name"]),
        ("", &["is not a valid package name"]),
        ("if", &["`if` is a reserved word"]),
        ("i64", &["`i64` is a reserved word"]),
        ("a/b", &["looks like a path", "--path DIR"]),
        (&"a".repeat(65), &["at most 64"]),
    ];
    for (name, messages) in cases {
        let mut assert = weir_in(tmp.path())
            .args(["new", "--", name])
            .assert()
            .code(1)
            .stdout("");
        for m in *messages {
            assert = assert.stderr(contains(*m));
        }
    }
    assert_eq!(
        fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "nothing created"
    );
}

#[test]
fn new_refuses_a_non_empty_folder() {
    let tmp = tmp();
    let dir = tmp.path().join("taken");
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("notes.txt"), "mine").unwrap();
    weir_in(tmp.path())
        .args(["new", "taken"])
        .assert()
        .code(1)
        .stderr(contains(
            "error: destination `taken` already exists and is not empty",
        ));
    assert_eq!(files_below(&dir).len(), 1);
    assert_eq!(fs::read_to_string(dir.join("notes.txt")).unwrap(), "mine");

    // A file in the way.
    fs::write(tmp.path().join("afile"), "x").unwrap();
    weir_in(tmp.path())
        .args(["new", "afile"])
        .assert()
        .code(1)
        .stderr(contains("`afile` already exists and is not a folder"));

    // An empty folder is fine.
    fs::create_dir(tmp.path().join("empty")).unwrap();
    weir_in(tmp.path())
        .args(["new", "empty"])
        .assert()
        .success();
    assert!(tmp.path().join("empty/src/main.weir").is_file());
}

#[test]
fn lib_and_template_conflict() {
    let tmp = tmp();
    weir_in(tmp.path())
        .args(["new", "x", "--lib", "--template", "app"])
        .assert()
        .code(2);
    weir_in(tmp.path())
        .args(["new", "x", "--template", "nope"])
        .assert()
        .code(2)
        .stderr(contains("gl-app"));
    assert!(!tmp.path().join("x").exists());
}

// ---------------------------------------------------------------------------------------------
// `weir init`.

#[test]
fn init_uses_the_folder_name() {
    let tmp = tmp();
    let dir = tmp.path().join("My_Project");
    fs::create_dir(&dir).unwrap();
    weir_in(&dir)
        .args(["init", "--lib"])
        .assert()
        .success()
        .stderr(
            "note: the package is named `my-project` after the folder `My_Project`; use \
             `--name` to choose another name\n     Created library package `my-project`\n",
        );
    assert_eq!(files_below(&dir), expected_files("lib", "my-project"));

    let dir = tmp.path().join("plain");
    fs::create_dir(&dir).unwrap();
    weir_in(&dir)
        .arg("init")
        .assert()
        .success()
        .stderr(created_message("plain", true));
}

#[test]
fn init_with_name() {
    let tmp = tmp();
    weir_in(tmp.path())
        .args(["init", "--name", "shapes", "--template", "c-lib"])
        .assert()
        .success()
        .stderr(created_message("shapes", false));
    assert!(tmp.path().join("native/shapes.c").is_file());
    let other = tmp.path().join("other");
    fs::create_dir(&other).unwrap();
    weir_in(&other)
        .args(["init", "--name", "Bad Name"])
        .assert()
        .code(1)
        .stderr(contains("is not a valid package name"))
        .stderr(contains("help: try `weir init --name bad-name`"));
    assert_eq!(fs::read_dir(&other).unwrap().count(), 0);
}

#[test]
fn init_refuses_a_folder_with_a_manifest() {
    let tmp = tmp();
    fs::write(tmp.path().join("weir.pkg"), "; mine\n").unwrap();
    weir_in(tmp.path())
        .args(["init", "--name", "x"])
        .assert()
        .code(1)
        .stderr(contains("`weir.pkg` already exists in this folder"));
    assert_eq!(
        fs::read_to_string(tmp.path().join("weir.pkg")).unwrap(),
        "; mine\n"
    );
    assert_eq!(files_below(tmp.path()).len(), 1);
}

#[test]
fn init_never_overwrites_files() {
    let tmp = tmp();
    fs::create_dir_all(tmp.path().join("src")).unwrap();
    fs::write(tmp.path().join("src/lib.weir"), "; my lib\n").unwrap();
    fs::create_dir_all(tmp.path().join("tests")).unwrap();
    fs::write(tmp.path().join("tests/basic.weir"), "; my tests\n").unwrap();
    weir_in(tmp.path())
        .args(["init", "--lib", "--name", "x"])
        .assert()
        .code(1)
        .stderr(contains(
            "error: these files already exist and would be overwritten:\n  src/lib.weir\n  \
             tests/basic.weir\n",
        ));
    // Nothing was written.
    let files = files_below(tmp.path());
    assert_eq!(files.len(), 2, "{files:?}");
    assert_eq!(files[Path::new("src/lib.weir")], "; my lib\n");

    // Another template that does not clash works; an existing `.gitignore` is kept as it is.
    fs::write(tmp.path().join(".gitignore"), "*.o\n").unwrap();
    weir_in(tmp.path())
        .args(["init", "--name", "x"])
        .assert()
        .success()
        .stderr(contains(
            "note: `.gitignore` already exists and was left unchanged",
        ));
    assert_eq!(
        fs::read_to_string(tmp.path().join(".gitignore")).unwrap(),
        "*.o\n"
    );
    assert_eq!(
        fs::read_to_string(tmp.path().join("src/lib.weir")).unwrap(),
        "; my lib\n"
    );
    assert!(tmp.path().join("src/main.weir").is_file());
}

// ---------------------------------------------------------------------------------------------
// `weir tree`.

fn write_pkg(root: &Path, name: &str, deps: &[&str]) {
    let dir = root.join(name);
    fs::create_dir_all(dir.join("src")).unwrap();
    let deps: String = deps
        .iter()
        .map(|d| format!(" ({d} (path \"../{d}\"))"))
        .collect();
    let deps = if deps.is_empty() {
        String::new()
    } else {
        format!("\n  (deps{deps})")
    };
    fs::write(
        dir.join("weir.pkg"),
        format!("(package\n  (name \"{name}\")\n  (version \"0.1.0\"){deps})\n"),
    )
    .unwrap();
    fs::write(dir.join("src/lib.weir"), "(pub defn one () : i64 1)\n").unwrap();
}

const DIAMOND_TREE: &str = "\
app v0.1.0 (.)
├── left v0.1.0 (../left)
│   └── base v0.1.0 (../base)
└── right v0.1.0 (../right)
    └── base v0.1.0 (../base) (*)
";

#[test]
fn tree_of_a_diamond() {
    let tmp = tmp();
    write_pkg(tmp.path(), "base", &[]);
    write_pkg(tmp.path(), "left", &["base"]);
    write_pkg(tmp.path(), "right", &["base"]);
    write_pkg(tmp.path(), "app", &["right", "left"]);
    // From a subfolder: the manifest is found upward.
    weir_in(&tmp.path().join("app/src"))
        .arg("tree")
        .assert()
        .success()
        .stdout(DIAMOND_TREE)
        .stderr("");
    // --manifest-path, as a file and as a folder.
    weir_in(tmp.path())
        .args(["tree", "--manifest-path", "app/weir.pkg"])
        .assert()
        .success()
        .stdout(DIAMOND_TREE);
    weir_in(tmp.path())
        .args(["tree", "--manifest-path", "app"])
        .assert()
        .success()
        .stdout(DIAMOND_TREE);
    weir_in(&tmp.path().join("base"))
        .arg("tree")
        .assert()
        .success()
        .stdout("base v0.1.0 (.)\n");
}

#[test]
fn tree_outside_any_package() {
    let tmp = tmp();
    let cwd = tmp.path().canonicalize().unwrap();
    weir_in(&cwd)
        .arg("tree")
        .assert()
        .code(1)
        .stdout("")
        .stderr(format!(
            "error: could not find `weir.pkg` in `{}` or any parent folder\n",
            cwd.display()
        ));
    weir_in(&cwd)
        .args(["tree", "--manifest-path", "nope/weir.pkg"])
        .assert()
        .code(1)
        .stderr("error: manifest `nope/weir.pkg` does not exist\n");
}

#[test]
fn tree_reports_manifest_errors_with_their_location() {
    let tmp = tmp();
    write_pkg(tmp.path(), "app", &["missing"]);
    weir_in(&tmp.path().join("app"))
        .arg("tree")
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::starts_with("weir.pkg:4:"))
        .stderr(contains(": error: "))
        .stderr(contains("missing"));
    fs::write(
        tmp.path().join("app/weir.pkg"),
        "(package\n  (name \"app\")\n  (version \"one\"))\n",
    )
    .unwrap();
    weir_in(&tmp.path().join("app"))
        .arg("tree")
        .assert()
        .code(1)
        .stderr(predicate::str::starts_with("weir.pkg:3:12: error: "));
}

// ---------------------------------------------------------------------------------------------
// `weir clean`.

#[test]
fn clean_removes_only_target() {
    let tmp = tmp();
    weir_in(tmp.path()).args(["new", "pkg"]).assert().success();
    let root = tmp.path().join("pkg");
    fs::create_dir_all(root.join("target/debug/deps")).unwrap();
    fs::create_dir_all(root.join("target/cache")).unwrap();
    fs::write(root.join("target/debug/pkg"), vec![0u8; 2048]).unwrap();
    fs::write(root.join("target/debug/deps/a.o"), "o").unwrap();
    fs::write(root.join("target/cache/x"), "").unwrap();
    // Something outside the package, linked from inside target/: the link goes, not the file.
    let outside = tmp.path().join("precious.txt");
    fs::write(&outside, "keep me").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&outside, root.join("target/link")).unwrap();
    let before: Vec<PathBuf> = files_below(&root).into_keys().collect();

    weir_in(&root.join("src"))
        .arg("clean")
        .assert()
        .success()
        .stdout("")
        .stderr(if cfg!(unix) {
            "     Removed 4 files, 2.0KiB total\n"
        } else {
            "     Removed 3 files, 2.0KiB total\n"
        });
    assert!(!root.join("target").exists());
    assert_eq!(fs::read_to_string(&outside).unwrap(), "keep me");
    let after: Vec<PathBuf> = files_below(&root).into_keys().collect();
    let want: Vec<PathBuf> = before
        .into_iter()
        .filter(|p| !p.starts_with("target"))
        .collect();
    assert_eq!(after, want);
    assert!(root.join("weir.pkg").is_file() && root.join("src/main.weir").is_file());

    // Nothing left to clean.
    weir_in(&root)
        .arg("clean")
        .assert()
        .success()
        .stderr("     Removed 0 files\n");
}

#[cfg(unix)]
#[test]
fn clean_removes_a_target_link_but_not_its_destination() {
    let tmp = tmp();
    weir_in(tmp.path()).args(["new", "pkg"]).assert().success();
    let elsewhere = tmp.path().join("elsewhere");
    fs::create_dir(&elsewhere).unwrap();
    fs::write(elsewhere.join("keep"), "k").unwrap();
    std::os::unix::fs::symlink(&elsewhere, tmp.path().join("pkg/target")).unwrap();
    weir_in(&tmp.path().join("pkg"))
        .arg("clean")
        .assert()
        .success()
        .stderr("     Removed the symbolic link `target` (not what it points to)\n");
    assert!(fs::symlink_metadata(tmp.path().join("pkg/target")).is_err());
    assert_eq!(fs::read_to_string(elsewhere.join("keep")).unwrap(), "k");
}

#[test]
fn clean_refuses_a_target_that_is_not_a_folder() {
    let tmp = tmp();
    weir_in(tmp.path()).args(["new", "pkg"]).assert().success();
    fs::write(tmp.path().join("pkg/target"), "not ours").unwrap();
    weir_in(&tmp.path().join("pkg"))
        .arg("clean")
        .assert()
        .code(1)
        .stderr(contains("`target` is not a folder"));
    assert_eq!(
        fs::read_to_string(tmp.path().join("pkg/target")).unwrap(),
        "not ours"
    );
}

#[test]
fn clean_outside_any_package() {
    let tmp = tmp();
    fs::create_dir(tmp.path().join("target")).unwrap();
    weir_in(tmp.path())
        .arg("clean")
        .assert()
        .code(1)
        .stderr(contains("error: could not find `weir.pkg`"));
    assert!(tmp.path().join("target").is_dir());
}

#[test]
fn help_mentions_the_package_commands() {
    let mut assert = weir().arg("--help").assert().success();
    for sub in ["new", "init", "tree", "clean"] {
        assert = assert.stdout(contains(format!("  weir {sub}")));
    }
}
