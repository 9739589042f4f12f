//! Snapshots of `weir_pkg::edit` (the text edits behind `weir add` / `weir remove`): each case
//! applies one operation to `test_data/edit/FILE.pkg` and compares the result, byte for byte,
//! with `FILE.OP.expected` (the new manifest text, or the error as the CLI prints it).
//! `WEIR_BLESS=1` (or `UPDATE_EXPECT=1`) rewrites the expected files; review them by eye.
//! Every `.pkg` and `.expected` file must belong to a case.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use weir_pkg::edit::{add_dep, remove_dep, AddOutcome, DepSpec, Section};
use weir_pkg::manifest::Manifest;

enum Op {
    Add(Section, &'static str, Spec),
    Remove(&'static str),
}

#[derive(Clone, Copy)]
enum Spec {
    Version(&'static str),
    Path(&'static str),
}

impl Spec {
    fn dep(self) -> DepSpec {
        match self {
            Spec::Version(v) => DepSpec::Version(v.to_string()),
            Spec::Path(p) => DepSpec::Path(p.to_string()),
        }
    }
}

use Op::{Add, Remove};
use Section::{Deps, DevDeps};
use Spec::{Path as P, Version as V};

/// (file, operation name, operation, outcome: `added`, `replaced OLD`, `moved from FIELD (OLD)`,
/// `unchanged`, `removed from FIELD` or `error`).
#[rustfmt::skip]
const CASES: &[(&str, &str, Op, &str)] = &[
    // Comments before, after and inside the fields, trailing comments after stacked parens.
    ("comments", "add", Add(Deps, "strs", V("^1.2.0")), "added"),
    ("comments", "add-dev", Add(DevDeps, "props", P("../props")), "added"),
    ("comments", "replace-version", Add(Deps, "json", V("^2.0")), "replaced ^1.2"),
    ("comments", "replace-path", Add(Deps, "util", V("^1.0")), "replaced path ../util"),
    ("comments", "move", Add(DevDeps, "json", V("^1.2")), "moved from deps (^1.2)"),
    ("comments", "unchanged", Add(Deps, "json", V("^1.2")), "unchanged"),
    ("comments", "remove-first", Remove("util"), "removed from deps"),
    ("comments", "remove-middle", Remove("json"), "removed from deps"),
    ("comments", "remove-last", Remove("log"), "removed from deps"),
    ("comments", "remove-dev-only", Remove("check"), "removed from dev-deps"),
    ("comments", "remove-unknown", Remove("nope"), "error"),
    ("comments", "add-self", Add(Deps, "app", V("^1")), "error"),
    ("comments", "add-bad-req", Add(Deps, "strs", V("^^1")), "error"),
    ("comments", "add-bad-name", Add(Deps, "Strs", V("^1")), "error"),
    // Tab indentation.
    ("tabs", "add", Add(Deps, "strs", V("^1.2.0")), "added"),
    ("tabs", "add-dev", Add(DevDeps, "check", P("../check")), "added"),
    ("tabs", "remove-last", Remove("json"), "removed from deps"),
    // The whole package on one line; then only `deps` on one line.
    ("one-line", "add", Add(Deps, "strs", V("^1.2.0")), "added"),
    ("one-line", "add-dev", Add(DevDeps, "check", P("../check")), "added"),
    ("one-line", "remove-only", Remove("util"), "removed from deps"),
    ("one-line-deps", "add", Add(Deps, "strs", V("^1.2.0")), "added"),
    ("one-line-deps", "add-dev", Add(DevDeps, "check", P("../check")), "added"),
    ("one-line-deps", "remove-first", Remove("util"), "removed from deps"),
    ("one-line-deps", "remove-last", Remove("json"), "removed from deps"),
    // No `deps` field (the `weir new` app template), `(deps)`, a `deps` with only a comment.
    ("no-deps", "add", Add(Deps, "strs", V("^1.2.0")), "added"),
    ("no-deps", "add-dev", Add(DevDeps, "check", P("../check")), "added"),
    ("no-deps", "remove-unknown", Remove("strs"), "error"),
    ("empty-deps", "add", Add(Deps, "strs", V("^1.2.0")), "added"),
    ("empty-deps-comment", "add", Add(Deps, "strs", V("^1.2.0")), "added"),
    // CRLF line endings stay CRLF.
    ("crlf", "add", Add(Deps, "strs", V("^1.2.0")), "added"),
    ("crlf", "add-dev", Add(DevDeps, "check", P("../check")), "added"),
    ("crlf", "remove-first", Remove("util"), "removed from deps"),
    ("crlf", "remove-last", Remove("json"), "removed from deps"),
    // The only entry: removing it removes the field.
    ("only", "remove-only", Remove("util"), "removed from deps"),
    ("only", "add", Add(Deps, "strs", V("^1.2.0")), "added"),
    // dev-deps, and moving between the fields.
    ("dev-deps", "add-dev", Add(DevDeps, "strs", V("^1.2.0")), "added"),
    ("dev-deps", "remove-dev-first", Remove("check"), "removed from dev-deps"),
    ("dev-deps", "remove-dev-middle", Remove("bench"), "removed from dev-deps"),
    ("dev-deps", "remove-dev-last", Remove("props"), "removed from dev-deps"),
    ("dev-deps", "move-to-deps", Add(Deps, "bench", V("^0.3")), "moved from dev-deps (^0.2)"),
    ("dev-deps", "move-only", Add(DevDeps, "util", P("../util")), "moved from deps (path ../util)"),
    // An entry over several lines with a comment inside.
    ("multi-line-entry", "replace-version", Add(Deps, "json", V("~1.3")), "replaced ^1.2"),
    ("multi-line-entry", "replace-with-path", Add(Deps, "json", P("../json")), "replaced ^1.2"),
    ("multi-line-entry", "remove-first", Remove("json"), "removed from deps"),
    ("multi-line-entry", "remove-last", Remove("util"), "removed from deps"),
    // No line break at the end of the file.
    ("no-newline", "add", Add(Deps, "strs", V("^1.2.0")), "added"),
    ("no-newline", "remove-last", Remove("json"), "removed from deps"),
    // Two entries on one line.
    ("shared-line", "add", Add(Deps, "strs", V("^1.2.0")), "added"),
    ("shared-line", "remove-first", Remove("util"), "removed from deps"),
    ("shared-line", "remove-second", Remove("json"), "removed from deps"),
    ("shared-line", "remove-last", Remove("log"), "removed from deps"),
];

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/edit")
}

/// The path the manifests are parsed as (it names them in errors).
fn manifest_path() -> &'static Path {
    Path::new("weir.pkg")
}

fn run(text: &str, op: &Op) -> (String, String) {
    let res = match op {
        Add(section, name, spec) => add_dep(text, manifest_path(), *section, name, &spec.dep())
            .map(|(out, o)| {
                let outcome = match o {
                    AddOutcome::Added => "added".to_string(),
                    AddOutcome::Replaced { old } => format!("replaced {old}"),
                    AddOutcome::Moved { from, old } => format!("moved from {from} ({old})"),
                    AddOutcome::Unchanged => "unchanged".to_string(),
                };
                (out, outcome)
            }),
        Remove(name) => remove_dep(text, manifest_path(), name)
            .map(|(out, section)| (out, format!("removed from {section}"))),
    };
    match res {
        Ok(r) => r,
        Err(e) => (format!("{e}\n"), "error".to_string()),
    }
}

fn bless() -> bool {
    ["WEIR_BLESS", "UPDATE_EXPECT"]
        .iter()
        .any(|v| std::env::var_os(v).is_some())
}

#[test]
fn snapshots() {
    let dir = data_dir();
    let mut failures = Vec::new();
    for (file, op_name, op, want_outcome) in CASES {
        let input = fs::read_to_string(dir.join(format!("{file}.pkg"))).unwrap();
        let (actual, outcome) = run(&input, op);
        if outcome != *want_outcome {
            failures.push(format!(
                "{file}.{op_name}: outcome `{outcome}`, expected `{want_outcome}`\n{actual}"
            ));
        }
        if outcome != "error" {
            // Whatever the edit, the result is a valid manifest.
            if let Err(e) = Manifest::parse(&actual, manifest_path()) {
                failures.push(format!("{file}.{op_name}: invalid result: {e}"));
            }
        }
        let expected = dir.join(format!("{file}.{op_name}.expected"));
        if bless() {
            fs::write(&expected, &actual).unwrap();
            continue;
        }
        let want = fs::read_to_string(&expected).unwrap_or_default();
        if want != actual {
            failures.push(format!(
                "{} differs (WEIR_BLESS=1 rewrites it)\n--- expected\n{want}--- actual\n{actual}",
                expected.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// No stray data files: every `.pkg` has a case and every `.expected` is some case's.
#[test]
fn every_file_is_used() {
    let mut used: BTreeSet<String> = BTreeSet::new();
    for (file, op_name, _, _) in CASES {
        used.insert(format!("{file}.pkg"));
        used.insert(format!("{file}.{op_name}.expected"));
    }
    let mut stray = Vec::new();
    for entry in fs::read_dir(data_dir()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if !name.starts_with('.') && !used.contains(&name) {
            stray.push(name);
        }
    }
    assert!(stray.is_empty(), "files without a case: {stray:?}");
}

/// The comments of a manifest, in order (the test files have no `;` inside strings).
fn comments(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|l| l.find(';').map(|i| l[i..].trim_end()))
        .collect()
}

/// Adding a new dependency and removing it again gives back the original bytes, in either
/// field. The exception: `(deps)` written empty is removed with the entry (an empty field with
/// no comment is dropped).
#[test]
fn add_then_remove_is_identity() {
    let mut failures = Vec::new();
    for entry in fs::read_dir(data_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("pkg") {
            continue;
        }
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = fs::read_to_string(&path).unwrap();
        for section in [Deps, DevDeps] {
            for spec in [
                DepSpec::Version("^3.1".into()),
                DepSpec::Path("../z".into()),
            ] {
                let (added, outcome) =
                    add_dep(&text, manifest_path(), section, "zz-new", &spec).unwrap();
                assert_eq!(outcome, AddOutcome::Added);
                assert_eq!(
                    comments(&added),
                    comments(&text),
                    "{stem}: a comment changed"
                );
                let (back, from) = remove_dep(&added, manifest_path(), "zz-new").unwrap();
                assert_eq!(from, section);
                let identity_expected = !(stem == "empty-deps" && section == Deps);
                if (back == text) != identity_expected {
                    failures.push(format!(
                        "{stem} ({section}, {spec}): after add\n{added}\nafter remove\n{back}"
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Every dependency of every file can be removed, replaced and moved (the edits check their
/// result themselves; this makes sure none of them reports an internal error).
#[test]
fn every_entry_can_be_edited() {
    for entry in fs::read_dir(data_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("pkg") {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap();
        let m = Manifest::parse(&text, manifest_path()).unwrap();
        let all = m
            .deps
            .iter()
            .map(|d| (Deps, d))
            .chain(m.dev_deps.iter().map(|d| (DevDeps, d)));
        for (section, dep) in all {
            let ctx = format!("{} {}", path.display(), dep.name);
            let (out, from) = remove_dep(&text, manifest_path(), &dep.name).expect(&ctx);
            assert_eq!(from, section, "{ctx}");
            let m2 = Manifest::parse(&out, manifest_path()).expect(&ctx);
            assert_eq!(
                m2.deps.len() + m2.dev_deps.len() + 1,
                m.deps.len() + m.dev_deps.len(),
                "{ctx}"
            );
            for spec in [
                DepSpec::Version("=9.9.9".into()),
                DepSpec::Path("a \"b\"\\c".into()),
            ] {
                for target in [Deps, DevDeps] {
                    let (out, _) =
                        add_dep(&text, manifest_path(), target, &dep.name, &spec).expect(&ctx);
                    let m2 = Manifest::parse(&out, manifest_path()).expect(&ctx);
                    if target == section {
                        assert_eq!(comments(&out), comments(&text), "{ctx}: a comment changed");
                    }
                    let list = if target == Deps {
                        &m2.deps
                    } else {
                        &m2.dev_deps
                    };
                    assert!(list.iter().any(|d| d.name == dep.name), "{ctx}");
                }
            }
        }
    }
}

/// Bad input is an error, not a panic or a broken manifest.
#[test]
fn invalid_manifests_are_reported() {
    for text in [
        "",
        "(package",
        "(package (name \"a\"))",
        "(package (name \"a\") (version \"1.0.0\") (deps (b)))",
    ] {
        let e = add_dep(
            text,
            manifest_path(),
            Deps,
            "x",
            &DepSpec::Version("^1".into()),
        )
        .unwrap_err();
        assert_eq!(e.file.as_deref(), Some(manifest_path()), "{text:?}: {e}");
        assert!(remove_dep(text, manifest_path(), "x").is_err(), "{text:?}");
    }
    let ok = "(package (name \"a\") (version \"1.0.0\"))";
    for bad in ["", "a\u{0}b", "x\ny"] {
        let e = add_dep(ok, manifest_path(), Deps, "x", &DepSpec::Path(bad.into())).unwrap_err();
        assert!(e.message.contains("path"), "{bad:?}: {e}");
    }
}

/// Mangled manifests (bytes cut out, parens, quotes, semicolons and line breaks put in, from a
/// fixed seed): the edits never panic, whatever they return parses, and they never report an
/// internal error (every failure comes from the input).
#[test]
fn mangled_manifests_never_panic() {
    let mut seed: u64 = 0x5eed_1234_abcd_0001;
    let mut next = |n: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((seed >> 33) as usize) % n.max(1)
    };
    let mut files: Vec<(PathBuf, String)> = fs::read_dir(data_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("pkg"))
        .map(|p| {
            let t = fs::read_to_string(&p).unwrap();
            (p, t)
        })
        .collect();
    files.sort();
    let pieces = [
        "(", ")", "\"", ";", "\n", "\r\n", " ", "\\", "(deps)", "#\\(", "é",
    ];
    let mut edited = 0;
    for round in 0..600 {
        let (_, text) = &files[round % files.len()];
        let mut t = text.clone();
        for _ in 0..1 + next(3) {
            let mut at = next(t.len() + 1);
            while !t.is_char_boundary(at) {
                at -= 1;
            }
            if next(2) == 0 {
                let mut end = (at + 1 + next(8)).min(t.len());
                while !t.is_char_boundary(end) {
                    end -= 1;
                }
                t.replace_range(at..end, "");
            } else {
                t.insert_str(at, pieces[next(pieces.len())]);
            }
        }
        let spec = DepSpec::Version("^1".into());
        for name in ["util", "json", "zz-new"] {
            let results = [
                add_dep(&t, manifest_path(), Deps, name, &spec).map(|r| r.0),
                remove_dep(&t, manifest_path(), name).map(|r| r.0),
            ];
            for res in results {
                match res {
                    Ok(out) => {
                        assert!(Manifest::parse(&out, manifest_path()).is_ok(), "{t:?}");
                        edited += 1;
                    }
                    // A valid manifest is always editable: errors come from the input.
                    Err(e) => assert!(!e.message.contains("internal error"), "{t:?}: {e}"),
                }
            }
        }
    }
    // Many mangled manifests stay valid (a space, a comment, a line break more).
    assert!(edited > 200, "only {edited} successful edits");
}
