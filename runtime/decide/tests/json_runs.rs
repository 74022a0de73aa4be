//! The proof's JSON written as runs of joined pieces (`json_runs.rs`: a
//! record's end copied with the next one's start, statuses, empty results,
//! the check id's prefix and the edge kinds baked in) is byte for byte the
//! proof tree serialised, on a decision that takes every turn of those
//! runs: three witness trees (`exposes`, `touches`, `reaches`), roots
//! between other nodes, bindings witnessed in a tree after the first, a
//! rule with two bindings, check
//! obligations of three checks in all three statuses, with and without
//! results, imposed by one and by several instances, command positions
//! past the ones a run bakes in, and runs broken by
//! records written otherwise. The decision is checked to be that case
//! (from its JSON, so the check does not lean on the tree's types).

mod common;

use serde_json::Value;
use writ_graph::Change;
use writ_runtime::evidence::{CheckOutcome, CheckResult};
use writ_runtime::{Evidence, Prepared};

const GRAPH: &str = r#"{
  "version": 1,
  "teams": [{ "id": "platform", "members": ["sue"] }],
  "people": [{ "id": "sue", "emails": ["sue@example.com"] }],
  "nodes": [
    { "id": "a", "kind": "service", "owners": ["platform"], "paths": ["a/**"],
      "checks": { "t": { "run": ["true"] }, "u": { "run": ["true"] } },
      "edges": { "reads": ["lib"] } },
    { "id": "b", "kind": "service", "owners": ["platform"], "paths": ["b/**"],
      "edges": { "calls": ["a"] }, "checks": { "t": { "run": ["true"] } } },
    { "id": "c", "kind": "service", "owners": ["platform"], "paths": ["c/**"],
      "edges": { "calls": ["b"] }, "checks": { "v": { "run": ["true"] } } },
    { "id": "d", "kind": "service", "owners": ["platform"], "paths": ["d/**"],
      "edges": { "calls": ["c", "e"] } },
    { "id": "e", "kind": "service", "owners": ["platform"], "paths": ["e/**"],
      "checks": { "t": { "run": ["true"] } } },
    { "id": "f", "kind": "service", "owners": ["platform"], "paths": ["f/**"],
      "edges": { "calls": ["e"] } },
    { "id": "lib", "kind": "service", "owners": ["platform"], "paths": ["lib/**"] }
  ]
}"#;

const POLICY: &str = r#"
/// Every reached service is tested three times (six commands: each
/// check declared by some nodes and not by others).
rule reached {
  for s in change.reaches(service)
  require check "t" on s
  require check "u" on s
  require check "v" on s
}

/// What the change calls, with what it touches: two bindings, the first
/// witnessed in the tree of `exposes`.
rule exposed {
  for s in change.exposes(service)
  for u in change.touches(service)
  require check "t" on s
  require check "t" on u
}
"#;

fn change(files: &[&str]) -> Change {
    common::change_of(files, "human")
}

fn result(check: &str, node: &str, passed: bool) -> CheckResult {
    CheckResult {
        check: check.into(),
        node: node.into(),
        outcome: match passed {
            true => CheckOutcome::Passed,
            false => CheckOutcome::Failed {
                reason: "one \"quoted\" failure".into(),
            },
        },
        digest: format!("sha256:{check}-{node}"),
        source: "test".into(),
        summary: None,
    }
}

/// Every status among the obligations, with how many have results and how
/// many are imposed by more than one instance.
fn obligations_seen(proof: &Value) -> (Vec<String>, usize, usize) {
    let obligations = proof["obligations"].as_array().unwrap();
    let mut statuses: Vec<String> = obligations
        .iter()
        .map(|o| o["status"].as_str().unwrap().to_string())
        .collect();
    statuses.sort();
    statuses.dedup();
    let with_results = (obligations.iter())
        .filter(|o| {
            o["check"]["results"]
                .as_array()
                .is_some_and(|r| !r.is_empty())
        })
        .count();
    let shared = (obligations.iter())
        .filter(|o| o["imposed_by"].as_array().unwrap().len() > 1)
        .count();
    (statuses, with_results, shared)
}

#[test]
fn the_joined_runs_write_the_proof_trees_bytes() {
    let plan = common::plan_of(POLICY, GRAPH);
    let prepared = Prepared::new(plan).unwrap();
    let mut scratch = writ_runtime::Scratch::new(&prepared);
    let mut buf = String::from("a previous proof, longer than nothing at all");
    let with_results = Evidence {
        checks: vec![
            result("t", "a", true),
            result("t", "b", false),
            result("u", "a", true),
        ],
        ..Evidence::default()
    };
    let mut seen_results = false;
    for (files, evidence) in [
        (&["a/x.rs", "e/y.rs"][..], Evidence::default()),
        (&["a/x.rs", "e/y.rs"], with_results.clone()),
        (&["d/z.rs", "a/x.rs", "f/w.rs"], with_results),
        (&["lib/q.rs"], Evidence::default()),
    ] {
        let change = change(files);
        let now = writ_runtime::time::parse_rfc3339(&change.timestamp).unwrap() + 60;
        let want = prepared.evaluate_at(&change, &evidence, now).to_json();
        let direct = prepared
            .decide(&mut scratch, &change, &evidence, now)
            .into_json(None);
        assert_eq!(direct, want, "{files:?}");
        prepared
            .decide(&mut scratch, &change, &evidence, now)
            .write_json(None, &mut buf);
        assert_eq!(buf, want, "{files:?}, reused buffer");

        let proof: Value = serde_json::from_str(&want).unwrap();
        let (statuses, results, shared) = obligations_seen(&proof);
        if files == ["a/x.rs", "e/y.rs"] {
            let trees = proof["witnesses"].as_array().unwrap();
            assert!(trees.len() >= 2, "{}", proof["witnesses"]);
            // Several roots in one tree, one of them after a node that is
            // not a root (the run of non-roots broken by it).
            let interleaved = |t: &Value| {
                let parents: Vec<bool> = (t["nodes"].as_array().unwrap().iter())
                    .map(|n| n["parent"].is_null())
                    .collect();
                parents.windows(2).any(|w| !w[0] && w[1])
            };
            assert!(trees.iter().any(interleaved), "{}", proof["witnesses"]);
            // A binding witnessed in a tree after the first, and a rule
            // binding two.
            let bindings: Vec<&Value> = (proof["rules"].as_array().unwrap().iter())
                .flat_map(|r| r["instances"].as_array().unwrap())
                .flat_map(|i| i["bindings"].as_array().unwrap())
                .collect();
            assert!(
                bindings
                    .iter()
                    .any(|b| b["witness"]["tree"].as_u64().is_some_and(|t| t > 0)),
                "{}",
                proof["rules"]
            );
            assert!(
                (proof["rules"].as_array().unwrap().iter())
                    .flat_map(|r| r["instances"].as_array().unwrap())
                    .any(|i| i["bindings"].as_array().unwrap().len() == 2),
                "{}",
                proof["rules"]
            );
            assert!(shared > 0, "an obligation imposed by two instances");
            // More commands than a check's run bakes in (four).
            assert!(
                proof["commands"].as_array().unwrap().len() > 4,
                "{}",
                proof["commands"]
            );
            if results > 0 {
                seen_results = true;
                assert_eq!(statuses, ["failed", "missing", "satisfied"], "{want}");
            } else {
                assert_eq!(statuses, ["missing"], "{want}");
            }
        }
    }
    assert!(seen_results, "a decision with check results");
}
