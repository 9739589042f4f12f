//! Reading a registry index (`../shared/spec/packages.md` §6): one file per package name at
//! `1/NAME`, `2/NAME`, `3/F/NAME` or `AB/CD/NAME`, one JSON line per published version.
//!
//! Invariants: reading never panics on bad input; a missing index file means "no versions"; a
//! malformed line is a `PkgError` naming the file and the 1-based line; entries come back in file
//! order (the resolver sorts them itself).

use crate::PkgError;
use semver::{Version, VersionReq};
use std::path::{Path, PathBuf};

/// One published version of a package, as the index describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    pub name: String,
    pub vers: Version,
    pub deps: Vec<IndexDep>,
    /// SHA-256 of the archive, hex.
    pub cksum: String,
    pub native: bool,
    pub yanked: bool,
}

impl IndexEntry {
    /// The entry as one index line (no trailing newline), keys in the order `name`, `vers`,
    /// `deps` (`name`, `req`, `kind`), `cksum`, `native`, `yanked`; [`parse_index_file`] reads
    /// it back to an equal entry.
    pub fn to_json_line(&self) -> String {
        let s = |v: &str| serde_json::Value::from(v).to_string();
        let deps: Vec<String> = (self.deps.iter())
            .map(|d| {
                let kind = match d.kind {
                    DepKind::Normal => "normal",
                    DepKind::Dev => "dev",
                };
                format!(
                    "{{\"name\":{},\"req\":{},\"kind\":{}}}",
                    s(&d.name),
                    s(&d.req.to_string()),
                    s(kind)
                )
            })
            .collect();
        format!(
            "{{\"name\":{},\"vers\":{},\"deps\":[{}],\"cksum\":{},\"native\":{},\"yanked\":{}}}",
            s(&self.name),
            s(&self.vers.to_string()),
            deps.join(","),
            s(&self.cksum),
            self.native,
            self.yanked
        )
    }
}

/// A dependency of a published version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexDep {
    pub name: String,
    pub req: VersionReq,
    pub kind: DepKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DepKind {
    Normal,
    Dev,
}

/// Where a package's versions come from.
pub trait Index {
    /// Every published version of `name` (yanked ones included); none if the package is unknown.
    fn versions(&mut self, name: &str) -> Result<Vec<IndexEntry>, PkgError>;
}

/// The index file of `name`, relative to the registry root (the crates.io layout): `1/NAME`,
/// `2/NAME`, `3/F/NAME` (F = first letter) or `AB/CD/NAME` (first four letters). Names are
/// lowercased; counts are in characters, so any string gives a path without panicking.
pub fn index_path(name: &str) -> PathBuf {
    let n = name.to_lowercase();
    let chars: Vec<char> = n.chars().collect();
    let part = |a: usize, b: usize| chars[a..b].iter().collect::<String>();
    match chars.len() {
        0 => PathBuf::new(),
        1 => Path::new("1").join(&n),
        2 => Path::new("2").join(&n),
        3 => Path::new("3").join(part(0, 1)).join(&n),
        _ => Path::new(&part(0, 2)).join(part(2, 4)).join(&n),
    }
}

/// An index kept in a registry folder.
#[derive(Debug, Clone)]
pub struct DirIndex {
    root: PathBuf,
}

impl DirIndex {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DirIndex { root: root.into() }
    }
}

impl Index for DirIndex {
    fn versions(&mut self, name: &str) -> Result<Vec<IndexEntry>, PkgError> {
        if !valid_name(name) {
            return Err(PkgError::msg(format!("invalid package name `{name}`")));
        }
        let path = self.root.join(index_path(name));
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(PkgError::in_file(
                    &path,
                    format!("cannot read index file: {e}"),
                ))
            }
        };
        parse_index_file(&path, &text)
    }
}

/// Package names are `[a-z][a-z0-9-]*`.
pub fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some('a'..='z'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '-'))
}

/// Parses the text of one index file; `path` is only used in errors. Blank lines are skipped.
pub fn parse_index_file(path: &Path, text: &str) -> Result<Vec<IndexEntry>, PkgError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let entry = parse_line(line).map_err(|m| {
            PkgError::in_file(path, format!("malformed index line: {m}")).at(line_no, 1)
        })?;
        out.push(entry);
    }
    Ok(out)
}

#[derive(serde::Deserialize)]
struct RawEntry {
    name: String,
    vers: String,
    #[serde(default)]
    deps: Vec<RawDep>,
    #[serde(default)]
    cksum: String,
    #[serde(default)]
    native: bool,
    #[serde(default)]
    yanked: bool,
}

#[derive(serde::Deserialize)]
struct RawDep {
    name: String,
    req: String,
    #[serde(default)]
    kind: Option<String>,
}

fn parse_line(line: &str) -> Result<IndexEntry, String> {
    let raw: RawEntry = serde_json::from_str(line).map_err(|e| e.to_string())?;
    if !valid_name(&raw.name) {
        return Err(format!("invalid package name `{}`", raw.name));
    }
    let vers = Version::parse(&raw.vers).map_err(|e| format!("bad version `{}`: {e}", raw.vers))?;
    let mut deps = Vec::with_capacity(raw.deps.len());
    for d in raw.deps {
        if !valid_name(&d.name) {
            return Err(format!("invalid dependency name `{}`", d.name));
        }
        let req = VersionReq::parse(&d.req)
            .map_err(|e| format!("bad requirement `{}` for `{}`: {e}", d.req, d.name))?;
        let kind = match d.kind.as_deref() {
            None | Some("normal") => DepKind::Normal,
            Some("dev") => DepKind::Dev,
            Some(k) => return Err(format!("unknown dependency kind `{k}` for `{}`", d.name)),
        };
        deps.push(IndexDep {
            name: d.name,
            req,
            kind,
        });
    }
    Ok(IndexEntry {
        name: raw.name,
        vers,
        deps,
        cksum: raw.cksum,
        native: raw.native,
        yanked: raw.yanked,
    })
}
