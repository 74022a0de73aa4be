//! The graph's people as the change space sees them: numbered in id order,
//! grouped by what a plan observes of a person regardless of ownership
//! (kind, the named teams they are in, whether the plan names them), and
//! the people owning each node (directly or through a team), so that the
//! author classes of a change ([`super::Space::author_classes`]) are found
//! with marks over numbers instead of sets of names.

use super::GroupKey;
use crate::Prepared;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use writ_graph::index::NodeIdx;

/// The people of one graph, grouped for one plan (or two, for `writ diff`).
#[derive(Clone, Debug)]
pub(super) struct People<'p> {
    /// Person ids, sorted: a person's number is its position here, so
    /// numbers compare as ids do.
    pub(super) ids: Vec<&'p str>,
    /// Each person's group (index into `groups`).
    pub(super) group: Vec<u32>,
    /// The groups, sorted by key: what the plan sees of their members, and
    /// the members' numbers, ascending.
    pub(super) groups: Vec<(GroupKey, Vec<u32>)>,
    /// Per node (by index), where its owners start in `owners`; one more
    /// entry than nodes.
    owner_start: Vec<u32>,
    /// The people owning each node, ascending, one node after another.
    owners: Vec<u32>,
}

impl<'p> People<'p> {
    /// The people of `p`'s graph, grouped by the teams and persons in
    /// `named_teams` and `named_people`.
    pub(super) fn new(
        p: &'p Prepared,
        named_teams: &BTreeSet<String>,
        named_people: &BTreeSet<String>,
    ) -> People<'p> {
        let graph = p.graph();
        let mut ids: Vec<&'p str> = graph.people().iter().map(|x| x.id.value.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        let number: HashMap<&str, u32> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (*id, i as u32))
            .collect();
        let mut by_key: BTreeMap<GroupKey, Vec<u32>> = BTreeMap::new();
        for person in graph.people() {
            let id = person.id.value.as_str();
            let Some(&n) = number.get(id) else { continue };
            let teams: Vec<String> = named_teams
                .iter()
                .filter(|t| {
                    graph
                        .team(t)
                        .is_some_and(|team| team.members.iter().any(|m| m.value == id))
                })
                .cloned()
                .collect();
            let named = named_people.contains(id).then(|| id.to_string());
            by_key
                .entry((person.kind, teams, named))
                .or_default()
                .push(n);
        }
        let mut group = vec![0u32; ids.len()];
        let groups: Vec<(GroupKey, Vec<u32>)> = by_key
            .into_iter()
            .enumerate()
            .map(|(g, (key, mut members))| {
                members.sort_unstable();
                members.dedup();
                for &m in &members {
                    group[m as usize] = g as u32;
                }
                (key, members)
            })
            .collect();
        let mut owner_start = Vec::with_capacity(graph.nodes().len() + 1);
        let mut owners = Vec::new();
        // Nodes mostly share their owners (a team): each list once.
        let mut of_owners: HashMap<Vec<&str>, Vec<u32>> = HashMap::new();
        for node in graph.nodes() {
            owner_start.push(owners.len() as u32);
            let key: Vec<&str> = node.owners.iter().map(|o| o.value.as_str()).collect();
            let list = of_owners.entry(key).or_insert_with(|| {
                // Team members who are no person of the graph own nothing here.
                let mut v: Vec<u32> = graph
                    .owner_people(&node.owners)
                    .into_iter()
                    .filter_map(|id| number.get(id).copied())
                    .collect();
                v.sort_unstable();
                v
            });
            owners.extend_from_slice(list);
        }
        owner_start.push(owners.len() as u32);
        People {
            ids,
            group,
            groups,
            owner_start,
            owners,
        }
    }

    /// The people owning node `n`, ascending.
    pub(super) fn owners_of(&self, n: NodeIdx) -> &[u32] {
        let i = n.index();
        match (self.owner_start.get(i), self.owner_start.get(i + 1)) {
            (Some(&a), Some(&b)) => self.owners.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }
}
