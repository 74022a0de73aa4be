//! The nesting limit of policy files: a pre-pass over the token stream.
//!
//! Everything after the parser walks the syntax tree recursively (validation,
//! the checker, lowering, the formatter, the editor features, dropping the
//! tree), so a tree as deep as the input lets a few kilobytes of `not not not
//! …` or `[[[[…` overflow the stack. The parser itself is an LR automaton and
//! does not recurse; this pass runs before it and refuses a file whose
//! expressions could nest deeper than [`MAX_NESTING`], so no deep tree is ever
//! built.
//!
//! The measure is an upper bound of the tree's depth computed from tokens:
//! each open bracket (`(`, `[`, `{`) starts a level one deeper than the point
//! where it opens (and counts as an operator there, for calls `f()()`), and inside a level every operator token (`and`, `or`,
//! `not`, `where`, comparisons, `in`, `..`, `.`) adds one, because a chain
//! such as `a and b and c` is a left-nested tree with one node per operator.
//! A comma or any keyword that starts a clause or an item ends an expression
//! and resets the count.

use crate::lexer::Token;
use writ_diagnostics::{Diagnostic, FileId, Span, codes};

/// The deepest nesting of expressions a policy file may have, counted as
/// described in the module documentation. Generous for people (real policies
/// nest a handful of levels); small enough that every recursive pass fits in
/// the 2 MiB stack of a worker thread in a debug build with room to spare.
pub const MAX_NESTING: usize = 128;

/// What a token does to the nesting count.
enum Effect {
    Open,
    Close,
    Operator,
    /// Part of an expression that adds no level (names, literals, `::`).
    Neutral,
    /// Ends an expression: commas and clause or item keywords.
    Reset,
}

fn effect(token: &Token) -> Effect {
    match token {
        Token::LParen | Token::LBracket | Token::LBrace => Effect::Open,
        Token::RParen | Token::RBracket | Token::RBrace => Effect::Close,
        Token::And
        | Token::Or
        | Token::Not
        | Token::Where
        | Token::In
        | Token::Has
        | Token::Is
        | Token::EqEq
        | Token::NotEq
        | Token::Lt
        | Token::LtEq
        | Token::Gt
        | Token::GtEq
        | Token::Dot
        | Token::DotDot => Effect::Operator,
        Token::Ident(_)
        | Token::Str(_)
        | Token::Int(_)
        | Token::Duration(_)
        | Token::Date(_)
        | Token::DateTime(_)
        | Token::True
        | Token::False
        | Token::Team
        | Token::Person
        | Token::Node
        | Token::Change
        | Token::Emergency
        | Token::ColonColon
        | Token::Via
        | Token::Depth
        | Token::Pipe => Effect::Neutral,
        _ => Effect::Reset,
    }
}

/// Checks the nesting of `tokens`; returns the diagnostic (E0209) at the first
/// token that goes past [`MAX_NESTING`], or `None` when the file is within it.
pub(crate) fn check(file: FileId, tokens: &[(usize, Token, usize)]) -> Option<Diagnostic> {
    // Each level: the depth where it starts, and the operators seen since the
    // last reset inside it.
    let mut levels: Vec<(usize, usize)> = vec![(0, 0)];
    for (start, token, end) in tokens {
        let (base, ops) = *levels.last().expect("the outermost level is never popped");
        let depth = match effect(token) {
            Effect::Open => {
                // The bracket counts as an operator of the level it opens in
                // (so calls `f()()()` and groups in a chain add up) and starts
                // a level below it.
                levels.last_mut().expect("non-empty").1 += 1;
                levels.push((base + ops + 1, 0));
                base + ops + 1
            }
            Effect::Close => {
                if levels.len() > 1 {
                    levels.pop();
                }
                continue;
            }
            Effect::Operator => {
                levels.last_mut().expect("non-empty").1 += 1;
                base + ops + 1
            }
            Effect::Neutral => continue,
            Effect::Reset => {
                levels.last_mut().expect("non-empty").1 = 0;
                continue;
            }
        };
        if depth > MAX_NESTING {
            return Some(too_deep(file, Span::new(*start, *end)));
        }
    }
    None
}

fn too_deep(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::new(
        codes::E0209,
        file,
        span,
        format!("expressions nested more than {MAX_NESTING} levels deep"),
    )
    .with_label(format!("this goes past the limit of {MAX_NESTING} levels"))
    .with_note(
        "every bracket, `not` and operator adds a level (a chain `a and b and c` adds one per \
         `and`); the file is not analysed further",
    )
    .with_help("split the expression into `let` definitions and combine those")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexer::lex;

    fn depth_error(text: &str) -> Option<Diagnostic> {
        check(FileId(0), &lex(FileId(0), text).tokens)
    }

    #[test]
    fn the_limit_is_inclusive() {
        let at = format!("let a = {}true", "not ".repeat(MAX_NESTING));
        assert!(depth_error(&at).is_none());
        let past = format!("let a = {}true", "not ".repeat(MAX_NESTING + 1));
        let d = depth_error(&past).expect("refused");
        assert_eq!(d.code, codes::E0209);
        let start = "let a = ".len() + 4 * MAX_NESTING;
        assert_eq!(
            d.primary.span,
            Span::new(start, start + 3),
            "points at the first `not` too many"
        );
    }

    #[test]
    fn brackets_chains_and_fields_count() {
        let n = MAX_NESTING + 1;
        for text in [
            format!("let a = {}{}", "[".repeat(n), "]".repeat(n)),
            format!("let a = {}x{}", "(".repeat(n), ")".repeat(n)),
            format!("let a = x{}", " and x".repeat(n)),
            format!("let a = change{}", ".x".repeat(n)),
            format!("let a = f{}", "()".repeat(n)),
        ] {
            assert!(depth_error(&text).is_some(), "{text:.40}");
        }
    }

    #[test]
    fn separate_expressions_do_not_add_up() {
        let n = MAX_NESTING;
        let lets = "let a = x and y\n".repeat(n);
        let list = format!("let a = [{}]", "x and y, ".repeat(n));
        let rule = format!("rule r {{\n{}}}", "  when a and b\n".repeat(n));
        for text in [lets, list, rule] {
            assert!(depth_error(&text).is_none(), "{text:.40}");
        }
    }
}
