//! Plans are byte-identical whatever the order the files arrive in, and
//! whatever hash seeds the process uses (each `Host` builds fresh hash maps
//! with fresh random seeds).

use writ_analysis::Host;

fn files() -> Vec<(String, String, String)> {
    let case = |name: &str| {
        std::fs::read_to_string(format!(
            "{}/tests/cases/{name}.writ",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    };
    vec![
        ("a/full.writ".into(), "a::full".into(), case("pass_full_policy")),
        (
            "b/more.writ".into(),
            "b::more".into(),
            "use std::approvals::two_owners\n\nrule tier0 {\n  for svc in change.reaches(service where tier == 0, via calls)\n  require approval two_owners(svc)\n  require check \"unit\" on svc\n}\n".into(),
        ),
        (
            "c.writ".into(),
            "c".into(),
            "rule lib {\n  for l in change.touches(library)\n  require check \"unit\" on l\n}\n".into(),
        ),
    ]
}

fn plan_bytes(files: Vec<(String, String, String)>) -> Vec<u8> {
    let graph =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/graph.json")).unwrap();
    let host = Host::new(files, Some(("graph.json".into(), graph)));
    host.plan().expect("compiles").to_canonical_bytes()
}

#[test]
fn same_bytes_across_runs_and_file_orders() {
    let forward = plan_bytes(files());
    let mut reversed = files();
    reversed.reverse();
    let mut rotated = files();
    rotated.rotate_left(1);
    for _ in 0..3 {
        assert_eq!(plan_bytes(files()), forward);
    }
    assert_eq!(plan_bytes(reversed), forward);
    assert_eq!(plan_bytes(rotated), forward);
}

#[test]
fn a_plan_loads_back_to_itself() {
    let bytes = plan_bytes(files());
    let plan = writ_plan::load(writ_diagnostics::FileId(0), &bytes).expect("a fresh plan loads");
    assert_eq!(plan.to_canonical_bytes(), bytes);
    assert!(plan.rule("a::full::pci_reach").is_some());
    assert!(plan.rule("b::more::tier0").is_some());
    // The standard library module that is imported takes part.
    assert!(plan.chain("std::approvals::two_owners").is_some());
    assert!(plan.sources.iter().any(|s| s.module == "std::approvals"));
}

#[test]
fn plans_match_the_published_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/plan.schema.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let plan: serde_json::Value = serde_json::from_slice(&plan_bytes(files())).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&plan)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The schema is not vacuous: a plan with an unknown field is refused.
    let mut bad = plan.clone();
    bad["rules"][0]["surprise"] = serde_json::json!(1);
    assert!(!validator.is_valid(&bad));
}

#[test]
fn a_plan_with_assertions_is_v2_matches_the_schema_and_loads_back() {
    let mut files = files();
    let case = std::fs::read_to_string(format!(
        "{}/tests/cases/pass_assertion_holds.writ",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    files.push(("d.writ".into(), "d".into(), case));
    let bytes = plan_bytes(files.clone());
    // The other files' plan without them is v1, and adding an assertion
    // moves none of their node sets.
    let without = plan_bytes(self::files());
    let v1: serde_json::Value = serde_json::from_slice(&without).unwrap();
    let v2: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(v1["format"], "writ.plan/v1");
    assert_eq!(v2["format"], "writ.plan/v2");
    assert_eq!(v2["assertions"][0]["id"], "d::tier0_two_owners");
    let sets_v1 = v1["sets"].as_array().unwrap();
    assert_eq!(
        &v2["sets"].as_array().unwrap()[..sets_v1.len()],
        &sets_v1[..]
    );
    files.reverse();
    assert_eq!(plan_bytes(files), bytes, "file order does not matter");
    let plan = writ_plan::load(writ_diagnostics::FileId(0), &bytes).expect("a v2 plan loads");
    assert_eq!(plan.to_canonical_bytes(), bytes);
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/plan.schema.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&v2)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // A v1 tag on a plan with assertions is refused, and so is v2 without.
    let relabel = String::from_utf8(bytes.clone())
        .unwrap()
        .replace("writ.plan/v2", "writ.plan/v1");
    assert!(writ_plan::load(writ_diagnostics::FileId(0), relabel.as_bytes()).is_err());
    let relabel = String::from_utf8(without)
        .unwrap()
        .replace("writ.plan/v1", "writ.plan/v2");
    assert!(writ_plan::load(writ_diagnostics::FileId(0), relabel.as_bytes()).is_err());
}

/// The graph's embedded form made ahead (`writ plan` makes it on a second
/// thread while the policy is checked) gives the plan's very bytes, and a
/// plan takes it only for the very graph its workspace loaded: one made
/// from another graph is not embedded, the plan is made as without it.
#[test]
fn a_prepared_graph_is_taken_only_for_its_own_graph() {
    use writ_analysis::PreparedGraph;
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/graph.json")).unwrap();
    let host = Host::new(files(), Some(("graph.json".into(), text.clone())));
    let expected = host.plan().expect("compiles").to_canonical_bytes();
    let own = PreparedGraph::new(host.graph().expect("loads")).expect("prepares");
    let planned = host.plan_prepared(Some(own)).expect("compiles");
    assert_eq!(planned.to_canonical_bytes(), expected);
    assert_eq!(
        host.plan_prepared(None).unwrap().to_canonical_bytes(),
        expected
    );

    let edited = text.replacen(
        r#"{ "id": "payments","#,
        r#"{ "id": "payments", "description": "not this plan's graph","#,
        1,
    );
    assert_ne!(edited, text);
    let other = Host::new(files(), Some(("graph.json".into(), edited)));
    let other_bytes = other.plan().expect("compiles").to_canonical_bytes();
    assert_ne!(other_bytes, expected);
    let foreign = PreparedGraph::new(other.graph().expect("loads")).expect("prepares");
    let planned = host.plan_prepared(Some(foreign)).expect("compiles");
    assert_eq!(planned.to_canonical_bytes(), expected);
}
