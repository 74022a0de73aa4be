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
    /// Per approval chain (plan order), its id.
    pub(crate) chain_ids: Vec<Text>,
    /// Per person of the graph (`Graph::people` order), once a proof has
    /// offered them as an approver: their id and `writ approve` command
    /// ([`Names::approver`]).
    approvers: Lazy<crate::proof::Approver>,
    /// Per team of the graph (`Graph::teams` order), once a step has named
    /// it: per member (in the team's order), their index in `Graph::people`
    /// when they are a human the graph knows ([`Names::team_humans`]).
    team_humans: Lazy<Box<[Option<u32>]>>,
    /// Per node, once a step has named its owners: what each owner id
    /// names, in the node's order ([`Names::owner_principals`]).
    owner_principals: Lazy<Box<[Option<writ_graph::Principal>]>>,
    /// The texts a proof's `not_fired` names by position, laid out (by
    /// `eval/prove.rs`) when a proof first needs them.
    pub(crate) not_fired: std::sync::OnceLock<NotFiredTexts>,
    /// The templates of a proof's JSON that depend on the plan alone.
    pub(crate) templates: JsonTemplates,
}

/// The texts of a proof's `not_fired` (`proof::NotFiredList`), one table
/// per plan: every rule's id (position = the rule's index), then
/// [`WHEN_FALSE`], then `its \`when\` is false for all N bindings` for N
/// from 1 to [`NotFiredTexts::COUNTED`], then each rule's `no node for
/// \`x\`` per binding.
#[derive(Debug)]
pub(crate) struct NotFiredTexts {
    /// The table.
    pub(crate) texts: std::sync::Arc<[Text]>,
    /// Per rule, the position of its first `no node for` text.
    no_node: Vec<u32>,
    /// How many rules.
    rules: u32,
    /// Per rule, its place in rule id order (equal ids in rule order).
    pub(crate) rank: Vec<u32>,
}

impl NotFiredTexts {
    /// The counts whose `when is false for all N bindings` is in the table.
    pub(crate) const COUNTED: usize = 64;

    /// The table of rules with ids `ids`, each with its `no node for`
    /// texts (`no_node`, per binding).
    pub(crate) fn new<'r>(rules: impl Iterator<Item = (&'r Text, &'r [Text])>) -> NotFiredTexts {
        let (ids, no_node): (Vec<&Text>, Vec<&[Text]>) = rules.unzip();
        let mut texts: Vec<Text> = ids.iter().map(|&t| t.clone()).collect();
        texts.push(WHEN_FALSE.into());
        for n in 1..=Self::COUNTED {
            texts.push(when_false_for(n).into());
        }
        let mut starts = Vec::with_capacity(no_node.len());
        for texts_of in no_node {
            starts.push(texts.len() as u32);
            texts.extend(texts_of.iter().cloned());
        }
        let mut by_id: Vec<u32> = (0..ids.len() as u32).collect();
        by_id.sort_by(|&a, &b| ids[a as usize].cmp(ids[b as usize]).then(a.cmp(&b)));
        let mut rank = vec![0; ids.len()];
        for (r, &ri) in by_id.iter().enumerate() {
            rank[ri as usize] = r as u32;
        }
        NotFiredTexts {
            texts: texts.into(),
            no_node: starts,
            rules: ids.len() as u32,
            rank,
        }
    }

    /// [`WHEN_FALSE`]'s position.
    pub(crate) fn when_false(&self) -> u32 {
        self.rules
    }

    /// The position of `its \`when\` is false for all {count} bindings`,
    /// if the table has it.
    pub(crate) fn when_false_for(&self, count: usize) -> Option<u32> {
        (1..=Self::COUNTED)
            .contains(&count)
            .then(|| self.rules + count as u32)
    }

    /// The position of rule `ri`'s `no node for` text of binding `i`, if
    /// it has that binding.
    pub(crate) fn no_node(&self, ri: usize, i: usize) -> Option<u32> {
        let start = *self.no_node.get(ri)? as usize + i;
        let end = (self
            .no_node
            .get(ri + 1)
            .map_or(self.texts.len(), |&e| e as usize))
        .min(self.texts.len());
        (start < end).then_some(start as u32)
    }
}

/// `its \`when\` is false for all {count} binding(s)`: the one layout of it.
pub(crate) fn when_false_for(count: usize) -> String {
    format!(
        "its `when` is false for all {count} binding{}",
        if count == 1 { "" } else { "s" }
    )
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
    /// The records above joined into runs (`json_runs.rs`), when a
    /// proof first writes them.
    pub(crate) runs: crate::json_runs::Runs,
    /// Per approval chain (plan order), its `source` object as the JSON
    /// writes it (escaped once: every obligation of the chain repeats it).
    pub(crate) chain_sources: Vec<std::sync::OnceLock<String>>,
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
            chain_ids: (plan.chains.iter())
                .map(|c| Text::from(c.id.as_str()))
                .collect(),
            not_fired: std::sync::OnceLock::new(),
            approvers: Lazy::new(graph.people().len()),
            team_humans: Lazy::new(graph.teams().len()),
            owner_principals: Lazy::new(graph.node_count()),
            templates: JsonTemplates {
                checks: checks.iter().map(|_| Default::default()).collect(),
                chain_sources: plan.chains.iter().map(|_| Default::default()).collect(),
                ..Default::default()
            },
        }
    }

    /// Person `p` of `graph` (the graph these names were made for) as an
    /// approver, made by `make` the first time a proof offers them and
    /// shared after; made afresh for an id that is not a person of it.
    pub(crate) fn approver(
        &self,
        graph: &writ_graph::Graph,
        p: &str,
        make: impl FnOnce() -> crate::proof::Approver,
    ) -> crate::proof::Approver {
        let slot = match graph.principal(p) {
            Some(writ_graph::Principal::Person(i)) => self.approvers.slot(i),
            _ => None,
        };
        match slot {
            Some(slot) => slot.get_or_init(make).clone(),
            None => make(),
        }
    }

    /// Per member of team `t` of `graph` (the graph these names were made
    /// for; `t` indexes `Graph::teams`), in the team's order: their index
    /// in `Graph::people` when they are a human the graph knows, else
    /// `None`. Worked out the first time a step names the team, so
    /// matching looks no person up per member; empty for an index outside
    /// the graph.
    pub(crate) fn team_humans(&self, graph: &writ_graph::Graph, t: usize) -> &[Option<u32>] {
        let (Some(slot), Some(team)) = (self.team_humans.slot(t), graph.teams().get(t)) else {
            return &[];
        };
        slot.get_or_init(|| {
            let people = graph.people();
            (team.members.iter())
                .map(|m| match graph.principal(&m.value) {
                    Some(writ_graph::Principal::Person(i))
                        if people[i].kind == writ_graph::PrincipalKind::Human =>
                    {
                        u32::try_from(i).ok()
                    }
                    _ => None,
                })
                .collect()
        })
    }

    /// What each owner of node `n` of `graph` (the graph these names were
    /// made for) names, in the node's order (`None` for an id the graph
    /// does not know): worked out the first time a step names the node's
    /// owners, so matching looks no owner up by name per decision; empty
    /// for an index outside the graph.
    pub(crate) fn owner_principals(
        &self,
        graph: &writ_graph::Graph,
        n: writ_graph::NodeIdx,
    ) -> &[Option<writ_graph::Principal>] {
        let (Some(slot), Some(node)) = (self.owner_principals.slot(n.index()), graph.view(n))
        else {
            return &[];
        };
        slot.get_or_init(|| node.owners().map(|o| graph.principal(o)).collect())
    }

    /// Person `i` of `graph` (an index into `Graph::people`, the graph
    /// these names were made for) as an approver: [`Names::approver`]
    /// without looking the id up; made afresh past the end.
    pub(crate) fn approver_at(
        &self,
        i: usize,
        make: impl FnOnce() -> crate::proof::Approver,
    ) -> crate::proof::Approver {
        match self.approvers.slot(i) {
            Some(slot) => slot.get_or_init(make).clone(),
            None => make(),
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
    /// How many variables it binds (`instance`'s bindings).
    pub(crate) vars: usize,
    /// `instance` and a binding's witness joined into a run
    /// (`json_runs.rs`).
    pub(crate) run: crate::json_runs::InstanceRun,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Each rule's `no node for` texts are its own (a binding past its
    /// last is not the next rule's first), the counted `when is false`
    /// texts are laid out as [`when_false_for`] says, and the rank puts
    /// rules in id order, equal ids in rule order.
    #[test]
    fn not_fired_texts_by_position() {
        let ids: Vec<Text> = ["m::b", "m::a", "m::b"].iter().map(|&t| t.into()).collect();
        let no_node: Vec<Vec<Text>> = vec![
            vec!["no node for `x`".into()],
            vec![],
            vec!["no node for `y`".into(), "no node for `z`".into()],
        ];
        let t = NotFiredTexts::new(ids.iter().zip(no_node.iter().map(|v| &v[..])));
        let at = |i: Option<u32>| i.map(|i| t.texts[i as usize].to_string());
        assert_eq!(at(Some(0)), Some("m::b".into()));
        assert_eq!(at(Some(t.when_false())), Some(WHEN_FALSE.into()));
        assert_eq!(at(t.no_node(0, 0)), Some("no node for `x`".into()));
        assert_eq!(t.no_node(0, 1), None, "not rule 2's");
        assert_eq!(t.no_node(1, 0), None);
        assert_eq!(at(t.no_node(2, 1)), Some("no node for `z`".into()));
        assert_eq!(t.no_node(2, 2), None);
        assert_eq!(t.no_node(3, 0), None);
        for n in [1, 2, NotFiredTexts::COUNTED] {
            assert_eq!(at(t.when_false_for(n)), Some(when_false_for(n)));
        }
        assert_eq!(when_false_for(1), "its `when` is false for all 1 binding");
        assert_eq!(t.when_false_for(0), None);
        assert_eq!(t.when_false_for(NotFiredTexts::COUNTED + 1), None);
        assert_eq!(t.rank, [1, 0, 2]);
    }
}
