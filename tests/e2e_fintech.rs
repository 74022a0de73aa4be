//! End to end through the real binary on the fintech example, in temporary
//! folders: the README's walk-through (`examples/fintech/walkthrough.sh`:
//! a git history of four pull requests through change → run → approve →
//! verify → explain), CI fan-out (`writ plan --emit`, `writ evidence add`,
//! `writ eval --format markdown`), policy hygiene (fmt, check, test, graph),
//! tamper detection and the language server. Decisions and proofs are
//! snapshotted with the run-time values (decision times, keys made at run
//! time, digests of evidence signed at run time) redacted; change digests
//! come from a git history with fixed dates and are kept.
//!
//! Every command goes through a wrapper that records its arguments, and the
//! last step asserts that every leaf command of `writ --help` ran.

mod cli_tree;

use serde_json::Value;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;
#[path = "support/fs.rs"]
mod fs_support;
use fs_support::copy_dir;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A temporary work folder with a traced `writ`.
struct E2e {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    /// A shell wrapper around the binary that records each command line.
    writ: PathBuf,
    trace: PathBuf,
    /// Change digests (stable: fixed git history); kept by the redaction.
    stable: BTreeSet<String>,
    /// Bare hex digests that vary from run to run (the graph holds keys made
    /// at run time); replaced by the redaction.
    volatile: Vec<(String, &'static str)>,
}

impl E2e {
    fn new() -> E2e {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().canonicalize().unwrap();
        let trace = dir.join("trace.txt");
        let writ = dir.join("bin/writ");
        std::fs::create_dir_all(dir.join("bin")).unwrap();
        std::fs::write(
            &writ,
            format!(
                "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\nexec '{}' \"$@\"\n",
                trace.display(),
                cli_tree::WRIT
            ),
        )
        .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&writ, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        E2e {
            _tmp: tmp,
            dir,
            writ,
            trace,
            stable: BTreeSet::new(),
            volatile: Vec::new(),
        }
    }

    fn work(&self) -> PathBuf {
        self.dir.join("work")
    }

    /// `writ ARGS` in `cwd` (through the tracing wrapper).
    fn writ_in(&self, cwd: &Path, args: &[&str]) -> Output {
        Command::new(&self.writ)
            .args(args)
            .current_dir(cwd)
            .env("NO_COLOR", "1")
            .env_remove("CI")
            // The walkthrough's trust file: plan, runner and (added by the
            // fan-out) results keys.
            .env("WRIT_TRUST", self.work().join("trust.keys"))
            .output()
            .unwrap()
    }

    fn writ(&self, args: &[&str]) -> Output {
        self.writ_in(&self.work(), args)
    }

    /// Replaces what differs from run to run.
    fn redact(&self, text: &str) -> String {
        let mut text = text.replace(&format!("{}/", self.work().display()), "[work]/");
        // when the plan was signed (this run's clock)
        while let Some(i) = text.find("\"issued_at\": 1") {
            let start = i + "\"issued_at\": ".len();
            let end = start + text[start..].bytes().take_while(u8::is_ascii_digit).count();
            text.replace_range(start..end, "\"[signing time]\"");
        }
        for (hex, name) in &self.volatile {
            text = text.replace(hex.as_str(), name);
        }
        let text = redact_prefixed(&text, "sha256:", &self.stable, |c| c.is_ascii_hexdigit());
        let text = redact_prefixed(&text, "ed25519:", &BTreeSet::new(), |c| {
            c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '='
        });
        redact_after(&text, &["decided ", "decided_at\": \"", "signed_at\": \""])
    }

    fn proof(&self, id: &str) -> Value {
        let path = self.work().join(format!("out/{id}.proof.json"));
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }
}

/// Replaces `PREFIX` + a run of `ok` characters (12 or more) by `PREFIX[…]`
/// unless the run (or the stable value it abbreviates) is in `keep`.
fn redact_prefixed(
    text: &str,
    prefix: &str,
    keep: &BTreeSet<String>,
    ok: impl Fn(char) -> bool,
) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(prefix) {
        out.push_str(&rest[..i + prefix.len()]);
        rest = &rest[i + prefix.len()..];
        let end = rest.find(|c: char| !ok(c)).unwrap_or(rest.len());
        let run = &rest[..end];
        if run.len() >= 12 && !keep.iter().any(|k| k.starts_with(run)) {
            out.push_str(if prefix == "sha256:" {
                "[digest]"
            } else {
                "[key]"
            });
            rest = &rest[end..];
        }
    }
    out.push_str(rest);
    out
}

/// Replaces the RFC 3339 time right after each marker by `[time]`.
fn redact_after(text: &str, markers: &[&str]) -> String {
    let mut text = text.to_string();
    for marker in markers {
        let mut out = String::new();
        let mut rest = text.as_str();
        while let Some(i) = rest.find(marker) {
            out.push_str(&rest[..i + marker.len()]);
            rest = &rest[i + marker.len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_digit() || "-:TZ+.".contains(c)))
                .unwrap_or(rest.len());
            if end >= 10 {
                out.push_str("[time]");
                rest = &rest[end..];
            }
        }
        out.push_str(rest);
        text = out;
    }
    text
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\n{}{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// The decision in a few lines: outcome, reasons, rules fired, obligations
/// and their status, forbids, rejected evidence.
fn summary(proof: &Value) -> String {
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let mut out = vec![format!(
        "{} {} by {} ({}){}",
        s(&proof["outcome"]),
        s(&proof["change"]["id"]),
        s(&proof["change"]["author"]),
        s(&proof["change"]["author_kind"]),
        if proof["change"]["emergency"] == Value::Bool(true) {
            ", emergency"
        } else {
            ""
        }
    )];
    out.push(format!(
        "touched: {}",
        proof["touched"]
            .as_array()
            .map(|a| a.iter().map(s).collect::<Vec<_>>().join(", "))
            .unwrap_or_default()
    ));
    for r in proof["reasons"].as_array().into_iter().flatten() {
        let mut r = r.clone();
        if let Some(o) = r.get_mut("obligation") {
            // the obligation is listed below with its status
            *o = Value::String(s(&o["id"]));
        }
        out.push(format!("reason: {r}"));
    }
    // An instance's id is its rule's id and its bindings (`writ.proof/v4`
    // does not store it): `RuleProof::instance_id`.
    let read: writ_runtime::Proof = serde_json::from_value(proof.clone()).unwrap();
    for rule in &read.rules {
        let instances: Vec<String> = rule
            .instances
            .iter()
            .map(|i| rule.instance_id(&read.names, i))
            .collect();
        out.push(format!("fired: {}", instances.join(", ")));
    }
    for o in proof["obligations"].as_array().into_iter().flatten() {
        out.push(format!("{}: {}", s(&o["status"]), s(&o["id"])));
    }
    for f in proof["forbids"].as_array().into_iter().flatten() {
        out.push(format!("forbid {}: {}", s(&f["id"]), s(&f["status"])));
    }
    for r in proof["rejected"].as_array().into_iter().flatten() {
        out.push(format!(
            "rejected {} {}: {} ({})",
            s(&r["kind"]),
            s(&r["subject"]),
            s(&r["reason"]),
            s(&r["effect"])
        ));
    }
    out.join("\n") + "\n"
}

#[test]
fn fintech_end_to_end() {
    let mut e = E2e::new();
    walkthrough(&mut e);
    auditors_report(&e);
    replay_history(&e);
    ci_fan_out(&e);
    policy_hygiene(&e);
    ci_files(&e);
    tampering_is_detected(&e);
    transparency_log(&e);
    language_server(&e);
    release_provenance(&e);
    another_repository(&e);
    every_command_ran(&e);
}

/// The README's first command, as written, minus the build: the binary
/// under test stands in for `cargo build --release`.
fn walkthrough(e: &mut E2e) {
    let out = Command::new("bash")
        .arg(format!("{ROOT}/examples/fintech/walkthrough.sh"))
        .env("WRIT", &e.writ)
        .env("WRIT_WORKDIR", e.work())
        .env("WRIT_QUIET", "1")
        .env("NO_COLOR", "1")
        .env_remove("CI")
        .output()
        .unwrap();
    let decisions = ok(&out);
    insta::assert_snapshot!("walkthrough_decisions", decisions);

    for id in ["PR-101", "PR-102", "PR-103", "PR-104-nobg", "PR-104"] {
        let change: Value = serde_json::from_str(
            &std::fs::read_to_string(e.work().join(format!("out/{id}.json"))).unwrap(),
        )
        .unwrap();
        e.stable.insert(
            change["digest"]
                .as_str()
                .unwrap()
                .trim_start_matches("sha256:")
                .to_string(),
        );
    }
    let plan: Value =
        serde_json::from_str(&std::fs::read_to_string(e.work().join("plan.json")).unwrap())
            .unwrap();
    let graph_sha = plan["graph_sha256"].as_str().unwrap().to_string();
    e.volatile.push((graph_sha, "[graph digest]"));
    // the superseded first push of PR-102 (its digest appears in the stale reason)
    for r in e.proof("PR-102")["rejected"].as_array().unwrap() {
        let reason = r["reason"].as_str().unwrap_or_default();
        if let Some(i) = reason.find("sha256:") {
            e.stable.insert(reason[i + 7..i + 71].to_string());
        }
    }
    for id in ["PR-101", "PR-102", "PR-103", "PR-104-nobg", "PR-104"] {
        let text = e.redact(&summary(&e.proof(id)));
        insta::assert_snapshot!(format!("decision_{id}"), text);
    }
    // one proof in full, and its explanation
    let proof = e.redact(&serde_json::to_string_pretty(&e.proof("PR-104")).unwrap());
    insta::assert_snapshot!("proof_PR-104", proof);
    let explained = std::fs::read_to_string(e.work().join("out/PR-104.explain.txt")).unwrap();
    insta::assert_snapshot!("explain_PR-104", e.redact(&explained));

    // the committed graph is exactly what the importers make (no drift)
    let rebuilt = e.dir.join("graph-rebuilt.json");
    let out = Command::new("bash")
        .arg(format!("{ROOT}/examples/fintech/build-graph.sh"))
        .arg(format!("{ROOT}/examples/fintech/repo"))
        .arg(&rebuilt)
        .env("WRIT", &e.writ)
        .output()
        .unwrap();
    ok(&out);
    assert_eq!(
        std::fs::read_to_string(&rebuilt).unwrap(),
        std::fs::read_to_string(format!("{ROOT}/examples/fintech/graph.json")).unwrap(),
        "examples/fintech/graph.json is stale: run \
         `WRIT=target/debug/writ examples/fintech/build-graph.sh examples/fintech/repo examples/fintech/graph.json`"
    );
}

/// `writ replay` over the walk-through's ledgers: under the plan they were
/// decided under nothing changes; under an edited policy (a forbid on agent
/// authors, a platform sign-off on docs) the expected decisions flip, each
/// with the forbid or obligation that made it; a rewritten ledger is an
/// error, not a replay.
fn replay_history(e: &E2e) {
    let w = e.work();
    let folders =
        ["PR-101", "PR-102", "PR-103", "PR-104-nobg", "PR-104"].map(|id| format!("evidence/{id}"));
    let replay = |plan: &str, extra: &[&str]| {
        let mut args = vec!["replay"];
        args.extend(folders.iter().map(String::as_str));
        args.extend(["--plan", plan, "--trust", "trust.keys"]);
        args.extend(extra);
        e.writ(&args)
    };
    // Under its own plan: every decision re-derives, no flip, exit 0.
    let same = replay("plan.json", &[]);
    let text = ok(&same);
    assert!(
        text.ends_with("9 decisions replayed, 0 flipped\n"),
        "{text}"
    );
    let doc: Value =
        serde_json::from_slice(&replay("plan.json", &["--format", "json"]).stdout).unwrap();
    assert_eq!(doc["format"], "writ.replay/v1");
    assert_eq!(doc["summary"]["decisions"], 9);
    for d in doc["folders"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["decisions"].as_array().unwrap())
    {
        assert_eq!(d["recorded"], d["replayed"], "{d}");
        assert_eq!(
            d["because"],
            serde_json::json!([]),
            "nothing differs at all: {d}"
        );
    }

    // An edited policy: agents may not author changes; docs need platform.
    let policies = e.dir.join("replay-policies");
    copy_dir(
        Path::new(&format!("{ROOT}/examples/fintech/policies")),
        &policies,
    );
    let acme = policies.join("acme.writ");
    let text = std::fs::read_to_string(&acme).unwrap();
    let text = text
        .replace(
            "/// Documentation-only changes",
            "/// Agents no longer author changes here.\nforbid no_agent_authors \"Agents may not author changes\" {\n  when change.author is agent\n}\n\n/// Documentation-only changes",
        )
        .replace(
            "  when change.only_paths(\"docs/**\")\n}",
            "  when change.only_paths(\"docs/**\")\n  require approval std::approvals::team_signoff(team \"platform\")\n}",
        );
    assert!(
        text.contains("no_agent_authors") && text.contains("team_signoff(team \"platform\")\n}")
    );
    std::fs::write(&acme, text).unwrap();
    let p = policies.to_str().unwrap();
    ok(&e.writ(&[
        "plan",
        "--policy",
        p,
        "--graph",
        "graph.json",
        "-o",
        "plan-edited.json",
        "--sign",
        "keys/security.key",
    ]));
    let edited = replay("plan-edited.json", &[]);
    assert_eq!(code(&edited), 1, "a flip exits 1");
    insta::assert_snapshot!(
        "replay_edited_human",
        e.redact(&String::from_utf8_lossy(&edited.stdout))
    );
    let md = replay("plan-edited.json", &["--format", "markdown"]);
    assert_eq!(code(&md), 1);
    insta::assert_snapshot!(
        "replay_edited_markdown",
        redact_after(&e.redact(&String::from_utf8_lossy(&md.stdout)), &["| "])
    );
    let doc: Value =
        serde_json::from_slice(&replay("plan-edited.json", &["--format", "json"]).stdout).unwrap();
    assert_eq!(doc["summary"]["flipped"], 3);
    assert_eq!(
        doc["summary"]["flips"],
        serde_json::json!({"allow→deny": 1, "allow→pending": 1, "pending→deny": 1})
    );

    // `writ diff` of the same two plans names the same forbid for agents,
    // before anything is decided, and for agents only. (The docs sign-off
    // is not seen: docs/** belongs to no node a single-node change can
    // touch alone, docs/analysis.md.)
    let diff = e.writ(&["diff", "plan.json", "plan-edited.json", "--format", "json"]);
    assert_eq!(code(&diff), 1, "decisions flip");
    let doc: Value = serde_json::from_slice(&diff.stdout).unwrap();
    let changes = doc["changes"].as_array().unwrap();
    assert!(!changes.is_empty());
    for c in changes {
        assert_eq!(
            c["delta"]["forbids_started"][0]["id"], "acme::no_agent_authors",
            "{c}"
        );
        assert_eq!(c["new"], "deny", "{c}");
        for a in c["authors"].as_array().unwrap() {
            assert!(a["class"].as_str().unwrap().starts_with("agent"), "{c}");
        }
    }

    // A rewritten ledger is an error, not a replay.
    let forged = e.dir.join("replay-forged");
    copy_dir(&w.join("evidence/PR-101"), &forged);
    let ledger = forged.join("ledger.jsonl");
    let text = std::fs::read_to_string(&ledger).unwrap();
    assert!(text.contains("\"outcome\":\"allow\""));
    std::fs::write(
        &ledger,
        text.replace("\"outcome\":\"allow\"", "\"outcome\":\"deny\""),
    )
    .unwrap();
    let out = e.writ(&[
        "replay",
        forged.to_str().unwrap(),
        "--plan",
        "plan.json",
        "--trust",
        "trust.keys",
    ]);
    assert_eq!(code(&out), 1);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ledger.jsonl: line 2") && err.contains("modified"),
        "{err}"
    );
    assert!(
        out.stdout.is_empty(),
        "no replay is printed from a rewritten ledger"
    );
    // Only trusted runners' logs and bundles are replayed: a trust file
    // without a runner key is a usage error, another runner's key is a
    // ledger whose checkpoint nobody trusted signed.
    let only_plan = e.dir.join("replay-plan-only.keys");
    let trust = std::fs::read_to_string(w.join("trust.keys")).unwrap();
    std::fs::write(
        &only_plan,
        trust
            .lines()
            .filter(|l| l.starts_with("plan "))
            .map(|l| format!("{l}\n"))
            .collect::<String>(),
    )
    .unwrap();
    let out = e.writ(&[
        "replay",
        "evidence/PR-101",
        "--plan",
        "plan.json",
        "--trust",
        only_plan.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 2, "{}", String::from_utf8_lossy(&out.stderr));
    let other = e.dir.join("replay-other.keys");
    let key = ok(&e.writ(&["keygen", "-o", e.dir.join("other.key").to_str().unwrap()]));
    std::fs::write(&other, format!("runner other {}", key.trim())).unwrap();
    let out = e.writ(&[
        "replay",
        "evidence/PR-101",
        "--plan",
        "plan.json",
        "--trust",
        other.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 1);
    assert!(
        out.stdout.is_empty(),
        "nothing replayed from an untrusted log"
    );
    // A folder that is not there is a usage error.
    let out = e.writ(&[
        "replay",
        "evidence/PR-999",
        "--plan",
        "plan.json",
        "--trust",
        "trust.keys",
    ]);
    assert_eq!(code(&out), 2);
}

/// CI at scale through the CI a team already runs: the plan exports the
/// checks a change needs as a matrix, each runner runs one and reports it
/// back as JUnit or SARIF, and the gate decides with the collected evidence.
fn ci_fan_out(e: &E2e) {
    let w = e.work();
    let matrix = ok(&e.writ(&[
        "plan",
        "--plan",
        "plan.json",
        "--change",
        "out/PR-102.json",
        "--emit",
        "github-matrix",
    ]));
    assert_eq!(matrix.lines().count(), 1, "one line, for $GITHUB_OUTPUT");
    let matrix: Value = serde_json::from_str(&matrix).unwrap();
    let jobs = matrix["include"].as_array().unwrap();
    let ids: Vec<&str> = jobs.iter().map(|j| j["id"].as_str().unwrap()).collect();
    insta::assert_snapshot!("matrix_PR-102_ids", ids.join("\n"));
    insta::assert_snapshot!(
        "matrix_PR-102_first_entry",
        serde_json::to_string_pretty(&jobs[0]).unwrap()
    );

    // every check the plan could require (no change), and the compile form
    let all: Value = serde_json::from_str(&ok(&e.writ(&[
        "plan",
        "--plan",
        "plan.json",
        "--emit",
        "json",
    ])))
    .unwrap();
    let all_ids: BTreeSet<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.iter().all(|id| all_ids.contains(id)),
        "a change's checks are among the plan's"
    );
    let compiled = e.writ(&[
        "plan",
        "--policy",
        &format!("{ROOT}/examples/fintech/policies"),
        "--graph",
        "graph.json",
        "-o",
        "plan-again.json",
        "--emit",
        "json",
    ]);
    assert_eq!(serde_json::from_str::<Value>(&ok(&compiled)).unwrap(), all);
    assert_eq!(
        std::fs::read(w.join("plan.json")).unwrap(),
        std::fs::read(w.join("plan-again.json")).unwrap(),
        "same inputs, same plan bytes"
    );

    // the CI's results key, trusted for check results (a `results` line)
    let results_pub = ok(&e.writ(&["keygen", "-o", "ci-results.key"]));
    let mut trust = std::fs::read_to_string(w.join("trust.keys")).unwrap();
    trust.push_str(&format!("results ci-checks {results_pub}\n"));
    std::fs::write(w.join("trust.keys"), trust).unwrap();
    // the runners: run each entry's command, report it back
    let ev = w.join("evidence-ci");
    let ev_s = ev.to_str().unwrap();
    for job in jobs {
        let argv: Vec<&str> = job["argv"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        let (check, node) = (
            job["check"].as_str().unwrap(),
            job["node"].as_str().unwrap(),
        );
        // a CI job importing its suite's report (docs/ci.md §2): the report goes
        // into REPORT_DIR; without one, the exit status becomes a JUnit case
        let reports = w.join(format!("reports/{check}@{node}"));
        let status = Command::new(argv[0])
            .args(&argv[1..])
            .current_dir(w.join("acme"))
            .env("REPORT_DIR", &reports)
            .output()
            .unwrap()
            .status;
        let (mut kind, mut report) = if check == "sast" {
            ("sarif", reports.join("sast.sarif"))
        } else {
            ("junit", reports.join(format!("{check}.xml")))
        };
        if !report.exists() {
            kind = "junit";
            report = reports.join(format!("{check}.xml"));
            std::fs::create_dir_all(&reports).unwrap();
            std::fs::write(&report, junit(check, node, status.success())).unwrap();
        }
        ok(&e.writ(&[
            "evidence",
            "add",
            kind,
            report.to_str().unwrap(),
            "--check",
            check,
            "--node",
            node,
            "--change",
            "out/PR-102.json",
            "--plan",
            "plan.json",
            "--key",
            "ci-results.key",
            "--evidence",
            ev_s,
        ]));
    }
    // nothing left to run once the results are in
    let left: Value = serde_json::from_str(&ok(&e.writ(&[
        "plan",
        "--plan",
        "plan.json",
        "--change",
        "out/PR-102.json",
        "--evidence",
        ev_s,
        "--emit",
        "json",
    ])))
    .unwrap();
    assert_eq!(left, Value::Array(vec![]));

    // the gate: still pending on approvals …
    let gate = e.writ(&[
        "eval",
        "--plan",
        "plan.json",
        "--change",
        "out/PR-102.json",
        "--evidence",
        ev_s,
    ]);
    assert_eq!(code(&gate), 3, "pending without approvals");
    unblock_by_the_listed_commands(e, &ev);
    // … which the reviewers signed in the pull request
    std::fs::create_dir_all(ev.join("approvals")).unwrap();
    for entry in std::fs::read_dir(w.join("evidence/PR-102/approvals")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), ev.join("approvals").join(entry.file_name())).unwrap();
    }
    let gate = e.writ(&[
        "eval",
        "--plan",
        "plan.json",
        "--change",
        "out/PR-102.json",
        "--evidence",
        ev_s,
        "--format",
        "markdown",
        "--proof",
        "out/PR-102.ci.proof.json",
    ]);
    assert_eq!(code(&gate), 0, "{}", String::from_utf8_lossy(&gate.stderr));
    let comment = ok(&e.writ(&[
        "explain",
        "out/PR-102.ci.proof.json",
        "--format",
        "markdown",
    ]));
    assert_eq!(
        comment,
        String::from_utf8_lossy(&gate.stdout),
        "eval and explain agree"
    );
    insta::assert_snapshot!("pr_comment_PR-102", e.redact(&comment));
    // a proof of a previous format (v1: witness paths in full; v2: pretty,
    // every check command in full) is refused with a clear error, not a
    // missing-field one
    let v4 = std::fs::read_to_string(w.join("out/PR-102.ci.proof.json")).unwrap();
    assert!(v4.contains("\"format\":\"writ.proof/v4\""));
    assert_eq!(v4.lines().count(), 1, "a proof is one line of compact JSON");
    for old_format in ["writ.proof/v1", "writ.proof/v2"] {
        std::fs::write(
            w.join("out/PR-102.old.proof.json"),
            v4.replace("writ.proof/v4", old_format),
        )
        .unwrap();
        let old = e.writ(&["explain", "out/PR-102.old.proof.json"]);
        assert_ne!(code(&old), 0);
        assert!(
            String::from_utf8_lossy(&old.stderr)
                .contains(&format!("proof format `{old_format}` is not supported")),
            "{}",
            String::from_utf8_lossy(&old.stderr)
        );
    }

    // a failed runner denies
    let failed = w.join("evidence-ci-failed");
    copy_dir(&ev, &failed);
    let report = w.join("report-failed.xml");
    std::fs::write(&report, junit("integration", "payments", false)).unwrap();
    ok(&e.writ(&[
        "evidence",
        "add",
        "junit",
        report.to_str().unwrap(),
        "--check",
        "integration",
        "--node",
        "payments",
        "--change",
        "out/PR-102.json",
        "--plan",
        "plan.json",
        "--key",
        "ci-results.key",
        "--evidence",
        failed.to_str().unwrap(),
    ]));
    let gate = e.writ(&[
        "eval",
        "--plan",
        "plan.json",
        "--change",
        "out/PR-102.json",
        "--evidence",
        failed.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code(&gate), 1, "a failed check denies");
    let proof: Value = serde_json::from_slice(&gate.stdout).unwrap();
    assert!(
        proof["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["kind"] == "check_failed" && r["node"] == "payments"),
        "{}",
        proof["reasons"]
    );
}

/// The pending proof of PR-102 names, per missing approval, who can give it
/// and the command each would run: running the listed commands, as the
/// listed people with their keys, moves the decision forward each round and
/// ends in allow. The commands run as written, in a folder whose
/// `evidence/` holds the CI's results (the `--evidence` default), with only
/// the `<CHANGE>`, `<PLAN>` and `<KEY>` placeholders filled in.
fn unblock_by_the_listed_commands(e: &E2e, ev: &Path) {
    let w = e.work();
    let here = w.join("unblock");
    copy_dir(ev, &here.join("evidence"));
    let evidence = here.join("evidence");
    let mut still_needed_before = u64::MAX;
    for round in 0.. {
        assert!(round < 5, "the listed commands never unblocked PR-102");
        let gate = e.writ(&[
            "eval",
            "--plan",
            "plan.json",
            "--change",
            "out/PR-102.json",
            "--evidence",
            evidence.to_str().unwrap(),
            "--format",
            "json",
        ]);
        let proof: Value = serde_json::from_slice(&gate.stdout).unwrap();
        if code(&gate) == 0 {
            assert!(round > 0);
            assert!(
                proof["obligations"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|o| o.get("unblock").is_none()),
                "an allowed change has nothing to unblock"
            );
            return;
        }
        assert_eq!(code(&gate), 3, "still pending: {}", proof["reasons"]);
        let author = proof["change"]["author"].as_str().unwrap();
        let missing: Vec<&Value> = proof["obligations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["status"] == "missing")
            .collect();
        assert!(!missing.is_empty());
        let mut still_needed = 0;
        for o in missing {
            let u = &o["unblock"];
            assert!(u.is_object(), "{} is missing but lists no one", o["id"]);
            assert!(u["command"].is_null(), "the checks are in: {}", o["id"]);
            // the first step still short (later ones count once it is complete)
            let step = &u["steps"][0];
            assert!(
                step["blocked"].is_null(),
                "{}: {}",
                o["id"],
                step["blocked"]
            );
            let need = step["still_needed"].as_u64().unwrap();
            still_needed += u["steps"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["still_needed"].as_u64().unwrap())
                .sum::<u64>();
            let people = step["people"].as_array().unwrap();
            assert!(people.len() as u64 >= need);
            for p in people.iter().take(need as usize) {
                let person = p["person"].as_str().unwrap();
                assert_ne!(person, author, "the author is never listed");
                let key = w.join(format!("keys/{person}.key"));
                let argv: Vec<String> = p["command"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| match a.as_str().unwrap() {
                        "<CHANGE>" => w.join("out/PR-102.json").display().to_string(),
                        "<PLAN>" => w.join("plan.json").display().to_string(),
                        "<KEY>" => key.display().to_string(),
                        other => other.to_string(),
                    })
                    .collect();
                assert_eq!(&argv[..2], ["writ", "approve"]);
                assert!(argv.windows(2).any(|w| w == ["--as", person]));
                let args: Vec<&str> = argv[1..].iter().map(String::as_str).collect();
                ok(&e.writ_in(&here, &args));
            }
        }
        assert!(
            still_needed < still_needed_before,
            "round {round}: {still_needed} approvals still needed, {still_needed_before} before"
        );
        still_needed_before = still_needed;
    }
}

fn junit(check: &str, node: &str, passed: bool) -> String {
    let failure = if passed {
        String::new()
    } else {
        "<failure message=\"exit status 1\"/>".into()
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites><testsuite name=\"{check}\" tests=\"1\" failures=\"{}\">\
         <testcase classname=\"{node}\" name=\"{check}\">{failure}</testcase></testsuite></testsuites>\n",
        u8::from(!passed)
    )
}

/// The pre-commit hook's checks and the other authoring verbs.
fn policy_hygiene(e: &E2e) {
    let policies = format!("{ROOT}/examples/fintech/policies");
    let graph = format!("{ROOT}/examples/fintech/graph.json");
    // examples/ci/pre-commit runs exactly these two
    ok(&e.writ(&["fmt", "--check", &policies]));
    ok(&e.writ(&["check", "--graph", &graph, "--deny-warnings", &policies]));
    let sarif: Value = serde_json::from_str(&ok(
        &e.writ(&["check", "--format", "sarif", "--graph", &graph, &policies])
    ))
    .unwrap();
    assert_eq!(sarif["runs"][0]["results"], Value::Array(vec![]));
    let fmt = Command::new(&e.writ)
        .args(["fmt", "--stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            child
                .stdin
                .take()
                .unwrap()
                .write_all(b"rule   docs { when change.only_paths(\"docs/**\") }\n")?;
            child.wait_with_output()
        })
        .unwrap();
    insta::assert_snapshot!("fmt_stdin", ok(&fmt));

    let tests = e.writ(&[
        "test",
        &policies,
        "--graph",
        &graph,
        "--junit",
        "policy-tests.xml",
        "--coverage",
    ]);
    let report = ok(&tests);
    assert!(report.contains("test result: ok."), "{report}");
    let junit = std::fs::read_to_string(e.work().join("policy-tests.xml")).unwrap();
    assert!(junit.contains("<testsuite") && !junit.contains("<failure"));

    // the auditors' assertions hold for every change of the space
    let proved = ok(&e.writ(&[
        "prove",
        "--policy",
        &policies,
        &format!("{ROOT}/examples/fintech/assertions"),
        "--graph",
        &graph,
    ]));
    assert!(proved.contains("0 of 3 assertions violated"), "{proved}");

    // the quickstart example keeps working
    ok(&e.writ(&["check", &format!("{ROOT}/examples/quickstart")]));
    ok(&e.writ(&[
        "test",
        &format!("{ROOT}/examples/quickstart"),
        "--graph",
        &format!("{ROOT}/examples/quickstart/graph.json"),
    ]));

    // the graph verbs on the committed graph
    ok(&e.writ(&["graph", "check", &graph]));
    let stats = ok(&e.writ(&["graph", "stats", &graph]));
    insta::assert_snapshot!("graph_stats", stats);
    let schema: Value = serde_json::from_str(&ok(&e.writ(&["graph", "schema"]))).unwrap();
    assert!(schema.get("$schema").is_some());
    let mermaid = ok(&e.writ(&[
        "graph",
        "render",
        "graph.json",
        "--format",
        "mermaid",
        "--change",
        "out/PR-102.json",
    ]));
    insta::assert_snapshot!("render_PR-102_mermaid", mermaid);
    let dot = ok(&e.writ(&["graph", "render", &graph]));
    assert!(dot.starts_with("digraph"));
    ok(&e.writ(&[
        "graph",
        "generate",
        "--services",
        "200",
        "--edges",
        "600",
        "--seed",
        "1",
        "-o",
        "generated.json",
    ]));
    ok(&e.writ(&["graph", "check", "generated.json"]));

    // shell completions and manual pages (tests/cli_conformance.rs checks them in depth)
    assert!(ok(&e.writ(&["completions", "bash"])).contains("writ__subcmd__graph__subcmd__reach"));
    assert!(ok(&e.writ(&["man", "graph", "reach"])).contains(".TH writ-graph-reach 1"));
}

/// examples/ci: the gate script the workflow runs names only real verbs, and
/// the pre-commit hook passes on the example and refuses a badly formatted
/// policy. (tests/ci_gate.rs runs the script and checks the workflow.)
fn ci_files(e: &E2e) {
    let script = std::fs::read_to_string(format!("{ROOT}/examples/ci/writ-gate.sh")).unwrap();
    let verbs: BTreeSet<String> = cli_tree::tree()
        .into_iter()
        .filter(|(p, _)| p.len() == 1)
        .map(|(p, _)| p[0].clone())
        .collect();
    let mut used = 0;
    // the shell lines: not comments
    for line in script.lines().map(str::trim_start) {
        if line.starts_with('#') {
            continue;
        }
        for (i, _) in line.match_indices("\"$writ\" ") {
            let word: String = line[i + 8..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '-')
                .collect();
            if word.is_empty() {
                continue;
            }
            assert!(
                verbs.contains(&word),
                "examples/ci/writ-gate.sh runs `writ {word}`: {line}"
            );
            used += 1;
        }
    }
    assert!(used >= 6, "the gate script runs writ ({used} uses found)");
    let plan_help = cli_tree::help(&["plan".to_string()]);
    assert!(plan_help.contains("github-matrix") && plan_help.contains("--change"));

    // the pre-commit hook in a repository holding the example's policies
    let repo = e.dir.join("hook-repo");
    copy_dir(
        Path::new(&format!("{ROOT}/examples/fintech/policies")),
        &repo.join("policies"),
    );
    std::fs::copy(
        format!("{ROOT}/examples/fintech/graph.json"),
        repo.join("graph.json"),
    )
    .unwrap();
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(["-c", "init.defaultBranch=main"])
            .args(args)
            .current_dir(&repo)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    git(&["init", "-q"]);
    git(&["add", "policies", "graph.json"]);
    let hook = || {
        Command::new("sh")
            .arg(format!("{ROOT}/examples/ci/pre-commit"))
            .current_dir(&repo)
            .env("WRIT", &e.writ)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .unwrap()
    };
    ok(&hook());
    // a badly formatted `*.writ` outside the policy folder (a fixture) is
    // not the hook's business
    std::fs::create_dir_all(repo.join("fixtures")).unwrap();
    std::fs::write(
        repo.join("fixtures/sloppy.writ"),
        "rule   sloppy {when x}\n",
    )
    .unwrap();
    git(&["add", "fixtures/sloppy.writ"]);
    ok(&hook());
    std::fs::write(
        repo.join("policies/sloppy.writ"),
        "rule   sloppy {when change.only_paths(\"x/**\")}\n",
    )
    .unwrap();
    git(&["add", "policies/sloppy.writ"]);
    let refused = hook();
    assert_eq!(
        code(&refused),
        1,
        "the hook refuses a badly formatted policy"
    );
}

/// The ledger is a signed transparency log: verified with the runner's
/// key, a record proved and the proof checked offline, the log shared on a
/// git ref and pulled into a fresh folder that verifies.
fn transparency_log(e: &E2e) {
    let w = e.work();
    let out = ok(&e.writ(&[
        "ledger",
        "verify",
        "evidence/PR-102",
        "--trust",
        "runner.pub",
    ]));
    assert!(out.contains("signed by writ-ledger"), "{out}");
    let saved = w.join("audit.checkpoint");
    std::fs::copy(w.join("evidence/PR-102/ledger.checkpoint"), &saved).unwrap();
    let proof = ok(&e.writ(&["ledger", "prove", "evidence/PR-102", "0"]));
    std::fs::write(w.join("record-0.proof"), proof).unwrap();
    let ledger = std::fs::read_to_string(w.join("evidence/PR-102/ledger.jsonl")).unwrap();
    let first: serde_json::Value = serde_json::from_str(ledger.lines().next().unwrap()).unwrap();
    let bundle = format!(
        "evidence/PR-102/{}",
        first["entry"]["bundle"].as_str().unwrap()
    );
    let args = [
        "ledger",
        "check-proof",
        "record-0.proof",
        "--trust",
        "runner.pub",
        "--bundle",
    ];
    let mut with_bundle = args.to_vec();
    with_bundle.push(&bundle);
    assert_eq!(ok(&e.writ(&with_bundle)).trim(), "VALID");
    // writ verify checks a bundle's inclusion proof: its own, not another's
    let out = e.writ(&[
        "verify",
        &bundle,
        "--trust",
        "runner.pub",
        "--proof",
        "record-0.proof",
        "--signature-only",
    ]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("recorded as ledger record 0"));
    let last: serde_json::Value = serde_json::from_str(ledger.lines().last().unwrap()).unwrap();
    let other = format!(
        "evidence/PR-102/{}",
        last["entry"]["bundle"].as_str().unwrap()
    );
    let out = e.writ(&[
        "verify",
        &other,
        "--trust",
        "runner.pub",
        "--proof",
        "record-0.proof",
        "--signature-only",
    ]);
    assert_eq!(code(&out), 1, "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("another bundle"));
    // shared through a git ref, then pulled into a fresh folder
    let bare = w.join("shared.git");
    let g = Command::new("git")
        .args(["init", "--bare", "-q"])
        .arg(&bare)
        .output()
        .unwrap();
    assert!(g.status.success());
    let key = w.join("keys/runner.key");
    let key = key.to_str().unwrap();
    let push = [
        "ledger",
        "push",
        "evidence/PR-102",
        "--repo",
        "shared.git",
        "--key",
        key,
    ];
    let out = e.writ(&push);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let out = e.writ(&[
        "ledger",
        "pull",
        "fresh",
        "--repo",
        "shared.git",
        "--trust",
        "runner.pub",
    ]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("history checked: 1 commits"));
    let out = ok(&e.writ(&[
        "ledger",
        "verify",
        "fresh",
        "--trust",
        "runner.pub",
        "--since",
        "audit.checkpoint",
    ]));
    assert!(
        out.contains("consistent with the saved checkpoint"),
        "{out}"
    );
}

/// Forged, tampered and replayed evidence is refused.
fn tampering_is_detected(e: &E2e) {
    let w = e.work();
    // The last decision recorded for PR-102 (the allow), found through the
    // ledger: bundle file names can share a timestamp second.
    let ledger = std::fs::read_to_string(w.join("evidence/PR-102/ledger.jsonl")).unwrap();
    let last: serde_json::Value = serde_json::from_str(ledger.lines().last().unwrap()).unwrap();
    assert_eq!(last["entry"]["outcome"], "allow");
    let bundle = w
        .join("evidence/PR-102")
        .join(last["entry"]["bundle"].as_str().unwrap());
    let b = bundle.to_str().unwrap();
    assert_eq!(
        ok(&e.writ(&["verify", b, "--trust", "trust.keys", "--plan", "plan.json"])).trim(),
        "VALID"
    );
    // every decision bundle the walkthrough signed re-derives to what the
    // runner claimed (writ verify decides again from the bundle and the plan)
    let mut bundles = 0;
    for id in ["PR-101", "PR-102", "PR-103", "PR-104-nobg", "PR-104"] {
        let dir = w.join(format!("evidence/{id}/bundles"));
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if !path.to_string_lossy().ends_with(".intoto.json") {
                continue;
            }
            let out = e.writ(&[
                "verify",
                path.to_str().unwrap(),
                "--trust",
                "trust.keys",
                "--plan",
                "plan.json",
            ]);
            assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(stderr.contains("(as signed)"));
            // PR-104's decisions replay 24 December with --now: verify says so
            assert_eq!(
                stderr.contains("decision time was given"),
                id.starts_with("PR-104"),
                "{id}: {stderr}"
            );
            bundles += 1;
        }
    }
    assert!(bundles >= 9, "{bundles} bundles");
    // standard tools only (docs/auditing.md): OpenSSL, jq, base64
    let have = |tool: &str| {
        Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if have("openssl") && have("jq") {
        let runner = std::fs::read_to_string(w.join("runner.pub")).unwrap();
        let runner_key = runner.split_whitespace().last().unwrap();
        let script = format!("{ROOT}/examples/audit/dsse-verify-openssl.sh");
        let out = Command::new("bash")
            .args([&script, b, runner_key])
            .output()
            .unwrap();
        let text = ok(&out);
        assert!(
            text.starts_with("signature OK") && text.contains("\"outcome\": \"allow\""),
            "{text}"
        );
        let security = std::fs::read_to_string(w.join("security.pub")).unwrap();
        let other_key = security.split_whitespace().last().unwrap();
        let out = Command::new("bash")
            .args([&script, b, other_key])
            .output()
            .unwrap();
        assert_eq!(code(&out), 1, "another key does not verify the bundle");
    }
    // a key the verifier does not trust
    std::fs::write(
        w.join("someone.pub"),
        ok(&e.writ(&["keygen", "-o", "someone.key"])),
    )
    .unwrap();
    let untrusted = e.writ(&["verify", b, "--trust", "someone.pub", "--signature-only"]);
    assert_eq!(code(&untrusted), 1);
    // a flipped outcome inside the signed payload
    let mut envelope: Value =
        serde_json::from_str(&std::fs::read_to_string(&bundle).unwrap()).unwrap();
    let payload = envelope["payload"].as_str().unwrap().to_string();
    let mut bytes = payload.into_bytes();
    let mid = bytes.len() / 2;
    bytes[mid] = if bytes[mid] == b'A' { b'B' } else { b'A' };
    envelope["payload"] = Value::String(String::from_utf8(bytes).unwrap());
    std::fs::write(w.join("tampered.json"), envelope.to_string()).unwrap();
    assert_eq!(
        code(&e.writ(&[
            "verify",
            "tampered.json",
            "--trust",
            "runner.pub",
            "--signature-only"
        ])),
        1
    );
    // an edited ledger
    let ledger = w.join("evidence/PR-102/ledger.jsonl");
    let text = std::fs::read_to_string(&ledger).unwrap();
    std::fs::write(&ledger, text.replacen("\"pending\"", "\"allow\"", 1)).unwrap();
    let out = e.writ(&["ledger", "verify", "evidence/PR-102"]);
    assert_eq!(code(&out), 1, "{}", String::from_utf8_lossy(&out.stdout));
    std::fs::write(&ledger, text).unwrap();
    // a plan edited after signing
    let plan = std::fs::read_to_string(w.join("plan.json")).unwrap();
    std::fs::write(
        w.join("plan-edited.json"),
        plan.replacen("holiday", "holidai", 1),
    )
    .unwrap();
    std::fs::copy(w.join("plan.json.sig"), w.join("plan-edited.json.sig")).unwrap();
    assert_eq!(
        code(&e.writ(&[
            "plan",
            "verify",
            "plan-edited.json",
            "--trust",
            "security.pub"
        ])),
        1
    );
    // an approval replayed onto another change counts for nothing
    let approvals = w.join("evidence/PR-101/approvals");
    let replay = w.join("evidence-replay");
    std::fs::create_dir_all(replay.join("approvals")).unwrap();
    for entry in std::fs::read_dir(approvals).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(
            entry.path(),
            replay.join("approvals").join(entry.file_name()),
        )
        .unwrap();
    }
    let out = e.writ(&[
        "eval",
        "--plan",
        "plan.json",
        "--change",
        "out/PR-103.json",
        "--evidence",
        replay.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_ne!(code(&out), 0, "a replayed approval never allows");
}

/// `writ lsp` checks the example's policies with the example's graph.
fn language_server(e: &E2e) {
    let policies = PathBuf::from(format!("{ROOT}/examples/fintech/policies"));
    let mut child = Command::new(&e.writ)
        .args([
            "lsp",
            "--graph",
            &format!("{ROOT}/examples/fintech/graph.json"),
        ])
        .current_dir(&policies)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel::<Value>();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        loop {
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some(n) = line.strip_prefix("Content-Length: ") {
                    length = n.parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            if reader.read_exact(&mut body).is_err() {
                return;
            }
            if let Ok(v) = serde_json::from_slice(&body)
                && tx.send(v).is_err()
            {
                return;
            }
        }
    });
    let mut send = |v: Value| {
        let body = v.to_string();
        write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        stdin.flush().unwrap();
    };
    let root_uri = format!("file://{}", policies.display());
    let file = policies.join("acme.writ");
    let uri = format!("file://{}", file.display());
    send(
        serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"processId": null, "rootUri": root_uri, "capabilities": {},
                   "workspaceFolders": [{"uri": root_uri, "name": "policies"}]}}),
    );
    let mut initialized = false;
    let mut diagnostics = None;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let mut opened = false;
    while std::time::Instant::now() < deadline && diagnostics.is_none() {
        if initialized && !opened {
            // only once the server answered initialize
            send(serde_json::json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
            send(
                serde_json::json!({"jsonrpc": "2.0", "method": "textDocument/didOpen",
                "params": {"textDocument": {"uri": uri, "languageId": "writ", "version": 1,
                           "text": std::fs::read_to_string(&file).unwrap()}}}),
            );
            opened = true;
        }
        let Ok(msg) = rx.recv_timeout(Duration::from_secs(1)) else {
            continue;
        };
        if msg.get("method").is_some() && msg.get("id").is_some() {
            // a request from the server (configuration, registrations): answer it
            send(serde_json::json!({"jsonrpc": "2.0", "id": msg["id"], "result": null}));
            continue;
        }
        if msg["id"] == 1 {
            assert!(msg["result"]["capabilities"].is_object(), "{msg}");
            initialized = true;
        }
        if msg["method"] == "textDocument/publishDiagnostics"
            && msg["params"]["uri"] == uri.as_str()
        {
            diagnostics = Some(msg["params"]["diagnostics"].clone());
        }
    }
    assert!(initialized, "the server answered initialize");
    assert_eq!(
        diagnostics,
        Some(Value::Array(vec![])),
        "no diagnostics on the example policy"
    );
    send(serde_json::json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}));
    send(serde_json::json!({"jsonrpc": "2.0", "method": "exit"}));
    drop(stdin);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("writ lsp did not exit after shutdown/exit");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A signed provenance statement, the way .github/workflows/release.yml signs
/// a release (`writ attest`): it verifies with the signer's key and names the
/// files by digest (tests/attest_cli.rs has the refusals).
fn release_provenance(e: &E2e) {
    let w = e.work();
    std::fs::write(
        w.join("predicate.json"),
        r#"{"buildDefinition": {"buildType": "https://github.com/writ/release/v1"}}"#,
    )
    .unwrap();
    ok(&e.writ(&[
        "attest",
        "sign",
        "plan.json",
        "graph.json",
        "--key",
        "keys/runner.key",
        "--predicate",
        "predicate.json",
        "-o",
        "provenance.intoto.json",
    ]));
    let out = ok(&e.writ(&[
        "attest",
        "verify",
        "provenance.intoto.json",
        "--trust",
        "runner.pub",
        "plan.json",
        "graph.json",
    ]));
    assert!(
        out.contains("plan.json sha256:") && out.contains("VALID"),
        "{out}"
    );
    let out = e.writ(&[
        "attest",
        "verify",
        "provenance.intoto.json",
        "--trust",
        "security.pub",
    ]);
    assert_eq!(code(&out), 1, "another key does not verify it");
}

/// A repository that is not the example (`tests/fixtures/polyglot`, issue
/// #19): `writ init` and the workspace and telemetry importers one by one.
/// `tests/init_cli.rs` takes it to a first allowed decision.
fn another_repository(e: &E2e) {
    let repo = e.dir.join("acme");
    copy_dir(&Path::new(ROOT).join("tests/fixtures/polyglot"), &repo);
    for args in [
        &["init", "-q"][..],
        &["add", "-A"],
        &[
            "-c",
            "user.name=A",
            "-c",
            "user.email=a@acme.example",
            "commit",
            "-qm",
            "acme",
        ],
    ] {
        let out = Command::new("git")
            .args(args)
            .current_dir(&repo)
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}");
    }
    let init = ok(&e.writ_in(&repo, &["init"]));
    assert!(
        init.contains("[W0530] team `acme/payments` has no members"),
        "{init}"
    );
    for (args, expect) in [
        (
            &["graph", "import", "npm", "-o", "npm.json"][..],
            "@acme/checkout",
        ),
        (
            &["graph", "import", "go", "-o", "go.json"],
            "github.com/acme/billing",
        ),
        (
            &["graph", "import", "python", "-o", "python.json"],
            "scoring",
        ),
        (
            &[
                "graph",
                "import",
                "telemetry",
                "telemetry/jaeger-dependencies.json",
                "--merge",
                "writ/graph.json",
                "-o",
                "calls.json",
            ],
            "\"calls\": [\"billing\"]",
        ),
    ] {
        ok(&e.writ_in(&repo, args));
        let out = args[args.len() - 1];
        let text = std::fs::read_to_string(repo.join(out)).unwrap();
        assert!(text.contains(expect), "{args:?}: {text}");
    }
}

/// `writ report` over the walkthrough's evidence folders: one section per
/// recorded decision; a bundle altered after signing is shown as
/// unverified (never its content) and the exit status says so. The page in
/// a browser: tests/report_browser.rs.
fn auditors_report(e: &E2e) {
    let ids = ["PR-101", "PR-102", "PR-103", "PR-104-nobg", "PR-104"];
    let folders: Vec<String> = ids.iter().map(|id| format!("evidence/{id}")).collect();
    let mut args: Vec<&str> = vec!["report"];
    args.extend(folders.iter().map(String::as_str));
    args.extend([
        "--plan",
        "plan.json",
        "--trust",
        "trust.keys",
        "--now",
        "2026-12-25T12:00:00Z",
        "-o",
        "report.html",
    ]);
    ok(&e.writ(&args));
    let html = std::fs::read_to_string(e.work().join("report.html")).unwrap();
    let records: usize = ids
        .iter()
        .map(|id| {
            std::fs::read_to_string(e.work().join(format!("evidence/{id}/ledger.jsonl")))
                .unwrap()
                .lines()
                .count()
        })
        .sum();
    assert_eq!(html.matches("<section class=\"decision\"").count(), records);
    assert!(!html.contains("data-outcome=\"unverified\""));
    assert!(html.contains("Content-Security-Policy") && html.contains("default-src 'none'"));
    // Same inputs, same bytes.
    ok(&e.writ(&[&args[..args.len() - 1], &["report-again.html"]].concat()));
    assert_eq!(
        html,
        std::fs::read_to_string(e.work().join("report-again.html")).unwrap()
    );

    // A bundle changed after it was signed.
    let copy = e.dir.join("evidence-altered");
    copy_dir(&e.work().join("evidence/PR-104"), &copy);
    let bundle = std::fs::read_dir(copy.join("bundles"))
        .unwrap()
        .map(|d| d.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(".intoto.json"))
        .unwrap();
    let text = std::fs::read_to_string(&bundle).unwrap();
    let mut envelope: Value = serde_json::from_str(&text).unwrap();
    envelope["payload"] =
        Value::String(envelope["payload"].as_str().unwrap().replacen('A', "B", 1));
    std::fs::write(&bundle, serde_json::to_string(&envelope).unwrap()).unwrap();
    let out = e.writ(&[
        "report",
        copy.to_str().unwrap(),
        "--plan",
        "plan.json",
        "--trust",
        "trust.keys",
        "-o",
        "altered.html",
    ]);
    assert_eq!(code(&out), 1, "{}", String::from_utf8_lossy(&out.stderr));
    let html = std::fs::read_to_string(e.work().join("altered.html")).unwrap();
    assert!(
        html.contains("data-outcome=\"unverified\""),
        "the altered bundle is unverified"
    );
    assert!(
        !html.contains("data-outcome=\"allow\""),
        "nothing from it is shown as a decision"
    );
    assert!(
        html.contains("not intact"),
        "the ledger names a bundle whose digest changed"
    );
}

/// Every leaf command of `writ --help` ran at least once above.
fn every_command_ran(e: &E2e) {
    let trace = std::fs::read_to_string(&e.trace).unwrap();
    let ran: Vec<Vec<&str>> = trace
        .lines()
        .map(|l| {
            l.split_whitespace()
                .take_while(|w| !w.starts_with('-'))
                .collect()
        })
        .collect();
    let missing: Vec<String> = cli_tree::leaves()
        .into_iter()
        .filter(|leaf| {
            !ran.iter().any(|r| {
                r.len() >= leaf.len() && r[..leaf.len()].iter().zip(leaf).all(|(a, b)| a == b)
            })
        })
        .map(|leaf| leaf.join(" "))
        .collect();
    assert!(
        missing.is_empty(),
        "commands the end-to-end test never ran: {missing:?}"
    );
}
