//! writ's own diagnostic type.
//!
//! Every crate of the compiler reports problems as [`Diagnostic`] values: a
//! stable [`Code`], a severity, a message, a primary [`Label`] with a precise
//! byte [`Span`] in a source file, optional secondary labels, notes, a help
//! line and machine-applicable [`Suggestion`]s ("did you mean …?").
//!
//! Rendering happens only at the edges ([`render`]): codespan-reporting for
//! terminals, JSON for tools and SARIF 2.1.0 for CI code scanning. Nothing in
//! here knows about salsa or LSP.

pub mod codes;
pub mod limits;
mod line_index;
pub mod render;
mod source;

pub use codes::Code;
pub use line_index::{LineCol, LineIndex, Utf16Pos, line_around};
pub use source::{FileId, SharedText, SourceFile, SourceMap};

use serde::{Deserialize, Serialize};
use std::fmt;

/// A half-open byte range `start..end` in one source file.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Span {
    /// First byte of the range.
    pub start: u32,
    /// One past the last byte of the range.
    pub end: u32,
}

impl Span {
    /// The range `start..end`.
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end.max(start) as u32,
        }
    }

    /// An empty range at `offset`.
    pub fn empty(offset: usize) -> Span {
        Span::new(offset, offset)
    }

    /// The smallest range covering both `self` and `other`.
    pub fn cover(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// The range as a `usize` range, for slicing.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    /// Length in bytes.
    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    /// Whether the range is empty.
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// Whether `offset` lies inside the range (end inclusive, as editors expect).
    pub fn contains(self, offset: usize) -> bool {
        self.start as usize <= offset && offset <= self.end as usize
    }
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "@{}..{}", self.start, self.end)
    }
}

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A hint that needs no action.
    Note,
    /// Probably a mistake, but the policy still has a meaning.
    Warning,
    /// The input is invalid; nothing may be decided from it.
    Error,
}

impl Severity {
    /// The lowercase name used in every machine-readable format.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A span in a given file with a message explaining its part in a diagnostic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// The file the span is in.
    pub file: FileId,
    /// The bytes this label points at.
    pub span: Span,
    /// What this place has to do with the problem (may be empty).
    pub message: String,
}

impl Label {
    /// A label pointing at `span` in `file`.
    pub fn new(file: FileId, span: Span, message: impl Into<String>) -> Label {
        Label {
            file,
            span,
            message: message.into(),
        }
    }
}

/// A machine-applicable fix: replace `span` with `replacement`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suggestion {
    /// Short title, e.g. "replace with `security_signoff`".
    pub title: String,
    /// The file to edit.
    pub file: FileId,
    /// The bytes to replace.
    pub span: Span,
    /// The new text.
    pub replacement: String,
}

/// One problem found in the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable code, e.g. `E0201`.
    pub code: Code,
    /// Error, warning or note.
    pub severity: Severity,
    /// What is wrong, in one sentence.
    pub message: String,
    /// Where it is wrong.
    pub primary: Label,
    /// Other places that explain the problem.
    pub secondary: Vec<Label>,
    /// Extra facts ("note: …").
    pub notes: Vec<String>,
    /// How to fix it ("help: …").
    pub help: Option<String>,
    /// Machine-applicable fixes (editor code actions).
    pub suggestions: Vec<Suggestion>,
}

impl Diagnostic {
    /// A diagnostic with the code's default severity.
    pub fn new(code: Code, file: FileId, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: code.severity(),
            message: message.into(),
            primary: Label::new(file, span, String::new()),
            secondary: Vec::new(),
            notes: Vec::new(),
            help: None,
            suggestions: Vec::new(),
        }
    }

    /// Sets the message on the primary label.
    pub fn with_label(mut self, message: impl Into<String>) -> Diagnostic {
        self.primary.message = message.into();
        self
    }

    /// Adds a secondary label.
    pub fn with_secondary(mut self, file: FileId, span: Span, message: impl Into<String>) -> Self {
        self.secondary.push(Label::new(file, span, message));
        self
    }

    /// Adds a note.
    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    /// Sets the help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Adds a fix that replaces the primary span with `replacement`, and a
    /// "did you mean" help line when none is set.
    pub fn with_replacement(mut self, replacement: impl Into<String>) -> Diagnostic {
        let replacement = replacement.into();
        if self.help.is_none() {
            self.help = Some(format!("did you mean `{replacement}`?"));
        }
        self.suggestions.push(Suggestion {
            title: format!("replace with `{replacement}`"),
            file: self.primary.file,
            span: self.primary.span,
            replacement,
        });
        self
    }

    /// Whether this diagnostic is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// How many of `diagnostics` are errors and how many warnings.
pub fn count(diagnostics: &[Diagnostic]) -> (usize, usize) {
    let of = |severity| {
        diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    };
    (of(Severity::Error), of(Severity::Warning))
}

/// Sorts diagnostics by file, position, then code, so output never depends on
/// the order in which analyses ran.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        (
            a.primary.file,
            a.primary.span.start,
            a.primary.span.end,
            a.code.id(),
        )
            .cmp(&(
                b.primary.file,
                b.primary.span.start,
                b.primary.span.end,
                b.code.id(),
            ))
            .then_with(|| a.message.cmp(&b.message))
    });
}

/// A count and its noun, pluralised: `plural(1, "check")` is "1 check",
/// `plural(2, "check")` "2 checks", `plural(3, "policy")` "3 policies",
/// `plural(0, "person")` "0 people". The one place writ pluralises.
pub fn plural(n: usize, singular: &str) -> String {
    let word = match singular {
        _ if n == 1 => singular.to_string(),
        "person" => "people".to_string(),
        w if w.ends_with('y') && !w.ends_with("ey") && !w.ends_with("ay") => {
            format!("{}ies", &w[..w.len() - 1])
        }
        w if w.ends_with('s') || w.ends_with("sh") || w.ends_with("ch") || w.ends_with('x') => {
            format!("{w}es")
        }
        w => format!("{w}s"),
    };
    format!("{n} {word}")
}

/// The closest candidate to `name` by edit distance, if any is close enough to
/// be a plausible typo ("did you mean …?").
pub fn did_you_mean<'a, I>(name: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let limit = (name.chars().count() / 3).max(1);
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        if candidate == name {
            continue;
        }
        let distance = edit_distance(name, candidate);
        let case_only = candidate.eq_ignore_ascii_case(name);
        if distance <= limit || case_only {
            let key = if case_only { 0 } else { distance };
            if best.is_none_or(|(d, c)| (key, candidate) < (d, c)) {
                best = Some((key, candidate));
            }
        }
    }
    best.map(|(_, c)| c)
}

/// Levenshtein distance over Unicode scalar values.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_you_mean_finds_close_names_only() {
        let names = ["security_signoff", "owners_review", "tier0"];
        assert_eq!(
            did_you_mean("securty_signoff", names.iter().copied()),
            Some("security_signoff")
        );
        assert_eq!(did_you_mean("Tier0", names.iter().copied()), Some("tier0"));
        assert_eq!(did_you_mean("payments", names.iter().copied()), None);
    }

    #[test]
    fn plural_is_right_for_one_and_many() {
        assert_eq!(plural(1, "check"), "1 check");
        assert_eq!(plural(0, "check"), "0 checks");
        assert_eq!(plural(2, "file"), "2 files");
        assert_eq!(plural(1, "approver"), "1 approver");
        assert_eq!(plural(3, "policy"), "3 policies");
        assert_eq!(plural(2, "key"), "2 keys");
        assert_eq!(plural(2, "match"), "2 matches");
        assert_eq!(plural(2, "person"), "2 people");
        assert_eq!(plural(1, "person"), "1 person");
    }

    #[test]
    fn edit_distance_counts_unicode_scalars() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("é", "e"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn sort_is_by_file_then_position() {
        let f0 = FileId(0);
        let f1 = FileId(1);
        let mut ds = vec![
            Diagnostic::new(codes::E0201, f1, Span::new(0, 1), "b"),
            Diagnostic::new(codes::E0201, f0, Span::new(5, 6), "a2"),
            Diagnostic::new(codes::E0101, f0, Span::new(1, 2), "a1"),
        ];
        sort(&mut ds);
        let order: Vec<&str> = ds.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(order, ["a1", "a2", "b"]);
    }
}
