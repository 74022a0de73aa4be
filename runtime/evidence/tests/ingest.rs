//! JUnit and SARIF ingestion.

use writ_evidence::ingest::{FailOn, junit, sarif};
use writ_runtime::CheckOutcome;

#[test]
fn junit_counts_and_verdicts() {
    let xml = br#"<?xml version="1.0"?>
<testsuites>
  <testsuite name="a" tests="99">
    <testcase classname="a" name="one"/>
    <testcase classname="a" name="two"><failure message="boom">trace</failure></testcase>
    <testcase classname="a" name="three"><skipped/></testcase>
    <testcase classname="a" name="four"><error message="x"/><system-out>hi</system-out></testcase>
  </testsuite>
</testsuites>"#;
    let r = junit(xml).unwrap();
    assert_eq!(
        r.summary,
        "4 tests: 1 passed, 1 failed, 1 errors, 1 skipped"
    );
    assert_eq!(
        r.outcome,
        CheckOutcome::Failed {
            reason: "2 of 4 tests failed: a::two, a::four".into()
        }
    );
    let ok = junit(br#"<testsuite><testcase name="t"></testcase><testcase name="u"/></testsuite>"#)
        .unwrap();
    assert_eq!(ok.outcome, CheckOutcome::Passed);
    assert!(matches!(
        junit(b"<testsuites></testsuites>").unwrap().outcome,
        CheckOutcome::Failed { .. }
    ));
    let skipped =
        junit(br#"<testsuite><testcase name="t"><skipped/></testcase></testsuite>"#).unwrap();
    assert_eq!(
        skipped.outcome,
        CheckOutcome::Failed {
            reason: "every test case was skipped".into()
        }
    );
}

#[test]
fn bad_junit_is_an_error_with_a_position() {
    let e = junit(b"<testsuite>\n  <testcase name=\"a\">\n</testsuite>").unwrap_err();
    assert!(e.line >= 2, "{e}");
    let e = junit(b"<html></html>").unwrap_err();
    assert!(e.message.contains("root element is <html>"), "{e}");
    let e = junit(b"<testsuite><testcase name=\"a\">").unwrap_err();
    assert!(
        e.message.contains("truncated") || e.message.contains("XML"),
        "{e}"
    );
    assert!(junit(b"").is_err());
    assert!(junit(b"\xff\xfe<").is_err());
}

#[test]
fn sarif_findings_by_level_and_severity() {
    let log = br#"{"version": "2.1.0", "runs": [{
      "tool": {"driver": {"name": "scanner", "rules": [
        {"id": "R1", "defaultConfiguration": {"level": "error"}, "properties": {"security-severity": "9.8"}},
        {"id": "R2", "properties": {"security-severity": "5.0"}}
      ]}},
      "results": [
        {"ruleId": "R1", "message": {"text": "a"}},
        {"ruleIndex": 1, "message": {"text": "b"}},
        {"ruleId": "R2", "level": "note", "message": {"text": "c"}},
        {"ruleId": "R1", "message": {"text": "d"}, "suppressions": [{"kind": "inSource"}]},
        {"ruleId": "R2", "kind": "pass", "message": {"text": "e"}}
      ]}]}"#;
    let r = sarif(log, FailOn::Error).unwrap();
    assert_eq!(
        r.summary,
        "scanner: 4 findings: 1 error, 1 warning, 1 note, 1 none (security severity: 1 critical, 3 medium); 1 suppressed"
    );
    assert!(matches!(r.outcome, CheckOutcome::Failed { .. }));
    assert_eq!(
        sarif(log, FailOn::Never).unwrap().outcome,
        CheckOutcome::Passed
    );
    let clean = br#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"s"}},"results":[]}]}"#;
    assert_eq!(
        sarif(clean, FailOn::Note).unwrap().outcome,
        CheckOutcome::Passed
    );
}

#[test]
fn bad_sarif_is_an_error_with_a_position() {
    let e = sarif(
        b"{\n  \"version\": \"2.1.0\",\n  \"runs\": [,]\n}",
        FailOn::Error,
    )
    .unwrap_err();
    assert_eq!((e.line, e.column), (3, 12), "{e}");
    assert!(
        sarif(br#"{"version":"2.0.0","runs":[]}"#, FailOn::Error)
            .unwrap_err()
            .message
            .contains("2.1.0")
    );
    assert!(
        sarif(br#"{"version":"2.1.0","runs":[]}"#, FailOn::Error).is_err(),
        "no run is not a pass"
    );
    assert!(sarif(br#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"s"}},"results":[{"level":"fatal"}]}]}"#, FailOn::Error).is_err());
}
