//! Registry access over folder registries (paths and `file://` URLs): locations, configuration,
//! fetching (verify, cache, unpack) and the refusal of tampered or hostile archives.

#[path = "common/registry_fixture.rs"]
mod fixture;

use std::path::{Path, PathBuf};

use fixture::{manifest, package_archive, publish, publish_with, targz, tree, Entry};
use semver::{Version, VersionReq};
use weir_pkg::fsutil::sha256_hex;
use weir_pkg::index::Index;
use weir_pkg::registry::{configured, configured_from, unpack, Location, Registry};

fn v(s: &str) -> Version {
    Version::parse(s).unwrap()
}

/// A temporary folder with `reg/` (the registry) and `home/` (`$WEIR_HOME`).
struct Env {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    reg: PathBuf,
    home: PathBuf,
}

fn env() -> Env {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().to_path_buf();
    let reg = root.join("reg");
    let home = root.join("home");
    std::fs::create_dir_all(&reg).unwrap();
    std::fs::create_dir_all(&home).unwrap();
    Env {
        _tmp: tmp,
        root,
        reg,
        home,
    }
}

impl Env {
    fn open(&self) -> Registry {
        Registry::open(Location::Dir(self.reg.clone()), &self.home, false)
    }

    fn slug(&self) -> String {
        Location::Dir(self.reg.clone()).slug()
    }

    /// Everything under `$WEIR_HOME`.
    fn home_tree(&self) -> Vec<String> {
        tree(&self.home)
    }
}

// ---------------------------------------------------------------- locations and configuration

#[test]
fn location_parse() {
    let base = Path::new("/base");
    let p = |s: &str| Location::parse_in(s, base);
    assert_eq!(
        p("http://h:1/x/").unwrap(),
        Location::Http("http://h:1/x".into())
    );
    assert_eq!(p("https://h").unwrap(), Location::Http("https://h".into()));
    assert_eq!(
        p("HTTPS://h/r").unwrap(),
        Location::Http("https://h/r".into())
    );
    assert_eq!(p("file:///tmp/r/").unwrap(), Location::Dir("/tmp/r".into()));
    assert_eq!(
        p("file://localhost/tmp/r").unwrap(),
        Location::Dir("/tmp/r".into())
    );
    assert_eq!(
        p("file:///a%20b/%25c").unwrap(),
        Location::Dir("/a b/%c".into())
    );
    assert_eq!(p("rel/reg").unwrap(), Location::Dir("/base/rel/reg".into()));
    assert_eq!(p("./x/./").unwrap(), Location::Dir("/base/x".into()));
    assert_eq!(p("/abs/reg/").unwrap(), Location::Dir("/abs/reg".into()));

    let err = |s: &str| p(s).unwrap_err().to_string();
    assert_eq!(err(""), "error: the registry location is empty");
    assert!(err("file://host/x").contains("file:///ABSOLUTE/PATH"));
    assert!(err("file://rel").contains("file:///ABSOLUTE/PATH"));
    assert!(err("file:///a%zz").contains("invalid `%` escape"));
    assert!(err("ftp://h/x").contains("unsupported registry URL scheme `ftp://`"));
    assert!(err("http://").contains("names no host"));
    assert!(err("http://h/x?y=1").contains("query"));

    // `parse` is relative to the current folder.
    let cwd = std::env::current_dir().unwrap();
    assert_eq!(
        Location::parse("some/reg").unwrap(),
        Location::Dir(cwd.join("some/reg"))
    );
}

#[test]
fn source_ids_round_trip_and_slugs_are_unique() {
    for loc in [
        Location::Dir("/a b/%c/#d?".into()),
        Location::Dir("/srv/reg".into()),
        Location::Http("http://127.0.0.1:8080".into()),
    ] {
        let id = loc.source_id();
        assert_eq!(Location::parse(&id).unwrap(), loc, "{id}");
    }
    assert_eq!(
        Location::Dir("/a b/%c".into()).source_id(),
        "file:///a%20b/%25c"
    );
    let http = Location::Http("http://127.0.0.1:8080".into()).slug();
    assert!(http.starts_with("127.0.0.1-8080-"), "{http}");
    assert_eq!(http.len(), "127.0.0.1-8080-".len() + 12);
    let dir = Location::Dir("/x/my reg".into()).slug();
    assert!(dir.starts_with("my_reg-"), "{dir}");
    assert_ne!(
        Location::Dir("/x/reg".into()).slug(),
        Location::Dir("/y/reg".into()).slug()
    );
    assert_ne!(
        Location::Http("http://h/a".into()).slug(),
        Location::Http("http://h/b".into()).slug()
    );
    assert_eq!(Location::Dir("/".into()).slug().len(), "root-".len() + 12);
    let auth = Location::Http("https://me:secret@h:8443/r".into()).slug();
    assert!(auth.starts_with("h-8443-"), "{auth}");
}

#[test]
fn configured_precedence() {
    let e = env();
    let cfg = e.home.join("config.weir");
    // Nothing configured.
    assert_eq!(configured_from(None, None, &e.home).unwrap(), None);
    // The config file; a relative path is relative to $WEIR_HOME.
    std::fs::write(&cfg, "; my registry\n(registry \"reg\")\n").unwrap();
    assert_eq!(
        configured_from(None, None, &e.home).unwrap(),
        Some(Location::Dir(e.home.join("reg")))
    );
    std::fs::write(&cfg, "(registry \"http://example.org/r/\")").unwrap();
    assert_eq!(
        configured_from(None, Some(""), &e.home).unwrap(),
        Some(Location::Http("http://example.org/r".into()))
    );
    // The environment beats the file, the flag beats both.
    assert_eq!(
        configured_from(None, Some("https://env.example"), &e.home).unwrap(),
        Some(Location::Http("https://env.example".into()))
    );
    assert_eq!(
        configured_from(Some("/flag/reg"), Some("https://env.example"), &e.home).unwrap(),
        Some(Location::Dir("/flag/reg".into()))
    );
    assert_eq!(
        configured(Some("/flag/reg"), &e.home).unwrap(),
        Some(Location::Dir("/flag/reg".into()))
    );
    // A bad flag or environment value says where it came from.
    let err = configured_from(Some("ftp://x"), None, &e.home).unwrap_err();
    assert!(err.message.starts_with("--registry: "), "{err}");
    let err = configured_from(None, Some("ftp://x"), &e.home).unwrap_err();
    assert!(err.message.starts_with("WEIR_REGISTRY: "), "{err}");
    // A file without the field.
    std::fs::write(&cfg, "; empty\n").unwrap();
    assert_eq!(configured_from(None, None, &e.home).unwrap(), None);
}

#[test]
fn config_file_errors_are_located() {
    let e = env();
    let cfg = e.home.join("config.weir");
    let check = |text: &str, line: u32, col: u32, msg: &str| {
        std::fs::write(&cfg, text).unwrap();
        let err = configured_from(None, None, &e.home).unwrap_err();
        assert_eq!(err.file.as_deref(), Some(cfg.as_path()), "{err}");
        assert_eq!((err.line, err.col), (Some(line), Some(col)), "{err}");
        assert!(err.message.contains(msg), "{err}");
    };
    check(
        "(registry \"r\")\n  (mirror \"m\")\n",
        2,
        3,
        "unknown field `mirror`",
    );
    check("(registry r)", 1, 11, "field `registry` must be a string");
    check("(registry \"r\")\n(registry \"s\")", 2, 1, "appears twice");
    check(
        "(registry \"ftp://x\")",
        1,
        11,
        "unsupported registry URL scheme",
    );
    check("\n\n(registry 'x)", 3, 11, "unexpected `'`");
    std::fs::write(&cfg, "(registry \"r\"").unwrap();
    let err = configured_from(None, None, &e.home).unwrap_err();
    assert!(err.message.contains("syntax error"), "{err}");
    assert_eq!(err.file.as_deref(), Some(cfg.as_path()));
}

// ---------------------------------------------------------------- fetching

#[test]
fn fetch_unpacks_verified_sources() {
    let e = env();
    let archive = package_archive("foo", "1.2.0", &[("src/a.weir", "(def a 1)\n")]);
    let cksum = publish_with(&e.reg, "foo", "1.2.0", &[], &archive, None);
    let mut reg = e.open();
    let vers = v("1.2.0");
    assert_eq!(reg.unpacked("foo", &vers), None);
    let dir = reg.fetch("foo", &vers, &cksum).unwrap();
    let slug = e.slug();
    assert_eq!(dir, e.home.join(format!("registry/src/{slug}/foo-1.2.0")));
    assert_eq!(
        std::fs::read_to_string(dir.join("weir.pkg")).unwrap(),
        manifest("foo", "1.2.0")
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("src/a.weir")).unwrap(),
        "(def a 1)\n"
    );
    assert_eq!(reg.unpacked("foo", &vers), Some(dir.clone()));
    assert_eq!(reg.unpacked("foo", &v("1.2.1")), None);
    assert_eq!(
        e.home_tree(),
        vec![
            "registry/".to_string(),
            "registry/cache/".into(),
            format!("registry/cache/{slug}/"),
            format!("registry/cache/{slug}/foo-1.2.0.weirpkg"),
            "registry/src/".into(),
            format!("registry/src/{slug}/"),
            format!("registry/src/{slug}/.foo-1.2.0.ok"),
            format!("registry/src/{slug}/.lock"),
            format!("registry/src/{slug}/foo-1.2.0/"),
            format!("registry/src/{slug}/foo-1.2.0/lib.weir"),
            format!("registry/src/{slug}/foo-1.2.0/src/"),
            format!("registry/src/{slug}/foo-1.2.0/src/a.weir"),
            format!("registry/src/{slug}/foo-1.2.0/weir.pkg"),
        ]
    );
    assert_eq!(
        std::fs::read(
            e.home
                .join(format!("registry/cache/{slug}/foo-1.2.0.weirpkg"))
        )
        .unwrap(),
        archive
    );
    // A second fetch (another Registry too) does not need the registry any more.
    std::fs::remove_dir_all(&e.reg).unwrap();
    assert_eq!(reg.fetch("foo", &vers, &cksum).unwrap(), dir);
    assert_eq!(e.open().fetch("foo", &vers, &cksum).unwrap(), dir);
}

#[test]
fn file_urls_and_dl_templates() {
    let e = env();
    std::fs::write(
        e.reg.join("config.json"),
        r#"{"dl": "archives/{name}_{version}.tgz", "api": null}"#,
    )
    .unwrap();
    let archive = package_archive("bar", "0.3.0", &[]);
    std::fs::create_dir_all(e.reg.join("archives")).unwrap();
    std::fs::write(e.reg.join("archives/bar_0.3.0.tgz"), &archive).unwrap();
    let cksum = sha256_hex(&archive);
    let url = format!("file://{}", e.reg.display());
    let mut reg = Registry::open(Location::parse(&url).unwrap(), &e.home, true);
    assert_eq!(
        reg.archive_url("bar", &v("0.3.0")).unwrap(),
        e.reg.join("archives/bar_0.3.0.tgz").to_string_lossy()
    );
    let dir = reg.fetch("bar", &v("0.3.0"), &cksum).unwrap();
    assert!(dir.join("weir.pkg").is_file());

    // A malformed config.json is an error naming it.
    std::fs::write(e.reg.join("config.json"), "{\"dl\": 3}").unwrap();
    let mut reg = e.open();
    let err = reg.archive_url("bar", &v("0.3.0")).unwrap_err();
    assert_eq!(err.file, Some(e.reg.join("config.json")));
    assert!(
        err.message.contains("`dl` must be a non-empty string"),
        "{err}"
    );
    // No config.json: the default layout.
    std::fs::remove_file(e.reg.join("config.json")).unwrap();
    let mut reg = e.open();
    assert_eq!(
        reg.archive_url("bar", &v("0.3.0")).unwrap(),
        e.reg.join("bar/bar-0.3.0.weirpkg").to_string_lossy()
    );
}

#[test]
fn resolve_then_fetch_over_a_folder_registry() {
    let e = env();
    publish(&e.reg, "json", "1.0.0", &[]);
    publish(&e.reg, "json", "1.4.0", &[]);
    publish(&e.reg, "json", "2.0.0", &[]);
    publish(&e.reg, "log", "0.3.1", &[("json", "^1.2")]);
    let mut reg = e.open();
    let deps = vec![("log".to_string(), VersionReq::parse("^0.3").unwrap())];
    let res = weir_pkg::resolve::resolve("app", &v("0.1.0"), &deps, &mut reg, &Default::default())
        .unwrap();
    let picked: Vec<_> = res
        .packages
        .iter()
        .map(|(n, (ver, _))| format!("{n} {ver}"))
        .collect();
    assert_eq!(picked, ["json 1.4.0", "log 0.3.1"]);
    for (name, (ver, entry)) in &res.packages {
        let dir = reg.fetch(name, ver, &entry.cksum).unwrap();
        assert!(dir.ends_with(format!("{name}-{ver}")));
        assert!(dir.join("weir.pkg").is_file());
    }
    assert!(reg.versions("nope").unwrap().is_empty());
    assert!(reg.versions("Bad_Name").is_err());
}

/// Asserts that a failed fetch of foo 1.0.0 left no cached archive, no unpacked folder, no marker
/// and no temporary file.
fn assert_nothing_kept(e: &Env) {
    let slug = e.slug();
    let files = e.home_tree();
    let allowed = [
        "registry/".to_string(),
        "registry/cache/".into(),
        format!("registry/cache/{slug}/"),
        "registry/src/".into(),
        format!("registry/src/{slug}/"),
        format!("registry/src/{slug}/.lock"),
    ];
    for f in &files {
        assert!(allowed.contains(f), "unexpected {f} in {files:#?}");
    }
}

#[test]
fn tampered_archives_are_rejected() {
    let e = env();
    let cksum = publish(&e.reg, "foo", "1.0.0", &[]);
    // Someone replaces the archive after publishing.
    let other = package_archive("foo", "1.0.0", &[("evil.weir", "(def x 666)\n")]);
    std::fs::write(e.reg.join("foo/foo-1.0.0.weirpkg"), &other).unwrap();
    let err = e.open().fetch("foo", &v("1.0.0"), &cksum).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("checksum mismatch for foo 1.0.0"), "{text}");
    assert!(text.contains(&format!("expected sha256 {cksum}")), "{text}");
    assert!(
        text.contains(&format!("actual   sha256 {}", sha256_hex(&other))),
        "{text}"
    );
    assert_nothing_kept(&e);
    assert_eq!(e.open().unpacked("foo", &v("1.0.0")), None);
}

#[test]
fn index_checksum_must_match() {
    let e = env();
    let archive = package_archive("foo", "1.0.0", &[]);
    let wrong = "0".repeat(64);
    publish_with(&e.reg, "foo", "1.0.0", &[], &archive, Some(&wrong));
    let entry = e.open().versions("foo").unwrap().remove(0);
    let err = e
        .open()
        .fetch("foo", &v("1.0.0"), &entry.cksum)
        .unwrap_err();
    assert!(
        err.message.contains("checksum mismatch for foo 1.0.0"),
        "{err}"
    );
    assert!(err.detail.contains(&wrong), "{err}");
    assert_nothing_kept(&e);
    // Not a checksum at all.
    let err = e.open().fetch("foo", &v("1.0.0"), "xyz").unwrap_err();
    assert!(
        err.message.contains("no valid checksum for foo 1.0.0"),
        "{err}"
    );
    // Upper-case hex is the same checksum.
    let good = sha256_hex(&archive).to_uppercase();
    assert!(e.open().fetch("foo", &v("1.0.0"), &good).is_ok());
}

#[test]
fn a_corrupt_cached_archive_is_fetched_again() {
    let e = env();
    let cksum = publish(&e.reg, "foo", "1.0.0", &[]);
    let dir = e.open().fetch("foo", &v("1.0.0"), &cksum).unwrap();
    let slug = e.slug();
    let cached = e
        .home
        .join(format!("registry/cache/{slug}/foo-1.0.0.weirpkg"));
    let marker = e.home.join(format!("registry/src/{slug}/.foo-1.0.0.ok"));
    std::fs::write(&cached, b"garbage").unwrap();
    std::fs::remove_file(&marker).unwrap();
    std::fs::write(dir.join("lib.weir"), "changed").unwrap();
    assert_eq!(e.open().unpacked("foo", &v("1.0.0")), None);
    assert_eq!(e.open().fetch("foo", &v("1.0.0"), &cksum).unwrap(), dir);
    assert_eq!(
        std::fs::read(&cached).unwrap(),
        std::fs::read(e.reg.join("foo/foo-1.0.0.weirpkg")).unwrap()
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("lib.weir")).unwrap(),
        "(def version \"1.0.0\")\n"
    );
    // Without the registry's copy, a corrupt cache is an error, not a success.
    std::fs::remove_file(&marker).unwrap();
    std::fs::write(&cached, b"garbage").unwrap();
    std::fs::remove_file(e.reg.join("foo/foo-1.0.0.weirpkg")).unwrap();
    let err = e.open().fetch("foo", &v("1.0.0"), &cksum).unwrap_err();
    assert!(
        err.message.contains("missing from the registry folder"),
        "{err}"
    );
    assert!(!cached.exists());
}

#[test]
fn stale_temporary_files_never_count() {
    let e = env();
    let cksum = publish(&e.reg, "foo", "1.0.0", &[]);
    let good = std::fs::read(e.reg.join("foo/foo-1.0.0.weirpkg")).unwrap();
    let slug = e.slug();
    let cache = e.home.join(format!("registry/cache/{slug}"));
    std::fs::create_dir_all(&cache).unwrap();
    let stale = cache.join(".foo-1.0.0.weirpkg.tmp.1.2.3");
    std::fs::write(&stale, &good).unwrap();
    std::fs::remove_file(e.reg.join("foo/foo-1.0.0.weirpkg")).unwrap();
    assert!(e.open().fetch("foo", &v("1.0.0"), &cksum).is_err());
    assert!(!stale.exists(), "stale temporary files are cleaned up");
    assert_nothing_kept(&e);
}

#[test]
fn concurrent_fetches_agree() {
    let e = env();
    let cksum = publish(&e.reg, "foo", "1.0.0", &[("x", "*")]);
    let dirs: Vec<PathBuf> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| s.spawn(|| e.open().fetch("foo", &v("1.0.0"), &cksum).unwrap()))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(dirs.iter().all(|d| d == &dirs[0]));
    let slug = e.slug();
    let files = e.home_tree();
    assert_eq!(files.len(), 11, "{files:#?}");
    assert!(files.contains(&format!("registry/src/{slug}/foo-1.0.0/weir.pkg")));
}

// ---------------------------------------------------------------- hostile archives

/// Publishes `archive` as foo 1.0.0 (with its true checksum) and fetches it.
fn fetch_hostile(e: &Env, archive: &[u8]) -> weir_pkg::PkgError {
    let cksum = publish_with(&e.reg, "foo", "1.0.0", &[], archive, None);
    e.open().fetch("foo", &v("1.0.0"), &cksum).unwrap_err()
}

/// After a rejected unpack: the verified archive is cached, but nothing is unpacked, and no file
/// exists outside `$WEIR_HOME/registry/` except the registry itself.
fn assert_rejected_cleanly(e: &Env) {
    let slug = e.slug();
    let files = e.home_tree();
    let allowed = [
        "registry/".to_string(),
        "registry/cache/".into(),
        format!("registry/cache/{slug}/"),
        format!("registry/cache/{slug}/foo-1.0.0.weirpkg"),
        "registry/src/".into(),
        format!("registry/src/{slug}/"),
        format!("registry/src/{slug}/.lock"),
    ];
    for f in &files {
        assert!(allowed.contains(f), "unexpected {f} in {files:#?}");
    }
    let mut outside = tree(&e.root);
    outside.retain(|f| !f.starts_with("home/") && !f.starts_with("reg/"));
    assert_eq!(outside, Vec::<String>::new());
}

#[test]
fn archives_escaping_their_folder_are_rejected() {
    let man = manifest("foo", "1.0.0");
    let cases: Vec<(Vec<u8>, &str, &str)> = vec![
        (
            targz(&[
                Entry::File("foo-1.0.0/weir.pkg", man.as_bytes()),
                Entry::File("foo-1.0.0/../x", b"x"),
            ]),
            "foo-1.0.0/../x",
            "contains `..`",
        ),
        (
            targz(&[
                Entry::File("foo-1.0.0/weir.pkg", man.as_bytes()),
                Entry::File("../../../x", b"x"),
            ]),
            "../../../x",
            "contains `..`",
        ),
        (
            targz(&[
                Entry::File("foo-1.0.0/weir.pkg", man.as_bytes()),
                Entry::File("other/x", b"x"),
            ]),
            "other/x",
            "is outside the package's top folder",
        ),
        (
            targz(&[Entry::File("weir.pkg", man.as_bytes())]),
            "weir.pkg",
            "is outside the package's top folder",
        ),
    ];
    for (archive, entry, why) in cases {
        let e = env();
        let err = fetch_hostile(&e, &archive);
        let text = err.to_string();
        assert!(text.contains("foo-1.0.0.weirpkg"), "{text}");
        assert!(text.contains(&format!("entry `{entry}` {why}")), "{text}");
        assert_rejected_cleanly(&e);
    }
}

#[test]
fn absolute_paths_are_rejected() {
    let e = env();
    let target = e.root.join("abs-target");
    let name = format!("{}", target.display());
    let man = manifest("foo", "1.0.0");
    let archive = targz(&[
        Entry::File("foo-1.0.0/weir.pkg", man.as_bytes()),
        Entry::File(&name, b"x"),
    ]);
    let err = fetch_hostile(&e, &archive);
    assert!(
        err.message
            .contains(&format!("entry `{name}` has an absolute path")),
        "{err}"
    );
    assert!(!target.exists());
    assert_rejected_cleanly(&e);
}

#[test]
fn links_and_special_files_are_rejected() {
    let man = manifest("foo", "1.0.0");
    let cases: Vec<(Vec<u8>, &str, &str)> = vec![
        (
            targz(&[
                Entry::File("foo-1.0.0/weir.pkg", man.as_bytes()),
                Entry::Symlink("foo-1.0.0/up", ".."),
                Entry::File("foo-1.0.0/up/x", b"x"),
            ]),
            "foo-1.0.0/up",
            "is a symbolic link",
        ),
        (
            targz(&[
                Entry::File("foo-1.0.0/weir.pkg", man.as_bytes()),
                Entry::Hardlink("foo-1.0.0/h", "/etc/passwd"),
            ]),
            "foo-1.0.0/h",
            "is a hard link",
        ),
        (
            targz(&[
                Entry::File("foo-1.0.0/weir.pkg", man.as_bytes()),
                Entry::Fifo("foo-1.0.0/f"),
            ]),
            "foo-1.0.0/f",
            "is a fifo",
        ),
    ];
    for (archive, entry, why) in cases {
        let e = env();
        let err = fetch_hostile(&e, &archive);
        assert!(
            err.message.contains(&format!("entry `{entry}` {why}")),
            "{err}"
        );
        assert_rejected_cleanly(&e);
    }
}

#[test]
fn malformed_archives_are_rejected() {
    let e = env();
    let err = fetch_hostile(
        &e,
        &targz(&[Entry::File("foo-1.0.0/lib.weir", b"(def a 1)")]),
    );
    assert!(err.message.contains("has no `foo-1.0.0/weir.pkg`"), "{err}");
    assert_rejected_cleanly(&e);

    let e = env();
    let err = fetch_hostile(&e, b"this is not gzip");
    assert!(err.message.contains("corrupt archive"), "{err}");
    assert_rejected_cleanly(&e);

    let e = env();
    let man = manifest("foo", "1.0.0");
    let err = fetch_hostile(
        &e,
        &targz(&[
            Entry::File("foo-1.0.0/weir.pkg", man.as_bytes()),
            Entry::File("foo-1.0.0/weir.pkg", man.as_bytes()),
        ]),
    );
    assert!(err.message.contains("appears twice"), "{err}");
    assert_rejected_cleanly(&e);
}

#[test]
fn unpack_leaves_nothing_on_failure() {
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("out/p-1.0.0");
    let man = manifest("p", "1.0.0");
    let bad = targz(&[
        Entry::File("p-1.0.0/weir.pkg", man.as_bytes()),
        Entry::File("p-1.0.0/a/b.weir", b"ok"),
        Entry::File("p-1.0.0/../../escape", b"x"),
    ]);
    let err = unpack(&bad, Path::new("p.weirpkg"), "p-1.0.0", &dest).unwrap_err();
    assert_eq!(err.file.as_deref(), Some(Path::new("p.weirpkg")));
    assert_eq!(tree(tmp.path()), ["out/"]);
    let good = targz(&[
        Entry::Dir("./p-1.0.0/"),
        Entry::File("./p-1.0.0/weir.pkg", man.as_bytes()),
        Entry::File("p-1.0.0/a/b.weir", b"ok"),
    ]);
    unpack(&good, Path::new("p.weirpkg"), "p-1.0.0", &dest).unwrap();
    assert_eq!(
        tree(tmp.path()),
        [
            "out/",
            "out/p-1.0.0/",
            "out/p-1.0.0/a/",
            "out/p-1.0.0/a/b.weir",
            "out/p-1.0.0/weir.pkg"
        ]
    );
}

#[test]
fn offline_folder_registries_do_not_download() {
    let e = env();
    std::fs::write(
        e.reg.join("config.json"),
        r#"{"dl": "http://127.0.0.1:1/{name}-{version}"}"#,
    )
    .unwrap();
    let cksum = "a".repeat(64);
    let mut offline = Registry::open(Location::Dir(e.reg.clone()), &e.home, true);
    let err = offline.fetch("foo", &v("1.0.0"), &cksum).unwrap_err();
    assert!(
        err.message
            .contains("foo 1.0.0 is not in the offline cache of registry"),
        "{err}"
    );
    let err = e.open().fetch("foo", &v("1.0.0"), &cksum).unwrap_err();
    assert!(
        err.message
            .starts_with("cannot reach registry http://127.0.0.1:1/foo-1.0.0: "),
        "{err}"
    );
    assert_nothing_kept(&e);
}

#[test]
fn long_entry_names_are_unpacked() {
    // Names over 100 bytes use GNU long-name entries (what `tar::Builder::append_data` writes).
    let long = format!("p-1.0.0/{}/m.weir", ["segment"; 20].join("/"));
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut b = tar::Builder::new(gz);
    for (path, data) in [
        ("p-1.0.0/weir.pkg", manifest("p", "1.0.0")),
        (long.as_str(), "(def m 1)\n".to_string()),
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, path, data.as_bytes()).unwrap();
    }
    let archive = b.into_inner().unwrap().finish().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("p-1.0.0");
    unpack(&archive, Path::new("p.weirpkg"), "p-1.0.0", &dest).unwrap();
    let inner = long.strip_prefix("p-1.0.0/").unwrap();
    assert_eq!(
        std::fs::read_to_string(dest.join(inner)).unwrap(),
        "(def m 1)\n"
    );
}
