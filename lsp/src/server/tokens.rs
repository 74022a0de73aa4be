//! Semantic tokens: the whole document (`textDocument/semanticTokens/full`)
//! and the difference from the last result sent for it
//! (`…/full/delta`): each result gets an id, the server keeps the last
//! one per document, and a delta request naming it gets the one edit
//! that turns it into the new tokens (the unchanged tokens at both ends
//! are not sent). An unknown or stale id gets the whole document.

use super::*;

/// The last tokens sent for each document, by document key.
#[derive(Default)]
pub(super) struct SentTokens {
    next_id: u64,
    by_document: HashMap<String, (String, Vec<SemanticToken>)>,
}

impl SentTokens {
    /// Records `tokens` as sent for `key`; returns their result id.
    fn record(&mut self, key: String, tokens: Vec<SemanticToken>) -> String {
        self.next_id += 1;
        let id = self.next_id.to_string();
        self.by_document.insert(key, (id.clone(), tokens));
        id
    }

    /// Forgets a closed document.
    pub(super) fn forget(&mut self, key: &str) {
        self.by_document.remove(key);
    }
}

/// The edit from `old` to `new`: the tokens between their common prefix and
/// common suffix (positions in the flat array count five numbers a token).
/// No edit when they are equal.
pub(super) fn delta(old: &[SemanticToken], new: &[SemanticToken]) -> Vec<SemanticTokensEdit> {
    let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let max_suffix = old.len().min(new.len()) - prefix;
    let suffix = old
        .iter()
        .rev()
        .zip(new.iter().rev())
        .take(max_suffix)
        .take_while(|(a, b)| a == b)
        .count();
    if prefix == old.len() && prefix == new.len() {
        return Vec::new();
    }
    vec![SemanticTokensEdit {
        start: (prefix * 5) as u32,
        delete_count: ((old.len() - prefix - suffix) * 5) as u32,
        data: Some(new[prefix..new.len() - suffix].to_vec()),
    }]
}

/// The document's tokens, relative-encoded in UTF-16 positions.
fn encode(a: &Analysis, key: &str, text: &str) -> Cancellable<Vec<SemanticToken>> {
    let index = LineIndex::new(text);
    let mut data = Vec::new();
    let (mut line, mut col) = (0u32, 0u32);
    for t in a.semantic_tokens(key)? {
        let start = index.position(t.span.start as usize);
        let end = index.position(t.span.end as usize);
        if end.line != start.line || end.character <= start.character {
            continue;
        }
        let delta_line = start.line - line;
        let delta_start = if delta_line == 0 {
            start.character - col
        } else {
            start.character
        };
        data.push(SemanticToken {
            delta_line,
            delta_start,
            length: end.character - start.character,
            token_type: t.kind as u32,
            token_modifiers_bitset: t.modifiers,
        });
        line = start.line;
        col = start.character;
    }
    Ok(data)
}

impl<C: Client> Server<C> {
    /// The tokens of the document at `uri` with its key, if the server knows it.
    async fn current_tokens(&self, uri: Uri) -> Result<Option<(String, Vec<SemanticToken>)>> {
        self.query_document(uri, move |a, _, key, text| {
            Ok(Some((key.to_string(), encode(a, key, text)?)))
        })
        .await
    }

    pub(super) async fn semantic_tokens_full_request(
        &self,
        params: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        let Some((key, data)) = self.current_tokens(params.text_document.uri).await? else {
            return Ok(None);
        };
        let id = lock(&self.state).tokens.record(key, data.clone());
        Ok(Some(SemanticTokensResult::Tokens(SemanticTokens {
            result_id: Some(id),
            data,
        })))
    }

    pub(super) async fn semantic_tokens_delta_request(
        &self,
        params: SemanticTokensDeltaParams,
    ) -> Result<Option<SemanticTokensFullDeltaResult>> {
        let Some((key, data)) = self.current_tokens(params.text_document.uri).await? else {
            return Ok(None);
        };
        let mut state = lock(&self.state);
        let edits = match state.tokens.by_document.get(&key) {
            Some((id, old)) if *id == params.previous_result_id => Some(delta(old, &data)),
            _ => None,
        };
        let id = state.tokens.record(key, data.clone());
        Ok(Some(match edits {
            Some(edits) => SemanticTokensFullDeltaResult::TokensDelta(SemanticTokensDelta {
                result_id: Some(id),
                edits,
            }),
            None => SemanticTokensFullDeltaResult::Tokens(SemanticTokens {
                result_id: Some(id),
                data,
            }),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tok(line: u32, start: u32) -> SemanticToken {
        SemanticToken {
            delta_line: line,
            delta_start: start,
            length: 1,
            token_type: 0,
            token_modifiers_bitset: 0,
        }
    }

    /// Applies edits to a flat array, as a client does.
    fn apply(old: &[SemanticToken], edits: &[SemanticTokensEdit]) -> Vec<SemanticToken> {
        let mut out = old.to_vec();
        for e in edits.iter().rev() {
            let start = e.start as usize / 5;
            let end = start + e.delete_count as usize / 5;
            out.splice(start..end, e.data.clone().unwrap_or_default());
        }
        out
    }

    #[test]
    fn delta_sends_only_the_middle() {
        let old = vec![tok(0, 1), tok(1, 2), tok(1, 3), tok(2, 4)];
        let new = vec![tok(0, 1), tok(1, 9), tok(1, 9), tok(1, 3), tok(2, 4)];
        let edits = delta(&old, &new);
        assert_eq!(edits.len(), 1);
        assert_eq!((edits[0].start, edits[0].delete_count), (5, 5));
        assert_eq!(edits[0].data.as_ref().map(Vec::len), Some(2));
        assert_eq!(apply(&old, &edits), new);
    }

    #[test]
    fn delta_of_equal_tokens_is_empty_and_of_a_removal_deletes() {
        let old = vec![tok(0, 1), tok(1, 2)];
        assert!(delta(&old, &old).is_empty());
        let edits = delta(&old, &old[..1]);
        assert_eq!((edits[0].start, edits[0].delete_count), (5, 5));
        assert_eq!(apply(&old, &edits), old[..1].to_vec());
        // Repeated tokens: prefix and suffix never overlap.
        let same = vec![tok(1, 1), tok(1, 1), tok(1, 1)];
        let longer = vec![tok(1, 1); 5];
        assert_eq!(apply(&same, &delta(&same, &longer)), longer);
        assert_eq!(apply(&longer, &delta(&longer, &same)), same);
    }
}
