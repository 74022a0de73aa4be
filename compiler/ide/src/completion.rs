//! Context-aware completion: what may be written at the cursor, judged from
//! the tokens before it (the tree of a half-typed file is too broken to
//! rely on) and from the names in scope and in the graph.

use crate::{Analysis, Cancellable, Ctx, docs};
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
                self.add(
                    &n.id.value,
                    CompletionKind::Node,
                    Some(n.kind.value.clone()),
                );
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

fn string_items(before: &[&Tok], out: &mut Out<'_>) {
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

/// The block enclosing the end of `before`.
fn block(before: &[&Tok], line_start: bool) -> Block {
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
fn in_filter(before: &[&Tok]) -> bool {
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

fn ident_items(ctx: &Ctx<'_>, file: SourceFile, offset: usize, before: &[&Tok], out: &mut Out<'_>) {
    let last = tok(before, 0);
    let text = file.text(ctx.db);
    let start = out.replace.start as usize;
    let line_start = text[writ_diagnostics::line_around(text, start).start..start]
        .trim()
        .is_empty();
    let block = block(before, line_start);
    // Paths: `a::b::|`.
    if let Some(Token::ColonColon) = last {
        let mut segs = Vec::new();
        let mut j = before.len() - 1;
        while j >= 1 {
            if let Token::Ident(s) = &before[j - 1].1 {
                segs.push(s.clone());
                if j >= 2 && matches!(before[j - 2].1, Token::ColonColon) {
                    j -= 2;
                    continue;
                }
            }
            break;
        }
        segs.reverse();
        let prefix = segs.join("::");
        let in_use = matches!(
            before.get(j.saturating_sub(2)).map(|t| &t.1),
            Some(Token::Use)
        ) || (j >= 2 && matches!(before[j - 2].1, Token::Use));
        path_items(ctx, &prefix, in_use, out);
        return;
    }
    if let Block::UseGroup(module) = &block {
        if let Some(target) = ctx.module_file(module) {
            for (name, kind) in &item_tree(ctx.db, target).items {
                out.add(name, item_kind(*kind), Some(module.clone()));
            }
        }
        return;
    }
    match last {
        Some(Token::Use) => {
            let mut firsts: Vec<String> = module_map(ctx.db, ctx.workspace)
                .keys()
                .map(|m| m.split("::").next().unwrap_or(m).to_string())
                .collect();
            firsts.dedup();
            for f in firsts {
                out.add(&f, CompletionKind::Module, None);
            }
            return;
        }
        // A name is being declared: nothing to offer.
        Some(
            Token::Rule | Token::Forbid | Token::Let | Token::For | Token::Test | Token::Depth,
        ) => return,
        Some(Token::Emergency) if !matches!(tok(before, 1), Some(Token::Unless)) => return,
        Some(Token::Approval) if block == Block::Top => return,
        _ => {}
    }
    let in_scope = scope(ctx.db, ctx.workspace, file);
    let items_of = |out: &mut Out<'_>, pred: &dyn Fn(ItemKind) -> bool| {
        for (name, def) in &in_scope.names {
            if pred(def.kind) {
                out.add(name, item_kind(def.kind), Some(def.id()));
            }
        }
    };
    match (tok(before, 1), last) {
        (_, Some(Token::Approval)) => {
            items_of(out, &|k| matches!(k, ItemKind::Approval { .. }));
            std_items(ctx, file, out, &|k| matches!(k, ItemKind::Approval { .. }));
            if matches!(tok(before, 1), Some(Token::Require)) {
                out.snippet(
                    "{ … }",
                    "an approval chain written in place",
                    "{ ${1:1} of ${0} }",
                );
            }
            return;
        }
        (Some(Token::Unless), Some(Token::Emergency)) => {
            items_of(out, &|k| k == ItemKind::Emergency);
            return;
        }
        (_, Some(Token::Fires)) => {
            items_of(out, &|k| matches!(k, ItemKind::Rule | ItemKind::Forbid));
            return;
        }
        (_, Some(Token::Decision)) => {
            for v in ["allow", "deny", "pending"] {
                out.add(v, CompletionKind::Value, None);
            }
            return;
        }
        (_, Some(Token::Require)) => {
            out.snippet(
                "check",
                "require check \"…\" on …",
                "check \"${1}\" on ${0}",
            );
            out.keywords(&["approval"]);
            return;
        }
        (_, Some(Token::Expect)) => {
            out.keywords(&["decision", "requires", "fires", "not"]);
            return;
        }
        (Some(Token::Expect), Some(Token::Not)) => {
            out.keywords(&["requires", "fires"]);
            return;
        }
        (_, Some(Token::Requires)) => {
            out.keywords(&["approval", "check"]);
            return;
        }
        (_, Some(Token::Given)) => {
            out.keywords(&["approval", "check"]);
            return;
        }
        (_, Some(Token::Via | Token::Pipe)) => {
            if let Some(g) = out.graph {
                for k in g.edge_kinds() {
                    out.add(k, CompletionKind::EdgeKind, Some("edge kind".into()));
                }
            }
            return;
        }
        (_, Some(Token::Is)) => {
            for v in ["agent", "human"] {
                out.add(v, CompletionKind::Value, None);
            }
            return;
        }
        (Some(Token::Change), Some(Token::Dot)) => {
            for f in docs::change_fields() {
                let mut item = CompletionItem {
                    label: f.to_string(),
                    kind: CompletionKind::Field,
                    detail: Some("change".into()),
                    documentation: docs::change_field(f).map(str::to_string),
                    insert: f.to_string(),
                    snippet: false,
                    replace: out.replace,
                };
                if matches!(f, "touches" | "reaches" | "exposes") {
                    item.insert = format!("{f}(${{1:any}})");
                    item.snippet = true;
                } else if matches!(f, "touches_path" | "only_paths") {
                    item.insert = format!("{f}(\"${{1}}\")");
                    item.snippet = true;
                }
                out.items.push(item);
            }
            return;
        }
        (_, Some(Token::Dot)) => {
            node_fields(out);
            return;
        }
        (Some(Token::Ident(_)), Some(Token::Str(_)))
            if matches!(tok(before, 2), Some(Token::On))
                && matches!(tok(before, 4), Some(Token::Check)) =>
        {
            for v in ["passed", "failed"] {
                out.add(v, CompletionKind::Value, None);
            }
            return;
        }
        (Some(Token::Str(_)), Some(Token::Str(_))) | (Some(Token::On), Some(Token::Str(_)))
            if block == Block::Test =>
        {
            for v in ["passed", "failed"] {
                out.add(v, CompletionKind::Value, None);
            }
            return;
        }
        (Some(Token::For), Some(Token::Ident(_))) => {
            out.keywords(&["in"]);
            return;
        }
        _ => {}
    }
    let expects_expr = matches!(
        last,
        Some(
            Token::In
                | Token::When
                | Token::On
                | Token::And
                | Token::Or
                | Token::Not
                | Token::LParen
                | Token::Comma
                | Token::Where
                | Token::EqEq
                | Token::NotEq
                | Token::Lt
                | Token::LtEq
                | Token::Gt
                | Token::GtEq
                | Token::Has
                | Token::LBracket
                | Token::DotDot
                | Token::Assign
                | Token::Of
                | Token::From
        )
    );
    let at_start = matches!(last, None | Some(Token::LBrace | Token::RBrace));
    match block {
        Block::Top => {
            if expects_expr {
                expr_items(ctx, file, offset, before, out);
                return;
            }
            top_snippets(out);
        }
        Block::Rule | Block::Forbid => {
            if !expects_expr {
                if block == Block::Rule {
                    out.snippet("for", "for x in …", "for ${1:svc} in ${0}");
                    out.keywords(&["when"]);
                    out.snippet(
                        "require check",
                        "require check \"…\" on …",
                        "require check \"${1}\" on ${0}",
                    );
                    out.snippet(
                        "require approval",
                        "require approval …",
                        "require approval ${0}",
                    );
                } else {
                    out.snippet("for", "for x in …", "for ${1:svc} in ${0}");
                    out.keywords(&["when"]);
                    out.snippet(
                        "unless emergency",
                        "unless emergency …",
                        "unless emergency ${0}",
                    );
                }
                if !at_start {
                    out.keywords(&["and", "or", "where", "has", "in", "is"]);
                }
            }
            if expects_expr || !at_start {
                expr_items(ctx, file, offset, before, out);
            }
        }
        Block::Chain | Block::Emergency => {
            if matches!(last, Some(Token::Of | Token::Comma | Token::From)) {
                out.keywords(&["team", "person"]);
                out.snippet("owners(…)", "the owners of a node", "owners(${1})");
                chain_params(ctx, file, offset, out);
                if matches!(last, Some(Token::From)) {
                    out.keywords(&["change"]);
                }
            } else if matches!(last, Some(Token::Distinct)) {
                out.keywords(&["from"]);
            } else if matches!(last, Some(Token::Humans)) {
                out.keywords(&["only"]);
            } else if matches!(last, Some(Token::Expires)) {
                out.keywords(&["after"]);
            } else if matches!(last, Some(Token::Followup)) {
                out.keywords(&["review"]);
            } else {
                out.keywords(&["all", "distinct", "humans", "then", "expires", "of"]);
                if block == Block::Emergency {
                    out.keywords(&["followup", "within", "review"]);
                }
            }
        }
        Block::Test => {
            out.snippet("change", "change { … }", "change {\n  ${0}\n}");
            out.snippet(
                "given approval",
                "given approval chain by \"…\"",
                "given approval ${1} by \"${0}\"",
            );
            out.snippet(
                "given check",
                "given check \"…\" on \"…\" passed",
                "given check \"${1}\" on \"${2}\" ${0:passed}",
            );
            out.snippet(
                "expect decision",
                "expect decision …",
                "expect decision ${0:allow}",
            );
            out.snippet("expect fires", "expect fires …", "expect fires ${0}");
            out.snippet(
                "expect requires approval",
                "expect requires approval …",
                "expect requires approval ${0}",
            );
            out.snippet(
                "expect requires check",
                "expect requires check \"…\" on \"…\"",
                "expect requires check \"${1}\" on \"${0}\"",
            );
            out.keywords(&["given", "expect", "not"]);
        }
        Block::TestChange => {
            for f in docs::TEST_CHANGE_FIELDS {
                out.add(f, CompletionKind::Field, Some("change field".into()));
            }
        }
        Block::UseGroup(_) => {}
        Block::Other => {
            if expects_expr {
                expr_items(ctx, file, offset, before, out);
            }
        }
    }
}

fn item_kind(kind: ItemKind) -> CompletionKind {
    match kind {
        ItemKind::Rule | ItemKind::Forbid => CompletionKind::Rule,
        ItemKind::Approval { .. } => CompletionKind::Chain,
        ItemKind::Emergency => CompletionKind::Emergency,
        ItemKind::Let => CompletionKind::Let,
    }
}

/// Items of the standard library by full path (those not imported).
fn std_items(ctx: &Ctx<'_>, file: SourceFile, out: &mut Out<'_>, pred: &dyn Fn(ItemKind) -> bool) {
    let in_scope = scope(ctx.db, ctx.workspace, file);
    for (module, std_file) in module_map(ctx.db, ctx.workspace) {
        if !is_std(module) {
            continue;
        }
        for (name, kind) in &item_tree(ctx.db, *std_file).items {
            let imported = in_scope
                .names
                .get(name)
                .is_some_and(|d| d.module == *module);
            if pred(*kind) && !imported {
                let full = format!("{module}::{name}");
                out.add(&full, item_kind(*kind), Some(module.clone()));
            }
        }
    }
}

fn path_items(ctx: &Ctx<'_>, prefix: &str, in_use: bool, out: &mut Out<'_>) {
    let modules = module_map(ctx.db, ctx.workspace);
    let mut next: Vec<String> = modules
        .keys()
        .filter_map(|m| m.strip_prefix(prefix)?.strip_prefix("::"))
        .map(|rest| rest.split("::").next().unwrap_or(rest).to_string())
        .collect();
    next.dedup();
    for n in next {
        out.add(&n, CompletionKind::Module, None);
    }
    if let Some(file) = modules.get(prefix) {
        for (name, kind) in &item_tree(ctx.db, *file).items {
            out.add(name, item_kind(*kind), Some(prefix.to_string()));
        }
        if in_use {
            out.add("*", CompletionKind::Keyword, Some("every item".into()));
        }
    }
}

fn node_fields(out: &mut Out<'_>) {
    for f in docs::node_fields() {
        out.add(
            f,
            CompletionKind::Field,
            docs::node_field(f).map(|_| "node field".to_string()),
        );
    }
    if let Some(g) = out.graph {
        for a in g.attribute_names() {
            out.add(a, CompletionKind::Field, Some("attribute".into()));
        }
    }
}

fn chain_params(ctx: &Ctx<'_>, file: SourceFile, offset: usize, out: &mut Out<'_>) {
    let parsed = ctx.parse(file);
    for item in &parsed.file.items {
        if let ast::ItemKind::Approval(a) = &item.kind
            && item.span.contains(offset)
        {
            for p in &a.params {
                out.add(&p.name, CompletionKind::Variable, Some("parameter".into()));
            }
        }
    }
}

fn expr_items(ctx: &Ctx<'_>, file: SourceFile, offset: usize, before: &[&Tok], out: &mut Out<'_>) {
    if in_filter(before) {
        node_fields(out);
    }
    // `for` variables declared before the cursor in the enclosing item.
    let parsed = ctx.parse(file);
    for item in &parsed.file.items {
        if !(item.span.start as usize <= offset && offset <= item.span.end as usize + 1) {
            continue;
        }
        let clauses = match &item.kind {
            ast::ItemKind::Rule(r) => &r.clauses,
            ast::ItemKind::Forbid(f) => &f.clauses,
            _ => continue,
        };
        for c in clauses {
            if let ast::ClauseKind::For { var, source } = &c.kind
                && (source.span.end as usize) < offset
            {
                out.add(
                    &var.name,
                    CompletionKind::Variable,
                    Some("for variable".into()),
                );
            }
        }
    }
    for (name, def) in &scope(ctx.db, ctx.workspace, file).names {
        if def.kind == ItemKind::Let {
            out.add(name, CompletionKind::Let, Some(def.id()));
        }
    }
    out.kinds();
    out.keywords(&["change", "not", "true", "false"]);
    out.snippet("node \"…\"", "one node", "node \"${1}\"");
    out.snippet("team \"…\"", "a team", "team \"${1}\"");
    out.snippet("person \"…\"", "a person", "person \"${1}\"");
}

fn top_snippets(out: &mut Out<'_>) {
    out.snippet(
        "rule",
        "rule name { for … require … }",
        "rule ${1:name} {\n  for ${2:svc} in ${3:change.reaches(service)}\n  require ${0}\n}",
    );
    out.snippet(
        "approval",
        "approval name(n) { 1 of … }",
        "approval ${1:name}(${2:n}) {\n  ${3:1} of ${4:owners(n)} distinct from change.author\n}",
    );
    out.snippet(
        "forbid",
        "forbid name \"message\" { when … }",
        "forbid ${1:name} \"${2:message}\" {\n  when ${0}\n}",
    );
    out.snippet(
        "emergency",
        "emergency name { 1 of … followup … }",
        "emergency ${1:break_glass} {\n  1 of ${2:person \"oncall-lead\"}\n  followup review within ${0:48h}\n}",
    );
    out.snippet(
        "test",
        "test \"name\" { change { … } expect … }",
        "test \"${1:name}\" {\n  change {\n    touches \"${2}\"\n    author \"${3}\"\n  }\n  expect decision ${0:allow}\n}",
    );
    out.snippet("let", "let name = …", "let ${1:name} = ${0}");
    out.snippet("use", "use module::item", "use ${0}");
}
