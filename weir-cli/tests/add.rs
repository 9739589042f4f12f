//! `weir add` and `weir remove` (packages.md §7) on packages made by `weir new`, against a tiny
//! folder registry written by hand (`config.json` plus index files, packages.md §6).
//!
//! Each test works in its own temporary folder: `reg/` (the registry), `home/` (`WEIR_HOME`,
//! empty) and the packages; `WEIR_REGISTRY` is unset so only `--registry` names a registry.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::str::contains;
use tempfile::TempDir;

struct World {
    dir: TempDir,
}

impl World {
    /// A temporary folder with an empty registry `reg/` and `home/`, and an application `app`
    /// made by `weir new`.
    fn new() -> World {
        let dir = tempfile::Builder::new()
            .prefix("weir-add-test")
            .tempdir()
            .unwrap();
        let w = World { dir };
        fs::create_dir_all(w.reg()).unwrap();
        fs::write(
            w.reg().join("config.json"),
            "{\"dl\": \"{name}/{name}-{version}.weirpkg\"}\n",
        )
        .unwrap();
        fs::create_dir_all(w.root().join("home")).unwrap();
        w.weir(&w.root(), &["new", "app"]).assert().success();
        w
    }

    fn root(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    fn reg(&self) -> PathBuf {
        self.root().join("reg")
    }

    fn app(&self) -> PathBuf {
        self.root().join("app")
    }

    fn manifest(&self) -> String {
        fs::read_to_string(self.app().join("weir.pkg")).unwrap()
    }

    fn set_manifest(&self, text: &str) {
        fs::write(self.app().join("weir.pkg"), text).unwrap();
    }

    /// Publishes NAME VERSION in the registry's index (no archive: `weir add` only reads the
    /// index).
    fn publish(&self, name: &str, vers: &str, yanked: bool) {
        let path = self.reg().join(weir_pkg::index::index_path(name));
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        let mut text = fs::read_to_string(&path).unwrap_or_default();
        text.push_str(&format!(
            "{{\"name\":\"{name}\",\"vers\":\"{vers}\",\"deps\":[],\"cksum\":\"00\",\"native\":false,\"yanked\":{yanked}}}\n"
        ));
        fs::write(&path, text).unwrap();
    }

    fn weir(&self, cwd: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_weir"));
        cmd.current_dir(cwd)
            .env("WEIR_HOME", self.root().join("home"))
            .env_remove("WEIR_REGISTRY")
            .args(args);
        cmd
    }

    /// `weir ARGS --registry REG` in the app's folder.
    fn in_app(&self, args: &[&str]) -> Command {
        let mut cmd = self.weir(&self.app(), args);
        cmd.arg("--registry").arg(self.reg());
        cmd
    }
}

/// The manifest `weir new app` writes.
const NEW_APP: &str = ";; The manifest of package `app` (an application: it has `main`).
;; Dependencies go in a `deps` field, e.g. (deps (other (path \"../other\"))).
(package
  (name \"app\")
  (version \"0.1.0\")
  (main \"src/main.weir\"))
";

/// `NEW_APP` with one `FIELD` entry.
fn app_with(field: &str, entry: &str) -> String {
    NEW_APP.replace(
        "  (main \"src/main.weir\"))\n",
        &format!("  (main \"src/main.weir\")\n  ({field}\n    {entry}))\n"),
    )
}

/// strs: 1.0.0, 1.2.0, 1.3.0 (yanked), 2.0.0-beta.1 (pre-release).
fn with_strs() -> World {
    let w = World::new();
    assert_eq!(w.manifest(), NEW_APP);
    w.publish("strs", "1.0.0", false);
    w.publish("strs", "1.2.0", false);
    w.publish("strs", "1.3.0", true);
    w.publish("strs", "2.0.0-beta.1", false);
    w
}

#[test]
fn add_picks_the_newest_usable_version() {
    let w = with_strs();
    w.in_app(&["add", "strs"])
        .assert()
        .success()
        .stderr(contains("Adding strs ^1.2.0 to deps"));
    assert_eq!(
        w.manifest(),
        app_with("deps", "(strs (version \"^1.2.0\"))")
    );
    // Again: nothing to do, the file is not rewritten.
    w.in_app(&["add", "strs"])
        .assert()
        .success()
        .stderr(contains("Unchanged strs ^1.2.0 is already in deps"));
    assert_eq!(
        w.manifest(),
        app_with("deps", "(strs (version \"^1.2.0\"))")
    );
}

#[test]
fn add_writes_the_requirement_as_given() {
    let w = with_strs();
    w.in_app(&["add", "strs@^1"]).assert().success();
    assert_eq!(w.manifest(), app_with("deps", "(strs (version \"^1\"))"));
    // Changing it edits the string in place.
    w.in_app(&["add", "strs@~1.0"])
        .assert()
        .success()
        .stderr(contains("Updating strs in deps: ^1 -> ~1.0"));
    assert_eq!(w.manifest(), app_with("deps", "(strs (version \"~1.0\"))"));
    // A pre-release is used when the requirement asks for it.
    w.in_app(&["add", "strs@=2.0.0-beta.1"]).assert().success();
    assert_eq!(
        w.manifest(),
        app_with("deps", "(strs (version \"=2.0.0-beta.1\"))")
    );
}

#[test]
fn requirement_nothing_matches() {
    let w = with_strs();
    w.in_app(&["add", "strs@^1.3"])
        .assert()
        .code(1)
        .stderr(contains(
            "no version of `strs` matches `^1.3` in the registry `file://",
        ))
        .stderr(contains("available versions: 1.0.0, 1.2.0, 2.0.0-beta.1"))
        .stderr(contains("yanked (not used): 1.3.0"));
    assert_eq!(w.manifest(), NEW_APP);
}

#[test]
fn only_prereleases_or_only_yanked() {
    let w = World::new();
    w.publish("beta", "0.1.0-alpha", false);
    w.publish("beta", "0.1.0-beta", false);
    w.publish("gone", "1.0.0", true);
    w.in_app(&["add", "beta"]).assert().success();
    assert_eq!(
        w.manifest(),
        app_with("deps", "(beta (version \"^0.1.0-beta\"))")
    );
    w.in_app(&["add", "gone"])
        .assert()
        .code(1)
        .stderr(contains("every published version of `gone` is yanked"));
}

#[test]
fn unknown_package() {
    let w = with_strs();
    w.in_app(&["add", "strz"])
        .assert()
        .code(1)
        .stderr(contains(
            "error: package `strz` is not in the registry `file://",
        ))
        .stderr(contains("--path"));
    assert_eq!(w.manifest(), NEW_APP);
}

#[test]
fn bad_names_and_requirements() {
    let w = with_strs();
    for (spec, message) in [
        ("strs@^^1", "`^^1` is not a version requirement"),
        ("strs@", "missing requirement after `strs@`"),
        (
            "Strs",
            "invalid dependency name: \"Strs\" is not a valid package name",
        ),
        ("strs_x@1", "invalid dependency name"),
    ] {
        w.in_app(&["add", spec])
            .assert()
            .code(1)
            .stderr(contains(message));
    }
    w.in_app(&["add", "app"])
        .assert()
        .code(1)
        .stderr(contains("package `app` cannot depend on itself"));
    assert_eq!(w.manifest(), NEW_APP);
}

#[test]
fn no_registry_configured() {
    let w = World::new();
    w.weir(&w.app(), &["add", "strs"])
        .assert()
        .code(1)
        .stderr(contains("no registry is configured to look up `strs`"))
        .stderr(contains("--registry"))
        .stderr(contains("WEIR_REGISTRY"))
        .stderr(contains("config.weir"));
    // WEIR_REGISTRY works too.
    w.publish("strs", "0.3.1", false);
    w.weir(&w.app(), &["add", "strs"])
        .env("WEIR_REGISTRY", w.reg())
        .assert()
        .success();
    assert_eq!(
        w.manifest(),
        app_with("deps", "(strs (version \"^0.3.1\"))")
    );
}

#[test]
fn path_dependencies() {
    let w = World::new();
    w.weir(&w.root(), &["new", "util", "--lib"])
        .assert()
        .success();
    w.in_app(&["add", "util", "--path", "../util"])
        .assert()
        .success()
        .stderr(contains("Adding util (path ../util) to deps"));
    assert_eq!(w.manifest(), app_with("deps", "(util (path \"../util\"))"));

    // From a subfolder, the path is still written relative to the manifest.
    w.set_manifest(NEW_APP);
    w.weir(
        &w.app().join("src"),
        &["add", "util", "--path", "../../util"],
    )
    .assert()
    .success();
    assert_eq!(w.manifest(), app_with("deps", "(util (path \"../util\"))"));

    // An absolute path becomes relative too.
    w.set_manifest(NEW_APP);
    let abs = w.root().join("util");
    w.in_app(&["add", "util", "--path", abs.to_str().unwrap()])
        .assert()
        .success();
    assert_eq!(w.manifest(), app_with("deps", "(util (path \"../util\"))"));

    w.set_manifest(NEW_APP);
    w.in_app(&["add", "other", "--path", "../util"])
        .assert()
        .code(1)
        .stderr(contains("this is package `util`, not `other`"))
        .stderr(contains("help: run `weir add util --path ../util`"));
    w.in_app(&["add", "util", "--path", "../nowhere"])
        .assert()
        .code(1)
        .stderr(contains("the folder `../nowhere` does not exist"));
    w.in_app(&["add", "util", "--path", "../reg"])
        .assert()
        .code(1)
        .stderr(contains("`../reg` holds no `weir.pkg`"));
    w.in_app(&["add", "util@^1", "--path", "../util"])
        .assert()
        .code(1)
        .stderr(contains("a path dependency takes no version requirement"));
    assert_eq!(w.manifest(), NEW_APP);
}

#[test]
fn dev_dependencies_and_moving() {
    let w = with_strs();
    w.in_app(&["add", "strs", "--dev"])
        .assert()
        .success()
        .stderr(contains("Adding strs ^1.2.0 to dev-deps"));
    assert_eq!(
        w.manifest(),
        app_with("dev-deps", "(strs (version \"^1.2.0\"))")
    );
    // A dependency is in one field only: adding it to `deps` moves it.
    w.in_app(&["add", "strs@^1.0"])
        .assert()
        .success()
        .stderr(contains(
            "Moving strs from dev-deps to deps (^1.2.0 -> ^1.0)",
        ));
    assert_eq!(w.manifest(), app_with("deps", "(strs (version \"^1.0\"))"));
}

#[test]
fn remove() {
    let w = with_strs();
    w.in_app(&["add", "strs"]).assert().success();
    w.in_app(&["add", "strs@1.0.0", "--dev"]).assert().success();
    w.in_app(&["remove", "strs"])
        .assert()
        .success()
        .stderr(contains("Removing strs from dev-deps"));
    assert_eq!(w.manifest(), NEW_APP);
    w.in_app(&["remove", "strs"])
        .assert()
        .code(1)
        .stderr(contains(
            "weir.pkg: error: `strs` is not a dependency of package `app` (it is in neither `deps` nor `dev-deps`)",
        ));
    w.in_app(&["remove", "Bad"])
        .assert()
        .code(1)
        .stderr(contains("is not a valid package name"));
    assert_eq!(w.manifest(), NEW_APP);
}

#[test]
fn comments_survive_add_then_remove() {
    let w = with_strs();
    w.publish("json", "1.4.2", false);
    let original = "; my app\n(package ; the package\n  (name \"app\")          ; its name\n  (version \"0.1.0\")\n  (main \"src/main.weir\")\n  ;; what we use\n  (deps\n    ; local helpers\n    (util (path \"../util\")))   ; keep\n  (dev-deps)) ; none yet\n; the end\n";
    w.set_manifest(original);
    w.in_app(&["add", "strs"]).assert().success();
    w.in_app(&["add", "json", "--dev"]).assert().success();
    assert_eq!(
        w.manifest(),
        "; my app\n(package ; the package\n  (name \"app\")          ; its name\n  (version \"0.1.0\")\n  (main \"src/main.weir\")\n  ;; what we use\n  (deps\n    ; local helpers\n    (util (path \"../util\"))    ; keep\n    (strs (version \"^1.2.0\")))\n  (dev-deps (json (version \"^1.4.2\")))) ; none yet\n; the end\n"
    );
    w.in_app(&["remove", "strs"]).assert().success();
    // `(dev-deps)` held nothing: it goes with its only entry, and with the comment at the end of
    // its line; the package's closing paren moves up, before `; keep` (same column).
    w.in_app(&["remove", "json"]).assert().success();
    assert_eq!(
        w.manifest(),
        original.replace(")))   ; keep\n  (dev-deps)) ; none yet\n", "))))  ; keep\n")
    );

    // Without the empty field, add + remove gives back the same bytes.
    let original = "; my app\n(package ; the package\n  (name \"app\")          ; its name\n  (version \"0.1.0\")\n  (main \"src/main.weir\")\n  ;; what we use\n  (deps\n    ; local helpers\n    (util (path \"../util\")))   ; keep\n  ) ; end\n; the end\n";
    w.set_manifest(original);
    for dev in [false, true] {
        let mut args = vec!["add", "strs"];
        if dev {
            args.push("--dev");
        }
        w.in_app(&args).assert().success();
        assert_ne!(w.manifest(), original);
        w.in_app(&["remove", "strs"]).assert().success();
        assert_eq!(w.manifest(), original, "dev: {dev}");
    }
}

#[test]
fn invalid_manifest_is_not_edited() {
    let w = with_strs();
    let broken = "(package (name \"app\") (version \"0.1.0\") (deps (x)))\n";
    w.set_manifest(broken);
    w.in_app(&["add", "strs"])
        .assert()
        .code(1)
        .stderr(contains("weir.pkg:1:"));
    w.in_app(&["remove", "x"]).assert().code(1);
    assert_eq!(w.manifest(), broken);
}

#[test]
fn no_manifest() {
    let w = World::new();
    w.weir(&w.root(), &["remove", "strs"])
        .assert()
        .code(1)
        .stderr(contains("could not find `weir.pkg`"));
    // `--manifest-path` names it from elsewhere.
    w.weir(&w.root(), &["remove", "strs", "--manifest-path", "app"])
        .assert()
        .code(1)
        .stderr(contains("`strs` is not a dependency"));
}
