//! Property tests (proptest) on the fixture policy and graph:
//! - adding evidence that is valid (passing check results; approvals that are
//!   verified, bound to the change and the plan, by humans who are not the
//!   author) never turns allow into deny, nor pending into deny;
//! - removing a rule never turns deny into allow (every rule of the plan;
//!   forbids are the exception the issue names and are not removed here);
//! - the decision and the proof bytes do not depend on file order;
//! - the index from nodes to rules skips only rules that cannot fire.

mod common;

use proptest::prelude::*;
use std::sync::OnceLock;
use writ_graph::{Change, ChangeFile, FileStatus, Identity, PrincipalKind};
use writ_runtime::{Approval, CheckOutcome, CheckResult, Evidence, Outcome, Prepared};

fn base() -> &'static (writ_plan::Plan, Prepared) {
    static P: OnceLock<(writ_plan::Plan, Prepared)> = OnceLock::new();
    P.get_or_init(|| {
        let plan = common::compile().0;
        (plan.clone(), Prepared::new(plan).unwrap())
    })
}

/// The plan without rule `i`, prepared.
fn without_rule(i: usize) -> &'static Prepared {
    static P: OnceLock<Vec<Prepared>> = OnceLock::new();
    &P.get_or_init(|| {
        let plan = &base().0;
        (0..plan.rules.len())
            .map(|i| {
                let mut p = plan.clone();
                p.rules.remove(i);
                Prepared::new(p).unwrap()
            })
            .collect()
    })[i]
}

/// The plan prepared with its rule index built otherwise: every rule
/// looked at on every decision, no `change.touches` rule filed by node,
/// one entry per node at most.
fn reindexed() -> &'static [Prepared] {
    static P: OnceLock<Vec<Prepared>> = OnceLock::new();
    P.get_or_init(|| {
        [None, Some(0), Some(1)]
            .into_iter()
            .map(|k| Prepared::new(base().0.clone()).unwrap().with_rule_index(k))
            .collect()
    })
}

const PATHS: &[&str] = &[
    "docs/guide.md",
    "docs/api/intro.md",
    "libs/metrics/src/lib.rs",
    "libs/log/src/lib.rs",
    "services/search/src/query.rs",
    "services/auth-svc/src/session.rs",
    "services/payments-api/src/charge.rs",
    "services/lab-results/src/main.rs",
    "services/notifications/src/send.rs",
    "scripts/deploy.sh",
    "Cargo.lock",
];
const AUTHORS: &[&str] = &["dev1", "wen", "codex", "sam"];
const PEOPLE: &[&str] = &[
    "ana",
    "bo",
    "cleo",
    "cy",
    "dana",
    "dev1",
    "pat",
    "pia",
    "sam",
    "sue",
    "wen",
    "oncall-lead",
    "cto",
];
const CHAINS: &[Option<&str>] = &[
    None,
    Some("std::approvals::owners_review"),
    Some("main::security_signoff"),
    Some("agents::agent_review"),
    Some("main::break_glass"),
];
const CHECKS: &[&str] = &["unit", "integration"];
const NODES: &[&str] = &[
    "search",
    "auth-svc",
    "payments-api",
    "lab-results",
    "lib-metrics",
    "lib-log",
    "notifications",
    "ehr",
    "patient-api",
];

#[derive(Clone, Debug)]
struct Case {
    files: Vec<usize>,
    author: usize,
    emergency: bool,
    december: bool,
    approvals: Vec<(usize, usize, i64)>,
    checks: Vec<(usize, usize)>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::collection::btree_set(0..PATHS.len(), 1..4),
        0..AUTHORS.len(),
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec((0..PEOPLE.len(), 0..CHAINS.len(), 0i64..200_000), 0..6),
        prop::collection::vec((0..CHECKS.len(), 0..NODES.len()), 0..8),
    )
        .prop_map(
            |(files, author, emergency, december, approvals, checks)| Case {
                files: files.into_iter().collect(),
                author,
                emergency,
                december,
                approvals,
                checks,
            },
        )
}

fn change(c: &Case, reverse: bool) -> Change {
    let author = AUTHORS[c.author];
    let mut files: Vec<ChangeFile> = c
        .files
        .iter()
        .map(|&i| ChangeFile {
            path: PATHS[i].into(),
            status: FileStatus::Modified,
            old_path: None,
        })
        .collect();
    if reverse {
        files.reverse();
    }
    let mut ch = Change {
        version: 1,
        id: "prop".into(),
        base: "a".into(),
        head: "b".into(),
        head_tree: None,
        author: Identity {
            id: Some(author.into()),
            name: author.into(),
            email: String::new(),
            kind: if author == "codex" {
                PrincipalKind::Agent
            } else {
                PrincipalKind::Human
            },
        },
        contributors: vec![],
        files,
        labels: vec![],
        emergency: c.emergency,
        timestamp: if c.december {
            "2026-12-24T03:00:00Z"
        } else {
            "2026-05-04T10:00:00Z"
        }
        .into(),
        digest: String::new(),
    };
    ch.digest = ch.compute_digest();
    ch
}

/// Valid evidence: passing checks, and approvals that are verified, bound to
/// this change and `plan_digest`, by humans other than the author.
fn valid_evidence(
    items: &[(usize, usize, i64)],
    checks: &[(usize, usize)],
    ch: &Change,
    plan_digest: &str,
    now: i64,
) -> Evidence {
    let mut e = Evidence::default();
    for &(p, c, age) in items {
        let person = PEOPLE[p];
        if Some(person) == ch.author.id.as_deref() {
            continue;
        }
        e.approvals.push(Approval {
            person: person.into(),
            key: format!("ed25519:{person}"),
            chain: CHAINS[c].map(String::from),
            change_id: ch.id.clone(),
            change_digest: ch.digest.clone(),
            plan_digest: plan_digest.into(),
            signed_at: now - age,
            digest: format!("sha256:{person}-{c}-{age}"),
            signature_verified: true,
        });
    }
    for &(c, n) in checks {
        e.checks.push(CheckResult {
            check: CHECKS[c].into(),
            node: NODES[n].into(),
            outcome: CheckOutcome::Passed,
            digest: format!("sha256:{c}-{n}"),
            source: "test".into(),
            summary: None,
        });
    }
    e
}

fn now(ch: &Change) -> i64 {
    common::decision_time(ch)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn adding_valid_evidence_never_denies_what_was_not_denied(c in case(), extra in case()) {
        let p = &base().1;
        let ch = change(&c, false);
        let t = now(&ch);
        let before = valid_evidence(&c.approvals, &c.checks, &ch, p.digest(), t);
        let mut after = before.clone();
        let more = valid_evidence(&extra.approvals, &extra.checks, &ch, p.digest(), t);
        after.approvals.extend(more.approvals);
        after.checks.extend(more.checks);
        let d1 = p.evaluate_at(&ch, &before, t);
        let d2 = p.evaluate_at(&ch, &after, t);
        if d1.outcome != Outcome::Deny {
            prop_assert_ne!(d2.outcome, Outcome::Deny, "{:?} -> {:?}", d1.reasons(), d2.reasons());
        }
        if d1.outcome == Outcome::Allow {
            prop_assert_eq!(d2.outcome, Outcome::Allow);
        }
    }

    #[test]
    fn removing_a_rule_never_turns_deny_into_allow(c in case(), rule in 0usize..5, failing in any::<bool>()) {
        let p = &base().1;
        prop_assume!(rule < base().0.rules.len());
        let reduced = without_rule(rule);
        let ch = change(&c, false);
        let t = now(&ch);
        let mut e1 = valid_evidence(&c.approvals, &c.checks, &ch, p.digest(), t);
        let mut e2 = valid_evidence(&c.approvals, &c.checks, &ch, reduced.digest(), t);
        if failing {
            // a failed check is evidence too: it denies in both plans
            for e in [&mut e1, &mut e2] {
                e.checks.push(CheckResult {
                    check: "unit".into(),
                    node: "search".into(),
                    outcome: CheckOutcome::Failed { reason: "1 test failed".into() },
                    digest: "sha256:failed".into(),
                    source: "test".into(),
                    summary: None,
                });
            }
        }
        let full = p.evaluate_at(&ch, &e1, t);
        let less = reduced.evaluate_at(&ch, &e2, t);
        if full.outcome == Outcome::Deny {
            prop_assert_ne!(less.outcome, Outcome::Allow, "removing {} allowed: {:?}", base().0.rules[rule].id, full.reasons());
        }
    }

    /// The outcome settled in index form (`decide`) is the one the written
    /// proof derives from its reasons, and a scratch space reused across
    /// decisions (reach buffers, capacity hints) changes no byte of the proof.
    #[test]
    fn settled_outcome_is_the_proofs_and_scratch_reuse_is_invisible(c in case(), other in case()) {
        let p = &base().1;
        let ch = change(&c, false);
        let t = now(&ch);
        let e = valid_evidence(&c.approvals, &c.checks, &ch, p.digest(), t);
        let mut scratch = writ_runtime::Scratch::new(p);
        // Warm the scratch space with another change first.
        let och = change(&other, true);
        let _ = p.evaluate_with(&mut scratch, &och, &Evidence::default(), now(&och));
        // And with a verdict only settled, with evidence, then dropped: its
        // instances, obligations (approval keys among them) and statuses
        // go back to the scratch space emptied, for the next decision.
        let oe = valid_evidence(&other.approvals, &other.checks, &och, p.digest(), now(&och));
        let _ = p.decide(&mut scratch, &och, &oe, now(&och)).outcome();
        let settled = p.decide(&mut scratch, &ch, &e, t).outcome();
        let d = p.evaluate_with(&mut scratch, &ch, &e, t);
        let from_reasons = if d.reasons().iter().any(|r| r.outcome() == Outcome::Deny) {
            Outcome::Deny
        } else if d.reasons().is_empty() {
            Outcome::Allow
        } else {
            Outcome::Pending
        };
        prop_assert_eq!(settled, from_reasons);
        prop_assert_eq!(d.outcome, from_reasons);
        prop_assert_eq!(d.proof.outcome, from_reasons);
        prop_assert_eq!(d.to_json(), p.evaluate_at(&ch, &e, t).to_json());
        // The JSON written straight from the settled decision is the tree's.
        prop_assert_eq!(p.decide(&mut scratch, &ch, &e, t).into_json(None), d.to_json());
    }

    /// A decision on a change with the same files as the one before, by
    /// another author, flagged and timed otherwise, with other evidence,
    /// starts from the touched nodes and reaches the scratch space kept
    /// (`FileSets`): its proof is byte for byte a fresh one's, and
    /// `Verdict::wanted` names what that proof's obligations name.
    #[test]
    fn decisions_on_the_same_files_reuse_nothing_else(c in case(), other in case()) {
        let p = &base().1;
        let ch = change(&c, false);
        let t = now(&ch);
        let e = valid_evidence(&c.approvals, &c.checks, &ch, p.digest(), t);
        let mut scratch = writ_runtime::Scratch::new(p);
        let mut warm = other.clone();
        warm.files = c.files.clone();
        let och = change(&warm, true);
        let oe = valid_evidence(&other.approvals, &other.checks, &och, p.digest(), now(&och));
        let _ = p.evaluate_with(&mut scratch, &och, &oe, now(&och));
        let fresh = p.evaluate_at(&ch, &e, t);
        let mut v = p.decide(&mut scratch, &ch, &e, t);
        prop_assert_eq!(v.outcome(), fresh.outcome);
        let wanted = v.wanted();
        let mut checks: Vec<(String, String)> = fresh
            .proof
            .obligations
            .iter()
            .filter_map(|o| {
                let name = |n| fresh.proof.name(n).to_string();
                o.check.as_ref().map(|c| (name(c.check), name(c.node)))
            })
            .collect();
        let mut approvers: Vec<String> = fresh
            .proof
            .obligations
            .iter()
            .filter_map(|o| o.unblock.as_ref())
            .flat_map(|u| u.steps.iter().flat_map(|s| s.people.iter().map(|a| a.person.to_string())))
            .collect();
        let (mut got_checks, mut got_approvers) = (wanted.checks, wanted.approvers);
        for v in [&mut checks, &mut got_checks] {
            v.sort();
            v.dedup();
        }
        for v in [&mut approvers, &mut got_approvers] {
            v.sort();
            v.dedup();
        }
        prop_assert_eq!(got_checks, checks);
        prop_assert_eq!(got_approvers, approvers);
        prop_assert_eq!(v.into_decision().to_json(), fresh.to_json());
    }

    /// The index from nodes to the rules that can bind them skips only
    /// rules that could not fire: with every rule looked at on every
    /// decision, with no `change.touches` rule filed by node, and with
    /// them filed, every decision and proof is the same, byte for byte,
    /// on a fresh and on a reused scratch space.
    #[test]
    fn the_rule_index_skips_only_rules_that_cannot_fire(c in case(), other in case()) {
        let p = &base().1;
        let ch = change(&c, false);
        let t = now(&ch);
        let e = valid_evidence(&c.approvals, &c.checks, &ch, p.digest(), t);
        let indexed = p.evaluate_at(&ch, &e, t);
        let och = change(&other, true);
        for (k, q) in reindexed().iter().enumerate() {
            let d = q.evaluate_at(&ch, &e, t);
            prop_assert_eq!(&d, &indexed, "index variant {}", k);
            prop_assert_eq!(d.to_json(), indexed.to_json());
            let mut scratch = writ_runtime::Scratch::new(q);
            let _ = q.evaluate_with(&mut scratch, &och, &Evidence::default(), now(&och));
            prop_assert_eq!(q.decide(&mut scratch, &ch, &e, t).into_json(None), indexed.to_json());
        }
    }

    #[test]
    fn file_order_does_not_matter(c in case()) {
        let p = &base().1;
        let a = change(&c, false);
        let b = change(&c, true);
        let t = now(&a);
        let e = valid_evidence(&c.approvals, &c.checks, &a, p.digest(), t);
        prop_assert_eq!(p.evaluate_at(&a, &e, t).to_json(), p.evaluate_at(&b, &e, t).to_json());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Approvals bound to another change say nothing about this one: even when
    /// the author or an agent signed them, they are ignored, never a deny.
    #[test]
    fn approvals_for_another_change_never_deny(c in case()) {
        let p = &base().1;
        let ch = change(&c, false);
        let t = now(&ch);
        let before = p.evaluate_at(&ch, &Evidence::default(), t).outcome;
        let mut foreign = Evidence::default();
        for person in [ch.author.id.clone().unwrap_or_default(), "codex".to_string()] {
            foreign.approvals.push(Approval {
                person: person.clone(),
                key: format!("ed25519:{person}"),
                chain: None,
                change_id: "another-change".into(),
                change_digest: "sha256:another-change".into(),
                plan_digest: p.digest().into(),
                signed_at: t - 60,
                digest: format!("sha256:{person}-elsewhere"),
                signature_verified: true,
            });
        }
        let after = p.evaluate_at(&ch, &foreign, t).outcome;
        prop_assert_eq!(before, after);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Approvals bound to another change (another id, even with this very
    /// digest), or to another plan, never change the outcome, whoever signed
    /// them and for whatever chain.
    #[test]
    fn approvals_bound_elsewhere_never_change_the_outcome(c in case(), extra in case(), which in 0usize..3) {
        let p = &base().1;
        let ch = change(&c, false);
        let t = now(&ch);
        let evidence = valid_evidence(&c.approvals, &c.checks, &ch, p.digest(), t);
        let before = p.evaluate_at(&ch, &evidence, t);
        let mut foreign = valid_evidence(&extra.approvals, &[], &ch, p.digest(), t);
        for a in &mut foreign.approvals {
            match which {
                // PR-104-nobg vs PR-104: the same files, another id
                0 => a.change_id = format!("{}-nobg", ch.id),
                1 => a.plan_digest = "sha256:another-plan".into(),
                _ => {
                    a.change_id = "another".into();
                    a.change_digest = "sha256:another-change".into();
                }
            }
            a.digest = format!("{}-foreign", a.digest);
        }
        let mut with = evidence.clone();
        with.approvals.extend(foreign.approvals);
        let after = p.evaluate_at(&ch, &with, t);
        prop_assert_eq!(before.outcome, after.outcome);
        prop_assert_eq!(before.reasons(), after.reasons());
    }
}
