//! The texts a proof repeats, shared once per prepared plan (`Names`), the
//! places that keep a proof's JSON parts laid out once per prepared plan
//! (`RuleJson`, `JsonTemplates`: `eval/json.rs` fills them), and the
//! source references of plan items (`source_ref`, `rule_clauses`). Both
//! `prepare` (which builds them) and `eval` (which writes them into
//! proofs) use this module; it uses neither (only `pretty`'s JSON escape
//! and `Template`).

use crate::json_writer::Template;
use crate::proof::{ClauseRef, SourceRef, Text};
use writ_plan::Origin;

/// Placeholders in the commands of `Unblock`: files the proof cannot know.
pub(crate) const CHANGE_FILE: &str = "<CHANGE>";
/// The plan file.
pub(crate) const PLAN_FILE: &str = "<PLAN>";
/// The signer's private key file.
pub(crate) const KEY_FILE: &str = "<KEY>";
/// A test report.
pub(crate) const REPORT_FILE: &str = "<REPORT>";

/// The fixed words of a missing check's or approval's `unblock` command
/// (their layouts, `eval::approvals` `Word` and `APPROVE`, index them;
/// [`Names::command_words`] shares them once per plan).
pub(crate) const COMMAND_WORDS: [&str; 17] = [
    "writ",
    "run",
    "--plan",
    PLAN_FILE,
    "--change",
    CHANGE_FILE,
    "--key",
    KEY_FILE,
    "--only",
    "evidence",
    "add",
    "junit",
    REPORT_FILE,
    "--check",
    "--node",
    "approve",
    "--as",
];

/// Per-node slots filled on first use, in chunks of [`CHUNK`] allocated
/// when one of their nodes is first asked for: a decision names a few of a
/// graph's nodes, and a slot per node made up front (100,000 at 100k
/// services) was most of the fresh memory a warm `writ eval` wrote.
#[derive(Debug)]
struct Lazy<T> {
    chunks: Vec<std::sync::OnceLock<Box<[std::sync::OnceLock<T>]>>>,
    len: usize,
}

impl<T> Default for Lazy<T> {
    fn default() -> Lazy<T> {
        Lazy::new(0)
    }
}

/// Nodes per chunk of a [`Lazy`].
const CHUNK: usize = 256;

impl<T> Lazy<T> {
    fn new(len: usize) -> Lazy<T> {
        Lazy {
            chunks: (0..len.div_ceil(CHUNK))
                .map(|_| std::sync::OnceLock::new())
                .collect(),
            len,
        }
    }

    /// Slot `i` (`None` past the end).
    fn slot(&self, i: usize) -> Option<&std::sync::OnceLock<T>> {
        if i >= self.len {
            return None;
        }
        let chunk = self
            .chunks
            .get(i / CHUNK)?
            .get_or_init(|| (0..CHUNK).map(|_| std::sync::OnceLock::new()).collect());
        chunk.get(i % CHUNK)
    }
}

/// The texts a proof repeats, shared once per prepared plan: node ids, edge
/// kinds, check names, binding variables.
#[derive(Debug, Default)]
pub(crate) struct Names {
    /// Per node, its id once a proof has named it: a decision names a few
    /// of a graph's nodes, so ids are shared as they are first needed.
    nodes: Lazy<Text>,
    /// Per node, its id escaped for a JSON string once a proof's JSON has
    /// named it (`Names::node_json`).
    json: Lazy<NodeJson>,
    pub(crate) edge_kinds: Vec<Text>,
    pub(crate) checks: Vec<Text>,
    /// The fixed words of a missing check's `unblock` command
    /// ([`COMMAND_WORDS`]).
    pub(crate) command_words: Vec<Text>,
    /// Per rule (plan order), its binding variables.
    pub(crate) rule_vars: Vec<Vec<Text>>,
    /// The labels of the proof tree: the distinct texts among the graph's
    /// edge kinds, the checks and the plan's binding variables, in that
    /// order, each once (a check and a variable both called `u` are one
    /// label), so the tree names each text once (`eval/naming.rs`).
    pub(crate) labels: Vec<Text>,
    /// Per label: the node whose id it also is (`u32::MAX`: none), so a
    /// label and a node with the same text are one name too.
    pub(crate) label_nodes: Vec<u32>,
    /// Per edge kind (as `edge_kinds`), its label.
    pub(crate) edge_kind_labels: Vec<u32>,
    /// Per check (as `checks`), its label.
    pub(crate) check_labels: Vec<u32>,
    /// Per rule (plan order), its binding variables' labels.
    pub(crate) rule_var_labels: Vec<Vec<u32>>,
    /// Per forbid (plan order), its binding variables' labels.
    pub(crate) forbid_var_labels: Vec<Vec<u32>>,
    /// [`WHEN_FALSE`], shared.
    pub(crate) when_false: Text,
    /// The templates of a proof's JSON that depend on the plan alone.
    pub(crate) templates: JsonTemplates,
}

/// The templates of a proof's JSON that depend on the plan alone, laid
/// out (by `eval/json.rs`) when a proof's JSON first needs them; each
/// knows the depth it was laid out at.
#[derive(Debug, Default)]
pub(crate) struct JsonTemplates {
    /// A `missing` reason.
    pub(crate) missing: std::sync::OnceLock<Template>,
    /// A witness tree's node that is not a root.
    pub(crate) tree_node: std::sync::OnceLock<Template>,
    /// A person who can approve, with their `writ approve` command.
    pub(crate) approver: std::sync::OnceLock<Template>,
    /// Per check (as [`Names::checks`]), its obligation by kind (`eval/json.rs`'s
    /// `CheckKind`).
    pub(crate) checks: Vec<[std::sync::OnceLock<Template>; 2]>,
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
        // Labels in order first met (the map only looks them up).
        let mut labels: Vec<Text> = Vec::new();
        let mut at: std::collections::HashMap<String, u32> = Default::default();
        let mut label = |text: &str| -> u32 {
            *at.entry(text.to_owned()).or_insert_with(|| {
                labels.push(Text::from(text));
                labels.len() as u32 - 1
            })
        };
        let edge_kind_labels = graph.edge_kinds().iter().map(|k| label(k)).collect();
        let check_labels = checks.iter().map(|c| label(c)).collect();
        let mut var_labels =
            |b: &[writ_plan::Binding]| -> Vec<u32> { b.iter().map(|b| label(&b.var)).collect() };
        let rule_var_labels = plan.rules.iter().map(|r| var_labels(&r.bindings)).collect();
        let forbid_var_labels = (plan.forbids.iter())
            .map(|f| var_labels(&f.bindings))
            .collect();
        let label_nodes = labels
            .iter()
            .map(|t| graph.node_index(t).map_or(u32::MAX, |n| n.0))
            .collect();
        Names {
            nodes: Lazy::new(graph.node_count()),
            json: Lazy::new(graph.node_count()),
            edge_kinds: graph
                .edge_kinds()
                .iter()
                .map(|k| Text::from(k.as_str()))
                .collect(),
            checks: checks.iter().map(|c| Text::from(c.as_str())).collect(),
            command_words: COMMAND_WORDS.iter().map(|w| Text::from(*w)).collect(),
            rule_vars: plan.rules.iter().map(|r| vars(&r.bindings)).collect(),
            labels,
            label_nodes,
            edge_kind_labels,
            check_labels,
            rule_var_labels,
            forbid_var_labels,
            when_false: WHEN_FALSE.into(),
            templates: JsonTemplates {
                checks: checks.iter().map(|_| Default::default()).collect(),
                ..Default::default()
            },
        }
    }

    /// The shared id of node `n` of `graph` (the graph these names were
    /// made for); `"?"` for an index outside it.
    pub(crate) fn node(&self, graph: &writ_graph::Graph, n: writ_graph::NodeIdx) -> Text {
        match self.nodes.slot(n.index()) {
            Some(text) => text.get_or_init(|| Text::from(graph.node_id(n))).clone(),
            None => "?".into(),
        }
    }

    /// The id of node `n` of `graph`, from the shared text (made the
    /// first time), borrowed: no reference counted; `"?"` for an index
    /// outside the graph.
    pub(crate) fn node_str<'s>(
        &'s self,
        graph: &writ_graph::Graph,
        n: writ_graph::NodeIdx,
    ) -> &'s str {
        match self.nodes.slot(n.index()) {
            Some(text) => text.get_or_init(|| Text::from(graph.node_id(n))),
            None => "?",
        }
    }

    /// Node `n` as a proof's JSON writes it, worked out once per
    /// prepared plan; `None` for an index outside the graph.
    pub(crate) fn node_json(
        &self,
        graph: &writ_graph::Graph,
        n: writ_graph::NodeIdx,
    ) -> Option<&NodeJson> {
        let slot = self.json.slot(n.index())?;
        Some(slot.get_or_init(|| {
            let view = graph.view(n);
            let mut declared = 0u64;
            for name in view.iter().flat_map(|v| v.check_names()) {
                if let Some(i) = self.checks.iter().take(64).position(|c| &**c == name) {
                    declared |= 1 << i;
                }
            }
            let id = graph.node_id(n);
            let mut text = String::with_capacity(id.len());
            crate::json_writer::escape_into(&mut text, id);
            NodeJson {
                plain: id.bytes().all(|b| b > b',' && b != b'\\'),
                text,
                declared,
            }
        }))
    }
}

/// A node as a proof's JSON writes it.
#[derive(Debug)]
pub(crate) struct NodeJson {
    /// The id escaped for a JSON string, without its quotes.
    pub(crate) text: String,
    /// Whether every byte of the id sorts after `,` and needs no escape:
    /// then ids built from it (`rule(x=a, y=b)`) sort as the node
    /// indices do (nodes are sorted by id, byte by byte, and a separator
    /// sorts before any byte of an id that continues past a shorter one).
    pub(crate) plain: bool,
    /// Bit `i` set when the node declares check `i` of the plan's
    /// (`Prepared::checks`, the first 64), so `writ run` can run it.
    declared: u64,
}

impl NodeJson {
    /// Whether the node declares check `c` (an index into
    /// `Prepared::checks`); `None` past the first 64 checks.
    pub(crate) fn declares(&self, c: u32) -> Option<bool> {
        (c < 64).then(|| self.declared & (1 << c) != 0)
    }
}

/// A rule's parts of a proof's JSON, the same in every proof of a
/// prepared plan, laid out once (by `eval/json.rs`) at the depth the
/// proof writes them.
#[derive(Clone, Debug)]
pub(crate) struct RuleJson {
    /// The depth of the `rules` and `not_fired` elements it was laid out
    /// for (a proof at another depth writes the parts field by field).
    pub(crate) depth: usize,
    /// Its fields in `rules` up to the instances: `"id"`, `"source"`,
    /// `"clauses"` and the key `"instances"`.
    pub(crate) head: Template,
    /// Its element of `not_fired` when binding `i` had no node.
    pub(crate) no_node: Vec<Template>,
    /// Its element of `not_fired` when its `when` (with no binding) is
    /// false.
    pub(crate) when_false: Template,
    /// One of its instances with its bindings (the variables' names in
    /// it), an element of its `instances`.
    pub(crate) instance: Template,
    /// A binding's witness, at its depth in `instance`; `None` without
    /// bindings.
    pub(crate) witness: Option<Template>,
    /// How many variables it binds (`instance`'s bindings).
    pub(crate) vars: usize,
}

/// Why a rule with no binding did not fire: its `when` is false.
pub(crate) const WHEN_FALSE: &str = "its `when` is false";

pub(crate) fn source_ref(plan: &writ_plan::Plan, o: &Origin) -> SourceRef {
    let src = plan.source(o);
    SourceRef {
        module: src.map_or("", |s| s.module.as_str()).into(),
        path: src.map_or("", |s| s.path.as_str()).into(),
        line: o.line,
        column: o.column,
        span: o.span,
        text: src
            .and_then(|s| s.text.get(o.span[0] as usize..o.span[1] as usize))
            .unwrap_or("")
            .into(),
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
            clause: format!("for {}", b.var).into(),
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
            }
            .into(),
            span: req.origin().span,
        });
    }
    out
}
