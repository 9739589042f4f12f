//! Packing (`archive.rs`) and publishing to / yanking in folder registries (`publish.rs`).

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use semver::Version;
use tempfile::TempDir;

use weir_pkg::archive::{pack, package_files};
use weir_pkg::fsutil::sha256_hex;
use weir_pkg::index::{index_path, parse_index_file, DepKind, DirIndex, Index, IndexEntry};
use weir_pkg::manifest::Manifest;
use weir_pkg::publish::{index_entry, publish_to, set_yanked};
use weir_pkg::registry::Location;

fn tmp() -> TempDir {
    tempfile::Builder::new()
        .prefix("weir-publish-test")
        .tempdir()
        .unwrap()
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

/// A library with modules, a test, native C, an include folder, docs and things never packed.
fn sample(root: &Path, manifest: &str) -> Manifest {
    write(root, "weir.pkg", manifest);
    write(root, "src/lib.weir", "(pub defn one () : i64 1)\n");
    write(root, "src/util/more.weir", "(pub defn two () : i64 2)\n");
    write(
        root,
        "tests/basic.weir",
        "(defn test-one () (assert true))\n",
    );
    write(root, "tests/data/input.txt", "fixture\n");
    write(root, "native/hash.c", "int h(void) { return 1; }\n");
    write(root, "native/include/hash.h", "int h(void);\n");
    write(root, "README.md", "# sample\n");
    write(root, "LICENSE", "MIT\n");
    write(root, "notes.txt", "not packed\n");
    write(root, "weir.lock", "(lock)\n");
    write(root, "target/debug/x", "build output\n");
    write(root, ".hidden", "secret\n");
    write(root, "src/.swap.weir", "editor file\n");
    write(root, "tests/.cache/x", "hidden folder\n");
    Manifest::load(&root.join("weir.pkg")).unwrap()
}

const SAMPLE: &str = r#"(package
  (name "sample")
  (version "1.2.3")
  (deps (strs (version "^1.1")) (alpha (version ">=1.2, <1.5")))
  (dev-deps (expect (version "^1")) (local (path "../local")))
  (native (sources "native/hash.c") (include "native/include")))
"#;

fn strs(v: &[&str]) -> Vec<PathBuf> {
    v.iter().map(PathBuf::from).collect()
}

/// (path, is_dir, mode, mtime, uid, gid, contents) of every entry.
type Entry = (String, bool, u32, u64, u64, u64, Vec<u8>);

fn entries(archive: &[u8]) -> Vec<Entry> {
    let gz = flate2::read::GzDecoder::new(archive);
    let mut tar = tar::Archive::new(gz);
    let mut out = Vec::new();
    for e in tar.entries().unwrap() {
        let mut e = e.unwrap();
        let h = e.header().clone();
        let mut bytes = Vec::new();
        e.read_to_end(&mut bytes).unwrap();
        assert!(h.username().unwrap().unwrap_or("").is_empty());
        assert!(h.groupname().unwrap().unwrap_or("").is_empty());
        let kind = h.entry_type();
        assert!(kind.is_file() || kind.is_dir(), "{kind:?}");
        out.push((
            e.path().unwrap().display().to_string(),
            kind.is_dir(),
            h.mode().unwrap(),
            h.mtime().unwrap(),
            h.uid().unwrap(),
            h.gid().unwrap(),
            bytes,
        ));
    }
    out
}

#[test]
fn package_files_lists_code_tests_native_and_docs_only() {
    let dir = tmp();
    let m = sample(dir.path(), SAMPLE);
    assert_eq!(
        package_files(&m).unwrap(),
        strs(&[
            "LICENSE",
            "README.md",
            "native/hash.c",
            "native/include/hash.h",
            "src/lib.weir",
            "src/util/more.weir",
            "tests/basic.weir",
            "tests/data/input.txt",
            "weir.pkg",
        ])
    );
}

#[test]
fn pack_is_deterministic_and_well_formed() {
    let a = tmp();
    let b = tmp();
    let ma = sample(a.path(), SAMPLE);
    let mb = sample(b.path(), SAMPLE);
    let one = pack(&ma).unwrap();
    // Different mtimes and another folder: still the same bytes.
    std::thread::sleep(std::time::Duration::from_millis(20));
    fs::write(a.path().join("src/lib.weir"), "(pub defn one () : i64 1)\n").unwrap();
    assert_eq!(pack(&ma).unwrap(), one);
    assert_eq!(pack(&mb).unwrap(), one);

    let got = entries(&one);
    let paths: Vec<&str> = got.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(
        paths,
        [
            "sample-1.2.3",
            "sample-1.2.3/LICENSE",
            "sample-1.2.3/README.md",
            "sample-1.2.3/native",
            "sample-1.2.3/native/hash.c",
            "sample-1.2.3/native/include",
            "sample-1.2.3/native/include/hash.h",
            "sample-1.2.3/src",
            "sample-1.2.3/src/lib.weir",
            "sample-1.2.3/src/util",
            "sample-1.2.3/src/util/more.weir",
            "sample-1.2.3/tests",
            "sample-1.2.3/tests/basic.weir",
            "sample-1.2.3/tests/data",
            "sample-1.2.3/tests/data/input.txt",
            "sample-1.2.3/weir.pkg",
        ]
    );
    for (path, is_dir, mode, mtime, uid, gid, bytes) in &got {
        assert_eq!(*mode, if *is_dir { 0o755 } else { 0o644 }, "{path}");
        assert_eq!((*mtime, *uid, *gid), (0, 0, 0), "{path}");
        if path.ends_with("weir.pkg") {
            assert_eq!(bytes, SAMPLE.as_bytes());
        }
    }
    // A content change changes the archive.
    fs::write(a.path().join("src/lib.weir"), "(pub defn one () : i64 2)\n").unwrap();
    assert_ne!(pack(&ma).unwrap(), one);
}

#[test]
fn symlink_out_of_the_package_is_refused() {
    let dir = tmp();
    let outside = tmp();
    write(outside.path(), "secret.weir", "(pub defn s () : i64 0)\n");
    let m = sample(dir.path(), SAMPLE);
    std::os::unix::fs::symlink(
        outside.path().join("secret.weir"),
        dir.path().join("tests/leak.txt"),
    )
    .unwrap();
    let e = package_files(&m).unwrap_err();
    assert!(e.message.contains("tests/leak.txt"), "{e}");
    assert!(e.message.contains("outside the package"), "{e}");
    // A link that stays inside is packed as a plain file.
    fs::remove_file(dir.path().join("tests/leak.txt")).unwrap();
    std::os::unix::fs::symlink("input.txt", dir.path().join("tests/data/alias.txt")).unwrap();
    let got = entries(&pack(&m).unwrap());
    let alias = got
        .iter()
        .find(|e| e.0 == "sample-1.2.3/tests/data/alias.txt")
        .unwrap();
    assert_eq!(alias.6, b"fixture\n");
}

#[test]
fn index_entry_describes_deps_and_native() {
    let dir = tmp();
    let m = sample(dir.path(), SAMPLE);
    let e = index_entry(&m, "abc").unwrap();
    let deps: Vec<(String, String, DepKind)> = (e.deps.iter())
        .map(|d| (d.name.clone(), d.req.to_string(), d.kind))
        .collect();
    assert_eq!(
        deps,
        [
            ("alpha".into(), ">=1.2, <1.5".into(), DepKind::Normal),
            ("expect".into(), "^1".into(), DepKind::Dev),
            ("strs".into(), "^1.1".into(), DepKind::Normal),
        ]
    );
    assert!(e.native);
    assert!(!e.yanked);
    assert_eq!(e.cksum, "abc");
    assert_eq!(
        e.to_json_line(),
        r#"{"name":"sample","vers":"1.2.3","deps":[{"name":"alpha","req":">=1.2, <1.5","kind":"normal"},{"name":"expect","req":"^1","kind":"dev"},{"name":"strs","req":"^1.1","kind":"normal"}],"cksum":"abc","native":true,"yanked":false}"#
    );
    let back = parse_index_file(Path::new("x"), &e.to_json_line()).unwrap();
    assert_eq!(back, vec![e]);
}

#[test]
fn path_dependency_cannot_be_published() {
    let dir = tmp();
    let m = sample(
        dir.path(),
        "(package\n  (name \"sample\")\n  (version \"1.0.0\")\n  (deps\n    (util (path \"../util\"))))\n",
    );
    let e = index_entry(&m, "x").unwrap_err();
    assert!(
        e.message
            .starts_with("cannot publish: dependency `util` is a path dependency"),
        "{e}"
    );
    assert_eq!(
        e.file.as_deref(),
        Some(dir.path().join("weir.pkg").as_path())
    );
    assert_eq!(e.line, Some(5));
}

fn publish(reg: &Path, pkg: &Path) -> (IndexEntry, PathBuf) {
    let m = Manifest::load(&pkg.join("weir.pkg")).unwrap();
    let archive = pack(&m).unwrap();
    let entry = index_entry(&m, &sha256_hex(&archive)).unwrap();
    let path = publish_to(&Location::Dir(reg.to_path_buf()), &entry, &archive).unwrap();
    assert_eq!(fs::read(&path).unwrap(), archive);
    (entry, path)
}

#[test]
fn publish_creates_a_registry_and_refuses_a_second_publish() {
    let pkg = tmp();
    sample(pkg.path(), SAMPLE);
    let base = tmp();
    let reg = base.path().join("new-registry");
    let (entry, path) = publish(&reg, pkg.path());
    assert_eq!(
        fs::read_to_string(reg.join("config.json")).unwrap(),
        "{\"dl\": \"{name}/{name}-{version}.weirpkg\"}\n"
    );
    assert_eq!(path, reg.join("sample/sample-1.2.3.weirpkg"));
    let index = reg.join(index_path("sample"));
    assert_eq!(index, reg.join("sa/mp/sample"));
    assert_eq!(
        fs::read_to_string(&index).unwrap(),
        format!("{}\n", entry.to_json_line())
    );
    assert_eq!(
        DirIndex::new(&reg).versions("sample").unwrap(),
        vec![entry.clone()]
    );

    // The same version again (also with build metadata): refused, nothing changes.
    let archive = fs::read(&path).unwrap();
    let loc = Location::Dir(reg.clone());
    let e = publish_to(&loc, &entry, b"other bytes").unwrap_err();
    assert!(
        e.message.contains("`sample v1.2.3` is already published"),
        "{e}"
    );
    let mut meta = entry.clone();
    meta.vers = Version::parse("1.2.3+build5").unwrap();
    assert!(publish_to(&loc, &meta, b"other").is_err());
    assert_eq!(fs::read(&path).unwrap(), archive);
    assert_eq!(DirIndex::new(&reg).versions("sample").unwrap().len(), 1);

    // A new version is appended.
    let next = IndexEntry {
        vers: Version::parse("1.3.0").unwrap(),
        ..entry.clone()
    };
    publish_to(&loc, &next, b"archive 1.3.0").unwrap();
    let text = fs::read_to_string(&index).unwrap();
    assert_eq!(
        text,
        format!("{}\n{}\n", entry.to_json_line(), next.to_json_line())
    );
    assert_eq!(
        fs::read(reg.join("sample/sample-1.3.0.weirpkg")).unwrap(),
        b"archive 1.3.0"
    );
}

#[test]
fn publish_into_an_empty_folder_and_a_custom_dl() {
    let pkg = tmp();
    sample(pkg.path(), SAMPLE);
    let reg = tmp();
    fs::write(reg.path().join(".keep"), "").unwrap();
    publish(reg.path(), pkg.path());
    assert!(reg.path().join("config.json").is_file());

    let custom = tmp();
    fs::write(
        custom.path().join("config.json"),
        r#"{"dl": "archives/{name}-{version}.tgz"}"#,
    )
    .unwrap();
    let (_, path) = publish(custom.path(), pkg.path());
    assert_eq!(path, custom.path().join("archives/sample-1.2.3.tgz"));
}

#[test]
fn publish_refuses_a_non_registry_folder_and_http() {
    let pkg = tmp();
    let m = sample(pkg.path(), SAMPLE);
    let entry = index_entry(&m, "x").unwrap();
    // The package folder itself is not empty and has no config.json.
    let e = publish_to(&Location::Dir(pkg.path().to_path_buf()), &entry, b"x").unwrap_err();
    assert!(e.message.contains("not a registry"), "{e}");
    assert!(!pkg.path().join("config.json").exists());

    let http = Location::Http("https://example.org/reg".into());
    let e = publish_to(&http, &entry, b"x").unwrap_err();
    assert!(
        e.message.contains("can only write to a folder registry"),
        "{e}"
    );
    let e = set_yanked(&http, "sample", &Version::new(1, 2, 3), true).unwrap_err();
    assert!(
        e.message.contains("can only write to a folder registry"),
        "{e}"
    );
}

#[test]
fn yank_and_undo_rewrite_one_line() {
    let pkg = tmp();
    sample(pkg.path(), SAMPLE);
    let reg = tmp();
    let loc = Location::Dir(reg.path().to_path_buf());
    let (first, _) = publish(reg.path(), pkg.path());
    let second = IndexEntry {
        vers: Version::new(1, 3, 0),
        ..first.clone()
    };
    publish_to(&loc, &second, b"x").unwrap();

    set_yanked(&loc, "sample", &Version::new(1, 2, 3), true).unwrap();
    let got = DirIndex::new(reg.path()).versions("sample").unwrap();
    assert_eq!(
        got,
        vec![
            IndexEntry {
                yanked: true,
                ..first.clone()
            },
            second.clone()
        ]
    );
    set_yanked(&loc, "sample", &Version::new(1, 2, 3), false).unwrap();
    let text = fs::read_to_string(reg.path().join(index_path("sample"))).unwrap();
    assert_eq!(
        text,
        format!("{}\n{}\n", first.to_json_line(), second.to_json_line())
    );

    let e = set_yanked(&loc, "sample", &Version::new(9, 0, 0), true).unwrap_err();
    assert!(e.message.contains("has no version 9.0.0"), "{e}");
    assert!(e.detail.contains("1.2.3, 1.3.0"), "{e}");
    let e = set_yanked(&loc, "nope", &Version::new(1, 0, 0), true).unwrap_err();
    assert!(
        e.message.contains("package `nope` is not in the registry"),
        "{e}"
    );
    let empty = tmp();
    let e = set_yanked(
        &Location::Dir(empty.path().to_path_buf()),
        "sample",
        &Version::new(1, 2, 3),
        true,
    )
    .unwrap_err();
    assert!(e.message.contains("not a registry"), "{e}");
}

/// The repository's `registry-index/` is what `rebuild.sh` makes from `sources/`: every source
/// folder is published, every archive's checksum is its index line's `cksum`, packing the
/// source again gives the same bytes, and every registry dependency can be met by a version
/// that is not yanked.
#[test]
fn registry_index_matches_its_sources() {
    let reg = Path::new(env!("CARGO_MANIFEST_DIR")).join("../registry-index");
    let config = fs::read_to_string(reg.join("config.json")).unwrap();
    assert_eq!(config, weir_pkg::publish::DEFAULT_CONFIG);
    let mut sources: Vec<String> = fs::read_dir(reg.join("sources"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    sources.sort();
    assert!(sources.len() >= 5, "{sources:?}");
    let mut names: Vec<String> = sources
        .iter()
        .map(|s| s.rsplit_once('-').unwrap().0.to_string())
        .collect();
    names.dedup();
    let mut index = DirIndex::new(&reg);
    let mut published = Vec::new();
    let mut all: Vec<IndexEntry> = Vec::new();
    for name in &names {
        for e in index.versions(name).unwrap() {
            let dir = reg.join("sources").join(format!("{}-{}", e.name, e.vers));
            let archive = fs::read(
                reg.join(&e.name)
                    .join(format!("{}-{}.weirpkg", e.name, e.vers)),
            )
            .unwrap();
            assert_eq!(sha256_hex(&archive), e.cksum, "{}", dir.display());
            let m = Manifest::load(&dir.join("weir.pkg")).unwrap();
            assert_eq!(
                pack(&m).unwrap(),
                archive,
                "{} packs differently: run registry-index/rebuild.sh",
                dir.display()
            );
            assert_eq!(
                index_entry(&m, &e.cksum).unwrap(),
                IndexEntry {
                    yanked: false,
                    ..e.clone()
                }
            );
            published.push(format!("{}-{}", e.name, e.vers));
            all.push(e);
        }
    }
    published.sort();
    assert_eq!(published, sources);
    for e in &all {
        for d in &e.deps {
            assert!(
                all.iter()
                    .any(|o| o.name == d.name && !o.yanked && d.req.matches(&o.vers)),
                "{} {} needs {} {}: not in the registry",
                e.name,
                e.vers,
                d.name,
                d.req
            );
        }
    }
}

/// The resolution cases `registry-index/README.md` promises.
#[test]
fn registry_index_resolution_cases() {
    use std::collections::BTreeMap;
    let reg = Path::new(env!("CARGO_MANIFEST_DIR")).join("../registry-index");
    let run = |deps: &[(&str, &str)], locked: &[(&str, &str)]| {
        let deps: Vec<(String, semver::VersionReq)> = (deps.iter())
            .map(|(n, r)| (n.to_string(), semver::VersionReq::parse(r).unwrap()))
            .collect();
        let locked: BTreeMap<String, Version> = (locked.iter())
            .map(|(n, v)| (n.to_string(), Version::parse(v).unwrap()))
            .collect();
        let mut index = DirIndex::new(&reg);
        weir_pkg::resolve::resolve("app", &Version::new(0, 1, 0), &deps, &mut index, &locked).map(
            |res| {
                (res.packages.iter())
                    .map(|(n, (v, _))| format!("{n} {v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        )
    };
    assert_eq!(
        run(&[("vecs", "^1")], &[]).unwrap(),
        "strs 2.0.0, vecs 1.1.0"
    );
    assert_eq!(
        run(&[("vecs", "^1"), ("strs", "^1")], &[]).unwrap(),
        "strs 1.1.0, vecs 1.1.0"
    );
    assert_eq!(
        run(&[("vecs", "^1"), ("table", "^1")], &[]).unwrap(),
        "strs 2.0.0, table 1.0.0, vecs 1.1.0"
    );
    let e = run(&[("vecs", "=1.0.0"), ("table", "^1")], &[]).unwrap_err();
    assert!(e.message.contains("no solution"), "{e}");
    assert!(e.detail.contains("strs"), "{e}");
    // `expect 0.9.0` is yanked: skipped, unless locked.
    assert_eq!(run(&[("expect", "*")], &[]).unwrap(), "expect 1.0.0");
    assert!(run(&[("expect", "^0.9")], &[]).is_err());
    assert_eq!(
        run(&[("expect", "^0.9")], &[("expect", "0.9.0")]).unwrap(),
        "expect 0.9.0"
    );
    assert_eq!(run(&[("fnv", "^1")], &[]).unwrap(), "fnv 1.0.0");
}

#[test]
fn include_dot_packs_the_package_but_not_target_and_missing_files_are_errors() {
    let dir = tmp();
    let m = sample(
        dir.path(),
        "(package (name \"dot\") (version \"0.1.0\")\n  (native (sources \"native/hash.c\") (include \".\")))\n",
    );
    let files = package_files(&m).unwrap();
    assert!(files.contains(&PathBuf::from("notes.txt")), "{files:?}");
    assert!(files.contains(&PathBuf::from("native/include/hash.h")));
    assert!(
        !files.iter().any(|f| f.starts_with("target")
            || f == Path::new("weir.lock")
            || f.to_string_lossy().contains("/.")
            || f.to_string_lossy().starts_with('.')),
        "{files:?}"
    );

    fs::remove_file(dir.path().join("native/hash.c")).unwrap();
    let e = pack(&m).unwrap_err();
    assert_eq!(e.message, "native source `native/hash.c` does not exist");
    assert_eq!(e.line, Some(2));
}
