//! Registry dependencies end to end (packages.md §6): packages published with `weir publish` to
//! a folder registry (and served over HTTP on a loopback port), added with `weir add`, resolved
//! into `weir.lock` by `weir build`, fetched into `$WEIR_HOME`, and run on all three paths;
//! `--locked`, `--offline`, yanking, `weir update`, `weir tree` and tampered archives.
//!
//! Every test has its own registry, `WEIR_HOME` and projects in a temporary folder.

#[path = "../../weir-pkg/tests/common/http.rs"]
mod http;

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

struct World {
    dir: TempDir,
}

impl World {
    fn new() -> World {
        World {
            dir: tempfile::Builder::new()
                .prefix("weir-registry-test")
                .tempdir()
                .unwrap(),
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn registry(&self) -> PathBuf {
        self.path("registry")
    }

    fn home(&self) -> PathBuf {
        self.path("home")
    }

    /// `weir ARGS` in `dir` with this world's `WEIR_HOME` and no configured registry.
    fn weir(&self, dir: &Path, args: &[&str]) -> std::process::Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_weir"));
        cmd.current_dir(dir)
            .env("WEIR_HOME", self.home())
            .env_remove("WEIR_REGISTRY")
            .env_remove("NO_COLOR")
            .args(args);
        cmd.output().unwrap()
    }

    /// Like [`World::weir`], asserting success; returns stdout.
    fn ok(&self, dir: &Path, args: &[&str]) -> String {
        let out = self.weir(dir, args);
        assert!(
            out.status.success(),
            "weir {args:?} in {} failed:\n{}{}",
            dir.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Like [`World::weir`], asserting failure; returns stderr.
    fn fails(&self, dir: &Path, args: &[&str]) -> String {
        let out = self.weir(dir, args);
        assert!(
            !out.status.success(),
            "weir {args:?} in {} should have failed:\n{}",
            dir.display(),
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8(out.stderr).unwrap()
    }

    /// Writes library `name` `version` with `lib` as `src/lib.weir` and publishes it.
    fn publish(&self, name: &str, version: &str, deps: &str, lib: &str) {
        let dir = self.path(&format!("src/{name}-{version}"));
        fs::create_dir_all(dir.join("src")).unwrap();
        fs::write(
            dir.join("weir.pkg"),
            format!("(package\n  (name \"{name}\")\n  (version \"{version}\")\n  (deps {deps}))\n"),
        )
        .unwrap();
        fs::write(dir.join("src/lib.weir"), lib).unwrap();
        let reg = self.registry();
        self.ok(&dir, &["publish", "--registry", reg.to_str().unwrap()]);
    }

    /// `weir new app` with a main that prints `(shout "hi")` from `strs`.
    fn app(&self) -> PathBuf {
        self.ok(self.dir.path(), &["new", "app", "-q"]);
        let app = self.path("app");
        fs::write(
            app.join("src/main.weir"),
            "(import strs (shout))\n\n(defn main ()\n  (println (shout \"hi\")))\n",
        )
        .unwrap();
        app
    }

    /// Publishes strs 1.0.0, 1.1.0 and 2.0.0 (each `shout` says which it is).
    fn three_versions(&self) {
        for v in ["1.0.0", "1.1.0", "2.0.0"] {
            self.publish(
                "strs",
                v,
                "",
                &format!("(pub defn shout ((s : String)) : String\n  (str s \"! from {v}\"))\n"),
            );
        }
    }

    fn lock(&self, app: &Path) -> String {
        fs::read_to_string(app.join("weir.lock")).unwrap()
    }
}

fn reg_arg(w: &World) -> String {
    w.registry().to_str().unwrap().to_string()
}

#[test]
fn add_build_and_run_on_every_path_with_a_lock() {
    let w = World::new();
    w.three_versions();
    let app = w.app();
    let reg = reg_arg(&w);
    w.ok(&app, &["add", "strs@^1", "--registry", &reg]);
    let manifest = fs::read_to_string(app.join("weir.pkg")).unwrap();
    assert!(manifest.contains("(strs (version \"^1\"))"), "{manifest}");

    let out = w.ok(&app, &["interp", "--registry", &reg]);
    assert_eq!(out, "hi! from 1.1.0\n");
    let lock = w.lock(&app);
    assert!(
        lock.contains("(name \"strs\")\n    (version \"1.1.0\")"),
        "{lock}"
    );
    // Once locked, no registry is needed: the lock names its source.
    assert_eq!(w.ok(&app, &["run"]), "hi! from 1.1.0\n");
    w.ok(&app, &["build", "-o", "app-bin"]);
    let exe = Command::new(app.join("app-bin")).output().unwrap();
    assert_eq!(String::from_utf8(exe.stdout).unwrap(), "hi! from 1.1.0\n");
    // Builds that change nothing leave the lock untouched (byte for byte and mtime).
    let stamp = fs::metadata(app.join("weir.lock"))
        .unwrap()
        .modified()
        .unwrap();
    w.ok(
        &app,
        &["build", "-o", "app-bin", "--registry", &reg, "--locked"],
    );
    assert_eq!(w.lock(&app), lock);
    assert_eq!(
        fs::metadata(app.join("weir.lock"))
            .unwrap()
            .modified()
            .unwrap(),
        stamp
    );
    // The archive was unpacked under WEIR_HOME.
    assert!(walk(&w.home())
        .iter()
        .any(|p| p.ends_with("strs-1.1.0/weir.pkg")));

    let tree = w.ok(&app, &["tree"]);
    assert!(
        tree.contains(&format!(
            "└── strs v1.1.0 (registry file://{})",
            w.registry().display()
        )),
        "{tree}"
    );
}

#[test]
fn locked_fails_on_drift_and_a_plain_build_updates_the_lock() {
    let w = World::new();
    w.three_versions();
    let app = w.app();
    let reg = reg_arg(&w);
    // No lock yet: --locked refuses to write one.
    w.ok(&app, &["add", "strs@^1.0", "--registry", &reg]);
    let err = w.fails(&app, &["check", "--registry", &reg, "--locked"]);
    assert!(
        err.contains(
            "weir.lock needs to be updated (weir.lock does not exist), but --locked was given"
        ),
        "{err}"
    );
    assert!(!app.join("weir.lock").exists());
    w.ok(&app, &["check", "--registry", &reg]);
    assert!(w.lock(&app).contains("\"1.1.0\""));
    // The requirement moves to ^2: the lock no longer fits.
    w.ok(&app, &["add", "strs@^2", "--registry", &reg]);
    let before = w.lock(&app);
    let err = w.fails(&app, &["check", "--registry", &reg, "--locked"]);
    assert!(
        err.contains("the locked strs 1.1.0 does not meet the requirement ^2"),
        "{err}"
    );
    assert!(
        err.contains("Updating strs v1.1.0 -> v2.0.0") || err.contains("strs v1.1.0 -> v2.0.0"),
        "{err}"
    );
    assert_eq!(w.lock(&app), before);
    let out = w.weir(&app, &["interp", "--registry", &reg]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("Updating strs v1.1.0 -> v2.0.0"));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "hi! from 2.0.0\n");
}

#[test]
fn yanked_versions_are_skipped_unless_locked_and_update_moves_on() {
    let w = World::new();
    w.three_versions();
    let app = w.app();
    let reg = reg_arg(&w);
    w.ok(&app, &["add", "strs@^1", "--registry", &reg]);
    assert_eq!(
        w.ok(&app, &["interp", "--registry", &reg]),
        "hi! from 1.1.0\n"
    );
    w.ok(&app, &["yank", "strs@1.1.0", "--registry", &reg]);
    // The lock keeps the yanked version working.
    assert_eq!(
        w.ok(&app, &["interp", "--registry", &reg]),
        "hi! from 1.1.0\n"
    );
    // A new resolution skips it.
    let out = w.weir(&app, &["update", "--registry", &reg]);
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Updating strs v1.1.0 -> v1.0.0"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(w.ok(&app, &["interp"]), "hi! from 1.0.0\n");
    w.ok(&app, &["yank", "strs@1.1.0", "--undo", "--registry", &reg]);
    w.ok(&app, &["update", "--registry", &reg]);
    assert_eq!(w.ok(&app, &["interp"]), "hi! from 1.1.0\n");
}

#[test]
fn unsatisfiable_requirements_explain_the_conflict() {
    let w = World::new();
    w.three_versions();
    w.publish(
        "loud",
        "1.0.0",
        "(strs (version \"^2\"))",
        "(import strs (shout))\n(pub defn louder ((s : String)) : String (shout (shout s)))\n",
    );
    let app = w.app();
    let reg = reg_arg(&w);
    w.ok(&app, &["add", "strs@^1", "--registry", &reg]);
    w.ok(&app, &["add", "loud", "--registry", &reg]);
    let err = w.fails(&app, &["check", "--registry", &reg]);
    assert!(err.contains("no solution"), "{err}");
    assert!(err.contains("loud") && err.contains("strs"), "{err}");
    assert!(!app.join("weir.lock").exists());
}

#[test]
fn registry_packages_depend_on_each_other_and_mix_with_path_deps() {
    let w = World::new();
    w.three_versions();
    w.publish(
        "loud",
        "1.0.0",
        "(strs (version \"^2\"))",
        "(import strs (shout))\n(pub defn louder ((s : String)) : String (shout (shout s)))\n",
    );
    // A path dependency that itself needs `loud` from the registry.
    let helper = w.path("helper");
    fs::create_dir_all(helper.join("src")).unwrap();
    fs::write(
        helper.join("weir.pkg"),
        "(package (name \"helper\") (version \"0.1.0\") (deps (loud (version \"^1\"))))\n",
    )
    .unwrap();
    fs::write(
        helper.join("src/lib.weir"),
        "(import loud (louder))\n(pub defn help () : String (louder \"help\"))\n",
    )
    .unwrap();
    let app = w.app();
    fs::write(
        app.join("src/main.weir"),
        "(import helper (help))\n\n(defn main ()\n  (println (help)))\n",
    )
    .unwrap();
    let reg = reg_arg(&w);
    w.ok(&app, &["add", "helper", "--path", "../helper"]);
    assert_eq!(
        w.ok(&app, &["run", "--registry", &reg]),
        "help! from 2.0.0! from 2.0.0\n"
    );
    let lock = w.lock(&app);
    assert!(
        lock.contains("(name \"loud\")") && lock.contains("(deps \"strs\")"),
        "{lock}"
    );
    let tree = w.ok(&app, &["tree"]);
    assert!(tree.contains("helper v0.1.0 (../helper)"), "{tree}");
    assert!(tree.contains("loud v1.0.0 (registry"), "{tree}");
}

#[test]
fn a_tampered_archive_is_rejected_and_nothing_is_unpacked() {
    let w = World::new();
    w.three_versions();
    let app = w.app();
    let reg = reg_arg(&w);
    w.ok(&app, &["add", "strs@^1", "--registry", &reg]);
    let archive = w.registry().join("strs/strs-1.1.0.weirpkg");
    let mut bytes = fs::read(&archive).unwrap();
    let n = bytes.len();
    bytes[n / 2] ^= 0x55;
    fs::write(&archive, bytes).unwrap();
    let err = w.fails(&app, &["check", "--registry", &reg]);
    assert!(err.to_lowercase().contains("checksum"), "{err}");
    assert!(
        !walk(&w.home())
            .iter()
            .any(|p| p.to_string_lossy().contains("strs-1.1.0/")),
        "something was unpacked: {:?}",
        walk(&w.home())
    );
}

#[test]
fn http_registry_then_offline() {
    let w = World::new();
    w.three_versions();
    let server = http::Server::start(&w.registry());
    let url = server.url();
    let app = w.app();
    w.ok(&app, &["add", "strs@^1", "--registry", &url]);
    assert_eq!(
        w.ok(&app, &["interp", "--registry", &url]),
        "hi! from 1.1.0\n"
    );
    assert!(w.lock(&app).contains(&format!("(source \"{url}\")")));
    // With the lock in place, builds send no request at all, even with the registry configured.
    let before = server.all_hits();
    assert!(!before.is_empty());
    w.ok(&app, &["build", "--registry", &url]);
    w.ok(&app, &["build", "--registry", &url]);
    assert_eq!(server.all_hits(), before);
    // Offline with the cache filled: resolving again works from the cached index.
    fs::remove_file(app.join("weir.lock")).unwrap();
    assert_eq!(
        w.ok(&app, &["interp", "--registry", &url, "--offline"]),
        "hi! from 1.1.0\n"
    );
    // Offline with an empty cache: a clear error.
    fs::remove_file(app.join("weir.lock")).unwrap();
    fs::remove_dir_all(w.home()).unwrap();
    let err = w.fails(&app, &["check", "--registry", &url, "--offline"]);
    assert!(err.contains("offline"), "{err}");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

fn registry_index() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../registry-index")
        .canonicalize()
        .unwrap()
}

/// The "done when": `weir new`, `weir add` from `registry-index/` (including the native C
/// package `fnv`), then the same output on the interpreter, the JIT and AOT, with a lock; then
/// `--locked` and `--offline` builds from the lock alone.
#[test]
fn a_new_app_uses_registry_index_packages_on_every_path() {
    let w = World::new();
    let reg = registry_index().to_str().unwrap().to_string();
    w.ok(w.dir.path(), &["new", "app", "-q"]);
    let app = w.path("app");
    // A folder registry is local: all of this works offline.
    for spec in ["strs@^1.1", "vecs", "fnv"] {
        w.ok(&app, &["add", spec, "--registry", &reg, "--offline"]);
    }
    fs::write(
        app.join("src/main.weir"),
        "(import strs (join pad-left))\n(import vecs (range sum map))\n(import fnv (digest bucket))\n\n\
         (defn main ()\n  (let ((xs (range 1 6)))\n    \
         (println (join (map (fn ((x : i64)) (pad-left (str (* x x)) 3 \".\")) xs) \",\"))\n    \
         (println (sum xs))\n    (println (digest \"weir\"))\n    (println (bucket \"weir\" 16))))\n",
    )
    .unwrap();
    let interp = w.ok(&app, &["interp", "--registry", &reg, "--offline"]);
    let lines: Vec<&str> = interp.lines().collect();
    assert_eq!(lines[..2], ["..1,..4,..9,.16,.25", "15"], "{interp}");
    assert_eq!(lines.len(), 4, "{interp}");
    let lock = w.lock(&app);
    for name in ["strs", "vecs", "fnv"] {
        assert!(lock.contains(&format!("(name \"{name}\")")), "{lock}");
    }
    assert_eq!(w.ok(&app, &["run", "--locked", "--offline"]), interp);
    w.ok(&app, &["build", "--locked", "--offline", "-o", "app-bin"]);
    let exe = Command::new(app.join("app-bin")).output().unwrap();
    assert_eq!(String::from_utf8(exe.stdout).unwrap(), interp);
    assert_eq!(w.lock(&app), lock);
}

/// Every package of `registry-index/` passes its own `weir test` suite (dev-deps such as `expect`
/// come from the registry itself).
#[test]
fn registry_index_packages_pass_their_own_tests() {
    let w = World::new();
    let index = registry_index();
    let reg = index.to_str().unwrap().to_string();
    let mut sources: Vec<PathBuf> = fs::read_dir(index.join("sources"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    sources.sort();
    assert!(sources.len() >= 8, "{sources:?}");
    for src in sources {
        let name = src.file_name().unwrap().to_str().unwrap().to_string();
        let copy = w.path(&format!("copies/{name}"));
        copy_dir(&src, &copy);
        let out = w.ok(&copy, &["test", "-q", "--registry", &reg]);
        let last = out.lines().last().unwrap_or_default().to_string();
        assert!(
            last.ends_with(" passed, 0 failed") && !last.starts_with("0 "),
            "{name}: {out}"
        );
    }
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            fs::copy(e.path(), dest).unwrap();
        }
    }
}
