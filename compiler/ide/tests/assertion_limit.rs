//! The editor proves assertions only over graphs of up to
//! `EDITOR_PROVE_LIMIT` (1,000) nodes: the same violated assertion is an
//! `E0415` on a small graph and not proved (no `E0415`, every other
//! diagnostic still shown) on a graph one node over the limit.

use writ_ide::AnalysisHost;

const POLICY: &str = r#"rule tier0 {
  for n in change.touches(service where tier == 0)
  when not (change.labels has "hotfix")
  require approval { 2 of owners(n) }
}

rule hotfix {
  for n in change.touches(service where tier == 0)
  when change.labels has "hotfix"
  require approval { 1 of owners(n) }
}

assert tier0_two "tier-0 changes need two human owners" {
  for n in change.touches(service where tier == 0)
  by owner, outsider, agent
  expect requires 2 of owners(n) humans only
}
"#;

/// A graph with the tier-0 service and `fillers` more libraries.
fn graph(fillers: usize) -> String {
    let mut nodes = vec![
        r#"{ "id": "payments-api", "kind": "service", "owners": ["payments"], "paths": ["payments/**"], "attributes": { "tier": 0 } }"#.to_string(),
    ];
    for i in 0..fillers {
        nodes.push(format!(
            r#"{{ "id": "lib-{i}", "kind": "library", "owners": ["payments"], "paths": ["libs/{i}/**"] }}"#
        ));
    }
    format!(
        r#"{{ "version": 1,
  "teams": [ {{ "id": "payments", "members": ["ana", "bo"] }} ],
  "people": [
    {{ "id": "ana", "emails": ["ana@example.com"] }},
    {{ "id": "bo", "emails": ["bo@example.com"] }}
  ],
  "nodes": [ {} ] }}"#,
        nodes.join(",\n")
    )
}

fn codes(fillers: usize) -> Vec<String> {
    let mut host = AnalysisHost::new();
    host.set_file("/main.writ", "main", POLICY.to_string());
    host.set_graph(Some(("/graph.json".into(), graph(fillers))));
    let diagnostics = host.analysis().diagnostics().expect("not cancelled");
    diagnostics
        .values()
        .flatten()
        .map(|d| d.code.clone())
        .collect()
}

#[test]
fn a_small_graph_is_proved_in_the_editor() {
    let codes = codes(10);
    assert!(codes.iter().any(|c| c == "E0415"), "{codes:?}");
}

#[test]
fn a_graph_at_the_limit_is_still_proved() {
    // 1 service + 999 libraries: the same graph as below but one node
    // smaller, so the test below cannot pass on a graph that fails to load.
    let codes = codes(999);
    assert!(codes.iter().any(|c| c == "E0415"), "{codes:?}");
}

#[test]
fn a_graph_over_the_limit_is_left_to_writ_prove() {
    // 1 service + 1,000 libraries: one node over the limit.
    let codes = codes(1_000);
    assert!(!codes.iter().any(|c| c == "E0415"), "{codes:?}");
}
