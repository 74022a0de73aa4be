//! Unsatisfiable approval requirements, per instance, against the graph
//! (W0404). A `require approval chain(args)` in a rule is evaluated for
//! every node its `for` variable can take: each step's possible approvers
//! (team members, people, `owners(n)` — humans only, agents never approve)
//! are counted, and a step that needs more than they hold is reported with
//! the nodes it fails for. Two cases:
//!
//! - never: fewer possible approvers than the step needs (a memberless team,
//!   `owners(n)` of an unowned node);
//! - author classes: exactly as many as it needs, so a change by one of them
//!   can never be approved (the author never approves their own change):
//!   "changes by alice or bob to billing can never get 2 approvals".
//!
//! Inline chains and fixed chains are checked where they are defined
//! (`satisfiable` in `chains.rs`); this file owns the uses of named chains.

use super::Checker;
use crate::db::parse;
use crate::items::{Def, module_map};
use std::collections::HashMap;
use writ_diagnostics::{Span, codes};
use writ_graph::PrincipalKind;
use writ_plan::ir;
use writ_syntax::ast::{self, ExprKind};

/// Where a step's approvers come from, as its definition says.
enum Source {
    Team(String),
    Person(String),
    /// The chain parameter at this position, a team or person.
    Param(usize),
    /// `owners(p)` of the node parameter at this position.
    OwnersOfParam(usize),
    /// `owners(node "id")`.
    OwnersOfNode(String),
}

/// A step of a named chain: how many it needs and from where (`None` when a
/// source is something this analysis does not follow).
struct Step {
    count: u32,
    sources: Option<Vec<Source>>,
}

fn shape(def: &ast::ApprovalDef) -> Vec<Step> {
    let param = |name: &str| def.params.iter().position(|p| p.name == name);
    def.body
        .steps
        .iter()
        .filter_map(|s| {
            let count = match s.count.kind {
                ast::CountKind::Exactly(n) => n.min(u64::from(u32::MAX)) as u32,
                ast::CountKind::All => return None,
            };
            let sources = s
                .sources
                .iter()
                .map(|e| match &e.kind {
                    ExprKind::Entity(ast::EntityKind::Team, id) => Some(Source::Team(id.value.clone())),
                    ExprKind::Entity(ast::EntityKind::Person, id) => {
                        Some(Source::Person(id.value.clone()))
                    }
                    ExprKind::Name(n) => param(&n.name).map(Source::Param),
                    ExprKind::Call(callee, args)
                        if matches!(&callee.kind, ExprKind::Name(n) if n.name == "owners") =>
                    {
                        match args.as_slice() {
                            [ast::Arg::Expr(a)] => match &a.kind {
                                ExprKind::Name(n) => param(&n.name).map(Source::OwnersOfParam),
                                ExprKind::Entity(ast::EntityKind::Node, id) => {
                                    Some(Source::OwnersOfNode(id.value.clone()))
                                }
                                _ => None,
                            },
                            _ => None,
                        }
                    }
                    _ => None,
                })
                .collect();
            Some(Step { count, sources })
        })
        .collect()
}

impl<'a> Checker<'a> {
    /// The definition of a named chain, from its module's syntax tree.
    fn chain_def(&self, def: &Def) -> Option<ast::ApprovalDef> {
        let target = module_map(self.db, self.workspace)
            .get(&def.module)
            .copied()?;
        parse(self.db, target)
            .file
            .items
            .iter()
            .find_map(|item| match &item.kind {
                ast::ItemKind::Approval(a) if a.name.name == def.name => Some(a.clone()),
                _ => None,
            })
    }

    /// The nodes a `for` variable can take, appended to `out` unsorted and
    /// possibly repeated (see [`sorted_unique`]); `false`: unknown.
    fn candidates(&self, set: &ir::NodeSet, out: &mut Vec<u32>) -> bool {
        match set {
            ir::NodeSet::Static(i)
            | ir::NodeSet::Touches { filter: i }
            | ir::NodeSet::Reach { filter: i, .. } => {
                out.extend(self.set_contents(*i));
                true
            }
            ir::NodeSet::Union(parts) => parts.iter().all(|p| self.candidates(p, out)),
            ir::NodeSet::Var(_) => false,
        }
    }

    /// Reports the instances of `require approval chain(args)` that can
    /// never be approved (see the file header).
    pub(super) fn instances_satisfiable(
        &mut self,
        def: &Def,
        args: &[ir::ChainArg],
        bindings: &[ir::Binding],
        span: Span,
    ) {
        let Some(graph) = self.graph else { return };
        let Some(chain) = self.chain_def(def) else {
            return;
        };
        // the node each node parameter stands for, per instance
        let mut var: Option<(u32, Vec<u32>)> = None;
        let mut fixed_nodes: Vec<Option<Vec<u32>>> = vec![None; args.len()];
        for (i, a) in args.iter().enumerate() {
            if let ir::ChainArg::Node(set) = a {
                match set {
                    ir::NodeSet::Var(v) => {
                        let mut c = Vec::new();
                        let Some(b) = bindings.get(*v as usize) else {
                            return;
                        };
                        if !self.candidates(&b.set, &mut c) {
                            return;
                        }
                        if var.as_ref().is_some_and(|(w, _)| w != v) {
                            return; // two rule variables: not followed
                        }
                        var = Some((*v, sorted_unique(c)));
                    }
                    other => {
                        let mut c = Vec::new();
                        if !self.candidates(other, &mut c) {
                            return;
                        }
                        fixed_nodes[i] = Some(sorted_unique(c));
                    }
                }
            }
        }
        let instances: Vec<Option<u32>> = match &var {
            Some((_, nodes)) => nodes.iter().map(|&n| Some(n)).collect(),
            None => vec![None],
        };
        let human = |id: &str| {
            graph
                .person(id)
                .is_some_and(|p| p.kind == PrincipalKind::Human)
        };
        // The human people each owner (a team or a person) stands for,
        // worked out once per owner: 100,000 nodes name a few thousand.
        let mut owner_humans: HashMap<&str, Vec<&str>> = HashMap::new();
        let mut owners_of = |n: u32, out: &mut Vec<&'a str>| {
            for o in &graph.nodes()[n as usize].owners {
                let humans = owner_humans.entry(o.value.as_str()).or_insert_with(|| {
                    graph
                        .owner_people_of([o.value.as_str()])
                        .into_iter()
                        .filter(|p| human(p))
                        .collect()
                });
                out.extend_from_slice(humans);
            }
        };
        let label = format!(
            "{}({})",
            chain.name.name,
            args.iter()
                .zip(&chain.params)
                .map(|(a, p)| match a {
                    ir::ChainArg::Team(t) => format!("team \"{t}\""),
                    ir::ChainArg::Person(p) => format!("person \"{p}\""),
                    ir::ChainArg::Node(_) => p.name.clone(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        );
        let local = def.module == self.module;
        for step in shape(&chain) {
            let Some(sources) = &step.sources else {
                continue;
            };
            if step.count == 0 {
                continue;
            }
            // Unknown teams and people are errors of their own.
            let known = sources.iter().all(|s| match s {
                Source::Team(t) => graph.team(t).is_some(),
                Source::Person(p) => graph.person(p).is_some(),
                Source::OwnersOfNode(n) => graph.node_index(n).is_some(),
                Source::Param(_) | Source::OwnersOfParam(_) => true,
            });
            // A step of fixed sources in this file was judged where it is
            // defined (`satisfiable`); one from another module (the standard
            // library) is judged here, where the user can see it.
            let fixed = sources.iter().all(|s| {
                matches!(
                    s,
                    Source::Team(_) | Source::Person(_) | Source::OwnersOfNode(_)
                )
            });
            if !known || (fixed && local) {
                continue;
            }
            // The approvers every instance shares: all sources but the
            // owners of the rule variable's node.
            let mut shared: Vec<&str> = Vec::new();
            let mut varying = false;
            let team_humans = |t: &str, out: &mut Vec<&'a str>| {
                if let Some(team) = graph.team(t) {
                    out.extend(
                        team.members
                            .iter()
                            .filter(|m| human(m))
                            .map(|m| m.value.as_str()),
                    );
                }
            };
            for s in sources {
                match s {
                    Source::Team(t) => team_humans(t, &mut shared),
                    Source::Person(p) => {
                        if let Some(person) = graph.person(p).filter(|_| human(p)) {
                            shared.push(person.id.value.as_str());
                        }
                    }
                    Source::Param(i) => match args.get(*i) {
                        Some(ir::ChainArg::Team(t)) => team_humans(t, &mut shared),
                        Some(ir::ChainArg::Person(p)) => {
                            if let Some(person) = graph.person(p).filter(|_| human(p)) {
                                shared.push(person.id.value.as_str());
                            }
                        }
                        _ => {}
                    },
                    Source::OwnersOfParam(i) => match (&fixed_nodes.get(*i), args.get(*i)) {
                        (Some(Some(nodes)), _) => {
                            for &n in nodes {
                                owners_of(n, &mut shared);
                            }
                        }
                        (_, Some(ir::ChainArg::Node(ir::NodeSet::Var(_)))) => varying = true,
                        _ => {}
                    },
                    Source::OwnersOfNode(id) => {
                        if let Some(n) = graph.node_index(id) {
                            owners_of(n.0, &mut shared);
                        }
                    }
                }
            }
            shared.sort_unstable();
            shared.dedup();
            // Only the first few instances of each case are described; the
            // rest are counted.
            let mut never: Vec<(Option<u32>, usize)> = Vec::new();
            let mut never_count = 0usize;
            let mut classes: Vec<(Option<u32>, Vec<&str>)> = Vec::new();
            let mut classes_count = 0usize;
            let mut people: Vec<&str> = Vec::new();
            for &inst in &instances {
                let people: &[&str] = match inst.filter(|_| varying) {
                    None => &shared,
                    Some(n) => {
                        people.clear();
                        people.extend_from_slice(&shared);
                        owners_of(n, &mut people);
                        people.sort_unstable();
                        people.dedup();
                        &people
                    }
                };
                let held = people.len();
                if held < step.count as usize {
                    never_count += 1;
                    if never.len() < 5 {
                        never.push((inst, held));
                    }
                } else if held == step.count as usize {
                    classes_count += 1;
                    if classes.len() < 3 {
                        classes.push((inst, people.to_vec()));
                    }
                }
            }
            let what = |inst: Option<u32>| {
                inst.map_or_else(
                    || "any change".to_string(),
                    |n| format!("`{}`", graph.nodes()[n as usize].id.value),
                )
            };
            let need = step.count;
            if !never.is_empty() {
                let shown: Vec<String> = never
                    .iter()
                    .map(|&(inst, h)| format!("{} ({h} possible)", what(inst)))
                    .collect();
                let more = never_count - never.len();
                let d = self
                    .error(
                        codes::W0404,
                        span,
                        format!(
                            "`{label}` can never be approved for {}{}: a step needs {need} human approver{} and no more can exist",
                            shown.join(", "),
                            if more > 0 { format!(" and {more} more") } else { String::new() },
                            if need == 1 { "" } else { "s" },
                        ),
                    )
                    .with_label("unsatisfiable for these instances")
                    .with_note("approvers are the human members of the step's teams and owners; agents never approve")
                    .with_help("give the nodes owners, add members to their teams (`writ graph check` lists them), or lower the count");
                self.report(d);
            }
            if !classes.is_empty() {
                let shown: Vec<String> = classes
                    .iter()
                    .map(|(inst, people)| {
                        let people: Vec<String> = people.iter().map(|p| format!("`{p}`")).collect();
                        format!("by {} to {}", people.join(" or "), what(*inst))
                    })
                    .collect();
                let more = classes_count - classes.len();
                let d = self
                    .error(
                        codes::W0404,
                        span,
                        format!(
                            "changes {}{} can never get {need} approval{} from `{label}`: the author never approves their own change",
                            shown.join(", "),
                            if more > 0 { format!(" and {more} more") } else { String::new() },
                            if need == 1 { "" } else { "s" },
                        ),
                    )
                    .with_label("unsatisfiable when the author is a possible approver")
                    .with_help("add another possible approver (a team member or owner), or lower the count");
                self.report(d);
            }
        }
    }
}

/// `nodes` in ascending order without repeats: the order a `BTreeSet` gave,
/// without a tree node allocated and searched for each of 100,000 nodes
/// (3% of `writ plan` on 100,000 services).
fn sorted_unique(mut nodes: Vec<u32>) -> Vec<u32> {
    nodes.sort_unstable();
    nodes.dedup();
    nodes
}

#[cfg(test)]
mod tests {
    use super::sorted_unique;
    use std::collections::BTreeSet;

    #[test]
    fn sorted_unique_is_the_order_of_a_set() {
        let nodes = vec![7, 3, 3, 9, 0, 7, 1, 9, 9, 2];
        let set: Vec<u32> = nodes
            .iter()
            .copied()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        assert_eq!(sorted_unique(nodes), set);
        assert_eq!(sorted_unique(Vec::new()), Vec::<u32>::new());
    }
}
