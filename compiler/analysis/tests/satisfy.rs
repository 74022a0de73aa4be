//! W0404 computed for every instance of a named chain against the graph
//! (issue #19): a chain with a team argument whose team has no members,
//! `owners(n)` of an unowned node, and the author class — "2 of owners(n)"
//! when n has exactly two human owners can never be met by a change one of
//! them wrote. Each case asserts the warning, the instance it names, and
//! that the fixed graph clears it.

use writ_analysis::Host;
use writ_diagnostics::Diagnostic;

const GRAPH: &str = r#"{
  "version": 1,
  "teams": [
    {"id": "payments", "members": ["ana", "bo"]},
    {"id": "org/security", "members": []},
    {"id": "platform", "members": ["pat", "pia", "pru"]}
  ],
  "people": [{"id": "ana"}, {"id": "bo"}, {"id": "pat"}, {"id": "pia"}, {"id": "pru"}],
  "nodes": [
    {"id": "billing", "kind": "service", "owners": ["payments"], "paths": ["billing/**"]},
    {"id": "ledger", "kind": "library", "paths": ["ledger/**"]},
    {"id": "gateway", "kind": "service", "owners": ["platform"], "paths": ["gateway/**"]}
  ]
}"#;

fn warnings(policy: &str, graph: &str) -> Vec<Diagnostic> {
    let host = Host::new(
        vec![("main.writ".into(), "main".into(), policy.into())],
        Some(("graph.json".into(), graph.into())),
    );
    let all = host.diagnostics();
    assert!(
        !all.iter().any(Diagnostic::is_error),
        "{}",
        writ_diagnostics::render::human_string(&host.sources, &all)
    );
    all.into_iter().filter(|d| d.code.id() == "W0404").collect()
}

#[test]
fn a_team_argument_without_members() {
    let policy = "approval team_signoff(t) {\n  1 of t\n}\n\nrule sec {\n  for n in change.touches(service)\n  require approval team_signoff(team \"org/security\")\n}\n";
    let w = warnings(policy, GRAPH);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].message
            .contains("`team_signoff(team \"org/security\")` can never be approved"),
        "{}",
        w[0].message
    );
    let fixed = GRAPH.replace(r#""members": []"#, r#""members": ["pat", "pia"]"#);
    assert!(warnings(policy, &fixed).is_empty());
}

#[test]
fn owners_of_an_unowned_node() {
    let policy = "use std::approvals::{owners_review}\n\nrule owners {\n  for n in change.touches(library)\n  require approval owners_review(n)\n}\n";
    let w = warnings(policy, GRAPH);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].message.contains("`ledger` (0 possible)"),
        "{}",
        w[0].message
    );
    let fixed = GRAPH.replace(
        r#""kind": "library","#,
        r#""kind": "library", "owners": ["platform"],"#,
    );
    assert!(warnings(policy, &fixed).is_empty());
}

#[test]
fn two_owners_when_the_author_is_one_of_two() {
    let policy = "approval two_owners(n) {\n  2 of owners(n) distinct from change.author\n}\n\nrule tier0 {\n  for n in change.touches(service)\n  require approval two_owners(n)\n}\n";
    let w = warnings(policy, GRAPH);
    assert_eq!(w.len(), 1, "{w:?}");
    let m = &w[0].message;
    assert!(
        m.contains("changes by `ana` or `bo` to `billing` can never get 2 approvals"),
        "{m}"
    );
    assert!(
        !m.contains("gateway"),
        "three owners can approve each other's changes: {m}"
    );
}
