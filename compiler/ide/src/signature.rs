//! Signature help: inside the argument list of a named approval chain
//! (`require approval two_owners(svc, |)`), the chain's parameters, which
//! one the cursor is on, and the chain's doc comment.
//!
//! Read from tokens, not the tree: while an argument list is being typed the
//! file rarely parses.

use crate::{Analysis, Cancellable, Ctx};
use writ_analysis::items::{self, ItemKind};
use writ_diagnostics::{FileId, Span};
use writ_syntax::ast;
use writ_syntax::lexer::{self, Token};

/// The signature shown while typing a chain's arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureHelp {
    /// `approval two_owners(first, second)`.
    pub label: String,
    /// Each parameter's byte range within `label`.
    pub parameters: Vec<(usize, usize)>,
    /// The parameter the cursor is on (`None` past the last one).
    pub active: Option<usize>,
    /// The chain's doc comment (markdown), if any.
    pub documentation: Option<String>,
}

impl Analysis {
    /// The signature of the chain whose argument list holds `offset`, if any.
    pub fn signature_help(&self, path: &str, offset: usize) -> Cancellable<Option<SignatureHelp>> {
        self.with(|ctx| signature_help(ctx, path, offset))
    }
}

fn signature_help(ctx: &Ctx<'_>, path: &str, offset: usize) -> Option<SignatureHelp> {
    let file = ctx.file(path)?;
    let text = file.text(ctx.db);
    let tokens = lexer::lex(FileId(0), text).tokens;
    let before: Vec<&(usize, Token, usize)> = tokens
        .iter()
        .take_while(|(start, _, _)| *start < offset)
        .collect();
    // The innermost unclosed `(` before the cursor, and the commas at its level.
    let mut depth = 0usize;
    let mut commas = 0usize;
    let mut open = None;
    for (i, (_, token, end)) in before.iter().enumerate().rev() {
        match token {
            Token::RParen | Token::RBracket | Token::RBrace => depth += 1,
            Token::LParen if depth == 0 => {
                // A cursor right on the `(` is before the list.
                if *end <= offset {
                    open = Some(i);
                }
                break;
            }
            Token::LBracket | Token::LBrace if depth == 0 => return None,
            Token::LParen | Token::LBracket | Token::LBrace => depth -= 1,
            Token::Comma if depth == 0 => commas += 1,
            _ => {}
        }
    }
    let open = open?;
    // `require approval a::b::name (`: the path backwards, then the keywords.
    let mut segments = Vec::new();
    let mut i = open;
    loop {
        let (start, token, end) = before.get(i.checked_sub(1)?)?;
        let name = match token {
            Token::Ident(name) => name.clone(),
            Token::Emergency => "emergency".to_string(),
            _ => return None,
        };
        segments.push(ast::Ident {
            name,
            span: Span::new(*start, *end),
        });
        i -= 1;
        match before.get(i.checked_sub(1)?)?.1 {
            Token::ColonColon => i -= 1,
            Token::Approval => break,
            _ => return None,
        }
    }
    if !matches!(before.get(i.checked_sub(2)?)?.1, Token::Require) {
        return None;
    }
    segments.reverse();
    let span = Span {
        start: segments[0].span.start,
        end: segments[segments.len() - 1].span.end,
    };
    let def = items::resolve(ctx.db, ctx.workspace, file, &ast::Path { segments, span })?;
    if !matches!(def.kind, ItemKind::Approval { .. }) {
        return None;
    }
    let module_file = ctx.module_file(&def.module)?;
    let parsed = ctx.parse(module_file);
    let item = parsed
        .file
        .items
        .iter()
        .find(|i| matches!(&i.kind, ast::ItemKind::Approval(a) if a.name.name == def.name))?;
    let ast::ItemKind::Approval(chain) = &item.kind else {
        return None;
    };
    let mut label = format!("approval {}(", def.name);
    let mut parameters = Vec::new();
    for (n, p) in chain.params.iter().enumerate() {
        if n > 0 {
            label.push_str(", ");
        }
        parameters.push((label.len(), label.len() + p.name.len()));
        label.push_str(&p.name);
    }
    label.push(')');
    let documentation = (!item.docs.is_empty()).then(|| {
        item.docs
            .iter()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n")
    });
    Some(SignatureHelp {
        label,
        active: (commas < parameters.len()).then_some(commas),
        parameters,
        documentation,
    })
}
