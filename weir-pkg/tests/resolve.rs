//! The registry index reader and the version resolver, over the small registry in
//! `test_data/registry/basic/` and a few in-memory indexes.

use semver::{Version, VersionReq};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use weir_pkg::index::{index_path, DepKind, DirIndex, Index, IndexDep, IndexEntry};
use weir_pkg::resolve::{resolve, Resolution};
use weir_pkg::PkgError;

fn registry() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/registry/basic")
}

fn v(s: &str) -> Version {
    Version::parse(s).unwrap()
}

fn deps(list: &[(&str, &str)]) -> Vec<(String, VersionReq)> {
    list.iter()
        .map(|(n, r)| (n.to_string(), VersionReq::parse(r).unwrap()))
        .collect()
}

fn lock(list: &[(&str, &str)]) -> BTreeMap<String, Version> {
    list.iter().map(|(n, s)| (n.to_string(), v(s))).collect()
}

fn run_in(
    index: &mut dyn Index,
    root_deps: &[(&str, &str)],
    locked: &[(&str, &str)],
) -> Result<Resolution, PkgError> {
    resolve("app", &v("0.1.0"), &deps(root_deps), index, &lock(locked))
}

fn run(root_deps: &[(&str, &str)], locked: &[(&str, &str)]) -> Result<Resolution, PkgError> {
    run_in(&mut DirIndex::new(registry()), root_deps, locked)
}

/// `name version` per chosen package, one per line.
fn chosen(res: &Resolution) -> String {
    res.packages
        .iter()
        .map(|(n, (vers, e))| {
            assert_eq!((n, vers), (&e.name, &e.vers));
            format!("{n} {vers}\n")
        })
        .collect()
}

fn check(root_deps: &[(&str, &str)], locked: &[(&str, &str)], expect: &str) {
    let res = run(root_deps, locked).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(chosen(&res), expect);
}

/// Compares `actual` with the file `test_data/registry/NAME.expected`; `UPDATE_EXPECT=1` rewrites it.
fn expect_file(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("test_data/registry")
        .join(format!("{name}.expected"));
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_EXPECT=1)", path.display()));
    assert_eq!(
        actual,
        expected,
        "{} differs (UPDATE_EXPECT=1 rewrites it)",
        path.display()
    );
}

#[test]
fn newest_compatible_version() {
    check(&[("json", "^1.2")], &[], "json 1.3.1\n");
    check(&[("json", "^1")], &[], "json 1.3.1\n");
    check(&[("json", "*")], &[], "json 2.0.0\n");
    check(&[("json", "~1.2.0")], &[], "json 1.2.0\n");
    check(&[("json", "=1.0.0")], &[], "json 1.0.0\n");
    check(&[("json", ">=1, <2")], &[], "json 1.3.1\n");
    check(&[("json", "<1.3")], &[], "json 1.2.0\n");
}

#[test]
fn entry_fields_come_from_the_index() {
    let res = run(&[("json", "^2")], &[]).unwrap();
    let (_, e) = &res.packages["json"];
    assert_eq!(e.cksum, "06");
    assert!(e.native);
    assert!(!e.yanked);
}

#[test]
fn transitive_deps_and_dev_deps_of_dependencies_ignored() {
    // log 0.3.0 has a dev dependency on `testkit`, which no registry has.
    check(&[("log", "^0.3")], &[], "json 2.0.0\nlog 0.3.0\n");
    // ^0.2 is caret on 0.x: 0.3.0 is not compatible.
    check(&[("log", "^0.2")], &[], "json 1.3.1\nlog 0.2.0\n");
}

#[test]
fn diamond_with_compatible_ranges_chooses_one_version() {
    // a needs c ^1.1, b needs c >=1.0, <1.5: the newest in both is 1.4.2, not 1.6.0.
    check(
        &[("a", "^1"), ("b", "^1")],
        &[],
        "a 1.0.0\nb 1.0.0\nc 1.4.2\n",
    );
}

#[test]
fn root_and_dependency_requirements_combine() {
    // json ^1.0 through log 0.2, json >=1.2 from the root.
    check(
        &[("log", "^0.2"), ("json", ">=1.2")],
        &[],
        "json 1.3.1\nlog 0.2.0\n",
    );
    // The root wants json ^1: log 0.3 (json ^2) is ruled out, so log falls back to 0.2.
    check(
        &[("log", ">=0.2"), ("json", "^1")],
        &[],
        "json 1.3.1\nlog 0.2.0\n",
    );
}

#[test]
fn unsatisfiable_conflict_is_explained() {
    let err = run(&[("json", "^1.2"), ("log", "^0.3")], &[]).unwrap_err();
    assert!(err.message.contains("no solution"), "{}", err.message);
    let text = format!("{err}\n");
    expect_file("conflict", &text);
    // Deterministic: the same inputs give the same text.
    let again = run(&[("json", "^1.2"), ("log", "^0.3")], &[]).unwrap_err();
    assert_eq!(format!("{again}\n"), text);
}

#[test]
fn missing_package_is_explained() {
    let err = run(&[("nosuch", "^1")], &[]).unwrap_err();
    assert!(err.message.contains("no solution"), "{}", err.message);
    expect_file("missing", &format!("{err}\n"));
}

#[test]
fn yanked_versions_are_skipped() {
    check(&[("old", "^1")], &[], "old 1.1.0\n");
    let err = run(&[("old", "=1.2.0")], &[]).unwrap_err();
    assert!(err.message.contains("no solution"), "{}", err.message);
    expect_file("yanked", &format!("{err}\n"));
}

#[test]
fn locked_yanked_version_is_kept() {
    check(&[("old", "^1")], &[("old", "1.2.0")], "old 1.2.0\n");
    check(&[("old", "=1.2.0")], &[("old", "1.2.0")], "old 1.2.0\n");
    // Only the locked yanked version is allowed back, and only while the requirement allows it.
    check(&[("old", "~1.1")], &[("old", "1.2.0")], "old 1.1.0\n");
}

#[test]
fn prereleases_need_to_be_named() {
    // 1.4.0-beta.1 and 2.0.0-alpha.1 lie inside these intervals but are not chosen.
    check(&[("json", "^1.2")], &[], "json 1.3.1\n");
    check(&[("json", ">=1.3, <2.0.0")], &[], "json 1.3.1\n");
    check(&[("json", "<2")], &[], "json 1.3.1\n");
    // Naming a prerelease of the same major.minor.patch allows it (and newer releases).
    check(&[("json", "^1.4.0-beta.1")], &[], "json 1.4.0-beta.1\n");
    check(&[("json", "=2.0.0-alpha.1")], &[], "json 2.0.0-alpha.1\n");
    check(&[("json", ">=2.0.0-alpha.1")], &[], "json 2.0.0\n");
    check(
        &[("json", ">=2.0.0-alpha.1, <2.0.0")],
        &[],
        "json 2.0.0-alpha.1\n",
    );
    // A prerelease of another version is still excluded.
    check(
        &[("json", ">=1.4.0-alpha, <2.0.0")],
        &[],
        "json 1.4.0-beta.1\n",
    );
    check(&[("json", ">=1.3.0-alpha, <2.0.0")], &[], "json 1.3.1\n");
}

#[test]
fn locked_version_is_preferred_while_allowed() {
    check(&[("json", "^1.2")], &[("json", "1.2.0")], "json 1.2.0\n");
    // The requirement changed and no longer allows the locked version: newest allowed.
    check(&[("json", "^1.3")], &[("json", "1.2.0")], "json 1.3.1\n");
    // A locked version the index does not have is ignored.
    check(&[("json", "^1.2")], &[("json", "1.2.9")], "json 1.3.1\n");
    // Locks of packages no longer needed do not matter.
    check(&[("c", "^1")], &[("json", "1.0.0")], "c 1.6.0\n");
}

#[test]
fn locked_transitive_version_is_preferred() {
    check(&[("a", "^1")], &[("c", "1.1.0")], "a 1.0.0\nc 1.1.0\n");
    check(&[("a", "^1")], &[("c", "1.0.0")], "a 1.0.0\nc 1.6.0\n");
}

#[test]
fn malformed_index_line_names_file_and_line() {
    let err = run(&[("bad", "^1")], &[]).unwrap_err();
    assert_eq!(err.file, Some(registry().join("3/b/bad")));
    assert_eq!(err.line, Some(3));
    assert!(
        err.message.starts_with("malformed index line"),
        "{}",
        err.message
    );
    assert!(err.message.contains("not-a-version"), "{}", err.message);
}

#[test]
fn malformed_json_and_fields_are_errors() {
    let path = Path::new("x/y/zzzz");
    for (line, needle) in [
        ("{\"name\":\"zzzz\",", "EOF"),
        ("{\"name\":\"Zz\",\"vers\":\"1.0.0\"}", "invalid package name"),
        (
            "{\"name\":\"zzzz\",\"vers\":\"1.0.0\",\"deps\":[{\"name\":\"q\",\"req\":\"^^1\"}]}",
            "bad requirement",
        ),
        (
            "{\"name\":\"zzzz\",\"vers\":\"1.0.0\",\"deps\":[{\"name\":\"q\",\"req\":\"1\",\"kind\":\"build\"}]}",
            "unknown dependency kind",
        ),
        ("[1,2]", "malformed"),
    ] {
        let err = weir_pkg::index::parse_index_file(path, line).unwrap_err();
        assert_eq!(err.file.as_deref(), Some(path));
        assert_eq!(err.line, Some(1));
        assert!(err.message.contains(needle), "{line}: {}", err.message);
    }
}

#[test]
fn missing_index_file_is_no_versions() {
    let mut index = DirIndex::new(registry());
    assert_eq!(index.versions("nosuch").unwrap(), vec![]);
    assert_eq!(index.versions("json").unwrap().len(), 6);
    assert!(index.versions("../etc").is_err());
}

#[test]
fn index_path_layout() {
    assert_eq!(index_path("a"), Path::new("1/a"));
    assert_eq!(index_path("ab"), Path::new("2/ab"));
    assert_eq!(index_path("log"), Path::new("3/l/log"));
    assert_eq!(index_path("json"), Path::new("js/on/json"));
    assert_eq!(index_path("serde-json"), Path::new("se/rd/serde-json"));
    assert_eq!(index_path("JSON"), Path::new("js/on/json"));
    // Never panics, whatever the name (DirIndex rejects such names before using a path).
    assert_eq!(index_path("éa"), Path::new("2/éa"));
    assert_eq!(index_path("ééé"), Path::new("3/é/ééé"));
    assert_eq!(index_path(""), Path::new(""));
}

/// An index over a map, for cases a folder would make noisy.
struct MapIndex(HashMap<String, Vec<IndexEntry>>);

impl Index for MapIndex {
    fn versions(&mut self, name: &str) -> Result<Vec<IndexEntry>, PkgError> {
        Ok(self.0.get(name).cloned().unwrap_or_default())
    }
}

fn entry(name: &str, vers: &str, deps: &[(&str, &str, DepKind)]) -> IndexEntry {
    IndexEntry {
        name: name.to_string(),
        vers: v(vers),
        deps: deps
            .iter()
            .map(|(n, r, kind)| IndexDep {
                name: n.to_string(),
                req: VersionReq::parse(r).unwrap(),
                kind: *kind,
            })
            .collect(),
        cksum: String::new(),
        native: false,
        yanked: false,
    }
}

fn map_index(entries: Vec<IndexEntry>) -> MapIndex {
    let mut map: HashMap<String, Vec<IndexEntry>> = HashMap::new();
    for e in entries {
        map.entry(e.name.clone()).or_default().push(e);
    }
    MapIndex(map)
}

#[test]
fn caret_on_zero_versions() {
    let mut index = map_index(vec![
        entry("z", "0.0.3", &[]),
        entry("z", "0.0.4", &[]),
        entry("z", "0.1.0", &[]),
        entry("z", "0.1.7", &[]),
        entry("z", "0.2.0", &[]),
        entry("z", "1.0.0", &[]),
    ]);
    for (req, want) in [
        ("^0.0.3", "0.0.3"),
        ("^0.0", "0.0.4"),
        ("^0.1", "0.1.7"),
        ("^0.1.2", "0.1.7"),
        ("^0", "0.2.0"),
        ("~0.1", "0.1.7"),
        ("0.1.*", "0.1.7"),
        (">0.1", "1.0.0"),
        ("<=0.1", "0.1.7"),
        (">0.1.7, <1", "0.2.0"),
    ] {
        let res = run_in(&mut index, &[("z", req)], &[]).unwrap_or_else(|e| panic!("{req}: {e}"));
        assert_eq!(res.packages["z"].0, v(want), "{req}");
    }
}

#[test]
fn backtracks_over_newest_versions() {
    // The newest p needs q ^2, which does not exist: p 1.0.0 is chosen instead.
    let mut index = map_index(vec![
        entry("p", "1.0.0", &[("q", "^1", DepKind::Normal)]),
        entry("p", "1.1.0", &[("q", "^2", DepKind::Normal)]),
        entry("q", "1.5.0", &[("r", "^1", DepKind::Dev)]),
    ]);
    let res = run_in(&mut index, &[("p", "^1")], &[]).unwrap();
    assert_eq!(chosen(&res), "p 1.0.0\nq 1.5.0\n");
}

#[test]
fn index_errors_propagate() {
    struct Failing;
    impl Index for Failing {
        fn versions(&mut self, name: &str) -> Result<Vec<IndexEntry>, PkgError> {
            Err(PkgError::msg(format!("cannot fetch {name}")))
        }
    }
    let err = run_in(&mut Failing, &[("p", "^1")], &[]).unwrap_err();
    assert_eq!(err.message, "cannot fetch p");
}

#[test]
fn conflict_through_two_levels_is_explained() {
    // a 1.x needs c ^1.1 (through m), b needs c <1.1; a 0.9 would do but the root wants a ^1.
    let mut index = map_index(vec![
        entry("a", "0.9.0", &[]),
        entry("a", "1.0.0", &[("m", "^1", DepKind::Normal)]),
        entry("a", "1.1.0", &[("m", "^1.2", DepKind::Normal)]),
        entry("m", "1.0.0", &[("c", "^1.1", DepKind::Normal)]),
        entry("m", "1.2.0", &[("c", "^1.2", DepKind::Normal)]),
        entry("b", "1.0.0", &[("c", "<1.1", DepKind::Normal)]),
        entry("c", "1.0.0", &[]),
        entry("c", "1.1.0", &[]),
        entry("c", "1.2.0-rc.1", &[]),
        entry("c", "1.2.0", &[]),
    ]);
    let err = run_in(&mut index, &[("a", "^1"), ("b", "^1")], &[]).unwrap_err();
    expect_file("two_levels", &format!("{err}\n"));
}
