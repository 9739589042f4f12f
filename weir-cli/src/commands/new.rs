//! `weir new NAME` and `weir init`: create a package from one of the templates of the
//! repository's `templates/` folder (packages.md §7).
//!
//! Invariants:
//! - The templates are compiled into the binary ([`TEMPLATES`], `include_str!` of every file), so
//!   an installed `weir` needs no repository. `weir-cli/tests/new.rs` checks that the table and the
//!   `templates/` folder hold the same files.
//! - In template files (contents and paths) `{{name}}` is the package name and `{{c_name}}` the
//!   package name with `-` written `_` (for C identifiers); nothing else is substituted.
//! - A user's file is never overwritten: every file is checked before anything is written, and
//!   each is then created with `create_new`, so a file that appears in between makes the command
//!   fail rather than be replaced. Nothing is removed on failure.
//! - The package name is validated with `weir_pkg::manifest::check_name` before anything is
//!   created, and Weir's reserved words are refused (the root module could not be imported).
//! - `git init` runs only when `git` can be started and the new package is not already inside a
//!   git work tree; its output and failure are ignored.

use std::ffi::OsStr;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use weir_pkg::manifest::{check_name, MANIFEST_NAME};

use super::{shown_path, status, FAILURE};
use crate::shell::Shell;

/// Which template to start from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TemplateKind {
    /// An application: `src/main.weir` holds `main`.
    App,
    /// A library: `src/lib.weir`, `src/util.weir` and `tests/basic.weir`.
    Lib,
    /// A library with C code in `native/`, bound with `extern "C"`.
    #[value(name = "c-lib")]
    CLib,
    /// An application that opens a window with GLFW and OpenGL (needs both installed).
    #[value(name = "gl-app")]
    GlApp,
}

/// One template: its files (path, contents), both before substitution. Its folder under
/// `templates/` is the kind's name on the command line (`c-lib`).
pub struct Template {
    pub kind: TemplateKind,
    pub files: &'static [(&'static str, &'static str)],
}

macro_rules! template_files {
    ($dir:literal: $($path:literal),* $(,)?) => {
        &[$((
            $path,
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../templates/", $dir, "/", $path)),
        )),*]
    };
}

/// Every template, with every file of its folder.
pub const TEMPLATES: &[Template] = &[
    Template {
        kind: TemplateKind::App,
        files: template_files!("app": ".gitignore", "weir.pkg", "src/main.weir"),
    },
    Template {
        kind: TemplateKind::Lib,
        files: template_files!(
            "lib": ".gitignore",
            "weir.pkg",
            "src/lib.weir",
            "src/util.weir",
            "tests/basic.weir",
        ),
    },
    Template {
        kind: TemplateKind::CLib,
        files: template_files!(
            "c-lib": ".gitignore",
            "weir.pkg",
            "native/{{name}}.c",
            "native/{{name}}.h",
            "src/lib.weir",
            "tests/basic.weir",
        ),
    },
    Template {
        kind: TemplateKind::GlApp,
        files: template_files!(
            "gl-app": ".gitignore",
            "weir.pkg",
            "native/gl.c",
            "src/main.weir",
        ),
    },
];

impl TemplateKind {
    fn template(self) -> &'static Template {
        // Every kind has exactly one entry (checked by a unit test below).
        TEMPLATES
            .iter()
            .find(|t| t.kind == self)
            .unwrap_or(&TEMPLATES[0])
    }

    fn is_app(self) -> bool {
        matches!(self, TemplateKind::App | TemplateKind::GlApp)
    }
}

#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// The package name: lowercase letters, digits and `-`, starting with a letter.
    pub name: String,
    /// Create a library (the same as `--template lib`).
    #[arg(long, conflicts_with = "template")]
    pub lib: bool,
    /// The template to start from [default: app].
    #[arg(long, value_enum, value_name = "TEMPLATE")]
    pub template: Option<TemplateKind>,
    /// The folder to create the package in [default: ./NAME]; it must not exist or be empty.
    #[arg(long, value_name = "DIR")]
    pub path: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Create a library (the same as `--template lib`).
    #[arg(long, conflicts_with = "template")]
    pub lib: bool,
    /// The template to start from [default: app].
    #[arg(long, value_enum, value_name = "TEMPLATE")]
    pub template: Option<TemplateKind>,
    /// The package name [default: the current folder's name, in lowercase, with `_`, `.` and
    /// spaces written `-`].
    #[arg(long)]
    pub name: Option<String>,
}

fn kind_of(lib: bool, template: Option<TemplateKind>) -> TemplateKind {
    match (lib, template) {
        (_, Some(t)) => t,
        (true, None) => TemplateKind::Lib,
        (false, None) => TemplateKind::App,
    }
}

/// `weir new`.
pub fn run_new(shell: Shell, args: NewArgs) -> i32 {
    let kind = kind_of(args.lib, args.template);
    if args.name.contains(['/', '\\']) {
        shell.error(&format!(
            "`{}` is not a valid package name (it looks like a path)\n\
             help: to create the package in another folder, use `weir new NAME --path DIR`",
            args.name
        ));
        return FAILURE;
    }
    if let Err(msg) = validate_name(&args.name) {
        shell.error(&format!("{msg}{}", suggestion(&args.name, "weir new")));
        return FAILURE;
    }
    let dir = args.path.unwrap_or_else(|| PathBuf::from(&args.name));
    let shown = shown_path(&dir);
    match fs::symlink_metadata(&dir) {
        Ok(meta) if meta.is_dir() => match is_empty_dir(&dir) {
            Ok(true) => {}
            Ok(false) => {
                shell.error(&format!(
                    "destination `{}` already exists and is not empty\n\
                     help: use `weir init` inside it to make it a package, or choose another \
                     folder with `--path DIR`",
                    shown.display()
                ));
                return FAILURE;
            }
            Err(e) => {
                shell.error(&format!("cannot read folder `{}`: {e}", shown.display()));
                return FAILURE;
            }
        },
        Ok(_) => {
            shell.error(&format!(
                "destination `{}` already exists and is not a folder",
                shown.display()
            ));
            return FAILURE;
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => {
            shell.error(&format!("cannot read `{}`: {e}", shown.display()));
            return FAILURE;
        }
    }
    if let Err(e) = fs::create_dir_all(&dir) {
        shell.error(&format!("cannot create folder `{}`: {e}", shown.display()));
        return FAILURE;
    }
    create(shell, kind, &args.name, &dir)
}

/// `weir init`.
pub fn run_init(shell: Shell, args: InitArgs) -> i32 {
    let kind = kind_of(args.lib, args.template);
    let dir = PathBuf::from(".");
    if fs::symlink_metadata(MANIFEST_NAME).is_ok() {
        shell.error(&format!(
            "`{MANIFEST_NAME}` already exists in this folder; `weir init` will not overwrite it"
        ));
        return FAILURE;
    }
    let name = match args.name {
        Some(name) => {
            if let Err(msg) = validate_name(&name) {
                shell.error(&format!("{msg}{}", suggestion(&name, "weir init --name")));
                return FAILURE;
            }
            name
        }
        None => match default_name(shell) {
            Ok(name) => name,
            Err(code) => return code,
        },
    };
    create(shell, kind, &name, &dir)
}

/// The package name `weir init` derives from the current folder's name.
fn default_name(shell: Shell) -> Result<String, i32> {
    let cwd = std::env::current_dir().map_err(|e| {
        shell.error(&format!("cannot read the current folder: {e}"));
        FAILURE
    })?;
    let folder = cwd
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = sanitise(&folder);
    if validate_name(&name).is_err() {
        shell.error(&format!(
            "cannot make a package name from the folder name `{folder}`\n\
             help: give one with `weir init --name NAME` (lowercase letters, digits and `-`, \
             starting with a letter)"
        ));
        return Err(FAILURE);
    }
    if name != folder {
        shell.raw_line(&format!(
            "note: the package is named `{name}` after the folder `{folder}`; use `--name` to \
             choose another name"
        ));
    }
    Ok(name)
}

/// `check_name`, plus Weir's reserved words (a package named `if` could not be imported).
fn validate_name(name: &str) -> Result<(), String> {
    check_name(name)?;
    let reserved = weir_compiler::syntax::RESERVED_WORDS
        .iter()
        .chain(weir_compiler::syntax::RESERVED_TYPE_NAMES)
        .any(|w| *w == name);
    if reserved {
        return Err(format!(
            "`{name}` is a reserved word in Weir and cannot name a package (its root module \
             could not be imported)"
        ));
    }
    Ok(())
}

/// `\nhelp: ...` proposing a valid name close to `name`, or nothing.
fn suggestion(name: &str, command: &str) -> String {
    let better = sanitise(name);
    if better != name && validate_name(&better).is_ok() {
        format!("\nhelp: try `{command} {better}`")
    } else {
        String::new()
    }
}

/// A package name made from free text: lowercase, `_`, `.` and spaces written `-`, other
/// characters dropped, runs of `-` merged, leading non-letters and trailing `-` removed, at most
/// 64 characters. May be empty or still invalid (e.g. a reserved word).
fn sanitise(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let c = c.to_ascii_lowercase();
        let c = match c {
            '_' | '.' | ' ' | '-' => '-',
            'a'..='z' | '0'..='9' => c,
            _ => continue,
        };
        if c == '-' && (out.is_empty() || out.ends_with('-')) {
            continue;
        }
        if out.is_empty() && !c.is_ascii_lowercase() {
            continue;
        }
        out.push(c);
    }
    out.truncate(weir_pkg::manifest::MAX_NAME_LEN);
    while out.ends_with('-') {
        out.pop();
    }
    out
}

fn is_empty_dir(dir: &Path) -> io::Result<bool> {
    Ok(fs::read_dir(dir)?.next().is_none())
}

/// Writes `kind`'s files for package `name` into the existing folder `dir`, runs `git init` and
/// prints the summary.
fn create(shell: Shell, kind: TemplateKind, name: &str, dir: &Path) -> i32 {
    let template = kind.template();
    let files: Vec<(PathBuf, String)> = template
        .files
        .iter()
        .map(|(path, text)| {
            (
                PathBuf::from(substitute(path, name)),
                substitute(text, name),
            )
        })
        .collect();
    // `.gitignore` is the user's when it exists: left alone, not a conflict.
    let mut kept_gitignore = false;
    let mut clashes = Vec::new();
    let mut to_write = Vec::new();
    for (rel, text) in files {
        let full = dir.join(&rel);
        if fs::symlink_metadata(&full).is_ok() {
            if rel.as_os_str() == OsStr::new(".gitignore") {
                kept_gitignore = true;
                continue;
            }
            clashes.push(shown_path(&full));
        } else {
            to_write.push((full, text));
        }
    }
    if !clashes.is_empty() {
        let list: Vec<String> = clashes
            .iter()
            .map(|p| format!("  {}", p.display()))
            .collect();
        shell.error(&format!(
            "these files already exist and would be overwritten:\n{}\n\
             help: move them away first, or choose another template with `--template`",
            list.join("\n")
        ));
        return FAILURE;
    }
    for (full, text) in &to_write {
        if let Err(e) = write_new(full, text) {
            shell.error(&format!(
                "cannot create `{}`: {e}",
                shown_path(full).display()
            ));
            return FAILURE;
        }
    }
    git_init(dir);
    if kept_gitignore {
        let ignores_target = fs::read_to_string(dir.join(".gitignore"))
            .map(|t| t.lines().any(|l| l.trim().trim_matches('/') == "target"))
            .unwrap_or(true);
        if !ignores_target {
            shell.raw_line(
                "note: `.gitignore` already exists and was left unchanged; add `/target/` to it \
                 to keep build output out of version control",
            );
        }
    }
    let what = if kind.is_app() {
        "binary (application)"
    } else {
        "library"
    };
    status(shell, "Created", &format!("{what} package `{name}`"));
    0
}

/// Replaces the template placeholders (see the module invariants).
pub fn substitute(text: &str, name: &str) -> String {
    text.replace("{{name}}", name)
        .replace("{{c_name}}", &name.replace('-', "_"))
}

/// Creates `path` (and its folders) with `text`; fails if it exists.
fn write_new(path: &Path, text: &str) -> io::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.flush()
}

/// `git init -q` in `dir` unless git is missing or `dir` is already inside a work tree.
fn git_init(dir: &Path) {
    let inside = Command::new("git")
        .args(["rev-parse", "--is-inside-work-tree"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output();
    match inside {
        // git is missing or cannot run: say nothing.
        Err(_) => {}
        Ok(out) if out.status.success() && out.stdout.starts_with(b"true") => {}
        Ok(_) => {
            let _ = Command::new("git")
                .args(["init", "-q"])
                .current_dir(dir)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_template_per_kind() {
        for kind in [
            TemplateKind::App,
            TemplateKind::Lib,
            TemplateKind::CLib,
            TemplateKind::GlApp,
        ] {
            assert_eq!(TEMPLATES.iter().filter(|t| t.kind == kind).count(), 1);
            assert_eq!(kind.template().kind, kind);
        }
    }

    /// The table holds exactly the files of `templates/KIND/`, with the same contents.
    #[test]
    fn embedded_files_equal_the_templates_folder() {
        use clap::ValueEnum;
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../templates");
        for t in TEMPLATES {
            let kind = t.kind.to_possible_value().unwrap();
            let dir = root.join(kind.get_name());
            let mut on_disk = Vec::new();
            let mut stack = vec![dir.clone()];
            while let Some(d) = stack.pop() {
                for entry in fs::read_dir(&d).unwrap() {
                    let path = entry.unwrap().path();
                    if path.is_dir() {
                        stack.push(path);
                    } else {
                        let rel = path.strip_prefix(&dir).unwrap();
                        let rel = rel.to_str().unwrap().replace('\\', "/");
                        on_disk.push((rel, fs::read_to_string(&path).unwrap()));
                    }
                }
            }
            on_disk.sort();
            let mut embedded: Vec<(String, String)> = t
                .files
                .iter()
                .map(|(p, s)| (p.to_string(), s.to_string()))
                .collect();
            embedded.sort();
            assert_eq!(embedded, on_disk, "template {}", kind.get_name());
        }
    }

    #[test]
    fn sanitised_names() {
        assert_eq!(sanitise("My_Project"), "my-project");
        assert_eq!(sanitise("2fast 2furious"), "fast-2furious");
        assert_eq!(sanitise("hello.world--x-"), "hello-world-x");
        assert_eq!(sanitise("__"), "");
        assert_eq!(sanitise("ÉtéCool"), "tcool");
    }

    #[test]
    fn reserved_words_are_refused() {
        assert!(validate_name("if").is_err());
        assert!(validate_name("i64").is_err());
        assert!(validate_name("iffy").is_ok());
    }
}
