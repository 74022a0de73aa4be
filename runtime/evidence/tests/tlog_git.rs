//! The log shared through git: parallel appenders (separate processes, each
//! with its own evidence folder and key) against one real bare repository;
//! then one verification of the ref's history and the final log.

use ed25519_dalek::SigningKey;
use serde_json::json;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;
use writ_evidence::tlog::CheckpointRejected;
use writ_evidence::tlog::git::{self, Remote};
use writ_evidence::tlog::{self, VerifyOptions};

const APPENDERS: u64 = 8;

fn key(i: u64) -> SigningKey {
    SigningKey::from_bytes(&[i as u8 + 1; 32])
}

fn remote(bare: &Path) -> Remote {
    Remote {
        url: bare.display().to_string(),
        git_ref: git::DEFAULT_REF.to_string(),
    }
}

/// One decision: a bundle (unique bytes) and its record, then a push.
fn decide_and_push(dir: &Path, bare: &Path, runner: u64, n: u64) {
    let name = format!("bundles/r{runner}-{n}.intoto.json");
    let bytes = format!("{{\"runner\":{runner},\"n\":{n}}}");
    std::fs::create_dir_all(dir.join("bundles")).unwrap();
    std::fs::write(dir.join(&name), &bytes).unwrap();
    let entry = json!({
        "type": "writ.decision/v1",
        "runner": runner,
        "n": n,
        "outcome": "allow",
        "bundle": name,
        "bundle_digest": writ_evidence::sha256_digest(bytes.as_bytes()),
    });
    let proof = dir.join(format!("{name}.proof"));
    tlog::append_signed(dir, &entry, &key(runner), Some(&proof)).unwrap();
    git::push(dir, &remote(bare), &key(runner)).unwrap();
}

/// The child side: appends and pushes `WRIT_TLOG_GIT_N` decisions. Does
/// nothing unless run by the parent.
#[test]
fn tlog_git_appender_child() {
    let Ok(runner) = std::env::var("WRIT_TLOG_GIT_RUNNER") else {
        return;
    };
    let runner: u64 = runner.parse().unwrap();
    let n: u64 = std::env::var("WRIT_TLOG_GIT_N").unwrap().parse().unwrap();
    let bare = PathBuf::from(std::env::var("WRIT_TLOG_GIT_BARE").unwrap());
    let dir = PathBuf::from(std::env::var("WRIT_TLOG_GIT_DIR").unwrap());
    for i in 0..n {
        decide_and_push(&dir, &bare, runner, i);
        let mut out = std::io::stdout().lock();
        writeln!(out, "pushed {runner} {i}").unwrap();
        out.flush().unwrap();
    }
}

fn bare_repo(root: &Path) -> PathBuf {
    let bare = root.join("shared.git");
    let ok = Command::new("git")
        .args(["init", "--bare", "-q"])
        .arg(&bare)
        .status()
        .unwrap()
        .success();
    assert!(ok);
    bare
}

#[test]
fn parallel_appenders_share_one_linear_log() {
    let per: u64 = std::env::var("WRIT_TLOG_GIT_PER").map_or(10, |v| v.parse().unwrap());
    let root = tempfile::tempdir().unwrap();
    let bare = bare_repo(root.path());
    let exe = std::env::current_exe().unwrap();
    let start = Instant::now();
    let children: Vec<_> = (0..APPENDERS)
        .map(|r| {
            Command::new(&exe)
                .args([
                    "--exact",
                    "tlog_git_appender_child",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env("WRIT_TLOG_GIT_RUNNER", r.to_string())
                .env("WRIT_TLOG_GIT_N", per.to_string())
                .env("WRIT_TLOG_GIT_BARE", &bare)
                .env("WRIT_TLOG_GIT_DIR", root.path().join(format!("runner-{r}")))
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "an appender failed: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let appended = start.elapsed();
    // One verification: linear history, every checkpoint signed by a runner
    // and consistent with the next, then the final log in a fresh folder.
    let trusted: Vec<_> = (0..APPENDERS).map(|r| key(r).verifying_key()).collect();
    let h = git::verify_history(&bare, git::DEFAULT_REF, &trusted).unwrap();
    let total = APPENDERS * per;
    assert_eq!(h.records, total);
    assert!(h.commits as u64 >= total / 2, "{} commits", h.commits);
    assert_eq!(*h.sizes.last().unwrap(), total);
    let fresh = root.path().join("auditor");
    let pulled = git::pull(&fresh, &remote(&bare), Some(&trusted)).unwrap();
    assert!(pulled.contains("history checked"), "{pulled}");
    let r = tlog::verify_log(
        &fresh,
        VerifyOptions {
            trusted: Some(&trusted),
            since: None,
            skip_bundles: false,
        },
    )
    .unwrap();
    assert_eq!((r.records, r.bundles, r.proofs), (total, total, total));
    // Every decision exactly once.
    let records = writ_evidence::ledger::verify(&fresh).unwrap().records;
    let seen: BTreeSet<(u64, u64)> = records
        .iter()
        .map(|r| {
            (
                r.entry["runner"].as_u64().unwrap(),
                r.entry["n"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(seen.len() as u64, total, "a decision was duplicated");
    for runner in 0..APPENDERS {
        for n in 0..per {
            assert!(seen.contains(&(runner, n)), "decision {runner}/{n} lost");
        }
    }
    eprintln!(
        "{APPENDERS} appenders x {per} decisions: {total} records in {} commits, appended in {:.1?}, verified in {:.1?}",
        h.commits,
        appended,
        start.elapsed() - appended
    );
}

#[test]
fn a_rewritten_shared_log_is_refused_by_runners() {
    let root = tempfile::tempdir().unwrap();
    let bare = bare_repo(root.path());
    let a = root.path().join("a");
    for i in 0..3 {
        decide_and_push(&a, &bare, 0, i);
    }
    // Someone with the key rewrites the shared ref (a forced push): a new
    // log whose first record differs.
    let evil = root.path().join("evil");
    decide_and_push(&evil, &bare, 0, 99);
    let out = Command::new("git")
        .arg("--git-dir")
        .arg(evil.join(git::CACHE_DIR))
        .args(["push", "--quiet", "--force"])
        .arg(&bare)
        .arg(format!("{}:{}", "refs/writ/fetched", git::DEFAULT_REF))
        .output()
        .unwrap();
    // (the evil folder's cache tracks the real log; rebuild a divergent one)
    let _ = out;
    let evil2 = root.path().join("evil2");
    let other = tempfile::tempdir().unwrap();
    let bare2 = bare_repo(other.path());
    decide_and_push(&evil2, &bare2, 0, 7);
    let forced = Command::new("git")
        .arg("--git-dir")
        .arg(&bare2)
        .args(["push", "--quiet", "--force"])
        .arg(&bare)
        .arg(format!("{0}:{0}", git::DEFAULT_REF))
        .output()
        .unwrap();
    assert!(
        forced.status.success(),
        "{}",
        String::from_utf8_lossy(&forced.stderr)
    );
    let e = git::pull(&a, &remote(&bare), None).unwrap_err();
    assert!(
        matches!(
            e,
            git::SyncError::Rewritten(CheckpointRejected::Truncated { .. })
        ),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .contains("rewritten since this folder last synced"),
        "{e}"
    );
    let e = git::push(&a, &remote(&bare), &key(0)).unwrap_err();
    assert!(matches!(e, git::SyncError::Rewritten(_)), "{e:?}");
    assert!(e.to_string().contains("rewritten"), "{e}");
}

/// The child side of the crash test: decides and pushes until killed,
/// printing each decision whose push returned (acknowledged).
#[test]
fn tlog_git_crash_child() {
    let Ok(dir) = std::env::var("WRIT_TLOG_CRASH_DIR") else {
        return;
    };
    let dir = PathBuf::from(dir);
    let bare = PathBuf::from(std::env::var("WRIT_TLOG_GIT_BARE").unwrap());
    let pid = u64::from(std::process::id());
    for i in 0.. {
        decide_and_push(&dir, &bare, pid, i);
        let mut out = std::io::stdout().lock();
        writeln!(out, "acked {pid} {i}").unwrap();
        out.flush().unwrap();
    }
}

#[test]
fn git_backed_appends_survive_sigkill_at_random_points() {
    let root = tempfile::tempdir().unwrap();
    let bare = bare_repo(root.path());
    let dir = root.path().join("runner");
    let exe = std::env::current_exe().unwrap();
    // One key for every child process (decide_and_push signs with key(runner)
    // = key(pid)); trust whichever signed.
    let mut acked: Vec<(u64, u64)> = Vec::new();
    let mut rng: u64 = 0x9E37_79B9_7F4A_7C15 ^ u64::from(std::process::id());
    let rounds = 10;
    for round in 0..rounds {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "tlog_git_crash_child",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("WRIT_TLOG_CRASH_DIR", &dir)
            .env("WRIT_TLOG_GIT_BARE", &bare)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            use std::io::BufRead;
            let mut out = Vec::new();
            let mut r = std::io::BufReader::new(stdout);
            let mut line = Vec::new();
            while r.read_until(b'\n', &mut line).unwrap_or(0) > 0 {
                // Only whole lines: a line cut by the kill was not acknowledged.
                if line.ends_with(b"\n") {
                    let text = String::from_utf8_lossy(&line);
                    if let Some(rest) = text.strip_prefix("acked ") {
                        let mut p = rest.split_whitespace();
                        let a: (u64, u64) = (
                            p.next().unwrap().parse().unwrap(),
                            p.next().unwrap().parse().unwrap(),
                        );
                        out.push(a);
                        let _ = tx.send(a);
                    }
                }
                line.clear();
            }
            out
        });
        // Half the rounds kill anywhere from start-up to the first pushes;
        // the others wait for one acknowledged push (the machine may be
        // slow), then kill at a random point of the next append and push.
        if round % 2 == 0 {
            std::thread::sleep(std::time::Duration::from_millis(50 + rng % 1500));
        } else {
            let _ = rx.recv_timeout(std::time::Duration::from_secs(90));
            std::thread::sleep(std::time::Duration::from_millis(rng % 800));
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        acked.extend(reader.join().unwrap());
        // After every crash the local folder's log verifies (without keys:
        // each child signs with its own), and so does the shared ref.
        if dir.join(writ_evidence::ledger::LEDGER_FILE).exists() {
            tlog::verify_log(&dir, VerifyOptions::default())
                .unwrap_or_else(|e| panic!("the local log after a SIGKILL: {e}"));
        }
    }
    // The runner comes back once more and pushes what it holds.
    git::push(&dir, &remote(&bare), &key(0)).unwrap();
    let fresh = root.path().join("auditor");
    git::pull(&fresh, &remote(&bare), None).unwrap();
    let r = tlog::verify_log(&fresh, VerifyOptions::default()).unwrap();
    let records = writ_evidence::ledger::verify(&fresh).unwrap().records;
    let held: Vec<(u64, u64)> = records
        .iter()
        .map(|r| {
            (
                r.entry["runner"].as_u64().unwrap(),
                r.entry["n"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        acked.len() >= 5,
        "too few pushes to mean anything: {}",
        acked.len()
    );
    for a in &acked {
        assert_eq!(
            held.iter().filter(|h| *h == a).count(),
            1,
            "acknowledged decision {a:?} lost or duplicated"
        );
    }
    let unique: BTreeSet<_> = held.iter().collect();
    assert_eq!(unique.len(), held.len(), "a decision was recorded twice");
    eprintln!(
        "{} decisions acknowledged across {rounds} SIGKILLs; shared log {} records ({} bundles)",
        acked.len(),
        r.records,
        r.bundles
    );
}
