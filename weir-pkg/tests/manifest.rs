//! Manifest snapshots (`test_data/manifest/{ok,err}/*.pkg` + `.expected`; `UPDATE_EXPECT=1`
//! rewrites them), module discovery on temporary folders, and a fuzz-ish no-panic test.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use weir_pkg::manifest::{DepSource, Manifest};
use weir_pkg::modules::{module_name, package_modules, test_modules, ModuleFile};

// ---------------------------------------------------------------- snapshots

fn dump(m: &Manifest) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "path: {}", m.path.display());
    let _ = writeln!(s, "root: {}", m.root.display());
    let _ = writeln!(s, "name: {}", m.name);
    let _ = writeln!(s, "version: {}", m.version);
    let _ = writeln!(s, "description: {:?}", m.description);
    let _ = writeln!(s, "license: {:?}", m.license);
    let _ = writeln!(s, "authors: {:?}", m.authors);
    let _ = writeln!(s, "main: {:?}", m.main);
    let _ = writeln!(s, "sources: {:?}", m.sources);
    let _ = writeln!(s, "is_app: {}", m.is_app());
    for (title, deps) in [("deps", &m.deps), ("dev-deps", &m.dev_deps)] {
        let _ = writeln!(s, "{title}:");
        for d in deps {
            let src = match &d.source {
                DepSource::Path(p) => format!("path {:?}", p),
                DepSource::Registry { req } => format!("registry {req}"),
            };
            let _ = writeln!(s, "  {} (line {}): {src}", d.name, d.line);
        }
    }
    match &m.native {
        None => s.push_str("native: None\n"),
        Some(n) => {
            let _ = writeln!(s, "native:");
            let _ = writeln!(s, "  sources: {:?}", n.sources);
            let _ = writeln!(s, "  include: {:?}", n.include);
            let _ = writeln!(s, "  cflags: {:?}", n.cflags);
            let _ = writeln!(s, "  link: {:?}", n.link);
        }
    }
    s
}

/// Compares `actual` with the file `expected`, or rewrites it under `UPDATE_EXPECT=1`.
/// Returns a failure description.
pub fn check_snapshot(expected: &Path, actual: &str) -> Option<String> {
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        fs::write(expected, actual).expect("write snapshot");
        return None;
    }
    let want = fs::read_to_string(expected).unwrap_or_default();
    if want == actual {
        return None;
    }
    let mut msg = format!("snapshot mismatch: {}\n", expected.display());
    for (i, (w, a)) in want.lines().zip(actual.lines()).enumerate() {
        if w != a {
            let _ = writeln!(
                msg,
                "  first difference at line {}:\n  - {w}\n  + {a}",
                i + 1
            );
            break;
        }
    }
    let _ = writeln!(msg, "--- expected\n{want}--- actual\n{actual}---");
    Some(msg)
}

fn cases(dir: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .expect("test data folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "pkg"))
        .collect();
    out.sort();
    out
}

#[test]
fn manifest_ok_snapshots() {
    let mut failures = Vec::new();
    let all = cases("test_data/manifest/ok");
    assert!(all.len() >= 8, "ok cases: {}", all.len());
    for case in all {
        match Manifest::load(&case) {
            Ok(m) => {
                if let Some(f) = check_snapshot(&case.with_extension("expected"), &dump(&m)) {
                    failures.push(f);
                }
            }
            Err(e) => failures.push(format!("{}: expected success, got\n{e}", case.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn manifest_err_snapshots() {
    let mut failures = Vec::new();
    let all = cases("test_data/manifest/err");
    assert!(all.len() >= 15, "err cases: {}", all.len());
    for case in all {
        match Manifest::load(&case) {
            Ok(m) => failures.push(format!(
                "{}: expected an error, got\n{}",
                case.display(),
                dump(&m)
            )),
            Err(e) => {
                let text = format!("{e}\n");
                // Every error names the manifest and says where.
                if !text.starts_with(&format!("{}:", case.display())) {
                    failures.push(format!(
                        "{}: error does not name the file: {text}",
                        case.display()
                    ));
                }
                if e.message.ends_with('.') || e.message.starts_with(char::is_uppercase) {
                    failures.push(format!("{}: message style: {}", case.display(), e.message));
                }
                if let Some(f) = check_snapshot(&case.with_extension("expected"), &text) {
                    failures.push(f);
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_error_has_a_line() {
    // Except a missing file/empty manifest, every mistake has a position.
    for case in cases("test_data/manifest/err") {
        let e = Manifest::load(&case).expect_err("error case");
        let stem = case.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        if stem == "empty" {
            assert_eq!(e.line, None);
        } else {
            assert!(
                e.line.is_some() && e.col.is_some(),
                "{}: {e}",
                case.display()
            );
        }
    }
}

#[test]
fn load_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("weir.pkg");
    let e = Manifest::load(&missing).expect_err("missing");
    assert!(e.to_string().contains("the manifest does not exist"), "{e}");
    assert_eq!(e.file.as_deref(), Some(missing.as_path()));

    let e = Manifest::load(dir.path()).expect_err("folder");
    assert!(e.to_string().contains("folder"), "{e}");

    fs::write(
        &missing,
        b"(package (name \"x\")\n (description \"a\xff\"))",
    )
    .expect("write");
    let e = Manifest::load(&missing).expect_err("utf8");
    assert_eq!((e.line, e.col), (Some(2), Some(17)), "{e}");
    assert!(e.message.contains("UTF-8"));

    fs::write(&missing, vec![b' '; 200 * 1024]).expect("write");
    let e = Manifest::load(&missing).expect_err("big");
    assert!(e.message.contains("too large"), "{e}");
}

#[test]
fn parse_uses_the_given_path() {
    let m = Manifest::parse(
        "(package (name \"a\") (version \"1.0.0\"))",
        Path::new("weir.pkg"),
    )
    .expect("parse");
    assert_eq!(m.root, PathBuf::from("."));
    assert_eq!(m.path, PathBuf::from("weir.pkg"));
    let m = Manifest::parse(
        "(package (name \"a\") (version \"1.0.0\"))",
        Path::new("x/y/weir.pkg"),
    )
    .expect("parse");
    assert_eq!(m.root, PathBuf::from("x/y"));
    assert!(!m.is_app());
}

#[cfg(unix)]
#[test]
fn symlink_leading_out_is_an_error() {
    let outside = tempfile::tempdir().expect("tempdir");
    fs::write(outside.path().join("evil.weir"), "").expect("write");
    let pkg = tempfile::tempdir().expect("tempdir");
    std::os::unix::fs::symlink(
        outside.path().join("evil.weir"),
        pkg.path().join("main.weir"),
    )
    .expect("symlink");
    let path = pkg.path().join("weir.pkg");
    let text = "(package\n  (name \"x\")\n  (version \"0.1.0\")\n  (main \"main.weir\"))\n";
    fs::write(&path, text).expect("write");
    let e = Manifest::load(&path).expect_err("escape");
    assert!(e.message.contains("symbolic link"), "{e}");
    assert_eq!((e.line, e.col), (Some(4), Some(9)));
    // A symlink that stays inside is fine.
    fs::remove_file(pkg.path().join("main.weir")).expect("rm");
    fs::write(pkg.path().join("real.weir"), "").expect("write");
    std::os::unix::fs::symlink(pkg.path().join("real.weir"), pkg.path().join("main.weir"))
        .expect("symlink");
    Manifest::load(&path).expect("inside");
}

// ---------------------------------------------------------------- modules

fn package(files: &[&str], manifest: &str) -> (tempfile::TempDir, Manifest) {
    let dir = tempfile::tempdir().expect("tempdir");
    for f in files {
        let p = dir.path().join(f);
        fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        fs::write(&p, "").expect("write");
    }
    let path = dir.path().join("weir.pkg");
    fs::write(&path, manifest).expect("write manifest");
    let m = Manifest::load(&path).expect("manifest");
    (dir, m)
}

fn names(mods: &[ModuleFile]) -> Vec<String> {
    mods.iter()
        .map(|m| {
            let main = if m.is_main { " (main)" } else { "" };
            format!("{} = {}{main}", m.name, m.rel.display())
        })
        .collect()
}

#[test]
fn module_names() {
    let n = |p: &str| module_name("foo", Path::new(p)).map_err(|e| e.to_string());
    assert_eq!(n("lib.weir"), Ok("foo".into()));
    assert_eq!(n("src/lib.weir"), Ok("foo".into()));
    assert_eq!(n("bar.weir"), Ok("foo.bar".into()));
    assert_eq!(n("src/net/http.weir"), Ok("foo.net.http".into()));
    assert_eq!(n("src/net/lib.weir"), Ok("foo.net.lib".into()));
    assert_eq!(n("tests/basics.weir"), Ok("foo.tests.basics".into()));
    assert_eq!(n("main.weir"), Ok("foo.main".into()));
    assert_eq!(n("src/is-ok?.weir"), Ok("foo.is-ok?".into()));
    assert!(n("src/my.mod.weir").unwrap_err().contains("`my.mod`"));
    assert!(n("src/1st.weir").is_err());
    assert!(n("src/bad name.weir").is_err());
    assert!(n("src/ünï.weir").is_err());
    assert!(n("src/x.c").is_err());
    assert!(n("../x.weir").is_err());
}

#[test]
fn default_sources_are_src_lib_and_main() {
    let (_d, m) = package(
        &[
            "lib.weir",
            "main.weir",
            "other.weir", // not in src/: not a module by default
            "src/board.weir",
            "src/net/http.weir",
            "src/net/notes.txt",
            "src/.hidden.weir",
            "src/.cache/x.weir",
        ],
        "(package (name \"foo\") (version \"0.1.0\") (main \"main.weir\"))",
    );
    let mods = package_modules(&m).expect("modules");
    assert_eq!(
        names(&mods),
        [
            "foo = lib.weir",
            "foo.board = src/board.weir",
            "foo.main = main.weir (main)",
            "foo.net.http = src/net/http.weir",
        ]
    );
    assert_eq!(mods[1].path, m.root.join("src/board.weir"));
}

#[test]
fn no_src_folder() {
    let (_d, m) = package(&[], "(package (name \"foo\") (version \"0.1.0\"))");
    assert_eq!(package_modules(&m).expect("modules"), []);
    assert_eq!(test_modules(&m).expect("tests"), []);
}

#[test]
fn explicit_sources_replace_the_default() {
    let (_d, m) = package(
        &["lib.weir", "board.weir", "app.weir", "src/ignored.weir"],
        "(package (name \"foo\") (version \"0.1.0\")\n (main \"app.weir\")\n (sources \"board.weir\" \"lib.weir\"))",
    );
    assert_eq!(
        names(&package_modules(&m).expect("modules")),
        [
            "foo = lib.weir",
            "foo.app = app.weir (main)",
            "foo.board = board.weir"
        ]
    );
}

#[test]
fn main_listed_in_sources_is_one_module() {
    let (_d, m) = package(
        &["main.weir"],
        "(package (name \"foo\") (version \"0.1.0\") (main \"main.weir\") (sources \"main.weir\"))",
    );
    assert_eq!(
        names(&package_modules(&m).expect("modules")),
        ["foo.main = main.weir (main)"]
    );
}

#[test]
fn duplicate_module_names() {
    let (_d, m) = package(
        &["bar.weir", "src/bar.weir"],
        "(package (name \"foo\") (version \"0.1.0\")\n  (sources \"src/bar.weir\" \"bar.weir\"))",
    );
    let e = package_modules(&m).expect_err("duplicate");
    assert_eq!(
        e.message,
        "`bar.weir` and `src/bar.weir` both map to module `foo.bar`"
    );
    assert_eq!((e.line, e.col), (Some(2), Some(3)));
    assert_eq!(e.file.as_deref(), Some(m.path.as_path()));

    let (_d, m) = package(
        &["lib.weir", "src/lib.weir"],
        "(package (name \"foo\") (version \"0.1.0\"))",
    );
    let e = package_modules(&m).expect_err("duplicate");
    assert_eq!(
        e.message,
        "`lib.weir` and `src/lib.weir` both map to module `foo`"
    );

    // The main file at the root against a default source.
    let (_d, m) = package(
        &["main.weir", "src/main.weir"],
        "(package (name \"foo\") (version \"0.1.0\") (main \"main.weir\"))",
    );
    assert!(package_modules(&m)
        .expect_err("dup")
        .message
        .contains("`foo.main`"));
}

#[test]
fn bad_file_names() {
    let (_d, m) = package(
        &["src/my.mod.weir"],
        "(package (name \"foo\") (version \"0.1.0\"))",
    );
    let e = package_modules(&m).expect_err("bad name");
    assert!(e.message.contains("src/my.mod.weir"), "{e}");
    assert_eq!(e.file.as_deref(), Some(m.path.as_path()));

    let (_d, m) = package(
        &["src/2d/vec.weir"],
        "(package (name \"foo\") (version \"0.1.0\"))",
    );
    let e = package_modules(&m).expect_err("bad folder");
    assert!(e.message.contains("`2d`"), "{e}");
}

#[test]
fn missing_listed_sources() {
    let (_d, m) = package(
        &["a.weir"],
        "(package (name \"foo\") (version \"0.1.0\")\n\n  (sources \"a.weir\" \"gone.weir\"))",
    );
    let e = package_modules(&m).expect_err("missing");
    assert_eq!(e.message, "field `sources`: `gone.weir` does not exist");
    assert_eq!((e.line, e.col), (Some(3), Some(3)));

    let (_d, m) = package(
        &[],
        "(package (name \"foo\") (version \"0.1.0\")\n (main \"main.weir\"))",
    );
    let e = package_modules(&m).expect_err("missing main");
    assert_eq!(e.message, "field `main`: `main.weir` does not exist");
    assert_eq!(e.line, Some(2));
}

#[test]
fn tests_folder() {
    let (_d, m) = package(
        &[
            "lib.weir",
            "tests/basics.weir",
            "tests/io.weir",
            "tests/helpers/h.weir",
            "tests/notes.md",
        ],
        "(package (name \"foo\") (version \"0.1.0\"))",
    );
    assert_eq!(
        names(&test_modules(&m).expect("tests")),
        [
            "foo.tests.basics = tests/basics.weir",
            "foo.tests.io = tests/io.weir"
        ]
    );
    // Test modules are not package modules.
    assert_eq!(
        names(&package_modules(&m).expect("modules")),
        ["foo = lib.weir"]
    );

    let (_d, m) = package(
        &["tests/a.b.weir"],
        "(package (name \"foo\") (version \"0.1.0\"))",
    );
    assert!(test_modules(&m).is_err());

    let (_d, m) = package(
        &["src/tests/basics.weir", "tests/basics.weir"],
        "(package (name \"foo\") (version \"0.1.0\"))",
    );
    let e = test_modules(&m).expect_err("clash");
    assert!(
        e.message.contains("both map to module `foo.tests.basics`"),
        "{e}"
    );
}

#[cfg(unix)]
#[test]
fn symlinked_source_leading_out() {
    let outside = tempfile::tempdir().expect("tempdir");
    fs::write(outside.path().join("x.weir"), "").expect("write");
    let (d, m) = package(
        &["src/a.weir"],
        "(package (name \"foo\") (version \"0.1.0\"))",
    );
    std::os::unix::fs::symlink(outside.path().join("x.weir"), d.path().join("src/x.weir"))
        .expect("symlink");
    let e = package_modules(&m).expect_err("escape");
    assert!(
        e.message.contains("src/x.weir") && e.message.contains("symbolic link"),
        "{e}"
    );
}

// ---------------------------------------------------------------- no panics

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

fn random_sexp(rng: &mut Rng, depth: usize, out: &mut String) {
    const ATOMS: &[&str] = &[
        "package",
        "name",
        "version",
        "description",
        "license",
        "authors",
        "main",
        "sources",
        "deps",
        "dev-deps",
        "native",
        "include",
        "cflags",
        "link",
        "path",
        "\"0.1.0\"",
        "\"^1.2\"",
        "\"x\"",
        "\"a.weir\"",
        "\"../a\"",
        "\"/abs\"",
        "\"\"",
        "\"Bad Name\"",
        "1",
        "-2.5",
        "#t",
        "#\\a",
        ".",
        "'",
        "x",
        "util",
        "\"main.weir\"",
        "\"src/a.c\"",
        "#(1 2)",
        "\"-lm\"",
        ";c\n",
        "\"é\"",
    ];
    if depth == 0 || rng.below(3) == 0 {
        out.push_str(rng.pick(ATOMS));
        return;
    }
    let (open, close) = if rng.below(8) == 0 {
        ("[", "]")
    } else {
        ("(", ")")
    };
    out.push_str(open);
    for _ in 0..rng.below(6) {
        random_sexp(rng, depth - 1, out);
        out.push(' ');
    }
    if rng.below(20) != 0 {
        out.push_str(close);
    }
}

#[test]
fn random_input_never_panics() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let path = Path::new("fuzz/weir.pkg");
    const BYTES: &[u8] = b"()[]\"\\;'`,@#. \n\tabcxyz019-+^~=<>/";
    for _ in 0..600 {
        let n = rng.below(200);
        let bytes: Vec<u8> = (0..n)
            .map(|_| {
                if rng.below(4) == 0 {
                    rng.next() as u8
                } else {
                    BYTES[rng.below(BYTES.len())]
                }
            })
            .collect();
        let text = String::from_utf8_lossy(&bytes);
        let _ = Manifest::parse(&text, path);
    }
    for _ in 0..1500 {
        let mut s = String::from("(package (name \"x\") (version \"0.1.0\") ");
        if rng.below(4) == 0 {
            s.clear();
        }
        random_sexp(&mut rng, 5, &mut s);
        s.push(')');
        let _ = Manifest::parse(&s, path);
    }
}

#[test]
fn hostile_input_is_an_error_not_a_crash() {
    let path = Path::new("weir.pkg");
    let quotes = format!("(package {}x)", "'".repeat(100_000));
    assert!(Manifest::parse(&quotes, path).is_err());
    let spaced = format!("(package {}x)", "' ".repeat(50_000));
    assert!(Manifest::parse(&spaced, path).is_err());
    let commented = format!("(package {}x)", "';\n".repeat(30_000));
    assert!(Manifest::parse(&commented, path).is_err());
    let nested = format!("{}{}", "(".repeat(100_000), ")".repeat(100_000));
    assert!(Manifest::parse(&nested, path).is_err());
    // Largest allowed file: one long list, and many short ones.
    let long = format!(
        "(package (name \"x\") (version \"0.1.0\") (authors {}))",
        "\"\" ".repeat(40_000)
    );
    assert!(Manifest::parse(&long, path).is_ok());
    let list = format!("(package (x {}))", "1 ".repeat(60_000));
    assert!(Manifest::parse(&list, path).is_err());
    let pairs = format!("(package {})", "(a)".repeat(40_000));
    assert!(Manifest::parse(&pairs, path).is_err());
    // Quote chains just under the limit, nested in lists just under lexpr's depth limit: lexpr
    // recurses about 3,900 times and must not overflow.
    let deep = format!(
        "(package {}x{})",
        "''''''''''''''''''''''''''''''(".repeat(125),
        ")".repeat(125)
    );
    let e = Manifest::parse(&deep, path).expect_err("deep");
    assert!(e.message.contains("quoted value"), "{e}");
    let over = format!(
        "(package {}x)",
        "''''''''''''''''''''''''''''''(".repeat(140)
    );
    let e = Manifest::parse(&over, path).expect_err("over");
    assert!(e.message.contains("too many quote characters"), "{e}");
    // Apostrophes and commas in strings and comments are fine.
    let prose = format!(
        "(package (name \"x\") (version \"0.1.0\")\n{}(description \"{}\"))",
        "; it's Ada's, Bob's, and Eve's\n".repeat(200),
        "a, b, c's ".repeat(2000)
    );
    assert!(Manifest::parse(&prose, path).is_ok());
}
