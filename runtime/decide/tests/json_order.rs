//! The proof's JSON written straight from the index form sorts its ids
//! from integer keys (node indices, check ranks) only where that is the
//! ids' text order; node ids holding `#` or `+` (which sort before the
//! `,` and `)` that follow an id inside an instance id), ids that are
//! prefixes of others, rules with two bindings, and obligations imposed
//! by instances of several rules are decided here, and the bytes compared
//! with the proof tree serialised (which sorts by text). So are the
//! commands of `writ.proof/v3`, where `<NODE>` stands for the node, with a
//! check whose name holds `<NODE>`.

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
    common::change_of(files, "human")
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
        let ids: Vec<String> = tree
            .proof
            .rules
            .iter()
            .flat_map(|r| {
                r.instances
                    .iter()
                    .map(|i| r.instance_id(&tree.proof.names, i))
            })
            .collect();
        // Each rule's instances are listed in id order (since
        // `writ.proof/v4` the ids are not written; the order is still theirs).
        for r in &tree.proof.rules {
            let ids: Vec<String> = (r.instances.iter())
                .map(|i| r.instance_id(&tree.proof.names, i))
                .collect();
            assert!(ids.is_sorted(), "{ids:?}");
        }
        // An obligation's `imposed_by` is in instance id order too.
        for o in &tree.proof.obligations {
            let by = tree.proof.imposed_by(o);
            assert!(by.is_sorted(), "{by:?}");
            assert!(!by.iter().any(|i| i == "?"), "{by:?}");
        }
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
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

const HOLE_GRAPH: &str = r#"{
  "version": 1,
  "teams": [{ "id": "platform", "members": ["sue"] }],
  "people": [{ "id": "sue", "emails": ["sue@example.com"] }],
  "nodes": [
    { "id": "x", "kind": "service", "owners": ["platform"], "paths": ["x/**"],
      "checks": { "t": { "run": ["true"] }, "u": { "run": ["true"] } } },
    { "id": "y", "kind": "service", "owners": ["platform"], "paths": ["y/**"],
      "edges": { "calls": ["x"] }, "checks": { "u": { "run": ["true"] } } },
    { "id": "z", "kind": "service", "owners": ["platform"], "paths": ["z/**"],
      "edges": { "calls": ["y"] } }
  ]
}"#;

const HOLE_POLICY: &str = r#"
/// Two checks, declared by some of the reached nodes and not by others.
rule both {
  for s in change.reaches(service)
  require check "t" on s
  require check "u" on s
}
"#;

/// `<NODE>` stands for the node in `commands` (`writ.proof/v3`), one
/// command per (check, whether the node declares it), in the order the
/// obligations first name them; each obligation's command comes back in
/// full with its own node, and the direct JSON is the tree's. (`<NODE>`
/// is unambiguous: node ids and check names cannot hold `<`, E0512 and
/// E0515.)
#[test]
fn each_check_command_is_named_once_and_comes_back_with_its_node() {
    let plan = common::plan_of(HOLE_POLICY, HOLE_GRAPH);
    let prepared = Prepared::new(plan).unwrap();
    let mut scratch = writ_runtime::Scratch::new(&prepared);
    let change = change(&["x/a.rs"]);
    let now = writ_runtime::time::parse_rfc3339(&change.timestamp).unwrap() + 60;
    let evidence = Evidence::default();
    let tree = prepared.evaluate_at(&change, &evidence, now);
    let direct = prepared
        .decide(&mut scratch, &change, &evidence, now)
        .into_json(None);
    assert_eq!(direct, tree.to_json());
    let proof = &tree.proof;
    let command = |id: &str| {
        let o = (proof.obligations.iter())
            .find(|o| o.id(&proof.names) == id)
            .unwrap_or_else(|| panic!("no {id}: {:?}", proof.obligations));
        let Some(writ_runtime::proof::Command::Template(i)) =
            o.unblock.as_ref().unwrap().command.clone()
        else {
            panic!("{id}: not a template");
        };
        let argv: Vec<String> = (proof.unblock_command(o).unwrap().iter())
            .map(|w| w.to_string())
            .collect();
        (i, argv)
    };
    let (t_run, argv) = command("check \"t\" on x");
    assert_eq!(argv.last().map(String::as_str), Some("t@x"));
    let (t_report, argv) = command("check \"t\" on y");
    assert!(argv.windows(2).any(|w| w == ["--node", "y"]), "{argv:?}");
    assert_eq!(command("check \"t\" on z").0, t_report);
    let (u_run, argv) = command("check \"u\" on y");
    assert_eq!(argv.last().map(String::as_str), Some("u@y"));
    assert_eq!(command("check \"u\" on x"), (u_run, vec_of(&argv, "u@x")));
    let (u_report, argv) = command("check \"u\" on z");
    assert!(argv.windows(2).any(|w| w == ["--node", "z"]), "{argv:?}");
    // four commands, in the order the obligations (sorted by id) name them
    assert_eq!((t_run, t_report, u_run, u_report), (0, 1, 2, 3));
    assert_eq!(proof.commands.len(), 4, "{:?}", proof.commands);
    assert!(
        proof
            .commands
            .iter()
            .all(|c| c.iter().any(|w| w.contains("<NODE>")))
    );
}

/// `argv` with its last word `last`.
fn vec_of(argv: &[String], last: &str) -> Vec<String> {
    let mut v = argv.to_vec();
    v.pop();
    v.push(last.to_string());
    v
}

/// Attack on settling's path for `for s in S require check "c" on s` (no
/// `when`, one check on the bound variable), which imposes without the
/// general `impose` (here the only rule, so nothing else imposes the
/// same obligations): every reached service's check is an obligation, so
/// no evidence, or every result but one, leaves the change pending; a
/// failed result denies; only every required result passing allows.
#[test]
fn a_reached_services_check_is_required_on_every_one() {
    use writ_runtime::Outcome;
    use writ_runtime::evidence::{CheckOutcome, CheckResult};
    const ONLY: &str = r#"
/// Every reached service is tested.
rule one {
  for s in change.reaches(service)
  require check "t" on s
}
"#;
    let prepared = common::prepared_of(ONLY, GRAPH);
    let mut scratch = writ_runtime::Scratch::new(&prepared);
    let result = |node: &str, outcome: CheckOutcome| CheckResult {
        check: "t".into(),
        node: node.into(),
        outcome,
        digest: format!("test:t@{node}"),
        source: "test".into(),
        summary: None,
    };
    // `a` is reached from all six services.
    let change = change(&["a/x.rs"]);
    let now = writ_runtime::time::parse_rfc3339(&change.timestamp).unwrap() + 60;
    let mut decide = |e: &Evidence| {
        let tree = prepared.evaluate_at(&change, e, now);
        let settled = prepared.decide(&mut scratch, &change, e, now).outcome();
        assert_eq!(settled, tree.outcome);
        (tree.outcome, tree.proof.obligations.len())
    };
    assert_eq!(decide(&Evidence::default()), (Outcome::Pending, 6));
    let mut most = Evidence::default();
    for node in ["a", "a#b", "a+b", "a-b", "ab"] {
        most.checks.push(result(node, CheckOutcome::Passed));
    }
    assert_eq!(decide(&most).0, Outcome::Pending, "a#'s `t` not given");
    let mut failed = most.clone();
    let red = CheckOutcome::Failed {
        reason: "red".into(),
    };
    failed.checks.push(result("a#", red));
    assert_eq!(decide(&failed).0, Outcome::Deny);
    most.checks.push(result("a#", CheckOutcome::Passed));
    assert_eq!(decide(&most), (Outcome::Allow, 6));
}
