//! Registry access over HTTP, against the loopback static file server of `common/http.rs`:
//! resolution, downloads, ETag revalidation, memoisation, interrupted downloads, HTTP errors and
//! `--offline`.

#[path = "common/registry_fixture.rs"]
mod fixture;
#[path = "common/http.rs"]
mod http_server;

use std::path::PathBuf;

use fixture::{package_archive, publish, publish_with, tree};
use http_server::{Hits, Server};
use semver::{Version, VersionReq};
use weir_pkg::index::Index;
use weir_pkg::registry::{Location, Registry};
use weir_pkg::resolve::resolve;
use weir_pkg::PkgError;

fn v(s: &str) -> Version {
    Version::parse(s).unwrap()
}

/// A registry folder served over HTTP, and a `$WEIR_HOME`.
struct Env {
    _tmp: tempfile::TempDir,
    reg: PathBuf,
    home: PathBuf,
    server: Server,
}

fn env() -> Env {
    let tmp = tempfile::tempdir().unwrap();
    let reg = tmp.path().join("reg");
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&reg).unwrap();
    std::fs::create_dir_all(&home).unwrap();
    let server = Server::start(&reg);
    Env {
        _tmp: tmp,
        reg,
        home,
        server,
    }
}

impl Env {
    fn location(&self) -> Location {
        Location::parse(&self.server.url()).unwrap()
    }

    fn open(&self, offline: bool) -> Registry {
        Registry::open(self.location(), &self.home, offline)
    }

    fn slug(&self) -> String {
        self.location().slug()
    }

    fn hits(&self, path: &str) -> (usize, usize, usize) {
        let Hits {
            requests,
            conditional,
            not_modified,
        } = self.server.hits(path);
        (requests, conditional, not_modified)
    }

    /// The files of the archive cache (temporary files included).
    fn cache_files(&self) -> Vec<String> {
        tree(&self.home.join("registry/cache").join(self.slug()))
    }
}

fn run(reg: &mut Registry, deps: &[(&str, &str)]) -> Result<Vec<String>, PkgError> {
    let deps: Vec<(String, VersionReq)> = deps
        .iter()
        .map(|(n, r)| (n.to_string(), VersionReq::parse(r).unwrap()))
        .collect();
    let res = resolve("app", &v("0.1.0"), &deps, reg, &Default::default())?;
    Ok(res
        .packages
        .iter()
        .map(|(n, (ver, _))| format!("{n} {ver}"))
        .collect())
}

/// A small registry: json 1.0.0/1.4.0/2.0.0, log 0.3.1 (needs json ^1.2), http 0.1.0 (needs log).
fn populate(reg: &std::path::Path) {
    publish(reg, "json", "1.0.0", &[]);
    publish(reg, "json", "1.4.0", &[]);
    publish(reg, "json", "2.0.0", &[]);
    publish(reg, "log", "0.3.1", &[("json", "^1.2")]);
    publish(reg, "http", "0.1.0", &[("log", "^0.3")]);
}

#[test]
fn resolution_fetches_each_index_file_once() {
    let e = env();
    populate(&e.reg);
    let mut reg = e.open(false);
    assert_eq!(
        run(&mut reg, &[("http", "*"), ("json", "^1")]).unwrap(),
        ["http 0.1.0", "json 1.4.0", "log 0.3.1"]
    );
    // The same registry asked again: memoised, no new request.
    assert_eq!(reg.versions("json").unwrap().len(), 3);
    assert_eq!(
        run(&mut reg, &[("log", "*")]).unwrap(),
        ["json 1.4.0", "log 0.3.1"]
    );
    assert_eq!(e.hits("/js/on/json"), (1, 0, 0));
    assert_eq!(e.hits("/3/l/log"), (1, 0, 0));
    assert_eq!(e.hits("/ht/tp/http"), (1, 0, 0));
    // An unknown package: 404, no versions.
    assert!(reg.versions("nothing").unwrap().is_empty());
    assert_eq!(e.hits("/no/th/nothing"), (1, 0, 0));
    let err = run(&mut reg, &[("nothing", "^1")]).unwrap_err();
    assert!(err.message.contains("no solution"), "{err}");
}

#[test]
fn downloads_are_verified_cached_and_unpacked() {
    let e = env();
    let archive = package_archive("json", "1.4.0", &[("src/parse.weir", "(def p 1)\n")]);
    let cksum = publish_with(&e.reg, "json", "1.4.0", &[], &archive, None);
    let mut reg = e.open(false);
    let entry = reg.versions("json").unwrap().remove(0);
    assert_eq!(entry.cksum, cksum);
    assert_eq!(reg.unpacked("json", &v("1.4.0")), None);
    let dir = reg.fetch("json", &v("1.4.0"), &cksum).unwrap();
    assert_eq!(
        dir,
        e.home.join(format!("registry/src/{}/json-1.4.0", e.slug()))
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("src/parse.weir")).unwrap(),
        "(def p 1)\n"
    );
    assert_eq!(reg.unpacked("json", &v("1.4.0")), Some(dir.clone()));
    assert_eq!(e.cache_files(), ["json-1.4.0.weirpkg"]);
    assert_eq!(e.hits("/json/json-1.4.0.weirpkg"), (1, 0, 0));
    assert_eq!(e.hits("/config.json"), (1, 0, 0));
    // Fetching again needs no request.
    assert_eq!(
        e.open(false).fetch("json", &v("1.4.0"), &cksum).unwrap(),
        dir
    );
    assert_eq!(e.hits("/json/json-1.4.0.weirpkg"), (1, 0, 0));
}

#[test]
fn config_json_dl_template() {
    let e = env();
    std::fs::write(
        e.reg.join("config.json"),
        r#"{"dl": "/files/{name}/{version}/download"}"#,
    )
    .unwrap();
    let archive = package_archive("json", "1.0.0", &[]);
    std::fs::create_dir_all(e.reg.join("files/json/1.0.0")).unwrap();
    std::fs::write(e.reg.join("files/json/1.0.0/download"), &archive).unwrap();
    let mut reg = e.open(false);
    assert_eq!(
        reg.archive_url("json", &v("1.0.0")).unwrap(),
        format!("{}/files/json/1.0.0/download", e.server.url())
    );
    let cksum = weir_pkg::fsutil::sha256_hex(&archive);
    assert!(reg.fetch("json", &v("1.0.0"), &cksum).is_ok());
    assert_eq!(e.hits("/files/json/1.0.0/download"), (1, 0, 0));
}

#[test]
fn index_files_are_revalidated_with_etags() {
    let e = env();
    populate(&e.reg);
    assert_eq!(e.open(false).versions("json").unwrap().len(), 3);
    assert_eq!(e.hits("/js/on/json"), (1, 0, 0));
    let slug = e.slug();
    let cached = e.home.join(format!("registry/index/{slug}/js/on/json"));
    assert_eq!(
        std::fs::read(&cached).unwrap(),
        std::fs::read(e.reg.join("js/on/json")).unwrap()
    );
    assert!(e
        .home
        .join(format!("registry/index/{slug}/js/on/json.etag"))
        .is_file());

    // A second instance revalidates: 304, the cached copy is used.
    let mut second = e.open(false);
    assert_eq!(second.versions("json").unwrap().len(), 3);
    assert_eq!(e.hits("/js/on/json"), (2, 1, 1));
    // ...once.
    assert_eq!(second.versions("json").unwrap().len(), 3);
    assert_eq!(e.hits("/js/on/json"), (2, 1, 1));

    // The index changes: the next instance gets the new file and caches it.
    publish(&e.reg, "json", "2.1.0", &[]);
    let vers: Vec<String> = e
        .open(false)
        .versions("json")
        .unwrap()
        .iter()
        .map(|x| x.vers.to_string())
        .collect();
    assert_eq!(vers, ["1.0.0", "1.4.0", "2.0.0", "2.1.0"]);
    assert_eq!(e.hits("/js/on/json"), (3, 2, 1));
    assert_eq!(e.open(true).versions("json").unwrap().len(), 4);

    // A damaged .etag file is ignored (no conditional request), never trusted.
    std::fs::write(
        e.home
            .join(format!("registry/index/{slug}/js/on/json.etag")),
        "\"bogus\"\n",
    )
    .unwrap();
    assert_eq!(e.open(false).versions("json").unwrap().len(), 4);
    assert_eq!(e.hits("/js/on/json"), (4, 2, 1));
}

#[test]
fn interrupted_downloads_leave_no_file() {
    let e = env();
    let big: String = (0..20_000).map(|i| format!("(def x{i} {i})\n")).collect();
    let archive = package_archive("json", "1.0.0", &[("src/big.weir", &big)]);
    assert!(archive.len() > 1000);
    let cksum = publish_with(&e.reg, "json", "1.0.0", &[], &archive, None);
    e.server.cut("/json/json-1.0.0.weirpkg", archive.len() / 2);
    let mut reg = e.open(false);
    let err = reg.fetch("json", &v("1.0.0"), &cksum).unwrap_err();
    assert!(err.message.contains("json/json-1.0.0.weirpkg"), "{err}");
    assert_eq!(e.cache_files(), Vec::<String>::new());
    assert_eq!(reg.unpacked("json", &v("1.0.0")), None);
    assert!(!e
        .home
        .join(format!("registry/src/{}/json-1.0.0", e.slug()))
        .exists());
    // The next attempt succeeds.
    e.server.uncut("/json/json-1.0.0.weirpkg");
    let dir = reg.fetch("json", &v("1.0.0"), &cksum).unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.join("src/big.weir")).unwrap(),
        big
    );
    assert_eq!(e.cache_files(), ["json-1.0.0.weirpkg"]);
}

#[test]
fn tampered_downloads_are_rejected() {
    let e = env();
    let cksum = publish(&e.reg, "json", "1.0.0", &[]);
    std::fs::write(
        e.reg.join("json/json-1.0.0.weirpkg"),
        package_archive("json", "1.0.0", &[("evil.weir", "1")]),
    )
    .unwrap();
    let err = e
        .open(false)
        .fetch("json", &v("1.0.0"), &cksum)
        .unwrap_err();
    assert!(
        err.message.starts_with(&format!(
            "checksum mismatch for json 1.0.0 downloaded from {}/json/json-1.0.0.weirpkg",
            e.server.url()
        )),
        "{err}"
    );
    assert!(err.detail.contains(&cksum), "{err}");
    assert_eq!(e.cache_files(), Vec::<String>::new());
}

#[test]
fn http_errors_are_clear() {
    let e = env();
    populate(&e.reg);
    e.server.fail("/js/on/json", "500 Internal Server Error");
    let err = e.open(false).versions("json").unwrap_err();
    assert_eq!(
        err.message,
        format!(
            "registry request {}/js/on/json failed: the server answered HTTP 500 Internal Server Error",
            e.server.url()
        )
    );
    // An index file cut short is an error, and nothing is cached.
    e.server.uncut("/js/on/json");
    e.server.cut("/js/on/json", 10);
    let err = e.open(false).versions("json").unwrap_err();
    assert_eq!(
        err.message,
        format!(
            "download of {}/js/on/json was interrupted: the connection closed before the end of the data",
            e.server.url()
        )
    );
    assert!(!e.home.join("registry/index").exists());
    // A missing archive.
    std::fs::remove_file(e.reg.join("log/log-0.3.1.weirpkg")).unwrap();
    let err = e
        .open(false)
        .fetch("log", &v("0.3.1"), &"a".repeat(64))
        .unwrap_err();
    assert!(
        err.message
            .contains("is missing from the registry (HTTP 404"),
        "{err}"
    );
    assert_eq!(e.cache_files(), Vec::<String>::new());
    // Gone (410) means no versions, like 404.
    e.server.fail("/3/l/log", "410 Gone");
    assert!(e.open(false).versions("log").unwrap().is_empty());
}

#[test]
fn unreachable_registries_are_named() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let tmp = tempfile::tempdir().unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let mut reg = Registry::open(Location::parse(&url).unwrap(), tmp.path(), false);
    let err = reg.versions("json").unwrap_err();
    assert_eq!(
        err.message,
        format!("cannot reach registry {url}/js/on/json: connection refused")
    );
}

#[test]
fn offline_without_a_cache_fails_clearly() {
    let e = env();
    populate(&e.reg);
    let mut reg = e.open(true);
    let err = reg.versions("json").unwrap_err();
    assert_eq!(
        err.message,
        format!(
            "package `json` is not in the offline cache of registry {}",
            e.server.url()
        )
    );
    assert!(err.detail.contains("without --offline"), "{err}");
    let err = run(&mut reg, &[("log", "*")]).unwrap_err();
    assert!(err.to_string().contains("offline cache"), "{err}");
    let err = reg.fetch("json", &v("1.0.0"), &"a".repeat(64)).unwrap_err();
    assert!(
        err.message
            .contains("json 1.0.0 is not in the offline cache"),
        "{err}"
    );
    assert!(e.server.all_hits().is_empty(), "{:?}", e.server.all_hits());
}

#[test]
fn offline_works_after_one_online_run() {
    let e = env();
    populate(&e.reg);
    let mut online = e.open(false);
    let picked = run(&mut online, &[("http", "*"), ("nothing", "*")]);
    assert!(picked.is_err(), "`nothing` does not exist");
    let picked = run(&mut online, &[("http", "*")]).unwrap();
    assert_eq!(picked, ["http 0.1.0", "json 1.4.0", "log 0.3.1"]);
    let mut dirs = Vec::new();
    for p in &picked {
        let (name, ver) = p.split_once(' ').unwrap();
        let cksum = online
            .versions(name)
            .unwrap()
            .into_iter()
            .find(|x| x.vers == v(ver))
            .unwrap()
            .cksum;
        dirs.push((
            name.to_string(),
            v(ver),
            cksum.clone(),
            online.fetch(name, &v(ver), &cksum).unwrap(),
        ));
    }
    let before = e.server.all_hits();

    // No more requests: the same answers from the cache.
    let mut offline = e.open(true);
    assert_eq!(run(&mut offline, &[("http", "*")]).unwrap(), picked);
    assert!(offline.versions("nothing").unwrap().is_empty());
    // Unpacked sources removed: unpacked again from the cached archives.
    std::fs::remove_dir_all(e.home.join("registry/src")).unwrap();
    for (name, ver, cksum, dir) in &dirs {
        assert_eq!(offline.unpacked(name, ver), None);
        assert_eq!(&offline.fetch(name, ver, cksum).unwrap(), dir);
        assert!(dir.join("weir.pkg").is_file());
    }
    assert_eq!(e.server.all_hits(), before);
    // Something never fetched is still an error.
    let err = offline.versions("other").unwrap_err();
    assert!(err.message.contains("not in the offline cache"), "{err}");
}
