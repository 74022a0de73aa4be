//! A proof of the previous format, `writ.proof/v3`, read as the current one
//! (`proof::upgrade_v3`, what `writ explain` does with one): the fixtures in
//! `tests/fixtures/proof_v3/` were written by `writ eval --format json` of
//! the last v3 release (7fa8d17) on three scenarios without evidence
//! (the fixture plan, unsigned, decided an hour after the change).

mod common;

use serde_json::Value;
use writ_runtime::Proof;
use writ_runtime::proof::{PROOF_FORMAT, PROOF_FORMAT_V3, upgrade_v3};

fn v3(name: &str) -> Value {
    let path = common::fixtures().join(format!("proof_v3/{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Every v3 fixture, upgraded, is the v4 proof this writ makes of the same
/// change at the same time (field by field, the plan's recorded trust
/// aside), and renders the same for people.
#[test]
fn a_v3_proof_reads_as_the_v4_proof_of_the_same_decision() {
    let mut forbid_instances = 0;
    let mut shared = 0;
    let mut missing = 0;
    for name in [
        "overlapping_obligations",
        "phi_three_hops",
        "freeze_without_emergency",
    ] {
        let mut old = v3(name);
        assert_eq!(old["format"], PROOF_FORMAT_V3);
        let cited: Vec<String> = old["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["kind"] == "missing")
            .map(|r| r["obligation"].as_str().unwrap().to_owned())
            .collect();
        upgrade_v3(&mut old).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(old["format"], PROOF_FORMAT);
        let read: Proof = serde_json::from_value(old).expect(name);
        // a `missing` reason now names by position the obligation it named by id
        let named: Vec<String> = read
            .reasons
            .iter()
            .filter_map(|r| match r {
                writ_runtime::Reason::Missing { obligation } => {
                    Some(read.obligations[*obligation as usize].id(&read.names))
                }
                _ => None,
            })
            .collect();
        assert_eq!(named, cited, "{name}");
        missing += cited.len();

        let (change, _, prepared) = common::scenario(name);
        let now = common::decision_time(&change);
        let mut made = prepared.evaluate_at(&change, &writ_runtime::Evidence::default(), now);
        assert_eq!(
            made.proof.plan.digest, read.plan.digest,
            "{name}: same plan"
        );
        made.proof.plan.trust = read.plan.trust.clone();
        assert_eq!(read, made.proof, "{name}");
        assert_eq!(
            writ_runtime::explain::human(&read),
            writ_runtime::explain::human(&made.proof),
            "{name}"
        );
        forbid_instances += read
            .forbids
            .iter()
            .map(|f| f.instances.len())
            .sum::<usize>();
        shared += read
            .obligations
            .iter()
            .filter(|o| o.imposed_by.len() > 1)
            .count();
    }
    // The fixtures hold what the upgrade rewrites: a forbid's instance and
    // obligations imposed by several instances.
    // and `missing` reasons, which it names by position.
    assert!(forbid_instances > 0 && shared > 0 && missing > 0);
}

/// What is not a v3 proof, or cites what it does not hold, is refused with
/// a reason, never read half-way or with a panic.
#[test]
fn a_malformed_v3_proof_is_refused_with_a_reason() {
    let base = v3("overlapping_obligations");
    type Spoil = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Spoil)> = vec![
        (
            "not a `writ.proof/v3` proof",
            Box::new(|v| v["format"] = PROOF_FORMAT.into()),
        ),
        (
            "not in the proof",
            Box::new(|v| v["obligations"][0]["imposed_by"][0] = "main::nowhere(n=x)".into()),
        ),
        (
            "not in the proof",
            Box::new(|v| {
                v["rules"][0]["instances"][0]["obligations"][0] = "check \"x\" on y".into()
            }),
        ),
        (
            "no string `id`",
            Box::new(|v| {
                v["rules"][0]["instances"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("id");
            }),
        ),
        (
            "is not an id",
            Box::new(|v| v["obligations"][0]["imposed_by"][0] = 3.into()),
        ),
        (
            "a `missing` reason cites obligation `check \"x\" on y`, not in the proof",
            Box::new(|v| {
                v["reasons"]
                    .as_array_mut()
                    .unwrap()
                    .push(serde_json::json!({"kind": "missing", "obligation": "check \"x\" on y"}))
            }),
        ),
        (
            "`rules` is not a list",
            Box::new(|v| v["rules"] = Value::Null),
        ),
    ];
    for (want, spoil) in cases {
        let mut v = base.clone();
        spoil(&mut v);
        let err = upgrade_v3(&mut v).expect_err(want);
        assert!(err.contains(want), "{want}: {err}");
    }
    // Anything else that passes the upgrade is still read as any v4 proof
    // is: an instance position out of range is no panic for `writ explain`.
    let mut v = base.clone();
    upgrade_v3(&mut v).unwrap();
    v["obligations"][0]["imposed_by"][0] = serde_json::json!([9, 9]);
    v["rules"][0]["instances"][0]["obligations"][0] = 99.into();
    let proof: Proof = serde_json::from_value(v).unwrap();
    let text = writ_runtime::explain::human(&proof);
    assert!(text.contains("imposed by ?"), "{text}");
}

/// An obligation's id is not stored but said by its check or approval: a
/// proof whose written `id` says another is refused on reading (nobody is
/// shown an obligation under a name it does not have), and a `missing`
/// reason whose position is out of range is described, never a panic.
#[test]
fn an_obligation_id_that_contradicts_its_check_is_refused() {
    let mut v = v3("overlapping_obligations");
    upgrade_v3(&mut v).unwrap();
    let good: Proof = serde_json::from_value(v.clone()).unwrap();
    let at = good
        .obligations
        .iter()
        .position(|o| o.check.is_some())
        .expect("a check obligation");
    let mut bad = v.clone();
    bad["obligations"][at]["id"] = "check \"unit\" on somewhere-else".into();
    let err = serde_json::from_value::<Proof>(bad).expect_err("a contradicting id");
    assert!(err.to_string().contains("says it is"), "{err}");
    let mut bad = v.clone();
    bad["obligations"][at].as_object_mut().unwrap().remove("id");
    assert!(serde_json::from_value::<Proof>(bad).is_err());

    let mut odd = v;
    odd["reasons"] = serde_json::json!([{"kind": "missing", "obligation": 999}]);
    let proof: Proof = serde_json::from_value(odd).unwrap();
    let text = writ_runtime::explain::human(&proof);
    assert!(
        text.contains("missing: obligation 999, not in the proof"),
        "{text}"
    );
}
