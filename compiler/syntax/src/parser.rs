//! The parser: lalrpop over the repaired token stream, with error recovery.

use crate::ast::{BinaryOp, Expr, ExprKind, Ident, Path, SourceFile};
use crate::lexer::{self, Comment, Token};
use lalrpop_util::{ParseError, lalrpop_mod};
use writ_diagnostics::{Diagnostic, FileId, Span, codes};

lalrpop_mod!(
    #[allow(
        clippy::all,
        clippy::pedantic,
        unused_parens,
        unused_imports,
        dead_code
    )]
    grammar
);

/// The result of parsing one file: always a tree, plus every problem found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parse {
    /// The syntax tree (with `Error` nodes where the source is broken).
    pub file: SourceFile,
    /// Plain comments, for the formatter.
    pub comments: Vec<Comment>,
    /// Lexical, syntax and structure diagnostics, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
}

impl Parse {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parses `text`, the contents of `file`. Never fails and never panics.
pub fn parse(file: FileId, text: &str) -> Parse {
    let lexed = lexer::lex(file, text);
    let mut diagnostics = lexed.diagnostics;
    if let Some(too_deep) = crate::depth::check(file, &lexed.tokens) {
        // No tree: a tree this deep would overflow the stack of every pass
        // that walks it.
        diagnostics.push(too_deep);
        writ_diagnostics::sort(&mut diagnostics);
        return Parse {
            file: SourceFile::default(),
            comments: lexed.comments,
            diagnostics,
        };
    }
    let mut recovered = Vec::new();
    let tokens = lexed.tokens.into_iter().map(Ok::<_, ()>);
    let tree = match grammar::FileParser::new().parse(&mut recovered, tokens) {
        Ok(tree) => tree,
        Err(error) => {
            diagnostics.push(syntax_error(file, text, error));
            SourceFile::default()
        }
    };
    for recovery in recovered {
        diagnostics.push(syntax_error(file, text, recovery.error));
    }
    diagnostics.extend(crate::validate::validate(file, &tree));
    writ_diagnostics::sort(&mut diagnostics);
    Parse {
        file: tree,
        comments: lexed.comments,
        diagnostics,
    }
}

fn syntax_error(file: FileId, text: &str, error: ParseError<usize, Token, ()>) -> Diagnostic {
    match error {
        ParseError::UnrecognizedToken {
            token: (start, token, end),
            expected,
        } => {
            let expected = describe_expected(&expected);
            let mut d = Diagnostic::new(
                codes::E0201,
                file,
                Span::new(start, end),
                format!("unexpected {}", token.describe()),
            )
            .with_label(match &expected {
                Some(list) => format!("expected {list}"),
                None => "not allowed here".to_string(),
            });
            if let Some(help) = hint(&token) {
                d = d.with_help(help);
            }
            d
        }
        ParseError::UnrecognizedEof { location, expected } => {
            let location = location.min(text.len());
            let unclosed = expected.iter().any(|e| e == "\"}\"");
            let expected = describe_expected(&expected);
            let d = Diagnostic::new(
                codes::E0202,
                file,
                Span::empty(location),
                "unexpected end of file",
            )
            .with_label(match &expected {
                Some(list) => format!("expected {list}"),
                None => "the file ends here".to_string(),
            });
            if unclosed {
                d.with_help("a `{` may be missing its `}`")
            } else {
                d
            }
        }
        ParseError::ExtraToken {
            token: (start, token, end),
        } => Diagnostic::new(
            codes::E0201,
            file,
            Span::new(start, end),
            format!("unexpected {}", token.describe()),
        )
        .with_label("expected the end of the file"),
        ParseError::InvalidToken { location } => Diagnostic::new(
            codes::E0101,
            file,
            Span::new(location, location + 1),
            "invalid token",
        ),
        ParseError::User { error: () } => {
            Diagnostic::new(codes::E0201, file, Span::empty(0), "syntax error")
        }
    }
}

/// Extra advice for tokens people commonly put in the wrong place.
fn hint(token: &Token) -> Option<&'static str> {
    match token {
        Token::Assign => Some("compare with `==`; `=` only appears in `let name = …`"),
        Token::Ident(name) if matches!(name.as_str(), "if" | "else") => {
            Some("writ has no `if`: state conditions with `when`")
        }
        Token::Ident(name) if name == "requires" => Some("inside a rule, write `require`"),
        Token::Ident(name) if matches!(name.as_str(), "allow" | "deny") => {
            Some("rules allow by firing; use `forbid` to deny")
        }
        Token::Requires => Some("inside a rule, write `require`; `requires` belongs to `expect`"),
        Token::Require => Some("`require` belongs inside a `rule { … }`"),
        _ => None,
    }
}

/// Turns lalrpop's expected-terminal list into "`for`, `when` or a name".
fn describe_expected(expected: &[String]) -> Option<String> {
    let mut names: Vec<String> = expected
        .iter()
        .map(|e| match e.as_str() {
            "Ident" => "a name".to_string(),
            "Str" => "a string".to_string(),
            "Int" => "an integer".to_string(),
            "DurationLit" => "a duration".to_string(),
            "DateLit" => "a date".to_string(),
            "DateTimeLit" => "a date-time".to_string(),
            "Doc" => "a doc comment".to_string(),
            "InnerDoc" => "a module doc comment".to_string(),
            quoted => format!("`{}`", quoted.trim_matches('"').replace("\\\"", "\"")),
        })
        .collect();
    names.sort();
    names.dedup();
    // A set that admits any expression reads better as "an expression".
    const EXPRESSION_STARTS: &[&str] = &[
        "`(`",
        "`[`",
        "`change`",
        "`decision`",
        "`false`",
        "`true`",
        "`node`",
        "`person`",
        "`team`",
        "`not`",
        "a name",
        "a string",
        "an integer",
        "a duration",
        "a date",
        "a date-time",
    ];
    if ["a name", "`change`", "a string"]
        .iter()
        .all(|n| names.iter().any(|x| x == n))
    {
        names.retain(|n| !EXPRESSION_STARTS.contains(&n.as_str()));
        names.push("an expression".to_string());
        names.sort();
    }
    // Doc comments are always "expected" before items; they are noise here.
    names.retain(|n| !n.contains("doc comment"));
    match names.len() {
        0 => None,
        1 => Some(names.remove(0)),
        n if n > 8 => Some(format!("one of {}, …", names[..8].join(", "))),
        _ => {
            let last = names.pop().expect("n >= 2");
            Some(format!("{} or {last}", names.join(", ")))
        }
    }
}

/// Small constructors used by the grammar's actions.
pub(crate) mod build {
    use super::*;

    pub(crate) fn cons<T>(first: T, rest: Vec<T>) -> Vec<T> {
        let mut v = Vec::with_capacity(rest.len() + 1);
        v.push(first);
        v.extend(rest);
        v
    }

    pub fn path(segments: Vec<Ident>) -> Path {
        let span = segments
            .first()
            .map(|f| f.span)
            .unwrap_or_default()
            .cover(segments.last().map(|l| l.span).unwrap_or_default());
        Path { segments, span }
    }

    pub fn expr(kind: ExprKind, l: usize, r: usize) -> Expr {
        Expr {
            kind,
            span: Span::new(l, r),
        }
    }

    pub fn binary(op: BinaryOp, a: Expr, b: Expr, l: usize, r: usize) -> Expr {
        expr(ExprKind::Binary(op, Box::new(a), Box::new(b)), l, r)
    }
}
