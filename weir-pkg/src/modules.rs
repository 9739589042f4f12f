//! Which files are a package's modules, and their names (packages.md §1, §2).
//!
//! Invariants
//! - A module name is the package name followed by one `.SEGMENT` per folder and file below the
//!   package root, with a leading `src/` dropped and `.weir` removed; `lib.weir` and
//!   `src/lib.weir` are the package's root module (named after the package). Tests
//!   (`tests/NAME.weir`) follow the same rule, so they are `PKG.tests.NAME`.
//! - Every segment is an identifier segment of language.md §2 (no `.`, ASCII, not starting with a
//!   digit); anything else is an error naming the file.
//! - Results are sorted by module name, names are unique (two files with one name is an error
//!   naming both) and every file exists and lies inside the package (also after symbolic links).
//! - Discovery is deterministic: `walkdir` output is sorted; hidden entries (`.name`) are skipped.

use std::path::{Component, Path, PathBuf};

use crate::manifest::{locate, Manifest};
use crate::PkgError;

/// One source file of a package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleFile {
    /// e.g. `foo`, `foo.bar`, `foo.net.http`, `foo.tests.basics`.
    pub name: String,
    /// `root.join(rel)`.
    pub path: PathBuf,
    /// Relative to the package root, e.g. `src/net/http.weir`.
    pub rel: PathBuf,
    /// Whether this is the manifest's `main` file.
    pub is_main: bool,
}

/// The package's modules (default or explicit `sources`, plus `main`), sorted by name.
pub fn package_modules(m: &Manifest) -> Result<Vec<ModuleFile>, PkgError> {
    let mut rels: Vec<PathBuf> = Vec::new();
    match &m.sources {
        Some(list) => {
            for rel in list {
                let full = m.root.join(rel);
                if !full.is_file() {
                    let what = if full.is_dir() {
                        "is a folder (list the `.weir` files)"
                    } else {
                        "does not exist"
                    };
                    return Err(at_field(
                        m,
                        "sources",
                        format!("field `sources`: `{}` {what}", rel.display()),
                    ));
                }
                rels.push(rel.clone());
            }
        }
        None => {
            let src = m.root.join("src");
            if src.is_dir() {
                rels.extend(walk_weir_files(m, &src, true)?);
            }
            if m.root.join("lib.weir").is_file() {
                rels.push(PathBuf::from("lib.weir"));
            }
        }
    }
    if let Some(main) = &m.main {
        if !m.root.join(main).is_file() {
            return Err(at_field(
                m,
                "main",
                format!("field `main`: `{}` does not exist", main.display()),
            ));
        }
        if !rels.contains(main) {
            rels.push(main.clone());
        }
    }
    let mut out = Vec::with_capacity(rels.len());
    for rel in rels {
        check_inside(m, &rel)?;
        let name = module_name(&m.name, &rel).map_err(|e| in_manifest(m, e))?;
        out.push(ModuleFile {
            name,
            path: m.root.join(&rel),
            is_main: m.main.as_ref() == Some(&rel),
            rel,
        });
    }
    sort_unique(m, out)
}

/// The package's test modules: `tests/NAME.weir` (directly in `tests/`) → `PKG.tests.NAME`,
/// sorted. A name that clashes with a package module is an error.
pub fn test_modules(m: &Manifest) -> Result<Vec<ModuleFile>, PkgError> {
    let tests = m.root.join("tests");
    if !tests.is_dir() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for rel in walk_weir_files(m, &tests, false)? {
        check_inside(m, &rel)?;
        let name = module_name(&m.name, &rel).map_err(|e| in_manifest(m, e))?;
        out.push(ModuleFile {
            name,
            path: m.root.join(&rel),
            rel,
            is_main: false,
        });
    }
    let out = sort_unique(m, out)?;
    let pkg = package_modules(m)?;
    for t in &out {
        if let Some(p) = pkg.iter().find(|p| p.name == t.name) {
            return Err(PkgError::in_file(
                &m.path,
                format!(
                    "`{}` and `{}` both map to module `{}`",
                    p.rel.display(),
                    t.rel.display(),
                    t.name
                ),
            ));
        }
    }
    Ok(out)
}

/// The module name of the file `rel` (relative to the package root) in package `package`.
pub fn module_name(package: &str, rel: &Path) -> Result<String, PkgError> {
    let shown = rel.display().to_string();
    let bad = |why: String| PkgError::msg(format!("`{shown}`: {why}"));
    let mut parts: Vec<String> = Vec::new();
    for c in rel.components() {
        match c {
            Component::Normal(x) => match x.to_str() {
                Some(s) => parts.push(s.to_string()),
                None => return Err(bad("the path is not valid UTF-8".into())),
            },
            Component::CurDir => {}
            _ => {
                return Err(bad(
                    "a module path must be relative and stay inside the package".into(),
                ))
            }
        }
    }
    let Some(file) = parts.pop() else {
        return Err(bad("not a file".into()));
    };
    let Some(stem) = file.strip_suffix(".weir") else {
        return Err(bad("a module file's name must end in `.weir`".into()));
    };
    if parts.first().map(String::as_str) == Some("src") {
        parts.remove(0);
    }
    let mut name = package.to_string();
    if parts.is_empty() && stem == "lib" {
        return Ok(name);
    }
    parts.push(stem.to_string());
    for seg in &parts {
        if let Err(why) = check_segment(seg) {
            return Err(bad(format!(
                "`{seg}` {why}, so it cannot be part of a module name"
            )));
        }
        name.push('.');
        name.push_str(seg);
    }
    Ok(name)
}

/// An identifier segment (language.md §2 identifier, without `.`).
fn check_segment(seg: &str) -> Result<(), &'static str> {
    const SPECIAL: &str = "_+-*/<>=!&|^~";
    let mut chars = seg.chars();
    let Some(first) = chars.next() else {
        return Err("is empty");
    };
    if seg.contains('.') {
        return Err("contains `.`");
    }
    if !(first.is_ascii_alphabetic() || SPECIAL.contains(first)) {
        return Err("does not start with a letter, `_` or an operator character");
    }
    if !chars.all(|c| c.is_ascii_alphanumeric() || c == '?' || SPECIAL.contains(c)) {
        return Err(
            "is not an identifier (letters, digits, `_`, `-` and operator characters only)",
        );
    }
    Ok(())
}

/// Every `*.weir` file below `dir` (recursively or not), relative to the package root, sorted.
fn walk_weir_files(m: &Manifest, dir: &Path, recursive: bool) -> Result<Vec<PathBuf>, PkgError> {
    let mut walker = walkdir::WalkDir::new(dir).sort_by_file_name().min_depth(1);
    if !recursive {
        walker = walker.max_depth(1);
    }
    let mut out = Vec::new();
    let entries = walker
        .into_iter()
        .filter_entry(|e| !e.file_name().to_str().is_some_and(|n| n.starts_with('.')));
    for entry in entries {
        let entry = entry.map_err(|e| {
            let p = e.path().unwrap_or(dir).display().to_string();
            PkgError::in_file(&m.path, format!("cannot list `{p}`: {e}"))
        })?;
        let is_weir = entry.path().extension().and_then(|e| e.to_str()) == Some("weir");
        // A symbolic link to a file counts as a file; `check_inside` checks where it leads.
        if !is_weir || !entry.path().is_file() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(&m.root)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| entry.path().to_path_buf());
        out.push(rel);
    }
    Ok(out)
}

/// A module file must not lead outside the package through a symbolic link.
fn check_inside(m: &Manifest, rel: &Path) -> Result<(), PkgError> {
    let full = m.root.join(rel);
    if let (Ok(canon), Ok(root)) = (full.canonicalize(), m.root.canonicalize()) {
        if !canon.starts_with(&root) {
            return Err(PkgError::in_file(
                &m.path,
                format!(
                    "`{}` leads outside the package through a symbolic link",
                    rel.display()
                ),
            ));
        }
    }
    Ok(())
}

fn sort_unique(m: &Manifest, mut out: Vec<ModuleFile>) -> Result<Vec<ModuleFile>, PkgError> {
    out.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.rel.cmp(&b.rel)));
    for w in out.windows(2) {
        if w[0].name == w[1].name {
            let e = PkgError::in_file(
                &m.path,
                format!(
                    "`{}` and `{}` both map to module `{}`",
                    w[0].rel.display(),
                    w[1].rel.display(),
                    w[0].name
                ),
            );
            return Err(match locate(&m.path, &["sources"]) {
                Some((line, col)) if m.sources.is_some() => e.at(line, col),
                _ => e,
            });
        }
    }
    Ok(out)
}

fn in_manifest(m: &Manifest, e: PkgError) -> PkgError {
    let e = PkgError {
        file: Some(m.path.clone()),
        ..e
    };
    match (&m.sources, locate(&m.path, &["sources"])) {
        (Some(_), Some((line, col))) => e.at(line, col),
        _ => e,
    }
}

fn at_field(m: &Manifest, field: &str, msg: String) -> PkgError {
    let e = PkgError::in_file(&m.path, msg);
    match locate(&m.path, &[field]) {
        Some((line, col)) => e.at(line, col),
        None => e,
    }
}
