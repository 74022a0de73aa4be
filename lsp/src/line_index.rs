//! Byte offsets ↔ LSP positions (line, UTF-16 code unit): LSP types over
//! the one line index, [`writ_diagnostics::LineIndex`].
//!
//! Clients send any position: past the end of a line, past the last line, or
//! in the middle of a character that takes two UTF-16 units. None of these
//! is an error: a position past a line's end means the line's end, past the
//! last line the end of the text, and one inside a character that
//! character's start.

use tower_lsp_server::ls_types::{Position, Range};
use writ_diagnostics::Utf16Pos;
use writ_ide::Span;

/// One text with its line index, for conversions.
#[derive(Clone, Debug)]
pub struct LineIndex<'a> {
    text: &'a str,
    lines: writ_diagnostics::LineIndex,
}

impl<'a> LineIndex<'a> {
    /// Indexes `text`.
    pub fn new(text: &'a str) -> LineIndex<'a> {
        LineIndex {
            text,
            lines: writ_diagnostics::LineIndex::new(text),
        }
    }

    /// The byte offset of `position`, clamped as the module docs say.
    pub fn offset(&self, position: Position) -> usize {
        self.lines.utf16_offset(
            self.text,
            Utf16Pos {
                line: position.line,
                character: position.character,
            },
        )
    }

    /// The position of byte `offset` (clamped to the text and floored to a
    /// character boundary).
    pub fn position(&self, offset: usize) -> Position {
        let Utf16Pos { line, character } = self.lines.utf16_pos(self.text, offset);
        Position { line, character }
    }

    /// The range of a span.
    pub fn range(&self, span: Span) -> Range {
        Range {
            start: self.position(span.start as usize),
            end: self.position(span.end as usize),
        }
    }

    /// The span of a range (start and end clamped independently; a reversed
    /// range is emptied at its start).
    pub fn span(&self, range: Range) -> Span {
        let start = self.offset(range.start);
        let end = self.offset(range.end).max(start);
        Span::new(start, end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: u32, character: u32) -> Position {
        Position { line, character }
    }

    #[test]
    fn utf16_columns() {
        // 'é' is 2 bytes, 1 unit; '😀' is 4 bytes, 2 units.
        let text = "aé😀b\r\nx\n";
        let index = LineIndex::new(text);
        assert_eq!(index.offset(pos(0, 0)), 0);
        assert_eq!(index.offset(pos(0, 1)), 1);
        assert_eq!(index.offset(pos(0, 2)), 3);
        // Inside the surrogate pair: the emoji's start.
        assert_eq!(index.offset(pos(0, 3)), 3);
        assert_eq!(index.offset(pos(0, 4)), 7);
        assert_eq!(index.offset(pos(0, 5)), 8);
        // Past the line's end: before "\r\n".
        assert_eq!(index.offset(pos(0, 99)), 8);
        assert_eq!(index.offset(pos(1, 0)), 10);
        assert_eq!(index.offset(pos(2, 0)), 12);
        // Past the last line.
        assert_eq!(index.offset(pos(7, 3)), text.len());
        assert_eq!(index.position(7), pos(0, 4));
        // Inside the emoji's bytes: floored to its start.
        assert_eq!(index.position(5), pos(0, 2));
        assert_eq!(index.position(10), pos(1, 0));
        assert_eq!(index.position(999), pos(2, 0));
    }

    #[test]
    fn round_trip_on_every_boundary() {
        let text = "rule ünï {\n  // 日本 ☕ 😀😀\n}\n";
        let index = LineIndex::new(text);
        for (offset, _) in text.char_indices() {
            assert_eq!(
                index.offset(index.position(offset)),
                offset,
                "offset {offset}"
            );
        }
    }
}
