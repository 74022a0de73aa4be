//! The layout engine of the formatter: a small Wadler-style document of text,
//! line breaks, groups and indentation, rendered at a width.
//!
//! A [`Doc::Group`] is printed on one line if it fits in what is left of the
//! width (counting what follows it up to the next line break); otherwise each
//! [`Doc::Line`] / [`Doc::SoftLine`] directly inside it becomes a newline and
//! the groups nested in it are decided one by one. Rendering uses an explicit
//! stack, so deeply nested documents do not recurse.

use std::borrow::Cow;

/// The indentation added by one [`Doc::Nest`] level.
pub(super) const INDENT: &str = "  ";

/// A document to lay out.
#[derive(Debug)]
pub(super) enum Doc<'a> {
    /// Text without newlines.
    Text(Cow<'a, str>),
    /// A space on one line, a newline when its group breaks.
    Line,
    /// Nothing on one line, a newline when its group breaks.
    SoftLine,
    /// `IfBreak(text)`: `text` only when its group breaks (a trailing comma).
    IfBreak(&'static str),
    /// A `//` comment ending the line, two spaces after the code: the group
    /// holding it always breaks, and a line break must follow it.
    Comment(Cow<'a, str>),
    /// Documents one after the other.
    Concat(Vec<Doc<'a>>),
    /// One line if it fits, else broken.
    Group(Box<Doc<'a>>),
    /// Newlines inside are indented one level more.
    Nest(Box<Doc<'a>>),
}

impl<'a> Doc<'a> {
    pub(super) fn text(text: impl Into<Cow<'a, str>>) -> Self {
        Doc::Text(text.into())
    }

    pub(super) fn group(self) -> Self {
        Doc::Group(Box::new(self))
    }

    pub(super) fn nest(self) -> Self {
        Doc::Nest(Box::new(self))
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Flat,
    Break,
}

/// Appends `doc` to `out`, which ends at `column`; newlines are indented
/// `indent` levels plus the nesting inside `doc`. Returns nothing: the caller
/// reads the column back from `out` if it needs it.
pub(super) fn render(doc: &Doc<'_>, out: &mut String, indent: usize, column: usize, width: usize) {
    let mut column = column;
    let mut stack: Vec<(usize, Mode, &Doc<'_>)> = vec![(indent, Mode::Break, doc)];
    while let Some((indent, mode, doc)) = stack.pop() {
        match doc {
            Doc::Text(text) => {
                out.push_str(text);
                column += text.chars().count();
            }
            Doc::Line | Doc::SoftLine if mode == Mode::Break => {
                // No trailing whitespace before the newline.
                let trimmed = out.trim_end_matches(' ').len();
                out.truncate(trimmed);
                out.push('\n');
                for _ in 0..indent {
                    out.push_str(INDENT);
                }
                column = indent * INDENT.len();
            }
            Doc::Line => {
                out.push(' ');
                column += 1;
            }
            Doc::SoftLine => {}
            Doc::IfBreak(text) => {
                if mode == Mode::Break {
                    out.push_str(text);
                    column += text.chars().count();
                }
            }
            Doc::Comment(text) => {
                out.push_str("  ");
                out.push_str(text);
                column += 2 + text.chars().count();
            }
            Doc::Concat(parts) => stack.extend(parts.iter().rev().map(|d| (indent, mode, d))),
            Doc::Nest(inner) => stack.push((indent + 1, mode, inner)),
            Doc::Group(inner) => {
                let mode = if mode == Mode::Flat
                    || fits(inner, &stack, width.saturating_sub(column) as isize)
                {
                    Mode::Flat
                } else {
                    Mode::Break
                };
                stack.push((indent, mode, inner));
            }
        }
    }
}

/// Whether `doc`, on one line, and what follows it up to the next line break
/// fit in `remaining` columns.
fn fits(doc: &Doc<'_>, rest: &[(usize, Mode, &Doc<'_>)], remaining: isize) -> bool {
    let mut remaining = remaining;
    let mut stack: Vec<(Mode, &Doc<'_>)> = vec![(Mode::Flat, doc)];
    let mut rest = rest.iter().rev();
    loop {
        if remaining < 0 {
            return false;
        }
        let Some((mode, doc)) = stack
            .pop()
            .or_else(|| rest.next().map(|(_, m, d)| (*m, *d)))
        else {
            return true;
        };
        match doc {
            Doc::Text(text) => remaining -= text.chars().count() as isize,
            Doc::Line | Doc::SoftLine if mode == Mode::Break => return true,
            Doc::Line => remaining -= 1,
            Doc::SoftLine => {}
            Doc::IfBreak(text) => {
                if mode == Mode::Break {
                    remaining -= text.chars().count() as isize;
                }
            }
            // A comment cannot be on one line with what follows it; in a
            // broken group it ends the line (comments do not count).
            Doc::Comment(_) => return mode == Mode::Break,
            Doc::Concat(parts) => stack.extend(parts.iter().rev().map(|d| (mode, d))),
            Doc::Nest(inner) | Doc::Group(inner) => stack.push((mode, inner)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(n: usize) -> Doc<'static> {
        let mut parts = vec![Doc::text("w0")];
        for i in 1..n {
            parts.push(Doc::Line);
            parts.push(Doc::text(format!("w{i}")));
        }
        Doc::Concat(parts).nest().group()
    }

    fn layout(doc: &Doc<'_>, width: usize) -> String {
        let mut out = String::new();
        render(doc, &mut out, 0, 0, width);
        out
    }

    #[test]
    fn a_group_that_fits_stays_on_one_line() {
        assert_eq!(layout(&words(3), 8), "w0 w1 w2");
    }

    #[test]
    fn a_group_that_does_not_fit_breaks_every_line() {
        assert_eq!(layout(&words(3), 7), "w0\n  w1\n  w2");
    }

    #[test]
    fn text_after_a_group_counts_against_it() {
        let doc = Doc::Concat(vec![words(2), Doc::text(")")]);
        // "w0 w1" fits in 5 columns, "w0 w1)" does not.
        assert_eq!(layout(&doc, 5), "w0\n  w1)");
        assert_eq!(layout(&doc, 6), "w0 w1)");
    }

    #[test]
    fn a_comment_breaks_its_group() {
        let doc = Doc::Concat(vec![
            Doc::text("a"),
            Doc::Concat(vec![
                Doc::Comment("// c".into()),
                Doc::Line,
                Doc::text("or b"),
            ])
            .nest(),
        ])
        .group();
        assert_eq!(layout(&doc, 100), "a  // c\n  or b");
    }

    #[test]
    fn if_break_prints_only_when_broken() {
        let doc = Doc::Concat(vec![
            Doc::text("["),
            Doc::Concat(vec![Doc::SoftLine, Doc::text("a"), Doc::IfBreak(",")]).nest(),
            Doc::SoftLine,
            Doc::text("]"),
        ])
        .group();
        assert_eq!(layout(&doc, 3), "[a]");
        assert_eq!(layout(&doc, 2), "[\n  a,\n]");
    }
}
