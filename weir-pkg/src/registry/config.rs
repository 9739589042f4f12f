//! The user's configuration `$WEIR_HOME/config.weir` and the choice of registry
//! (`--registry`, else `WEIR_REGISTRY`, else the config file).
//!
//! The file holds top-level forms `(FIELD VALUE)`; today the only field is
//! `(registry "URL_OR_PATH")`, a relative path being relative to `$WEIR_HOME`. Unknown or
//! repeated fields, non-string values and syntax errors are errors naming the file, line and
//! column. Quote characters outside strings and comments are refused before lexpr sees the text
//! (lexpr recurses once per quote), the file is at most 64 KiB and lexpr runs on a thread with a
//! big stack (it drops long lists recursively), so reading cannot overflow the stack.

use std::path::Path;

use lexpr::datum::Ref;

use super::Location;
use crate::PkgError;

/// The configuration file's name in `$WEIR_HOME`.
pub const CONFIG_NAME: &str = "config.weir";

const MAX_CONFIG_BYTES: usize = 64 * 1024;

/// Stack of the thread that runs lexpr: about 1 KiB per element of the longest possible list.
const PARSE_STACK_BYTES: usize = 32 * 1024 * 1024;

const FIELDS: &[&str] = &["registry"];

/// [`super::configured`] with the value of `WEIR_REGISTRY` given as `env` (an empty value counts
/// as unset).
pub fn configured_from(
    flag: Option<&str>,
    env: Option<&str>,
    home: &Path,
) -> Result<Option<Location>, PkgError> {
    if let Some(f) = flag {
        return Location::parse(f)
            .map(Some)
            .map_err(|e| with_prefix(e, "--registry"));
    }
    if let Some(v) = env.filter(|v| !v.trim().is_empty()) {
        return Location::parse(v)
            .map(Some)
            .map_err(|e| with_prefix(e, "WEIR_REGISTRY"));
    }
    read_config(home)
}

fn with_prefix(mut e: PkgError, what: &str) -> PkgError {
    e.message = format!("{what}: {}", e.message);
    e
}

/// The `registry` of `home/config.weir`; `None` when the file or the field is missing.
pub fn read_config(home: &Path) -> Result<Option<Location>, PkgError> {
    let path = home.join(CONFIG_NAME);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(PkgError::in_file(&path, format!("cannot read: {e}"))),
    };
    if bytes.len() > MAX_CONFIG_BYTES {
        return Err(PkgError::in_file(
            &path,
            format!(
                "the configuration file is too large ({} bytes; at most {MAX_CONFIG_BYTES})",
                bytes.len()
            ),
        ));
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| PkgError::in_file(&path, "the configuration file is not valid UTF-8"))?;
    let Some(value) = parse_config(&text, &path)? else {
        return Ok(None);
    };
    let (s, line, col) = value;
    Location::parse_in(&s, home).map(Some).map_err(|e| {
        PkgError::in_file(&path, format!("field `registry`: {}", e.message)).at(line, col)
    })
}

/// The `registry` string of a config text, with its 1-based position. Runs on a thread with a
/// big stack: lexpr drops long lists recursively (as in `manifest.rs`).
fn parse_config(text: &str, path: &Path) -> Result<Option<(String, u32, u32)>, PkgError> {
    guard(text, path)?;
    std::thread::scope(|s| {
        match std::thread::Builder::new()
            .name("weir-config".into())
            .stack_size(PARSE_STACK_BYTES)
            .spawn_scoped(s, || parse_forms(text, path))
        {
            Ok(handle) => handle.join().unwrap_or_else(|_| {
                Err(PkgError::in_file(
                    path,
                    "internal error while reading the configuration file",
                ))
            }),
            Err(e) => Err(PkgError::in_file(
                path,
                format!("cannot start a thread to read the configuration file: {e}"),
            )),
        }
    })
}

fn parse_forms(text: &str, path: &Path) -> Result<Option<(String, u32, u32)>, PkgError> {
    let err = |pos: Option<(u32, u32)>, msg: String| {
        let e = PkgError::in_file(path, msg);
        match pos {
            Some((l, c)) => e.at(l, c),
            None => e,
        }
    };
    let pos_of = |d: Ref<'_>| -> Option<(u32, u32)> {
        let start = d.span().start();
        char_pos(text, start.line(), start.column().checked_sub(1)?)
    };
    let mut parser = lexpr::Parser::from_reader(text.as_bytes());
    let mut registry: Option<(String, u32, u32)> = None;
    loop {
        let datum = match parser.next_datum() {
            Ok(Some(d)) => d,
            Ok(None) => break,
            Err(e) => {
                let full = e.to_string();
                let what = full.split(" at line ").next().unwrap_or(&full).to_string();
                let pos = e
                    .location()
                    .and_then(|l| char_pos(text, l.line(), l.column().saturating_sub(1)));
                return Err(err(pos, format!("syntax error: {what}")));
            }
        };
        let d = datum.as_ref();
        let pos = pos_of(d);
        let usage = "expected `(registry \"URL_OR_PATH\")`";
        let Some(items) = d.list_iter().map(|it| it.collect::<Vec<_>>()) else {
            return Err(err(pos, format!("unexpected value; {usage}")));
        };
        if !d.list_iter().is_some_and(|mut it| {
            it.by_ref().for_each(drop);
            it.is_empty()
        }) {
            return Err(err(
                pos,
                "unexpected `.` (dotted pairs are not allowed)".into(),
            ));
        }
        let Some(field) = items.first().and_then(|h| h.as_symbol()) else {
            return Err(err(
                pos,
                format!("a field must start with its name; {usage}"),
            ));
        };
        if !FIELDS.contains(&field) {
            return Err(err(
                pos,
                format!("unknown field `{field}` (known fields: registry)"),
            ));
        }
        if registry.is_some() {
            return Err(err(pos, format!("field `{field}` appears twice")));
        }
        let value = match items.as_slice() {
            [_, v] => *v,
            _ => {
                return Err(err(
                    pos,
                    format!("field `{field}` takes exactly one string; {usage}"),
                ))
            }
        };
        let Some(s) = value.as_str() else {
            return Err(err(
                pos_of(value).or(pos),
                format!("field `{field}` must be a string; {usage}"),
            ));
        };
        let (line, col) = pos_of(value).or(pos).unwrap_or((1, 1));
        registry = Some((s.to_string(), line, col));
    }
    Ok(registry)
}

/// 1-based line and character column from lexpr's 1-based line and 0-based byte column.
fn char_pos(text: &str, line: usize, byte_col: usize) -> Option<(u32, u32)> {
    let l = text.split('\n').nth(line.checked_sub(1)?)?;
    let mut end = byte_col.min(l.len());
    while !l.is_char_boundary(end) {
        end -= 1;
    }
    let col = l[..end].chars().count() + 1;
    Some((u32::try_from(line).ok()?, u32::try_from(col).ok()?))
}

/// Refuses quote characters outside strings and comments (they mean nothing here, and lexpr
/// recurses once per quote).
fn guard(text: &str, path: &Path) -> Result<(), PkgError> {
    let (mut line, mut col) = (1u32, 0u32);
    let (mut in_str, mut escaped, mut in_comment) = (false, false, false);
    for ch in text.chars() {
        if ch == '\n' {
            line += 1;
            col = 0;
            in_comment = false;
            continue;
        }
        col += 1;
        if in_comment {
            continue;
        }
        if in_str {
            match ch {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_str = false,
                _ => {}
            }
            continue;
        }
        match ch {
            '"' => in_str = true,
            ';' => in_comment = true,
            '\'' | '`' | ',' => {
                return Err(PkgError::in_file(
                    path,
                    format!("unexpected `{ch}` (quoting has no meaning in the configuration file)"),
                )
                .at(line, col))
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Option<(String, u32, u32)>, String> {
        parse_config(text, Path::new("config.weir")).map_err(|e| e.to_string())
    }

    #[test]
    fn reads_the_registry_field() {
        assert_eq!(parse("").unwrap(), None);
        assert_eq!(parse("; nothing\n").unwrap(), None);
        assert_eq!(
            parse("; mine\n  (registry \"http://x\")\n").unwrap(),
            Some(("http://x".to_string(), 2, 13))
        );
    }

    #[test]
    fn long_lists_do_not_overflow_the_stack() {
        // lexpr drops lists recursively; the size limit keeps that shallow.
        let long = format!("(registry{})", " a".repeat((MAX_CONFIG_BYTES - 12) / 2));
        assert!(long.len() <= MAX_CONFIG_BYTES);
        let e = parse(&long).unwrap_err();
        assert!(e.contains("takes exactly one string"), "{e}");
        let nested = format!("(registry \"x\")\n{}{}", "(".repeat(200), ")".repeat(200));
        assert!(parse(&nested).is_err());
    }

    #[test]
    fn errors_have_positions() {
        let e = parse("(registry \"a\")\n(mirror \"b\")").unwrap_err();
        assert_eq!(
            e,
            "config.weir:2:1: error: unknown field `mirror` (known fields: registry)"
        );
        let e = parse("(registry 12)").unwrap_err();
        assert!(
            e.starts_with("config.weir:1:11: error: field `registry` must be a string"),
            "{e}"
        );
        let e = parse("(registry \"a\")\n(registry \"b\")").unwrap_err();
        assert_eq!(e, "config.weir:2:1: error: field `registry` appears twice");
        let e = parse("(registry \"a\"").unwrap_err();
        assert!(e.starts_with("config.weir"), "{e}");
        assert!(e.contains("syntax error"), "{e}");
        let e = parse("(registry 'x)").unwrap_err();
        assert!(
            e.starts_with("config.weir:1:11: error: unexpected `'`"),
            "{e}"
        );
        let e = parse("(registry \"a\" \"b\")").unwrap_err();
        assert!(e.contains("takes exactly one string"), "{e}");
        let e = parse("registry").unwrap_err();
        assert!(e.contains("unexpected value"), "{e}");
        let e = parse("(registry . \"a\")").unwrap_err();
        assert!(e.contains("dotted"), "{e}");
    }
}
