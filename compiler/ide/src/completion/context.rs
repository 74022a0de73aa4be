//! Where the cursor is, judged from the tokens before it: the enclosing
//! block and whether it is inside a `where` filter.

use super::*;

/// The block enclosing the end of `before`.
pub(super) fn block(before: &[&Tok], line_start: bool) -> Block {
    let mut stack: Vec<Block> = Vec::new();
    let mut item_kw: Option<&Token> = None;
    for (i, (_, t, _)) in before.iter().map(|t| (t.0, &t.1, t.2)).enumerate() {
        match t {
            Token::LBrace => {
                let prev = i.checked_sub(1).map(|j| &before[j].1);
                let b = if stack.is_empty() {
                    match (item_kw, prev) {
                        (Some(Token::Use), _) => {
                            // `use a::b::{`: the module is the path before `::{`.
                            let mut segs = Vec::new();
                            let mut j = i;
                            while j >= 2 {
                                match (&before[j - 1].1, &before[j - 2].1) {
                                    (Token::ColonColon, Token::Ident(s)) => {
                                        segs.push(s.clone());
                                        j -= 2;
                                    }
                                    _ => break,
                                }
                            }
                            segs.reverse();
                            Block::UseGroup(segs.join("::"))
                        }
                        (Some(Token::Rule), _) => Block::Rule,
                        (Some(Token::Forbid), _) => Block::Forbid,
                        (Some(Token::Approval), _) => Block::Chain,
                        (Some(Token::Emergency), _) => Block::Emergency,
                        (Some(Token::Test), _) => Block::Test,
                        _ => Block::Other,
                    }
                } else {
                    match prev {
                        Some(Token::Change) => Block::TestChange,
                        Some(Token::Approval) => Block::Chain,
                        _ => Block::Other,
                    }
                };
                stack.push(b);
            }
            Token::RBrace => {
                stack.pop();
            }
            t if stack.is_empty() && t.starts_item() => item_kw = Some(t),
            _ => {}
        }
    }
    match stack.last() {
        Some(b) => b.clone(),
        // Inside a `let` or `use` that continues on the cursor's line.
        None => match item_kw {
            Some(Token::Use | Token::Let) if !line_start => Block::Other,
            _ => Block::Top,
        },
    }
}

/// Whether the cursor is inside a `where` filter.
pub(super) fn in_filter(before: &[&Tok]) -> bool {
    let mut depth = 0i32;
    for (_, t, _) in before.iter().rev().map(|t| (t.0, &t.1, t.2)) {
        match t {
            Token::RParen | Token::RBracket => depth += 1,
            Token::LParen | Token::LBracket => {
                if depth == 0 {
                    return false;
                }
                depth -= 1;
            }
            Token::Comma if depth == 0 => return false,
            Token::Where if depth == 0 => return true,
            Token::For
            | Token::When
            | Token::Require
            | Token::Unless
            | Token::LBrace
            | Token::RBrace
            | Token::Assign => return false,
            _ => {}
        }
    }
    false
}
