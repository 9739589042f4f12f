//! `weir.lock` (packages.md §6): the exact version, source and checksum of every registry
//! package of a project, beside the root manifest.
//!
//! Format (an S-expression; `;` comments are allowed and ignored):
//!
//! ```lisp
//! ; This file is written by weir (`weir build`, `weir update`). Do not edit it by hand.
//! (lock
//!   (version 1)
//!   (package
//!     (name "strs")
//!     (version "1.1.0")
//!     (source "file:///home/ada/registry-index")
//!     (checksum "9f2c…")
//!     (deps "other")))
//! ```
//!
//! Invariants
//! - [`render`] is deterministic: packages sorted by name (then version), `deps` sorted, one
//!   field per line; `parse(render(l)) == l`.
//! - [`write_if_changed`] writes atomically and only when the bytes differ, so an unchanged lock
//!   keeps its modification time.
//! - Reading never panics; a malformed file is an error naming it and, where known, the line and
//!   column.

use std::path::Path;

use lexpr::datum::Ref;
use semver::Version;

use crate::fsutil::atomic_write;
use crate::index::valid_name;
use crate::PkgError;

/// The lock file's name, beside `weir.pkg`.
pub const LOCK_NAME: &str = "weir.lock";

/// The format version this code reads and writes.
const FORMAT: i64 = 1;

/// The contents of `weir.lock`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lock {
    /// Sorted by name, then version.
    pub packages: Vec<LockedPackage>,
}

/// One registry package of the lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedPackage {
    pub name: String,
    pub version: Version,
    /// The registry it comes from ([`crate::registry::Location::source_id`]).
    pub source: String,
    /// SHA-256 of its archive, lowercase hex.
    pub checksum: String,
    /// The names of its (normal) dependencies, sorted.
    pub deps: Vec<String>,
}

impl Lock {
    /// Sorts packages and their deps (the canonical order of the file).
    pub fn normalise(&mut self) {
        for p in &mut self.packages {
            p.deps.sort();
            p.deps.dedup();
        }
        self.packages
            .sort_by(|a, b| (&a.name, &a.version).cmp(&(&b.name, &b.version)));
    }

    /// The locked package named `name` (a lock holds at most one version of a name).
    pub fn get(&self, name: &str) -> Option<&LockedPackage> {
        self.packages.iter().find(|p| p.name == name)
    }
}

/// The text of `lock`.
pub fn render(lock: &Lock) -> String {
    let mut lock = lock.clone();
    lock.normalise();
    let mut out = String::from(
        "; This file is written by weir (`weir build`, `weir update`). Do not edit it by hand.\n",
    );
    out.push_str(&format!("(lock\n  (version {FORMAT})"));
    for p in &lock.packages {
        out.push_str("\n  (package\n");
        out.push_str(&format!("    (name {})\n", quote(&p.name)));
        out.push_str(&format!(
            "    (version {})\n",
            quote(&p.version.to_string())
        ));
        out.push_str(&format!("    (source {})\n", quote(&p.source)));
        out.push_str(&format!("    (checksum {})", quote(&p.checksum)));
        if !p.deps.is_empty() {
            let deps: Vec<String> = p.deps.iter().map(|d| quote(d)).collect();
            out.push_str(&format!("\n    (deps {})", deps.join(" ")));
        }
        out.push(')');
    }
    out.push_str(")\n");
    out
}

/// A string literal lexpr reads back as `s`.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Reads `path`: `Ok(None)` when it does not exist.
pub fn read(path: &Path) -> Result<Option<Lock>, PkgError> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8(bytes)
                .map_err(|_| PkgError::in_file(path, "the lock file is not valid UTF-8"))?;
            parse(&text, path).map(Some)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(PkgError::in_file(
            path,
            format!("cannot read the lock file: {e}"),
        )),
    }
}

/// Writes `lock` to `path` unless the file already holds exactly that text; returns whether it
/// wrote.
pub fn write_if_changed(path: &Path, lock: &Lock) -> Result<bool, PkgError> {
    let text = render(lock);
    if std::fs::read(path).ok().as_deref() == Some(text.as_bytes()) {
        return Ok(false);
    }
    atomic_write(path, text.as_bytes())
        .map_err(|e| PkgError::in_file(path, format!("cannot write the lock file: {e}")))?;
    Ok(true)
}

/// Parses the text of a lock file; `path` is used in messages.
pub fn parse(text: &str, path: &Path) -> Result<Lock, PkgError> {
    let hint = "delete it and build again to write a new one";
    let datum = lexpr::datum::from_reader(text.as_bytes()).map_err(|e| {
        let err = PkgError::in_file(path, format!("malformed lock file: {e}"));
        match e.location() {
            Some(l) => err.at(to_u32(l.line()), to_u32(l.column().max(1))),
            None => err,
        }
        .with_detail(format!("note: {hint}"))
    })?;
    let p = Reader { path };
    let items = p.list(datum.as_ref(), "the lock file")?;
    if items.first().and_then(|h| h.value().as_symbol()) != Some("lock") {
        return Err(p.at(
            datum.as_ref(),
            "the lock file must be one `(lock ...)` list",
        ));
    }
    let mut lock = Lock::default();
    let mut version = None;
    for field in &items[1..] {
        let parts = p.list(*field, "a lock field")?;
        match parts.first().and_then(|h| h.value().as_symbol()) {
            Some("version") => {
                let v = parts.get(1).and_then(|v| v.value().as_i64());
                if parts.len() != 2 || v.is_none() {
                    return Err(p.at(*field, "`version` takes one integer"));
                }
                if v != Some(FORMAT) {
                    return Err(p.at(
                        *field,
                        &format!(
                            "lock file format {} is not supported (this weir reads format {FORMAT})",
                            v.unwrap_or_default()
                        ),
                    ));
                }
                version = v;
            }
            Some("package") => lock.packages.push(p.package(*field, &parts[1..])?),
            Some(other) => return Err(p.at(*field, &format!("unknown lock field `{other}`"))),
            None => return Err(p.at(*field, "a lock field must start with its name")),
        }
    }
    if version.is_none() {
        return Err(p.at(datum.as_ref(), "the lock file has no `(version 1)`"));
    }
    let mut names: Vec<&str> = lock.packages.iter().map(|p| p.name.as_str()).collect();
    names.sort_unstable();
    if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(PkgError::in_file(
            path,
            format!("package `{}` is locked twice", w[0]),
        ));
    }
    lock.normalise();
    Ok(lock)
}

struct Reader<'a> {
    path: &'a Path,
}

impl Reader<'_> {
    fn at(&self, d: Ref<'_>, msg: &str) -> PkgError {
        let s = d.span().start();
        PkgError::in_file(self.path, format!("malformed lock file: {msg}"))
            .at(to_u32(s.line()), to_u32(s.column().max(1)))
    }

    fn list<'d>(&self, d: Ref<'d>, what: &str) -> Result<Vec<Ref<'d>>, PkgError> {
        match d.list_iter() {
            Some(it) if d.value().is_list() => Ok(it.collect()),
            _ => Err(self.at(d, &format!("{what} must be a list"))),
        }
    }

    fn string(&self, field: Ref<'_>, parts: &[Ref<'_>], name: &str) -> Result<String, PkgError> {
        match parts {
            [_, v] => match v.value().as_str() {
                Some(s) => Ok(s.to_string()),
                None => Err(self.at(*v, &format!("`{name}` takes a string"))),
            },
            _ => Err(self.at(field, &format!("`{name}` takes one string"))),
        }
    }

    fn package(&self, whole: Ref<'_>, fields: &[Ref<'_>]) -> Result<LockedPackage, PkgError> {
        let (mut name, mut version, mut source, mut checksum) = (None, None, None, None);
        let mut deps = Vec::new();
        for f in fields {
            let parts = self.list(*f, "a package field")?;
            let key = parts.first().and_then(|h| h.value().as_symbol());
            match key {
                Some("name") => {
                    let n = self.string(*f, &parts, "name")?;
                    if !valid_name(&n) {
                        return Err(self.at(*f, &format!("invalid package name `{n}`")));
                    }
                    name = Some(n);
                }
                Some("version") => {
                    let v = self.string(*f, &parts, "version")?;
                    version = Some(
                        Version::parse(&v)
                            .map_err(|e| self.at(*f, &format!("bad version `{v}`: {e}")))?,
                    );
                }
                Some("source") => source = Some(self.string(*f, &parts, "source")?),
                Some("checksum") => {
                    let c = self.string(*f, &parts, "checksum")?;
                    if c.len() != 64 || !c.bytes().all(|b| b.is_ascii_hexdigit()) {
                        return Err(self.at(*f, "`checksum` must be 64 hexadecimal digits"));
                    }
                    checksum = Some(c.to_ascii_lowercase());
                }
                Some("deps") => {
                    for d in &parts[1..] {
                        match d.value().as_str() {
                            Some(s) if valid_name(s) => deps.push(s.to_string()),
                            _ => return Err(self.at(*d, "`deps` lists package names as strings")),
                        }
                    }
                }
                Some(other) => return Err(self.at(*f, &format!("unknown package field `{other}`"))),
                None => return Err(self.at(*f, "a package field must start with its name")),
            }
        }
        let missing = |what: &str| self.at(whole, &format!("a package has no `{what}`"));
        Ok(LockedPackage {
            name: name.ok_or_else(|| missing("name"))?,
            version: version.ok_or_else(|| missing("version"))?,
            source: source.ok_or_else(|| missing("source"))?,
            checksum: checksum.ok_or_else(|| missing("checksum"))?,
            deps,
        })
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Lock {
        Lock {
            packages: vec![
                LockedPackage {
                    name: "vecs".into(),
                    version: Version::parse("1.0.0").unwrap(),
                    source: "file:///reg".into(),
                    checksum: "b".repeat(64),
                    deps: vec!["strs".into()],
                },
                LockedPackage {
                    name: "strs".into(),
                    version: Version::parse("1.1.0-beta.1").unwrap(),
                    source: "http://127.0.0.1:80/r \"q\"".into(),
                    checksum: "a".repeat(64),
                    deps: vec![],
                },
            ],
        }
    }

    #[test]
    fn round_trip_and_canonical_order() {
        let text = render(&sample());
        assert!(text.find("\"strs\"").unwrap() < text.find("\"vecs\"").unwrap());
        let back = parse(&text, Path::new("weir.lock")).unwrap();
        let mut want = sample();
        want.normalise();
        assert_eq!(back, want);
        assert_eq!(render(&back), text);
    }

    #[test]
    fn empty_lock_round_trips() {
        let text = render(&Lock::default());
        assert_eq!(parse(&text, Path::new("l")).unwrap(), Lock::default());
    }

    fn err(text: &str) -> String {
        parse(text, Path::new("weir.lock")).unwrap_err().to_string()
    }

    #[test]
    fn malformed_files_are_located() {
        assert_eq!(
            err("(lock (version 1)\n  (package (name \"x\")))"),
            "weir.lock:2:3: error: malformed lock file: a package has no `version`"
        );
        assert_eq!(
            err("(lock (version 2))"),
            "weir.lock:1:7: error: malformed lock file: lock file format 2 is not supported (this weir reads format 1)"
        );
        assert_eq!(
            err("(lock (version 1) (package (name \"x\") (color \"red\")))"),
            "weir.lock:1:39: error: malformed lock file: unknown package field `color`"
        );
        assert!(err("(lock (version 1)").starts_with("weir.lock"));
        assert!(err("(lock (version 1) (package (name \"x\") (version \"1.0.0\") (source \"s\") (checksum \"zz\")))")
            .contains("64 hexadecimal digits"));
        assert_eq!(
            err("(cargo)"),
            "weir.lock:1:1: error: malformed lock file: the lock file must be one `(lock ...)` list"
        );
        assert!(err("(lock)").contains("no `(version 1)`"));
        let twice = format!(
            "(lock (version 1) {p} {p})",
            p = format!(
                "(package (name \"x\") (version \"1.0.0\") (source \"s\") (checksum \"{}\"))",
                "0".repeat(64)
            )
        );
        assert!(err(&twice).contains("package `x` is locked twice"));
    }

    #[test]
    fn write_only_when_changed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOCK_NAME);
        assert!(write_if_changed(&path, &sample()).unwrap());
        assert!(!write_if_changed(&path, &sample()).unwrap());
        assert_eq!(read(&path).unwrap().unwrap().packages.len(), 2);
        assert_eq!(read(&dir.path().join("none")).unwrap(), None);
    }
}
