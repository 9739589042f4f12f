//! The one place that writes to stderr (STYLE.md §4: status and errors on stderr, program output
//! on stdout).
//!
//! Invariants:
//! - Colour is used only when stderr is a terminal, `NO_COLOR` is unset (or empty) and `--color`
//!   does not say otherwise; piped output is plain and stable (snapshot tests rely on it).
//! - Writes to stderr never panic: a closed stderr loses the message, nothing more.

use std::io::{IsTerminal, Write};

use weir_compiler::diag::Diagnostic;
use weir_compiler::span::{FileId, SourceMap, Span};

use crate::render;

/// `--color` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    // Colour when stderr is a terminal and `NO_COLOR` is not set.
    #[default]
    Auto,
    Always,
    Never,
}

/// Where and how messages are printed. Plain data, so it can be moved to the worker thread.
#[derive(Clone, Copy, Debug)]
pub struct Shell {
    color: bool,
    verbose: bool,
    quiet: bool,
    timings: bool,
    /// stderr is a terminal: progress bars may be drawn.
    tty: bool,
}

impl Shell {
    pub fn new(choice: ColorChoice) -> Shell {
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stderr().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
        Shell {
            color,
            verbose: false,
            quiet: false,
            timings: false,
            tty: std::io::stderr().is_terminal(),
        }
    }

    /// Whether to draw progress bars: stderr is a terminal and `-q` was not given (piped output
    /// gets the plain status lines only).
    pub fn progress(&self) -> bool {
        self.tty && !self.quiet
    }

    /// `-v`, `-q` and `--timings`.
    pub fn with_verbosity(self, verbose: bool, quiet: bool, timings: bool) -> Shell {
        Shell {
            verbose: verbose && !quiet,
            quiet,
            timings,
            ..self
        }
    }

    pub fn is_verbose(&self) -> bool {
        self.verbose
    }

    pub fn timings(&self) -> bool {
        self.timings
    }

    /// A cargo-style status line: the verb right-aligned in 12 columns (bold green on a
    /// terminal), then the message. Silenced by `-q`.
    pub fn status(&self, verb: &str, message: &str) {
        if self.quiet {
            return;
        }
        let line = if self.color {
            format!("\x1b[1;32m{verb:>12}\x1b[0m {message}\n")
        } else {
            format!("{verb:>12} {message}\n")
        };
        write_stderr(line.as_bytes());
    }

    /// A complete error line `[FILE:LINE:COL: ]error: MESSAGE` (and further lines), with
    /// `error:` in bold red on a terminal.
    pub fn paint_error_header(&self, text: &str) -> String {
        if !self.color {
            return text.to_string();
        }
        text.replacen("error:", "\x1b[1;31merror\x1b[0m\x1b[1m:\x1b[0m", 1)
    }

    /// `error: MESSAGE`.
    pub fn error(&self, message: &str) {
        write_stderr(&render::render_error(message, self.color));
    }

    /// A message that is already complete (e.g. it carries its own `PATH:LINE:COL: error:`).
    pub fn raw_line(&self, line: &str) {
        write_stderr(format!("{line}\n").as_bytes());
    }

    /// Every diagnostic, in source order, plus the summary line. Returns whether any is an error.
    pub fn diagnostics(
        &self,
        sources: &SourceMap,
        main: FileId,
        display_name: &str,
        diagnostics: &[Diagnostic],
    ) -> bool {
        if diagnostics.is_empty() {
            return false;
        }
        let bytes =
            render::render_diagnostics(sources, main, display_name, diagnostics, self.color);
        write_stderr(&bytes);
        diagnostics.iter().any(Diagnostic::is_error)
    }

    /// One diagnostic without a summary (used for link errors, which are not compile errors of the
    /// file but are reported like them).
    pub fn diagnostic(&self, sources: &SourceMap, main: FileId, diagnostic: &Diagnostic) {
        let mut buf = if self.color {
            codespan_reporting::term::termcolor::Buffer::ansi()
        } else {
            codespan_reporting::term::termcolor::Buffer::no_color()
        };
        render::render_one(&mut buf, sources, main, diagnostic);
        write_stderr(buf.as_slice());
    }

    /// `[PATH:LINE:COL: ]runtime error: MESSAGE`.
    pub fn runtime_error(&self, sources: &SourceMap, span: Option<Span>, message: &str) {
        write_stderr(&render::render_runtime_error(
            sources, span, message, self.color,
        ));
    }
}

fn write_stderr(bytes: &[u8]) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(bytes);
    let _ = err.flush();
}
