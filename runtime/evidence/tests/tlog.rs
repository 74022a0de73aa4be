//! The transparency log against tampering: every rewrite of the ledger —
//! a middle record deleted, an outcome edited, the end truncated and the
//! head rewritten, each with the hash chain recomputed — is detected by the
//! signed checkpoint when the forger lacks the key, and against the
//! auditor's saved checkpoint (`since`) when the forger holds the key and
//! re-signs. Deleted or swapped bundles and proofs are detected too.

use ed25519_dalek::SigningKey;
use serde_json::{Value, json};
use std::path::Path;
use writ_evidence::ledger::{self, HEAD_FILE, LEDGER_FILE};
use writ_evidence::tlog::checkpoint::Checkpoint;
use writ_evidence::tlog::note::Note;
use writ_evidence::tlog::{self, CHECKPOINT_FILE, VerifyOptions};

fn key() -> SigningKey {
    SigningKey::from_bytes(&[42; 32])
}

/// A log of `n` decisions, each with a bundle and its proof sidecar.
fn log_with(n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..n {
        append(dir.path(), i, "allow");
    }
    dir
}

fn append(dir: &Path, i: usize, outcome: &str) {
    let name = format!("bundles/d{i}.intoto.json");
    let bytes = format!("{{\"bundle\":{i}}}");
    std::fs::create_dir_all(dir.join("bundles")).unwrap();
    std::fs::write(dir.join(&name), &bytes).unwrap();
    let entry = json!({
        "type": "writ.decision/v1",
        "outcome": outcome,
        "bundle": name,
        "bundle_digest": writ_evidence::sha256_digest(bytes.as_bytes()),
    });
    let proof = dir.join(format!("{name}.proof"));
    let a = tlog::append_signed(dir, &entry, &key(), Some(&proof)).unwrap();
    assert_eq!(a.appended.seq, i as u64);
}

fn verify(dir: &Path, since: Option<&[u8]>) -> Result<tlog::LogReport, String> {
    let trusted = [key().verifying_key()];
    tlog::verify_log(
        dir,
        VerifyOptions {
            trusted: Some(&trusted),
            since,
            skip_bundles: false,
        },
    )
    .map_err(|f| f.to_string())
}

fn entries(dir: &Path) -> Vec<Value> {
    ledger::verify(dir)
        .unwrap()
        .records
        .into_iter()
        .map(|r| r.entry)
        .collect()
}

/// Rewrites the ledger from `entries` with a valid hash chain and head,
/// as a forger without the key would.
fn forge_chain(dir: &Path, entries: &[Value]) {
    let mut bytes = Vec::new();
    let mut prev = ledger::GENESIS.to_string();
    for (seq, e) in entries.iter().enumerate() {
        let (line, digest) =
            ledger::record_line(seq as u64, &prev, "2026-01-01T00:00:00Z", e).unwrap();
        bytes.extend(line);
        prev = digest;
    }
    std::fs::write(dir.join(LEDGER_FILE), &bytes).unwrap();
    let head = json!({"seq": entries.len() - 1, "digest": prev});
    std::fs::write(dir.join(HEAD_FILE), format!("{head}\n")).unwrap();
}

/// Signs a checkpoint of the current ledger, as the key holder could.
fn forge_checkpoint(dir: &Path, key: &SigningKey) {
    let bytes = std::fs::read(dir.join(LEDGER_FILE)).unwrap();
    let tree = tlog::tree_of(&bytes);
    let cp = Checkpoint {
        origin: tlog::DEFAULT_ORIGIN.into(),
        size: tree.size(),
        root: tree.root(tree.size()).unwrap(),
        extensions: vec![],
    };
    let note = Note::sign(&cp.to_text(), tlog::DEFAULT_ORIGIN, key).unwrap();
    std::fs::write(dir.join(CHECKPOINT_FILE), note.to_text()).unwrap();
}

fn saved(dir: &Path) -> Vec<u8> {
    std::fs::read(dir.join(CHECKPOINT_FILE)).unwrap()
}

#[test]
fn a_signed_log_verifies_and_proves() {
    let dir = log_with(6);
    let old = saved(dir.path());
    append(dir.path(), 6, "deny");
    let r = verify(dir.path(), Some(&old)).unwrap();
    assert_eq!(
        (r.records, r.bundles, r.proofs, r.since),
        (7, 7, 7, Some(6))
    );
    let (size, origin, signers) = r.checkpoint.unwrap();
    assert_eq!((size, origin.as_str()), (7, tlog::DEFAULT_ORIGIN));
    assert_eq!(signers, vec![tlog::DEFAULT_ORIGIN.to_string()]);
    assert!(r.notes.is_empty(), "{:?}", r.notes);
    // A proof against the latest checkpoint, checked offline.
    let trusted = [key().verifying_key()];
    let bundle = std::fs::read(dir.path().join("bundles/d2.intoto.json")).unwrap();
    let proof = tlog::prove(dir.path(), 2).unwrap().to_bytes();
    let report = tlog::check_proof(&proof, &trusted, Some(&bundle)).unwrap();
    assert_eq!((report.index, report.size), (2, 7));
    // … only with the right bundle and the right key.
    let other = std::fs::read(dir.path().join("bundles/d3.intoto.json")).unwrap();
    let e = tlog::check_proof(&proof, &trusted, Some(&other)).unwrap_err();
    assert!(matches!(e, tlog::ProofError::OtherBundle { .. }), "{e:?}");
    assert!(e.to_string().contains("another bundle"), "{e}");
    let stranger = [SigningKey::from_bytes(&[1; 32]).verifying_key()];
    let e = tlog::check_proof(&proof, &stranger, None).unwrap_err();
    assert!(
        matches!(
            e,
            tlog::ProofError::Checkpoint(tlog::CheckpointRejected::NotByLog { .. })
        ),
        "{e:?}"
    );
    assert!(
        e.to_string().contains("no signature by a trusted key"),
        "{e}"
    );
    // An edited proof fails.
    let text = String::from_utf8(proof.clone()).unwrap();
    let edited = text.replacen("\"index\":2", "\"index\":3", 1);
    assert!(tlog::check_proof(edited.as_bytes(), &trusted, None).is_err());
    let edited = text.replacen("allow", "deny", 1);
    assert!(tlog::check_proof(edited.as_bytes(), &trusted, None).is_err());
    // Proofs are logarithmic.
    let p = tlog::InclusionProof::parse(&proof).unwrap();
    assert_eq!(p.hashes.len(), 3);
}

/// The three rewrites, each with the chain recomputed.
/// A named rewrite of a log.
type Rewrite = (&'static str, Box<dyn Fn(&Path)>);

fn rewrites() -> Vec<Rewrite> {
    vec![
        (
            "delete a middle record",
            Box::new(|d: &Path| {
                let mut e = entries(d);
                e.remove(2);
                forge_chain(d, &e);
            }),
        ),
        (
            "edit an outcome",
            Box::new(|d: &Path| {
                let mut e = entries(d);
                e[3]["outcome"] = json!("deny");
                forge_chain(d, &e);
            }),
        ),
        (
            "truncate and rewrite the head",
            Box::new(|d: &Path| {
                let e = entries(d);
                forge_chain(d, &e[..3]);
            }),
        ),
    ]
}

#[test]
fn rewrites_without_the_key_are_detected() {
    for (what, rewrite) in rewrites() {
        let dir = log_with(6);
        let old = saved(dir.path());
        rewrite(dir.path());
        // The hash chain alone is fooled …
        ledger::verify(dir.path()).unwrap_or_else(|e| panic!("{what}: chain {e}"));
        // … the signed checkpoint is not, with or without the saved one.
        let e = verify(dir.path(), None).unwrap_err();
        assert!(e.contains(CHECKPOINT_FILE), "{what}: {e}");
        assert!(verify(dir.path(), Some(&old)).is_err(), "{what}");
        // Nor is a checkpoint re-signed with another key.
        forge_checkpoint(dir.path(), &SigningKey::from_bytes(&[9; 32]));
        let e = verify(dir.path(), Some(&old)).unwrap_err();
        assert!(e.contains("no signature by a trusted key"), "{what}: {e}");
        // Removing the checkpoint does not help either.
        std::fs::remove_file(dir.path().join(CHECKPOINT_FILE)).unwrap();
        let e = verify(dir.path(), None).unwrap_err();
        assert!(e.contains("is missing"), "{what}: {e}");
    }
}

#[test]
fn rewrites_by_the_key_holder_fail_against_a_saved_checkpoint() {
    for (what, rewrite) in rewrites() {
        let dir = log_with(6);
        let old = saved(dir.path());
        rewrite(dir.path());
        forge_checkpoint(dir.path(), &key());
        // The bundles' sidecars still name the old records; remove them, as
        // a careful forger would, so only the saved checkpoint can tell.
        for i in 0..6 {
            let _ =
                std::fs::remove_file(dir.path().join(format!("bundles/d{i}.intoto.json.proof")));
        }
        verify(dir.path(), None)
            .unwrap_or_else(|e| panic!("{what}: the forgery should pass alone: {e}"));
        let e = verify(dir.path(), Some(&old)).unwrap_err();
        assert!(
            e.contains("not consistent with the saved checkpoint of 6 records"),
            "{what}: {e}"
        );
    }
}

#[test]
fn stale_sidecars_reveal_a_re_signed_rewrite_even_without_a_saved_checkpoint() {
    let dir = log_with(6);
    let mut e = entries(dir.path());
    e[1]["outcome"] = json!("deny");
    forge_chain(dir.path(), &e);
    forge_checkpoint(dir.path(), &key());
    let err = verify(dir.path(), None).unwrap_err();
    assert!(err.contains(".proof"), "{err}");
}

#[test]
fn deleted_or_swapped_bundles_and_proofs_are_detected() {
    let dir = log_with(4);
    std::fs::remove_file(dir.path().join("bundles/d1.intoto.json")).unwrap();
    let e = verify(dir.path(), None).unwrap_err();
    assert!(
        e.starts_with("line 2 ") && e.contains("deleted or moved"),
        "{e}"
    );

    let dir = log_with(4);
    let b = dir.path().join("bundles");
    std::fs::copy(b.join("d1.intoto.json"), b.join("d2.intoto.json")).unwrap();
    let e = verify(dir.path(), None).unwrap_err();
    assert!(
        e.starts_with("line 3 ") && e.contains("replaced or edited"),
        "{e}"
    );

    let dir = log_with(4);
    let b = dir.path().join("bundles");
    std::fs::copy(
        b.join("d1.intoto.json.proof"),
        b.join("d2.intoto.json.proof"),
    )
    .unwrap();
    let e = verify(dir.path(), None).unwrap_err();
    assert!(e.contains("not this record 2"), "{e}");
}

#[test]
fn an_unsigned_tail_is_a_note_for_one_record_and_an_error_beyond() {
    let dir = log_with(3);
    let cp = saved(dir.path());
    // A crash after the record, before the checkpoint.
    append(dir.path(), 3, "allow");
    std::fs::write(dir.path().join(CHECKPOINT_FILE), &cp).unwrap();
    let r = verify(dir.path(), None).unwrap();
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("record 3 is not yet covered")),
        "{:?}",
        r.notes
    );
    // Records appended without the key beyond that are refused.
    let last = ledger::verify(dir.path()).unwrap().records.pop().unwrap();
    let (line, digest) =
        ledger::record_line(4, &last.digest, "2026-01-01T00:00:00Z", &json!({})).unwrap();
    let mut bytes = std::fs::read(dir.path().join(LEDGER_FILE)).unwrap();
    bytes.extend(line);
    std::fs::write(dir.path().join(LEDGER_FILE), bytes).unwrap();
    let head = json!({"seq": 4, "digest": digest});
    std::fs::write(dir.path().join(HEAD_FILE), format!("{head}\n")).unwrap();
    let err = verify(dir.path(), None).unwrap_err();
    assert!(
        err.contains("not covered by the signed checkpoint"),
        "{err}"
    );
    // An honest append after a rewrite: with the tree's cached right edge it
    // signs the root of the records as they were, so the rewrite still fails
    // verification; without the cache it recomputes the tree and refuses.
    let dir = log_with(3);
    let mut e = entries(dir.path());
    e[0]["outcome"] = json!("deny");
    forge_chain(dir.path(), &e);
    tlog::append_signed(dir.path(), &json!({}), &key(), None).unwrap();
    let err = verify(dir.path(), None).unwrap_err();
    assert!(
        err.contains("no longer hash to the checkpoint's root"),
        "{err}"
    );
    let dir = log_with(3);
    let mut e = entries(dir.path());
    e[0]["outcome"] = json!("deny");
    forge_chain(dir.path(), &e);
    std::fs::remove_file(dir.path().join(tlog::TREE_FILE)).unwrap();
    let err = tlog::append_signed(dir.path(), &json!({}), &key(), None).unwrap_err();
    assert!(
        err.to_string()
            .contains("does not match its last signed checkpoint"),
        "{err}"
    );
}

#[test]
fn the_cached_tree_edge_and_the_full_tree_sign_the_same_roots() {
    // One log appended with the cache, one with the cache removed before
    // every append (the full tree each time): each checkpoint is its own
    // tree's root and every proof checks.
    let fast = log_with(9);
    let slow = tempfile::tempdir().unwrap();
    for i in 0..9 {
        let _ = std::fs::remove_file(slow.path().join(tlog::TREE_FILE));
        append(slow.path(), i, "allow");
    }
    for d in [fast.path(), slow.path()] {
        let bytes = std::fs::read(d.join(LEDGER_FILE)).unwrap();
        let tree = tlog::tree_of(&bytes);
        let text = String::from_utf8(saved(d)).unwrap();
        let cp = Checkpoint::parse(&format!("{}\n", text.split("\n\n").next().unwrap())).unwrap();
        assert_eq!((cp.size, cp.root), (9, tree.root(9).unwrap()));
        for i in 0..9u64 {
            let p = std::fs::read(d.join(format!("bundles/d{i}.intoto.json.proof"))).unwrap();
            tlog::check_proof(&p, &[key().verifying_key()], None).unwrap();
        }
        verify(d, None).unwrap();
    }
}

#[test]
fn malformed_checkpoints_and_proofs_are_errors_not_panics() {
    let dir = log_with(2);
    let trusted = [key().verifying_key()];
    for bad in [
        &b""[..],
        b"garbage",
        b"writ-ledger\n2\n\n\xe2\x80\x94 writ-ledger AAAA\n",
        b"writ-ledger\nxx\nAAAA\n\n\xe2\x80\x94 writ-ledger AAAAAAAAAAAA\n",
        b"\xff\xfe\n\n",
    ] {
        std::fs::write(dir.path().join(CHECKPOINT_FILE), bad).unwrap();
        assert!(verify(dir.path(), None).is_err());
        assert!(verify(dir.path(), Some(bad)).is_err());
        assert!(tlog::check_proof(bad, &trusted, None).is_err());
    }
    for bad in [
        "{}",
        "{\"type\":\"writ.inclusion-proof/v1\",\"index\":0,\"record\":\"x\",\"hashes\":[],\"checkpoint\":\"\"}",
        "{\"type\":\"other\",\"index\":0,\"record\":\"\",\"hashes\":[\"!\"],\"checkpoint\":\"\"}",
    ] {
        assert!(tlog::check_proof(bad.as_bytes(), &trusted, None).is_err());
    }
}
