//! Rendering of compiler diagnostics and runtime errors to bytes for stderr.
//!
//! Invariants:
//! - Every diagnostic starts with exactly one header line `PATH:LINE:COL: error: MESSAGE`
//!   (language.md §0), PATH being the file name as the user gave it and LINE:COL the start of the
//!   first primary label. A diagnostic without any label is located at `1:1` of the file being
//!   compiled, so the prefix is always there.
//! - After the header comes a source snippet with every label (primary and secondary) and the
//!   notes, drawn by `codespan-reporting`; the message itself is printed once only.
//! - Diagnostics are printed in source order, followed by one cargo-style summary line.
//! - Rendering never panics on bad spans: labels outside their file are clamped to it (and to
//!   character boundaries), labels naming an unknown file are dropped.
//! - Colour is decided by the caller ([`crate::shell::Shell`]); with `color == false` the output is
//!   plain text, byte for byte what the `check-fail` snapshots hold.

use std::io::Write;
use std::ops::Range;

use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::Error as FilesError;
use codespan_reporting::term::termcolor::{Buffer, Color, ColorSpec, WriteColor};
use codespan_reporting::term::{self, Config};
use weir_compiler::diag::{Diagnostic, Severity};
use weir_compiler::span::{FileId, SourceFile, SourceMap, Span};

/// `codespan-reporting`'s view of a [`SourceMap`].
struct Files<'a>(&'a SourceMap);

impl<'a> Files<'a> {
    fn file(&self, id: FileId) -> Result<&'a SourceFile, FilesError> {
        file(self.0, id).ok_or(FilesError::FileMissing)
    }
}

impl<'a> codespan_reporting::files::Files<'a> for Files<'a> {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        Ok(&self.file(id)?.name)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        Ok(&self.file(id)?.text)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, FilesError> {
        let starts = self.file(id)?.line_starts();
        Ok(match starts.binary_search(&(byte_index as u32)) {
            Ok(i) => i,
            Err(i) => i - 1,
        })
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, FilesError> {
        let file = self.file(id)?;
        let starts = file.line_starts();
        let start = *starts.get(line_index).ok_or(FilesError::LineTooLarge {
            given: line_index,
            max: starts.len() - 1,
        })? as usize;
        let end = starts
            .get(line_index + 1)
            .map_or(file.text.len(), |&s| s as usize);
        Ok(start..end)
    }
}

/// The file of a span, if the id is valid.
fn file(sources: &SourceMap, id: FileId) -> Option<&SourceFile> {
    sources.files().nth(id.0 as usize).map(|(_, f)| f)
}

/// `span` clamped into its file's text and onto character boundaries; `None` if the file is
/// unknown.
fn clamp(sources: &SourceMap, span: Span) -> Option<Span> {
    let text = &file(sources, span.file)?.text;
    let floor = |mut i: usize| {
        i = i.min(text.len());
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let start = floor(span.start as usize);
    let end = floor(span.end as usize).max(start);
    Some(Span::new(span.file, start, end))
}

/// `PATH:LINE:COL` of a span's start, if the span names a known file.
pub fn location(sources: &SourceMap, span: Span) -> Option<String> {
    clamp(sources, span).map(|s| sources.location(s).to_string())
}

/// Renders `diagnostics` (sorted into source order) and, if any is an error, a summary line
/// naming `display_name`. `main` is the file being compiled, used to locate label-less
/// diagnostics.
pub fn render_diagnostics(
    sources: &SourceMap,
    main: FileId,
    display_name: &str,
    diagnostics: &[Diagnostic],
    color: bool,
) -> Vec<u8> {
    let mut sorted: Vec<&Diagnostic> = diagnostics.iter().collect();
    sorted.sort_by_key(|d| match d.primary_span().and_then(|s| clamp(sources, s)) {
        Some(s) => (0, s.file, s.start),
        None => (1, main, 0),
    });
    let mut buf = new_buffer(color);
    for d in &sorted {
        render_one(&mut buf, sources, main, d);
    }
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    if errors > 0 {
        let mut text = format!(
            "could not compile `{display_name}` due to {}",
            plural(errors, "previous error")
        );
        if warnings > 0 {
            text.push_str(&format!("; {} emitted", plural(warnings, "warning")));
        }
        write_summary(&mut buf, Severity::Error, &text);
    } else if warnings > 0 {
        let text = format!("`{display_name}` generated {}", plural(warnings, "warning"));
        write_summary(&mut buf, Severity::Warning, &text);
    }
    buf.into_inner()
}

/// Renders one diagnostic: the header line, then codespan's snippet and notes.
pub fn render_one(buf: &mut Buffer, sources: &SourceMap, main: FileId, d: &Diagnostic) {
    let labels: Vec<cs::Label<FileId>> = d
        .labels
        .iter()
        .filter_map(|l| {
            let span = clamp(sources, l.span)?;
            let style = if l.primary {
                cs::LabelStyle::Primary
            } else {
                cs::LabelStyle::Secondary
            };
            Some(
                cs::Label::new(style, span.file, span.start as usize..span.end as usize)
                    .with_message(&l.message),
            )
        })
        .collect();
    let primary = labels
        .iter()
        .find(|l| l.style == cs::LabelStyle::Primary)
        .or(labels.first())
        .map(|l| Span::new(l.file_id, l.range.start, l.range.end));
    let location = match primary {
        Some(span) => sources.location(span).to_string(),
        None if file(sources, main).is_some() => format!("{}:1:1", sources.get(main).name),
        None => String::from("<unknown>:1:1"),
    };
    write_header(buf, &location, d.severity, &d.message);

    if labels.is_empty() && d.notes.is_empty() {
        return;
    }
    // codespan prints its own `error: MESSAGE` header first; render with an empty message and
    // drop that first line, so the message appears once, in our header.
    let cs_diag = cs::Diagnostic::new(match d.severity {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
    })
    .with_labels(labels)
    .with_notes(d.notes.clone());
    let mut snippet = new_buffer(buf.supports_color());
    let config = Config::default();
    if term::emit(&mut snippet, &config, &Files(sources), &cs_diag).is_err() {
        // Only possible with inconsistent spans, which `clamp` rules out; the header has been
        // printed, so the diagnostic is not lost.
        return;
    }
    let bytes = snippet.as_slice();
    let body = match bytes.iter().position(|&b| b == b'\n') {
        Some(i) => &bytes[i + 1..],
        None => &[][..],
    };
    // codespan pads some lines with trailing spaces; drop them so that snapshots survive editors.
    for line in body.split_inclusive(|&b| b == b'\n') {
        let (content, newline) = match line.strip_suffix(b"\n") {
            Some(c) => (c, &b"\n"[..]),
            None => (line, &b""[..]),
        };
        let end = content
            .iter()
            .rposition(|&b| b != b' ')
            .map_or(0, |i| i + 1);
        let _ = buf.write_all(&content[..end]);
        let _ = buf.write_all(newline);
    }
}

/// The one-line form of a runtime error (§11): `[PATH:LINE:COL: ]runtime error: MESSAGE`.
pub fn render_runtime_error(
    sources: &SourceMap,
    span: Option<Span>,
    message: &str,
    color: bool,
) -> Vec<u8> {
    let mut buf = new_buffer(color);
    if let Some(loc) = span.and_then(|s| location(sources, s)) {
        let _ = buf.set_color(ColorSpec::new().set_bold(true));
        let _ = write!(buf, "{loc}: ");
        let _ = buf.reset();
    }
    let _ = buf.set_color(&red_bold());
    let _ = write!(buf, "runtime error");
    let _ = buf.reset();
    let _ = writeln!(buf, ": {message}");
    buf.into_inner()
}

/// A top-level error without a source location: `error: MESSAGE`.
pub fn render_error(message: &str, color: bool) -> Vec<u8> {
    let mut buf = new_buffer(color);
    write_summary(&mut buf, Severity::Error, message);
    buf.into_inner()
}

fn new_buffer(color: bool) -> Buffer {
    if color {
        Buffer::ansi()
    } else {
        Buffer::no_color()
    }
}

fn red_bold() -> ColorSpec {
    let mut spec = ColorSpec::new();
    spec.set_fg(Some(Color::Red))
        .set_bold(true)
        .set_intense(true);
    spec
}

fn severity_style(severity: Severity) -> (ColorSpec, &'static str) {
    match severity {
        Severity::Error => (red_bold(), "error"),
        Severity::Warning => {
            let mut spec = ColorSpec::new();
            spec.set_fg(Some(Color::Yellow))
                .set_bold(true)
                .set_intense(true);
            (spec, "warning")
        }
    }
}

fn write_header(buf: &mut Buffer, location: &str, severity: Severity, message: &str) {
    let (style, word) = severity_style(severity);
    let _ = buf.set_color(ColorSpec::new().set_bold(true));
    let _ = write!(buf, "{location}: ");
    let _ = buf.set_color(&style);
    let _ = write!(buf, "{word}");
    let _ = buf.set_color(ColorSpec::new().set_bold(true));
    let _ = write!(buf, ": {message}");
    let _ = buf.reset();
    let _ = writeln!(buf);
}

fn write_summary(buf: &mut Buffer, severity: Severity, message: &str) {
    let (style, word) = severity_style(severity);
    let _ = buf.set_color(&style);
    let _ = write!(buf, "{word}");
    let _ = buf.reset();
    let _ = writeln!(buf, ": {message}");
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

#[cfg(test)]
mod tests;
