//! Formatting in the editor: the whole file (`writ fmt`'s layout) or only the
//! items a range touches, each as the smallest edit that turns the text into
//! the formatter's output (so the cursor and the undo history stay put).

use crate::{Analysis, Cancellable, TextEdit};
use writ_diagnostics::{FileId, Span};

impl Analysis {
    /// The edits that format a file as `writ fmt` does; `None` if it has
    /// syntax errors (it is then left alone).
    pub fn format(&self, path: &str) -> Cancellable<Option<Vec<TextEdit>>> {
        self.with(|ctx| {
            let file = ctx.file(path)?;
            let parsed = ctx.parse(file);
            if parsed.has_errors() {
                return None;
            }
            let text = file.text(ctx.db);
            let formatted = writ_syntax::format::format_parsed(text, parsed);
            Some(
                minimal_edit(text, 0, text.len(), &formatted)
                    .into_iter()
                    .collect(),
            )
        })
    }

    /// The edits that format the items `range` touches (a selection, or the
    /// item at a cursor when `range` is empty), each item exactly as `writ fmt`
    /// lays it out, the rest of the file untouched; `None` if the file has
    /// syntax errors. A range between items touches none: no edits.
    pub fn format_range(&self, path: &str, range: Span) -> Cancellable<Option<Vec<TextEdit>>> {
        self.with(|ctx| {
            let file = ctx.file(path)?;
            let parsed = ctx.parse(file);
            if parsed.has_errors() {
                return None;
            }
            let text = file.text(ctx.db);
            let formatted = writ_syntax::format::format_parsed(text, parsed);
            // The formatter keeps the items in order, one for one: item i of
            // the output is item i of the input, formatted.
            let reparsed = writ_syntax::parse(FileId(0), &formatted);
            let (before, after) = (&parsed.file.items, &reparsed.file.items);
            if before.len() != after.len() {
                return None;
            }
            let mut edits = Vec::new();
            for (old, new) in before.iter().zip(after) {
                let touches = if range.start == range.end {
                    old.span.start <= range.start && range.start <= old.span.end
                } else {
                    old.span.start < range.end && range.start < old.span.end
                };
                if !touches {
                    continue;
                }
                // From the start of the item's line when only indentation
                // precedes it (the formatter puts items at column 0).
                let mut start = old.span.start as usize;
                let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
                if text[line_start..start].trim().is_empty() {
                    start = line_start;
                }
                let new_text = &formatted[new.span.range()];
                edits.extend(minimal_edit(text, start, old.span.end as usize, new_text));
            }
            Some(edits)
        })
    }
}

/// The edit that turns `text[start..end]` into `new`, trimmed to the bytes
/// that differ (on character boundaries); `None` if nothing differs.
fn minimal_edit(text: &str, start: usize, end: usize, new: &str) -> Option<TextEdit> {
    let old = &text[start..end];
    if old == new {
        return None;
    }
    let mut prefix = old
        .bytes()
        .zip(new.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    while !old.is_char_boundary(prefix) || !new.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let max_suffix = old.len().min(new.len()) - prefix;
    let mut suffix = old
        .bytes()
        .rev()
        .zip(new.bytes().rev())
        .take(max_suffix)
        .take_while(|(a, b)| a == b)
        .count();
    while !old.is_char_boundary(old.len() - suffix) || !new.is_char_boundary(new.len() - suffix) {
        suffix -= 1;
    }
    Some(TextEdit {
        span: Span::new(start + prefix, end - suffix),
        text: new[prefix..new.len() - suffix].to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_edit_keeps_common_ends() {
        let e = minimal_edit("abcXYdef", 0, 8, "abcZdef").expect("differs");
        assert_eq!((e.span, e.text.as_str()), (Span::new(3, 5), "Z"));
        assert_eq!(minimal_edit("same", 0, 4, "same"), None);
        // Multi-byte characters are never split.
        let e = minimal_edit("aé", 0, 3, "aè").expect("differs");
        assert_eq!((e.span, e.text.as_str()), (Span::new(1, 3), "è"));
    }
}
