//! Graph checks that explain why nothing can ever pass: a valid graph in
//! which some approval can never be given. Each finding is a warning with a
//! stable code, the team, person or node, and the fix:
//!
//! - W0530: a team without members (nothing it must approve can be approved;
//!   often a CODEOWNERS team that is the same as a Backstage group);
//! - W0531: a node without owners (`owners(n)` is empty, so an owners'
//!   review of it can never be given);
//! - W0532: owners none of whom can sign (no human with a public key): the
//!   only possible approvers cannot approve.
//!
//! `writ graph check`, `writ graph stats` and `writ init` report them; they
//! are not load errors, because a graph being built up has them on the way.

use crate::graph::{Graph, Principal};
use crate::model::PrincipalKind;
use writ_diagnostics::{Diagnostic, codes};

/// The findings for `graph`, in the order of the graph (teams, then nodes).
pub fn lint(graph: &Graph) -> Vec<Diagnostic> {
    let file = graph.file().unwrap_or_default();
    let mut out = Vec::new();
    let can_sign = |id: &str| {
        graph
            .person(id)
            .is_some_and(|p| p.kind == PrincipalKind::Human && !p.keys.is_empty())
    };
    // owner id → the nodes it owns, in one pass (not a scan per team)
    let mut owned: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for n in graph.nodes() {
        for o in &n.owners {
            owned
                .entry(o.value.as_str())
                .or_default()
                .push(n.id.value.as_str());
        }
    }
    for t in graph.teams() {
        let owns: &[&str] = owned.get(t.id.value.as_str()).map_or(&[], Vec::as_slice);
        let owns_note = |d: Diagnostic| {
            if owns.is_empty() {
                d
            } else {
                d.with_note(format!("it owns {}", list(owns)))
            }
        };
        if t.members.is_empty() {
            let d = Diagnostic::new(
                codes::W0530,
                file,
                t.id.span,
                format!("team `{}` has no members: no approval it must give can ever be given", t.id.value),
            )
            .with_label("no members")
            .with_help(match same_team(graph, &t.id.value) {
                Some(other) => format!(
                    "if it is team `{other}` under its CODEOWNERS name, add `\"aliases\": [\"@{}\"]` to team `{other}`; otherwise add its people to `members`",
                    t.id.value
                ),
                None => format!(
                    "add its people to `members`; if the graph knows the team under another name, add `\"aliases\": [\"@{}\"]` to that team",
                    t.id.value
                ),
            });
            out.push(owns_note(d));
        } else if !t.members.iter().any(|m| can_sign(m)) {
            let d = Diagnostic::new(
                codes::W0532,
                file,
                t.id.span,
                format!(
                    "no member of team `{}` can sign an approval: none is a human with a public key",
                    t.id.value
                ),
            )
            .with_label("no signing member")
            .with_help("run `writ keygen` as one of its members and add the public key to their `keys`");
            out.push(owns_note(d));
        }
    }
    for n in graph.nodes() {
        if n.owners.is_empty() {
            let d = Diagnostic::new(
                codes::W0531,
                file,
                n.id.span,
                format!("node `{}` has no owners: an owners' review of it can never be given", n.id.value),
            )
            .with_label("no owners")
            .with_help("add a team or person to its `owners` (a CODEOWNERS entry or a Backstage `owner` does it on import)");
            out.push(d);
            continue;
        }
        // owners that are people directly (teams are reported above)
        let people: Vec<&str> = n
            .owners
            .iter()
            .filter(|o| matches!(graph.principal(o), Some(Principal::Person(_))))
            .map(|o| o.value.as_str())
            .collect();
        let teams = n
            .owners
            .iter()
            .any(|o| matches!(graph.principal(o), Some(Principal::Team(_))));
        if !teams && !people.is_empty() && !people.iter().any(|p| can_sign(p)) {
            let d = Diagnostic::new(
                codes::W0532,
                file,
                n.id.span,
                format!(
                    "no owner of node `{}` can sign an approval: {} has no public key or is an agent",
                    n.id.value,
                    list(&people)
                ),
            )
            .with_label("no signing owner")
            .with_help("run `writ keygen` as an owner and add the public key to their `keys`");
            out.push(d);
        }
    }
    out
}

/// Teams without members, sorted by id (for `writ graph stats`).
pub fn memberless_teams(graph: &Graph) -> Vec<&str> {
    graph
        .teams()
        .iter()
        .filter(|t| t.members.is_empty())
        .map(|t| t.id.value.as_str())
        .collect()
}

/// For a CODEOWNERS team `org/name`: the team with members whose id is
/// `name` (probably the same people under their Backstage or graph name).
fn same_team<'g>(graph: &'g Graph, id: &str) -> Option<&'g str> {
    let (_, name) = id.rsplit_once('/')?;
    graph
        .teams()
        .iter()
        .find(|t| t.id.value == name && !t.members.is_empty())
        .map(|t| t.id.value.as_str())
}

fn list(ids: &[&str]) -> String {
    let shown: Vec<String> = ids.iter().take(5).map(|i| format!("`{i}`")).collect();
    let more = ids.len().saturating_sub(5);
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use writ_diagnostics::SourceMap;

    fn codes_for(text: &str) -> Vec<(String, String)> {
        let mut map = SourceMap::new();
        let (g, diags) = Graph::parse(&mut map, "g.json", text);
        let g = g.unwrap_or_else(|| panic!("{diags:?}"));
        lint(&g)
            .into_iter()
            .map(|d| (d.code.id().to_string(), d.message))
            .collect()
    }

    const KEY: &str = "ed25519:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

    #[test]
    fn memberless_team_is_w0530() {
        let found = codes_for(
            r#"{"version": 1, "teams": [{"id": "org/payments"}],
                "nodes": [{"id": "billing", "kind": "service", "owners": ["org/payments"]}]}"#,
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "W0530");
        assert!(found[0].1.contains("`org/payments`"));
    }

    #[test]
    fn unowned_node_is_w0531() {
        let found = codes_for(r#"{"version": 1, "nodes": [{"id": "billing", "kind": "service"}]}"#);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "W0531");
        assert!(found[0].1.contains("`billing`"));
    }

    #[test]
    fn owners_without_keys_are_w0532() {
        let text = r#"{"version": 1,
            "teams": [{"id": "payments", "members": ["alice", "bot"]}],
            "people": [{"id": "alice"}, {"id": "bot", "kind": "agent", "keys": ["KEY"]}, {"id": "carol"}],
            "nodes": [{"id": "billing", "kind": "service", "owners": ["payments"]},
                      {"id": "ledger", "kind": "service", "owners": ["carol"]}]}"#
            .replace("KEY", KEY);
        let found = codes_for(&text);
        let codes: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(codes, ["W0532", "W0532"], "{found:?}");
        assert!(found[0].1.contains("team `payments`"));
        assert!(found[1].1.contains("node `ledger`"));
        // A key on a human member clears it.
        let fixed = text.replace(
            r#"{"id": "alice"}"#,
            &format!(r#"{{"id": "alice", "keys": ["{KEY}"]}}"#),
        );
        let found = codes_for(&fixed);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].1.contains("node `ledger`"));
    }
}
