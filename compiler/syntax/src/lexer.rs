//! The lexer: logos underneath, a repairing layer on top.
//!
//! Lexing never fails. Every problem becomes a [`Diagnostic`] and the token
//! stream is repaired so the parser can carry on: an invalid character is
//! dropped, an unterminated string is closed at the end of its line, a bad
//! escape is kept verbatim, an out-of-range date still yields a date token.
//! Comments are kept aside (the formatter puts them back); doc comments that
//! document nothing are reported and demoted to plain comments.

use crate::ast::{Date, DateTime, Duration, DurationUnit};
use logos::Logos;
use writ_diagnostics::{Diagnostic, FileId, Span, codes};

/// A token as the parser sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Token {
    // Item keywords.
    /// `use`
    Use,
    /// `rule`
    Rule,
    /// `approval`
    Approval,
    /// `forbid`
    Forbid,
    /// `emergency`
    Emergency,
    /// `test`
    Test,
    /// `assert`
    Assert,
    /// `let`
    Let,
    // Clause keywords.
    /// `for`
    For,
    /// `in`
    In,
    /// `when`
    When,
    /// `unless`
    Unless,
    /// `require`
    Require,
    /// `check`
    Check,
    /// `on`
    On,
    /// `of`
    Of,
    /// `then`
    Then,
    /// `distinct`
    Distinct,
    /// `from`
    From,
    /// `humans`
    Humans,
    /// `only`
    Only,
    /// `followup`
    Followup,
    /// `review`
    Review,
    /// `within`
    Within,
    /// `expires`
    Expires,
    /// `after`
    After,
    /// `all`
    All,
    // Expression keywords.
    /// `where`
    Where,
    /// `via`
    Via,
    /// `depth`
    Depth,
    /// `and`
    And,
    /// `or`
    Or,
    /// `not`
    Not,
    /// `has`
    Has,
    /// `is`
    Is,
    /// `true`
    True,
    /// `false`
    False,
    /// `team`
    Team,
    /// `person`
    Person,
    /// `node`
    Node,
    /// `change`
    Change,
    // Test keywords.
    /// `given`
    Given,
    /// `expect`
    Expect,
    /// `by`
    By,
    /// `decision`
    Decision,
    /// `requires`
    Requires,
    /// `fires`
    Fires,
    // Punctuation.
    /// `{`
    LBrace,
    /// `}`
    RBrace,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `,`
    Comma,
    /// `.`
    Dot,
    /// `..`
    DotDot,
    /// `::`
    ColonColon,
    /// `*`
    Star,
    /// `==`
    EqEq,
    /// `!=`
    NotEq,
    /// `<`
    Lt,
    /// `<=`
    LtEq,
    /// `>`
    Gt,
    /// `>=`
    GtEq,
    /// `=`
    Assign,
    /// `|`
    Pipe,
    /// `->`
    Arrow,
    // Literals and names.
    /// An identifier.
    Ident(String),
    /// A string literal, escapes decoded.
    Str(String),
    /// An integer literal.
    Int(u64),
    /// A duration literal such as `48h`.
    Duration(Duration),
    /// A date literal such as `2026-12-20`.
    Date(Date),
    /// A date-time literal such as `2026-12-20T08:00:00Z`.
    DateTime(DateTime),
    /// An outer doc comment line (`///`), text after the slashes.
    Doc(String),
    /// An inner doc comment line (`//!`), text after the marker.
    InnerDoc(String),
}

/// Every keyword with its token, for completion, highlighting and docs.
pub const KEYWORDS: &[(&str, Token)] = &[
    ("after", Token::After),
    ("all", Token::All),
    ("and", Token::And),
    ("approval", Token::Approval),
    ("assert", Token::Assert),
    ("by", Token::By),
    ("change", Token::Change),
    ("check", Token::Check),
    ("decision", Token::Decision),
    ("depth", Token::Depth),
    ("distinct", Token::Distinct),
    ("emergency", Token::Emergency),
    ("expect", Token::Expect),
    ("expires", Token::Expires),
    ("false", Token::False),
    ("fires", Token::Fires),
    ("followup", Token::Followup),
    ("for", Token::For),
    ("forbid", Token::Forbid),
    ("from", Token::From),
    ("given", Token::Given),
    ("has", Token::Has),
    ("humans", Token::Humans),
    ("in", Token::In),
    ("is", Token::Is),
    ("let", Token::Let),
    ("node", Token::Node),
    ("not", Token::Not),
    ("of", Token::Of),
    ("on", Token::On),
    ("only", Token::Only),
    ("or", Token::Or),
    ("person", Token::Person),
    ("require", Token::Require),
    ("requires", Token::Requires),
    ("review", Token::Review),
    ("rule", Token::Rule),
    ("team", Token::Team),
    ("test", Token::Test),
    ("then", Token::Then),
    ("true", Token::True),
    ("unless", Token::Unless),
    ("use", Token::Use),
    ("via", Token::Via),
    ("when", Token::When),
    ("where", Token::Where),
    ("within", Token::Within),
];

fn keyword(word: &str) -> Option<Token> {
    KEYWORDS
        .binary_search_by(|(k, _)| (*k).cmp(word))
        .ok()
        .map(|i| KEYWORDS[i].1.clone())
}

impl Token {
    /// Whether this token starts a top-level item.
    pub fn starts_item(&self) -> bool {
        matches!(
            self,
            Token::Use
                | Token::Rule
                | Token::Approval
                | Token::Forbid
                | Token::Emergency
                | Token::Test
                | Token::Assert
                | Token::Let
        )
    }

    /// How the token is written in source, for messages (`` `rule` ``, "a string").
    pub fn describe(&self) -> String {
        if let Some((k, _)) = KEYWORDS.iter().find(|(_, t)| t == self) {
            return format!("`{k}`");
        }
        let punct = match self {
            Token::LBrace => "{",
            Token::RBrace => "}",
            Token::LParen => "(",
            Token::RParen => ")",
            Token::LBracket => "[",
            Token::RBracket => "]",
            Token::Comma => ",",
            Token::Dot => ".",
            Token::DotDot => "..",
            Token::ColonColon => "::",
            Token::Star => "*",
            Token::EqEq => "==",
            Token::NotEq => "!=",
            Token::Lt => "<",
            Token::LtEq => "<=",
            Token::Gt => ">",
            Token::GtEq => ">=",
            Token::Assign => "=",
            Token::Pipe => "|",
            Token::Arrow => "->",
            Token::Ident(name) => return format!("identifier `{name}`"),
            Token::Str(_) => return "a string".into(),
            Token::Int(_) => return "an integer".into(),
            Token::Duration(_) => return "a duration".into(),
            Token::Date(_) => return "a date".into(),
            Token::DateTime(_) => return "a date-time".into(),
            Token::Doc(_) | Token::InnerDoc(_) => return "a doc comment".into(),
            _ => "?",
        };
        format!("`{punct}`")
    }
}

/// The raw token classes logos recognises.
#[derive(Logos, Clone, Copy, Debug, PartialEq, Eq)]
#[logos(skip r"[ \t\r\n\f]+")]
enum Raw {
    #[regex(r"//[^\n]*", allow_greedy = true)]
    Comment,
    #[regex(r"[A-Za-z_][A-Za-z0-9_]*")]
    Word,
    #[regex(r#""([^"\\\n]|\\[^\n])*""#)]
    Str,
    #[regex(r#""([^"\\\n]|\\[^\n])*"#)]
    UnterminatedStr,
    #[regex(r"[0-9]+")]
    Int,
    #[regex(r"[0-9]+(s|m|h|d|w)", priority = 10)]
    Duration,
    #[regex(r"[0-9]+[A-Za-z_][A-Za-z0-9_]*")]
    BadNumber,
    #[regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")]
    Date,
    #[regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?(Z|[+-][0-9]{2}:[0-9]{2})")]
    DateTime,
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token(",")]
    Comma,
    #[token(".")]
    Dot,
    #[token("..")]
    DotDot,
    #[token("::")]
    ColonColon,
    #[token("*")]
    Star,
    #[token("==")]
    EqEq,
    #[token("!=")]
    NotEq,
    #[token("<")]
    Lt,
    #[token("<=")]
    LtEq,
    #[token(">")]
    Gt,
    #[token(">=")]
    GtEq,
    #[token("=")]
    Assign,
    #[token("|")]
    Pipe,
    #[token("->")]
    Arrow,
}

/// A plain comment (`// …`), kept for the formatter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// Where the comment is, including the slashes.
    pub span: Span,
    /// The comment's full text, including the slashes.
    pub text: String,
}

/// The result of lexing one file.
#[derive(Clone, Debug, Default)]
pub struct Lexed {
    /// Tokens as `(start, token, end)` byte triples, ready for the parser.
    pub tokens: Vec<(usize, Token, usize)>,
    /// Plain comments, in order.
    pub comments: Vec<Comment>,
    /// Lexical problems, in order.
    pub diagnostics: Vec<Diagnostic>,
}

/// Lexes `text` (the contents of `file`). Never fails.
pub fn lex(file: FileId, text: &str) -> Lexed {
    let mut out = Lexed::default();
    let mut lexer = Raw::lexer(text);
    // Editors on Windows may start a UTF-8 file with a byte order mark.
    if text.starts_with('\u{feff}') {
        lexer.bump('\u{feff}'.len_utf8());
    }
    // A run of adjacent invalid characters (`&&`) is reported once.
    let mut invalid: Option<std::ops::Range<usize>> = None;
    while let Some(raw) = lexer.next() {
        let range = lexer.span();
        let slice = lexer.slice();
        let span = Span::new(range.start, range.end);
        let raw = match raw {
            Ok(raw) => raw,
            Err(()) => {
                invalid = Some(match invalid.take() {
                    Some(run) if run.end == range.start => run.start..range.end,
                    Some(run) => {
                        invalid_character(&mut out, file, run.start, &text[run]);
                        range
                    }
                    None => range,
                });
                continue;
            }
        };
        if let Some(run) = invalid.take() {
            invalid_character(&mut out, file, run.start, &text[run]);
        }
        let token = match raw {
            Raw::Comment => {
                if let Some(doc) = slice
                    .strip_prefix("///")
                    .filter(|_| !slice.starts_with("////"))
                {
                    Token::Doc(strip_one_space(doc).trim_end().to_string())
                } else if let Some(doc) = slice.strip_prefix("//!") {
                    Token::InnerDoc(strip_one_space(doc).trim_end().to_string())
                } else {
                    out.comments.push(Comment {
                        span,
                        text: slice.trim_end().to_string(),
                    });
                    continue;
                }
            }
            Raw::Word => keyword(slice).unwrap_or_else(|| Token::Ident(slice.to_string())),
            Raw::Str => Token::Str(unescape(
                &mut out,
                file,
                range.start,
                &slice[1..slice.len() - 1],
            )),
            Raw::UnterminatedStr => {
                out.diagnostics.push(
                    Diagnostic::new(codes::E0102, file, span, "unterminated string literal")
                        .with_label("this string has no closing `\"` on its line")
                        .with_help("add a closing `\"`; strings cannot span lines (use `\\n`)"),
                );
                Token::Str(unescape(&mut out, file, range.start, &slice[1..]))
            }
            Raw::Int => match slice.parse::<u64>() {
                Ok(value) if value <= i64::MAX as u64 => Token::Int(value),
                _ => {
                    out.diagnostics.push(
                        Diagnostic::new(codes::E0104, file, span, "integer literal is too large")
                            .with_label("does not fit in 63 bits"),
                    );
                    // Clamped, not zeroed: a zero would draw a second,
                    // misleading error (a count or depth of 0).
                    Token::Int(i64::MAX as u64)
                }
            },
            Raw::Duration => {
                let (digits, unit) = slice.split_at(slice.len() - 1);
                let unit = DurationUnit::from_suffix(unit).expect("regex only admits known units");
                match digits
                    .parse::<u64>()
                    .ok()
                    // Like integers, durations fit in 63 bits (of seconds).
                    .filter(|v| {
                        v.checked_mul(unit.seconds())
                            .is_some_and(|seconds| seconds <= i64::MAX as u64)
                    }) {
                    Some(value) => Token::Duration(Duration { value, unit }),
                    None => {
                        out.diagnostics.push(
                            Diagnostic::new(
                                codes::E0106,
                                file,
                                span,
                                "duration literal is too large",
                            )
                            .with_label("more than 2⁶³−1 seconds"),
                        );
                        // Clamped, not zeroed (a zero expiry is an error of its own).
                        let value = i64::MAX as u64 / unit.seconds();
                        Token::Duration(Duration { value, unit })
                    }
                }
            }
            Raw::BadNumber => {
                let digits: String = slice.chars().take_while(char::is_ascii_digit).collect();
                out.diagnostics.push(
                    Diagnostic::new(
                        codes::E0104,
                        file,
                        span,
                        format!("invalid number literal `{slice}`"),
                    )
                    .with_label("a number cannot be followed by letters")
                    .with_help(format!(
                        "durations take one unit: s, m, h, d or w (e.g. `{digits}h`); names cannot start with a digit"
                    )),
                );
                Token::Int(digits.parse().unwrap_or(0))
            }
            Raw::Date => match Date::parse(slice) {
                Some(date) => Token::Date(date),
                None => {
                    invalid_date(&mut out, file, span, slice);
                    Token::Date(Date::EPOCH)
                }
            },
            Raw::DateTime => match DateTime::parse(slice) {
                Some(dt) => Token::DateTime(dt),
                None => {
                    invalid_date(&mut out, file, span, slice);
                    Token::DateTime(DateTime::parse("1970-01-01T00:00:00Z").expect("epoch parses"))
                }
            },
            Raw::LBrace => Token::LBrace,
            Raw::RBrace => Token::RBrace,
            Raw::LParen => Token::LParen,
            Raw::RParen => Token::RParen,
            Raw::LBracket => Token::LBracket,
            Raw::RBracket => Token::RBracket,
            Raw::Comma => Token::Comma,
            Raw::Dot => Token::Dot,
            Raw::DotDot => Token::DotDot,
            Raw::ColonColon => Token::ColonColon,
            Raw::Star => Token::Star,
            Raw::EqEq => Token::EqEq,
            Raw::NotEq => Token::NotEq,
            Raw::Lt => Token::Lt,
            Raw::LtEq => Token::LtEq,
            Raw::Gt => Token::Gt,
            Raw::GtEq => Token::GtEq,
            Raw::Assign => Token::Assign,
            Raw::Pipe => Token::Pipe,
            Raw::Arrow => Token::Arrow,
        };
        out.tokens.push((range.start, token, range.end));
    }
    if let Some(run) = invalid {
        invalid_character(&mut out, file, run.start, &text[run]);
    }
    demote_dangling_docs(&mut out, file);
    out
}

fn strip_one_space(text: &str) -> &str {
    text.strip_prefix(' ').unwrap_or(text)
}

fn invalid_character(out: &mut Lexed, file: FileId, start: usize, slice: &str) {
    // `slice` is a run of adjacent bad characters, reported once.
    let shown: String = slice.chars().take(8).collect();
    let span = Span::new(start, start + slice.len());
    let plural = if slice.chars().nth(1).is_some() {
        "s"
    } else {
        ""
    };
    let mut diagnostic = Diagnostic::new(
        codes::E0101,
        file,
        span,
        format!("invalid character{plural} `{}`", shown.escape_debug()),
    )
    .with_label("no token starts with this");
    diagnostic = match shown.chars().next() {
        Some('\'') => diagnostic.with_help("strings use double quotes: \"…\""),
        Some('&') => diagnostic.with_help("use `and` to combine conditions"),
        Some('!') => diagnostic.with_help("use `not` to negate a condition, `!=` for inequality"),
        Some(':') => diagnostic.with_help("module paths use `::`"),
        Some('#') => diagnostic.with_help("comments start with `//`"),
        Some(';') => diagnostic.with_help("writ needs no semicolons; remove it"),
        _ => diagnostic,
    };
    out.diagnostics.push(diagnostic);
}

fn invalid_date(out: &mut Lexed, file: FileId, span: Span, slice: &str) {
    out.diagnostics.push(
        Diagnostic::new(
            codes::E0105,
            file,
            span,
            format!("`{slice}` is not a valid date"),
        )
        .with_label("no such calendar date or time")
        .with_help(
            "dates are YYYY-MM-DD; date-times are YYYY-MM-DDTHH:MM[:SS] followed by Z or ±HH:MM",
        ),
    );
}

/// Decodes the escapes of a string body starting at byte `start` of the file
/// (the opening quote). Bad escapes are reported and kept verbatim.
fn unescape(out: &mut Lexed, file: FileId, start: usize, body: &str) -> String {
    let mut value = String::with_capacity(body.len());
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            value.push(c);
            continue;
        }
        let Some((j, e)) = chars.next() else {
            value.push('\\');
            break;
        };
        let escape_start = start + 1 + i;
        match e {
            'n' => value.push('\n'),
            't' => value.push('\t'),
            'r' => value.push('\r'),
            '\\' => value.push('\\'),
            '"' => value.push('"'),
            '0' => value.push('\0'),
            'u' => {
                // \u{XXXX}
                let rest = &body[j + 1..];
                let decoded = rest
                    .strip_prefix('{')
                    .and_then(|r| r.find('}').map(|end| &r[..end]))
                    .filter(|hex| !hex.is_empty() && hex.len() <= 6)
                    .and_then(|hex| u32::from_str_radix(hex, 16).ok().map(|v| (hex.len(), v)))
                    .and_then(|(len, v)| char::from_u32(v).map(|c| (len, c)));
                match decoded {
                    Some((len, ch)) => {
                        value.push(ch);
                        for _ in 0..len + 2 {
                            chars.next();
                        }
                    }
                    None => {
                        out.diagnostics.push(
                            Diagnostic::new(
                                codes::E0103,
                                file,
                                Span::new(escape_start, escape_start + 2),
                                "invalid unicode escape",
                            )
                            .with_label("expected `\\u{…}` with 1 to 6 hex digits of a Unicode scalar value"),
                        );
                        value.push_str("\\u");
                    }
                }
            }
            other => {
                out.diagnostics.push(
                    Diagnostic::new(
                        codes::E0103,
                        file,
                        Span::new(escape_start, escape_start + 1 + other.len_utf8()),
                        format!("unknown escape sequence `\\{other}`"),
                    )
                    .with_label("not a valid escape")
                    .with_help("valid escapes: \\n \\t \\r \\\\ \\\" \\0 \\u{…}; write `\\\\` for a backslash"),
                );
                value.push('\\');
                value.push(other);
            }
        }
    }
    value
}

/// Doc comments must be followed by an item (outer) or stand at the top of
/// the file (inner). Others are reported and become plain comments.
fn demote_dangling_docs(out: &mut Lexed, file: FileId) {
    let mut keep = vec![true; out.tokens.len()];
    let mut seen_item = false;
    let mut i = 0;
    while i < out.tokens.len() {
        match &out.tokens[i].1 {
            Token::Doc(_) => {
                let run_end = (i..out.tokens.len())
                    .find(|&j| !matches!(out.tokens[j].1, Token::Doc(_)))
                    .unwrap_or(out.tokens.len());
                let documents_item = out
                    .tokens
                    .get(run_end)
                    .is_some_and(|(_, t, _)| t.starts_item());
                if !documents_item {
                    let span = Span::new(out.tokens[i].0, out.tokens[run_end - 1].2);
                    out.diagnostics.push(
                        Diagnostic::new(codes::E0203, file, span, "doc comment documents nothing")
                            .with_label("`///` must stand right before a `rule`, `approval`, `forbid`, `emergency`, `test`, `let` or `use`")
                            .with_help("use `//` for a plain comment"),
                    );
                    keep[i..run_end].iter_mut().for_each(|k| *k = false);
                }
                i = run_end;
                continue;
            }
            Token::InnerDoc(_)
                if seen_item || i > 0 && !matches!(out.tokens[i - 1].1, Token::InnerDoc(_)) =>
            {
                let (start, _, end) = out.tokens[i];
                out.diagnostics.push(
                    Diagnostic::new(
                        codes::E0203,
                        file,
                        Span::new(start, end),
                        "module doc comment after the start of the file",
                    )
                    .with_label("`//!` documents the file and must come before everything else")
                    .with_help("move it to the top of the file, or use `//` for a plain comment"),
                );
                keep[i] = false;
            }
            t => seen_item |= t.starts_item(),
        }
        i += 1;
    }
    if keep.iter().all(|k| *k) {
        return;
    }
    let tokens = std::mem::take(&mut out.tokens);
    for ((start, token, end), keep) in tokens.into_iter().zip(keep) {
        if keep {
            out.tokens.push((start, token, end));
        } else {
            let text = match &token {
                Token::Doc(t) => format!("/// {t}"),
                Token::InnerDoc(t) => format!("//! {t}"),
                _ => unreachable!("only doc tokens are demoted"),
            };
            out.comments.push(Comment {
                span: Span::new(start, end),
                text: text.trim_end().to_string(),
            });
        }
    }
    out.comments.sort_by_key(|c| c.span.start);
    out.diagnostics.sort_by_key(|d| d.primary.span.start);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<Token> {
        lex(FileId(0), text)
            .tokens
            .into_iter()
            .map(|(_, t, _)| t)
            .collect()
    }

    #[test]
    fn keywords_are_sorted_for_binary_search() {
        assert!(KEYWORDS.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(keyword("rule"), Some(Token::Rule));
        assert_eq!(keyword("rules"), None);
    }

    #[test]
    fn literals() {
        assert_eq!(
            kinds(r#"48h 3 "a\"b\u{e9}" 2026-12-20..2027-01-03"#),
            vec![
                Token::Duration(Duration {
                    value: 48,
                    unit: DurationUnit::Hours
                }),
                Token::Int(3),
                Token::Str("a\"bé".into()),
                Token::Date(Date {
                    year: 2026,
                    month: 12,
                    day: 20
                }),
                Token::DotDot,
                Token::Date(Date {
                    year: 2027,
                    month: 1,
                    day: 3
                }),
            ]
        );
    }

    #[test]
    fn errors_are_reported_and_repaired() {
        let lexed = lex(FileId(0), "rule @ x {\n \"open\n 12abc 2026-02-30 \"\\q\"");
        let codes: Vec<&str> = lexed.diagnostics.iter().map(|d| d.code.id()).collect();
        assert_eq!(codes, ["E0101", "E0102", "E0104", "E0105", "E0103"]);
        assert_eq!(lexed.tokens.len(), 7, "{:?}", lexed.tokens);
    }

    #[test]
    fn dangling_doc_comments_are_demoted() {
        let lexed = lex(
            FileId(0),
            "//! module\n/// ok\nrule a {\n /// dangling\n}\n",
        );
        assert_eq!(lexed.diagnostics.len(), 1);
        assert_eq!(lexed.diagnostics[0].code, codes::E0203);
        assert_eq!(lexed.comments.len(), 1);
        assert!(matches!(lexed.tokens[0].1, Token::InnerDoc(_)));
        assert!(matches!(lexed.tokens[1].1, Token::Doc(_)));
    }
}
