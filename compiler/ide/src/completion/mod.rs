//! Context-aware completion: what may be written at the cursor, judged from
//! the tokens before it (the tree of a half-typed file is too broken to
//! rely on) and from the names in scope and in the graph.

mod context;
mod items;
mod strings;

use crate::{Analysis, Cancellable, Ctx, docs};
use context::{block, in_filter};
use items::ident_items;
use strings::string_items;
use writ_analysis::db::SourceFile;
use writ_analysis::items::{ItemKind, item_tree, module_map, scope};
use writ_analysis::stdlib::is_std;
use writ_diagnostics::{FileId, Span};
use writ_graph::Graph;
use writ_syntax::ast;
use writ_syntax::lexer::{Token, lex};

/// What a completion item is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CompletionKind {
    /// A keyword.
    Keyword,
    /// A template with placeholders.
    Snippet,
    /// A rule or forbid.
    Rule,
    /// An approval chain.
    Chain,
    /// An emergency path.
    Emergency,
    /// A `let`.
    Let,
    /// A module (or a segment of a module path).
    Module,
    /// A `for` variable or chain parameter.
    Variable,
    /// A node kind.
    NodeKind,
    /// A node id.
    Node,
    /// A team id.
    Team,
    /// A person id.
    Person,
    /// A check name.
    Check,
    /// A tag.
    Tag,
    /// A node field, attribute or `change` field.
    Field,
    /// An edge kind.
    EdgeKind,
    /// A fixed value (`allow`, `passed`, `agent`).
    Value,
}

/// One completion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompletionItem {
    /// What the list shows.
    pub label: String,
    /// What it is.
    pub kind: CompletionKind,
    /// A short description.
    pub detail: Option<String>,
    /// Longer documentation (markdown).
    pub documentation: Option<String>,
    /// The text inserted (a snippet with `$1`… when `snippet`).
    pub insert: String,
    /// `insert` is an LSP snippet.
    pub snippet: bool,
    /// The bytes replaced (the partial word, or a string's contents).
    pub replace: Span,
}

impl Analysis {
    /// What may be written at `offset` in `path`.
    pub fn completions(&self, path: &str, offset: usize) -> Cancellable<Vec<CompletionItem>> {
        self.with(|ctx| match ctx.file(path) {
            Some(file) => complete(ctx, file, offset),
            None => Vec::new(),
        })
    }
}

/// The block the cursor is in.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Block {
    Top,
    Rule,
    Forbid,
    Chain,
    Emergency,
    Test,
    TestChange,
    UseGroup(String),
    Other,
}

struct Out<'a> {
    items: Vec<CompletionItem>,
    replace: Span,
    graph: Option<&'a Graph>,
}

impl Out<'_> {
    fn add(&mut self, label: &str, kind: CompletionKind, detail: Option<String>) {
        if self
            .items
            .iter()
            .any(|i| i.label == label && i.kind == kind)
        {
            return;
        }
        let documentation = match kind {
            CompletionKind::Keyword => docs::keyword(label).map(str::to_string),
            _ => None,
        };
        self.items.push(CompletionItem {
            label: label.to_string(),
            kind,
            detail,
            documentation,
            insert: label.to_string(),
            snippet: false,
            replace: self.replace,
        });
    }

    fn keywords(&mut self, words: &[&str]) {
        for w in words {
            self.add(w, CompletionKind::Keyword, None);
        }
    }

    fn snippet(&mut self, label: &str, detail: &str, body: &str) {
        self.items.push(CompletionItem {
            label: label.to_string(),
            kind: CompletionKind::Snippet,
            detail: Some(detail.to_string()),
            documentation: None,
            insert: body.to_string(),
            snippet: true,
            replace: self.replace,
        });
    }

    fn nodes(&mut self) {
        if let Some(g) = self.graph {
            for n in g.nodes() {
                self.add(&n.id.value, CompletionKind::Node, Some(n.kind.to_string()));
            }
        }
    }

    fn teams(&mut self) {
        if let Some(g) = self.graph {
            for t in g.teams() {
                self.add(&t.id.value, CompletionKind::Team, Some("team".into()));
            }
        }
    }

    fn people(&mut self) {
        if let Some(g) = self.graph {
            for p in g.people() {
                self.add(
                    &p.id.value,
                    CompletionKind::Person,
                    Some(p.kind.as_str().into()),
                );
            }
        }
    }

    fn checks(&mut self) {
        if let Some(g) = self.graph {
            for c in g.check_names() {
                self.add(c, CompletionKind::Check, Some("check".into()));
            }
        }
    }

    fn tags(&mut self) {
        if let Some(g) = self.graph {
            for t in g.tags() {
                self.add(t, CompletionKind::Tag, Some("tag".into()));
            }
        }
    }

    fn kinds(&mut self) {
        if let Some(g) = self.graph {
            for k in g.node_kinds() {
                let n = g.nodes().iter().filter(|n| n.kind.value == *k).count();
                self.add(
                    k,
                    CompletionKind::NodeKind,
                    Some(format!("node kind ({n})")),
                );
            }
        }
        self.add("any", CompletionKind::NodeKind, Some("every node".into()));
    }
}

type Tok = (usize, Token, usize);

fn complete(ctx: &Ctx<'_>, file: SourceFile, offset: usize) -> Vec<CompletionItem> {
    let text = file.text(ctx.db);
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let graph = ctx.graph();
    let lexed = lex(FileId(0), text);
    // Inside a string literal? Count quotes on the line up to the cursor.
    let line = writ_diagnostics::line_around(text, offset);
    let line_start = line.start;
    if text[line_start..offset].trim_start().starts_with("//") {
        return Vec::new();
    }
    let mut quote = None;
    let mut escaped = false;
    for (i, c) in text[line_start..offset].char_indices() {
        match c {
            '\\' if quote.is_some() => escaped = !escaped,
            '"' if !escaped => {
                quote = if quote.is_some() {
                    None
                } else {
                    Some(line_start + i)
                }
            }
            _ => escaped = false,
        }
        if c != '\\' {
            escaped = false;
        }
    }
    if let Some(q) = quote {
        let end = text[offset..line.end]
            .find('"')
            .map_or(offset, |i| offset + i);
        let before: Vec<&Tok> = lexed.tokens.iter().filter(|t| t.2 <= q).collect();
        let mut out = Out {
            items: Vec::new(),
            replace: Span::new(q + 1, end),
            graph: graph.as_deref(),
        };
        string_items(&before, &mut out);
        return out.items;
    }
    let word = crate::word_at(text, offset).filter(|w| w.start as usize <= offset);
    let replace = word.map_or(Span::empty(offset), |w| {
        Span::new(w.start as usize, offset.max(w.end as usize))
    });
    // Digits start numbers, not names.
    if word.is_some_and(|w| text.as_bytes()[w.start as usize].is_ascii_digit()) {
        return Vec::new();
    }
    let before: Vec<&Tok> = lexed
        .tokens
        .iter()
        .filter(|t| t.2 <= replace.start as usize)
        .collect();
    let mut out = Out {
        items: Vec::new(),
        replace,
        graph: graph.as_deref(),
    };
    ident_items(ctx, file, offset, &before, &mut out);
    out.items
}

fn tok<'a>(before: &[&'a Tok], back: usize) -> Option<&'a Token> {
    before.len().checked_sub(back + 1).map(|i| &before[i].1)
}

fn ident(t: Option<&Token>) -> Option<&str> {
    match t {
        Some(Token::Ident(s)) => Some(s),
        _ => None,
    }
}
