//! Ledger tests: tampering is detected and located; appends survive SIGKILL.

use serde_json::json;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;
use writ_evidence::ledger::{self, HEAD_FILE, LEDGER_FILE};

fn ledger_with(n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..n {
        let a = ledger::append(dir.path(), &json!({"decision": "allow", "n": i})).unwrap();
        assert_eq!(a.seq, i as u64);
    }
    dir
}

fn lines(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join(LEDGER_FILE))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn write_lines(dir: &Path, lines: &[String]) {
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(dir.join(LEDGER_FILE), text).unwrap();
}

fn fault(dir: &Path) -> String {
    ledger::verify(dir).unwrap_err().to_string()
}

#[test]
fn a_clean_ledger_verifies() {
    let dir = ledger_with(5);
    let report = ledger::verify(dir.path()).unwrap();
    assert_eq!(report.records.len(), 5);
    assert!(report.notes.is_empty(), "{:?}", report.notes);
    assert_eq!(report.records[0].prev, ledger::GENESIS);
    assert_eq!(report.records[3].prev, report.records[2].digest);
    // An empty folder is an empty, valid ledger.
    let empty = tempfile::tempdir().unwrap();
    assert!(ledger::verify(empty.path()).unwrap().records.is_empty());
}

#[test]
fn an_edit_is_detected_and_located() {
    let dir = ledger_with(5);
    let mut l = lines(dir.path());
    l[2] = l[2].replace("\"allow\"", "\"deny\"");
    write_lines(dir.path(), &l);
    let f = fault(dir.path());
    assert!(f.starts_with("line 3 "), "{f}");
    assert!(f.contains("the record was modified"), "{f}");
}

#[test]
fn an_edit_with_a_recomputed_digest_is_detected_by_the_next_record() {
    let dir = ledger_with(5);
    let mut l = lines(dir.path());
    let edited = l[1].replace("\"allow\"", "\"deny\"");
    let body = &edited[..edited.len() - 84];
    l[1] = format!(
        "{body},\"digest\":\"sha256:{}\"}}",
        writ_plan::sha256_hex(body.as_bytes())
    );
    write_lines(dir.path(), &l);
    let f = fault(dir.path());
    assert!(f.starts_with("line 3 "), "{f}");
    assert!(f.contains("`prev`"), "{f}");
    // The same on the last record is caught by the head.
    let dir = ledger_with(3);
    let mut l = lines(dir.path());
    let edited = l[2].replace("\"allow\"", "\"deny\"");
    let body = &edited[..edited.len() - 84];
    l[2] = format!(
        "{body},\"digest\":\"sha256:{}\"}}",
        writ_plan::sha256_hex(body.as_bytes())
    );
    write_lines(dir.path(), &l);
    let f = fault(dir.path());
    assert!(
        f.contains("record 2 has digest") && f.contains("edited"),
        "{f}"
    );
}

#[test]
fn a_deletion_is_detected_and_located() {
    let dir = ledger_with(5);
    let mut l = lines(dir.path());
    l.remove(1);
    write_lines(dir.path(), &l);
    let f = fault(dir.path());
    assert!(f.starts_with("line 2 "), "{f}");
    assert!(f.contains("record 1 is missing (deleted)"), "{f}");
}

#[test]
fn a_reordering_is_detected_and_located() {
    let dir = ledger_with(5);
    let mut l = lines(dir.path());
    l.swap(2, 3);
    write_lines(dir.path(), &l);
    let f = fault(dir.path());
    assert!(f.starts_with("line 3 "), "{f}");
}

#[test]
fn truncation_is_detected() {
    // Whole records removed from the end.
    let dir = ledger_with(5);
    let l = lines(dir.path());
    write_lines(dir.path(), &l[..3]);
    let f = fault(dir.path());
    assert!(
        f.contains("truncated") && f.contains("record 4") && f.contains("ends at record 2"),
        "{f}"
    );
    // Cut in the middle of the last committed record.
    let dir = ledger_with(3);
    let bytes = std::fs::read(dir.path().join(LEDGER_FILE)).unwrap();
    std::fs::write(dir.path().join(LEDGER_FILE), &bytes[..bytes.len() - 20]).unwrap();
    let f = fault(dir.path());
    assert!(f.starts_with("line 3 ") && f.contains("truncated"), "{f}");
    // And appending refuses to paper over it.
    let e = ledger::append(dir.path(), &json!({}))
        .unwrap_err()
        .to_string();
    assert!(e.contains("truncated"), "{e}");
    // Everything removed but the head.
    let dir = ledger_with(2);
    std::fs::write(dir.path().join(LEDGER_FILE), b"").unwrap();
    assert!(fault(dir.path()).contains("before its first record"));
    // The head removed.
    let dir = ledger_with(3);
    std::fs::remove_file(dir.path().join(HEAD_FILE)).unwrap();
    assert!(fault(dir.path()).contains("is missing"));
}

#[test]
fn an_interrupted_append_is_tolerated_and_repaired() {
    let dir = ledger_with(3);
    let path = dir.path().join(LEDGER_FILE);
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    f.write_all(b"{\"seq\":3,\"prev\":\"sha256:ab").unwrap();
    drop(f);
    let report = ledger::verify(dir.path()).unwrap();
    assert_eq!(report.records.len(), 3);
    assert!(
        report.notes[0].contains("line 4") && report.notes[0].contains("interrupted append"),
        "{:?}",
        report.notes
    );
    let a = ledger::append(dir.path(), &json!({"n": 3})).unwrap();
    assert_eq!(a.seq, 3);
    let report = ledger::verify(dir.path()).unwrap();
    assert_eq!(report.records.len(), 4);
    assert!(report.notes.is_empty());
}

/// The child side of the crash test: appends until killed, printing each
/// record whose append returned. Does nothing unless run by the parent.
#[test]
fn ledger_crash_child() {
    let Ok(dir) = std::env::var("WRIT_LEDGER_CRASH_DIR") else {
        return;
    };
    let mut rng = std::process::id() as u64 | 1;
    let stdout = std::io::stdout();
    for i in 0.. {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let pad = "x".repeat((rng % 50_000) as usize);
        let a = ledger::append(Path::new(&dir), &json!({"n": i, "pad": pad})).unwrap();
        let mut out = stdout.lock();
        writeln!(out, "committed {} {}", a.seq, a.digest).unwrap();
        out.flush().unwrap();
    }
}

#[test]
fn appends_survive_sigkill_at_random_points() {
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut committed: Vec<(u64, String)> = Vec::new();
    let mut rng: u64 = 0x9E37_79B9_7F4A_7C15 ^ std::process::id() as u64;
    let rounds = 40;
    for _ in 0..rounds {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "ledger_crash_child",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("WRIT_LEDGER_CRASH_DIR", dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut out = Vec::new();
            let mut r = BufReader::new(stdout);
            let mut line = Vec::new();
            while r.read_until(b'\n', &mut line).unwrap_or(0) > 0 {
                // Only whole lines: a line cut by the kill was not fully reported.
                if line.ends_with(b"\n") {
                    let text = String::from_utf8_lossy(&line);
                    if let Some(rest) = text.strip_prefix("committed ") {
                        let mut parts = rest.split_whitespace();
                        let seq: u64 = parts.next().unwrap().parse().unwrap();
                        out.push((seq, parts.next().unwrap().to_string()));
                    }
                }
                line.clear();
            }
            out
        });
        // Start-up takes a few milliseconds; kill anywhere from before the
        // first append to well into a burst of appends.
        std::thread::sleep(Duration::from_millis(5 + rng % 200));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        committed.extend(reader.join().unwrap());
        // After every crash the ledger verifies (an interrupted append at the end is allowed).
        if let Err(e) = ledger::verify(dir.path()) {
            let text = std::fs::read_to_string(dir.path().join(LEDGER_FILE)).unwrap_or_default();
            let seqs: Vec<&str> = text.lines().map(|l| &l[..l.len().min(12)]).collect();
            let head = std::fs::read_to_string(dir.path().join(HEAD_FILE)).unwrap_or_default();
            panic!(
                "after a SIGKILL the ledger does not verify: {e}\n{seqs:?}\nhead {head}\ncommitted {committed:?}"
            );
        }
    }
    let report = ledger::verify(dir.path()).unwrap();
    assert!(
        committed.len() >= 10,
        "too few appends to mean anything: {}",
        committed.len()
    );
    for (seq, digest) in &committed {
        let r = report
            .records
            .get(*seq as usize)
            .unwrap_or_else(|| panic!("committed record {seq} is missing"));
        assert_eq!(&r.digest, digest, "committed record {seq} changed");
    }
    // And the ledger keeps working.
    let a = ledger::append(dir.path(), &json!({"after": "crashes"})).unwrap();
    assert_eq!(a.seq as usize, report.records.len());
    let final_report = ledger::verify(dir.path()).unwrap();
    assert!(final_report.notes.is_empty(), "{:?}", final_report.notes);
    eprintln!(
        "{} appends committed across {rounds} SIGKILLs, {} records",
        committed.len(),
        final_report.records.len()
    );
}

#[test]
fn appends_read_only_the_tail_even_past_large_records() {
    // Records and an interrupted fragment larger than the first tail read
    // (64 KiB): the append still finds the last record and removes the fragment.
    let dir = tempfile::tempdir().unwrap();
    let big = "x".repeat(200_000);
    for i in 0..3 {
        ledger::append(dir.path(), &json!({"n": i, "pad": big})).unwrap();
    }
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.path().join(LEDGER_FILE))
        .unwrap();
    f.write_all(format!("{{\"seq\":3,\"pad\":\"{big}{big}").as_bytes())
        .unwrap();
    drop(f);
    let a = ledger::append(dir.path(), &json!({"n": 3})).unwrap();
    assert_eq!(a.seq, 3);
    let report = ledger::verify(dir.path()).unwrap();
    assert_eq!(report.records.len(), 4);
    assert!(report.notes.is_empty(), "{:?}", report.notes);
    // A damaged last record is refused, with its line number.
    let mut text = std::fs::read_to_string(dir.path().join(LEDGER_FILE)).unwrap();
    text = text.replacen("{\"n\":3}", "{\"n\":4}", 1);
    std::fs::write(dir.path().join(LEDGER_FILE), text).unwrap();
    let e = ledger::append(dir.path(), &json!({}))
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("line 4 ") && e.contains("damaged"), "{e}");
}
