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
