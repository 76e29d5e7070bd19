//! Diagnostics for detc, shaped like a compiler's.
//!
//! A [`Diagnostic`] has a stable rule code (`S002`), a kebab-case rule name
//! (`unknown-key`), a [`Severity`], a message, an optional primary [`Span`]
//! (byte range in a file held by the [`SourceMap`]), secondary labels and a
//! help line. Renderers turn a list of diagnostics into human text
//! ([`render_human`]), JSON ([`render_json`]) or SARIF 2.1.0
//! ([`render_sarif`]) for CI annotations.
//!
//! Lines and columns are 1-based; columns count Unicode scalar values
//! (characters), which is what SARIF calls `unicodeCodePoints`.

mod baseline;
mod render;
mod source;

pub use baseline::{Baseline, BaselineOutcome, BaselineState};
pub use render::{RuleInfo, SRCROOT, render_human, render_json, render_sarif};
pub use source::{FileId, LineCol, SourceFile, SourceMap};

use std::fmt;

/// How bad a diagnostic is. Errors make `detc validate` exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A defect: the content is refused.
    Error,
    /// Worth fixing; the content is still accepted.
    Warning,
    /// Information only.
    Note,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        })
    }
}

/// A byte range `start..end` inside one file of a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    /// The file the range is in.
    pub file: FileId,
    /// First byte (inclusive).
    pub start: usize,
    /// Last byte (exclusive). Equal to `start` for a point.
    pub end: usize,
}

impl Span {
    /// A span of `start..end` bytes in `file`.
    pub fn new(file: FileId, start: usize, end: usize) -> Self {
        Span {
            file,
            start,
            end: end.max(start),
        }
    }

    /// The sub-range `offset..offset+len` relative to this span's start,
    /// clamped to this span.
    pub fn sub(&self, offset: usize, len: usize) -> Span {
        let start = (self.start + offset).min(self.end);
        let end = (start + len).min(self.end);
        Span {
            file: self.file,
            start,
            end,
        }
    }
}

/// A secondary annotation: another place that explains the diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What it shows, e.g. "first defined here".
    pub message: String,
}

/// An edit that fixes a diagnostic: the text at `span` replaced by
/// `replacement` (an empty replacement deletes it). Offered by `detc lsp`
/// as a quick fix; only set where the rule knows the fix is right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// What the edit does, for a person (`rename to \`status\``).
    pub title: String,
    /// The bytes replaced.
    pub span: Span,
    /// Their new text.
    pub replacement: String,
}

/// One finding about the content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable rule code such as `S002`. Never reused for another meaning.
    pub code: &'static str,
    /// Rule name in kebab case such as `unknown-key`.
    pub name: &'static str,
    /// Error, warning or note.
    pub severity: Severity,
    /// One sentence saying what is wrong.
    pub message: String,
    /// The file the diagnostic is about, when there is one.
    pub file: Option<FileId>,
    /// The exact place, when known (its `file` equals `self.file`).
    pub span: Option<Span>,
    /// Text printed under the marked span.
    pub label: Option<String>,
    /// Other places that explain it.
    pub secondary: Vec<Label>,
    /// What to do about it.
    pub help: Option<String>,
    /// Whether a baseline knew it, once one is applied ([`Baseline::apply`]).
    pub baseline: Option<BaselineState>,
    /// The edit that fixes it, when the rule knows one.
    pub fix: Option<Fix>,
}

impl Diagnostic {
    /// A diagnostic with no location yet.
    pub fn new(
        code: &'static str,
        name: &'static str,
        severity: Severity,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            code,
            name,
            severity,
            message: message.into(),
            file: None,
            span: None,
            label: None,
            secondary: Vec::new(),
            help: None,
            baseline: None,
            fix: None,
        }
    }

    /// Points the diagnostic at `span` (and its file).
    pub fn at(mut self, span: Span) -> Self {
        self.file = Some(span.file);
        self.span = Some(span);
        self
    }

    /// Attaches the diagnostic to a whole file, with no span.
    pub fn in_file(mut self, file: FileId) -> Self {
        self.file = Some(file);
        self
    }

    /// Sets the text shown under the primary span.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Adds a secondary label.
    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.secondary.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Sets the help line.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Sets the edit that fixes it.
    pub fn fix(
        mut self,
        title: impl Into<String>,
        span: Span,
        replacement: impl Into<String>,
    ) -> Self {
        self.fix = Some(Fix {
            title: title.into(),
            span,
            replacement: replacement.into(),
        });
        self
    }

    /// Whether a baseline marked it as known.
    pub fn is_known(&self) -> bool {
        self.baseline == Some(BaselineState::Unchanged)
    }

    /// Sort key: file, position, code, message. Gives a stable output order.
    pub fn sort_key(&self) -> (Option<FileId>, usize, &'static str, &str) {
        (
            self.file,
            self.span.map(|s| s.start).unwrap_or(0),
            self.code,
            &self.message,
        )
    }
}

/// Counts of diagnostics by severity.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Number of errors.
    pub errors: usize,
    /// Number of warnings.
    pub warnings: usize,
    /// Number of notes.
    pub notes: usize,
    /// Number of findings a baseline knew (counted in none of the above).
    pub known: usize,
}

impl Summary {
    /// Counts `diags` by severity; those a baseline knew count as `known`.
    pub fn of(diags: &[Diagnostic]) -> Self {
        let mut s = Summary::default();
        for d in diags {
            if d.is_known() {
                s.known += 1;
                continue;
            }
            match d.severity {
                Severity::Error => s.errors += 1,
                Severity::Warning => s.warnings += 1,
                Severity::Note => s.notes += 1,
            }
        }
        s
    }
}
