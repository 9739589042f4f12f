//! Registry access (`../shared/spec/packages.md` §6): where the registry is (a folder, a
//! `file://` URL or an `http(s)://` URL), reading its index, downloading, verifying and unpacking
//! archives into `$WEIR_HOME/registry/`.
//!
//! Layout of `$WEIR_HOME/registry/` (`<slug>` names one registry: readable and unique, e.g.
//! `127.0.0.1-8080-0123456789ab` or `my-registry-0123456789ab`, see [`Location::slug`]):
//!
//! ```text
//! index/<slug>/<index path>          HTTP registries only: the last index file received
//! index/<slug>/<index path>.etag     its ETag, then the SHA-256 of the file it belongs to
//! cache/<slug>/NAME-VERSION.weirpkg  verified archives (folder registries too)
//! src/<slug>/NAME-VERSION/           unpacked sources, `weir.pkg` at the top
//! src/<slug>/.NAME-VERSION.ok        written last: the checksum the sources were unpacked from
//! src/<slug>/.lock                   held while fetching (one fetch per registry at a time)
//! ```
//!
//! Invariants
//! - Opening a [`Registry`] does no I/O. Folder registries are read directly (no index cache);
//!   an HTTP index file is requested at most once per `Registry` (memoised), revalidated with
//!   `If-None-Match` against the cached copy. `offline` never touches the network.
//! - Nothing partial is ever visible under a final name: downloads go to a uniquely named
//!   temporary file in the destination's folder, are verified against the expected SHA-256 and
//!   only then renamed; unpacking goes to a temporary sibling folder that is renamed into place;
//!   the `.ok` marker is written (atomically) last, so [`Registry::unpacked`] only needs a `stat`.
//!   Temporary names (`.NAME.tmp.*`) are never read as results; stale ones are removed under the
//!   lock.
//! - A cached archive is verified again before it is unpacked; one that does not match is
//!   removed and fetched again (it is corrupt or stale). A fresh download that does not match is
//!   a hard error naming the package, the expected and the actual checksum, and leaves nothing.
//! - Unpacking never writes outside its folder (see [`unpack`]).
//! - Concurrent weir processes: fetches of one registry are serialised by a `DirLock` on
//!   `src/<slug>/`; every write is also a rename of a complete temporary file, so even without
//!   the lock readers only see complete files.

mod config;
mod http;
mod unpack;

use std::collections::HashMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

use semver::Version;

use crate::fsutil::{self, DirLock};
use crate::index::{index_path, parse_index_file, valid_name, DirIndex, Index, IndexEntry};
use crate::PkgError;

pub use config::{configured_from, read_config, CONFIG_NAME};
pub use unpack::unpack;

/// The default archive location template, relative to the registry root.
pub const DEFAULT_DL: &str = "{name}/{name}-{version}.weirpkg";

/// Where a registry lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A folder (from a path or a `file://` URL), absolute.
    Dir(PathBuf),
    /// An `http://` or `https://` URL, without a trailing `/`.
    Http(String),
}

impl Location {
    /// A folder path (relative to the current folder), a `file://` URL or an `http(s)://` URL.
    pub fn parse(s: &str) -> Result<Location, PkgError> {
        let cwd = std::env::current_dir()
            .map_err(|e| PkgError::msg(format!("cannot read the current folder: {e}")))?;
        Location::parse_in(s, &cwd)
    }

    /// As [`Location::parse`], a relative folder path being relative to `base`.
    pub fn parse_in(s: &str, base: &Path) -> Result<Location, PkgError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(PkgError::msg("the registry location is empty"));
        }
        let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
        if lower.starts_with("file://") {
            return file_url_path(s).map(Location::Dir);
        }
        for scheme in ["http://", "https://"] {
            if lower.starts_with(scheme) {
                let rest = s[scheme.len()..].trim_end_matches('/');
                let host = rest.split('/').next().unwrap_or("");
                if host.is_empty() {
                    return Err(PkgError::msg(format!(
                        "bad registry URL `{s}`: it names no host"
                    )));
                }
                if rest.contains(['?', '#']) || rest.chars().any(char::is_whitespace) {
                    return Err(PkgError::msg(format!(
                        "bad registry URL `{s}`: it must not contain a query (`?`), a fragment (`#`) or spaces"
                    )));
                }
                return Ok(Location::Http(format!("{scheme}{rest}")));
            }
        }
        if let Some((scheme, _)) = s.split_once("://") {
            return Err(PkgError::msg(format!(
                "unsupported registry URL scheme `{scheme}://` in `{s}` (use a folder path, `file://`, `http://` or `https://`)"
            )));
        }
        Ok(Location::Dir(clean(&base.join(s))))
    }

    /// The registry's identity as `weir.lock` records it: `file:///ABS/PATH` (with `%`, spaces,
    /// `#` and `?` percent-encoded, so that [`Location::parse`] gives the location back) or the
    /// URL.
    pub fn source_id(&self) -> String {
        match self {
            Location::Dir(p) => format!("file://{}", encode_path(p)),
            Location::Http(u) => u.clone(),
        }
    }

    /// A folder name for this registry under `$WEIR_HOME/registry/*/`: readable (the host and
    /// port, or the folder's name) and unique (the first 12 hex digits of the SHA-256 of
    /// [`Location::source_id`]).
    pub fn slug(&self) -> String {
        let hash = fsutil::sha256_hex(self.source_id().as_bytes());
        let readable = match self {
            Location::Dir(p) => p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "root".to_string()),
            Location::Http(u) => {
                let rest = u.split_once("://").map_or(u.as_str(), |(_, r)| r);
                let authority = rest.split('/').next().unwrap_or("");
                // Never put a `user:password@` in a folder name.
                let host = authority.rsplit('@').next().unwrap_or(authority);
                host.replace(':', "-")
            }
        };
        let mut readable: String = readable
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                    c
                } else {
                    '_'
                }
            })
            .take(48)
            .collect();
        if readable.is_empty() || readable.starts_with('.') {
            readable.insert(0, 'r');
        }
        format!("{readable}-{}", &hash[..12])
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Dir(p) => write!(f, "{}", p.display()),
            Location::Http(u) => write!(f, "{u}"),
        }
    }
}

/// The path of a `file://` URL: `file:///ABS/PATH` or `file://localhost/ABS/PATH`, with `%XX`
/// escapes decoded.
fn file_url_path(url: &str) -> Result<PathBuf, PkgError> {
    let rest = &url["file://".len()..];
    let rest = if rest.len() >= 9 && rest[..9].eq_ignore_ascii_case("localhost") {
        &rest[9..]
    } else {
        rest
    };
    if !rest.starts_with('/') {
        return Err(PkgError::msg(format!(
            "bad registry URL `{url}`: a file URL is `file:///ABSOLUTE/PATH`"
        )));
    }
    let decoded = percent_decode(rest).ok_or_else(|| {
        PkgError::msg(format!(
            "bad registry URL `{url}`: invalid `%` escape (write `%25` for `%`)"
        ))
    })?;
    Ok(clean(Path::new(&decoded)))
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn encode_path(p: &Path) -> String {
    let s = p.to_string_lossy();
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' | ' ' | '#' | '?' => out.push_str(&format!("%{:02X}", c as u32)),
            c if c.is_control() => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// `p` rebuilt from its components: no `.`, no trailing `/` (`..` is kept: folding it would be
/// wrong across symbolic links).
/// `p` canonicalised when it exists (so one registry has one identity in `weir.lock`, however
/// it was written), else with `.` dropped and `name/..` pairs removed lexically.
fn clean(p: &Path) -> PathBuf {
    if let Ok(c) = p.canonicalize() {
        return c;
    }
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(".."),
            },
            other => out.push(other),
        }
    }
    out
}

/// `$WEIR_HOME`, else `~/.weir`.
pub fn weir_home() -> Result<PathBuf, PkgError> {
    if let Some(h) = std::env::var_os("WEIR_HOME").filter(|h| !h.is_empty()) {
        return std::path::absolute(Path::new(&h))
            .map(|p| clean(&p))
            .map_err(|e| PkgError::msg(format!("bad WEIR_HOME `{}`: {e}", h.to_string_lossy())));
    }
    match std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        Some(h) => Ok(PathBuf::from(h).join(".weir")),
        None => Err(PkgError::msg(
            "cannot find the weir home folder: set WEIR_HOME (or HOME)",
        )),
    }
}

/// The configured registry: `flag` (`--registry`), else `WEIR_REGISTRY`, else `(registry "...")`
/// in `$WEIR_HOME/config.weir`; `None` when none is configured. See [`configured_from`], which
/// takes the environment variable's value as a parameter.
pub fn configured(flag: Option<&str>, home: &Path) -> Result<Option<Location>, PkgError> {
    let env = std::env::var_os("WEIR_REGISTRY").map(|v| v.to_string_lossy().into_owned());
    configured_from(flag, env.as_deref(), home)
}

/// An open registry. Opening does no I/O; index files and archives are read when asked for.
pub struct Registry {
    location: Location,
    home: PathBuf,
    offline: bool,
    slug: String,
    /// HTTP index files already read by this instance, by package name.
    memo: HashMap<String, Vec<IndexEntry>>,
    /// The archive location template (`config.json`'s `dl`), once read.
    dl: Option<String>,
    client: Option<http::Client>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("location", &self.location)
            .field("home", &self.home)
            .field("offline", &self.offline)
            .finish_non_exhaustive()
    }
}

impl Registry {
    /// `home` is `$WEIR_HOME`; `offline`: never use the network (HTTP registries are read from
    /// the cache only; folder registries are local and always readable).
    pub fn open(location: Location, home: &Path, offline: bool) -> Registry {
        Registry {
            slug: location.slug(),
            location,
            home: home.to_path_buf(),
            offline,
            memo: HashMap::new(),
            dl: None,
            client: None,
        }
    }

    pub fn location(&self) -> &Location {
        &self.location
    }

    /// Whether the network is off limits.
    pub fn offline(&self) -> bool {
        self.offline
    }

    /// `$WEIR_HOME` as given to [`Registry::open`].
    pub fn home(&self) -> &Path {
        &self.home
    }

    /// [`Location::slug`] of the location: this registry's folder name under
    /// `$WEIR_HOME/registry/{index,cache,src}/`.
    pub fn slug(&self) -> &str {
        &self.slug
    }

    /// [`Location::source_id`] of the location.
    pub fn source_id(&self) -> String {
        self.location.source_id()
    }

    /// Where a verified archive of NAME VERSION is kept.
    pub fn cached_archive(&self, name: &str, version: &Version) -> PathBuf {
        self.home
            .join("registry/cache")
            .join(&self.slug)
            .join(format!("{name}-{version}.weirpkg"))
    }

    /// Where NAME VERSION is unpacked (it counts only once [`Registry::unpacked`] says so).
    pub fn src_dir(&self, name: &str, version: &Version) -> PathBuf {
        self.src_root().join(format!("{name}-{version}"))
    }

    fn src_root(&self) -> PathBuf {
        self.home.join("registry/src").join(&self.slug)
    }

    fn marker(&self, name: &str, version: &Version) -> PathBuf {
        self.src_root().join(format!(".{name}-{version}.ok"))
    }

    fn index_cache(&self, name: &str) -> PathBuf {
        self.home
            .join("registry/index")
            .join(&self.slug)
            .join(index_path(name))
    }

    /// The folder holding the unpacked sources of NAME VERSION (its `weir.pkg` at the top), when
    /// already fetched and verified; does only a `stat`-like check (of the marker written last).
    /// It does not compare checksums: [`Registry::fetch`] does (reading only the marker when the
    /// sources are already there), so callers that know the checksum should call `fetch`.
    pub fn unpacked(&self, name: &str, version: &Version) -> Option<PathBuf> {
        if !valid_name(name) {
            return None;
        }
        let dir = self.src_dir(name, version);
        (self.marker(name, version).is_file() && dir.is_dir()).then_some(dir)
    }

    /// Downloads (to a temporary name, verified against `cksum`, renamed) and unpacks the archive
    /// of NAME VERSION unless that was done before; returns the unpacked folder.
    pub fn fetch(
        &mut self,
        name: &str,
        version: &Version,
        cksum: &str,
    ) -> Result<PathBuf, PkgError> {
        if !valid_name(name) {
            return Err(PkgError::msg(format!("invalid package name `{name}`")));
        }
        let cksum = cksum.to_ascii_lowercase();
        if cksum.len() != 64 || !cksum.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(PkgError::msg(format!(
                "no valid checksum for {name} {version} (expected 64 hex digits, found `{cksum}`); the registry index or weir.lock is damaged"
            )));
        }
        let dir = self.src_dir(name, version);
        if self.marker_matches(name, version, &cksum) && dir.is_dir() {
            return Ok(dir);
        }
        let src_root = self.src_root();
        let _lock = DirLock::acquire(&src_root, || {})
            .map_err(|e| io_err(&src_root, "cannot lock the registry sources folder", &e))?;
        // Another process may have finished while we waited.
        if self.marker_matches(name, version, &cksum) && dir.is_dir() {
            return Ok(dir);
        }
        let top = format!("{name}-{version}");
        remove_stale_temps(&src_root, &top);
        let archive_path = self.cached_archive(name, version);
        if let Some(cache_dir) = archive_path.parent() {
            remove_stale_temps(cache_dir, &format!("{top}.weirpkg"));
        }
        let bytes = self.verified_archive(name, version, &cksum, &archive_path)?;
        // A marker for another checksum, or a folder without a marker: left by an earlier fetch
        // of different contents or one that stopped before writing its marker.
        let marker = self.marker(name, version);
        remove_if_exists(&marker)?;
        if dir.exists() {
            fs::remove_dir_all(&dir)
                .map_err(|e| io_err(&dir, "cannot remove stale unpacked sources", &e))?;
        }
        unpack(&bytes, &archive_path, &top, &dir)?;
        fsutil::atomic_write(&marker, format!("{cksum}\n").as_bytes())
            .map_err(|e| io_err(&marker, "cannot write", &e))?;
        Ok(dir)
    }

    fn marker_matches(&self, name: &str, version: &Version, cksum: &str) -> bool {
        fs::read_to_string(self.marker(name, version)).is_ok_and(|m| m.trim() == cksum)
    }

    /// The bytes of the archive, verified: from the cache when it holds a matching copy, else
    /// downloaded (or copied from a folder registry) into the cache.
    fn verified_archive(
        &mut self,
        name: &str,
        version: &Version,
        cksum: &str,
        archive_path: &Path,
    ) -> Result<Vec<u8>, PkgError> {
        match fs::read(archive_path) {
            Ok(bytes) if fsutil::sha256_hex(&bytes) == cksum => return Ok(bytes),
            // Corrupt or stale: fetch it again.
            Ok(_) => remove_if_exists(archive_path)?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err(archive_path, "cannot read cached archive", &e)),
        }
        let not_cached = |location: &Location| {
            PkgError::msg(format!(
                "{name} {version} is not in the offline cache of registry {location}"
            ))
            .with_detail("run once without --offline to download it")
        };
        if self.offline && matches!(self.location, Location::Http(_)) {
            // Reading `config.json` would need the network too.
            return Err(not_cached(&self.location));
        }
        let url = self.archive_url(name, version)?;
        if self.offline && is_http(&url) {
            return Err(not_cached(&self.location));
        }
        let cache_dir = archive_path.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(cache_dir).map_err(|e| io_err(cache_dir, "cannot create", &e))?;
        let file_name = format!("{name}-{version}.weirpkg");
        let tmp = fsutil::temp_path(cache_dir, &file_name);
        let res = self.download_to(&url, &tmp);
        let bytes = match res {
            Ok(()) => fs::read(&tmp).map_err(|e| io_err(&tmp, "cannot read", &e)),
            Err(e) => Err(e),
        };
        let bytes = match bytes {
            Ok(b) => b,
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                return Err(e);
            }
        };
        let actual = fsutil::sha256_hex(&bytes);
        if actual != cksum {
            let _ = fs::remove_file(&tmp);
            return Err(PkgError::msg(format!(
                "checksum mismatch for {name} {version} downloaded from {url}"
            ))
            .with_detail(format!(
                "expected sha256 {cksum}\nactual   sha256 {actual}\nthe archive was rejected: the registry's archive does not match its index (or weir.lock)"
            )));
        }
        if let Err(e) = fs::rename(&tmp, archive_path) {
            let _ = fs::remove_file(&tmp);
            return Err(io_err(archive_path, "cannot store downloaded archive", &e));
        }
        Ok(bytes)
    }

    /// Copies the archive at `url` (a path for folder registries) into the new file `tmp`.
    fn download_to(&mut self, url: &str, tmp: &Path) -> Result<(), PkgError> {
        let mut out = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(tmp)
            .map_err(|e| io_err(tmp, "cannot create", &e))?;
        if is_http(url) {
            let client = self.client.get_or_insert_with(http::Client::new);
            client.download(url, &mut out)?;
        } else {
            let path = Path::new(url);
            let mut src = fs::File::open(path).map_err(|e| {
                if e.kind() == io::ErrorKind::NotFound {
                    PkgError::in_file(path, "the archive is missing from the registry folder")
                } else {
                    io_err(path, "cannot read archive", &e)
                }
            })?;
            io::copy(&mut src, &mut out).map_err(|e| io_err(path, "cannot copy archive", &e))?;
        }
        out.flush().map_err(|e| io_err(tmp, "cannot write", &e))
    }

    /// Where the archive of NAME VERSION is: a URL for HTTP registries (or an HTTP `dl`), else a
    /// path.
    pub fn archive_url(&mut self, name: &str, version: &Version) -> Result<String, PkgError> {
        let template = self.dl_template()?;
        let rel = template
            .replace("{name}", name)
            .replace("{version}", &version.to_string());
        if is_http(&rel) {
            return Ok(rel);
        }
        if rel
            .get(..7)
            .is_some_and(|p| p.eq_ignore_ascii_case("file://"))
        {
            return Ok(file_url_path(&rel)?.to_string_lossy().into_owned());
        }
        Ok(match &self.location {
            Location::Dir(d) => d.join(&rel).to_string_lossy().into_owned(),
            Location::Http(u) => {
                if rel.starts_with('/') {
                    // Relative to the server's origin, as in a web page.
                    let (scheme, rest) = u.split_once("://").unwrap_or(("http", u));
                    let host = rest.split('/').next().unwrap_or(rest);
                    format!("{scheme}://{host}{rel}")
                } else {
                    format!("{u}/{rel}")
                }
            }
        })
    }

    /// `config.json`'s `dl`, or [`DEFAULT_DL`] when there is no `config.json` or no `dl`.
    fn dl_template(&mut self) -> Result<String, PkgError> {
        if let Some(dl) = &self.dl {
            return Ok(dl.clone());
        }
        let (what, text) = match &self.location {
            Location::Dir(d) => {
                let path = d.join("config.json");
                let text = match fs::read_to_string(&path) {
                    Ok(t) => Some(t),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => None,
                    Err(e) => return Err(io_err(&path, "cannot read", &e)),
                };
                (path.to_string_lossy().into_owned(), text)
            }
            Location::Http(u) => {
                let url = format!("{u}/config.json");
                let client = self.client.get_or_insert_with(http::Client::new);
                let text = match client.get(&url, None)? {
                    http::Got::Body { bytes, .. } => Some(
                        String::from_utf8(bytes)
                            .map_err(|_| PkgError::msg(format!("{url} is not valid UTF-8 text")))?,
                    ),
                    http::Got::NotFound => None,
                    http::Got::NotModified => {
                        return Err(PkgError::msg(format!(
                            "{url}: unexpected answer 304 Not Modified to an unconditional request"
                        )))
                    }
                };
                (url, text)
            }
        };
        let dl = match text {
            None => DEFAULT_DL.to_string(),
            Some(t) => parse_config_json(&t).map_err(|m| PkgError::in_file(&what, m))?,
        };
        self.dl = Some(dl.clone());
        Ok(dl)
    }

    /// The index file of `name` from an HTTP registry: memoised, revalidated, cached.
    fn http_versions(&mut self, base: &str, name: &str) -> Result<Vec<IndexEntry>, PkgError> {
        let key = name.to_lowercase();
        if let Some(v) = self.memo.get(&key) {
            return Ok(v.clone());
        }
        let rel = index_path(name);
        let rel_url = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        let url = format!("{base}/{rel_url}");
        let cache = self.index_cache(name);
        let etag_path = etag_path(&cache);
        let cached = read_cached_index(&cache, &etag_path)?;
        let text = if self.offline {
            match cached {
                Some((body, _)) => body,
                None => {
                    return Err(PkgError::msg(format!(
                        "package `{name}` is not in the offline cache of registry {base}"
                    ))
                    .with_detail("run once without --offline to fetch its index"))
                }
            }
        } else {
            let etag = cached.as_ref().and_then(|(_, e)| e.as_deref());
            let client = self.client.get_or_insert_with(http::Client::new);
            match client.get(&url, etag)? {
                http::Got::NotModified => match cached {
                    Some((body, _)) => body,
                    None => {
                        return Err(PkgError::msg(format!(
                            "{url}: unexpected answer 304 Not Modified to an unconditional request"
                        )))
                    }
                },
                http::Got::NotFound => {
                    // Remembered as "no versions" so that --offline agrees with the last run.
                    write_cached_index(&cache, &etag_path, b"", None)?;
                    Vec::new()
                }
                http::Got::Body { bytes, etag } => {
                    write_cached_index(&cache, &etag_path, &bytes, etag.as_deref())?;
                    bytes
                }
            }
        };
        let text = String::from_utf8(text)
            .map_err(|_| PkgError::msg(format!("index file {url} is not valid UTF-8")))?;
        let entries = parse_index_file(Path::new(&url), &text)?;
        self.memo.insert(key, entries.clone());
        Ok(entries)
    }
}

impl Index for Registry {
    fn versions(&mut self, name: &str) -> Result<Vec<IndexEntry>, PkgError> {
        match &self.location {
            Location::Dir(d) => DirIndex::new(d).versions(name),
            Location::Http(u) => {
                if !valid_name(name) {
                    return Err(PkgError::msg(format!("invalid package name `{name}`")));
                }
                let base = u.clone();
                self.http_versions(&base, name)
            }
        }
    }
}

/// `{"dl": TEMPLATE}` → TEMPLATE (default when absent); other keys are allowed (future use).
fn parse_config_json(text: &str) -> Result<String, String> {
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("malformed registry config.json: {e}"))?;
    let obj = v
        .as_object()
        .ok_or("malformed registry config.json: expected a JSON object")?;
    match obj.get("dl") {
        None | Some(serde_json::Value::Null) => Ok(DEFAULT_DL.to_string()),
        Some(serde_json::Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_string()),
        Some(_) => Err("malformed registry config.json: `dl` must be a non-empty string".into()),
    }
}

fn etag_path(cache: &Path) -> PathBuf {
    let mut name = cache.file_name().unwrap_or_default().to_os_string();
    name.push(".etag");
    cache.with_file_name(name)
}

/// The cached index file and its ETag (only when the `.etag` file names this body's hash).
#[allow(clippy::type_complexity)]
fn read_cached_index(
    cache: &Path,
    etag_path: &Path,
) -> Result<Option<(Vec<u8>, Option<String>)>, PkgError> {
    let body = match fs::read(cache) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err(cache, "cannot read cached index file", &e)),
    };
    let etag = fs::read_to_string(etag_path).ok().and_then(|t| {
        let mut lines = t.lines();
        let etag = lines.next()?.to_string();
        (lines.next()? == fsutil::sha256_hex(&body) && !etag.is_empty()).then_some(etag)
    });
    Ok(Some((body, etag)))
}

fn write_cached_index(
    cache: &Path,
    etag_path: &Path,
    body: &[u8],
    etag: Option<&str>,
) -> Result<(), PkgError> {
    fsutil::atomic_write(cache, body).map_err(|e| io_err(cache, "cannot write", &e))?;
    match etag {
        Some(tag) if !tag.contains('\n') => {
            let text = format!("{tag}\n{}\n", fsutil::sha256_hex(body));
            fsutil::atomic_write(etag_path, text.as_bytes())
                .map_err(|e| io_err(etag_path, "cannot write", &e))
        }
        _ => remove_if_exists(etag_path),
    }
}

fn is_http(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

fn remove_if_exists(path: &Path) -> Result<(), PkgError> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_err(path, "cannot remove", &e)),
    }
}

/// Removes the temporary files and folders (`.NAME.tmp.*`) other fetches of `name` left in
/// `dir`. Called with the fetch lock held, so none of them is still being written.
fn remove_stale_temps(dir: &Path, name: &str) {
    let prefix = format!(".{name}.tmp.");
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            let path = entry.path();
            if path.is_dir() {
                let _ = fs::remove_dir_all(&path);
            } else {
                let _ = fs::remove_file(&path);
            }
        }
    }
}

fn io_err(path: &Path, what: &str, e: &io::Error) -> PkgError {
    PkgError::in_file(fsutil::display_path(path), format!("{what}: {e}"))
}
