//! Policy tests: runs the `test` blocks of a policy (lowered by the compiler
//! into [`TestCase`]s) through the same evaluation CI uses, and reports in the
//! style of `cargo test`, as JUnit XML, and as coverage (rules, conditions,
//! obligations and forbids no test exercised).
//!
//! A test's change is made as `docs/language.md` §4 describes: its time
//! defaults to 2026-01-01T00:00:00Z, `given approval` statements are valid,
//! signed approvals bound to the change and plan and signed at the change's
//! time, and the decision is taken one minute after the change.

use crate::eval::{Coverage, Decision};
use crate::evidence::{Approval, CheckOutcome, CheckResult, Evidence};
use crate::prepare::Prepared;
use crate::proof::ForbidStatus;
use crate::time::format_rfc3339;
use std::fmt::Write;
use writ_graph::{Change, ChangeFile, FileStatus, Identity, PrincipalKind};
use writ_plan::tests::{ExpectationKind, TestCase, TestChange};

/// The time of a test's change when it gives none: 2026-01-01T00:00:00Z.
pub(crate) const DEFAULT_TEST_TIME: i64 = 1_767_225_600;

/// The outcome of one policy test.
#[derive(Clone, Debug)]
pub struct TestResult {
    /// `module::"name"`.
    pub name: String,
    /// The policy file the test is written in (from the plan's sources).
    pub file: String,
    /// 1-based line of the test.
    pub line: u32,
    /// Every expectation that did not hold, one line each.
    pub failures: Vec<String>,
    /// The decision the test's change got.
    pub decision: Decision,
    /// How long it took.
    pub duration: std::time::Duration,
}

impl TestResult {
    /// Whether every expectation held.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// The change a test describes.
pub fn test_change(prepared: &Prepared, t: &TestChange) -> Change {
    let kind = t
        .author
        .as_deref()
        .and_then(|a| prepared.graph().person(a))
        .map_or(PrincipalKind::Human, |p| p.kind);
    let author = Identity {
        id: t.author.clone(),
        name: t.author.clone().unwrap_or_else(|| "test author".into()),
        email: String::new(),
        kind,
    };
    let mut files: Vec<ChangeFile> = t
        .files
        .iter()
        .map(|f| ChangeFile {
            path: f.path.clone(),
            status: match f.status {
                FileStatus::Renamed if f.old_path.is_none() => FileStatus::Modified,
                status => status,
            },
            old_path: if f.status == FileStatus::Renamed {
                f.old_path.clone()
            } else {
                None
            },
        })
        .collect();
    files.sort();
    let mut labels = t.labels.clone();
    labels.sort();
    labels.dedup();
    let mut change = Change {
        version: writ_graph::change::CHANGE_VERSION,
        id: "test".into(),
        base: "test-base".into(),
        head: "test-head".into(),
        head_tree: None,
        author,
        contributors: Vec::new(),
        files,
        labels,
        emergency: t.emergency,
        timestamp: format_rfc3339(t.time.unwrap_or(DEFAULT_TEST_TIME)),
        digest: String::new(),
    };
    change.digest = change.compute_digest();
    change
}

/// The evidence a test's `given` statements supply.
pub(crate) fn test_evidence(prepared: &Prepared, t: &TestCase, change: &Change) -> Evidence {
    let at = t.change.time.unwrap_or(DEFAULT_TEST_TIME);
    let mut evidence = Evidence::default();
    for g in &t.approvals {
        for person in &g.by {
            evidence.approvals.push(Approval {
                person: person.clone(),
                key: "test".into(),
                chain: Some(g.chain.clone()),
                change_id: change.id.clone(),
                change_digest: change.digest.clone(),
                plan_digest: prepared.digest().to_string(),
                signed_at: at,
                digest: format!("test:approval:{}:{person}", g.chain),
                signature_verified: true,
            });
        }
    }
    for c in &t.checks {
        evidence.checks.push(CheckResult {
            check: c.check.clone(),
            node: c.node.clone(),
            outcome: if c.passed {
                CheckOutcome::Passed
            } else {
                CheckOutcome::Failed {
                    reason: "failed (given by the test)".into(),
                }
            },
            digest: format!("test:check:{}:{}", c.check, c.node),
            source: "test".into(),
            summary: None,
        });
    }
    evidence
}

/// Runs one test.
pub fn run_test(prepared: &Prepared, t: &TestCase) -> TestResult {
    let start = std::time::Instant::now();
    let change = test_change(prepared, &t.change);
    let evidence = test_evidence(prepared, t, &change);
    let now = t.change.time.unwrap_or(DEFAULT_TEST_TIME) + 60;
    let decision = prepared.evaluate_at(&change, &evidence, now);
    let proof = &decision.proof;
    let mut failures = Vec::new();
    for e in &t.expectations {
        let (holds, what) = match &e.kind {
            ExpectationKind::Decision(d) => {
                (decision.outcome.as_str() == d, format!("decision {d}"))
            }
            ExpectationKind::RequiresApproval(chain) => (
                proof
                    .obligations
                    .iter()
                    .any(|o| o.approval.as_ref().is_some_and(|a| *a.chain == **chain)),
                format!("requires approval {chain}"),
            ),
            ExpectationKind::RequiresCheck { check, node } => (
                proof.obligations.iter().any(|o| {
                    o.check.as_ref().is_some_and(|c| {
                        proof.name(c.check) == &**check && proof.name(c.node) == &**node
                    })
                }),
                format!("requires check \"{check}\" on \"{node}\""),
            ),
            ExpectationKind::Fires(id) => (
                proof.rules.iter().any(|r| *r.id == **id)
                    || proof
                        .forbids
                        .iter()
                        .any(|f| &f.id == id && f.status != ForbidStatus::NotApplied),
                format!("fires {id}"),
            ),
        };
        if holds == e.negated {
            let mut msg = format!(
                "line {}: expected {}{what}",
                e.origin.line,
                if e.negated { "not " } else { "" }
            );
            if let ExpectationKind::Decision(_) = &e.kind {
                let _ = write!(msg, ", got {}", decision.outcome.as_str());
                for r in decision.reasons() {
                    let _ = write!(msg, "\n    because {}", r.describe(&decision.proof));
                }
            }
            failures.push(msg);
        }
    }
    let file = prepared
        .plan()
        .source(&t.origin)
        .map_or_else(|| t.module.clone(), |s| s.path.clone());
    TestResult {
        name: format!("{}::{:?}", t.module, t.name),
        file,
        line: t.origin.line,
        failures,
        decision,
        duration: start.elapsed(),
    }
}

/// Runs every test, in order.
pub fn run_tests(prepared: &Prepared, tests: &[TestCase]) -> Vec<TestResult> {
    tests.iter().map(|t| run_test(prepared, t)).collect()
}

/// The report `writ test` prints, in the style of `cargo test`.
pub fn report(results: &[TestResult], elapsed: std::time::Duration) -> String {
    let mut out = String::new();
    let n = results.len();
    let _ = writeln!(out, "\nrunning {n} test{}", if n == 1 { "" } else { "s" });
    for r in results {
        let _ = writeln!(
            out,
            "test {} ... {}",
            r.name,
            if r.passed() { "ok" } else { "FAILED" }
        );
    }
    let failed: Vec<&TestResult> = results.iter().filter(|r| !r.passed()).collect();
    if !failed.is_empty() {
        let _ = writeln!(out, "\nfailures:");
        for r in &failed {
            let _ = writeln!(out, "\n---- {} ({}:{}) ----", r.name, r.file, r.line);
            for f in &r.failures {
                let _ = writeln!(out, "  {f}");
            }
        }
        let _ = writeln!(out, "\nfailures:");
        for r in &failed {
            let _ = writeln!(out, "    {}", r.name);
        }
    }
    let _ = writeln!(
        out,
        "\ntest result: {}. {} passed; {} failed; 0 ignored; 0 measured; 0 filtered out; finished in {:.2}s",
        if failed.is_empty() { "ok" } else { "FAILED" },
        n - failed.len(),
        failed.len(),
        elapsed.as_secs_f64()
    );
    out
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// JUnit XML for CI (one `testsuite` named `writ`).
pub fn junit(results: &[TestResult]) -> String {
    let failed = results.iter().filter(|r| !r.passed()).count();
    let total: f64 = results.iter().map(|r| r.duration.as_secs_f64()).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"writ\" tests=\"{}\" failures=\"{failed}\" errors=\"0\" time=\"{total:.3}\">",
        results.len()
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"writ\" tests=\"{}\" failures=\"{failed}\" errors=\"0\" skipped=\"0\" time=\"{total:.3}\">",
        results.len()
    );
    for r in results {
        let _ = write!(
            out,
            "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{}\" time=\"{:.3}\"",
            xml(&r.name),
            xml(r.name.split("::\"").next().unwrap_or("")),
            xml(&r.file),
            r.line,
            r.duration.as_secs_f64()
        );
        if r.passed() {
            out.push_str("/>\n");
        } else {
            let _ = writeln!(
                out,
                ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                xml(r
                    .failures
                    .first()
                    .map_or("", |s| s.lines().next().unwrap_or(""))),
                xml(&r.failures.join("\n"))
            );
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// What no test exercised.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CoverageReport {
    /// Items exercised / items in all (rules fired, conditions both ways,
    /// obligation clauses imposed, forbids both ways).
    pub covered: usize,
    /// Total items.
    pub total: usize,
    /// Every item not exercised: `rule x never fired`, … (sorted by source position).
    pub missed: Vec<String>,
}

/// Coverage of the plan's rules, conditions, obligations and forbids by `results`.
/// Standard-library items are left out.
pub fn coverage(prepared: &Prepared, results: &[TestResult]) -> CoverageReport {
    let mut all = Coverage::default();
    for r in results {
        all.merge(&r.decision.coverage);
    }
    let plan = prepared.plan();
    let mut report = CoverageReport::default();
    let mut missed: Vec<(String, u32, String)> = Vec::new();
    let mut item =
        |ok: bool, origin: &writ_plan::Origin, msg: String, report: &mut CoverageReport| {
            report.total += 1;
            if ok {
                report.covered += 1;
            } else {
                let path = plan
                    .source(origin)
                    .map_or_else(String::new, |s| s.path.clone());
                missed.push((
                    path.clone(),
                    origin.line,
                    format!("{path}:{}: {msg}", origin.line),
                ));
            }
        };
    for (i, r) in plan.rules.iter().enumerate() {
        // Every field named (no `..`): a new kind of clause in the IR is a
        // compile error here until the coverage report lists it.
        let writ_plan::Rule {
            id: _,
            doc: _,
            origin: _,
            bindings: _,
            when: _,
            requirements: _,
        } = r;
        if r.id.starts_with("std::") {
            continue;
        }
        item(
            all.rule_fired(i),
            &r.origin,
            format!("rule `{}` never fired", r.id),
            &mut report,
        );
        if let Some(w) = &r.when {
            item(
                all.when_true(i),
                &w.origin,
                format!("the `when` of `{}` was never true", r.id),
                &mut report,
            );
            item(
                all.when_false(i),
                &w.origin,
                format!("the `when` of `{}` was never false", r.id),
                &mut report,
            );
        }
        for (k, req) in r.requirements.iter().enumerate() {
            let clause = match req {
                writ_plan::Requirement::Check(c) => format!("require check \"{}\"", c.check),
                writ_plan::Requirement::Approval(a) => format!("require approval {}", a.chain),
            };
            item(
                all.imposed(i, k),
                req.origin(),
                format!("`{clause}` of `{}` never imposed", r.id),
                &mut report,
            );
        }
    }
    for (i, f) in plan.forbids.iter().enumerate() {
        if f.id.starts_with("std::") {
            continue;
        }
        item(
            all.forbid_applied(i),
            &f.origin,
            format!("forbid `{}` never applied", f.id),
            &mut report,
        );
        item(
            all.forbid_not_applied(i),
            &f.origin,
            format!("forbid `{}` always applied", f.id),
            &mut report,
        );
    }
    missed.sort();
    report.missed = missed.into_iter().map(|m| m.2).collect();
    report
}

/// Whether a result matches what `writ test` counts as passing the run.
pub fn all_passed(results: &[TestResult]) -> bool {
    results.iter().all(TestResult::passed)
}
