//! `writ attest`: a signed in-toto statement about files verifies with the
//! signer's key and binds each file's bytes; a changed file, a file it does
//! not name, an untrusted key and a tampered envelope are refused (exit 1);
//! bad usage exits 2.

use std::path::Path;
use std::process::{Command, Output};

fn writ(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_writ"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run writ")
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exit code")
}

fn keygen(dir: &Path, name: &str) {
    let out = writ(dir, &["keygen", "-o", &format!("{name}.key")]);
    assert_eq!(code(&out), 0);
    std::fs::write(dir.join(format!("{name}.pub")), &out.stdout).unwrap();
}

#[test]
fn sign_then_verify_and_every_refusal() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    keygen(d, "release");
    keygen(d, "other");
    std::fs::write(d.join("writ.tar.gz"), b"the archive").unwrap();
    std::fs::write(d.join("SHA256SUMS"), b"sums").unwrap();
    std::fs::write(
        d.join("predicate.json"),
        br#"{"buildDefinition": {"buildType": "https://example.invalid/build"}}"#,
    )
    .unwrap();
    let out = writ(
        d,
        &[
            "attest",
            "sign",
            "writ.tar.gz",
            "SHA256SUMS",
            "--key",
            "release.key",
            "--predicate",
            "predicate.json",
            "-o",
            "provenance.intoto.json",
        ],
    );
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));

    let envelope: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("provenance.intoto.json")).unwrap()).unwrap();
    assert_eq!(envelope["payloadType"], "application/vnd.in-toto+json");

    let verify = |trust: &str, files: &[&str]| {
        let mut args = vec![
            "attest",
            "verify",
            "provenance.intoto.json",
            "--trust",
            trust,
        ];
        args.extend_from_slice(files);
        writ(d, &args)
    };
    let ok = verify("release.pub", &["writ.tar.gz", "SHA256SUMS"]);
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert_eq!(code(&ok), 0, "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(
        stdout.contains("predicate: https://slsa.dev/provenance/v1"),
        "{stdout}"
    );
    assert!(
        stdout.contains("writ.tar.gz sha256:") && stdout.ends_with("VALID\n"),
        "{stdout}"
    );

    // Untrusted key.
    assert_eq!(code(&verify("other.pub", &["writ.tar.gz"])), 1);
    // The release key trusted only in another role (a CI runner's key, say)
    // does not sign releases: no release key, a usage error.
    let release_pub = std::fs::read_to_string(d.join("release.pub")).unwrap();
    std::fs::write(
        d.join("runner.keys"),
        format!("runner ci {}", release_pub.trim()),
    )
    .unwrap();
    let out = verify("runner.keys", &["writ.tar.gz"]);
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("holds no release key"));
    // …and with the role written, it does.
    std::fs::write(
        d.join("release.keys"),
        format!("release writ {}\nrunner ci {}", release_pub.trim(), {
            let other = std::fs::read_to_string(d.join("other.pub")).unwrap();
            other.trim().to_string()
        }),
    )
    .unwrap();
    assert_eq!(code(&verify("release.keys", &["writ.tar.gz"])), 0);
    // A file it does not name.
    std::fs::write(d.join("extra"), b"x").unwrap();
    let out = verify("release.pub", &["extra"]);
    assert_eq!(code(&out), 1);
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not name `extra`"));
    // A changed file.
    std::fs::write(d.join("writ.tar.gz"), b"the archivE").unwrap();
    let out = verify("release.pub", &["writ.tar.gz"]);
    assert_eq!(code(&out), 1);
    assert!(String::from_utf8_lossy(&out.stderr).contains("the statement says"));
    // A tampered envelope: the payload changed, the signature did not.
    let mut tampered = envelope.clone();
    let payload = envelope["payload"].as_str().unwrap();
    tampered["payload"] =
        serde_json::Value::String(format!("{}AAAA", &payload[..payload.len() - 4]));
    std::fs::write(
        d.join("provenance.intoto.json"),
        serde_json::to_vec(&tampered).unwrap(),
    )
    .unwrap();
    assert_eq!(code(&verify("release.pub", &[])), 1);
    // Usage: a missing file, a missing key.
    assert_eq!(code(&verify("release.pub", &["missing"])), 2);
    let out = writ(
        d,
        &[
            "attest",
            "sign",
            "SHA256SUMS",
            "--key",
            "nope.key",
            "-o",
            "x.json",
        ],
    );
    assert_eq!(code(&out), 2);
}
