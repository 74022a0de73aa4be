//! `writ prove`: a planted loophole (a `hotfix` label lets a tier-0 change
//! through with one owner) is caught with a counterexample whose printed
//! `writ eval` command, run as printed, allows the change; the same policy
//! with the loophole closed proves; the plan form, `--format json` and bad
//! usage.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/prove")
}

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

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A scratch copy of the fixtures.
fn scratch() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for entry in ["graph.json", "loophole/main.writ", "fixed/main.writ"] {
        let to = tmp.path().join(entry);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(fixtures().join(entry), to).unwrap();
    }
    tmp
}

/// The `writ eval …` line after `reproduce:`, as arguments (without `writ`).
fn reproduce_command(text: &str) -> Vec<String> {
    let line = text
        .lines()
        .skip_while(|l| l.trim() != "reproduce:")
        .nth(1)
        .unwrap_or_else(|| panic!("no reproduce command in:\n{text}"));
    let words: Vec<String> = line.split_whitespace().map(str::to_string).collect();
    assert_eq!(words[0], "writ", "{line}");
    words[1..].to_vec()
}

#[test]
fn a_planted_loophole_is_caught_and_writ_eval_confirms_the_counterexample() {
    let tmp = scratch();
    let d = tmp.path();
    let out = writ(
        d,
        &[
            "prove",
            "--policy",
            "loophole",
            "--graph",
            "graph.json",
            "--out",
            "cex",
        ],
    );
    let text = stdout(&out);
    assert_eq!(
        code(&out),
        1,
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("assert main::tier0_two_owners ... VIOLATED"),
        "{text}"
    );
    assert!(
        text.contains("assert main::agents_need_an_owner ... holds"),
        "{text}"
    );
    // The counterexample: a file of the tier-0 node, an author, a date, the label.
    assert!(
        text.contains("modifies `services/ledger/writ-prove.txt` (node `ledger`)"),
        "{text}"
    );
    assert!(text.contains("labels hotfix"), "{text}");
    assert!(text.contains("2026-01-01T00:00:00Z"), "{text}");
    assert!(
        text.contains("allowed with 1 of the 2 it takes approving"),
        "{text}"
    );

    // The printed command, run as printed, allows the change (exit 0).
    let args = reproduce_command(&text);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let eval = writ(d, &args);
    assert_eq!(
        code(&eval),
        0,
        "{}{}",
        stdout(&eval),
        String::from_utf8_lossy(&eval.stderr)
    );
    assert!(stdout(&eval).contains("allow"), "{}", stdout(&eval));

    // The change is the one described, and the evidence holds one owner's
    // approval: one of the two owners is not enough, yet it is allowed.
    let change: serde_json::Value = serde_json::from_slice(
        &std::fs::read(d.join("cex/main--tier0_two_owners.change.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(change["labels"], serde_json::json!(["hotfix"]));
    assert_eq!(change["files"][0]["path"], "services/ledger/writ-prove.txt");
    let evidence: serde_json::Value = serde_json::from_slice(
        &std::fs::read(d.join("cex/main--tier0_two_owners.evidence.json")).unwrap(),
    )
    .unwrap();
    let approvers: Vec<&str> = evidence["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["person"].as_str().unwrap())
        .filter(|p| ["ana", "bo"].contains(p))
        .collect();
    assert_eq!(approvers.len(), 1, "{evidence}");

    // Without the label the same evidence is not enough: the hotfix label
    // is the loophole.
    let mut plain = change.clone();
    plain["labels"] = serde_json::json!([]);
    std::fs::write(d.join("plain.json"), plain.to_string()).unwrap();
    let mut args = args.clone();
    let i = args.iter().position(|a| *a == "--change").unwrap();
    args[i + 1] = "plain.json";
    let eval = writ(d, &args);
    assert_eq!(
        code(&eval),
        3,
        "pending without the label: {}",
        stdout(&eval)
    );
}

#[test]
fn the_closed_loophole_proves() {
    let tmp = scratch();
    let out = writ(
        tmp.path(),
        &["prove", "--policy", "fixed", "--graph", "graph.json"],
    );
    let text = stdout(&out);
    assert_eq!(code(&out), 0, "{text}");
    assert!(
        text.contains("assert main::tier0_two_owners ... holds"),
        "{text}"
    );
    assert!(text.contains("0 of 2 assertions violated"), "{text}");
    assert!(
        text.contains("`expect requires` claims carry over"),
        "{text}"
    );
}

#[test]
fn a_rule_that_stops_firing_when_more_is_touched_is_named() {
    let tmp = scratch();
    let d = tmp.path();
    let mut text = std::fs::read_to_string(d.join("fixed/main.writ")).unwrap();
    text.push_str(
        "\n/// Docs alone.\nrule docs_only {\n  when change.only_paths(\"docs/**\")\n}\n",
    );
    std::fs::write(d.join("fixed/main.writ"), text).unwrap();
    let out = writ(
        d,
        &[
            "prove",
            "--policy",
            "fixed",
            "--graph",
            "graph.json",
            "--format",
            "json",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["summary"]["not_monotone"],
        serde_json::json!(["rule `main::docs_only` tests `change.only_paths(…)`"])
    );
}

#[test]
fn a_plan_proves_the_same_and_json_names_the_command() {
    let tmp = scratch();
    let d = tmp.path();
    let plan = writ(
        d,
        &[
            "plan",
            "--policy",
            "loophole",
            "--graph",
            "graph.json",
            "-o",
            "plan.json",
        ],
    );
    assert_eq!(code(&plan), 0, "{}", String::from_utf8_lossy(&plan.stderr));
    let bytes = std::fs::read_to_string(d.join("plan.json")).unwrap();
    assert!(
        bytes.contains("\"format\":\"writ.plan/v2\""),
        "a plan with assertions is v2"
    );

    let out = writ(
        d,
        &["prove", "plan.json", "--out", "cex", "--format", "json"],
    );
    assert_eq!(code(&out), 1);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["format"], "writ.prove/v1");
    assert_eq!(doc["summary"]["violated"], 1);
    assert_eq!(doc["summary"]["assertions"], 2);
    let violated = doc["assertions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["holds"] == false)
        .unwrap();
    assert_eq!(violated["id"], "main::tier0_two_owners");
    let cex = &violated["counterexample"];
    assert_eq!(cex["node"], "ledger");
    assert_eq!(cex["outcome"], "allow");
    let command: Vec<&str> = cex["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert_eq!(&command[..4], ["writ", "eval", "--plan", "plan.json"]);
    let eval = writ(d, &command[1..]);
    assert_eq!(code(&eval), 0, "{}", String::from_utf8_lossy(&eval.stderr));
}

#[test]
fn a_plan_without_assertions_keeps_format_v1() {
    let tmp = scratch();
    let d = tmp.path();
    let text = std::fs::read_to_string(d.join("fixed/main.writ")).unwrap();
    let cut = text.find("/// Every change to a tier-0").unwrap();
    std::fs::create_dir_all(d.join("plain")).unwrap();
    std::fs::write(d.join("plain/main.writ"), &text[..cut]).unwrap();
    let plan = writ(
        d,
        &[
            "plan",
            "--policy",
            "plain",
            "--graph",
            "graph.json",
            "-o",
            "plan.json",
        ],
    );
    assert_eq!(code(&plan), 0, "{}", String::from_utf8_lossy(&plan.stderr));
    let bytes = std::fs::read_to_string(d.join("plan.json")).unwrap();
    assert!(bytes.contains("\"format\":\"writ.plan/v1\""));
    assert!(!bytes.contains("assertions"));
    let out = writ(d, &["prove", "plan.json"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert!(
        stdout(&out).contains("0 of 0 assertions violated"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn bad_usage_exits_2() {
    let tmp = scratch();
    let d = tmp.path();
    assert_eq!(code(&writ(d, &["prove"])), 2);
    assert_eq!(
        code(&writ(
            d,
            &[
                "prove",
                "plan.json",
                "--policy",
                "fixed",
                "--graph",
                "graph.json"
            ]
        )),
        2
    );
    assert_eq!(code(&writ(d, &["prove", "--policy", "fixed"])), 2);
    assert_eq!(code(&writ(d, &["prove", "missing.json"])), 2);
}

#[test]
fn any_number_of_threads_gives_the_same_report() {
    let tmp = scratch();
    let d = tmp.path();
    let run = |jobs: &str| {
        let out = writ(
            d,
            &[
                "prove",
                "--policy",
                "loophole",
                "--graph",
                "graph.json",
                "--format",
                "json",
                "--jobs",
                jobs,
            ],
        );
        assert_eq!(code(&out), 1, "{}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    };
    let one = run("1");
    assert!(!one.is_empty());
    assert_eq!(one, run("2"));
    assert_eq!(one, run("7"));
    let out = writ(
        d,
        &[
            "prove",
            "--policy",
            "fixed",
            "--graph",
            "graph.json",
            "--jobs",
            "0",
        ],
    );
    assert_eq!(code(&out), 2, "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_plan_comparing_more_labels_than_the_space_enumerates_is_refused() {
    let tmp = scratch();
    let d = tmp.path();
    // Nine labels compared: 2^9 label sets per change is more than `writ
    // prove` enumerates (eight), so it says so instead of proving less.
    let mut policy = String::new();
    for i in 0..9 {
        policy.push_str(&format!(
            "rule r{i} {{\n  for n in change.touches(service)\n  when change.labels has \"l{i}\"\n  require check \"unit\" on n\n}}\n"
        ));
    }
    policy.push_str(
        "assert covered {\n  for n in service\n  expect requires check \"unit\" on n\n}\n",
    );
    std::fs::create_dir_all(d.join("many")).unwrap();
    std::fs::write(d.join("many/main.writ"), policy).unwrap();
    let out = writ(d, &["prove", "--policy", "many", "--graph", "graph.json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Exit 1 as for an invalid plan (`writ prove --help`), with no report.
    assert_eq!(code(&out), 1, "{stderr}");
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    assert!(
        stderr.contains("the plan compares 9 labels; `writ prove` enumerates at most 8"),
        "{stderr}"
    );
}
