//! Rendering from real proofs (the fintech walk-through's, in
//! `tests/fixtures/`): the page is self-contained, hostile strings stay
//! text, the same report gives the same bytes, and the overview's
//! follow-up, pending and verification accounting.

use writ_report::model::{DecisionEntry, LedgerState, LedgerStatus, Report, Verification};
use writ_runtime::Proof;
use writ_runtime::proof::{ApprovalUse, Few, Outcome};

fn proof(id: &str) -> Proof {
    let path = format!(
        "{}/tests/fixtures/{id}.proof.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn verified(p: Proof) -> DecisionEntry {
    DecisionEntry {
        folder: format!("evidence/{}", p.change.id),
        bundle: format!("{}.intoto.json", p.change.id),
        verification: Verification::Verified {
            signer: "ed25519:runner".into(),
            proof: Box::new(p),
            inclusion: Some("recorded as ledger record 0".into()),
            time_given: false,
        },
        teams: vec!["payments-team".into()],
    }
}

fn report(decisions: Vec<DecisionEntry>, now: &str) -> Report {
    Report {
        title: "test report".into(),
        now: writ_runtime::time::parse_rfc3339(now).unwrap(),
        decisions,
        ledgers: vec![LedgerStatus {
            folder: "evidence/PR-104".into(),
            state: LedgerState::Intact {
                records: 1,
                signers: vec!["writ-ledger".into()],
                proofs: 1,
            },
        }],
        inline_limit: writ_report::INLINE_DECISIONS,
        docs_url: "https://docs.example/writ".into(),
    }
}

#[test]
fn a_report_is_one_self_contained_page() {
    let r = report(
        ["PR-102", "PR-103", "PR-104-nobg", "PR-104"]
            .into_iter()
            .map(|id| verified(proof(id)))
            .collect(),
        "2026-12-25T00:00:00Z",
    );
    let html = writ_report::report(&r);
    assert_eq!(html.matches("<section class=\"decision\"").count(), 4);
    assert_eq!(html.matches("<script").count(), 1);
    assert_eq!(html.matches("<style").count(), 1);
    // Nothing to fetch: no src, no stylesheet link, no url() but SVG fragments.
    assert!(!html.contains(" src="), "no external source");
    assert!(!html.contains("<link"), "no linked resource");
    assert!(html.contains("default-src 'none'"));
    let csp = writ_report::page::content_security_policy();
    assert!(html.contains(&writ_report::html::escape(&csp)));
    // Controls link to the standard library's pages.
    assert!(html.contains("href=\"https://docs.example/writ/stdlib/pci.md\""));
    // Each decision's graph has its touched node marked and witness edges.
    assert!(
        html.contains("class=\"node touched\"") || html.contains("class=\"node touched bound\"")
    );
    assert!(html.contains("class=\"edge witness\""));
    // Same report, same bytes.
    assert_eq!(html, writ_report::report(&r));
}

#[test]
fn hostile_strings_render_as_text() {
    let mut p = proof("PR-103");
    p.change.id = "<script>alert(1)</script>".into();
    p.change.labels = vec!["\"><img src=x onerror=alert(2)>".into()];
    p.files[0].path = "<svg onload=alert(3)>".into();
    p.touched[0] = p.intern("</text><script>alert(4)</script>");
    p.rules[0].source.text = "</pre><iframe src=//evil>".into();
    // not ASCII where a digest is shortened: never sliced inside a character
    p.change.digest = "sha256:aééééééééééééé".into();
    let html = writ_report::explain(&p, "<b>proof</b>.json", writ_report::DOCS_URL);
    assert_eq!(html.matches("<script").count(), 1, "only the page's own");
    for bad in ["<img", "<svg onload", "<iframe", "<b>proof"] {
        assert!(!html.contains(bad), "{bad} became markup");
    }
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(
        html.contains("not verified"),
        "a proof file is marked as not verified"
    );
}

#[test]
fn a_follow_up_is_owed_then_overdue_then_done() {
    let emergency = proof("PR-104");
    let due = "2026-12-26T03:10:00Z";
    let owed = writ_report::overview::follow_ups(&report(
        vec![verified(emergency.clone())],
        "2026-12-25T00:00:00Z",
    ));
    assert_eq!(
        owed.len(),
        1,
        "two forbids lifted by one path owe one review"
    );
    assert_eq!(owed[0].due, due);
    assert_eq!(owed[0].state, writ_report::overview::FollowUpState::Owed);
    let late = writ_report::overview::follow_ups(&report(
        vec![verified(emergency.clone())],
        "2026-12-27T00:00:00Z",
    ));
    assert_eq!(late[0].state, writ_report::overview::FollowUpState::Overdue);

    // A later decision of the same change counts pim's review, signed
    // after the emergency decision and before the deadline.
    let mut later = emergency.clone();
    later.decided_at = "2026-12-25T10:00:00Z".into();
    let step = &mut later
        .obligations
        .iter_mut()
        .find_map(|o| o.approval.as_mut())
        .unwrap()
        .steps[0];
    step.approvals.push(ApprovalUse {
        person: "pim".into(),
        key: "ed25519:pim".into(),
        digest: "sha256:00".into(),
        signed_at: "2026-12-25T09:00:00Z".into(),
    });
    let done = writ_report::overview::follow_ups(&report(
        vec![verified(emergency.clone()), verified(later.clone())],
        "2026-12-27T00:00:00Z",
    ));
    assert_eq!(
        done[0].state,
        writ_report::overview::FollowUpState::Done(vec!["pim".into()])
    );
    // An approval signed before the emergency decision is not a follow-up.
    step_signed_at(&mut later, "2026-12-24T03:00:00Z");
    let before = writ_report::overview::follow_ups(&report(
        vec![verified(emergency), verified(later)],
        "2026-12-27T00:00:00Z",
    ));
    assert_eq!(
        before[0].state,
        writ_report::overview::FollowUpState::Overdue
    );
}

fn step_signed_at(p: &mut Proof, at: &str) {
    for o in &mut p.obligations {
        if let Some(a) = &mut o.approval {
            for s in &mut a.steps {
                for u in &mut s.approvals {
                    if u.person == "pim" {
                        u.signed_at = at.into();
                    }
                }
            }
        }
    }
}

#[test]
fn unverified_bundles_show_no_content() {
    let mut entries = vec![verified(proof("PR-103"))];
    entries.push(DecisionEntry {
        folder: "evidence/PR-666".into(),
        bundle: "PR-666.intoto.json".into(),
        verification: Verification::Unverified {
            reason: "no trusted key signed it".into(),
        },
        teams: Vec::new(),
    });
    let html = writ_report::report(&report(entries, "2026-12-25T00:00:00Z"));
    assert!(html.contains("data-outcome=\"unverified\""));
    assert!(html.contains("no trusted key signed it"));
    assert!(html.contains("1 of 2 bundles verified"));
    let pending = {
        let mut p = proof("PR-103");
        p.outcome = Outcome::Pending;
        p
    };
    let html = writ_report::report(&report(vec![verified(pending)], "2026-12-25T00:00:00Z"));
    assert!(html.contains("Pending changes") && html.contains("href=\"#d1\">PR-103</a>"));
}

#[test]
fn a_large_report_keeps_its_sections_compressed_in_the_page() {
    use base64::Engine;
    use std::io::Read;
    let n = writ_report::INLINE_DECISIONS + 1;
    let decisions = (0..n)
        .map(|i| {
            let mut p = proof("PR-103");
            p.change.id = format!("PR-{i}");
            verified(p)
        })
        .collect();
    let html = writ_report::report(&report(decisions, "2026-12-25T00:00:00Z"));
    assert!(html.contains("data-mode=\"index\""));
    assert_eq!(html.matches("<section class=\"decision\"").count(), 0);
    // Every decision is a row of the index …
    assert_eq!(html.matches("<tr data-outcome=").count(), n);
    // … and a section in one of the chunks, in order.
    let chunks = n.div_ceil(writ_report::CHUNK);
    let mut sections = 0;
    for k in 0..chunks {
        let open = format!("<script type=\"application/x-writ-sections\" id=\"chunk-{k}\">");
        let start = html.find(&open).unwrap() + open.len();
        let end = start + html[start..].find("</script>").unwrap();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&html[start..end])
            .unwrap();
        let mut text = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut text)
            .unwrap();
        let first = k * writ_report::CHUNK;
        assert!(text.starts_with(&format!(
            "<section class=\"decision\" id=\"d{}\"",
            first + 1
        )));
        sections += text.matches("<section class=\"decision\"").count();
    }
    assert_eq!(sections, n);
}

/// A missing check's command is named by position in the proof's
/// `commands` (since `writ.proof/v3`, `<NODE>` for the node); the report prints
/// it in full, with the obligation's node, and shows nothing for a
/// position the proof does not hold.
#[test]
fn a_missing_checks_command_is_printed_in_full() {
    use writ_runtime::proof::{CheckObligation, Command, Name, ObligationProof, Status, Unblock};
    let mut p = proof("PR-104");
    let words = [
        "writ",
        "run",
        "--plan",
        "<PLAN>",
        "--change",
        "<CHANGE>",
        "--key",
        "<KEY>",
        "--only",
        "integration@<NODE>",
    ];
    p.commands = vec![words.iter().map(|w| (*w).into()).collect()];
    let check = p.intern("integration");
    let (payments, ledger) = (p.intern("payments-api"), p.intern("ledger-svc"));
    let missing = |node: Name, command: u32| ObligationProof {
        status: Status::Missing,
        imposed_by: Few::one([0, 0].into()),
        check: Some(CheckObligation {
            check,
            node,
            results: Box::default(),
        }),
        approval: None,
        unblock: Some(Unblock {
            command: Some(Command::Template(command)),
            steps: Vec::new(),
        }),
    };
    p.obligations.push(missing(payments, 0));
    p.obligations.push(missing(ledger, 7));
    let html = writ_report::report(&report(vec![verified(p)], "2026-12-25T00:00:00Z"));
    assert!(
        html.contains("writ run --plan &lt;PLAN&gt; --change &lt;CHANGE&gt; --key &lt;KEY&gt; --only integration@payments-api"),
        "the command in full"
    );
    assert!(!html.contains("NODE"), "no placeholder left");
    assert!(
        !html.contains("integration@ledger-svc"),
        "no command invented"
    );
}
