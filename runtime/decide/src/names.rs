//! The texts a proof repeats, shared once per prepared plan (`Names`), and
//! the source references of plan items (`source_ref`, `rule_clauses`).
//! Both `prepare` (which builds them) and `eval` (which writes them into
//! proofs) use this module; it uses neither.

use crate::proof::{ClauseRef, SourceRef, Text};
use writ_plan::Origin;

/// The texts a proof repeats, shared once per prepared plan: node ids, edge
/// kinds, check names, binding variables.
#[derive(Debug, Default)]
pub(crate) struct Names {
    /// Per node, its id once a proof has named it: a decision names a few
    /// of a graph's nodes, so ids are shared as they are first needed.
    nodes: Vec<std::sync::OnceLock<Text>>,
    pub(crate) edge_kinds: Vec<Text>,
    pub(crate) checks: Vec<Text>,
    /// Per rule (plan order), its binding variables.
    pub(crate) rule_vars: Vec<Vec<Text>>,
    /// Per forbid (plan order), its binding variables.
    pub(crate) forbid_vars: Vec<Vec<Text>>,
}

impl Names {
    /// The names of `plan` over `graph`; `checks` are the interned check names.
    pub(crate) fn new(
        plan: &writ_plan::Plan,
        graph: &writ_graph::Graph,
        checks: &[String],
    ) -> Names {
        let vars =
            |b: &[writ_plan::Binding]| b.iter().map(|b| Text::from(b.var.as_str())).collect();
        Names {
            nodes: (0..graph.node_count())
                .map(|_| std::sync::OnceLock::new())
                .collect(),
            edge_kinds: graph
                .edge_kinds()
                .iter()
                .map(|k| Text::from(k.as_str()))
                .collect(),
            checks: checks.iter().map(|c| Text::from(c.as_str())).collect(),
            rule_vars: plan.rules.iter().map(|r| vars(&r.bindings)).collect(),
            forbid_vars: plan.forbids.iter().map(|f| vars(&f.bindings)).collect(),
        }
    }

    /// The shared id of node `n` of `graph` (the graph these names were
    /// made for); `"?"` for an index outside it.
    pub(crate) fn node(&self, graph: &writ_graph::Graph, n: writ_graph::NodeIdx) -> Text {
        match self.nodes.get(n.index()) {
            Some(text) => text.get_or_init(|| Text::from(graph.node_id(n))).clone(),
            None => "?".into(),
        }
    }
}

pub(crate) fn source_ref(plan: &writ_plan::Plan, o: &Origin) -> SourceRef {
    let src = plan.source(o);
    SourceRef {
        module: src.map_or_else(String::new, |s| s.module.clone()),
        path: src.map_or_else(String::new, |s| s.path.clone()),
        line: o.line,
        column: o.column,
        span: o.span,
        text: src
            .and_then(|s| s.text.get(o.span[0] as usize..o.span[1] as usize))
            .unwrap_or("")
            .to_string(),
    }
}

pub(crate) fn rule_clauses(r: &writ_plan::Rule) -> Vec<ClauseRef> {
    // Every field named (no `..`): a new kind of clause in the IR is a
    // compile error here until the proof lists it.
    let writ_plan::Rule {
        id: _,
        doc: _,
        origin: _,
        bindings,
        when,
        requirements,
    } = r;
    let mut out = Vec::new();
    for b in bindings {
        out.push(ClauseRef {
            clause: format!("for {}", b.var),
            span: b.origin.span,
        });
    }
    if let Some(w) = when {
        out.push(ClauseRef {
            clause: "when".into(),
            span: w.origin.span,
        });
    }
    for req in requirements {
        out.push(ClauseRef {
            clause: match req {
                writ_plan::Requirement::Check(c) => format!("require check \"{}\"", c.check),
                writ_plan::Requirement::Approval(a) => format!("require approval {}", a.chain),
            },
            span: req.origin().span,
        });
    }
    out
}
