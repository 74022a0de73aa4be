//! Scenario tests: each folder of `tests/scenarios/` holds a change, its
//! evidence and the expected outcome; the proof is snapshotted (insta) after
//! evaluating it with the fixture policy (compiled from `.writ` files by the
//! real compiler) against the fixture graph of a few dozen services.

mod common;

use std::path::Path;

fn run(name: &str) -> writ_runtime::Decision {
    let (change, evidence, prepared) = common::scenario(name);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scenarios")
        .join(name);
    let decision = prepared.evaluate_at(&change, &evidence, common::decision_time(&change));
    let expect = std::fs::read_to_string(dir.join("expect")).unwrap();
    assert_eq!(
        decision.outcome.as_str(),
        expect.trim(),
        "{name}: reasons {:#?}",
        decision.reasons()
    );
    // The proof is deterministic: evaluating again gives the same bytes.
    let again = prepared.evaluate_at(&change, &evidence, common::decision_time(&change));
    assert_eq!(decision.to_json(), again.to_json());
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots");
    settings.set_prepend_module_to_snapshot(false);
    // The proof is compact JSON (`writ.proof/v3`): its bytes are the tree's
    // compact serialisation; the snapshot is the same tree pretty-printed
    // (field order kept), so a change reads as a diff of lines.
    let mut compact = serde_json::to_string(&decision.proof).unwrap();
    compact.push('\n');
    assert_eq!(decision.to_json(), compact);
    assert!(
        !decision.to_json().trim_end().contains('\n'),
        "{name}: one line"
    );
    // The plan digest changes whenever the fixture policy does; keep it out of snapshots.
    let json = serde_json::to_string_pretty(&decision.proof)
        .unwrap()
        .replace(prepared.digest(), "[plan digest]")
        + "\n";
    settings.bind(|| insta::assert_snapshot!(name, json));
    // `writ explain` renders the proof read back from its JSON.
    let read_back: writ_runtime::Proof = serde_json::from_str(&decision.to_json()).unwrap();
    assert_eq!(read_back, decision.proof);
    let human =
        writ_runtime::explain::human(&read_back).replace(&prepared.digest()[..19], "[plan]");
    settings.bind(|| insta::assert_snapshot!(format!("{name}.explain"), human));
    decision
}

#[test]
fn docs_only() {
    let d = run("docs_only");
    assert_eq!(d.proof.rules.len(), 1);
    assert_eq!(&*d.proof.rules[0].id, "main::docs_only");
}

#[test]
fn phi_three_hops() {
    let d = run("phi_three_hops");
    let phi = d
        .proof
        .rules
        .iter()
        .find(|r| &*r.id == "main::phi_reach")
        .unwrap();
    let w = phi.instances[0].bindings[0].witness.as_ref().unwrap();
    let w = d.proof.witness_path(w).unwrap();
    let path: Vec<&str> = w.steps.iter().map(|(node, _)| *node).collect();
    assert_eq!(
        path,
        [
            "lib-metrics",
            "metrics-collector",
            "lab-sync",
            "lab-results"
        ]
    );
    assert_eq!(w.file, "libs/metrics/src/lib.rs");
    assert_eq!(w.direction, writ_runtime::proof::WitnessDirection::Reverse);
    assert_eq!(w.steps[0].1, None);
    assert!(w.steps[1..].iter().all(|(_, via)| via.is_some()));
    // the stale security approval is listed, ignored, and leaves the sign-off missing
    assert!(d.proof.rejected.iter().any(|r| r.subject == "sam"
        && r.effect == writ_runtime::proof::Effect::Ignored
        && r.reason.starts_with("stale")));
    assert_eq!(d.reasons().len(), 1, "{:?}", d.reasons());
    let writ_runtime::Reason::Missing { obligation } = d.reasons()[0] else {
        panic!("{:?}", d.reasons());
    };
    assert_eq!(
        d.proof.obligations[obligation as usize].id(&d.proof.names),
        "approval main::security_signoff"
    );
    assert_eq!(
        d.reasons()[0].describe(&d.proof),
        "missing: approval main::security_signoff"
    );
}

#[test]
fn markdown_for_a_pull_request() {
    let d = run("phi_three_hops");
    let md = writ_runtime::explain::markdown(&d.proof)
        .replace(&common::prepared().digest()[..19], "[plan]");
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!("phi_three_hops.markdown", md));
}

#[test]
fn agent_authored() {
    let d = run("agent_authored");
    assert!(d.reasons().iter().any(
        |r| matches!(r, writ_runtime::Reason::InvalidApproval { person, .. } if person == "codex")
    ));
}

#[test]
fn emergency_in_freeze() {
    let d = run("emergency_in_freeze");
    let f = &d.proof.forbids[0];
    assert_eq!(f.status, writ_runtime::proof::ForbidStatus::Lifted);
    let follow = f.emergencies[0].followup.as_ref().unwrap();
    assert_eq!(follow.due, "2026-12-26T03:00:00Z");
}

#[test]
fn freeze_without_emergency() {
    let d = run("freeze_without_emergency");
    assert!(
        d.reasons()
            .iter()
            .any(|r| matches!(r, writ_runtime::Reason::Forbidden { .. }))
    );
}

#[test]
fn unowned_file() {
    let d = run("unowned_file");
    assert_eq!(
        d.reasons(),
        vec![writ_runtime::Reason::UnownedFiles {
            files: vec!["scripts/deploy.sh".into()]
        }]
    );
}

#[test]
fn overlapping_obligations() {
    let d = run("overlapping_obligations");
    let review = d
        .proof
        .obligations
        .iter()
        .find(|o| o.id(&d.proof.names) == "approval std::approvals::owners_review(payments-api)")
        .unwrap();
    assert_eq!(
        d.proof.imposed_by(review),
        [
            "main::owners(n=payments-api)",
            "main::tier0(svc=payments-api)"
        ]
    );
    // one obligation per distinct (chain, args): no duplicates
    let mut ids: Vec<String> = d
        .proof
        .obligations
        .iter()
        .map(|o| o.id(&d.proof.names))
        .collect();
    ids.dedup();
    assert_eq!(ids.len(), d.proof.obligations.len());
}

/// Every scenario folder's name, sorted (at least the seven the doc names).
fn scenario_names() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let mut names: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 7);
    names
}

/// Witness trees live in the reused scratch memory between decisions: a
/// scratch that decided other changes before gives the same bytes as a
/// fresh evaluation, in any order.
#[test]
fn a_reused_scratch_writes_the_same_proofs() {
    let mut names = scenario_names();
    let prepared = common::prepared();
    let mut scratch = writ_runtime::Scratch::new(&prepared);
    for pass in 0..2 {
        if pass == 1 {
            names.reverse();
        }
        for name in &names {
            let (change, evidence, _) = common::scenario(name);
            let now = common::decision_time(&change);
            let fresh = prepared.evaluate_at(&change, &evidence, now).to_json();
            // A verdict settled and dropped hands its buffers back emptied.
            let _ = prepared
                .decide(&mut scratch, &change, &evidence, now)
                .outcome();
            let reused = prepared
                .evaluate_with(&mut scratch, &change, &evidence, now)
                .to_json();
            assert_eq!(fresh, reused, "{name}, pass {pass}");
        }
    }
}

/// The proof's JSON written straight from the settled decision
/// (`Verdict::into_json`, what `writ eval` prints) is byte for byte the
/// proof tree serialised (`Decision::to_json`), on every scenario, with and
/// without the plan's trust recorded, with a fresh and a reused scratch.
#[test]
fn the_direct_json_is_the_proof_trees_json() {
    let names = scenario_names();
    let prepared = common::prepared();
    let mut scratch = writ_runtime::Scratch::new(&prepared);
    let trust = writ_plan::signature::PlanTrust::insecure();
    for name in &names {
        let (change, evidence, _) = common::scenario(name);
        let now = common::decision_time(&change);
        let mut tree = prepared.evaluate_at(&change, &evidence, now);
        let direct = prepared
            .decide(
                &mut writ_runtime::Scratch::new(&prepared),
                &change,
                &evidence,
                now,
            )
            .into_json(None);
        assert_eq!(direct, tree.to_json(), "{name}");
        let reused = prepared
            .decide(&mut scratch, &change, &evidence, now)
            .into_json(None);
        assert_eq!(reused, direct, "{name}, reused scratch");
        tree.proof.plan.trust = Some(trust.clone());
        let direct = prepared
            .decide(&mut scratch, &change, &evidence, now)
            .into_json(Some(&trust));
        assert_eq!(direct, tree.to_json(), "{name}, with trust");
    }
}

/// Every scenario's proof read back from its JSON is the same tree and
/// writes the same bytes: the lists kept inline while they hold one item
/// (`proof::Few`: bindings, an instance's obligations, `imposed_by`) read
/// and write as arrays of any length.
#[test]
fn every_proof_reads_back_as_the_same_tree() {
    let mut lengths = std::collections::BTreeSet::new();
    for name in &scenario_names() {
        let d = run(name);
        let json = d.to_json();
        let back: writ_runtime::Proof = serde_json::from_str(&json).expect(name);
        assert_eq!(back, d.proof, "{name}");
        assert_eq!(writ_runtime::proof_json(&back), json, "{name}");
        for o in &d.proof.obligations {
            lengths.insert(o.imposed_by.len().min(2));
        }
        for i in d.proof.rules.iter().flat_map(|r| &r.instances) {
            lengths.insert(i.obligations.len().min(2));
        }
    }
    // The scenarios hold lists of none, one and several items.
    assert_eq!(lengths, [0, 1, 2].into_iter().collect(), "{lengths:?}");
}

/// A hand-edited proof whose witness trees do not hold together is
/// rendered with a note, never followed in a loop or out of bounds.
#[test]
fn malformed_witness_trees_are_reported_not_followed() {
    let d = run("phi_three_hops");
    let mut proof = d.proof.clone();
    let phi = proof
        .rules
        .iter()
        .find(|r| &*r.id == "main::phi_reach")
        .unwrap();
    let w = phi.instances[0].bindings[0].witness.unwrap();
    assert!(proof.witness_path(&w).is_some());
    // a parent that does not come before its child (here: itself)
    proof.witnesses[w.tree as usize].nodes[w.node as usize].parent = Some(w.node);
    assert_eq!(proof.witness_path(&w), None);
    let text = writ_runtime::explain::human(&proof);
    assert!(
        text.contains(&format!(
            "(witness path {}/{} is not in the proof's witness trees)",
            w.tree, w.node
        )),
        "{text}"
    );
    // out of range: no such tree, no such node
    let past = writ_runtime::proof::Witness {
        tree: proof.witnesses.len() as u32,
        node: 0,
    };
    assert_eq!(proof.witness_path(&past), None);
    let past = writ_runtime::proof::Witness {
        tree: w.tree,
        node: proof.witnesses[w.tree as usize].nodes.len() as u32,
    };
    assert_eq!(proof.witness_path(&past), None);
    // a root without its file
    let mut proof = d.proof.clone();
    let root = &mut proof.witnesses[w.tree as usize].nodes[0];
    root.root.as_mut().expect("a root holds its file").file = None;
    assert_eq!(proof.witness_path(&w), None);
    // nor one with neither file nor globs
    let mut proof = d.proof.clone();
    proof.witnesses[w.tree as usize].nodes[0].root = None;
    assert_eq!(proof.witness_path(&w), None);
}

/// A hand-edited v3 proof whose missing check names a command it does not
/// hold (past the end of `commands`), or a template on an obligation with
/// no check node, gives no command and a line that says so: never a panic,
/// never another obligation's command.
#[test]
fn a_command_the_proof_does_not_hold_is_reported_not_invented() {
    let d = run("author_only_owner");
    let id = "check \"unit\" on release-tools";
    let at = d
        .proof
        .obligations
        .iter()
        .position(|o| o.id(&d.proof.names) == id)
        .unwrap();
    assert!(d.proof.unblock_command(&d.proof.obligations[at]).is_some());
    // past the end of `commands`
    let mut proof = d.proof.clone();
    let past = proof.commands.len() as u32;
    proof.obligations[at].unblock.as_mut().unwrap().command =
        Some(writ_runtime::proof::Command::Template(past));
    assert_eq!(proof.unblock_command(&proof.obligations[at]), None);
    let text = writ_runtime::explain::human(&proof);
    assert!(
        text.contains("the proof names a command it does not hold"),
        "{text}"
    );
    assert!(!text.contains("--node release-tools"), "{text}");
    let md = writ_runtime::explain::markdown(&proof);
    assert!(
        md.contains("the proof names a command it does not hold"),
        "{md}"
    );
    // a template where there is no check node to put in it
    let mut proof = d.proof.clone();
    proof.obligations[at].check = None;
    assert_eq!(proof.unblock_command(&proof.obligations[at]), None);
    // and the JSON of such a proof reads back as it was written
    let json = serde_json::to_string(&proof).unwrap();
    let back: writ_runtime::Proof = serde_json::from_str(&json).unwrap();
    assert_eq!(back, proof);
}

/// The unblock list of the obligation `id` of a decision.
fn unblock<'d>(d: &'d writ_runtime::Decision, id: &str) -> &'d writ_runtime::proof::Unblock {
    let o = d
        .proof
        .obligations
        .iter()
        .find(|o| o.id(&d.proof.names) == id)
        .unwrap_or_else(|| panic!("no obligation {id}"));
    o.unblock
        .as_ref()
        .unwrap_or_else(|| panic!("{id} is missing but says nothing about who can unblock it"))
}

/// The command in full that supplies missing check obligation `id`
/// (`Proof::unblock_command`), after checking that the obligation names it
/// by its position in the proof's `commands` (`writ.proof/v3`), where
/// `<NODE>` stands for the node.
fn check_command(d: &writ_runtime::Decision, id: &str) -> Vec<String> {
    let o = d
        .proof
        .obligations
        .iter()
        .find(|o| o.id(&d.proof.names) == id)
        .unwrap();
    let Some(writ_runtime::proof::Command::Template(i)) = unblock(d, id).command else {
        panic!("{id}: its command is not a template of `commands`");
    };
    let template = &d.proof.commands[i as usize];
    assert!(
        template.iter().any(|w| w.contains("<NODE>")),
        "{template:?}"
    );
    let node = d.proof.name(o.check.as_ref().unwrap().node);
    assert!(!template.iter().any(|w| w.contains(node)), "{template:?}");
    (d.proof.unblock_command(o).unwrap().iter())
        .map(|w| w.to_string())
        .collect()
}

/// The only human owner of a node wrote the change (the other owner is an
/// agent): nobody can approve, and the proof says so and why.
#[test]
fn author_only_owner() {
    let d = run("author_only_owner");
    let u = unblock(&d, "approval std::approvals::owners_review(release-tools)");
    assert_eq!(u.steps.len(), 1);
    let step = &u.steps[0];
    assert!(step.people.is_empty(), "{:?}", step.people);
    assert_eq!(step.still_needed, 1);
    let why = step.blocked.as_deref().unwrap();
    assert!(why.starts_with("no one can approve this: "), "{why}");
    assert!(why.contains("`oncall-lead` is the author"), "{why}");
    assert!(why.contains("`codex` is an agent"), "{why}");
    // the node declares no `unit` check: its result comes from a report
    let cmd = check_command(&d, "check \"unit\" on release-tools");
    assert_eq!(&cmd[..4], ["writ", "evidence", "add", "junit"]);
    assert!(cmd.windows(2).any(|w| w == ["--node", "release-tools"]));
    let human = writ_runtime::explain::human(&d.proof);
    assert!(human.contains("✗ no one can approve this"), "{human}");
    let md = writ_runtime::explain::markdown(&d.proof);
    assert!(md.contains("❌ **no one can approve this"), "{md}");
}

/// Contributors never appear among the people who can approve: where they
/// are the whole team, no one can.
#[test]
fn contributors_excluded() {
    let d = run("contributors_excluded");
    let search = unblock(&d, "approval std::approvals::owners_review(search)");
    let people: Vec<&str> = search.steps[0].people.iter().map(|p| &*p.person).collect();
    assert_eq!(people, ["dana"]);
    assert_eq!(
        search.steps[0].people[0]
            .command
            .iter()
            .map(|w| &**w)
            .collect::<Vec<_>>(),
        [
            "writ", "approve", "--change", "<CHANGE>", "--plan", "<PLAN>", "--key", "<KEY>",
            "--as", "dana"
        ]
    );
    assert_eq!(search.steps[0].blocked, None);
    let lab = unblock(&d, "approval std::approvals::owners_review(lab-sync)");
    assert!(lab.steps[0].people.is_empty());
    let why = lab.steps[0].blocked.as_deref().unwrap();
    assert!(
        why.contains("`cleo` contributed") && why.contains("`cy` contributed"),
        "{why}"
    );
    // a satisfied obligation has nothing to unblock
    let unit = d
        .proof
        .obligations
        .iter()
        .find(|o| o.id(&d.proof.names) == "check \"unit\" on search")
        .unwrap();
    assert!(unit.unblock.is_none());
    // a missing check the node declares: writ runs it
    assert_eq!(
        check_command(&d, "check \"unit\" on lab-sync"),
        [
            "writ",
            "run",
            "--plan",
            "<PLAN>",
            "--change",
            "<CHANGE>",
            "--key",
            "<KEY>",
            "--only",
            "unit@lab-sync"
        ]
    );
}

/// The commands are printed as lines a shell reads back: placeholders bare,
/// anything outside a safe set single-quoted.
#[test]
fn unblock_commands_print_as_shell_lines() {
    let argv: Vec<String> = [
        "writ", "approve", "--key", "<KEY>", "--as", "o'brien", "a b", "",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(
        writ_runtime::explain::command_line(&argv),
        r#"writ approve --key <KEY> --as 'o'\''brien' 'a b' ''"#
    );
}
