//! Package programs: cached checking with early cut-off, import validation, cycles.

use std::fs;
use std::path::Path;

use weir_pkg::compile::{load_project, Event, Failure};

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

/// app -> lib (path dependency); lib has `lib` (root), `lib.util`; app has `app.main`.
fn project(dir: &Path) {
    write(
        dir,
        "lib/weir.pkg",
        "(package (name \"lib\") (version \"0.1.0\"))",
    );
    write(
        dir,
        "lib/src/util.weir",
        "(pub defn twice ((x : i64)) : i64 (* x 2))\n",
    );
    write(
        dir,
        "lib/src/lib.weir",
        "(import lib.util (twice))\n(pub defstruct P (x : i64))\n(pub defn four () : P (P (twice 2)))\n",
    );
    write(
        dir,
        "app/weir.pkg",
        "(package (name \"app\") (version \"0.1.0\") (main \"src/main.weir\") (deps (lib (path \"../lib\"))))",
    );
    write(
        dir,
        "app/src/main.weir",
        "(import lib (four P))\n(defn main () (println (.x (four))))\n",
    );
}

/// Checks the project at `dir/app`; returns the `-v` lines, or the failure's messages.
fn check(dir: &Path) -> Result<Vec<String>, String> {
    let p =
        load_project(&dir.join("app/weir.pkg"), &Default::default()).map_err(|e| e.to_string())?;
    let mut lines = Vec::new();
    let res = p.check(true, &mut |e| {
        lines.push(match e {
            Event::Checked { module, reason } => format!("checked {module} ({reason})"),
            Event::Cached { module } => format!("cached {module}"),
        })
    });
    match res {
        Ok(c) => {
            let names: Vec<&str> = c.modules.iter().map(|m| m.name.as_str()).collect();
            assert_eq!(
                names,
                ["lib.util", "lib", "app.main"],
                "initialisation order"
            );
            Ok(lines)
        }
        Err(Failure::Pkg(e)) => Err(e.to_string()),
        Err(Failure::Diagnostics {
            sources,
            diagnostics,
        }) => Err(diagnostics
            .iter()
            .map(|d| {
                let s = d.primary_span().unwrap_or_default();
                let f = sources.get(s.file);
                let (l, c) = f.line_col(s.start);
                format!("{}:{l}:{c}: {}", f.name, d.message)
            })
            .collect::<Vec<_>>()
            .join("\n")),
    }
}

#[test]
fn cache_cuts_off_at_unchanged_interfaces() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    project(dir);
    assert_eq!(
        check(dir).unwrap(),
        [
            "checked app.main (no cache entry)",
            "checked lib (no cache entry)",
            "checked lib.util (no cache entry)"
        ]
    );
    assert_eq!(
        check(dir).unwrap(),
        ["cached app.main", "cached lib", "cached lib.util"]
    );
    // A body-only change re-checks that module only.
    write(
        dir,
        "lib/src/util.weir",
        ";; moved down\n(pub defn twice ((x : i64)) : i64 (+ x x))\n",
    );
    assert_eq!(
        check(dir).unwrap(),
        [
            "cached app.main",
            "cached lib",
            "checked lib.util (source changed)"
        ]
    );
    // An interface change re-checks its importers (transitively).
    write(
        dir,
        "lib/src/util.weir",
        "(pub defn twice ((x : i64)) : i64 (+ x x))\n(pub defn thrice ((x : i64)) : i64 (* 3 x))\n",
    );
    assert_eq!(
        check(dir).unwrap(),
        [
            "checked app.main (interface of lib.util changed)",
            "checked lib (interface of lib.util changed)",
            "checked lib.util (source changed)"
        ]
    );
    // A corrupt entry is a miss, and is rewritten.
    let entry = dir.join("app/target/cache/lib.wcache");
    let bytes = fs::read(&entry).unwrap();
    fs::write(&entry, &bytes[..bytes.len() / 2]).unwrap();
    assert_eq!(
        check(dir).unwrap(),
        [
            "cached app.main",
            "checked lib (cache entry unreadable)",
            "cached lib.util"
        ]
    );
    fs::write(&entry, b"garbage").unwrap();
    assert!(check(dir)
        .unwrap()
        .contains(&"checked lib (cache entry unreadable)".to_string()));
    assert_eq!(
        check(dir).unwrap(),
        ["cached app.main", "cached lib", "cached lib.util"]
    );
}

#[test]
fn imports_are_validated_at_the_import() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    project(dir);
    write(
        dir,
        "app/src/main.weir",
        "(import lib.util (twice))\n(import lib.nope (x))\n(import other.thing (y))\n(defn main () (println (twice 1)))\n",
    );
    let err = check(dir).unwrap_err();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(
        lines[0].ends_with("src/main.weir:2:9: unknown module `lib.nope`"),
        "{err}"
    );
    assert!(
        lines[1].ends_with("src/main.weir:3:9: unknown module `other.thing`"),
        "{err}"
    );
}

#[test]
fn undeclared_dependency_and_cycles() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    project(dir);
    // lib imports a module of app: app is not a dependency of lib.
    write(
        dir,
        "lib/src/util.weir",
        "(import app.main (main))\n(pub defn twice ((x : i64)) : i64 (* x 2))\n",
    );
    let err = check(dir).unwrap_err();
    assert!(
        err.contains("util.weir:1:9: module `app.main` belongs to package `app`, which is not a dependency of `lib`"),
        "{err}"
    );
    // A cycle inside one package.
    write(
        dir,
        "lib/src/util.weir",
        "(import lib (four))\n(pub defn twice ((x : i64)) : i64 (* x 2))\n",
    );
    let err = check(dir).unwrap_err();
    assert!(
        err.contains("import cycle: lib -> lib.util -> lib"),
        "{err}"
    );
}
