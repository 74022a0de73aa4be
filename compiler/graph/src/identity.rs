//! Identities: one model of people and teams across sources.
//!
//! The same team is `@org/payments` in CODEOWNERS, `group:payments` in a
//! Backstage catalog and `payments` in the graph; the same person is
//! `@alice` on the forge, `user:alice` in Backstage and `alice@example.com`
//! in git. The graph file says they are the same with `aliases` on a team or
//! person (next to `emails` and `keys`). This file owns:
//!
//! - [`alias_key`], the one comparison of names across sources;
//! - [`fold_aliases`], which merges a principal that an importer created
//!   under another name (team `org/payments` from CODEOWNERS) into the one
//!   that declares it as an alias, and rewrites owner and member references
//!   to the canonical id. Importers' merges ([`Document::merge`], here
//!   because it ends by folding) and graph validation both run it,
//!   so every later step (owners, approvers, separation of duties) sees one id
//!   per principal.
//!
//! Security: aliases are user configuration. Only the graph file declares
//! them; a change never does (the change format has no such field), and the
//! decision engine compares the canonical ids the graph holds — a change
//! whose author claims an alias as its `id` is an unknown identity.

use crate::model::{Document, Name, PrincipalKind, Spanned, merge_list, merge_names};
use std::collections::{BTreeMap, BTreeSet};

impl Document {
    /// Merges `other` into `self`: entries with the same id are combined
    /// (lists are unioned, the first document's scalars win when both set
    /// one), everything is sorted, so the result does not depend on the
    /// order in which lists were written.
    pub fn merge(&mut self, other: Document) {
        merge_names(&mut self.node_kinds, &other.node_kinds);
        merge_names(&mut self.edge_kinds, &other.edge_kinds);
        // Entries are found through an index by id: merging n entries is
        // O(n log n), not a linear search per entry (a 20,000-entity
        // Backstage catalog took 33 s).
        let mut at = positions(&self.nodes, |n| &n.id.value);
        for node in other.nodes {
            match at.get(node.id.value.as_str()) {
                None => {
                    at.insert(node.id.value.to_string(), self.nodes.len());
                    self.nodes.push(node);
                }
                Some(&i) => {
                    let existing = &mut self.nodes[i];
                    if existing.description.is_none() {
                        existing.description = node.description;
                    }
                    merge_names(&mut existing.tags, &node.tags);
                    merge_names(&mut existing.owners, &node.owners);
                    merge_list(&mut existing.paths, &node.paths);
                    for (k, v) in node.attributes {
                        if !existing.attributes.contains_key(&k) {
                            existing.attributes.insert(k, v);
                        }
                    }
                    for check in node.checks {
                        if !existing
                            .checks
                            .iter()
                            .any(|c| c.name.value == check.name.value)
                        {
                            existing.checks.push(check);
                        }
                    }
                    merge_list(&mut existing.edges, &node.edges);
                }
            }
        }
        let mut at = positions(&self.teams, |t| &t.id.value);
        for team in other.teams {
            match at.get(&team.id.value) {
                None => {
                    at.insert(team.id.value.clone(), self.teams.len());
                    self.teams.push(team);
                }
                Some(&i) => {
                    let existing = &mut self.teams[i];
                    if existing.description.is_none() {
                        existing.description = team.description;
                    }
                    merge_names(&mut existing.members, &team.members);
                    merge_names(&mut existing.aliases, &team.aliases);
                }
            }
        }
        let mut at = positions(&self.people, |p| &p.id.value);
        for person in other.people {
            match at.get(&person.id.value) {
                None => {
                    at.insert(person.id.value.clone(), self.people.len());
                    self.people.push(person);
                }
                Some(&i) => {
                    let existing = &mut self.people[i];
                    if existing.name.is_none() {
                        existing.name = person.name;
                    }
                    if person.kind == PrincipalKind::Agent {
                        existing.kind = PrincipalKind::Agent;
                    }
                    merge_names(&mut existing.emails, &person.emails);
                    merge_names(&mut existing.keys, &person.keys);
                    merge_names(&mut existing.aliases, &person.aliases);
                }
            }
        }
        merge_list(&mut self.unowned_paths, &other.unowned_paths);
        self.global_files.extend(other.global_files);
        self.normalize();
        fold_aliases(self);
    }
}

/// Where each id stands in `items` (the first entry of an id).
fn positions<T>(items: &[T], id: impl Fn(&T) -> &str) -> BTreeMap<String, usize> {
    let mut at = BTreeMap::new();
    for (i, item) in items.iter().enumerate() {
        at.entry(id(item).to_string()).or_insert(i);
    }
    at
}

/// The form in which names from different sources are compared: lower case,
/// without a leading `@` (forge handles), without a Backstage kind prefix
/// (`group:`, `user:`) and without Backstage's `default/` namespace.
///
/// `@Org/Payments`, `org/payments` → `org/payments`; `group:default/payments`,
/// `group:payments` → `payments`.
pub(crate) fn alias_key(name: &str) -> String {
    let lower = name.trim().to_lowercase();
    let mut s = lower.as_str();
    s = s.strip_prefix('@').unwrap_or(s);
    for prefix in ["group:", "user:"] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest;
            break;
        }
    }
    s = s.strip_prefix("default/").unwrap_or(s);
    s.to_string()
}

/// Whether a principal is a team or a person (aliases never cross the two).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Side {
    Team,
    Person,
}

/// Every alias key declared in `doc`, with the canonical id and side that
/// declares it. When two principals declare the same key neither gets it
/// (validation reports it as E0518).
fn declared(doc: &Document) -> BTreeMap<String, (Side, String)> {
    let mut out: BTreeMap<String, Option<(Side, String)>> = BTreeMap::new();
    let mut add = |side: Side, id: &str, aliases: &[Spanned<String>]| {
        for a in aliases {
            let key = alias_key(a);
            let entry = out
                .entry(key)
                .or_insert_with(|| Some((side, id.to_string())));
            if entry.as_ref().is_some_and(|(s, i)| *s != side || i != id) {
                *entry = None;
            }
        }
    };
    for t in &doc.teams {
        add(Side::Team, &t.id.value, &t.aliases);
    }
    for p in &doc.people {
        add(Side::Person, &p.id.value, &p.aliases);
    }
    out.into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect()
}

/// Merges every team or person whose id is an alias of another principal of
/// the same side into that principal (members, emails, keys and aliases are
/// unioned, the canonical entry's scalars win) and rewrites owner and member
/// references written as an alias to the canonical id. A document without
/// aliases is left exactly as it is.
pub(crate) fn fold_aliases(doc: &mut Document) {
    let aliases = declared(doc);
    if aliases.is_empty() {
        return;
    }
    let ids: BTreeSet<String> = doc
        .teams
        .iter()
        .map(|t| t.id.value.clone())
        .chain(doc.people.iter().map(|p| p.id.value.clone()))
        .collect();
    // id of a principal to fold → the canonical id it folds into
    let target = |side: Side, id: &str| -> Option<String> {
        match aliases.get(&alias_key(id)) {
            Some((s, canonical)) if *s == side && canonical != id && ids.contains(canonical) => {
                Some(canonical.clone())
            }
            _ => None,
        }
    };
    let mut renamed: BTreeMap<String, String> = BTreeMap::new();
    let mut teams = std::mem::take(&mut doc.teams);
    let mut folded_teams = Vec::new();
    teams.retain(|t| match target(Side::Team, &t.id.value) {
        Some(to) => {
            renamed.insert(t.id.value.clone(), to.clone());
            folded_teams.push((to, t.clone()));
            false
        }
        None => true,
    });
    for (to, from) in folded_teams {
        if let Some(t) = teams.iter_mut().find(|t| t.id.value == to) {
            t.members.extend(from.members);
            t.aliases.extend(from.aliases);
            if t.description.is_none() {
                t.description = from.description;
            }
        }
    }
    doc.teams = teams;
    let mut people = std::mem::take(&mut doc.people);
    let mut folded_people = Vec::new();
    people.retain(|p| match target(Side::Person, &p.id.value) {
        Some(to) => {
            renamed.insert(p.id.value.clone(), to.clone());
            folded_people.push((to, p.clone()));
            false
        }
        None => true,
    });
    for (to, from) in folded_people {
        if let Some(p) = people.iter_mut().find(|p| p.id.value == to) {
            p.emails.extend(from.emails);
            p.keys.extend(from.keys);
            p.aliases.extend(from.aliases);
            if p.name.is_none() {
                p.name = from.name;
            }
            if from.kind == crate::model::PrincipalKind::Agent {
                p.kind = crate::model::PrincipalKind::Agent;
            }
        }
    }
    doc.people = people;
    // A reference is rewritten when it names a folded principal, or when it
    // is no principal's id but an alias of one.
    let rewritten = |r: &str, side: Option<Side>| -> Option<&String> {
        if let Some(to) = renamed.get(r) {
            Some(to)
        } else if !ids.contains(r)
            && let Some((s, canonical)) = aliases.get(&alias_key(r))
            && side.is_none_or(|want| want == *s)
        {
            Some(canonical)
        } else {
            None
        }
    };
    for n in &mut doc.nodes {
        for o in &mut n.owners {
            if let Some(to) = rewritten(&o.value, None) {
                o.value = Name::from(to);
            }
        }
    }
    for t in &mut doc.teams {
        for m in &mut t.members {
            if let Some(to) = rewritten(&m.value, Some(Side::Person)) {
                m.value = to.clone();
            }
        }
    }
    doc.normalize();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{NodeDecl, PersonDecl, TeamDecl};

    #[test]
    fn keys_compare_names_across_sources() {
        assert_eq!(alias_key("@Org/Payments"), "org/payments");
        assert_eq!(alias_key("group:default/payments"), "payments");
        assert_eq!(alias_key("group:payments"), "payments");
        assert_eq!(alias_key("user:alice"), "alice");
        assert_eq!(alias_key("group:ops/oncall"), "ops/oncall");
        assert_ne!(alias_key("@alice"), alias_key("@org/alice"));
    }

    #[test]
    fn codeowners_team_folds_into_the_aliased_team() {
        let mut doc = Document::default();
        doc.teams.push(TeamDecl {
            id: "payments".into(),
            members: vec!["alice".into()],
            aliases: vec!["@org/payments".into()],
            ..Default::default()
        });
        doc.teams.push(TeamDecl {
            id: "org/payments".into(),
            members: vec!["bob".into()],
            ..Default::default()
        });
        doc.people.push(PersonDecl {
            id: "alice".into(),
            ..Default::default()
        });
        doc.people.push(PersonDecl {
            id: "bob".into(),
            aliases: vec!["@bob-gh".into()],
            ..Default::default()
        });
        doc.nodes.push(NodeDecl {
            id: "billing".into(),
            kind: "service".into(),
            owners: vec!["org/payments".into(), "@bob-gh".into()],
            ..Default::default()
        });
        fold_aliases(&mut doc);
        assert_eq!(doc.teams.len(), 1);
        let members: Vec<&str> = doc.teams[0]
            .members
            .iter()
            .map(|m| m.value.as_str())
            .collect();
        assert_eq!(members, ["alice", "bob"]);
        let owners: Vec<&str> = doc.nodes[0]
            .owners
            .iter()
            .map(|m| m.value.as_str())
            .collect();
        assert_eq!(owners, ["bob", "payments"]);
    }

    #[test]
    fn a_document_without_aliases_is_untouched() {
        let mut doc = Document::default();
        doc.teams.push(TeamDecl {
            id: "org/payments".into(),
            ..Default::default()
        });
        doc.nodes.push(NodeDecl {
            id: "b".into(),
            owners: vec!["@org/payments".into()],
            ..Default::default()
        });
        let before = doc.clone();
        fold_aliases(&mut doc);
        assert_eq!(doc, before);
    }

    #[test]
    fn an_alias_never_crosses_from_team_to_person() {
        let mut doc = Document::default();
        doc.teams.push(TeamDecl {
            id: "payments".into(),
            aliases: vec!["@alice".into()],
            ..Default::default()
        });
        doc.people.push(PersonDecl {
            id: "alice".into(),
            ..Default::default()
        });
        fold_aliases(&mut doc);
        assert_eq!(doc.people.len(), 1, "a person is never folded into a team");
    }
}
