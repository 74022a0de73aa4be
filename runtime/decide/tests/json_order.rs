//! The proof's JSON written straight from the index form sorts its ids
//! from integer keys (node indices, check ranks) only where that is the
//! ids' text order; node ids holding `#` or `+` (which sort before the
//! `,` and `)` that follow an id inside an instance id), ids that are
//! prefixes of others, rules with two bindings, and obligations imposed
//! by instances of several rules are decided here, and the bytes compared
//! with the proof tree serialised (which sorts by text).

mod common;

use writ_graph::Change;
use writ_runtime::{Evidence, Prepared};

const GRAPH: &str = r#"{
  "version": 1,
  "teams": [{ "id": "platform", "members": ["sue"] }],
  "people": [{ "id": "sue", "emails": ["sue@example.com"] }],
  "nodes": [
    { "id": "a", "kind": "service", "owners": ["platform"], "paths": ["a/**"],
      "checks": { "t": { "run": ["true"] }, "t-2": { "run": ["true"] } } },
    { "id": "a#b", "kind": "service", "owners": ["platform"], "paths": ["ahb/**"],
      "edges": { "calls": ["a"] } },
    { "id": "a+b", "kind": "service", "owners": ["platform"], "paths": ["apb/**"],
      "edges": { "calls": ["a"] } },
    { "id": "a-b", "kind": "service", "owners": ["platform"], "paths": ["amb/**"],
      "edges": { "calls": ["a#b"] } },
    { "id": "ab", "kind": "service", "owners": ["platform"], "paths": ["ab/**"],
      "edges": { "calls": ["a+b"] } },
    { "id": "a#", "kind": "service", "owners": ["platform"], "paths": ["ah/**"],
      "edges": { "calls": ["a"] } }
  ]
}"#;

const POLICY: &str = r#"
/// Every reached service is tested.
rule one {
  for s in change.reaches(service)
  require check "t" on s
}

/// The same obligations again, from another rule.
rule one_more {
  for s in change.reaches(service)
  require check "t" on s
}

/// Two bindings: instance ids `two(s=…, u=…)`.
rule two {
  for s in change.reaches(service)
  for u in change.touches(service)
  require check "t" on s
  require check "t-2" on u
}
"#;

fn change(files: &[&str]) -> Change {
    let files: Vec<String> = files
        .iter()
        .map(|f| format!(r#"{{ "path": "{f}", "status": "modified" }}"#))
        .collect();
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("json-order-change.json");
    std::fs::write(
        &path,
        format!(
            r#"{{
  "version": 1, "id": "pr-1",
  "base": "1111111111111111111111111111111111111111",
  "head": "2222222222222222222222222222222222222222",
  "author": {{ "id": "sue", "name": "sue", "email": "sue@example.com", "kind": "human" }},
  "files": [{}],
  "labels": [], "emergency": false, "timestamp": "2026-05-04T10:00:00Z"
}}"#,
            files.join(", ")
        ),
    )
    .unwrap();
    let mut map = writ_diagnostics::SourceMap::new();
    Change::load(&mut map, &path).0.unwrap()
}

#[test]
fn ids_sort_as_their_texts_when_node_ids_hold_hash_and_plus() {
    let plan = common::plan_of(POLICY, GRAPH);
    let prepared = Prepared::new(plan).unwrap();
    let mut scratch = writ_runtime::Scratch::new(&prepared);
    let mut buf = String::from("a previous proof, longer than nothing");
    for files in [
        &["a/x.rs"][..],
        &["a/x.rs", "ahb/y.rs"],
        &["ab/z.rs", "apb/q.rs", "ah/r.rs"],
    ] {
        let change = change(files);
        let now = writ_runtime::time::parse_rfc3339(&change.timestamp).unwrap() + 60;
        let evidence = Evidence::default();
        let tree = prepared.evaluate_at(&change, &evidence, now);
        let want = tree.to_json();
        // The case is the one meant: ids with `#` and `+`, two bindings,
        // obligations imposed by several rules.
        let ids: Vec<&str> = tree
            .proof
            .rules
            .iter()
            .flat_map(|r| r.instances.iter().map(|i| &*i.id))
            .collect();
        if files[0] == "a/x.rs" {
            assert!(ids.contains(&"main::one(s=a#b)"), "{ids:?}");
            assert!(ids.contains(&"main::two(s=a+b, u=a)"), "{ids:?}");
            assert!(
                tree.proof
                    .obligations
                    .iter()
                    .any(|o| o.imposed_by.len() >= 3),
                "an obligation imposed by three rules"
            );
        }
        let direct = prepared
            .decide(&mut scratch, &change, &evidence, now)
            .into_json(None);
        assert_eq!(direct, want, "{files:?}");
        prepared
            .decide(&mut scratch, &change, &evidence, now)
            .write_json(None, &mut buf);
        assert_eq!(buf, want, "{files:?}, reused buffer");
    }
}
