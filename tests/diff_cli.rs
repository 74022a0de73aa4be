//! `writ diff` on the fintech policy (examples/fintech/policies) before and
//! after a realistic edit: the privacy office narrows its rule (changes
//! that only *expose* a PHI data store no longer need the privacy officer)
//! and a forbid keeps agents out of the cardholder data environment. The
//! report is snapshot tested (human and Markdown); a no-op edit gives an
//! empty diff; plans and policy folders give the same diff; inputs that
//! cannot be compared fail with the table's exit codes.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};
#[path = "support/fs.rs"]
mod fs_support;
use fs_support::copy_dir;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn writ(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_writ"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A work folder with the graph as `graph.json`, the policies as `old/`
/// and an edited copy as `new/` (edited by `edit`).
fn setup(edit: impl Fn(&Path)) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let w = tmp.path();
    std::fs::copy(
        format!("{ROOT}/examples/fintech/graph.json"),
        w.join("graph.json"),
    )
    .unwrap();
    copy_dir(
        Path::new(&format!("{ROOT}/examples/fintech/policies")),
        &w.join("old"),
    );
    copy_dir(
        Path::new(&format!("{ROOT}/examples/fintech/policies")),
        &w.join("new"),
    );
    edit(&w.join("new"));
    tmp
}

fn replace(file: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.contains(from), "{} lacks {from:?}", file.display());
    std::fs::write(file, text.replacen(from, to, 1)).unwrap();
}

/// The realistic edit.
fn narrow_privacy_and_forbid_agents(new: &Path) {
    replace(
        &new.join("privacy.writ"),
        "  for n in change.reaches(any where tags has \"phi\")\n    or change.exposes(datastore where tags has \"phi\", via depends_on)\n",
        "  for n in change.reaches(any where tags has \"phi\")\n",
    );
    replace(
        &new.join("acme.writ"),
        "/// Documentation-only changes",
        "/// Agents do not change the cardholder data environment.\n\
         forbid agents_off_pci \"Agents may not change the cardholder data environment\" {\n  \
         for n in change.touches(any where tags has \"pci\")\n  \
         when change.author is agent\n}\n\n/// Documentation-only changes",
    );
}

const LABEL: [&str; 2] = ["--label", "security-impact:reviewed"];

#[test]
fn a_realistic_edit_is_reported_per_node_and_author_class() {
    let tmp = setup(narrow_privacy_and_forbid_agents);
    let w = tmp.path();
    let args = |format: &str| {
        let mut a = vec![
            "diff",
            "--graph",
            "graph.json",
            "old",
            "new",
            "--format",
            format,
        ];
        a.extend(LABEL);
        writ(w, &a)
    };
    let human = args("human");
    assert_eq!(human.status.code(), Some(1), "a flip exits 1");
    insta::assert_snapshot!("fintech_edit_human", stdout(&human));
    let md = args("markdown");
    assert_eq!(md.status.code(), Some(1));
    insta::assert_snapshot!("fintech_edit_markdown", stdout(&md));

    let json = args("json");
    assert_eq!(json.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(doc["format"], "writ.diff/v1");
    assert_eq!(
        doc["scenario"]["labels"],
        serde_json::json!(["security-impact:reviewed"])
    );
    let changes = doc["changes"].as_array().unwrap();
    // The forbid starts applying to agents on exactly the PCI services, and
    // turns "can be allowed" into "deny" outside the holiday freeze.
    let forbidden: Vec<&str> = changes
        .iter()
        .filter(|c| {
            c["delta"]["forbids_started"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["id"] == "acme::agents_off_pci")
        })
        .map(|c| c["node"].as_str().unwrap())
        .collect();
    assert!(!forbidden.is_empty());
    for c in changes
        .iter()
        .filter(|c| !c["delta"]["forbids_started"].as_array().unwrap().is_empty())
    {
        let authors = c["authors"].as_array().unwrap();
        assert!(
            authors
                .iter()
                .all(|a| a["class"].as_str().unwrap().starts_with("agent")),
            "only agents meet the new forbid: {c}"
        );
        assert_eq!(c["new"], "deny");
    }
    // The privacy review is only ever removed, never added.
    assert!(
        changes
            .iter()
            .all(|c| c["delta"]["obligations_added"] == serde_json::json!([]))
    );
    assert!(doc["summary"]["flipped"].as_u64().unwrap() > 0);
    assert_eq!(
        doc["summary"]["flips"]["allow→deny"].as_u64().unwrap(),
        doc["summary"]["by_owner"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["owner"] == "payments")
            .unwrap()["tally"]["flipped"]
            .as_u64()
            .unwrap(),
        "every allow→deny flip is on a payments-owned PCI service"
    );

    // Two plans give the same report as the two folders.
    for side in ["old", "new"] {
        let o = writ(
            w,
            &[
                "plan",
                "--policy",
                side,
                "--graph",
                "graph.json",
                "-o",
                &format!("{side}.json"),
            ],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let mut a = vec!["diff", "old.json", "new.json", "--format", "json"];
    a.extend(LABEL);
    let plans: Value = serde_json::from_slice(&writ(w, &a).stdout).unwrap();
    assert_eq!(plans["changes"], doc["changes"]);
    assert_eq!(plans["summary"], doc["summary"]);
    // Deterministic: the same inputs give the same bytes.
    assert_eq!(args("json").stdout, json.stdout);
}

#[test]
fn a_no_op_edit_gives_an_empty_diff() {
    // A comment and a reordering of nothing: the plan's meaning is unchanged.
    let tmp = setup(|new| {
        replace(
            &new.join("acme.writ"),
            "/// Documentation-only changes",
            "// reviewed in Q3\n/// Documentation-only changes",
        )
    });
    let w = tmp.path();
    let o = writ(w, &["diff", "--graph", "graph.json", "old", "new"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = stdout(&o);
    assert!(
        text.lines().nth(1).unwrap().starts_with("no difference: "),
        "{text}"
    );
    let o = writ(
        w,
        &[
            "diff",
            "--graph",
            "graph.json",
            "old",
            "new",
            "--format",
            "json",
        ],
    );
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["changes"], serde_json::json!([]));
    assert_eq!(doc["summary"]["changed"], 0);
    let o = writ(
        w,
        &[
            "diff",
            "--graph",
            "graph.json",
            "old",
            "new",
            "--format",
            "markdown",
        ],
    );
    assert!(stdout(&o).contains("This edit changes no decision, obligation or forbid."));
}

#[test]
fn inputs_that_cannot_be_compared_fail() {
    let tmp = setup(|new| {
        replace(
            &new.join("acme.writ"),
            "rule docs_only {",
            "rule docs_only {{",
        )
    });
    let w = tmp.path();
    // A policy that does not compile: 1, with its diagnostics.
    let o = writ(w, &["diff", "--graph", "graph.json", "old", "new"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("`new` does not compile"));
    // A missing side: 2.
    let o = writ(w, &["diff", "--graph", "graph.json", "old", "absent"]);
    assert_eq!(o.status.code(), Some(2));
    // Plans over different graphs: 1, saying so.
    let o = writ(
        w,
        &[
            "plan",
            "--policy",
            "old",
            "--graph",
            "graph.json",
            "-o",
            "a.json",
        ],
    );
    assert!(o.status.success());
    let mut graph: Value =
        serde_json::from_str(&std::fs::read_to_string(w.join("graph.json")).unwrap()).unwrap();
    graph["teams"].as_array_mut().unwrap()[0]["description"] = "renamed".into();
    std::fs::write(w.join("graph2.json"), graph.to_string()).unwrap();
    let o = writ(
        w,
        &[
            "plan",
            "--policy",
            "old",
            "--graph",
            "graph2.json",
            "-o",
            "b.json",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = writ(w, &["diff", "a.json", "b.json"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("different graphs"));
}
