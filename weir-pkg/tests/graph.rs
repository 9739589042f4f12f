//! Package graph fixtures: every folder `test_data/graphs/CASE/` holds package folders and an
//! `expected` file; the root package is `CASE/app`. The graph is loaded without and with
//! dev-deps and the order, transitive dependencies and `tree()` (or the error) are compared with
//! `expected` (`UPDATE_EXPECT=1` rewrites it).

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use weir_pkg::graph::{find_manifest, load_graph, load_graph_with, PackageGraph, PackageId};
use weir_pkg::manifest::{DepSource, MANIFEST_NAME};
use weir_pkg::PkgError;

fn describe(g: &PackageGraph) -> String {
    let mut s = String::new();
    let names = |ids: &[PackageId]| {
        ids.iter()
            .map(|id| g.package(*id).manifest.name.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let _ = writeln!(s, "order: {}", names(&g.order));
    for p in &g.packages {
        let _ = writeln!(
            s,
            "transitive_deps({}): {}",
            p.manifest.name,
            names(&g.transitive_deps(p.id))
        );
    }
    let _ = write!(s, "tree:\n{}", g.tree());
    s
}

fn run_case(dir: &Path) -> String {
    let root = dir.join("app").join(MANIFEST_NAME);
    let mut out = String::new();
    let mut last: Option<String> = None;
    for dev in [false, true] {
        let res = match load_graph(&root, dev) {
            Ok(g) => {
                check_invariants(&g);
                describe(&g)
            }
            Err(e) => format!("error: {e}\n"),
        };
        if last.as_deref() == Some(res.as_str()) {
            let _ = writeln!(out, "== with_dev_deps = {dev}: the same");
        } else {
            let _ = write!(out, "== with_dev_deps = {dev}\n{res}");
        }
        last = Some(res);
    }
    out
}

/// Properties every loaded graph has, whatever the case.
fn check_invariants(g: &PackageGraph) {
    assert_eq!(g.root, PackageId(0));
    assert_eq!(g.order.len(), g.packages.len());
    assert_eq!(g.order.last(), Some(&g.root));
    for (i, p) in g.packages.iter().enumerate() {
        assert_eq!(p.id, PackageId(i));
        let at = |id: PackageId| g.order.iter().position(|x| *x == id).expect("in order");
        for (name, d) in p.deps.iter().chain(&p.dev_deps) {
            assert_eq!(&g.package(*d).manifest.name, name);
            assert!(at(*d) < at(p.id), "{name} after {}", p.manifest.name);
        }
        assert_eq!(g.by_name(&p.manifest.name).map(|q| q.id), Some(p.id));
    }
}

#[test]
fn graph_fixtures() {
    let mut dirs: Vec<PathBuf> = fs::read_dir("test_data/graphs")
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 7, "{} cases", dirs.len());
    let mut failures = Vec::new();
    for dir in dirs {
        let actual = run_case(&dir);
        let expected = dir.join("expected");
        if std::env::var_os("UPDATE_EXPECT").is_some() {
            fs::write(&expected, &actual).expect("write");
            continue;
        }
        let want = fs::read_to_string(&expected).unwrap_or_default();
        if want != actual {
            failures.push(format!(
                "snapshot mismatch: {}\n--- expected\n{want}--- actual\n{actual}---",
                expected.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn loading_is_deterministic() {
    let root = Path::new("test_data/graphs/tree/app/weir.pkg");
    let a = describe(&load_graph(root, true).expect("graph"));
    for _ in 0..3 {
        assert_eq!(describe(&load_graph(root, true).expect("graph")), a);
    }
}

#[test]
fn diamond_has_one_node_for_the_shared_package() {
    let g = load_graph(Path::new("test_data/graphs/diamond/app/weir.pkg"), false).expect("graph");
    let bases: Vec<_> = g
        .packages
        .iter()
        .filter(|p| p.manifest.name == "base")
        .collect();
    assert_eq!(bases.len(), 1);
    let base = bases[0].id;
    let left = g.by_name("left").expect("left");
    let right = g.by_name("right").expect("right");
    assert_eq!(left.deps, [("base".to_string(), base)]);
    assert_eq!(right.deps[0], ("base".to_string(), base));
}

#[test]
fn registry_dependencies_through_a_resolver() {
    let root = Path::new("test_data/graphs/registry/app/weir.pkg");
    let mut asked = Vec::new();
    let res = load_graph_with(root, false, &mut |m, dep| {
        asked.push((m.name.clone(), dep.name.clone()));
        assert!(matches!(dep.source, DepSource::Registry { .. }));
        Err(PkgError::msg("offline"))
    });
    assert_eq!(res.expect_err("resolver error").message, "offline");
    assert_eq!(asked, [("app".to_string(), "json".to_string())]);

    // A resolver that finds the package in a folder.
    let reg = tempfile::tempdir().expect("tempdir");
    fs::write(
        reg.path().join(MANIFEST_NAME),
        "(package (name \"json\") (version \"1.3.0\"))",
    )
    .expect("write");
    let g = load_graph_with(root, false, &mut |_, _| Ok(reg.path().to_path_buf())).expect("graph");
    let json = g.by_name("json").expect("json");
    assert_eq!(json.manifest.version.to_string(), "1.3.0");
    assert_eq!(g.transitive_deps(g.root).len(), 2);
}

#[test]
fn find_manifest_walks_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let deep = dir.path().join("pkg/src/net");
    fs::create_dir_all(&deep).expect("mkdir");
    assert_eq!(
        find_manifest(&deep),
        None.or_else(|| find_outside(dir.path()))
    );
    let m = dir.path().join("pkg").join(MANIFEST_NAME);
    fs::write(&m, "").expect("write");
    let found = find_manifest(&deep).expect("found");
    assert_eq!(found.canonicalize().ok(), m.canonicalize().ok());
    assert_eq!(
        find_manifest(&dir.path().join("pkg")).and_then(|p| p.canonicalize().ok()),
        m.canonicalize().ok()
    );
    // The nearest manifest wins.
    let inner = dir.path().join("pkg/src").join(MANIFEST_NAME);
    fs::write(&inner, "").expect("write");
    assert_eq!(
        find_manifest(&deep).and_then(|p| p.canonicalize().ok()),
        inner.canonicalize().ok()
    );
}

/// A manifest above the temporary folder (there should be none).
fn find_outside(tmp: &Path) -> Option<PathBuf> {
    tmp.ancestors()
        .skip(1)
        .map(|d| d.join(MANIFEST_NAME))
        .find(|p| p.is_file())
}

#[test]
fn root_manifest_errors() {
    let e = load_graph(Path::new("test_data/graphs/nope/weir.pkg"), false).expect_err("missing");
    assert_eq!(
        e.to_string(),
        "test_data/graphs/nope/weir.pkg: error: the manifest does not exist"
    );
}
