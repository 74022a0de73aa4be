//! The fixture policy's own `test` blocks, run through `writ_runtime::testing`,
//! with the cargo-test-style report, JUnit XML and coverage.

mod common;

use writ_runtime::testing;

#[test]
fn the_fixture_policy_tests_pass() {
    let (plan, tests) = common::compile();
    let prepared = writ_runtime::Prepared::new(plan).unwrap();
    assert_eq!(tests.len(), 4);
    let results = testing::run_tests(&prepared, &tests);
    let report = testing::report(&results, std::time::Duration::ZERO);
    assert!(testing::all_passed(&results), "{report}");
    assert!(
        report.contains("test result: ok. 4 passed; 0 failed"),
        "{report}"
    );
    let junit = testing::junit(&results);
    assert!(
        junit.contains("<testsuite name=\"writ\" tests=\"4\" failures=\"0\""),
        "{junit}"
    );
    let cov = testing::coverage(&prepared, &results);
    assert_eq!(cov.covered, cov.total, "{:#?}", cov.missed);
    // With the docs-only test alone, most of the policy is unexercised.
    let docs: Vec<_> = results
        .into_iter()
        .filter(|r| r.name.contains("docs-only"))
        .collect();
    let cov = testing::coverage(&prepared, &docs);
    insta::assert_snapshot!(cov.missed.join("\n"));
}

#[test]
fn a_failing_expectation_is_reported() {
    let (plan, mut tests) = common::compile();
    let prepared = writ_runtime::Prepared::new(plan).unwrap();
    let t = tests
        .iter_mut()
        .find(|t| t.name.contains("docs-only"))
        .unwrap();
    for e in &mut t.expectations {
        if let writ_plan::tests::ExpectationKind::Decision(d) = &mut e.kind {
            *d = "deny".into();
        }
    }
    let r = testing::run_test(&prepared, t);
    assert!(!r.passed());
    assert!(
        r.failures[0].contains("expected decision deny, got allow"),
        "{:?}",
        r.failures
    );
    let junit = testing::junit(&[r]);
    assert!(junit.contains("<failure message="), "{junit}");
}

/// Each `require` clause has its own coverage entry, found by its index in
/// the rule's requirements, whatever their kinds and however they are
/// written: here an approval is written between two checks, and only the
/// approval and the first check impose anything.
#[test]
fn each_requirement_has_its_own_coverage_entry() {
    let graph = r#"{"version": 1,
      "people": [{"id": "ana"}, {"id": "bo"}],
      "teams": [{"id": "web", "members": ["ana"]}],
      "nodes": [
        {"id": "site", "kind": "service", "owners": ["web"], "paths": ["site/**"],
         "checks": {"unit": {"run": ["true"]}}},
        {"id": "lib", "kind": "library", "owners": ["web"], "paths": ["lib/**"],
         "checks": {"lint": {"run": ["true"]}}}
      ]}"#;
    let policy = "use std::approvals::owners_review\n\n\
        rule site {\n  for s in change.touches(service)\n  require check \"unit\" on s\n  \
        require approval owners_review(s)\n  require check \"lint\" on change.touches(library)\n}\n\n\
        test \"a site change\" {\n  change {\n    touches \"site/index.html\"\n    author \"bo\"\n  }\n  \
        expect fires site\n}\n";
    let host = writ_analysis::Host::new(
        vec![("main.writ".into(), "main".into(), policy.into())],
        Some(("graph.json".into(), graph.into())),
    );
    let plan = common::plan_of_host(&host);
    let rule = plan.rule("main::site").expect("the rule");
    let kinds: Vec<String> = rule
        .requirements
        .iter()
        .map(|r| match r {
            writ_plan::Requirement::Check(c) => format!("check {}", c.check),
            writ_plan::Requirement::Approval(a) => format!("approval {}", a.chain),
        })
        .collect();
    // Plan order: the checks, then the approvals (what the v1 bytes say).
    assert_eq!(
        kinds,
        [
            "check unit",
            "check lint",
            "approval std::approvals::owners_review"
        ]
    );
    let ri = plan
        .rules
        .iter()
        .position(|r| r.id == "main::site")
        .unwrap();
    let prepared = writ_runtime::Prepared::new(plan).unwrap();
    let tests = host.tests();
    let results = testing::run_tests(&prepared, &tests);
    assert!(testing::all_passed(&results), "{:?}", results);
    let d = &results[0].decision;
    assert_eq!(d.coverage.requirement_imposed(ri), [true, false, true]);
    assert!(d.coverage.imposed(ri, 0));
    assert!(!d.coverage.imposed(ri, 1));
    assert!(d.coverage.imposed(ri, 2));
    assert!(!d.coverage.imposed(ri, 3), "past the rule's requirements");
    let cov = testing::coverage(&prepared, &results);
    let missed: Vec<&str> = cov.missed.iter().map(String::as_str).collect();
    assert_eq!(
        missed,
        ["main.writ:7: `require check \"lint\"` of `main::site` never imposed"]
    );
}
