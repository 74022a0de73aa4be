//! Completion of identifiers: keywords and snippets by block, names in
//! scope, paths, built-in fields and methods, chain parameters.

use super::*;

pub(super) fn ident_items(
    ctx: &Ctx<'_>,
    file: SourceFile,
    offset: usize,
    before: &[&Tok],
    out: &mut Out<'_>,
) {
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

pub(super) fn item_kind(kind: ItemKind) -> CompletionKind {
    match kind {
        ItemKind::Rule | ItemKind::Forbid => CompletionKind::Rule,
        ItemKind::Approval { .. } => CompletionKind::Chain,
        ItemKind::Emergency => CompletionKind::Emergency,
        ItemKind::Let => CompletionKind::Let,
    }
}

/// Items of the standard library by full path (those not imported).
pub(super) fn std_items(
    ctx: &Ctx<'_>,
    file: SourceFile,
    out: &mut Out<'_>,
    pred: &dyn Fn(ItemKind) -> bool,
) {
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

pub(super) fn path_items(ctx: &Ctx<'_>, prefix: &str, in_use: bool, out: &mut Out<'_>) {
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

pub(super) fn node_fields(out: &mut Out<'_>) {
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

pub(super) fn chain_params(ctx: &Ctx<'_>, file: SourceFile, offset: usize, out: &mut Out<'_>) {
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

pub(super) fn expr_items(
    ctx: &Ctx<'_>,
    file: SourceFile,
    offset: usize,
    before: &[&Tok],
    out: &mut Out<'_>,
) {
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

pub(super) fn top_snippets(out: &mut Out<'_>) {
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
    out.snippet(
        "assert",
        "assert name \"message\" { for … expect … }",
        "assert ${1:name} \"${2:message}\" {\n  for ${3:n} in ${4:change.touches(service where tier == 0)}\n  expect requires ${0:2 of owners(n) humans only}\n}",
    );
    out.snippet("let", "let name = …", "let ${1:name} = ${0}");
    out.snippet("use", "use module::item", "use ${0}");
}
