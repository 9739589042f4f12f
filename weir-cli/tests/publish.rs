//! `weir publish` and `weir yank` (packages.md §7) against folder registries in temporary
//! folders.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;
use tempfile::TempDir;

use weir_pkg::index::{index_path, DirIndex, Index};

fn weir_in(dir: &Path, home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_weir"));
    cmd.current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("WEIR_REGISTRY")
        .env("WEIR_HOME", home);
    cmd
}

struct Setup {
    _dir: TempDir,
    pkg: PathBuf,
    reg: PathBuf,
    home: PathBuf,
}

/// A fresh `weir new --lib mylib` package and a registry path that does not exist yet.
fn setup() -> Setup {
    let dir = tempfile::Builder::new()
        .prefix("weir-publish-cli")
        .tempdir()
        .unwrap();
    let home = dir.path().join("home");
    fs::create_dir_all(&home).unwrap();
    weir_in(dir.path(), &home)
        .args(["new", "mylib", "--lib"])
        .assert()
        .success();
    Setup {
        pkg: dir.path().join("mylib"),
        reg: dir.path().join("reg"),
        home,
        _dir: dir,
    }
}

fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walkdir(dir);
    out.sort();
    out
}

fn walkdir(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(read) = fs::read_dir(dir) {
        for e in read {
            let p = e.unwrap().path();
            if p.is_dir() {
                out.extend(walkdir(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn publish_a_new_library_then_refuse_the_same_version() {
    let s = setup();
    let reg = s.reg.to_str().unwrap();
    weir_in(&s.pkg, &s.home)
        .args(["publish", "--registry", reg])
        .assert()
        .success()
        .stderr(contains("Packaging mylib v0.1.0"))
        .stderr(contains("Packaged 4 files, "))
        .stderr(contains("Publishing mylib v0.1.0"))
        .stderr(contains("Published mylib v0.1.0 to "));
    assert!(s.reg.join("config.json").is_file());
    let archive = s.reg.join("mylib/mylib-0.1.0.weirpkg");
    let bytes = fs::read(&archive).unwrap();
    let versions = DirIndex::new(&s.reg).versions("mylib").unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].vers.to_string(), "0.1.0");
    assert_eq!(versions[0].cksum, weir_pkg::fsutil::sha256_hex(&bytes));
    assert!(versions[0].deps.is_empty() && !versions[0].native && !versions[0].yanked);

    // Again: refused before packing, exit 1, nothing changes.
    let index = fs::read(s.reg.join(index_path("mylib"))).unwrap();
    weir_in(&s.pkg, &s.home)
        .args(["publish", "--registry", reg])
        .assert()
        .code(1)
        .stderr(contains("`mylib v0.1.0` is already published"))
        .stderr(contains("Packaging").not());
    assert_eq!(fs::read(&archive).unwrap(), bytes);
    assert_eq!(fs::read(s.reg.join(index_path("mylib"))).unwrap(), index);
    // A dry run checks against the configured registry too.
    weir_in(&s.pkg, &s.home)
        .args(["publish", "--dry-run", "--registry", reg])
        .assert()
        .code(1)
        .stderr(contains("`mylib v0.1.0` is already published"));

    // WEIR_REGISTRY works too; a new version is added.
    let manifest = s.pkg.join("weir.pkg");
    let text = fs::read_to_string(&manifest).unwrap();
    fs::write(&manifest, text.replace("0.1.0", "0.2.0")).unwrap();
    weir_in(&s.pkg, &s.home)
        .env("WEIR_REGISTRY", reg)
        .arg("publish")
        .assert()
        .success()
        .stderr(contains("Published mylib v0.2.0"));
    assert_eq!(DirIndex::new(&s.reg).versions("mylib").unwrap().len(), 2);
}

#[test]
fn dry_run_writes_nothing_and_lists_files_with_verbose() {
    let s = setup();
    weir_in(&s.pkg, &s.home)
        .args(["publish", "--dry-run", "-v", "--registry"])
        .arg(&s.reg)
        .assert()
        .success()
        .stderr(contains("    src/lib.weir\n"))
        .stderr(contains("    tests/basic.weir\n"))
        .stderr(contains("    weir.pkg\n"))
        .stderr(contains("Packaged 4 files"))
        .stderr(contains("--dry-run"));
    assert!(!s.reg.exists());
    // No registry configured: a dry run still works.
    weir_in(&s.pkg, &s.home)
        .args(["publish", "--dry-run"])
        .assert()
        .success();
    assert!(all_files(&s.home).is_empty());
}

#[test]
fn publish_without_a_registry_says_how_to_configure_one() {
    let s = setup();
    weir_in(&s.pkg, &s.home)
        .arg("publish")
        .assert()
        .code(1)
        .stderr(contains("no registry to publish to"))
        .stderr(contains("--registry"))
        .stderr(contains("WEIR_REGISTRY"))
        .stderr(contains("config.weir"));
}

#[test]
fn publish_refuses_path_deps_and_broken_packages() {
    let s = setup();
    let manifest = s.pkg.join("weir.pkg");
    let text = fs::read_to_string(&manifest).unwrap();
    let with_dep = text.replace(
        "(version \"0.1.0\"))",
        "(version \"0.1.0\")\n  (deps (util (path \"../util\"))))",
    );
    assert_ne!(with_dep, text);
    fs::write(&manifest, &with_dep).unwrap();
    weir_in(&s.pkg, &s.home)
        .args(["publish", "--registry"])
        .arg(&s.reg)
        .assert()
        .code(1)
        .stderr(contains(
            "error: cannot publish: dependency `util` is a path dependency",
        ))
        .stderr(contains("weir.pkg:"));
    assert!(!s.reg.exists());

    fs::write(&manifest, &text).unwrap();
    fs::write(s.pkg.join("src/lib.weir"), "(pub defn f () : i64 \"no\")\n").unwrap();
    weir_in(&s.pkg, &s.home)
        .args(["publish", "--registry"])
        .arg(&s.reg)
        .assert()
        .code(1)
        .stderr(contains("Compiling mylib v0.1.0"))
        .stderr(contains("src/lib.weir:1:"))
        .stderr(contains("Packaged").not());
    assert!(!s.reg.join("mylib").exists());
}

#[test]
fn yank_and_undo() {
    let s = setup();
    let reg = s.reg.to_str().unwrap();
    weir_in(&s.pkg, &s.home)
        .args(["publish", "--registry", reg])
        .assert()
        .success();
    weir_in(&s.pkg, &s.home)
        .args(["yank", "mylib@0.1.0", "--registry", reg])
        .assert()
        .success()
        .stderr(contains("Yanked mylib v0.1.0"));
    assert!(DirIndex::new(&s.reg).versions("mylib").unwrap()[0].yanked);
    weir_in(&s.pkg, &s.home)
        .args(["yank", "mylib@0.1.0", "--undo", "--registry", reg])
        .assert()
        .success()
        .stderr(contains("Unyanked mylib v0.1.0"));
    assert!(!DirIndex::new(&s.reg).versions("mylib").unwrap()[0].yanked);

    weir_in(&s.pkg, &s.home)
        .args(["yank", "mylib@0.9.0", "--registry", reg])
        .assert()
        .code(1)
        .stderr(contains("has no version 0.9.0"));
    weir_in(&s.pkg, &s.home)
        .args(["yank", "mylib", "--registry", reg])
        .assert()
        .code(1)
        .stderr(contains("NAME@VERSION"));
    weir_in(&s.pkg, &s.home)
        .args(["yank", "mylib@0.1.0"])
        .assert()
        .code(1)
        .stderr(contains("no registry to yank"));
}
