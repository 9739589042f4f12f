//! Diagnostics as data. Every phase reports problems as [`Diagnostic`] values; only `weir-cli`
//! renders them (with source snippets). A diagnostic's first primary label gives the
//! `PATH:LINE:COL` that the one-line form `PATH:LINE:COL: error: MESSAGE` prints.

use crate::span::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
    /// Primary labels mark the offending code; secondary ones point at related definitions.
    pub primary: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    pub labels: Vec<Label>,
    /// Free-text notes and hints printed after the snippet.
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// An error whose primary label (with an empty text) is `span`.
    pub fn error(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            labels: vec![Label {
                span,
                message: String::new(),
                primary: true,
            }],
            notes: Vec::new(),
        }
    }

    /// Sets the text of the primary label.
    pub fn with_label(mut self, text: impl Into<String>) -> Diagnostic {
        if let Some(l) = self.labels.iter_mut().find(|l| l.primary) {
            l.message = text.into();
        }
        self
    }

    /// Adds a secondary label (e.g. "defined here").
    /// Adds a secondary label; a default span (a prelude definition, or an item imported from
    /// another module, whose location importers do not know) adds nothing.
    pub fn with_secondary(mut self, span: Span, text: impl Into<String>) -> Diagnostic {
        if span == Span::default() {
            return self;
        }
        self.labels.push(Label {
            span,
            message: text.into(),
            primary: false,
        });
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    /// The span the diagnostic is reported at (its first primary label).
    pub fn primary_span(&self) -> Option<Span> {
        self.labels.iter().find(|l| l.primary).map(|l| l.span)
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}
