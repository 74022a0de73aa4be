//! Completion inside a string literal: node, team, person, check and
//! edge-kind ids from the graph, by the keyword before the quote.

use super::*;

pub(super) fn string_items(before: &[&Tok], out: &mut Out<'_>) {
    match tok(before, 0) {
        Some(Token::Node) => out.nodes(),
        Some(Token::Team) => out.teams(),
        Some(Token::Person) => out.people(),
        Some(Token::Check) => out.checks(),
        Some(Token::On) if matches!(tok(before, 2), Some(Token::Check)) => out.nodes(),
        Some(Token::Has) => match ident(tok(before, 1)) {
            Some("tags") => out.tags(),
            Some("owners") => {
                out.teams();
                out.people();
            }
            Some("checks") => out.checks(),
            _ => {}
        },
        Some(Token::EqEq | Token::NotEq) => match ident(tok(before, 1)) {
            Some("id") => out.nodes(),
            Some("kind") => {
                if let Some(g) = out.graph {
                    for k in g.node_kinds() {
                        out.add(k, CompletionKind::NodeKind, None);
                    }
                }
            }
            _ => {}
        },
        Some(Token::By) => out.people(),
        Some(Token::Ident(s)) if s == "author" => out.people(),
        Some(Token::Comma) => {
            // A list of strings: look at what heads it.
            let mut i = before.len();
            while i >= 2
                && matches!(before[i - 1].1, Token::Comma)
                && matches!(before[i - 2].1, Token::Str(_))
            {
                i -= 2;
            }
            if i >= 1 && matches!(before[i - 1].1, Token::By) {
                out.people();
            }
        }
        _ => {}
    }
}
