//! References into the graph: node ids, teams, people and tags written as
//! strings, checked against the graph with "did you mean …?" suggestions,
//! and the shared "unknown name" diagnostic with its suggestion or list of
//! known names.

use super::{Checker, WithReplacementAt};
use writ_diagnostics::{Code, Span, codes, did_you_mean};
use writ_syntax::ast::{self, ExprKind};

impl Checker<'_> {
    pub(super) fn unknown(
        &mut self,
        code: Code,
        span: Span,
        what: &str,
        name: &str,
        candidates: Vec<String>,
    ) {
        let mut d = self.error(code, span, format!("unknown {what} `{name}`"));
        match did_you_mean(name, candidates.iter().map(String::as_str)) {
            Some(best) => {
                let best = best.to_string();
                d = d
                    .with_label(format!("no {what} has this name"))
                    .with_replacement_text(span, &best);
            }
            None => {
                d = d.with_label(format!("no {what} has this name"));
                if !candidates.is_empty() && candidates.len() <= 12 {
                    d = d.with_note(format!("known: {}", candidates.join(", ")));
                }
            }
        }
        self.report(d);
    }

    pub(super) fn node_exists(&mut self, id: &ast::StrLit) -> Option<u32> {
        let graph = self.graph?;
        match graph.node_index(&id.value) {
            Some(idx) => Some(idx.0),
            None => {
                let d = {
                    let mut d = self
                        .error(
                            codes::E0401,
                            id.span,
                            format!("unknown node `{}`", id.value),
                        )
                        .with_label("the graph has no node with this id");
                    if let Some(best) = did_you_mean(
                        &id.value,
                        graph
                            .nodes()
                            .iter()
                            .map(|n| n.id.value.as_str())
                            .take(100_000),
                    ) {
                        let best = format!("\"{best}\"");
                        d = d.with_replacement_text(id.span, &best);
                    }
                    d
                };
                self.report(d);
                None
            }
        }
    }

    pub(super) fn team_exists(&mut self, id: &ast::StrLit) {
        let Some(graph) = self.graph else { return };
        if graph.team(&id.value).is_none() {
            let candidates = graph.teams().iter().map(|t| t.id.value.clone()).collect();
            self.unknown_quoted(codes::E0405, id, "team", candidates);
        }
    }

    pub(super) fn person_exists(&mut self, id: &ast::StrLit) {
        let Some(graph) = self.graph else { return };
        if graph.person(&id.value).is_none() {
            let candidates = graph.people().iter().map(|p| p.id.value.clone()).collect();
            self.unknown_quoted(codes::E0406, id, "person", candidates);
        }
    }

    pub(super) fn unknown_quoted(
        &mut self,
        code: Code,
        id: &ast::StrLit,
        what: &str,
        candidates: Vec<String>,
    ) {
        let mut d = self
            .error(code, id.span, format!("unknown {what} `{}`", id.value))
            .with_label(format!("the graph has no {what} with this id"));
        if let Some(best) = did_you_mean(&id.value, candidates.iter().map(String::as_str)) {
            let best = format!("\"{best}\"");
            d = d.with_replacement_text(id.span, &best);
        }
        self.report(d);
    }

    /// `tags has "x"` with a tag no node carries is almost certainly a typo.
    pub(super) fn tag_exists(&mut self, set: &ast::Expr, tag_expr: &ast::Expr, tag: &str) {
        let Some(facts) = self.facts else { return };
        let is_tags = match &set.kind {
            ExprKind::Name(n) => n.name == "tags",
            ExprKind::Field(_, f) => f.name == "tags",
            _ => false,
        };
        if is_tags && !facts.tags.contains(tag) {
            let candidates = facts.tags.iter().cloned().collect();
            let lit = ast::StrLit {
                value: tag.to_string(),
                span: tag_expr.span,
            };
            self.unknown_quoted(codes::E0403, &lit, "tag", candidates);
        }
    }
}
