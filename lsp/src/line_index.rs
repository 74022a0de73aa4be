//! Byte offsets ↔ LSP positions (line, UTF-16 code unit).
//!
//! Clients send any position: past the end of a line, past the last line, or
//! in the middle of a character that takes two UTF-16 units. None of these
//! is an error: a position past a line's end means the line's end, past the
//! last line the end of the text, and one inside a character that
//! character's start.

use tower_lsp_server::ls_types::{Position, Range};
use writ_ide::Span;

/// The line starts of one text, for conversions.
#[derive(Clone, Debug)]
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    /// Indexes `text`.
    pub fn new(text: &'a str) -> LineIndex<'a> {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { text, starts }
    }

    /// The byte offset of `position`, clamped as the module docs say.
    pub fn offset(&self, position: Position) -> usize {
        let line = position.line as usize;
        let Some(&start) = self.starts.get(line) else {
            return self.text.len();
        };
        let end = self.line_end(line);
        let mut units = 0u32;
        for (i, c) in self.text[start..end].char_indices() {
            let next = units + c.len_utf16() as u32;
            if next > position.character {
                // Past the requested column, or inside this character.
                return start + i;
            }
            units = next;
        }
        end
    }

    /// The position of byte `offset` (clamped to the text and floored to a
    /// character boundary).
    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = match self.starts.binary_search(&offset) {
            Ok(l) => l,
            Err(l) => l - 1,
        };
        let start = self.starts[line];
        let character: usize = self.text[start..offset].chars().map(char::len_utf16).sum();
        Position {
            line: line as u32,
            character: character as u32,
        }
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

    /// The end of line `line`, before its `\n` (and a `\r` before that).
    fn line_end(&self, line: usize) -> usize {
        let next = self.starts.get(line + 1).map_or(self.text.len(), |s| s - 1);
        let content = &self.text[self.starts[line]..next];
        self.starts[line] + content.strip_suffix('\r').unwrap_or(content).len()
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
