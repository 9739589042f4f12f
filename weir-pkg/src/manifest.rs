//! The manifest `weir.pkg` (packages.md §1): text → [`Manifest`], or one located [`PkgError`].
//!
//! Invariants
//! - Never panics and never overflows the stack, whatever the input. lexpr recurses once per
//!   quote character (`'x` is `(quote x)`) and drops long lists recursively, so: files above
//!   128 KiB are refused, a byte-level guard (`guard`) bounds chains of quote characters before
//!   lexpr sees the text, and reading plus conversion run on a thread with a 64 MiB stack.
//! - Linear time: lexpr's `&str` reader recomputes each position from the start of the text, so
//!   we read through its `io::Read` reader (see `reader` for what its positions mean).
//! - Every error names the manifest file and the field (`field `version`: ...`) and carries the
//!   1-based line and column (characters) of the datum at fault: the offending value when there is
//!   one, else the field's `(`, else the `(package` form. Messages are one sentence, lowercase, no
//!   trailing period. The first error in source order is reported.
//! - A returned manifest is valid: `name` matches `[a-z][a-z0-9-]*` (≤ 64 chars); every path except
//!   dependency `path`s is relative, normalised (no `.`/`..`), stays inside the package and, when it
//!   exists on disk, still does after following symbolic links; `main`/`sources` end in `.weir`
//!   and are listed once; no dependency name appears twice across `deps` and `dev-deps`, and none
//!   is the package itself; a dependency has exactly one of `path` and `version`.
//! - `native` is `None` when the package has nothing to compile or link (`(native)`, or only empty
//!   parts); `include`/`cflags` without C `sources` is an error; `link` names are bare (`"m"`).
//!   Whether files exist is checked later (modules.rs for Weir sources, native.rs for C).

use std::path::{Component, Path, PathBuf};

use lexpr::datum::Ref;
use lexpr::Value;

use crate::PkgError;

/// The manifest's file name.
pub const MANIFEST_NAME: &str = "weir.pkg";

/// Manifests bigger than this are refused (a real one is a few KiB). Together with the thread's
/// stack size below it bounds lexpr's recursion when dropping long lists.
const MAX_MANIFEST_BYTES: usize = 128 * 1024;

/// Quote characters (`'`, `` ` ``, `,`) that may form chains (see [`guard`]).
const MAX_QUOTE_CHAIN_TOTAL: usize = 4096;

/// Stack of the thread that runs lexpr and the conversion.
const PARSE_STACK_BYTES: usize = 64 * 1024 * 1024;

/// A manifest with at most this many characters that can open a nesting level (`(`, `[`, the
/// quote characters, `#`) is parsed on the calling thread: the parser's recursion is bounded by
/// that count.
const INLINE_PARSE_BRACKETS: usize = 256;

/// ... and at most this many bytes (lexpr drops a list recursively, one frame per element).
const INLINE_PARSE_BYTES: usize = 4096;

/// Longest package name.
pub const MAX_NAME_LEN: usize = 64;

/// A parsed, validated `weir.pkg`.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// The `weir.pkg` file, as given.
    pub path: PathBuf,
    /// Its folder (`.` when `path` has no parent).
    pub root: PathBuf,
    pub name: String,
    pub version: semver::Version,
    pub description: Option<String>,
    pub license: Option<String>,
    pub authors: Vec<String>,
    /// The application's entry module, relative to `root`, normalised.
    pub main: Option<PathBuf>,
    /// Explicit `sources`, relative to `root`, normalised, in the order written.
    pub sources: Option<Vec<PathBuf>>,
    pub deps: Vec<Dependency>,
    pub dev_deps: Vec<Dependency>,
    pub native: Option<Native>,
}

/// One entry of `deps` or `dev-deps`.
#[derive(Debug, Clone, PartialEq)]
pub struct Dependency {
    pub name: String,
    pub source: DepSource,
    /// 1-based line of the entry's `(`.
    pub line: u32,
}

/// Where a dependency comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum DepSource {
    /// A folder holding a `weir.pkg`, as written (relative to the declaring manifest's folder, or
    /// absolute); it may lie anywhere.
    Path(PathBuf),
    /// A registry package (packages.md §6).
    Registry { req: semver::VersionReq },
}

/// The `(native ...)` field: C code shipped by the package. Paths are relative to the package
/// root and normalised (`include` may be `.`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Native {
    pub sources: Vec<PathBuf>,
    pub include: Vec<PathBuf>,
    pub cflags: Vec<String>,
    pub link: Vec<String>,
}

impl Manifest {
    /// Reads and parses the manifest at `path`.
    pub fn load(path: &Path) -> Result<Manifest, PkgError> {
        if path.is_dir() {
            return Err(PkgError::in_file(
                path,
                "this is a folder, not a manifest file",
            ));
        }
        let bytes = std::fs::read(path).map_err(|e| {
            let msg = if e.kind() == std::io::ErrorKind::NotFound {
                "the manifest does not exist".to_string()
            } else {
                format!("cannot read the manifest: {e}")
            };
            PkgError::in_file(path, msg)
        })?;
        if bytes.len() > MAX_MANIFEST_BYTES {
            return Err(too_large(path, bytes.len()));
        }
        match String::from_utf8(bytes) {
            Ok(text) => Manifest::parse(&text, path),
            Err(e) => {
                let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
                // `good` is valid UTF-8 by construction.
                let prefix = String::from_utf8_lossy(good);
                let line = prefix.matches('\n').count() + 1;
                let col = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                Err(PkgError::in_file(path, "the manifest is not valid UTF-8")
                    .at(to_u32(line), to_u32(col)))
            }
        }
    }

    /// Parses manifest text; `path` is used in messages and its folder is the package root.
    pub fn parse(text: &str, path: &Path) -> Result<Manifest, PkgError> {
        if text.len() > MAX_MANIFEST_BYTES {
            return Err(too_large(path, text.len()));
        }
        guard(text, path)?;
        let run = || Ctx::new(text, path).manifest();
        // The parser recurses once per nesting level (bounded by the characters that open one)
        // and dropping its lists recurses once per element (bounded by the size): a small
        // manifest with few of them (all real ones) is parsed right here,
        // which saves a thread per manifest (a no-op build reads one per package).
        if text.len() <= INLINE_PARSE_BYTES
            && text
                .bytes()
                .filter(|b| matches!(b, b'(' | b'[' | b'\'' | b'`' | b',' | b'#'))
                .count()
                <= INLINE_PARSE_BRACKETS
        {
            return run();
        }
        let res = std::thread::scope(|s| {
            match std::thread::Builder::new()
                .name("weir-manifest".into())
                .stack_size(PARSE_STACK_BYTES)
                .spawn_scoped(s, run)
            {
                Ok(handle) => handle.join().map_err(|_| {
                    PkgError::in_file(path, "internal error while reading the manifest")
                }),
                Err(e) => Err(PkgError::in_file(
                    path,
                    format!("cannot start a thread to read the manifest: {e}"),
                )),
            }
        });
        res?
    }

    /// Whether the package is an application (has `main`).
    pub fn is_app(&self) -> bool {
        self.main.is_some()
    }
}

/// Where a datum of the manifest at `path` starts, as 1-based (line, column): `route` names a
/// field, then optionally an entry inside it, then a key inside that (e.g. `["deps", "util",
/// "path"]`); each step is the first list headed by that symbol. `None` when the file cannot be
/// read or parsed or has no such datum. Used to locate errors found after parsing (a missing
/// source file, a dependency folder that does not exist).
pub fn locate(path: &Path, route: &[&str]) -> Option<(u32, u32)> {
    let text = std::fs::read_to_string(path).ok()?;
    if text.len() > MAX_MANIFEST_BYTES || guard(&text, path).is_err() {
        return None;
    }
    let run = || -> Option<(u32, u32)> {
        let ctx = Ctx::new(&text, path);
        let datum = reader(&text).next_datum().ok()??;
        let mut cur = datum.as_ref();
        for step in route {
            let items = ctx.items(cur).ok()??;
            cur = *items.iter().skip(1).find(|d| {
                matches!(ctx.items(**d), Ok(Some(parts))
                    if parts.first().and_then(|h| h.as_symbol()) == Some(*step))
            })?;
        }
        ctx.pos(cur).and_then(|p| ctx.line_col(p))
    };
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(PARSE_STACK_BYTES)
            .spawn_scoped(s, run)
            .ok()?
            .join()
            .ok()?
    })
}

/// The lexpr parser for `text`. lexpr's `&str` reader recomputes each position from the start of
/// the text (quadratic in the number of data), so we use its `io::Read` reader, which counts
/// incrementally. Its positions: lines are 1-based; a datum's *start* column is the 1-based byte
/// column (the reader has already peeked the first byte); *end* positions are not reliable and
/// are not used.
fn reader(text: &str) -> lexpr::Parser<lexpr::parse::IoRead<&[u8]>> {
    lexpr::Parser::from_reader(text.as_bytes())
}

fn too_large(path: &Path, len: usize) -> PkgError {
    PkgError::in_file(
        path,
        format!(
            "the manifest is too large ({len} bytes; at most {MAX_MANIFEST_BYTES} are allowed)"
        ),
    )
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Bounds lexpr's recursion on quote characters before lexpr sees the text. lexpr reads `'x` as
/// `(quote x)` by recursing once per quote, so `'''…'x` with thousands of quotes would overflow
/// any stack. A chain of nested quotes is a run of quote characters separated only by whitespace
/// and comments; we over-approximate chains at the byte level (ignoring strings; from any `;` to
/// the end of its line nothing breaks a chain), so every real chain is inside one of ours. With
/// lexpr's own limit of 128 nested lists, the recursion depth is at most 257 plus the total
/// length of our chains of two or more quotes, which we bound.
fn guard(text: &str, path: &Path) -> Result<(), PkgError> {
    let mut total = 0usize;
    let mut run = 0usize;
    let mut in_comment = false;
    let (mut line, mut col) = (1u32, 0u32);
    for ch in text.chars() {
        if ch == '\n' {
            line += 1;
            col = 0;
        } else {
            col += 1;
        }
        match ch {
            '\'' | '`' | ',' => {
                run += 1;
                if run == 2 {
                    total += 2;
                } else if run > 2 {
                    total += 1;
                }
                if total > MAX_QUOTE_CHAIN_TOTAL {
                    return Err(PkgError::in_file(
                        path,
                        "too many quote characters (`'`, `` ` ``, `,`) in a row; quoting has no meaning in a manifest",
                    )
                    .at(line, col.max(1)));
                }
            }
            '\n' => in_comment = false,
            ';' => in_comment = true,
            ' ' | '\t' | '\r' | '\u{c}' => {}
            _ if in_comment => {}
            _ => run = 0,
        }
    }
    Ok(())
}

/// A position as lexpr gives it: 1-based line, 0-based byte column. Turned into a character
/// column only when an error is built (counting characters for every datum would be quadratic
/// on long lines).
#[derive(Clone, Copy, Debug)]
struct Pos {
    line: u32,
    byte_col: usize,
}

/// The known fields, for "did you mean" suggestions.
const FIELDS: &[&str] = &[
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
];

const NATIVE_PARTS: &[&str] = &["sources", "include", "cflags", "link"];

const DEP_KEYS: &[&str] = &["path", "version"];

struct Ctx<'t> {
    text: &'t str,
    path: &'t Path,
    root: PathBuf,
}

impl<'t> Ctx<'t> {
    fn new(text: &'t str, path: &'t Path) -> Self {
        let root = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        Ctx { text, path, root }
    }

    fn err(&self, pos: Option<Pos>, msg: impl Into<String>) -> PkgError {
        let e = PkgError::in_file(self.path, msg);
        match pos.and_then(|p| self.line_col(p)) {
            Some((line, col)) => e.at(line, col),
            None => e,
        }
    }

    /// 1-based line and character column of `p`.
    fn line_col(&self, p: Pos) -> Option<(u32, u32)> {
        let start = self.offset(p.line as usize, 0)?;
        let line = self.text.get(start..)?.split('\n').next()?;
        let mut end = p.byte_col.min(line.len());
        while !line.is_char_boundary(end) {
            end -= 1;
        }
        Some((p.line, to_u32(line[..end].chars().count() + 1)))
    }

    /// A lexpr position (1-based line, 0-based byte column); `None` for lexpr's dummy spans.
    fn position(&self, line: usize, byte_col: usize) -> Option<Pos> {
        if line == 0 {
            return None;
        }
        Some(Pos {
            line: to_u32(line),
            byte_col,
        })
    }

    fn pos(&self, d: Ref<'_>) -> Option<Pos> {
        let start = d.span().start();
        // See [`reader`]: start columns are 1-based bytes.
        self.position(start.line(), start.column().checked_sub(1)?)
    }

    /// A non-empty list headed by a symbol (a field, a dependency key, a native part): its
    /// position, elements and head. `not_list` and `bad_head` word the errors from the
    /// description of what was found instead (the datum, or the list's first element).
    fn headed<'a>(
        &self,
        d: Ref<'a>,
        not_list: impl FnOnce(String) -> String,
        bad_head: impl FnOnce(String) -> String,
    ) -> Result<(Option<Pos>, Vec<Ref<'a>>, &'a str), PkgError> {
        let pos = self.pos(d);
        let items = match self.items(d)? {
            Some(items) if !items.is_empty() => items,
            _ => return Err(self.err(pos, not_list(describe(d.value())))),
        };
        match items[0].value().as_symbol() {
            Some(head) => Ok((pos, items, head)),
            None => Err(self.err(pos, bad_head(describe(items[0].value())))),
        }
    }

    /// The elements of a proper list; `None` when `d` is not a list; an error for `(a . b)`.
    fn items<'a>(&self, d: Ref<'a>) -> Result<Option<Vec<Ref<'a>>>, PkgError> {
        let Some(mut it) = d.list_iter() else {
            return Ok(None);
        };
        let mut out = Vec::new();
        for x in it.by_ref() {
            out.push(x);
        }
        if !it.is_empty() {
            let rest = it.peek().and_then(|r| self.pos(r)).or(self.pos(d));
            return Err(self.err(
                rest,
                "unexpected `.` in a list (dotted pairs are not allowed)",
            ));
        }
        Ok(Some(out))
    }

    fn manifest(&self) -> Result<Manifest, PkgError> {
        let mut parser = reader(self.text);
        let top =
            match parser.next_datum() {
                Ok(Some(d)) => d,
                Ok(None) => return Err(self.err(
                    None,
                    "the manifest is empty (expected `(package (name \"...\") (version \"...\"))`)",
                )),
                Err(e) => return Err(self.syntax_error(&e)),
            };
        match parser.next_datum() {
            Ok(None) => {}
            Ok(Some(extra)) => {
                return Err(self.err(
                    self.pos(extra.as_ref()),
                    "unexpected text after the `(package ...)` form (a manifest holds exactly one)",
                ))
            }
            Err(e) => return Err(self.syntax_error(&e)),
        }
        self.package(top.as_ref())
    }

    fn syntax_error(&self, e: &lexpr::parse::Error) -> PkgError {
        let full = e.to_string();
        let what = full.split(" at line ").next().unwrap_or(&full);
        let (msg, pos) = match what {
            "EOF while parsing a list" | "EOF while parsing a vector" => {
                let open =
                    unclosed_paren(self.text).and_then(|(line, col)| self.position(line, col));
                ("this `(` is never closed".to_string(), open)
            }
            "EOF while parsing a string" => {
                let open =
                    unclosed_string(self.text).and_then(|(line, col)| self.position(line, col));
                (
                    "this string is never closed (missing `\"`)".to_string(),
                    open,
                )
            }
            "invalid number" => (
                "invalid number (values are written as strings, e.g. (version \"0.1.0\"))"
                    .to_string(),
                None,
            ),
            "mismatched parenthesis" => ("mismatched parenthesis".to_string(), None),
            "trailing characters" => (
                "unexpected text after the `(package ...)` form".to_string(),
                None,
            ),
            "recursion limit exceeded" => ("lists nested too deeply".to_string(), None),
            "expected ident" => {
                // lexpr reports the character after `#x`; point at the `#`.
                let hash = e.location().and_then(|l| {
                    let off = self.offset(l.line(), l.column().saturating_sub(1))?;
                    let line_start = self.text.get(..off)?.rfind('\n').map_or(0, |i| i + 1);
                    let hash = line_start + self.text.get(line_start..off)?.rfind('#')?;
                    self.position(l.line(), hash - line_start)
                });
                (
                    "unexpected `#` syntax (a manifest holds only lists, symbols and strings)"
                        .to_string(),
                    hash,
                )
            }
            "expected value" => {
                let c = e.location().and_then(|l| {
                    let off = self.offset(l.line(), l.column().saturating_sub(1))?;
                    self.text.get(off..)?.chars().next()
                });
                let msg = match c {
                    Some(')' | ']') => "unexpected `)` (it closes nothing)".to_string(),
                    Some(c) if !c.is_control() => format!("unexpected character `{c}`"),
                    _ => "unexpected character".to_string(),
                };
                (msg, None)
            }
            other => (format!("syntax error: {}", lowercase_first(other)), None),
        };
        let pos = pos.or_else(|| {
            e.location().and_then(|l| {
                // lexpr's error columns are 1-based bytes.
                self.position(l.line(), l.column().saturating_sub(1))
            })
        });
        self.err(pos, msg)
    }

    fn package(&self, top: Ref<'_>) -> Result<Manifest, PkgError> {
        let top_pos = self.pos(top);
        let expected = "the manifest must be one `(package ...)` form";
        let Some(items) = self.items(top)? else {
            return Err(self.err(
                top_pos,
                format!("{expected}, found {}", describe(top.value())),
            ));
        };
        match items.first().map(|h| h.value()) {
            Some(Value::Symbol(s)) if &**s == "package" => {}
            Some(v) => {
                return Err(self.err(
                    top_pos,
                    format!("{expected}, found a list starting with {}", describe(v)),
                ))
            }
            None => return Err(self.err(top_pos, format!("{expected}, found `()`"))),
        }
        let mut b = Builder::default();
        let mut seen: Vec<(String, Option<Pos>)> = Vec::new();
        for f in items.iter().skip(1) {
            let (fpos, parts, name) = self.headed(
                *f,
                |found| format!("expected a field like (name \"...\"), found {found}"),
                |found| {
                    format!(
                        "expected a field name, found {found} (fields look like (name \"...\"))"
                    )
                },
            )?;
            let quoted = fpos
                .and_then(|p| self.offset(p.line as usize, p.byte_col))
                .and_then(|o| self.text.get(o..))
                .is_some_and(|rest| rest.starts_with(['\'', '`', ',']));
            if quoted {
                return Err(self.err(
                    fpos,
                    "expected a field like (name \"...\"), found a quoted value (quoting has no meaning in a manifest)",
                ));
            }
            if !FIELDS.contains(&name) {
                return Err(self.err(fpos, unknown("field", name, FIELDS)));
            }
            if let Some((_, first)) = seen.iter().find(|(n, _)| n == name) {
                return Err(self.err(
                    fpos,
                    format!("field `{name}` appears twice{}", first_at(*first)),
                ));
            }
            seen.push((name.to_string(), fpos));
            let field = Field {
                name,
                pos: fpos,
                args: &parts[1..],
            };
            self.field(&field, &mut b)?;
        }
        self.finish(b, top_pos)
    }

    fn field(&self, f: &Field<'_, '_>, b: &mut Builder) -> Result<(), PkgError> {
        match f.name {
            "name" => {
                let (s, pos) = self.one_string(f, "\"my-package\"")?;
                if let Err(why) = check_name(&s) {
                    return Err(self.err(pos, format!("field `name`: {why}")));
                }
                b.name = Some((s, pos));
            }
            "version" => {
                let (s, pos) = self.one_string(f, "\"0.1.0\"")?;
                match semver::Version::parse(&s) {
                    Ok(v) => b.version = Some(v),
                    Err(_) => {
                        let hint = if s.starts_with('v') || s.starts_with('V') {
                            " (write it without the `v`, e.g. \"0.1.0\")"
                        } else {
                            " (expected MAJOR.MINOR.PATCH, e.g. \"0.1.0\")"
                        };
                        return Err(self.err(
                            pos,
                            format!(
                                "field `version`: {} is not a semantic version{hint}",
                                quote(&s)
                            ),
                        ));
                    }
                }
            }
            "description" => b.description = Some(self.one_string(f, "\"...\"")?.0),
            "license" => b.license = Some(self.one_string(f, "\"MIT\"")?.0),
            "authors" => {
                let list = self.strings(f, f.args, "\"Ada <ada@example.org>\"")?;
                if list.is_empty() {
                    return Err(self.err(
                        f.pos,
                        "field `authors`: expected one or more strings, e.g. (authors \"Ada <ada@example.org>\")",
                    ));
                }
                b.authors = list.into_iter().map(|(s, _)| s).collect();
            }
            "main" => {
                let (s, pos) = self.one_string(f, "\"main.weir\"")?;
                b.main = Some(self.weir_file(f.name, &s, pos)?);
            }
            "sources" => {
                let mut out: Vec<PathBuf> = Vec::new();
                for (s, pos) in self.strings(f, f.args, "\"lib.weir\"")? {
                    let p = self.weir_file(f.name, &s, pos)?;
                    if out.contains(&p) {
                        return Err(self.err(
                            pos,
                            format!("field `sources`: `{}` is listed twice", p.display()),
                        ));
                    }
                    out.push(p);
                }
                b.sources = Some(out);
            }
            "deps" | "dev-deps" => {
                let dev = f.name == "dev-deps";
                for e in f.args {
                    let dep = self.dependency(f.name, *e)?;
                    let pos = self.pos(*e);
                    if let Some((other, first)) = b
                        .dep_lines
                        .iter()
                        .find(|(n, _, _)| *n == dep.name)
                        .map(|(_, sec, p)| (*sec, *p))
                    {
                        let line = first
                            .map(|p| format!(" at line {}", p.line))
                            .unwrap_or_default();
                        let where_ = if other == f.name {
                            format!(" (first{line})")
                        } else {
                            format!(" (already in `{other}`{line})")
                        };
                        return Err(self.err(
                            pos,
                            format!(
                                "field `{}`: dependency `{}` is declared twice{where_}",
                                f.name, dep.name
                            ),
                        ));
                    }
                    b.dep_lines.push((
                        dep.name.clone(),
                        if dev { "dev-deps" } else { "deps" },
                        pos,
                    ));
                    if dev {
                        b.dev_deps.push(dep);
                    } else {
                        b.deps.push(dep);
                    }
                }
            }
            "native" => b.native = self.native(f)?,
            _ => return Err(self.err(f.pos, unknown("field", f.name, FIELDS))),
        }
        Ok(())
    }

    fn finish(&self, b: Builder, top_pos: Option<Pos>) -> Result<Manifest, PkgError> {
        let Some((name, _)) = b.name else {
            return Err(self.err(
                top_pos,
                "missing required field `name` (add e.g. (name \"my-package\"))",
            ));
        };
        let Some(version) = b.version else {
            return Err(self.err(
                top_pos,
                "missing required field `version` (add e.g. (version \"0.1.0\"))",
            ));
        };
        if let Some((_, sec, pos)) = b.dep_lines.iter().find(|(n, _, _)| *n == name) {
            return Err(self.err(
                *pos,
                format!("field `{sec}`: package `{name}` cannot depend on itself"),
            ));
        }
        Ok(Manifest {
            path: self.path.to_path_buf(),
            root: self.root.clone(),
            name,
            version,
            description: b.description,
            license: b.license,
            authors: b.authors,
            main: b.main,
            sources: b.sources,
            deps: b.deps,
            dev_deps: b.dev_deps,
            native: b.native,
        })
    }

    /// The field's single string argument.
    fn one_string(
        &self,
        f: &Field<'_, '_>,
        example: &str,
    ) -> Result<(String, Option<Pos>), PkgError> {
        let eg = format!("(e.g. ({} {example}))", f.name);
        let Some(first) = f.args.first() else {
            return Err(self.err(f.pos, format!("field `{}` has no value {eg}", f.name)));
        };
        let Value::String(s) = first.value() else {
            // Suggest quoting what was written when it is a plain atom or a few (`0.1.0` reads
            // as two numbers).
            let raw = self.source_text(*first, f.args[f.args.len() - 1]);
            let hint = match raw {
                Some(r)
                    if f.args
                        .iter()
                        .all(|a| matches!(a.value(), Value::Symbol(_) | Value::Number(_)))
                        && !r.contains(['"', '\\', ';', '\n']) =>
                {
                    format!("(write ({} \"{r}\"))", f.name)
                }
                _ => eg,
            };
            let found = match raw {
                Some(r) if f.args.len() > 1 && !r.contains('\n') => format!("`{}`", shorten(r)),
                _ => describe(first.value()),
            };
            return Err(self.err(
                self.pos(*first),
                format!(
                    "field `{}`: expected a string, found {found} {hint}",
                    f.name
                ),
            ));
        };
        if let Some(extra) = f.args.get(1) {
            let hint = match self.pos(*first) {
                Some(p) if s.contains('\n') => format!(
                    "(the string at line {} runs over several lines: is a `\"` missing?)",
                    p.line
                ),
                _ => eg,
            };
            return Err(self.err(
                self.pos(*extra),
                format!("field `{}` has more than one value {hint}", f.name),
            ));
        }
        Ok((s.to_string(), self.pos(*first)))
    }

    /// The source text from the start of `from` to the end of the atom `to`.
    fn source_text(&self, from: Ref<'_>, to: Ref<'_>) -> Option<&'t str> {
        let (a, b) = (self.pos(from)?, self.pos(to)?);
        let a = self.offset(a.line as usize, a.byte_col)?;
        let b = self.offset(b.line as usize, b.byte_col)?;
        let rest = self.text.get(b..)?;
        let len = rest
            .find(|c: char| c.is_whitespace() || "()[];\"".contains(c))
            .unwrap_or(rest.len());
        self.text.get(a..b + len)
    }

    /// Byte offset of lexpr's (1-based line, 0-based byte column).
    fn offset(&self, line: usize, col: usize) -> Option<usize> {
        if line == 0 {
            return None;
        }
        let start = if line == 1 {
            0
        } else {
            self.text.match_indices('\n').nth(line - 2)?.0 + 1
        };
        Some(start + col)
    }

    /// Every argument, each a string.
    fn strings(
        &self,
        f: &Field<'_, '_>,
        args: &[Ref<'_>],
        example: &str,
    ) -> Result<Vec<(String, Option<Pos>)>, PkgError> {
        args.iter()
            .map(|v| match v.value() {
                Value::String(s) => Ok((s.to_string(), self.pos(*v))),
                other => Err(self.err(
                    self.pos(*v),
                    format!(
                        "field `{}`: expected strings, found {} (e.g. ({} {example}))",
                        f.name,
                        describe(other),
                        f.name
                    ),
                )),
            })
            .collect()
    }

    /// A `.weir` file inside the package.
    fn weir_file(&self, field: &str, s: &str, pos: Option<Pos>) -> Result<PathBuf, PkgError> {
        let p = self.inside(field, s, pos)?;
        if p == Path::new(".") {
            return Err(self.err(pos, format!("field `{field}`: {} is not a file", quote(s))));
        }
        if p.extension().and_then(|e| e.to_str()) != Some("weir") {
            return Err(self.err(
                pos,
                format!(
                    "field `{field}`: {} is not a Weir source file (expected a name ending in `.weir`)",
                    quote(s)
                ),
            ));
        }
        Ok(p)
    }

    /// A path relative to the package root that stays inside it, normalised.
    fn inside(&self, field: &str, s: &str, pos: Option<Pos>) -> Result<PathBuf, PkgError> {
        if s.is_empty() {
            return Err(self.err(pos, format!("field `{field}`: the path is empty")));
        }
        let p = match normalise_relative(s) {
            Ok(p) => p,
            Err(why) => return Err(self.err(pos, format!("field `{field}`: {} {why}", quote(s)))),
        };
        let full = self.root.join(&p);
        if let (Ok(canon), Ok(root)) = (full.canonicalize(), self.root.canonicalize()) {
            if !canon.starts_with(&root) {
                return Err(self.err(
                    pos,
                    format!(
                        "field `{field}`: {} leads outside the package through a symbolic link",
                        quote(s)
                    ),
                ));
            }
        }
        Ok(p)
    }

    fn dependency(&self, section: &str, e: Ref<'_>) -> Result<Dependency, PkgError> {
        let pos = self.pos(e);
        let line = pos.map_or(0, |p| p.line);
        let shape = "(expected e.g. (util (path \"../util\")) or (json (version \"^1.2\")))";
        let parts = match self.items(e)? {
            Some(p) if !p.is_empty() => p,
            _ => {
                return Err(self.err(
                    pos,
                    format!(
                        "field `{section}`: expected a dependency, found {} {shape}",
                        describe(e.value())
                    ),
                ))
            }
        };
        let name = match parts[0].value() {
            Value::Symbol(s) => s.to_string(),
            Value::String(s) => {
                return Err(self.err(
                    self.pos(parts[0]),
                    format!(
                        "field `{section}`: write the dependency name without quotes, e.g. ({s} (path \"...\"))"
                    ),
                ))
            }
            other => {
                return Err(self.err(
                    self.pos(parts[0]),
                    format!(
                        "field `{section}`: expected a dependency name, found {} {shape}",
                        describe(other)
                    ),
                ))
            }
        };
        if let Err(why) = check_name(&name) {
            return Err(self.err(self.pos(parts[0]), format!("field `{section}`: {why}")));
        }
        let what = format!("field `{section}`: dependency `{name}`");
        let mut path: Option<(String, Option<Pos>)> = None;
        let mut version: Option<(String, Option<Pos>)> = None;
        for k in &parts[1..] {
            let (kpos, kv, key) = self.headed(
                *k,
                |found| format!("{what}: expected (path \"...\") or (version \"...\"), found {found}"),
                |found| {
                    format!("{what}: expected (path \"...\") or (version \"...\"), found a list starting with {found}")
                },
            )?;
            if !DEP_KEYS.contains(&key) {
                return Err(self.err(kpos, format!("{what}: {}", unknown("key", key, DEP_KEYS))));
            }
            let slot = if key == "path" {
                &mut path
            } else {
                &mut version
            };
            if slot.is_some() {
                return Err(self.err(kpos, format!("{what}: `{key}` is given twice")));
            }
            let val = match &kv[1..] {
                [v] => match v.value() {
                    Value::String(s) => (s.to_string(), self.pos(*v)),
                    other => {
                        return Err(self.err(
                            self.pos(*v),
                            format!(
                                "{what}: expected a string after `{key}`, found {}",
                                describe(other)
                            ),
                        ))
                    }
                },
                _ => {
                    return Err(self.err(kpos, format!("{what}: `{key}` takes exactly one string")))
                }
            };
            *slot = Some(val);
        }
        let source = match (path, version) {
            (Some(_), Some(_)) => {
                return Err(self.err(
                    pos,
                    format!("{what}: give either (path \"...\") or (version \"...\"), not both"),
                ))
            }
            (None, None) => {
                return Err(self.err(
                    pos,
                    format!("{what}: missing (path \"...\") or (version \"...\")"),
                ))
            }
            (Some((p, ppos)), None) => {
                if p.is_empty() || p.contains('\0') {
                    return Err(self.err(ppos, format!("{what}: the path is empty")));
                }
                DepSource::Path(PathBuf::from(p))
            }
            (None, Some((v, vpos))) => match semver::VersionReq::parse(&v) {
                Ok(req) => DepSource::Registry { req },
                Err(err) => {
                    return Err(self.err(
                        vpos,
                        format!(
                            "{what}: {} is not a version requirement ({err}; e.g. \"^1.2\", \"~1.2.3\", \">=1, <2\")",
                            quote(&v)
                        ),
                    ))
                }
            },
        };
        Ok(Dependency { name, source, line })
    }

    fn native(&self, f: &Field<'_, '_>) -> Result<Option<Native>, PkgError> {
        let mut n = Native::default();
        let mut seen: Vec<(&str, Option<Pos>)> = Vec::new();
        let mut given: Vec<&str> = Vec::new();
        for part in f.args {
            let (ppos, items, key) = self.headed(
                *part,
                |found| format!("field `native`: expected a part like (sources \"x.c\"), found {found}"),
                |found| {
                    format!("field `native`: expected a part name (sources, include, cflags or link), found {found}")
                },
            )?;
            let Some(key) = NATIVE_PARTS.iter().copied().find(|k| *k == key) else {
                return Err(self.err(
                    ppos,
                    format!("field `native`: {}", unknown("part", key, NATIVE_PARTS)),
                ));
            };
            if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
                return Err(self.err(
                    ppos,
                    format!("field `native`: `{key}` appears twice{}", first_at(*first)),
                ));
            }
            seen.push((key, ppos));
            let sub = Field {
                name: "native",
                pos: ppos,
                args: &items[1..],
            };
            let values = self.strings(&sub, sub.args, &format!("({key} \"...\")"))?;
            if !values.is_empty() {
                given.push(key);
            }
            for (s, vpos) in values {
                let what = format!("native `{key}`");
                match key {
                    "sources" => {
                        let p = self.inside("native", &s, vpos)?;
                        if p == Path::new(".") {
                            return Err(self.err(
                                vpos,
                                format!("field `native`: {} is not a file", quote(&s)),
                            ));
                        }
                        n.sources.push(p);
                    }
                    "include" => n.include.push(self.inside("native", &s, vpos)?),
                    "cflags" => {
                        if s.trim().is_empty() {
                            return Err(
                                self.err(vpos, format!("field `native`: {what} has an empty flag"))
                            );
                        }
                        n.cflags.push(s);
                    }
                    _ => {
                        if let Some(lib) = s.strip_prefix("-l") {
                            return Err(self.err(
                                vpos,
                                format!("field `native`: write library names without `-l`, e.g. \"{lib}\""),
                            ));
                        }
                        if s.is_empty() || s.starts_with('-') || s.chars().any(char::is_whitespace)
                        {
                            return Err(self.err(
                                vpos,
                                format!("field `native`: {} is not a library name (expected e.g. \"m\" for -lm)", quote(&s)),
                            ));
                        }
                        n.link.push(s);
                    }
                }
            }
        }
        if n.sources.is_empty() {
            if let Some(k) = given.iter().find(|k| **k == "include" || **k == "cflags") {
                return Err(self.err(
                    f.pos,
                    format!("field `native`: `{k}` has no effect without C `sources`"),
                ));
            }
        }
        if n.sources.is_empty() && n.link.is_empty() {
            return Ok(None);
        }
        Ok(Some(n))
    }
}

struct Field<'r, 'a> {
    name: &'r str,
    pos: Option<Pos>,
    args: &'r [Ref<'a>],
}

#[derive(Default)]
struct Builder {
    name: Option<(String, Option<Pos>)>,
    version: Option<semver::Version>,
    description: Option<String>,
    license: Option<String>,
    authors: Vec<String>,
    main: Option<PathBuf>,
    sources: Option<Vec<PathBuf>>,
    deps: Vec<Dependency>,
    dev_deps: Vec<Dependency>,
    /// (name, section, position) of every dependency so far.
    dep_lines: Vec<(String, &'static str, Option<Pos>)>,
    native: Option<Native>,
}

/// Checks a package name: `[a-z][a-z0-9-]*`, at most 64 characters.
pub fn check_name(name: &str) -> Result<(), String> {
    let shown = quote(name);
    let mut chars = name.chars();
    let ok = matches!(chars.next(), Some('a'..='z'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '-'));
    if !ok {
        return Err(format!(
            "{shown} is not a valid package name (expected lowercase letters, digits and `-`, starting with a letter, e.g. \"my-package\")"
        ));
    }
    if name.len() > MAX_NAME_LEN {
        return Err(format!(
            "the package name is {} characters long (at most {MAX_NAME_LEN} are allowed)",
            name.len()
        ));
    }
    Ok(())
}

/// Normalises a relative path lexically; the error completes "PATH ...".
fn normalise_relative(s: &str) -> Result<PathBuf, &'static str> {
    if s.is_empty() {
        return Err("is empty");
    }
    if s.contains('\0') {
        return Err("contains a NUL character");
    }
    let mut out = PathBuf::new();
    let mut depth = 0usize;
    for c in Path::new(s).components() {
        match c {
            Component::Normal(x) => {
                out.push(x);
                depth += 1;
            }
            Component::CurDir => {}
            Component::ParentDir => {
                if depth == 0 {
                    return Err(
                        "leads outside the package (paths are relative to the folder of weir.pkg)",
                    );
                }
                out.pop();
                depth -= 1;
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err("is an absolute path (paths are relative to the folder of weir.pkg)")
            }
        }
    }
    if depth == 0 {
        return Ok(PathBuf::from("."));
    }
    Ok(out)
}

/// The position of the innermost `(`/`[` left open at the end of `text`, as lexpr-style
/// (1-based line, 0-based byte column). Skips strings, comments and `#\x` characters.
fn unclosed_paren(text: &str) -> Option<(usize, usize)> {
    let b = text.as_bytes();
    let mut stack: Vec<(usize, usize)> = Vec::new();
    let (mut line, mut line_start) = (1usize, 0usize);
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\n' => {
                line += 1;
                line_start = i + 1;
            }
            b';' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    if i < b.len() && b[i] == b'\n' {
                        line += 1;
                        line_start = i + 1;
                    }
                    i += 1;
                }
            }
            b'#' if b.get(i + 1) == Some(&b'\\') => i += 2,
            b'(' | b'[' => stack.push((line, i - line_start)),
            b')' | b']' => {
                stack.pop();
            }
            _ => {}
        }
        i += 1;
    }
    stack.pop()
}

/// Where the string left open at the end of `text` starts, as lexpr-style (1-based line, 0-based
/// byte column).
fn unclosed_string(text: &str) -> Option<(usize, usize)> {
    let b = text.as_bytes();
    let (mut line, mut line_start) = (1usize, 0usize);
    let mut open = None;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\n' => {
                line += 1;
                line_start = i + 1;
            }
            b';' if open.is_none() => {
                while i + 1 < b.len() && b[i + 1] != b'\n' {
                    i += 1;
                }
            }
            b'#' if open.is_none() && b.get(i + 1) == Some(&b'\\') => i += 2,
            b'\\' if open.is_some() => i += 1,
            b'"' => {
                open = match open {
                    Some(_) => None,
                    None => Some((line, i - line_start)),
                }
            }
            _ => {}
        }
        i += 1;
    }
    open
}

/// A user string for a message: quoted, escaped, shortened.
fn quote(s: &str) -> String {
    let short: String = s.chars().take(60).collect();
    let more = if short.len() < s.len() { "..." } else { "" };
    format!("{:?}", format!("{short}{more}"))
}

fn describe(v: &Value) -> String {
    match v {
        Value::String(s) => format!("the string {}", quote(s)),
        Value::Symbol(s) => format!("the symbol `{}`", shorten(s)),
        Value::Keyword(s) => format!("the keyword `{}`", shorten(s)),
        Value::Number(n) => format!("the number `{n}`"),
        Value::Bool(b) => format!("`#{}`", if *b { "t" } else { "f" }),
        Value::Char(c) => format!("the character {c:?}"),
        Value::Null => "`()`".to_string(),
        Value::Nil => "`#nil`".to_string(),
        Value::Bytes(_) => "a byte vector".to_string(),
        Value::Vector(_) => "a vector".to_string(),
        Value::Cons(c) => match c.car().as_symbol() {
            Some("quote" | "quasiquote" | "unquote" | "unquote-splicing") => {
                "a quoted value".to_string()
            }
            _ => "a list".to_string(),
        },
    }
}

fn shorten(s: &str) -> String {
    let short: String = s.chars().take(60).collect();
    if short.len() < s.len() {
        format!("{short}...")
    } else {
        short
    }
}

fn lowercase_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

fn first_at(first: Option<Pos>) -> String {
    match first {
        Some(p) => format!(" (first at line {})", p.line),
        None => String::new(),
    }
}

/// "unknown field `x`", with the closest known name when it is close.
fn unknown(kind: &str, got: &str, known: &[&str]) -> String {
    let aliases: &[(&str, &str)] = &[
        ("dependencies", "deps"),
        ("dev-dependencies", "dev-deps"),
        ("dev_deps", "dev-deps"),
        ("author", "authors"),
        ("src", "sources"),
        ("entry", "main"),
        ("libs", "link"),
        ("includes", "include"),
    ];
    let alias = aliases
        .iter()
        .find(|(a, k)| *a == got && known.contains(k))
        .map(|(_, k)| *k);
    let close = alias.or_else(|| {
        known
            .iter()
            .map(|k| (edit_distance(got, k), *k))
            .filter(|(d, k)| *d <= 2.max(k.len() / 3) && *d < k.len())
            .min()
            .map(|(_, k)| k)
    });
    let got = shorten(got);
    match close {
        Some(k) => format!("unknown {kind} `{got}` (did you mean `{k}`?)"),
        None => format!("unknown {kind} `{got}` (known: {})", known.join(", ")),
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().take(100).collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise() {
        assert_eq!(
            normalise_relative("a/./b/../c.weir"),
            Ok(PathBuf::from("a/c.weir"))
        );
        assert_eq!(normalise_relative("."), Ok(PathBuf::from(".")));
        assert!(normalise_relative("a/../../x").is_err());
        assert!(normalise_relative("/etc/passwd").is_err());
        assert!(normalise_relative("").is_err());
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            unknown("field", "verison", FIELDS),
            "unknown field `verison` (did you mean `version`?)"
        );
        assert_eq!(
            unknown("field", "dependencies", FIELDS),
            "unknown field `dependencies` (did you mean `deps`?)"
        );
        assert!(unknown("field", "zzz", FIELDS).contains("known: name"));
    }

    #[test]
    fn names() {
        assert!(check_name("weir-gl").is_ok());
        assert!(check_name("a1").is_ok());
        assert!(check_name("1a").is_err());
        assert!(check_name("Tetris").is_err());
        assert!(check_name("").is_err());
        assert!(check_name(&"a".repeat(64)).is_ok());
        assert!(check_name(&"a".repeat(65)).is_err());
    }
}
