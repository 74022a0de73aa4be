//! Hover: documentation of keywords and items, what a node, team, person,
//! check or tag is in the graph, and which nodes a selector matches.

use crate::index::{Target, occurrence_at, occurrences, selector_at};
use crate::why::{self, Triggers};
use crate::{Analysis, Cancellable, Ctx, docs, word_at};
use std::sync::Arc;
use writ_analysis::check::selector_nodes;
use writ_analysis::db::SourceFile;
use writ_analysis::items::{Def, ItemKind};
use writ_diagnostics::{Span, plural};
use writ_graph::Graph;
use writ_syntax::ast;

/// How many node ids a hover lists before "and N more".
const LIST_LIMIT: usize = 20;

/// What hovering shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hover {
    /// Markdown.
    pub markdown: String,
    /// The bytes the hover is about.
    pub span: Span,
}

impl Analysis {
    /// The hover at `offset` in the policy file `path`.
    pub fn hover(&self, path: &str, offset: usize) -> Cancellable<Option<Hover>> {
        self.with(|ctx| hover(ctx, path, offset))
    }
}

fn hover(ctx: &Ctx<'_>, path: &str, offset: usize) -> Option<Hover> {
    let file = ctx.file(path)?;
    let text = file.text(ctx.db);
    let offset = offset.min(text.len());
    let occs = occurrences(ctx, file);
    let graph = ctx.graph();
    let mut parts = Vec::new();
    let mut span = None;
    let mut selector_too = false;
    if let Some(occ) = occurrence_at(&occs, offset) {
        span = Some(occ.span);
        let (part, sel) = describe(ctx, file, &occ.target, graph.as_ref());
        parts.extend(part);
        selector_too = sel;
    } else if let Some(word) = word_at(text, offset) {
        let w = &text[word.range()];
        if let Some(doc) = docs::keyword(w) {
            parts.push(format!("```writ\n{w}\n```\n{doc}"));
            span = Some(word);
            selector_too = matches!(w, "where" | "or" | "node");
        }
    }
    if selector_too && let Some(graph) = &graph {
        let parsed = ctx.parse(file);
        if let Some((expr, locals)) = selector_at(&parsed.file, offset)
            && let Some(nodes) = selector_nodes(ctx.db, ctx.workspace, file, &expr, &locals)
        {
            let written = text.get(expr.span.range()).unwrap_or("");
            let mut s = format!(
                "**`{}`** {} {}",
                shorten(written),
                if nodes.dynamic {
                    "depends on the change; it can yield"
                } else {
                    "matches"
                },
                plural(nodes.nodes.len(), "node")
            );
            s.push_str(&node_list(graph, &nodes.nodes));
            if nodes.dynamic {
                let triggers = Triggers::cached(graph, &nodes.sources);
                s.push_str("\n\n");
                s.push_str(&triggers.describe(graph, &nodes.sources, "can make it yield nodes"));
            }
            parts.push(s);
            span = Some(span.unwrap_or(expr.span));
        }
    }
    if parts.is_empty() {
        return None;
    }
    Some(Hover {
        markdown: parts.join("\n\n---\n\n"),
        span: span.unwrap_or(Span::empty(offset)),
    })
}

/// Markdown for a target, and whether the enclosing selector is worth adding.
fn describe(
    ctx: &Ctx<'_>,
    file: SourceFile,
    target: &Target,
    graph: Option<&Arc<Graph>>,
) -> (Option<String>, bool) {
    let no_graph = "_no graph loaded_";
    match target {
        Target::Item(def) => {
            let mut doc = item(ctx, def);
            if matches!(def.kind, ItemKind::Rule | ItemKind::Forbid)
                && let (Some(d), Some(graph), Some(f)) =
                    (&mut doc, graph, ctx.module_file(&def.module))
                && let Some(why) = why::rule_triggers(ctx, graph, f, &def.name)
            {
                d.push_str("\n\n---\n\n");
                d.push_str(&why);
            }
            (doc, def.kind == ItemKind::Let)
        }
        Target::Module(module) => (Some(module_doc(ctx, module)), false),
        Target::Local { name, decl, param } => {
            let text = file.text(ctx.db);
            let what = if *param {
                format!("```writ\n{name}\n```\nchain parameter")
            } else {
                let parsed = ctx.parse(file);
                let source = parsed.file.items.iter().find_map(|i| match &i.kind {
                    ast::ItemKind::Rule(ast::Rule { clauses, .. })
                    | ast::ItemKind::Forbid(ast::Forbid { clauses, .. }) => {
                        clauses.iter().find_map(|c| match &c.kind {
                            ast::ClauseKind::For { var, source } if var.span == *decl => {
                                Some(source.clone())
                            }
                            _ => None,
                        })
                    }
                    _ => None,
                });
                let mut s = match &source {
                    Some(src) => format!(
                        "```writ\nfor {name} in {}\n```\none rule instance per node",
                        text.get(src.span.range()).unwrap_or("…")
                    ),
                    None => format!("```writ\n{name}\n```"),
                };
                if let (Some(src), Some(graph)) = (&source, graph) {
                    let locals = locals_before(ctx, file, *decl);
                    if let Some(nodes) = selector_nodes(ctx.db, ctx.workspace, file, src, &locals) {
                        s.push_str(&format!(
                            ": {}{}",
                            if nodes.dynamic {
                                format!(
                                    "up to {}, depending on the change",
                                    plural(nodes.nodes.len(), "node")
                                )
                            } else {
                                plural(nodes.nodes.len(), "node")
                            },
                            node_list(graph, &nodes.nodes)
                        ));
                    }
                }
                s
            };
            (Some(what), false)
        }
        Target::Kind(kind) => {
            let doc = if kind == "any" {
                "```writ\nany\n```\nevery node".to_string()
            } else {
                format!("```writ\n{kind}\n```\nnode kind: every node of kind `{kind}`")
            };
            (Some(doc), true)
        }
        Target::Field(name) => {
            let doc = match docs::node_field(name) {
                Some(d) => d.to_string(),
                None => match graph {
                    Some(g) => {
                        let mut values: Vec<String> = g
                            .nodes()
                            .iter()
                            .filter_map(|n| n.attributes.get(name).map(|v| attr(&v.value)))
                            .collect();
                        values.sort();
                        values.dedup();
                        format!(
                            "`{name}`: node attribute; values in the graph: {}",
                            values.join(", ")
                        )
                    }
                    None => format!("`{name}`: node attribute"),
                },
            };
            (Some(doc), false)
        }
        Target::ChangeField(name) => (
            docs::change_field(name).map(str::to_string),
            matches!(name.as_str(), "touches" | "reaches" | "exposes"),
        ),
        Target::Builtin(_) => (
            Some("`owners(n)`: the owning teams and people of node `n`, as approvers.".into()),
            false,
        ),
        Target::PrincipalKind(k) => (
            Some(format!(
                "`{k}`: a kind of principal (`change.author is {k}`)."
            )),
            false,
        ),
        Target::Node(id) => {
            let Some(graph) = graph else {
                return (Some(format!("node `{id}`\n\n{no_graph}")), false);
            };
            let Some(node) = graph.node_by_id(id) else {
                return (Some(format!("node `{id}`: not in the graph")), false);
            };
            let mut s = format!("**node `{id}`** ({})", node.kind.value);
            if let Some(d) = &node.description {
                s.push_str(&format!("\n\n{d}"));
            }
            let list = |items: Vec<&str>| {
                if items.is_empty() {
                    "—".to_string()
                } else {
                    items
                        .iter()
                        .map(|t| format!("`{t}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            };
            s.push_str(&format!(
                "\n\n- tags: {}\n- owners: {}\n- checks: {}",
                list(node.tags.iter().map(|t| t.value.as_str()).collect()),
                list(node.owners.iter().map(|t| t.value.as_str()).collect()),
                list(node.checks.iter().map(|c| c.name.value.as_str()).collect()),
            ));
            if !node.attributes.is_empty() {
                let attrs: Vec<String> = node
                    .attributes
                    .iter()
                    .map(|(k, v)| format!("`{k}` = {}", attr(&v.value)))
                    .collect();
                s.push_str(&format!("\n- attributes: {}", attrs.join(", ")));
            }
            if let Some(idx) = graph.node_index(id) {
                let sources = why::reaching_node(idx.0);
                let triggers = Triggers::cached(graph, &sources);
                s.push_str("\n\n**What reaches it**: ");
                s.push_str(&triggers.describe(
                    graph,
                    &sources,
                    "reaches it (`change.reaches`, every edge kind)",
                ));
            }
            (Some(s), false)
        }
        Target::Team(id) => {
            let Some(graph) = graph else {
                return (Some(format!("team `{id}`\n\n{no_graph}")), false);
            };
            let s = match graph.team(id) {
                Some(team) => {
                    let members: Vec<String> = team
                        .members
                        .iter()
                        .map(|m| format!("`{}`", m.value))
                        .collect();
                    let owns = graph
                        .nodes()
                        .iter()
                        .filter(|n| n.owners.iter().any(|o| o.value == *id))
                        .count();
                    let mut s = format!("**team `{id}`**");
                    if let Some(d) = &team.description {
                        s.push_str(&format!("\n\n{d}"));
                    }
                    s.push_str(&format!(
                        "\n\n- members: {}\n- owns {}",
                        if members.is_empty() {
                            "—".into()
                        } else {
                            members.join(", ")
                        },
                        plural(owns, "node")
                    ));
                    s
                }
                None => format!("team `{id}`: not in the graph"),
            };
            (Some(s), false)
        }
        Target::Person(id) => {
            let Some(graph) = graph else {
                return (Some(format!("person `{id}`\n\n{no_graph}")), false);
            };
            let s = match graph.person(id) {
                Some(p) => {
                    let teams: Vec<String> = graph
                        .teams()
                        .iter()
                        .filter(|t| t.members.iter().any(|m| m.value == *id))
                        .map(|t| format!("`{}`", t.id.value))
                        .collect();
                    format!(
                        "**person `{id}`**{} ({})\n\n- teams: {}",
                        p.name
                            .as_ref()
                            .map(|n| format!(" — {n}"))
                            .unwrap_or_default(),
                        p.kind.as_str(),
                        if teams.is_empty() {
                            "—".into()
                        } else {
                            teams.join(", ")
                        }
                    )
                }
                None => format!("person `{id}`: not in the graph"),
            };
            (Some(s), false)
        }
        Target::Check(name) => {
            let Some(graph) = graph else {
                return (Some(format!("check `{name}`\n\n{no_graph}")), false);
            };
            let nodes: Vec<u32> = graph
                .nodes()
                .iter()
                .enumerate()
                .filter(|(_, n)| n.checks.iter().any(|c| c.name.value == *name))
                .map(|(i, _)| i as u32)
                .collect();
            (
                Some(format!(
                    "**check `{name}`**: defined on {}{}",
                    plural(nodes.len(), "node"),
                    node_list(graph, &nodes)
                )),
                false,
            )
        }
        Target::Tag(tag) => {
            let Some(graph) = graph else {
                return (Some(format!("tag `{tag}`\n\n{no_graph}")), false);
            };
            let nodes: Vec<u32> = graph
                .nodes()
                .iter()
                .enumerate()
                .filter(|(_, n)| n.tags.iter().any(|t| t.value == *tag))
                .map(|(i, _)| i as u32)
                .collect();
            (
                Some(format!(
                    "**tag `{tag}`**: on {}{}",
                    plural(nodes.len(), "node"),
                    node_list(graph, &nodes)
                )),
                false,
            )
        }
        Target::EdgeKind(kind) => {
            let n = graph.map_or(0, |g| {
                g.edges()
                    .iter()
                    .filter(|e| g.edge_kind_name(e.kind) == kind)
                    .count()
            });
            (
                Some(format!(
                    "edge kind `{kind}`: {} in the graph",
                    plural(n, "edge")
                )),
                false,
            )
        }
        Target::Unresolved(_) => (None, false),
    }
}

/// The `for` variables declared before `decl` in the same rule.
fn locals_before(ctx: &Ctx<'_>, file: SourceFile, decl: Span) -> Vec<String> {
    let parsed = ctx.parse(file);
    for item in &parsed.file.items {
        let clauses = match &item.kind {
            ast::ItemKind::Rule(r) => &r.clauses,
            ast::ItemKind::Forbid(f) => &f.clauses,
            _ => continue,
        };
        let mut locals = Vec::new();
        for c in clauses {
            if let ast::ClauseKind::For { var, .. } = &c.kind {
                if var.span == decl {
                    return locals;
                }
                locals.push(var.name.clone());
            }
        }
    }
    Vec::new()
}

/// The signature and doc comment of an item.
fn item(ctx: &Ctx<'_>, def: &Def) -> Option<String> {
    let file = ctx.module_file(&def.module)?;
    let parsed = ctx.parse(file);
    let text = file.text(ctx.db);
    let item = parsed
        .file
        .items
        .iter()
        .find(|i| i.name().is_some_and(|n| n.name == def.name))?;
    let signature = match &item.kind {
        ast::ItemKind::Approval(a) if !a.params.is_empty() => format!(
            "approval {}({})",
            def.name,
            a.params
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ast::ItemKind::Approval(_) => format!("approval {}", def.name),
        ast::ItemKind::Rule(_) => format!("rule {}", def.name),
        ast::ItemKind::Forbid(f) => match &f.message {
            Some(m) => format!(
                "forbid {} {}",
                def.name,
                text.get(m.span.range()).unwrap_or("")
            ),
            None => format!("forbid {}", def.name),
        },
        ast::ItemKind::Emergency(_) => format!("emergency {}", def.name),
        ast::ItemKind::Let(l) => format!(
            "let {} = {}",
            def.name,
            shorten(text.get(l.value.span.range()).unwrap_or(""))
        ),
        _ => def.name.clone(),
    };
    let mut s = format!(
        "```writ\n{signature}\n```\n{} in `{}`",
        def.kind.describe(),
        def.module
    );
    if !item.docs.is_empty() {
        s.push_str("\n\n");
        s.push_str(
            &item
                .docs
                .iter()
                .map(|l| l.strip_prefix(' ').unwrap_or(l))
                .collect::<Vec<_>>()
                .join("\n"),
        );
    }
    Some(s)
}

fn module_doc(ctx: &Ctx<'_>, module: &str) -> String {
    let mut s = format!("```writ\nmodule {module}\n```");
    if let Some(file) = ctx.module_file(module) {
        let parsed = ctx.parse(file);
        if !parsed.file.docs.is_empty() {
            s.push('\n');
            s.push_str(
                &parsed
                    .file
                    .docs
                    .iter()
                    .map(|l| l.strip_prefix(' ').unwrap_or(l))
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
        }
        let items: Vec<String> = writ_analysis::items::item_tree(ctx.db, file)
            .items
            .iter()
            .map(|(n, k)| format!("- `{n}` ({})", k.describe()))
            .collect();
        if !items.is_empty() {
            s.push_str("\n\n");
            s.push_str(&items.join("\n"));
        }
    } else {
        s.push_str("\nnot a module of this workspace");
    }
    s
}

fn attr(v: &writ_graph::model::AttrValue) -> String {
    match v {
        writ_graph::model::AttrValue::Bool(b) => b.to_string(),
        writ_graph::model::AttrValue::Int(i) => i.to_string(),
        writ_graph::model::AttrValue::Str(s) => format!("{s:?}"),
    }
}

fn node_list(graph: &Graph, nodes: &[u32]) -> String {
    if nodes.is_empty() {
        return String::new();
    }
    let mut ids: Vec<String> = nodes
        .iter()
        .take(LIST_LIMIT)
        .filter_map(|&i| graph.nodes().get(i as usize))
        .map(|n| format!("`{}`", n.id.value))
        .collect();
    if nodes.len() > LIST_LIMIT {
        ids.push(format!("and {} more", nodes.len() - LIST_LIMIT));
    }
    format!(": {}", ids.join(", "))
}

fn shorten(text: &str) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 80 {
        let cut: String = one_line.chars().take(77).collect();
        format!("{cut}…")
    } else {
        one_line
    }
}
