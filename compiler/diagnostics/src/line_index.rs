//! The one line index: byte offsets ↔ lines and columns.
//!
//! Every conversion between a byte offset and a line/column in writ goes
//! through [`LineIndex`]: diagnostics (1-based line, column in Unicode scalar
//! values), plan origins, ingestion errors, editor folds and the language
//! server (0-based line, column in UTF-16 code units, as LSP counts).
//!
//! A line ends at `\n`; a `\r` before it belongs to the line's text (so
//! columns after a `\r\n` are the same as after a `\n`) but not to its
//! *content* ([`LineIndex::line_end`]). Conversions never fail: an offset past
//! the end is the end, an offset inside a multi-byte character is floored to
//! that character's start, and a position past a line's end is the line's
//! end. The index holds only line starts (no text), so it compares by value
//! and can be cached (the checker keeps one per file in salsa); the text is
//! passed to the methods that count characters.

use std::ops::Range;

/// A 1-based line and column; the column counts Unicode scalar values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    /// 1-based line number.
    pub line: u32,
    /// 1-based column, in Unicode scalar values.
    pub column: u32,
}

/// A 0-based line and a 0-based column in UTF-16 code units (an LSP
/// `Position`, without depending on LSP types).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Utf16Pos {
    /// 0-based line.
    pub line: u32,
    /// 0-based column in UTF-16 code units.
    pub character: u32,
}

/// The byte offsets at which the lines of one text start.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LineIndex {
    /// Offsets of line starts; the first is always 0.
    starts: Vec<usize>,
    /// Length of the indexed text in bytes.
    len: usize,
}

impl LineIndex {
    /// Indexes `text`.
    pub fn new(text: &str) -> LineIndex {
        LineIndex::from_bytes(text.as_bytes())
    }

    /// Indexes bytes that may not be UTF-8 (a plan, an XML report): lines
    /// are found by `\n` bytes.
    pub fn from_bytes(bytes: &[u8]) -> LineIndex {
        let starts = std::iter::once(0)
            .chain(
                bytes
                    .iter()
                    .enumerate()
                    .filter(|&(_, &b)| b == b'\n')
                    .map(|(i, _)| i + 1),
            )
            .collect();
        LineIndex {
            starts,
            len: bytes.len(),
        }
    }

    /// Number of lines (a text ending in `\n` has an empty last line).
    pub(crate) fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// Length of the indexed text in bytes.
    pub fn text_len(&self) -> usize {
        self.len
    }

    /// 0-based line holding byte `offset` (clamped to the text).
    pub fn line_of(&self, offset: usize) -> usize {
        let offset = offset.min(self.len);
        self.starts.partition_point(|&s| s <= offset) - 1
    }

    /// Byte offset of the start of 0-based `line` (the text's length for a
    /// line past the last).
    pub fn line_start(&self, line: usize) -> usize {
        self.starts.get(line).copied().unwrap_or(self.len)
    }

    /// The bytes of 0-based `line` including its `\n`, or `None` past the
    /// last line.
    pub(crate) fn line_range(&self, line: usize) -> Option<Range<usize>> {
        (line < self.starts.len()).then(|| self.line_start(line)..self.line_start(line + 1))
    }

    /// End of the content of 0-based `line`: before its `\n` and a `\r`
    /// before that (the text's length for a line past the last).
    pub(crate) fn line_end(&self, text: &str, line: usize) -> usize {
        let Some(&start) = self.starts.get(line) else {
            return self.len;
        };
        let next = self.starts.get(line + 1).map_or(self.len, |s| s - 1);
        let content = &text[start..next];
        start + content.strip_suffix('\r').unwrap_or(content).len()
    }

    /// 1-based line and column (in characters) of byte `offset` of `text`,
    /// clamped to the text and floored to a character boundary.
    pub fn line_col(&self, text: &str, offset: usize) -> LineCol {
        let offset = floor_boundary(text, offset);
        let line = self.line_of(offset);
        let column = text[self.starts[line]..offset].chars().count() + 1;
        LineCol {
            line: line as u32 + 1,
            column: column as u32,
        }
    }

    /// 1-based line and column of byte `offset` of bytes that may not be
    /// UTF-8: the column counts the characters of the line's bytes read
    /// lossily (each invalid sequence is one character).
    pub fn line_col_lossy(&self, bytes: &[u8], offset: usize) -> LineCol {
        let offset = offset.min(bytes.len());
        let line = self.line_of(offset);
        let before = &bytes[self.starts[line]..offset];
        let column = String::from_utf8_lossy(before).chars().count() + 1;
        LineCol {
            line: line as u32 + 1,
            column: column as u32,
        }
    }

    /// Byte offset of 0-based `line` and 0-based *byte* `column` (how
    /// serde_json reports positions), clamped to the text but not to the
    /// line.
    pub fn offset_of_byte_column(&self, line: usize, column: usize) -> usize {
        (self.line_start(line) + column).min(self.len)
    }

    /// The LSP position of byte `offset` of `text` (clamped to the text and
    /// floored to a character boundary).
    pub fn utf16_pos(&self, text: &str, offset: usize) -> Utf16Pos {
        let offset = floor_boundary(text, offset);
        let line = self.line_of(offset);
        let character: usize = text[self.starts[line]..offset]
            .chars()
            .map(char::len_utf16)
            .sum();
        Utf16Pos {
            line: line as u32,
            character: character as u32,
        }
    }

    /// The byte offset of LSP position `pos` in `text`: past a line's end
    /// is the line's end, past the last line the end of the text, inside a
    /// character (between the two units of a surrogate pair) its start.
    pub fn utf16_offset(&self, text: &str, pos: Utf16Pos) -> usize {
        let line = pos.line as usize;
        let Some(&start) = self.starts.get(line) else {
            return self.len;
        };
        let end = self.line_end(text, line);
        let mut units = 0u32;
        for (i, c) in text[start..end].char_indices() {
            let next = units + c.len_utf16() as u32;
            if next > pos.character {
                return start + i;
            }
            units = next;
        }
        end
    }
}

/// The bytes of the line of `text` holding `offset`, without its `\n`, for
/// a one-off look at the current line (no index is built).
pub fn line_around(text: &str, offset: usize) -> Range<usize> {
    let offset = floor_boundary(text, offset);
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    start..end
}

/// `offset` clamped to `text` and floored to a character boundary.
fn floor_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pos(line: u32, character: u32) -> Utf16Pos {
        Utf16Pos { line, character }
    }

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let text = "ab\né😀x\n";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(text, 0), LineCol { line: 1, column: 1 });
        assert_eq!(index.line_col(text, 3), LineCol { line: 2, column: 1 });
        // after 'é' (2 bytes) and '😀' (4 bytes)
        assert_eq!(index.line_col(text, 9), LineCol { line: 2, column: 3 });
        // inside a multi-byte character: floored to its start
        assert_eq!(index.line_col(text, 4), LineCol { line: 2, column: 1 });
        // past the end: clamped
        assert_eq!(index.line_col(text, 100), LineCol { line: 3, column: 1 });
        assert_eq!(index.line_count(), 3);
        assert_eq!(index.line_range(1), Some(3..11));
        assert_eq!(index.line_range(3), None);
    }

    #[test]
    fn utf16_columns() {
        // 'é' is 2 bytes, 1 unit; '😀' is 4 bytes, 2 units.
        let text = "aé😀b\r\nx\n";
        let index = LineIndex::new(text);
        let offset = |p| index.utf16_offset(text, p);
        assert_eq!(offset(pos(0, 0)), 0);
        assert_eq!(offset(pos(0, 1)), 1);
        assert_eq!(offset(pos(0, 2)), 3);
        // Inside the surrogate pair: the emoji's start.
        assert_eq!(offset(pos(0, 3)), 3);
        assert_eq!(offset(pos(0, 4)), 7);
        assert_eq!(offset(pos(0, 5)), 8);
        // Past the line's end: before "\r\n".
        assert_eq!(offset(pos(0, 99)), 8);
        assert_eq!(offset(pos(1, 0)), 10);
        assert_eq!(offset(pos(2, 0)), 12);
        // Past the last line.
        assert_eq!(offset(pos(7, 3)), text.len());
        assert_eq!(index.utf16_pos(text, 7), pos(0, 4));
        // Inside the emoji's bytes: floored to its start.
        assert_eq!(index.utf16_pos(text, 5), pos(0, 2));
        assert_eq!(index.utf16_pos(text, 10), pos(1, 0));
        assert_eq!(index.utf16_pos(text, 999), pos(2, 0));
    }

    #[test]
    fn byte_columns_and_lossy_columns() {
        let bytes = b"{\n  \"a\": \xff\xfex\n";
        let index = LineIndex::from_bytes(bytes);
        assert_eq!(index.offset_of_byte_column(1, 2), 4);
        // Not clamped to the line, only to the text.
        assert_eq!(index.offset_of_byte_column(0, 5), 5);
        assert_eq!(index.offset_of_byte_column(9, 0), bytes.len());
        // Each invalid byte reads as one replacement character.
        assert_eq!(
            index.line_col_lossy(bytes, 12),
            LineCol {
                line: 2,
                column: 11
            }
        );
    }

    #[test]
    fn line_around_the_cursor() {
        let text = "one\ntwo three\nfour";
        assert_eq!(&text[line_around(text, 6)], "two three");
        assert_eq!(&text[line_around(text, 4)], "two three");
        assert_eq!(&text[line_around(text, 3)], "one");
        assert_eq!(&text[line_around(text, 99)], "four");
    }

    proptest! {
        /// Every character boundary survives offset → line/column → offset,
        /// in both column units, and line/column agree with a naive count.
        #[test]
        fn round_trips(text in "(\\PC|\\r|\\n|😀|é){0,64}") {
            let index = LineIndex::new(&text);
            for (offset, _) in text.char_indices().chain([(text.len(), ' ')]) {
                let p = index.utf16_pos(&text, offset);
                prop_assert_eq!(index.utf16_offset(&text, p), offset.min(
                    // an offset between `\r` and `\n` maps back to the line's end
                    if text[..offset].ends_with('\r') && (text[offset..].starts_with('\n') || offset == text.len()) {
                        offset - 1
                    } else {
                        offset
                    }
                ));
                let lc = index.line_col(&text, offset);
                let before = &text[..offset];
                let naive_line = before.matches('\n').count() + 1;
                let naive_col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
                prop_assert_eq!(lc, LineCol { line: naive_line as u32, column: naive_col as u32 });
                prop_assert_eq!(
                    index.line_start(lc.line as usize - 1) + before.rsplit('\n').next().unwrap_or("").len(),
                    offset
                );
            }
        }

        /// Conversions never panic, whatever the offset or position.
        #[test]
        fn total(text in "(\\PC|\\r|\\n|😀){0,32}", offset in 0usize..200, line in 0u32..10, ch in 0u32..80) {
            let index = LineIndex::new(&text);
            let _ = index.line_col(&text, offset);
            let _ = index.utf16_pos(&text, offset);
            let back = index.utf16_offset(&text, pos(line, ch));
            prop_assert!(text.is_char_boundary(back));
            let _ = line_around(&text, offset);
        }
    }
}
