//! One semantics for expressions (docs/language.md § Missing attributes):
//! a table of conditions × nodes → true, false or an error, each run twice
//! through the real compiler and runtime — as a compile-time `where` filter
//! (`for s in service where C`: the nodes it keeps) and as a decision-time
//! `when` (`for s in service when s.C`: the instances that fire, and the
//! error a missing attribute used as a condition gives). Both go through
//! `writ_plan::eval`; this holds them to the table and to each other.

use writ_graph::Change;
use writ_runtime::{Evidence, Prepared};

const GRAPH: &str = r#"{
  "version": 1,
  "teams": [{ "id": "payments", "members": ["dev1"] }],
  "people": [{ "id": "dev1", "emails": ["dev1@example.com"] }],
  "nodes": [
    { "id": "full", "kind": "service", "tags": ["pci"], "owners": ["payments"],
      "attributes": { "tier": 0, "pci": true }, "paths": ["full/**"],
      "checks": { "t": { "run": ["true"] } } },
    { "id": "partial", "kind": "service", "owners": ["payments"],
      "attributes": { "tier": 2, "pci": false }, "paths": ["partial/**"],
      "checks": { "t": { "run": ["true"] } } },
    { "id": "bare", "kind": "service", "owners": ["payments"], "paths": ["bare/**"],
      "checks": { "t": { "run": ["true"] } } }
  ]
}"#;

/// The nodes, in the order of each row's expectations.
const NODES: [&str; 3] = ["full", "partial", "bare"];

/// A condition (`$` stands for the node: nothing in a filter, `s.` in a
/// `when`) and, per node of [`NODES`], `T` (holds), `F` (does not) or `E`
/// (cannot be evaluated: a missing attribute used as a condition).
const TABLE: &[(&str, &str)] = &[
    ("$tier == 0", "TFF"),
    ("$tier != 0", "FTT"),
    ("$tier < 1", "TFF"),
    ("$tier >= 1", "FTF"),
    ("not ($tier == 0)", "FTT"),
    ("not ($tier > 1)", "TFT"),
    ("$tier in 0..1", "TFF"),
    ("$tier in [2, 3]", "FTF"),
    ("$pci", "TFE"),
    ("not $pci", "FTE"),
    ("$pci == true", "TFF"),
    ("$pci != true", "FTT"),
    ("$pci or $tier == 2", "TTE"),
    ("$tier == 2 or $pci", "TTE"),
    ("$tier == 0 and $pci", "TFF"),
    ("$tags has \"pci\"", "TFF"),
    ("$owners has \"payments\"", "TTT"),
    ("$id == \"bare\"", "FFT"),
    ("$kind in [\"service\", \"library\"]", "TTT"),
];

const CHANGE: &str = r#"{
  "version": 1, "id": "pr-1",
  "base": "1111111111111111111111111111111111111111",
  "head": "2222222222222222222222222222222222222222",
  "author": { "id": "dev1", "name": "dev1", "email": "dev1@example.com", "kind": "human" },
  "files": [{ "path": "full/main.rs", "status": "modified" }],
  "labels": [], "emergency": false, "timestamp": "2026-05-04T10:00:00Z"
}"#;

/// The nodes rule `id` fired for, in proof order.
fn fired(d: &writ_runtime::Decision, id: &str) -> Vec<String> {
    let mut nodes: Vec<String> = d
        .proof
        .rules
        .iter()
        .filter(|r| &*r.id == id)
        .flat_map(|r| &r.instances)
        .map(|i| d.proof.name(i.bindings[0].node).to_string())
        .collect();
    nodes.sort_by_key(|n| NODES.iter().position(|x| x == n));
    nodes
}

#[test]
fn filters_and_conditions_agree_with_the_table() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("expressions-change.json");
    std::fs::write(&path, CHANGE).unwrap();
    let mut map = writ_diagnostics::SourceMap::new();
    let change: Change = Change::load(&mut map, &path).0.unwrap();
    let now = writ_runtime::time::parse_rfc3339(&change.timestamp).unwrap() + 3600;
    let mut failures = Vec::new();
    for (cond, expected) in TABLE {
        let policy = format!(
            "rule filtered {{\n  for s in service where {}\n  require check \"t\" on s\n}}\n\
             rule conditioned {{\n  for s in service\n  when {}\n  require check \"t\" on s\n}}\n",
            cond.replace('$', ""),
            cond.replace('$', "s."),
        );
        let host = writ_analysis::Host::new(
            vec![("main.writ".into(), "main".into(), policy.clone())],
            Some(("graph.json".into(), GRAPH.into())),
        );
        let plan = host
            .plan()
            .unwrap_or_else(|e| panic!("{cond}: {e:?}\n{policy}"));
        let prepared = Prepared::new(plan).unwrap();
        let d = prepared.evaluate_at(&change, &Evidence::default(), now);
        let holds: Vec<String> = NODES
            .iter()
            .zip(expected.chars())
            .filter(|(_, e)| *e == 'T')
            .map(|(n, _)| n.to_string())
            .collect();
        let errs = expected.contains('E');
        let filtered = fired(&d, "main::filtered");
        let conditioned = fired(&d, "main::conditioned");
        let reasons = format!("{:?}", d.reasons());
        let error_reported =
            reasons.contains("rule `main::conditioned`: a condition is a missing attribute");
        if filtered != holds || conditioned != holds || error_reported != errs {
            failures.push(format!(
                "{cond} (expected {expected}): the filter kept {filtered:?}, the `when` fired for \
                 {conditioned:?}, error reported: {error_reported}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_missing_attribute_as_a_condition_is_an_error_that_denies() {
    let policy =
        "rule conditioned {\n  for s in service\n  when s.pci\n  require check \"t\" on s\n}\n";
    let host = writ_analysis::Host::new(
        vec![("main.writ".into(), "main".into(), policy.into())],
        Some(("graph.json".into(), GRAPH.into())),
    );
    let prepared = Prepared::new(host.plan().unwrap()).unwrap();
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("expressions-deny.json");
    std::fs::write(&path, CHANGE).unwrap();
    let mut map = writ_diagnostics::SourceMap::new();
    let change: Change = Change::load(&mut map, &path).0.unwrap();
    let d = prepared.evaluate_at(&change, &Evidence::default(), 1_800_000_000);
    assert_eq!(d.outcome.as_str(), "deny", "{:?}", d.reasons());
}
