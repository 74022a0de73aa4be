//! Semantic tokens: every token of a file classified by what it resolves to.

use crate::index::{Target, occurrences};
use crate::{Analysis, Cancellable};
use std::collections::HashMap;
use writ_analysis::stdlib::is_std;
use writ_diagnostics::{FileId, Span};
use writ_syntax::lexer::{Token, lex};

/// The kinds of token, in legend order ([`TOKEN_TYPES`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TokenType {
    /// `rule`, `for`, …
    Keyword,
    /// Comments and doc comments.
    Comment,
    /// String literals.
    String,
    /// Numbers, durations, dates.
    Number,
    /// `==`, `..`, `->`, `|`, …
    Operator,
    /// Module paths.
    Namespace,
    /// Node kinds.
    Type,
    /// Rules, forbids, emergency paths and approval chains.
    Function,
    /// `let` names.
    Variable,
    /// `for` variables and chain parameters.
    Parameter,
    /// Node fields, attributes, `change` fields and methods, `owners`.
    Property,
    /// Edge kinds, `agent` / `human`.
    EnumMember,
}

/// The legend's type names (LSP's standard names), indexed by [`TokenType`].
pub const TOKEN_TYPES: &[&str] = &[
    "keyword",
    "comment",
    "string",
    "number",
    "operator",
    "namespace",
    "type",
    "function",
    "variable",
    "parameter",
    "property",
    "enumMember",
];

/// Token modifiers, bits of [`SemanticToken::modifiers`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenModifier {
    /// The token declares its name.
    Declaration = 1,
    /// A doc comment.
    Documentation = 2,
    /// Something of the standard library or built in.
    DefaultLibrary = 4,
}

/// The legend's modifier names, bit `i` is `TOKEN_MODIFIERS[i]`.
pub const TOKEN_MODIFIERS: &[&str] = &["declaration", "documentation", "defaultLibrary"];

/// One classified token (never spans a line break).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SemanticToken {
    /// The bytes.
    pub span: Span,
    /// What it is.
    pub kind: TokenType,
    /// [`TokenModifier`] bits.
    pub modifiers: u32,
}

impl Analysis {
    /// Every token of a policy file, classified, in order.
    pub fn semantic_tokens(&self, path: &str) -> Cancellable<Vec<SemanticToken>> {
        self.with(|ctx| {
            let Some(file) = ctx.file(path) else {
                return Vec::new();
            };
            let text = file.text(ctx.db);
            let by_span: HashMap<(u32, u32), (Target, bool)> = occurrences(ctx, file)
                .into_iter()
                .map(|o| ((o.span.start, o.span.end), (o.target, o.is_def)))
                .collect();
            let lexed = lex(FileId(0), text);
            let mut out = Vec::new();
            for (start, token, end) in &lexed.tokens {
                let span = Span::new(*start, *end);
                let (kind, mut modifiers) = match token {
                    Token::Ident(_) => match by_span.get(&(span.start, span.end)) {
                        Some((target, is_def)) => {
                            let Some((kind, m)) = classify(target) else {
                                continue;
                            };
                            (
                                kind,
                                m | if *is_def {
                                    TokenModifier::Declaration as u32
                                } else {
                                    0
                                },
                            )
                        }
                        None => continue,
                    },
                    Token::Str(_) => (TokenType::String, 0),
                    Token::Int(_) | Token::Duration(_) | Token::Date(_) | Token::DateTime(_) => {
                        (TokenType::Number, 0)
                    }
                    Token::Doc(_) | Token::InnerDoc(_) => {
                        (TokenType::Comment, TokenModifier::Documentation as u32)
                    }
                    Token::EqEq
                    | Token::NotEq
                    | Token::Lt
                    | Token::LtEq
                    | Token::Gt
                    | Token::GtEq
                    | Token::DotDot
                    | Token::Arrow
                    | Token::Pipe
                    | Token::Assign
                    | Token::Star => (TokenType::Operator, 0),
                    Token::LBrace
                    | Token::RBrace
                    | Token::LParen
                    | Token::RParen
                    | Token::LBracket
                    | Token::RBracket
                    | Token::Comma
                    | Token::Dot
                    | Token::ColonColon => continue,
                    _ => (TokenType::Keyword, 0),
                };
                // `emergency` after `change.` is a field.
                if kind == TokenType::Keyword
                    && let Some((Target::ChangeField(_), _)) = by_span.get(&(span.start, span.end))
                {
                    modifiers = 0;
                    out.push(SemanticToken {
                        span,
                        kind: TokenType::Property,
                        modifiers,
                    });
                    continue;
                }
                out.push(SemanticToken {
                    span,
                    kind,
                    modifiers,
                });
            }
            for comment in &lexed.comments {
                out.push(SemanticToken {
                    span: comment.span,
                    kind: TokenType::Comment,
                    modifiers: 0,
                });
            }
            // Module paths cover several tokens (`std::approvals`): split them.
            for (span, (target, _)) in &by_span {
                if let Target::Module(m) = target
                    && span.0 < span.1
                {
                    let std = if is_std(m) {
                        TokenModifier::DefaultLibrary as u32
                    } else {
                        0
                    };
                    let mut offset = span.0 as usize;
                    for segment in text[span.0 as usize..span.1 as usize].split("::") {
                        let s = Span::new(offset, offset + segment.len());
                        let trimmed = segment.trim();
                        if !trimmed.is_empty() {
                            let lead = segment.len() - segment.trim_start().len();
                            out.retain(|t| {
                                t.span
                                    != Span::new(
                                        s.start as usize + lead,
                                        s.start as usize + lead + trimmed.len(),
                                    )
                            });
                            out.push(SemanticToken {
                                span: Span::new(
                                    s.start as usize + lead,
                                    s.start as usize + lead + trimmed.len(),
                                ),
                                kind: TokenType::Namespace,
                                modifiers: std,
                            });
                        }
                        offset += segment.len() + 2;
                    }
                }
            }
            out.sort_by_key(|t| (t.span.start, t.span.end));
            out.dedup_by(|b, a| b.span.start < a.span.end);
            out
        })
    }
}

fn classify(target: &Target) -> Option<(TokenType, u32)> {
    let std = TokenModifier::DefaultLibrary as u32;
    Some(match target {
        Target::Item(def) => {
            let kind = match def.kind {
                writ_analysis::items::ItemKind::Let => TokenType::Variable,
                _ => TokenType::Function,
            };
            (kind, if is_std(&def.module) { std } else { 0 })
        }
        Target::Module(_) => return None,
        Target::Local { .. } => (TokenType::Parameter, 0),
        Target::Kind(_) => (TokenType::Type, 0),
        Target::Field(_) | Target::ChangeField(_) => (TokenType::Property, 0),
        Target::Builtin(_) => (TokenType::Property, std),
        Target::EdgeKind(_) | Target::PrincipalKind(_) => (TokenType::EnumMember, 0),
        Target::Node(_)
        | Target::Team(_)
        | Target::Person(_)
        | Target::Check(_)
        | Target::Tag(_)
        | Target::Unresolved(_) => return None,
    })
}
