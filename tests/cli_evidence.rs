//! End to end through the binary: keygen, approve, run (checks, decision via
//! the decision engine, bundle, ledger), verify, ledger verify; and the
//! approval attacks decided by `writ_runtime::evaluate`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use writ_evidence::approval::{ApprovalStatement, sign_approval};

const WRIT: &str = env!("CARGO_BIN_EXE_writ");

fn writ(dir: &Path, args: &[&str]) -> Output {
    Command::new(WRIT)
        .current_dir(dir)
        .args(args)
        .env_remove("CI")
        .output()
        .unwrap()
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let mut pubs = std::collections::HashMap::new();
        for p in ["runner", "sec", "ana", "sam", "dev1", "bot", "wen"] {
            pubs.insert(p, ok(&writ(d, &["keygen", "-o", &format!("{p}.key")])));
        }
        std::fs::write(
            d.join("trust.keys"),
            format!(
                "runner ci {}\nplan security {}\n",
                pubs["runner"], pubs["sec"]
            ),
        )
        .unwrap();
        let person = |id: &str, kind: &str| {
            format!(
                r#"{{"id": "{id}", "kind": "{kind}", "emails": ["{id}@example.com"], "keys": ["{}"]}}"#,
                pubs[id]
            )
        };
        let graph = format!(
            r#"{{"version": 1,
  "teams": [{{"id": "payments", "members": ["ana", "dev1", "bot"]}}, {{"id": "security", "members": ["sam"]}}, {{"id": "web", "members": ["wen"]}}],
  "people": [{}, {}, {}, {}, {}],
  "nodes": [{{"id": "payments-api", "kind": "service", "tags": ["pci"], "owners": ["payments"], "paths": ["payments/**"],
    "checks": {{"unit": {{"run": ["sh", "-c", "echo unit ok; echo password=hunter2hunter2"]}},
               "integration": {{"run": ["sh", "-c", "echo integration ok"], "timeout": "10s"}}}}}}]}}"#,
            person("ana", "human"),
            person("sam", "human"),
            person("dev1", "human"),
            person("bot", "agent"),
            person("wen", "human")
        );
        std::fs::write(d.join("graph.json"), graph).unwrap();
        std::fs::create_dir(d.join("pol")).unwrap();
        std::fs::write(
            d.join("pol/policy.writ"),
            r#"approval owners_review(n) {
  1 of owners(n) distinct from change.author
}

approval security_signoff {
  1 of team "security" humans only
}

rule pci_reach {
  for svc in change.reaches(service where tags has "pci")
  require check "integration" on svc
  require check "unit" on svc
  require approval security_signoff
}

rule owners {
  for n in change.touches(any)
  require approval owners_review(n)
}
"#,
        )
        .unwrap();
        ok(&writ(
            d,
            &[
                "plan",
                "--policy",
                "pol",
                "--graph",
                "graph.json",
                "-o",
                "plan.json",
                "--sign",
                "sec.key",
            ],
        ));
        let f = Fixture { dir };
        f.change(
            "change.json",
            "PR-1",
            "3333333333333333333333333333333333333333",
        );
        f
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn change(&self, name: &str, id: &str, tree: &str) -> PathBuf {
        let text = format!(
            r#"{{"version": 1, "id": "{id}", "base": "1111111111111111111111111111111111111111",
  "head": "2222222222222222222222222222222222222222", "head_tree": "{tree}",
  "author": {{"id": "dev1", "name": "Dev One", "email": "dev1@example.com", "kind": "human"}},
  "files": [{{"path": "payments/src/lib.rs", "status": "modified"}}], "timestamp": "2026-03-01T12:00:00Z"}}"#
        );
        let p = self.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    fn run(&self, extra: &[&str]) -> (Option<i32>, String, String) {
        let mut args = vec![
            "run",
            "--plan",
            "plan.json",
            "--change",
            "change.json",
            "--evidence",
            "ev",
            "--key",
            "runner.key",
            "--trust",
            "trust.keys",
        ];
        args.extend_from_slice(extra);
        let o = writ(self.path(), &args);
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).trim().into(),
            String::from_utf8_lossy(&o.stderr).into(),
        )
    }

    fn latest_bundle(&self) -> PathBuf {
        let mut b: Vec<PathBuf> = std::fs::read_dir(self.path().join("ev/bundles"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().ends_with(".intoto.json"))
            .collect();
        b.sort_by_key(|p| std::fs::metadata(p).unwrap().modified().unwrap());
        b.pop().unwrap()
    }

    fn statement(&self) -> serde_json::Value {
        let env: serde_json::Value =
            serde_json::from_slice(&std::fs::read(self.latest_bundle()).unwrap()).unwrap();
        let payload = writ_evidence::dsse::decode_base64(env["payload"].as_str().unwrap()).unwrap();
        serde_json::from_slice(&payload).unwrap()
    }

    /// Signs an approval with the library (bypassing `writ approve`'s own refusals).
    fn plant(&self, person: &str, signer: &str, change: &str) {
        let d = self.path();
        let plan = writ_evidence::context::load_plan(&d.join("plan.json")).unwrap();
        let c = writ_evidence::context::load_change(&d.join(change)).unwrap();
        let key = writ_evidence::keys::read_private_key(&d.join(format!("{signer}.key"))).unwrap();
        let s = ApprovalStatement::new(person, &c, &plan.digest(), None, None);
        let dir = writ_evidence::store::EvidenceDir::create(&d.join("ev")).unwrap();
        dir.store_approval(
            &format!("{person}-by-{signer}-{change}"),
            &sign_approval(&s, &key).1,
        )
        .unwrap();
    }

    /// `writ approve` as `person` with their own key, into `ev`.
    fn try_approve(&self, person: &str, extra: &[&str]) -> Output {
        let key = format!("{person}.key");
        let mut args = vec![
            "approve",
            "--change",
            "change.json",
            "--plan",
            "plan.json",
            "--key",
            &key,
            "--as",
            person,
            "--evidence",
            "ev",
        ];
        args.extend_from_slice(extra);
        writ(self.path(), &args)
    }

    fn approve(&self, person: &str) {
        ok(&writ(
            self.path(),
            &[
                "approve",
                "--change",
                "change.json",
                "--plan",
                "plan.json",
                "--key",
                &format!("{person}.key"),
                "--as",
                person,
                "--evidence",
                "ev",
            ],
        ));
    }
}

#[test]
fn run_approve_verify_and_ledger_end_to_end() {
    let f = Fixture::new();
    let (code, out, err) = f.run(&[]);
    assert_eq!((code, out.as_str()), (Some(3), "pending"), "{err}");
    assert!(err.contains("unit on payments-api: passed"), "{err}");
    // The secret printed by the check is not stored.
    for entry in std::fs::read_dir(f.path().join("ev/logs")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        assert!(!text.contains("hunter2hunter2"), "{text}");
    }
    f.approve("ana");
    f.approve("sam");
    let (code, out, err) = f.run(&["--jobs", "1"]);
    assert_eq!((code, out.as_str()), (Some(0), "allow"), "{err}");
    let bundle = f.latest_bundle();
    let b = bundle.to_str().unwrap();
    assert_eq!(
        ok(&writ(
            f.path(),
            &["verify", b, "--trust", "trust.keys", "--plan", "plan.json"]
        )),
        "VALID"
    );
    std::fs::write(
        f.path().join("other.keys"),
        ok(&writ(f.path(), &["keygen", "-o", "other.key"])),
    )
    .unwrap();
    let o = writ(
        f.path(),
        &["verify", b, "--trust", "other.keys", "--signature-only"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("no signature verifies against a trusted key")
    );
    // An edited bundle is invalid.
    let text = std::fs::read_to_string(&bundle).unwrap().replacen(
        "\"payload\": \"ey",
        "\"payload\": \"ez",
        1,
    );
    std::fs::write(f.path().join("edited.json"), text).unwrap();
    assert_eq!(
        writ(
            f.path(),
            &[
                "verify",
                "edited.json",
                "--trust",
                "trust.keys",
                "--signature-only"
            ]
        )
        .status
        .code(),
        Some(1)
    );
    // The ledger holds both decisions and verifies; an edit is caught.
    let out = ok(&writ(f.path(), &["ledger", "verify", "ev"]));
    assert!(out.contains("2 records, chain intact"), "{out}");
    let ledger = f.path().join("ev/ledger.jsonl");
    let text = std::fs::read_to_string(&ledger)
        .unwrap()
        .replacen("\"pending\"", "\"allow\"", 1);
    std::fs::write(&ledger, text).unwrap();
    let o = writ(f.path(), &["ledger", "verify", "ev"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("line 1"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn cli_refuses_agents_and_foreign_keys() {
    let f = Fixture::new();
    let d = f.path();
    let o = writ(
        d,
        &[
            "approve",
            "--change",
            "change.json",
            "--plan",
            "plan.json",
            "--key",
            "bot.key",
            "--as",
            "bot",
            "--evidence",
            "ev",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("agents never approve"));
    let o = writ(
        d,
        &[
            "approve",
            "--change",
            "change.json",
            "--plan",
            "plan.json",
            "--key",
            "sam.key",
            "--as",
            "ana",
            "--evidence",
            "ev",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not one of `ana`'s keys"));
}

/// Each attack, decided by the decision engine: the change is not allowed,
/// and the proof says why.
#[test]
fn approval_attacks_do_not_get_a_change_allowed() {
    type Attack = dyn Fn(&Fixture);
    let cases: &[(&str, &str, &Attack)] = &[
        (
            "signed by a key not of that person",
            "signature did not verify",
            &|f| f.plant("ana", "wen", "change.json"),
        ),
        ("by the author", "the author never approves", &|f| {
            f.plant("dev1", "dev1", "change.json")
        }),
        ("by an agent", "agents never approve", &|f| {
            f.plant("bot", "bot", "change.json")
        }),
        // Not an invalid approval, just not one that counts: the owners' approval stays missing.
        ("by someone outside the team", "", &|f| {
            f.plant("wen", "wen", "change.json")
        }),
        (
            "replayed from another change",
            "for another change: bound to change `PR-2`",
            &|f| {
                f.change(
                    "other.json",
                    "PR-2",
                    "4444444444444444444444444444444444444444",
                );
                f.plant("ana", "ana", "other.json");
            },
        ),
        ("stale after a new push", "stale: bound to digest", &|f| {
            f.change(
                "old.json",
                "PR-1",
                "5555555555555555555555555555555555555555",
            );
            f.plant("ana", "ana", "old.json");
        }),
    ];
    for (what, expected, attack) in cases {
        let f = Fixture::new();
        f.approve("sam");
        attack(&f);
        let (code, out, err) = f.run(&[]);
        assert_ne!(out, "allow", "{what}: {err}");
        assert_ne!(code, Some(0), "{what}");
        let proof = &f.statement()["predicate"]["decision"];
        let rejected = proof["rejected"].as_array().cloned().unwrap_or_default();
        let reasons = serde_json::to_string(&rejected).unwrap();
        assert!(
            reasons.contains(expected),
            "{what}: expected `{expected}` among {reasons}"
        );
        if expected.is_empty() {
            assert_eq!(out, "pending", "{what}");
            // a `missing` reason names its obligation by position
            let missing: Vec<&str> = proof["reasons"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["kind"] == "missing")
                .filter_map(|r| r["obligation"].as_u64())
                .filter_map(|i| proof["obligations"][i as usize]["id"].as_str())
                .collect();
            assert!(
                missing.iter().any(|id| id.contains("owners_review")),
                "{what}: {missing:?}"
            );
        }
        eprintln!(
            "{what}: {out}; rejected: {}",
            serde_json::to_string(&rejected).unwrap()
        );
    }
    // The same person twice counts once: two signatures by ana do not make two owners.
    let f = Fixture::new();
    f.approve("sam");
    f.approve("ana");
    f.plant("ana", "ana", "change.json");
    let (_, out, _) = f.run(&["--no-run"]);
    let appr = f.statement()["predicate"]["evidence"]["approvals"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(appr, 3);
    assert_eq!(
        out, "pending",
        "checks were not run, approvals are complete"
    );
}

/// The trust chain through the binary (issue #15): no plan trust, no
/// decision; an unverified plan is recorded and refused by `writ verify`; a
/// runner that signs an outcome the evidence does not give is caught by
/// re-derivation; `writ approve` refuses to sign for the author.
#[test]
fn trust_chain_attacks_through_the_binary() {
    let f = Fixture::new();
    let d = f.path();
    // No trust configured: `writ run` refuses before running or signing anything.
    // `writ run` with no trust configured anywhere (no --trust, no WRIT_TRUST).
    let run_untrusted = |extra: &[&str]| {
        Command::new(WRIT)
            .current_dir(d)
            .env_remove("WRIT_TRUST")
            .args([
                "run",
                "--plan",
                "plan.json",
                "--change",
                "change.json",
                "--evidence",
                "ev",
                "--key",
                "runner.key",
            ])
            .args(extra)
            .output()
            .unwrap()
    };
    let o = run_untrusted(&[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("E0705"));
    assert!(!d.join("ev/bundles").exists(), "nothing may be signed");

    // The loud flag runs it, and the bundle says the plan was not verified.
    let o = run_untrusted(&["--no-run", "--insecure-unsigned-plan"]);
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        f.statement()["predicate"]["plan"]["trust"]["verified"],
        false
    );
    let bundle = f.latest_bundle();
    let b = bundle.to_str().unwrap();
    let refused = writ(
        d,
        &["verify", b, "--trust", "trust.keys", "--plan", "plan.json"],
    );
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("did not verify"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    // A proper run: verified plan, and verify re-derives the same decision.
    let (code, _, err) = f.run(&["--no-run"]);
    assert_eq!(code, Some(3), "{err}");
    assert_eq!(
        f.statement()["predicate"]["plan"]["trust"]["verified"],
        true
    );
    let honest = f.latest_bundle();
    let o = writ(
        d,
        &[
            "verify",
            honest.to_str().unwrap(),
            "--trust",
            "trust.keys",
            "--plan",
            "plan.json",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("re-derived under the plan: pending"));

    // A runner that claims "allow" for the same evidence — signed with the
    // genuine runner key — is caught: the plan and evidence give pending.
    let mut statement = f.statement();
    statement["predicate"]["outcome"] = serde_json::json!("allow");
    statement["predicate"]["decision"]["outcome"] = serde_json::json!("allow");
    statement["predicate"]["decision"]["reasons"] = serde_json::json!([]);
    let key = writ_evidence::keys::read_private_key(&d.join("runner.key")).unwrap();
    std::fs::write(
        d.join("lying.json"),
        writ_evidence::bundle::sign_statement(&statement, &key),
    )
    .unwrap();
    let o = writ(
        d,
        &[
            "verify",
            "lying.json",
            "--trust",
            "trust.keys",
            "--plan",
            "plan.json",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("the runner claimed `allow`") && stderr.contains("`pending`"),
        "{stderr}"
    );
    // A bundle whose proof is of an older format (signed by the genuine
    // runner key) is not re-derived: a clear error, not a mismatch.
    let mut statement = f.statement();
    assert_eq!(
        statement["predicate"]["decision"]["format"],
        writ_runtime::proof::PROOF_FORMAT
    );
    statement["predicate"]["decision"]["format"] = serde_json::json!("writ.proof/v1");
    std::fs::write(
        d.join("old-format.json"),
        writ_evidence::bundle::sign_statement(&statement, &key),
    )
    .unwrap();
    let o = writ(
        d,
        &[
            "verify",
            "old-format.json",
            "--trust",
            "trust.keys",
            "--plan",
            "plan.json",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("the bundle's proof is in format `writ.proof/v1`"),
        "{stderr}"
    );
    // Without the plan, verify says it did not re-derive anything.
    let o = writ(
        d,
        &[
            "verify",
            "lying.json",
            "--trust",
            "trust.keys",
            "--signature-only",
        ],
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("not re-derived"));
    // And --plan is required otherwise.
    let o = writ(d, &["verify", "lying.json", "--trust", "trust.keys"]);
    assert_eq!(o.status.code(), Some(2));

    // `writ approve` refuses to sign an approval by the author (dev1).
    let o = f.try_approve("dev1", &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("never approves their own change"));
    // … and an approval that would not count: wen (team web) is not among
    // the people any approval of this change draws from.
    let o = f.try_approve("wen", &[]);
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("would not count"), "{stderr}");
    assert!(
        !std::fs::read_dir(d.join("ev/approvals")).unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with("wen")),
        "nothing signed"
    );
    // sam, signing the security sign-off this change needs, is not refused.
    let o = f.try_approve("sam", &["--chain", "policy::security_signoff"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
