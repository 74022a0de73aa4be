//! Benchmark: the decision log's append and verify cost at 10,000 and
//! 1,000,000 records (`WRIT_BENCH_SIZES=10000,100000` to choose), and the
//! size and cost of inclusion and consistency proofs.
//!
//! Each size builds a ledger of decision records shaped like `writ run`'s
//! (about 480 bytes a line) with its head and a signed checkpoint, then
//! measures, as min and median of a few runs:
//! - *append*: one `tlog::append_signed` (lock, read, fsynced write, head,
//!   tree recomputed, checkpoint signed and written, proof written);
//! - *verify*: `tlog::verify_log` with a trusted key and an auditor's saved
//!   checkpoint at half the size (chain, every record parsed, tree, checkpoint
//!   signature, consistency); bundles are not read (their cost is one file
//!   read and hash each, plus a signature check per proof sidecar);
//! - *prove*: `tlog::prove` (verifies the ledger first, so linear) and the
//!   in-memory proof alone, with the number of hashes in it;
//! - *check-proof*: `tlog::check_proof`, what an auditor runs offline.
//!
//! Run: `cargo bench -p writ-evidence --bench tlog`.

use ed25519_dalek::SigningKey;
use serde_json::json;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};
use writ_evidence::ledger;
use writ_evidence::tlog::checkpoint::Checkpoint;
use writ_evidence::tlog::note::Note;
use writ_evidence::tlog::{self, VerifyOptions};

fn entry(i: u64) -> serde_json::Value {
    let h = writ_plan::sha256_hex(&i.to_le_bytes());
    json!({
        "type": "writ.decision/v1",
        "change_id": format!("PR-{i}"),
        "change_digest": format!("sha256:{h}"),
        "plan_digest": "sha256:5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        "outcome": if i % 3 == 0 { "deny" } else { "allow" },
        "bundle": format!("bundles/PR-{i}-1767225600-{}.intoto.json", &h[..12]),
        "bundle_digest": format!("sha256:{h}"),
        "vsa": null,
    })
}

fn signed_checkpoint(tree: &tlog::merkle::Tree, size: u64, key: &SigningKey) -> Vec<u8> {
    let cp = Checkpoint {
        origin: tlog::DEFAULT_ORIGIN.into(),
        size,
        root: tree.root(size).unwrap(),
        extensions: vec![],
    };
    Note::sign(&cp.to_text(), tlog::DEFAULT_ORIGIN, key)
        .unwrap()
        .to_text()
        .into_bytes()
}

/// Writes a ledger of `n` records with its head and checkpoint; returns the
/// auditor's checkpoint at `n / 2`.
fn build(dir: &Path, n: u64, key: &SigningKey) -> Vec<u8> {
    let file = std::fs::File::create(dir.join(ledger::LEDGER_FILE)).unwrap();
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let mut prev = ledger::GENESIS.to_string();
    let mut tree = tlog::merkle::Tree::new();
    for i in 0..n {
        let (line, digest) =
            ledger::record_line(i, &prev, "2026-01-01T00:00:00Z", &entry(i)).unwrap();
        tree.push(tlog::merkle::leaf_hash(&line[..line.len() - 1]));
        out.write_all(&line).unwrap();
        prev = digest;
    }
    out.flush().unwrap();
    let head = json!({"seq": n - 1, "digest": prev});
    std::fs::write(dir.join(ledger::HEAD_FILE), format!("{head}\n")).unwrap();
    std::fs::write(
        dir.join(tlog::CHECKPOINT_FILE),
        signed_checkpoint(&tree, n, key),
    )
    .unwrap();
    signed_checkpoint(&tree, n / 2, key)
}

fn measure<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, Duration, T) {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        last = Some(f());
        times.push(t.elapsed());
    }
    times.sort();
    (times[0], times[times.len() / 2], last.unwrap())
}

fn show(what: &str, (min, median): (Duration, Duration)) {
    println!("  {what:<44} min {min:>10.2?}  median {median:>10.2?}");
}

fn main() {
    let sizes: Vec<u64> = std::env::var("WRIT_BENCH_SIZES")
        .unwrap_or_else(|_| "10000,1000000".into())
        .split(',')
        .map(|s| s.trim().parse().expect("a size"))
        .collect();
    let key = SigningKey::from_bytes(&[7; 32]);
    let trusted = [key.verifying_key()];
    for n in sizes {
        let dir = tempfile::tempdir().unwrap();
        let t = Instant::now();
        let saved = build(dir.path(), n, &key);
        let bytes = std::fs::metadata(dir.path().join(ledger::LEDGER_FILE))
            .unwrap()
            .len();
        println!(
            "{n} records ({:.1} MB ledger), built in {:.2?}",
            bytes as f64 / 1e6,
            t.elapsed()
        );
        let runs = if n >= 1_000_000 { 3 } else { 7 };
        let mut i = n;
        let (min, med, _) = measure(runs, || {
            let proof = dir.path().join(format!("p{i}.proof"));
            let r = tlog::append_signed(dir.path(), &entry(i), &key, Some(&proof)).unwrap();
            i += 1;
            r
        });
        show("append (record + checkpoint + proof)", (min, med));
        let (min, med, report) = measure(runs, || {
            tlog::verify_log(
                dir.path(),
                VerifyOptions {
                    trusted: Some(&trusted),
                    since: Some(&saved),
                    skip_bundles: true,
                },
            )
            .unwrap()
        });
        assert_eq!(report.since, Some(n / 2));
        show("verify (chain, tree, signature, consistency)", (min, med));
        let (min, med, proof) = measure(runs, || tlog::prove(dir.path(), n / 3).unwrap());
        show("prove via the CLI path (verifies first)", (min, med));
        let all = std::fs::read(dir.path().join(ledger::LEDGER_FILE)).unwrap();
        let (min, med, tree) = measure(runs, || tlog::tree_of(&all));
        show("tree from the ledger bytes (hash every line)", (min, med));
        let size = tree.size();
        let (min, med, path) = measure(101, || tree.inclusion_proof(n / 3, size).unwrap());
        show(
            &format!("inclusion proof alone ({} hashes)", path.len()),
            (min, med),
        );
        let (min, med, c) = measure(101, || tree.consistency_proof(n / 2, size).unwrap());
        show(
            &format!("consistency proof alone ({} hashes)", c.len()),
            (min, med),
        );
        let proof_bytes = proof.to_bytes();
        let (min, med, _) = measure(101, || {
            tlog::check_proof(&proof_bytes, &trusted, None).unwrap()
        });
        show(
            &format!("check-proof offline ({} bytes)", proof_bytes.len()),
            (min, med),
        );
    }
}
