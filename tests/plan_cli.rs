//! `writ plan` and `writ plan verify` through the real binary: byte-identical
//! plans across processes (different hash seeds) and working directories, and
//! every kind of tampering refused.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn writ(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_writ"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("writ runs")
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart")
}

fn compile(dir: &Path, out: &str, extra: &[&str]) -> (Vec<u8>, String) {
    let ex = example();
    let policy = ex.to_str().unwrap();
    let graph = ex.join("graph.json");
    let mut args = vec![
        "plan",
        "--policy",
        policy,
        "--graph",
        graph.to_str().unwrap(),
        "-o",
        out,
    ];
    args.extend_from_slice(extra);
    let o = writ(dir, &args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let digest = String::from_utf8(o.stdout).unwrap().trim().to_string();
    (std::fs::read(dir.join(out)).unwrap(), digest)
}

#[test]
fn plans_are_identical_across_processes_and_directories() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    std::fs::create_dir(b.path().join("nested")).unwrap();
    let (bytes_a, digest_a) = compile(a.path(), "plan.json", &[]);
    let (bytes_b, digest_b) = compile(&b.path().join("nested"), "p.json", &[]);
    assert_eq!(bytes_a, bytes_b);
    assert_eq!(digest_a, digest_b);
    assert!(digest_a.starts_with("sha256:"), "{digest_a}");
}

fn verify(dir: &Path, plan: &str, trust: &str) -> (bool, String) {
    let o = writ(dir, &["plan", "verify", plan, "--trust", trust]);
    let stdout = String::from_utf8_lossy(&o.stdout).to_string();
    let stderr = String::from_utf8_lossy(&o.stderr).to_string();
    match o.status.code() {
        Some(0) => {
            assert_eq!(stdout.trim(), "VALID");
            (true, stderr)
        }
        Some(1) => {
            assert_eq!(stdout.trim(), "INVALID");
            (false, stderr)
        }
        other => panic!("unexpected exit {other:?}: {stderr}"),
    }
}

#[test]
fn signed_plans_verify_and_tampering_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (key, trust) in [("sec.key", "trusted.keys"), ("other.key", "other.keys")] {
        let o = writ(d, &["keygen", "-o", key]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        std::fs::write(d.join(trust), &o.stdout).unwrap();
    }
    let (bytes, digest) = compile(d, "plan.json", &["--sign", "sec.key"]);
    let (ok, msg) = verify(d, "plan.json", "trusted.keys");
    assert!(ok, "{msg}");
    assert!(msg.contains(&digest), "{msg}");

    // Signed, but not by a trusted key.
    let (ok, msg) = verify(d, "plan.json", "other.keys");
    assert!(!ok);
    assert!(
        msg.contains("E0705") && msg.contains("trusted key"),
        "{msg}"
    );

    // One byte added: not canonical any more.
    let sig = std::fs::read(d.join("plan.json.sig")).unwrap();
    let mut spaced = bytes.clone();
    spaced.insert(1, b' ');
    std::fs::write(d.join("spaced.json"), &spaced).unwrap();
    std::fs::write(d.join("spaced.json.sig"), &sig).unwrap();
    let (ok, msg) = verify(d, "spaced.json", "trusted.keys");
    assert!(!ok);
    assert!(msg.contains("E0703"), "{msg}");

    // Content edited but well formed: another plan, the signature does not cover it.
    let edited = String::from_utf8(bytes.clone())
        .unwrap()
        .replace("policy::owners", "policy::ownerz");
    std::fs::write(d.join("edited.json"), edited).unwrap();
    std::fs::write(d.join("edited.json.sig"), &sig).unwrap();
    let (ok, msg) = verify(d, "edited.json", "trusted.keys");
    assert!(!ok);
    assert!(msg.contains("not for this plan"), "{msg}");

    // Truncated.
    std::fs::write(d.join("cut.json"), &bytes[..bytes.len() / 3]).unwrap();
    std::fs::write(d.join("cut.json.sig"), &sig).unwrap();
    let (ok, msg) = verify(d, "cut.json", "trusted.keys");
    assert!(!ok);
    assert!(msg.contains("E0701") && msg.contains("truncated"), "{msg}");

    // No signature at all.
    std::fs::write(d.join("unsigned.json"), &bytes).unwrap();
    let (ok, msg) = verify(d, "unsigned.json", "trusted.keys");
    assert!(!ok);
    assert!(msg.contains("no readable signature"), "{msg}");
}

#[test]
fn a_policy_with_errors_writes_no_plan() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.writ"),
        "rule a {\n  require check \"nope\" on node \"ghost\"\n}\n",
    )
    .unwrap();
    let graph = example().join("graph.json");
    let o = writ(
        dir.path(),
        &[
            "plan",
            "--policy",
            ".",
            "--graph",
            graph.to_str().unwrap(),
            "-o",
            "plan.json",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("E0401") && stderr.contains("E0407"),
        "{stderr}"
    );
    assert!(!dir.path().join("plan.json").exists());
}

#[test]
fn eval_refuses_plans_not_signed_by_a_trusted_key_when_trust_is_configured() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = writ(d, &["keygen", "-o", "sec.key"]);
    std::fs::write(d.join("trusted.keys"), &o.stdout).unwrap();
    compile(d, "signed.json", &["--sign", "sec.key"]);
    compile(d, "unsigned.json", &[]);
    let change = r#"{"version": 1, "id": "c1", "base": "a", "head": "b",
        "author": {"id": "dev1", "name": "Dev", "email": "dev1@example.com", "kind": "human"},
        "files": [{"path": "docs/intro.md", "status": "modified"}],
        "labels": [], "emergency": false, "timestamp": "2026-03-01T10:00:00Z"}"#;
    std::fs::write(d.join("change.json"), change).unwrap();
    let eval_with = |plan: &str, trust: Option<&str>, extra: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_writ"));
        cmd.current_dir(d)
            .env("NO_COLOR", "1")
            .env_remove("WRIT_TRUST");
        cmd.args([
            "eval",
            "--plan",
            plan,
            "--change",
            "change.json",
            "--format",
            "json",
        ]);
        cmd.args(extra);
        if let Some(t) = trust {
            cmd.env("WRIT_TRUST", t);
        }
        cmd.output().unwrap()
    };
    let eval = |plan: &str, trust: Option<&str>| eval_with(plan, trust, &[]);
    // Trust is never optional: without keys, even a signed plan is refused.
    for plan in ["unsigned.json", "signed.json"] {
        let refused = eval(plan, None);
        assert_eq!(refused.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(
            stderr.contains("E0705") && stderr.contains("--trust"),
            "{stderr}"
        );
    }
    // An empty WRIT_TRUST is an error, not "no trust".
    let empty = eval("unsigned.json", Some(""));
    assert_eq!(empty.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&empty.stderr).contains("WRIT_TRUST is set but empty"));
    // The loud flag decides (pending: the docs owners have not approved yet),
    // warns, and records the unverified plan in the proof.
    let insecure = eval_with("unsigned.json", None, &["--insecure-unsigned-plan"]);
    assert_eq!(insecure.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&insecure.stderr).contains("INSECURE"));
    let proof: serde_json::Value = serde_json::from_slice(&insecure.stdout).unwrap();
    assert_eq!(proof["plan"]["trust"]["verified"], false);
    assert_eq!(
        proof["plan"]["trust"]["insecure"],
        "--insecure-unsigned-plan"
    );
    // With trust configured (here through WRIT_TRUST), only signed plans are.
    let refused = eval("unsigned.json", Some("trusted.keys"));
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("E0705"));
    let accepted = eval("signed.json", Some("trusted.keys"));
    assert_eq!(
        accepted.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&accepted.stderr)
    );
    assert!(String::from_utf8_lossy(&accepted.stderr).contains("signed by trusted key"));
    let proof: serde_json::Value = serde_json::from_slice(&accepted.stdout).unwrap();
    assert_eq!(proof["plan"]["trust"]["verified"], true);
}

#[test]
fn expired_and_rolled_back_plan_signatures_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = writ(d, &["keygen", "-o", "sec.key"]);
    std::fs::write(d.join("trusted.keys"), &o.stdout).unwrap();
    compile(d, "plan.json", &["--sign", "sec.key", "--expires", "1d"]);
    let verify = |d: &Path| {
        writ(
            d,
            &["plan", "verify", "plan.json", "--trust", "trusted.keys"],
        )
    };
    let ok = verify(d);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stderr).contains("expires at"));
    // Pushing the expiry back in the signature file breaks the signature.
    let sig_path = d.join("plan.json.sig");
    let mut sig: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&sig_path).unwrap()).unwrap();
    let issued = sig["issued_at"].as_i64().unwrap();
    sig["expires_at"] = serde_json::json!(issued + 400 * 86_400);
    std::fs::write(&sig_path, serde_json::to_vec(&sig).unwrap()).unwrap();
    let forged = verify(d);
    assert_eq!(forged.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&forged.stderr).contains("E0705"));
    // A genuine signature whose window has passed is refused with E0706:
    // signed (by the same trusted key) as issued two days ago, valid for one.
    let plan_bytes = std::fs::read(d.join("plan.json")).unwrap();
    let plan = writ_plan::load(writ_diagnostics::FileId(0), &plan_bytes).unwrap();
    let key = writ_plan::signature::parse_signing_key(
        &std::fs::read_to_string(d.join("sec.key")).unwrap(),
    )
    .unwrap();
    let now = writ_runtime::system_now();
    let old =
        writ_plan::signature::sign(&plan.digest(), &key, now - 2 * 86_400, Some(now - 86_400));
    std::fs::write(&sig_path, serde_json::to_vec(&old).unwrap()).unwrap();
    let expired = verify(d);
    assert_eq!(expired.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&expired.stderr);
    assert!(
        stderr.contains("E0706") && stderr.contains("expired"),
        "{stderr}"
    );
    // eval refuses it too, before deciding anything.
    std::fs::write(
        d.join("change.json"),
        r#"{"version": 1, "id": "c1", "base": "a", "head": "b",
        "author": {"id": "dev1", "name": "Dev", "email": "dev1@example.com", "kind": "human"},
        "files": [{"path": "docs/intro.md", "status": "modified"}],
        "labels": [], "emergency": false, "timestamp": "2026-03-01T10:00:00Z"}"#,
    )
    .unwrap();
    let eval = writ(
        d,
        &[
            "eval",
            "--plan",
            "plan.json",
            "--change",
            "change.json",
            "--trust",
            "trusted.keys",
        ],
    );
    assert_eq!(eval.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&eval.stderr).contains("E0706"));
}

/// `writ eval` through the prepared-plan cache: the run that writes it, the
/// run that reads it and a run without it print the same proof; a damaged
/// cache is reported, refused and rewritten; `--no-plan-cache` touches none.
#[test]
fn eval_decides_the_same_through_the_prepared_plan_cache() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = writ(d, &["keygen", "-o", "sec.key"]);
    std::fs::write(d.join("trusted.keys"), &o.stdout).unwrap();
    let (_, digest) = compile(d, "plan.json", &["--sign", "sec.key"]);
    let change = r#"{"version": 1, "id": "c1", "base": "a", "head": "b",
        "author": {"id": "dev1", "name": "Dev", "email": "dev1@example.com", "kind": "human"},
        "files": [{"path": "payments/src/pay.rs", "status": "modified"}],
        "labels": [], "emergency": false, "timestamp": "2026-03-01T10:00:00Z"}"#;
    std::fs::write(d.join("change.json"), change).unwrap();
    let cache = d.join("cache");
    let eval = |extra: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_writ"))
            .current_dir(d)
            .env("NO_COLOR", "1")
            .env("WRIT_CACHE_DIR", &cache)
            .args(["eval", "--plan", "plan.json", "--change", "change.json"])
            .args(["--trust", "trusted.keys", "--format", "json"])
            .args(["--now", "2026-03-02T00:00:00Z"])
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(3),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        (o.stdout, String::from_utf8_lossy(&o.stderr).into_owned())
    };
    let (without, _) = eval(&["--no-plan-cache"]);
    assert!(!cache.exists(), "--no-plan-cache writes nothing");
    let (building, _) = eval(&[]);
    let file = cache.join(format!(
        "{}.prepared",
        digest.strip_prefix("sha256:").unwrap()
    ));
    assert!(file.is_file(), "the cache is named by the plan digest");
    let (reading, stderr) = eval(&[]);
    assert!(!stderr.contains("prepared-plan cache"), "{stderr}");
    assert_eq!(building, without);
    assert_eq!(reading, without);
    let mut damaged = std::fs::read(&file).unwrap();
    let last = damaged.len() - 1;
    damaged[last] ^= 1;
    std::fs::write(&file, &damaged).unwrap();
    let (after, stderr) = eval(&[]);
    assert!(
        stderr.contains("prepared-plan cache was refused and rebuilt")
            && stderr.contains("recorded digest"),
        "{stderr}"
    );
    assert_eq!(after, without);
    assert_ne!(std::fs::read(&file).unwrap(), damaged, "rewritten");

    // Without WRIT_CACHE_DIR there is no cache: nothing is read from or
    // written to a default folder the code under test could also write.
    let home = d.join("home");
    std::fs::create_dir(&home).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_writ"))
        .current_dir(d)
        .env("NO_COLOR", "1")
        .env_remove("WRIT_CACHE_DIR")
        .env("HOME", &home)
        .env("XDG_CACHE_HOME", home.join("xdg"))
        .args(["eval", "--plan", "plan.json", "--change", "change.json"])
        .args(["--trust", "trusted.keys", "--format", "json"])
        .args(["--now", "2026-03-02T00:00:00Z"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(o.stdout, without);
    assert_eq!(
        std::fs::read_dir(&home).unwrap().count(),
        0,
        "no cache without WRIT_CACHE_DIR"
    );
}
