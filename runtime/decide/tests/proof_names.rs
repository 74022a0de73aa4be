//! The proof tree names node ids, edge kinds, check names and binding
//! variables by position (`proof::Name` into `Proof::names`): each text is
//! in the table once and every name cited is in it; the forbids' bindings
//! are named too (and the direct JSON writes them through their own copy
//! of the table); the table does not depend on what the scratch space
//! named for an earlier proof (tree or direct JSON); reading a proof
//! interns its texts again, keeps refusing unknown fields in the records
//! that hold names, and compares equal to the tree it was written from; a
//! name outside the table is written `?`, never a panic.

mod common;

use std::collections::BTreeSet;
use writ_graph::Change;
use writ_runtime::Evidence;
use writ_runtime::proof::{Name, Proof};

const GRAPH: &str = r#"{
  "version": 1,
  "teams": [{ "id": "platform", "members": ["sue"] }],
  "people": [{ "id": "sue", "emails": ["sue@example.com"] }],
  "nodes": [
    { "id": "a", "kind": "service", "owners": ["platform"], "paths": ["a/**"],
      "checks": { "t": { "run": ["true"] }, "u": { "run": ["true"] } } },
    { "id": "b", "kind": "service", "owners": ["platform"], "paths": ["b/**"],
      "edges": { "calls": ["a"] } },
    { "id": "c", "kind": "service", "owners": ["platform"], "paths": ["c/**"],
      "edges": { "reads": ["b"] } },
    { "id": "d", "kind": "service", "owners": ["platform"], "paths": ["d/**"],
      "edges": { "calls": ["c"] } },
    { "id": "calls", "kind": "service", "owners": ["platform"], "paths": ["calls/**"] }
  ]
}"#;

const POLICY: &str = r#"
/// Every reached service is tested.
rule tested {
  for s in change.reaches(service)
  require check "t" on s
}

/// The touched ones twice over, under another variable.
rule touched_twice {
  for u in change.touches(service)
  for s in change.reaches(service)
  require check "t" on u
  require check "u" on s
}

/// Agents may not reach a service.
forbid agents "Agents may not reach services" {
  for svc in change.reaches(service)
  when change.author is agent
}
"#;

fn change(files: &[&str], kind: &str) -> Change {
    common::change_of(files, kind)
}

fn now(change: &Change) -> i64 {
    writ_runtime::time::parse_rfc3339(&change.timestamp).unwrap() + 60
}

/// Every name the tree cites, in the proof's order.
fn cited(p: &Proof) -> Vec<Name> {
    let mut out: Vec<Name> = p.touched.clone();
    for t in &p.witnesses {
        for n in &t.nodes {
            out.push(n.node);
            out.extend(n.via);
        }
    }
    let instances = (p.rules.iter().flat_map(|r| &r.instances))
        .chain(p.forbids.iter().flat_map(|f| &f.instances));
    for i in instances {
        for b in &i.bindings {
            out.push(b.var);
            out.push(b.node);
        }
    }
    for o in &p.obligations {
        if let Some(c) = &o.check {
            out.push(c.check);
            out.push(c.node);
        }
    }
    out
}

/// Each text once in the table, and the table exactly what is cited.
fn assert_named_once(p: &Proof) {
    let texts: Vec<&str> = p.names.texts().collect();
    let distinct: BTreeSet<&str> = texts.iter().copied().collect();
    assert_eq!(distinct.len(), texts.len(), "a text named twice: {texts:?}");
    let cited: BTreeSet<u32> = cited(p).iter().map(|n| n.0).collect();
    let all: BTreeSet<u32> = (0..texts.len() as u32).collect();
    assert_eq!(cited, all, "names cited vs the table {texts:?}");
}

#[test]
fn each_text_is_named_once_and_the_forbids_bindings_are_named() {
    let prepared = common::prepared_of(POLICY, GRAPH);
    // A node called as an edge kind is: one name for both.
    let change = change(&["a/x.rs", "calls/y.rs"], "agent");
    let evidence = Evidence::default();
    let d = prepared.evaluate_at(&change, &evidence, now(&change));
    assert_named_once(&d.proof);
    let p = &d.proof;
    // The forbid applies once per reached service, each binding named.
    let forbid = &p.forbids[0];
    let bound: Vec<(&str, &str)> = (forbid.instances.iter())
        .map(|i| (p.name(i.bindings[0].var), p.name(i.bindings[0].node)))
        .collect();
    assert_eq!(
        bound,
        [
            ("svc", "a"),
            ("svc", "b"),
            ("svc", "c"),
            ("svc", "calls"),
            ("svc", "d")
        ]
    );
    // A reach's witness nodes name their edge kinds.
    let vias: BTreeSet<&str> = (p.witnesses.iter())
        .flat_map(|t| &t.nodes)
        .filter_map(|n| n.via.map(|v| p.name(v)))
        .collect();
    assert_eq!(vias, BTreeSet::from(["calls", "reads"]));
    // A variable and a check both called `u`, and a node and an edge
    // kind both called `calls`: each text named once, however many
    // records cite it.
    for var in ["s", "u", "svc", "calls"] {
        let n = p.names.texts().filter(|t| *t == var).count();
        assert_eq!(n, 1, "{var}");
    }
    // The direct JSON writes the forbids through their own table: the
    // same bytes as the tree.
    let mut scratch = writ_runtime::Scratch::new(&prepared);
    let direct = prepared
        .decide(&mut scratch, &change, &evidence, now(&change))
        .into_json(None);
    assert_eq!(direct, d.to_json());
}

#[test]
fn the_table_does_not_depend_on_what_the_scratch_space_named_before() {
    let prepared = common::prepared_of(POLICY, GRAPH);
    let evidence = Evidence::default();
    let mut scratch = writ_runtime::Scratch::new(&prepared);
    let changes = [
        change(&["d/x.rs"], "agent"),
        change(&["a/x.rs"], "human"),
        change(&["c/x.rs", "b/y.rs"], "agent"),
        change(&["b/x.rs"], "human"),
    ];
    for (k, ch) in changes.iter().enumerate() {
        let fresh = prepared.evaluate_at(ch, &evidence, now(ch));
        // A tree and a direct JSON before, on the same scratch space.
        let other = &changes[(k + 1) % changes.len()];
        let _ = prepared.evaluate_with(&mut scratch, other, &evidence, now(other));
        let _ = prepared
            .decide(&mut scratch, other, &evidence, now(other))
            .into_json(None);
        let again = prepared.evaluate_with(&mut scratch, ch, &evidence, now(ch));
        assert_eq!(again.proof.names, fresh.proof.names, "change {k}");
        assert_eq!(again.to_json(), fresh.to_json(), "change {k}");
        assert_named_once(&again.proof);
    }
}

#[test]
fn a_proof_read_back_is_the_tree_and_one_name_changed_is_not() {
    let prepared = common::prepared_of(POLICY, GRAPH);
    let change = change(&["a/x.rs", "d/y.rs"], "agent");
    let d = prepared.evaluate_at(&change, &Evidence::default(), now(&change));
    let json = d.to_json();
    let read: Proof = serde_json::from_str(&json).unwrap();
    // Read in the JSON's order, the table is another order of the same
    // texts: still the same proof, and the same bytes.
    assert_ne!(read.names, d.proof.names, "the case is the one meant");
    assert_eq!(read, d.proof);
    assert_eq!(serde_json::to_string(&read).unwrap() + "\n", json);
    assert_named_once(&read);
    // One binding's node changed: not the same proof.
    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    v["rules"][0]["instances"][0]["bindings"][0]["node"] = "b".into();
    let other: Proof = serde_json::from_value(v).unwrap();
    assert_ne!(other, d.proof);
    assert_ne!(d.proof, other);
}

#[test]
fn unknown_fields_in_the_records_that_hold_names_are_refused() {
    let prepared = common::prepared_of(POLICY, GRAPH);
    let change = change(&["a/x.rs", "c/y.rs"], "agent");
    let d = prepared.evaluate_at(&change, &Evidence::default(), now(&change));
    let v: serde_json::Value = serde_json::from_str(&d.to_json()).unwrap();
    let check = (v["obligations"].as_array().unwrap().iter())
        .position(|o| !o["check"].is_null())
        .unwrap();
    for at in [
        "/witnesses/0".to_string(),
        "/witnesses/0/nodes/1".into(),
        "/rules/0".into(),
        "/rules/0/instances/0".into(),
        "/rules/0/instances/0/bindings/0".into(),
        format!("/obligations/{check}"),
        format!("/obligations/{check}/check"),
        "/forbids/0".into(),
        "/forbids/0/instances/0/bindings/0".into(),
        String::new(),
    ] {
        let mut bad = v.clone();
        bad.pointer_mut(&at)
            .and_then(|x| x.as_object_mut())
            .unwrap_or_else(|| panic!("{at}"))
            .insert("extra".into(), 1.into());
        let err = serde_json::from_value::<Proof>(bad).expect_err(&at);
        assert!(
            err.to_string().contains("unknown field `extra`"),
            "{at}: {err}"
        );
    }
    // A name of the wrong type is refused, not read as `?`.
    let mut bad = v.clone();
    bad["touched"][0] = 7.into();
    assert!(serde_json::from_value::<Proof>(bad).is_err());
}

#[test]
fn a_name_outside_the_table_is_written_as_a_question_mark() {
    let prepared = common::prepared_of(POLICY, GRAPH);
    let change = change(&["b/x.rs"], "human");
    let d = prepared.evaluate_at(&change, &Evidence::default(), now(&change));
    let mut p = d.proof.clone();
    p.touched.push(Name(u32::MAX));
    p.rules[0].instances[0].bindings[0].node = Name(p.names.len() as u32);
    let v: serde_json::Value = serde_json::to_value(&p).unwrap();
    assert_eq!(v["touched"].as_array().unwrap().last().unwrap(), "?");
    assert_eq!(v["rules"][0]["instances"][0]["bindings"][0]["node"], "?");
    let text = writ_runtime::explain::human(&p);
    assert!(text.contains("s = ?"), "{text}");
    // A name added by hand enters the table once.
    let n = p.intern("z");
    assert_eq!(p.intern("z"), n);
    assert_eq!(p.name(n), "z");
    // A text the table holds is found, not added again.
    let len = p.names.len();
    assert_eq!(p.intern("b"), d.proof.touched[0]);
    assert_eq!(p.names.len(), len);
}
