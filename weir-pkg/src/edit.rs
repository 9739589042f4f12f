//! Editing `weir.pkg` as text for `weir add` / `weir remove` (packages.md §7): pure functions from
//! manifest text to manifest text, no I/O.
//!
//! Invariants
//! - Comments and layout survive: only the bytes of the edited entry (and the closing parens or
//!   field it must move or remove) change; everything else is byte-identical. Line endings
//!   (`\n` or `\r\n`, taken from the first line break) and indentation (tabs or spaces, taken from
//!   the neighbouring entries) follow the file.
//! - Both functions parse the input with [`Manifest::parse`] first (an invalid manifest is
//!   reported, not edited) and parse the result again: they return an error, never a broken
//!   manifest, and the result holds exactly the requested change.
//! - Entry order is kept: a new entry goes after the last one (never sorted in); a changed entry
//!   is changed in place (only its `(path ...)`/`(version ...)` part, or only the string in it).
//!
//! Layout rules (see `test_data/edit/` for every case)
//! - Adding to a field written on one line (`(deps (a (path "x")))`, `(deps)`) appends the entry
//!   on that line. Otherwise the entry gets its own line after the last entry, indented like the
//!   entries that start a line (else like the comments inside the field, else the field's line
//!   plus two spaces or one tab). When the field's closing parens follow the last entry on its line
//!   (`(json (version "^1.2")))   ; note`), they move to the end of the new line; a comment after
//!   them stays on the old line at the same column.
//! - A missing field is added after the last field, on its own lines (`(deps` then the entry one
//!   level deeper), or inline when `(package ...)` is written on one line.
//! - Removing an entry that starts its line removes its line(s), with a comment at the end of its
//!   last line; closing parens that followed it move to the end of the previous entry (before that
//!   entry's own comment, at the same column when there is room). An entry that shares its line
//!   with what comes before it is cut together with the space before it. Comments on other lines
//!   stay.
//! - A field left empty by `remove_dep` and holding no comment is removed too, so that adding a
//!   dependency and removing it again gives back the original text.
//! - A dependency may appear in only one of `deps`/`dev-deps` (the manifest rejects duplicates
//!   across them), so adding a name that is in the other field moves it ([`AddOutcome::Moved`]).

use std::fmt;
use std::path::Path;

use crate::manifest::{check_name, Manifest};
use crate::PkgError;

/// The manifest field a dependency lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// `deps`
    Deps,
    /// `dev-deps` (used by `weir test` only)
    DevDeps,
}

impl Section {
    /// The field's name in `weir.pkg`.
    pub fn field(self) -> &'static str {
        match self {
            Section::Deps => "deps",
            Section::DevDeps => "dev-deps",
        }
    }

    fn other(self) -> Section {
        match self {
            Section::Deps => Section::DevDeps,
            Section::DevDeps => Section::Deps,
        }
    }
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.field())
    }
}

/// What a dependency entry says, as written in the manifest's string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DepSpec {
    /// `(version "REQ")`: a registry dependency with a Cargo-style requirement.
    Version(String),
    /// `(path "P")`: a folder holding a `weir.pkg`, relative to the manifest's folder.
    Path(String),
}

impl DepSpec {
    fn key(&self) -> &'static str {
        match self {
            DepSpec::Version(_) => "version",
            DepSpec::Path(_) => "path",
        }
    }

    /// The requirement or the path.
    pub fn value(&self) -> &str {
        match self {
            DepSpec::Version(s) | DepSpec::Path(s) => s,
        }
    }
}

impl fmt::Display for DepSpec {
    /// `^1.2.0` for a version, `path ../util` for a path.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DepSpec::Version(r) => f.write_str(r),
            DepSpec::Path(p) => write!(f, "path {p}"),
        }
    }
}

/// What [`add_dep`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddOutcome {
    /// A new entry.
    Added,
    /// The entry existed in the same field with another spec, now changed in place.
    Replaced { old: DepSpec },
    /// The entry existed in the other field; it was removed there and added here.
    Moved { from: Section, old: DepSpec },
    /// The entry already says exactly this (the text is returned unchanged).
    Unchanged,
}

/// Adds (or changes) dependency `name` in `section` of the manifest `text`; `path` names the
/// manifest in errors (and its folder is the package root, as for [`Manifest::parse`]).
pub fn add_dep(
    text: &str,
    path: &Path,
    section: Section,
    name: &str,
    spec: &DepSpec,
) -> Result<(String, AddOutcome), PkgError> {
    check_name(name).map_err(|m| PkgError::in_file(path, m))?;
    check_spec(spec).map_err(|m| PkgError::in_file(path, m))?;
    let manifest = Manifest::parse(text, path)?;
    if manifest.name == name {
        return Err(PkgError::in_file(
            path,
            format!("package `{name}` cannot depend on itself"),
        ));
    }
    let doc = Doc::parse(text).map_err(|m| internal(path, m))?;
    let (outcome, base) = match doc.find_entry(section, name) {
        Some((_, entry)) => {
            let old = doc.spec_of(entry).map_err(|m| internal(path, m))?;
            if old == *spec {
                return Ok((text.to_string(), AddOutcome::Unchanged));
            }
            let out = apply(text, doc.replace_spec(entry, spec));
            verify(&manifest, &out, path, name, Some((section, spec)))?;
            return Ok((out, AddOutcome::Replaced { old }));
        }
        None => match doc.find_entry(section.other(), name) {
            Some((_, entry)) => {
                let old = doc.spec_of(entry).map_err(|m| internal(path, m))?;
                let out =
                    remove_entry(text, section.other(), name).map_err(|m| internal(path, m))?;
                let from = section.other();
                (AddOutcome::Moved { from, old }, out)
            }
            None => (AddOutcome::Added, text.to_string()),
        },
    };
    let doc = Doc::parse(&base).map_err(|m| internal(path, m))?;
    let out = apply(
        &base,
        doc.insert_entry(section, name, spec)
            .map_err(|m| internal(path, m))?,
    );
    verify(&manifest, &out, path, name, Some((section, spec)))?;
    Ok((out, outcome))
}

/// Removes dependency `name` from the manifest `text` (from `deps` or `dev-deps`, wherever it
/// is) and returns the new text and the field it was in. An error naming the manifest when
/// `name` is in neither.
pub fn remove_dep(text: &str, path: &Path, name: &str) -> Result<(String, Section), PkgError> {
    check_name(name).map_err(|m| PkgError::in_file(path, m))?;
    let manifest = Manifest::parse(text, path)?;
    let section = if manifest.deps.iter().any(|d| d.name == name) {
        Section::Deps
    } else if manifest.dev_deps.iter().any(|d| d.name == name) {
        Section::DevDeps
    } else {
        let list = |deps: &[crate::manifest::Dependency]| {
            if deps.is_empty() {
                "(none)".to_string()
            } else {
                deps.iter()
                    .map(|d| d.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        return Err(PkgError::in_file(
            path,
            format!("`{name}` is not a dependency of package `{}` (it is in neither `deps` nor `dev-deps`)", manifest.name),
        )
        .with_detail(format!(
            "deps: {}\ndev-deps: {}",
            list(&manifest.deps),
            list(&manifest.dev_deps)
        )));
    };
    let out = remove_entry(text, section, name).map_err(|m| internal(path, m))?;
    verify(&manifest, &out, path, name, None)?;
    Ok((out, section))
}

fn check_spec(spec: &DepSpec) -> Result<(), String> {
    match spec {
        DepSpec::Version(r) => semver::VersionReq::parse(r).map(|_| ()).map_err(|e| {
            format!(
                "{r:?} is not a version requirement ({e}; e.g. \"^1.2\", \"~1.2.3\", \">=1, <2\")"
            )
        }),
        DepSpec::Path(p) if p.is_empty() => Err("the dependency path is empty".to_string()),
        DepSpec::Path(p) if p.chars().any(char::is_control) => Err(format!(
            "the dependency path {p:?} contains a control character"
        )),
        DepSpec::Path(_) => Ok(()),
    }
}

fn internal(path: &Path, message: String) -> PkgError {
    PkgError::in_file(
        path,
        format!("internal error while editing the manifest: {message}"),
    )
    .with_detail("note: this is a bug in weir; the manifest was not changed")
}

/// Parses the edited text and checks it holds `want` (section and spec of `name`), or no `name`
/// at all, and that everything else means what it meant in `before`.
fn verify(
    before: &Manifest,
    out: &str,
    path: &Path,
    name: &str,
    want: Option<(Section, &DepSpec)>,
) -> Result<(), PkgError> {
    let after = Manifest::parse(out, path).map_err(|e| {
        internal(
            path,
            format!("the edited text is not a valid manifest ({})", e.message),
        )
    })?;
    let doc = Doc::parse(out).map_err(|e| internal(path, e))?;
    let present = after
        .deps
        .iter()
        .chain(&after.dev_deps)
        .any(|d| d.name == name);
    let asked = match want {
        None => !present,
        Some((section, spec)) => match doc.find_entry(section, name) {
            Some((_, entry)) => doc.spec_of(entry).ok().as_ref() == Some(spec),
            None => false,
        },
    };
    if !asked {
        return Err(internal(
            path,
            "the edited text does not say what was asked".to_string(),
        ));
    }
    // The rest, without line numbers (they move).
    let rest = |m: &Manifest| {
        let mut m = m.clone();
        for list in [&mut m.deps, &mut m.dev_deps] {
            list.retain(|d| d.name != name);
            list.iter_mut().for_each(|d| d.line = 0);
        }
        m
    };
    if rest(before) != rest(&after) {
        return Err(internal(
            path,
            "the edit changed more than the dependency".to_string(),
        ));
    }
    Ok(())
}

/// Removes entry `name` of `section` (which must exist), and the field when that leaves it empty
/// and without comments.
fn remove_entry(text: &str, section: Section, name: &str) -> Result<String, String> {
    let doc = Doc::parse(text)?;
    let (_, entry) = doc
        .find_entry(section, name)
        .ok_or_else(|| format!("cannot find `{name}` in `{section}`"))?;
    let out = apply(text, doc.remove_item(&Node::List(entry.clone())));
    let doc = Doc::parse(&out)?;
    let pkg = doc.package()?;
    if let Some(field) = doc.field(pkg, section.field()) {
        let has_comment = (field.open + 1..field.close).any(|i| doc.toks[i].kind == Kind::Comment);
        if field.items.len() == 1 && !has_comment {
            return Ok(apply(&out, doc.remove_item(&Node::List(field.clone()))));
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------- the scanner

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `(`, `[` or `#(`
    Open,
    /// `)` or `]`
    Close,
    /// A symbol, string, number or character.
    Atom,
    /// `;` to the end of the line (without the line break, `\r` included).
    Comment,
}

#[derive(Debug, Clone, Copy)]
struct Tok {
    kind: Kind,
    start: usize,
    end: usize,
}

/// A list: the indices of its paren tokens and its elements (comments are not elements).
#[derive(Debug, Clone)]
struct List {
    open: usize,
    close: usize,
    items: Vec<Node>,
}

#[derive(Debug, Clone)]
enum Node {
    Atom(usize),
    List(List),
}

impl Node {
    fn first_tok(&self) -> usize {
        match self {
            Node::Atom(i) => *i,
            Node::List(l) => l.open,
        }
    }

    fn last_tok(&self) -> usize {
        match self {
            Node::Atom(i) => *i,
            Node::List(l) => l.close,
        }
    }
}

fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t' | b'\r' | b'\n' | 0x0c | b'(' | b')' | b'[' | b']' | b'"' | b';'
    )
}

/// Splits `text` into tokens: lexpr's syntax as far as structure goes (strings with `\`
/// escapes, `;` comments, `#\x` characters, `#(` vectors).
fn tokenize(text: &str) -> Result<Vec<Tok>, String> {
    let b = text.as_bytes();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        let kind = match b[i] {
            b' ' | b'\t' | b'\r' | b'\n' | 0x0c => {
                i += 1;
                continue;
            }
            b';' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                Kind::Comment
            }
            b'"' => {
                i += 1;
                loop {
                    match b.get(i) {
                        None => return Err("a string is never closed".to_string()),
                        Some(b'"') => break,
                        Some(b'\\') => i += 2,
                        Some(_) => i += 1,
                    }
                }
                i += 1;
                Kind::Atom
            }
            b'(' | b'[' => {
                i += 1;
                Kind::Open
            }
            b')' | b']' => {
                i += 1;
                Kind::Close
            }
            b'#' if b.get(i + 1) == Some(&b'(') => {
                i += 2;
                Kind::Open
            }
            _ => {
                if b[i] == b'#' && b.get(i + 1) == Some(&b'\\') {
                    // `#\(` is a character: skip the character itself, whatever it is.
                    i += 2;
                    if i < b.len() {
                        i += text[i..].chars().next().map_or(1, char::len_utf8);
                    }
                }
                while i < b.len() && !is_delimiter(b[i]) {
                    i += 1;
                }
                Kind::Atom
            }
        };
        let mut end = i.min(b.len());
        if kind == Kind::Comment && end > start && b[end - 1] == b'\r' {
            end -= 1;
        }
        toks.push(Tok { kind, start, end });
    }
    Ok(toks)
}

/// Builds the list structure without recursion.
fn build(toks: &[Tok]) -> Result<Vec<Node>, String> {
    let mut stack: Vec<(usize, Vec<Node>)> = Vec::new();
    let mut top = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        let node = match t.kind {
            Kind::Comment => continue,
            Kind::Open => {
                stack.push((i, Vec::new()));
                continue;
            }
            Kind::Atom => Node::Atom(i),
            Kind::Close => {
                let (open, items) = stack.pop().ok_or("unbalanced `)`")?;
                Node::List(List {
                    open,
                    close: i,
                    items,
                })
            }
        };
        match stack.last_mut() {
            Some((_, items)) => items.push(node),
            None => top.push(node),
        }
    }
    if !stack.is_empty() {
        return Err("a `(` is never closed".to_string());
    }
    Ok(top)
}

/// One replacement: the byte range and its new text.
type Edit = (std::ops::Range<usize>, String);

/// Applies non-overlapping edits (an overlap, which would be a bug, is clipped rather than
/// panicking; the result is checked by parsing it anyway).
fn apply(text: &str, mut edits: Vec<Edit>) -> String {
    edits.sort_by_key(|(r, _)| (r.start, r.end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for (r, s) in edits {
        let start = r.start.max(at);
        out.push_str(&text[at..start]);
        out.push_str(&s);
        at = r.end.max(start);
    }
    out.push_str(&text[at..]);
    out
}

/// What follows a datum on its line: closing parens, then nothing, a comment or something else.
struct Tail {
    /// Length of the run of whitespace and closing parens right after the datum, up to its last
    /// paren (0 when no paren follows).
    parens: usize,
    rest: Rest,
}

#[derive(PartialEq, Eq)]
enum Rest {
    Nothing,
    Comment,
    Other,
}

struct Doc<'t> {
    text: &'t str,
    toks: Vec<Tok>,
    top: Vec<Node>,
    nl: &'static str,
}

impl<'t> Doc<'t> {
    fn parse(text: &'t str) -> Result<Doc<'t>, String> {
        let toks = tokenize(text)?;
        let top = build(&toks)?;
        let nl = match text.find('\n') {
            Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
            _ => "\n",
        };
        Ok(Doc {
            text,
            toks,
            top,
            nl,
        })
    }

    fn tok_text(&self, i: usize) -> &'t str {
        &self.text[self.toks[i].start..self.toks[i].end]
    }

    /// The head symbol of a list.
    fn head(&self, l: &List) -> Option<&'t str> {
        match l.items.first()? {
            Node::Atom(i) => Some(self.tok_text(*i)),
            Node::List(_) => None,
        }
    }

    fn package(&self) -> Result<&List, String> {
        match self.top.first() {
            Some(Node::List(l)) if self.head(l) == Some("package") => Ok(l),
            _ => Err("cannot find the `(package ...)` form".to_string()),
        }
    }

    /// The sub-list of `l` headed by `name`.
    fn child<'a>(&self, l: &'a List, name: &str) -> Option<&'a List> {
        l.items.iter().skip(1).find_map(|n| match n {
            Node::List(c) if self.head(c) == Some(name) => Some(c),
            _ => None,
        })
    }

    fn field<'a>(&self, pkg: &'a List, name: &str) -> Option<&'a List> {
        self.child(pkg, name)
    }

    /// The field and the entry of `name` in `section`.
    fn find_entry(&self, section: Section, name: &str) -> Option<(&List, &List)> {
        let field = self.field(self.package().ok()?, section.field())?;
        Some((field, self.child(field, name)?))
    }

    /// The `(path ...)`/`(version ...)` part of an entry and its string atom.
    fn key_part<'a>(&self, entry: &'a List) -> Result<(&'a List, &'static str, usize), String> {
        for key in ["path", "version"] {
            if let Some(part) = self.child(entry, key) {
                if let [_, Node::Atom(v)] = part.items.as_slice() {
                    return Ok((part, key, *v));
                }
            }
        }
        Err("a dependency entry has no (path \"...\") or (version \"...\")".to_string())
    }

    fn spec_of(&self, entry: &List) -> Result<DepSpec, String> {
        let (_, key, v) = self.key_part(entry)?;
        let raw = self.tok_text(v);
        let value = match lexpr::from_str(raw) {
            Ok(lexpr::Value::String(s)) => s.to_string(),
            _ => return Err(format!("cannot read the string {raw}")),
        };
        Ok(if key == "path" {
            DepSpec::Path(value)
        } else {
            DepSpec::Version(value)
        })
    }

    /// Changes an entry's spec: only the string when the key stays, else the whole key part.
    fn replace_spec(&self, entry: &List, spec: &DepSpec) -> Vec<Edit> {
        let Ok((part, key, v)) = self.key_part(entry) else {
            return Vec::new();
        };
        if key == spec.key() {
            let t = self.toks[v];
            vec![(t.start..t.end, quote(spec.value()))]
        } else {
            let range = self.toks[part.open].start..self.toks[part.close].end;
            vec![(range, key_part_text(spec))]
        }
    }

    // ------------------------------------------------------------ lines

    fn line_start(&self, pos: usize) -> usize {
        self.text[..pos].rfind('\n').map_or(0, |i| i + 1)
    }

    /// The end of `pos`'s line, before its `\n` or `\r\n`.
    fn line_end(&self, pos: usize) -> usize {
        match self.text[pos..].find('\n') {
            Some(i) => {
                let nl = pos + i;
                if nl > pos && self.text.as_bytes()[nl - 1] == b'\r' {
                    nl - 1
                } else {
                    nl
                }
            }
            None => self.text.len(),
        }
    }

    /// Whether only blanks precede `pos` on its line.
    fn starts_line(&self, pos: usize) -> bool {
        self.text[self.line_start(pos)..pos]
            .bytes()
            .all(|b| b == b' ' || b == b'\t')
    }

    fn same_line(&self, a: usize, b: usize) -> bool {
        !self.text[a.min(b)..a.max(b)].contains('\n')
    }

    /// The blanks that start `pos`'s line.
    fn indent_of(&self, pos: usize) -> &'t str {
        let start = self.line_start(pos);
        let line = &self.text[start..];
        let n = line
            .bytes()
            .take_while(|b| *b == b' ' || *b == b'\t')
            .count();
        &line[..n]
    }

    /// One more level than `indent`: a tab when it uses tabs, else two spaces.
    fn deeper(indent: &str) -> String {
        let unit = if indent.contains('\t') { "\t" } else { "  " };
        format!("{indent}{unit}")
    }

    /// The indentation for a new element of `l`.
    fn child_indent(&self, l: &List) -> String {
        for item in l.items.iter().skip(1).rev() {
            let s = self.toks[item.first_tok()].start;
            if self.starts_line(s) {
                return self.indent_of(s).to_string();
            }
        }
        for i in (l.open + 1..l.close).rev() {
            let t = self.toks[i];
            if t.kind == Kind::Comment && self.starts_line(t.start) {
                return self.indent_of(t.start).to_string();
            }
        }
        Self::deeper(self.indent_of(self.toks[l.open].start))
    }

    fn tail(&self, pos: usize) -> Tail {
        let line = &self.text[pos..self.line_end(pos)];
        let run = line
            .bytes()
            .take_while(|b| matches!(b, b' ' | b'\t' | b')' | b']'))
            .count();
        let parens = line[..run].trim_end_matches([' ', '\t']).len();
        let rest = line[parens..].trim_start_matches([' ', '\t']);
        let rest = if rest.is_empty() {
            Rest::Nothing
        } else if rest.starts_with(';') {
            Rest::Comment
        } else {
            Rest::Other
        };
        Tail { parens, rest }
    }

    // ------------------------------------------------------------ inserting

    /// Edits that add `name` to `section`, creating the field when missing.
    fn insert_entry(
        &self,
        section: Section,
        name: &str,
        spec: &DepSpec,
    ) -> Result<Vec<Edit>, String> {
        let pkg = self.package()?;
        let entry = entry_text(name, spec);
        match self.field(pkg, section.field()) {
            Some(field) => Ok(self.append(field, &entry, &entry, &self.child_indent(field))),
            None => {
                let indent = self.child_indent(pkg);
                let inline = format!("({} {entry})", section.field());
                let block = format!(
                    "({}{}{}{entry})",
                    section.field(),
                    self.nl,
                    Self::deeper(&indent)
                );
                Ok(self.append(pkg, &inline, &block, &indent))
            }
        }
    }

    /// Edits that add an element at the end of `l`: `inline` when `l` is on one line, else
    /// `block` on a new line indented by `indent`.
    fn append(&self, l: &List, inline: &str, block: &str, indent: &str) -> Vec<Edit> {
        let open = self.toks[l.open].start;
        let close = self.toks[l.close].start;
        // After the last element; in a list with only its head, after its last comment.
        let anchor = if l.items.len() > 1 {
            l.items[l.items.len() - 1].last_tok()
        } else {
            l.close - 1
        };
        let at = self.toks[anchor].end;
        if self.same_line(open, close) {
            return vec![(at..at, format!(" {inline}"))];
        }
        let eol = self.line_end(at);
        let new_line = format!("{}{indent}{block}", self.nl);
        if self.toks[anchor].kind == Kind::Comment {
            return vec![(eol..eol, new_line)];
        }
        let tail = self.tail(at);
        match tail.rest {
            Rest::Other => vec![(at..at, new_line)],
            _ if tail.parens == 0 => vec![(eol..eol, new_line)],
            Rest::Comment => {
                // Keep the comment where it is; the parens move to the new line.
                let parens = &self.text[at..at + tail.parens];
                vec![
                    (at..at + tail.parens, " ".repeat(tail.parens)),
                    (eol..eol, format!("{new_line}{}", parens.trim_start())),
                ]
            }
            Rest::Nothing => {
                let parens = self.text[at..at + tail.parens].trim_start();
                vec![(at..eol, format!("{new_line}{parens}"))]
            }
        }
    }

    // ------------------------------------------------------------ removing

    /// Edits that remove the element `x` (not a head) and the layout that belongs to it.
    fn remove_item(&self, x: &Node) -> Vec<Edit> {
        let (first, last) = (x.first_tok(), x.last_tok());
        let s = self.toks[first].start;
        let e = self.toks[last].end;
        if !self.starts_line(s) {
            // Something precedes it on its line: cut it with the blanks before it.
            let prev_end = self.toks[first - 1].end;
            return vec![(prev_end..e, String::new())];
        }
        let tail = self.tail(e);
        if tail.rest == Rest::Other {
            let next = self.toks.get(last + 1).map_or(e, |t| t.start);
            return vec![(s..next, String::new())];
        }
        let mut edits = vec![self.whole_lines(s, e)];
        if tail.parens > 0 {
            // The parens that closed the list after `x` go after the element before it.
            let parens = self.text[e..e + tail.parens].trim_start().to_string();
            let Some(q) = (0..first)
                .rev()
                .find(|i| self.toks[*i].kind != Kind::Comment)
            else {
                return Vec::new();
            };
            let q_end = self.toks[q].end;
            let next = self.toks[q + 1];
            let gap = &self.text[q_end..next.start];
            let room = next.kind == Kind::Comment
                && self.same_line(q_end, next.start)
                && gap.len() > parens.len()
                && gap.bytes().all(|b| b == b' ');
            if room {
                edits.push((q_end..q_end + parens.len(), parens));
            } else {
                edits.push((q_end..q_end, parens));
            }
        }
        edits
    }

    /// The range covering the whole lines of `s..e` with one line break.
    fn whole_lines(&self, s: usize, e: usize) -> Edit {
        let start = self.line_start(s);
        let end = self.line_end(e);
        let b = self.text.as_bytes();
        if end < b.len() {
            // Through the line break.
            let after = if b[end] == b'\r' { end + 2 } else { end + 1 };
            (start..after.min(b.len()), String::new())
        } else {
            // The last line has no line break: take the one before it.
            let mut from = start;
            if from > 0 {
                from -= 1;
                if from > 0 && b[from - 1] == b'\r' {
                    from -= 1;
                }
            }
            (from..end, String::new())
        }
    }
}

/// A manifest string literal.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn key_part_text(spec: &DepSpec) -> String {
    format!("({} {})", spec.key(), quote(spec.value()))
}

fn entry_text(name: &str, spec: &DepSpec) -> String {
    format!("({name} {})", key_part_text(spec))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        let text = "(a \"x)\\\"\" ; c)\r\n #\\( [b])";
        let kinds: Vec<Kind> = tokenize(text).unwrap().iter().map(|t| t.kind).collect();
        use Kind::*;
        assert_eq!(
            kinds,
            vec![Open, Atom, Atom, Comment, Atom, Open, Atom, Close, Close]
        );
        let toks = tokenize(text).unwrap();
        assert_eq!(&text[toks[3].start..toks[3].end], "; c)");
        assert_eq!(&text[toks[4].start..toks[4].end], "#\\(");
        assert!(build(&toks).is_ok());
        assert!(build(&tokenize("(a").unwrap()).is_err());
        assert!(build(&tokenize("a)").unwrap()).is_err());
        assert!(tokenize("\"abc").is_err());
    }

    #[test]
    fn quoting() {
        assert_eq!(quote(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(quote("^1.2"), "\"^1.2\"");
    }
}
