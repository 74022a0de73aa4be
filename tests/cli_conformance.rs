//! CLI conformance over every leaf verb, driven from the clap tree
//! (`writ::cli::Cli::command()` walked recursively), so a new verb is covered
//! as soon as it exists: the test fails until the verb has an entry in
//! [`cases`]. For each leaf:
//!
//! - `--help` renders, with an `Examples:` block printed verbatim (not
//!   reflowed), and every example is a command line clap accepts;
//! - the runnable invocation of the table exits with an expected status;
//! - `--format json` prints one JSON document whose `format` field is the
//!   documented one (or the verb's output is JSON by nature, or the table
//!   says why it has no JSON form, and clap refuses `--format json`);
//! - the file it reads can be given as `-` (standard input);
//! - exit codes per fault: a missing file 2, bad usage 2, invalid input 1.
//!
//! The exit-code table itself is `writ::cli::Exit` (docs/cli.md).

use clap::{CommandFactory, Parser};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use writ::cli::Cli;
#[path = "support/fs.rs"]
mod fs_support;
use fs_support::copy_dir;

const WRIT: &str = env!("CARGO_BIN_EXE_writ");

/// How a verb offers JSON.
#[derive(Clone, Copy, Debug)]
enum Json {
    /// `--format json`, with this `format` field.
    Format(&'static str),
    /// Its output is JSON already (a graph, a change, a schema, a proof).
    Native,
    /// No JSON form, and why; clap must refuse `--format json`.
    Not(&'static str),
}

/// The file a verb reads, for the stdin and fault checks.
#[derive(Clone, Copy, Debug)]
struct Reads {
    /// The argument naming it in [`Case::args`].
    arg: &'static str,
    /// Whether `-` (standard input) may stand for it.
    stdin: bool,
    /// Content that makes it invalid (exit 1), if the check applies.
    invalid: Option<&'static str>,
}

/// How the conformance test runs one leaf verb.
#[derive(Clone, Debug)]
struct Case {
    /// A runnable invocation in the fixture folder (`None`: not runnable
    /// here, and why).
    args: Result<Vec<String>, &'static str>,
    /// The exit statuses the invocation may end with.
    ok: &'static [i32],
    json: Json,
    /// The file it reads, if any.
    reads: Option<Reads>,
}

fn case(args: &[&str], ok: &'static [i32], json: Json, reads: Option<Reads>) -> Case {
    Case {
        args: Ok(args.iter().map(|s| s.to_string()).collect()),
        ok,
        json,
        reads,
    }
}

fn reads(arg: &'static str, stdin: bool, invalid: Option<&'static str>) -> Option<Reads> {
    Some(Reads {
        arg,
        stdin,
        invalid,
    })
}

const NOW: &str = "2026-05-01T12:00:00Z";
const BAD_POLICY: &str = "rule {\n";
const BAD_JSON: &str = "{}";

/// The table: one entry per leaf verb.
fn cases(f: &Fixture) -> BTreeMap<&'static str, Case> {
    let bundle = f.bundle.to_str().unwrap();
    let proof = f.proof.to_str().unwrap();
    let remote = f.remote.to_str().unwrap();
    let plan_trust = ["--plan", "plan.json", "--trust", "trust.keys"];
    let mut t = BTreeMap::new();
    t.insert(
        "check",
        case(
            &["check", "--graph", "graph.json", "pol/policy.writ"],
            &[0],
            Json::Format("writ.diagnostics/v1"),
            reads("pol/policy.writ", true, Some(BAD_POLICY)),
        ),
    );
    t.insert(
        "fmt",
        case(
            &["fmt", "--check", "pol/policy.writ"],
            &[0],
            Json::Not("it rewrites files (`--stdin` formats standard input)"),
            reads("pol/policy.writ", false, Some(BAD_POLICY)),
        ),
    );
    t.insert(
        "plan",
        case(
            &[
                "plan",
                "--policy",
                "pol",
                "--graph",
                "graph.json",
                "-o",
                "plan2.json",
                "--emit",
                "json",
            ],
            &[0],
            Json::Native,
            reads("graph.json", true, Some(BAD_JSON)),
        ),
    );
    t.insert(
        "plan verify",
        case(
            &[
                "plan",
                "verify",
                "plan.json",
                "--trust",
                "trust.keys",
                "--signature",
                "plan.json.sig",
            ],
            &[0],
            Json::Format("writ.plan-verify/v1"),
            reads("plan.json", true, Some(BAD_JSON)),
        ),
    );
    t.insert(
        "graph check",
        case(
            &["graph", "check", "graph.json"],
            &[0],
            Json::Format("writ.diagnostics/v1"),
            reads("graph.json", true, Some(BAD_JSON)),
        ),
    );
    t.insert(
        "graph render",
        case(
            &["graph", "render", "graph.json"],
            &[0],
            Json::Not("it draws DOT or Mermaid (`--format dot|mermaid`)"),
            reads("graph.json", true, Some(BAD_JSON)),
        ),
    );
    t.insert(
        "graph reach",
        case(
            &["graph", "reach", "graph.json", "change.json"],
            &[0],
            Json::Format("writ.graph-reach/v1"),
            reads("change.json", true, Some(BAD_JSON)),
        ),
    );
    t.insert(
        "graph stats",
        case(
            &["graph", "stats", "graph.json"],
            &[0],
            Json::Format("writ.graph-stats/v1"),
            reads("graph.json", true, Some(BAD_JSON)),
        ),
    );
    t.insert(
        "graph schema",
        case(&["graph", "schema"], &[0], Json::Native, None),
    );
    t.insert(
        "graph import codeowners",
        case(
            &["graph", "import", "codeowners", "CODEOWNERS"],
            &[0],
            Json::Native,
            reads("CODEOWNERS", true, None),
        ),
    );
    t.insert(
        "graph import backstage",
        case(
            &["graph", "import", "backstage", "catalog-info.yaml"],
            &[0],
            Json::Native,
            reads("catalog-info.yaml", true, Some("kind: [\n")),
        ),
    );
    t.insert(
        "graph import cargo",
        case(
            &[
                "graph",
                "import",
                "cargo",
                "--manifest-path",
                "crate/Cargo.toml",
            ],
            &[0],
            Json::Native,
            reads("crate/Cargo.toml", false, None),
        ),
    );
    t.insert(
        "graph generate",
        case(
            &["graph", "generate", "--services", "5", "--edges", "5"],
            &[0],
            Json::Native,
            None,
        ),
    );
    t.insert(
        "init",
        case(
            &["init", "repo", "--force"],
            &[0],
            Json::Not("it writes a graph and a starter policy and prints a to-do list for people"),
            None,
        ),
    );
    for (verb, args) in [
        (
            "graph import npm",
            &["graph", "import", "npm", "--repo", "poly"][..],
        ),
        (
            "graph import go",
            &["graph", "import", "go", "--repo", "poly"],
        ),
        (
            "graph import python",
            &["graph", "import", "python", "--repo", "poly"],
        ),
    ] {
        t.insert(verb, case(args, &[0], Json::Native, None));
    }
    t.insert(
        "graph import telemetry",
        case(
            &["graph", "import", "telemetry", "jaeger.json"],
            &[0],
            Json::Native,
            reads("jaeger.json", true, Some("[")),
        ),
    );
    t.insert(
        "change",
        case(
            &[
                "change",
                "HEAD~1..HEAD",
                "--repo",
                "repo",
                "--graph",
                "graph.json",
            ],
            &[0],
            Json::Native,
            reads("graph.json", true, Some(BAD_JSON)),
        ),
    );
    let eval: Vec<&str> = ["eval", "--change", "change.json", "--now", NOW]
        .into_iter()
        .chain(plan_trust)
        .collect();
    t.insert(
        "eval",
        case(
            &eval,
            &[3],
            Json::Format(writ_runtime::proof::PROOF_FORMAT),
            reads("change.json", true, Some(BAD_JSON)),
        ),
    );
    t.insert(
        "explain",
        case(
            &["explain", "proof.json"],
            &[0],
            Json::Format(writ_runtime::proof::PROOF_FORMAT),
            reads("proof.json", true, Some(BAD_JSON)),
        ),
    );
    t.insert(
        "test",
        case(
            &["test", "pol", "--graph", "graph.json"],
            &[0],
            Json::Format("writ.test/v1"),
            reads("graph.json", true, Some(BAD_JSON)),
        ),
    );
    t.insert(
        "prove",
        case(
            &["prove", "plan.json"],
            &[0],
            Json::Format("writ.prove/v1"),
            reads("plan.json", true, Some(BAD_JSON)),
        ),
    );
    let run: Vec<&str> = [
        "run",
        "--change",
        "change.json",
        "--evidence",
        "ev-run",
        "--key",
        "runner.key",
        "--no-run",
        "--now",
        NOW,
    ]
    .into_iter()
    .chain(plan_trust)
    .collect();
    t.insert(
        "run",
        case(
            &run,
            &[3],
            Json::Format("writ.run/v1"),
            reads("change.json", true, Some(BAD_JSON)),
        ),
    );
    for kind in ["junit", "sarif"] {
        let file = if kind == "junit" {
            "junit.xml"
        } else {
            "scan.sarif"
        };
        t.insert(
            if kind == "junit" {
                "evidence add junit"
            } else {
                "evidence add sarif"
            },
            case(
                &[
                    "evidence",
                    "add",
                    kind,
                    file,
                    "--check",
                    "unit",
                    "--node",
                    "payments-api",
                    "--evidence",
                    "ev-add",
                    "--change",
                    "change.json",
                    "--plan",
                    "plan.json",
                    "--key",
                    "results.key",
                ],
                &[0],
                Json::Format("writ.evidence-add/v1"),
                reads(file, true, Some("not a report")),
            ),
        );
    }
    t.insert(
        "attest sign",
        case(
            &[
                "attest",
                "sign",
                "graph.json",
                "--key",
                "sec.key",
                "-o",
                "new.intoto.json",
            ],
            &[0],
            Json::Not("it writes a signed envelope (`attest verify --format json` reports on one)"),
            None,
        ),
    );
    t.insert(
        "attest verify",
        case(
            &[
                "attest",
                "verify",
                "graph.intoto.json",
                "--trust",
                "release.keys",
                "graph.json",
            ],
            &[0],
            Json::Format("writ.attest-verify/v1"),
            reads("graph.intoto.json", true, Some(BAD_JSON)),
        ),
    );
    t.insert(
        "keygen",
        case(
            &["keygen", "-o", "new.key", "--force"],
            &[0],
            Json::Format("writ.keygen/v1"),
            None,
        ),
    );
    t.insert(
        "approve",
        case(
            &[
                "approve",
                "--change",
                "change.json",
                "--plan",
                "plan.json",
                "--key",
                "ana.key",
                "--as",
                "ana",
                "--evidence",
                "ev-approve",
            ],
            &[0],
            Json::Format("writ.approve/v1"),
            reads("change.json", true, Some(BAD_JSON)),
        ),
    );
    let verify: Vec<&str> = ["verify", bundle].into_iter().chain(plan_trust).collect();
    t.insert(
        "verify",
        case(
            &verify,
            &[0],
            Json::Format("writ.verify/v1"),
            reads(leak(bundle), true, Some(BAD_JSON)),
        ),
    );
    t.insert(
        "report",
        case(
            &[
                "report",
                "ev",
                "--plan",
                "plan.json",
                "--trust",
                "trust.keys",
                "-o",
                "report.html",
            ],
            &[0],
            Json::Not(
                "it writes an HTML page (`verify` and `ledger verify --format json` report on \
                 bundles and ledgers)",
            ),
            reads("ev", false, None),
        ),
    );
    t.insert(
        "ledger verify",
        case(
            &["ledger", "verify", "ev", "--trust", "trust.keys"],
            &[0],
            Json::Format("writ.ledger-verify/v1"),
            reads("ev", false, None),
        ),
    );
    t.insert(
        "replay",
        case(
            &[
                "replay",
                "ev",
                "--plan",
                "plan.json",
                "--trust",
                "trust.keys",
            ],
            &[0],
            Json::Format("writ.replay/v1"),
            reads("plan.json", true, Some(BAD_JSON)),
        ),
    );
    t.insert(
        "diff",
        case(
            &["diff", "plan.json", "plan.json"],
            &[0],
            Json::Format("writ.diff/v1"),
            reads("plan.json", true, Some(BAD_JSON)),
        ),
    );
    t.insert(
        "ledger prove",
        case(
            &["ledger", "prove", "ev", "0"],
            &[0],
            Json::Native,
            reads("ev", false, None),
        ),
    );
    t.insert(
        "ledger check-proof",
        case(
            &["ledger", "check-proof", proof, "--trust", "trust.keys"],
            &[0],
            Json::Format("writ.ledger-check-proof/v1"),
            reads(leak(proof), true, Some(BAD_JSON)),
        ),
    );
    t.insert(
        "ledger push",
        case(
            &[
                "ledger",
                "push",
                "ev",
                "--repo",
                remote,
                "--key",
                "runner.key",
            ],
            &[0],
            Json::Not("it reports what it shared on stderr"),
            reads("runner.key", false, None),
        ),
    );
    t.insert(
        "ledger pull",
        case(
            &[
                "ledger",
                "pull",
                "ev",
                "--repo",
                remote,
                "--trust",
                "trust.keys",
            ],
            &[0],
            Json::Not("it reports what it brought in on stderr"),
            reads("trust.keys", false, None),
        ),
    );
    t.insert(
        "lsp",
        Case {
            args: Err("the language server waits for an editor on stdin (tests/lsp_e2e.rs)"),
            ok: &[0],
            json: Json::Not("it speaks LSP"),
            reads: None,
        },
    );
    t.insert(
        "completions",
        case(
            &["completions", "bash"],
            &[0],
            Json::Not("it prints a shell script"),
            None,
        ),
    );
    t.insert(
        "man",
        case(
            &["man", "graph", "reach"],
            &[0],
            Json::Not("it prints roff"),
            None,
        ),
    );
    t
}

/// A `&'static str` for a fixture path (the fixture lives for the test).
fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

/// The leaf commands of the clap tree: commands without subcommands, and
/// commands that run on their own besides having some (`writ plan`).
fn leaves() -> Vec<(String, clap::Command)> {
    fn walk(prefix: &str, cmd: &clap::Command, out: &mut Vec<(String, clap::Command)>) {
        for sub in cmd.get_subcommands() {
            if sub.get_name() == "help" || sub.is_hide_set() {
                continue;
            }
            let name = if prefix.is_empty() {
                sub.get_name().to_string()
            } else {
                format!("{prefix} {}", sub.get_name())
            };
            if sub.get_subcommands().next().is_none() || !sub.is_subcommand_required_set() {
                out.push((name.clone(), sub.clone()));
            }
            walk(&name, sub, out);
        }
    }
    let mut out = Vec::new();
    walk("", &Cli::command(), &mut out);
    out
}

/// The fixture folder: a graph, a policy, a signed plan, a change, a decision
/// recorded by `writ run` (bundle, ledger, inclusion proof), reports to add,
/// a git history, a bare remote.
struct Fixture {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    bundle: PathBuf,
    proof: PathBuf,
    remote: PathBuf,
}

fn writ(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(WRIT)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CI")
        .env_remove("WRIT_TRUST")
        .env_remove("COLUMNS")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run writ");
    let mut pipe = child.stdin.take().unwrap();
    if let Some(bytes) = stdin
        && let Err(e) = pipe.write_all(bytes)
    {
        // A command may end before it reads its input (a usage error).
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    drop(pipe);
    child.wait_with_output().unwrap()
}

fn show(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn ok(o: Output) -> String {
    assert!(o.status.success(), "{}", show(&o));
    String::from_utf8(o.stdout).unwrap()
}

fn git(dir: &Path, args: &[&str]) {
    let o = Command::new("git")
        .args([
            "-c",
            "user.name=Dev One",
            "-c",
            "user.email=dev1@example.com",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_DATE", "2026-03-01T12:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-03-01T12:00:00Z")
        .output()
        .unwrap();
    assert!(o.status.success(), "git {args:?}: {}", show(&o));
}

impl Fixture {
    fn new() -> Fixture {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path().canonicalize().unwrap();
        let mut keys = BTreeMap::new();
        for k in ["runner", "sec", "results", "ana"] {
            let public = ok(writ(&d, &["keygen", "-o", &format!("{k}.key")], None));
            keys.insert(k, public.trim().to_string());
        }
        let write = |name: &str, text: &str| {
            let path = d.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write(
            "trust.keys",
            &format!(
                "runner ci {}\nplan security {}\nresults ci {}\n",
                keys["runner"], keys["sec"], keys["results"]
            ),
        );
        write(
            "graph.json",
            &format!(
                r#"{{"version": 1,
  "teams": [{{"id": "payments", "members": ["ana", "dev1"]}}],
  "people": [
    {{"id": "ana", "emails": ["ana@example.com"], "keys": ["{}"]}},
    {{"id": "dev1", "emails": ["dev1@example.com"]}}
  ],
  "nodes": [{{"id": "payments-api", "kind": "service", "owners": ["payments"],
    "paths": ["payments/**"], "checks": {{"unit": {{"run": ["true"]}}}}}}]}}
"#,
                keys["ana"]
            ),
        );
        write(
            "pol/policy.writ",
            r#"approval owners_review(n) {
  1 of owners(n) distinct from change.author
}

rule owners {
  for n in change.touches(any)
  require approval owners_review(n)
  require check "unit" on n
}

test "an owner's review and the unit check allow a change" {
  change {
    touches "payments/src/lib.rs"
    author "dev1"
  }
  given approval owners_review by "ana"
  given check "unit" on "payments-api" passed
  expect decision allow
}
"#,
        );
        ok(writ(&d, &["fmt", "pol"], None));
        write("release.keys", &format!("release sec {}\n", keys["sec"]));
        ok(writ(
            &d,
            &[
                "attest",
                "sign",
                "graph.json",
                "--key",
                "sec.key",
                "-o",
                "graph.intoto.json",
            ],
            None,
        ));
        write(
            "change.json",
            r#"{"version": 1, "id": "PR-1", "base": "1111111111111111111111111111111111111111",
  "head": "2222222222222222222222222222222222222222",
  "author": {"id": "dev1", "name": "Dev One", "email": "dev1@example.com", "kind": "human"},
  "files": [{"path": "payments/src/lib.rs", "status": "modified"}],
  "timestamp": "2026-03-01T12:00:00Z"}
"#,
        );
        write("CODEOWNERS", "payments/ @payments\n");
        write(
            "catalog-info.yaml",
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: payments-api\n\
             spec:\n  type: service\n  owner: payments\n",
        );
        write(
            "crate/Cargo.toml",
            "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
        );
        write("crate/src/lib.rs", "");
        write(
            "junit.xml",
            "<?xml version=\"1.0\"?>\n<testsuites><testsuite name=\"unit\" tests=\"1\" \
             failures=\"0\"><testcase classname=\"payments\" name=\"pays\"/></testsuite>\
             </testsuites>\n",
        );
        write(
            "scan.sarif",
            r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "scan"}}, "results": []}]}"#,
        );
        ok(writ(
            &d,
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
            None,
        ));
        let proof = writ(
            &d,
            &[
                "eval",
                "--plan",
                "plan.json",
                "--change",
                "change.json",
                "--trust",
                "trust.keys",
                "--now",
                NOW,
                "--proof",
                "proof.json",
            ],
            None,
        );
        assert_eq!(proof.status.code(), Some(3), "{}", show(&proof));
        let run = writ(
            &d,
            &[
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
                "--no-run",
                "--now",
                NOW,
            ],
            None,
        );
        assert_eq!(run.status.code(), Some(3), "{}", show(&run));
        let bundle = std::fs::read_dir(d.join("ev/bundles"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.to_string_lossy().ends_with(".intoto.json"))
            .expect("writ run wrote a bundle");
        let proof = PathBuf::from(format!("{}.proof", bundle.display()));
        assert!(proof.exists(), "writ run wrote the inclusion proof");
        std::fs::create_dir(d.join("repo")).unwrap();
        let repo = d.join("repo");
        git(&repo, &["init", "-q"]);
        write("repo/payments/src/lib.rs", "fn a() {}\n");
        git(&repo, &["add", "."]);
        git(&repo, &["commit", "-q", "-m", "first"]);
        write("repo/payments/src/lib.rs", "fn b() {}\n");
        git(&repo, &["commit", "-q", "-am", "second"]);
        // a polyglot repository for the workspace importers
        let poly = d.join("poly");
        copy_dir(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/polyglot"),
            &poly,
        );
        git(&poly, &["init", "-q"]);
        git(&poly, &["add", "."]);
        git(&poly, &["commit", "-q", "-m", "first"]);
        std::fs::copy(
            poly.join("telemetry/jaeger-dependencies.json"),
            d.join("jaeger.json"),
        )
        .unwrap();
        let remote = d.join("remote.git");
        git(&d, &["init", "-q", "--bare", "remote.git"]);
        let shared = writ(
            &d,
            &[
                "ledger",
                "push",
                "ev",
                "--repo",
                remote.to_str().unwrap(),
                "--key",
                "runner.key",
            ],
            None,
        );
        assert!(shared.status.success(), "{}", show(&shared));
        Fixture {
            _tmp: tmp,
            dir: d,
            bundle,
            proof,
            remote,
        }
    }
}

/// `args` with the argument `arg` replaced by `with`.
fn replaced(args: &[String], arg: &str, with: &str) -> Vec<String> {
    let mut found = false;
    let out = args
        .iter()
        .map(|a| {
            if a == arg && !found {
                found = true;
                with.to_string()
            } else {
                a.clone()
            }
        })
        .collect();
    assert!(found, "{arg} is not among {args:?}");
    out
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

#[test]
fn every_leaf_verb_conforms() {
    let f = Fixture::new();
    let d = &f.dir;
    let table = cases(&f);
    let leaves = leaves();
    let names: Vec<&str> = leaves.iter().map(|(n, _)| n.as_str()).collect();
    let missing: Vec<&&str> = names.iter().filter(|n| !table.contains_key(**n)).collect();
    assert!(
        missing.is_empty(),
        "leaf verbs without a conformance entry in tests/cli_conformance.rs: {missing:?}"
    );
    let stale: Vec<&&str> = table.keys().filter(|k| !names.contains(k)).collect();
    assert!(
        stale.is_empty(),
        "entries for verbs that do not exist: {stale:?}"
    );
    let docs =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/cli.md")).unwrap();
    let mut failures = Vec::new();
    for (name, case) in &table {
        if let Json::Format(format) = case.json
            && !docs.contains(&format!("`{format}`"))
        {
            failures.push(format!(
                "writ {name}: `{format}` is not documented in docs/cli.md"
            ));
        }
    }
    let mut checked = 0;
    for (name, _) in &leaves {
        let case = &table[name.as_str()];
        match check_case(d, name, case) {
            Ok(n) => checked += n,
            Err(why) => failures.push(format!("writ {name}: {why}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // Every leaf was run for bad usage, and most for much more.
    assert!(
        checked >= 4 * leaves.len(),
        "only {checked} checks over {} verbs",
        leaves.len()
    );
}

/// Runs the checks of one verb; the number of checks made.
fn check_case(d: &Path, name: &str, case: &Case) -> Result<usize, String> {
    let path: Vec<&str> = name.split(' ').collect();
    let mut checks = 1;
    // Bad usage: 2, whatever the verb.
    let bad = writ(d, &[&path[..], &["--no-such-flag"]].concat(), None);
    if bad.status.code() != Some(2) {
        return Err(format!("bad usage should exit 2\n{}", show(&bad)));
    }
    let Ok(args) = &case.args else {
        return Ok(checks);
    };
    checks += 2;
    let run = writ(d, &strs(args), None);
    if !run.status.code().is_some_and(|c| case.ok.contains(&c)) {
        return Err(format!("expected exit {:?}\n{}", case.ok, show(&run)));
    }
    match case.json {
        Json::Format(format) => {
            let mut json_args = args.clone();
            json_args.extend(["--format".to_string(), "json".to_string()]);
            let o = writ(d, &strs(&json_args), None);
            let doc: serde_json::Value = serde_json::from_slice(&o.stdout)
                .map_err(|e| format!("--format json is not JSON: {e}\n{}", show(&o)))?;
            if doc["format"] != format {
                return Err(format!(
                    "--format json: `format` is not {format}\n{}",
                    show(&o)
                ));
            }
            if !o.status.code().is_some_and(|c| case.ok.contains(&c)) {
                return Err(format!(
                    "--format json changed the exit status\n{}",
                    show(&o)
                ));
            }
        }
        Json::Native => {
            serde_json::from_slice::<serde_json::Value>(&run.stdout)
                .map_err(|e| format!("the output is not JSON: {e}\n{}", show(&run)))?;
        }
        Json::Not(why) => {
            let o = writ(d, &[&path[..], &["--format", "json"]].concat(), None);
            if o.status.code() != Some(2) {
                return Err(format!(
                    "the table says there is no JSON form ({why}), yet `--format json` was \
                     accepted\n{}",
                    show(&o)
                ));
            }
        }
    }
    let Some(reads) = case.reads else {
        return Ok(checks);
    };
    checks += 1;
    // A missing file: 2.
    let missing = writ(
        d,
        &strs(&replaced(args, reads.arg, "no-such-dir/none")),
        None,
    );
    if missing.status.code() != Some(2) {
        return Err(format!(
            "a missing `{}` should exit 2\n{}",
            reads.arg,
            show(&missing)
        ));
    }
    if reads.stdin {
        checks += 1;
        let bytes = std::fs::read(d.join(reads.arg)).unwrap();
        let piped = writ(d, &strs(&replaced(args, reads.arg, "-")), Some(&bytes));
        if piped.status.code() != run.status.code() {
            return Err(format!(
                "`-` for `{}` should behave as the file\n{}",
                reads.arg,
                show(&piped)
            ));
        }
    }
    if let Some(text) = reads.invalid {
        checks += 1;
        let bad_file = d.join("invalid-input");
        std::fs::write(&bad_file, text).unwrap();
        let invalid = writ(d, &strs(&replaced(args, reads.arg, "invalid-input")), None);
        if invalid.status.code() != Some(1) {
            return Err(format!(
                "an invalid `{}` should exit 1\n{}",
                reads.arg,
                show(&invalid)
            ));
        }
    }
    Ok(checks)
}

#[test]
fn standard_input_is_read_once() {
    let f = Fixture::new();
    let o = writ(&f.dir, &["graph", "reach", "-", "-"], Some(b"{}"));
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("only once"),
        "{}",
        show(&o)
    );
}

/// Shell words of one example command line: quotes removed, stops at a
/// redirection.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quote = None;
    let mut started = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                started = true;
            }
            (None, c) if c.is_whitespace() => {
                if started {
                    out.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            (None, c) => {
                word.push(c);
                started = true;
            }
        }
    }
    if started {
        out.push(word);
    }
    let end = out
        .iter()
        .position(|w| w.starts_with('>') || w.starts_with('<'))
        .unwrap_or(out.len());
    out.truncate(end);
    out
}

#[test]
fn every_leaf_verb_has_verbatim_examples_that_parse() {
    let mut failures = Vec::new();
    for (name, cmd) in leaves() {
        let Some(examples) = cmd.get_after_long_help().map(|s| s.to_string()) else {
            failures.push(format!("writ {name}: no examples (after_long_help)"));
            continue;
        };
        if !examples.starts_with("Examples:\n  writ ") {
            failures.push(format!(
                "writ {name}: examples do not start with `Examples:`"
            ));
        }
        let mut path: Vec<&str> = name.split(' ').collect();
        path.push("--help");
        let help = String::from_utf8(writ(Path::new("."), &path, None).stdout).unwrap();
        if !help.contains(&examples) {
            failures.push(format!(
                "writ {name} --help does not print its examples verbatim:\n{examples}\n---\n{help}"
            ));
        }
        // Each example (continuation lines joined) is a command line clap accepts.
        let joined = examples.replace("\\\n", " ");
        for line in joined.lines().skip(1) {
            for segment in line.split('|') {
                let argv = words(segment);
                if argv.first().map(String::as_str) != Some("writ") {
                    continue;
                }
                if let Err(e) = Cli::try_parse_from(&argv) {
                    failures.push(format!(
                        "writ {name}: example `{}` does not parse: {e}",
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn root_help_prints_the_exit_code_table() {
    let help = String::from_utf8(writ(Path::new("."), &["--help"], None).stdout).unwrap();
    for (code, exit) in [
        ("0", writ::cli::Exit::Ok),
        ("1", writ::cli::Exit::Failure),
        ("2", writ::cli::Exit::Usage),
        ("3", writ::cli::Exit::Pending),
    ] {
        assert_eq!(exit.code().to_string(), code);
        assert!(
            help.lines().any(|l| l.starts_with(&format!("  {code}  "))),
            "exit status {code} is not in `writ --help`:\n{help}"
        );
    }
}

#[test]
fn version_names_the_commit_when_built_from_git() {
    let out = ok(writ(Path::new("."), &["--version"], None));
    assert!(out.starts_with("writ 0."), "{out}");
    let in_git = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .is_ok_and(|o| o.status.success());
    if in_git && std::env::var_os("WRIT_GIT_COMMIT").is_none() {
        assert!(out.contains("(commit "), "{out}");
    }
}

#[test]
fn bash_completions_name_every_verb() {
    let script = ok(writ(Path::new("."), &["completions", "bash"], None));
    for (name, _) in leaves() {
        // clap_complete names each command path `writ__subcmd__a__subcmd__b`,
        // a dash within a name written `__subcmd__` too.
        let id = format!("writ__subcmd__{}", name.replace([' ', '-'], "__subcmd__"));
        assert!(
            script.contains(&id),
            "bash completion lacks `{name}` ({id})"
        );
    }
    for shell in ["zsh", "fish", "powershell"] {
        let script = ok(writ(Path::new("."), &["completions", shell], None));
        assert!(
            script.contains("graph") && script.contains("ledger"),
            "{shell}"
        );
    }
}

#[test]
fn man_page_of_every_leaf_renders() {
    let out = tempfile::tempdir().unwrap();
    ok(writ(
        Path::new("."),
        &["man", "--out", out.path().to_str().unwrap()],
        None,
    ));
    for (name, cmd) in leaves() {
        let page_name = format!("writ-{}", name.replace(' ', "-"));
        let page = std::fs::read_to_string(out.path().join(format!("{page_name}.1")))
            .unwrap_or_else(|e| panic!("no page for `writ {name}`: {e}"));
        assert!(
            page.contains(&format!(".TH {page_name} 1")),
            "{page_name}: {page}"
        );
        // The examples, line for line in a no-fill block.
        let plain = page.replace("\\-", "-").replace("\\e", "\\");
        let examples = cmd
            .get_after_long_help()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(page.contains(".SH EXAMPLES\n.nf\n"), "{page_name}: {page}");
        for line in examples.lines().skip(1) {
            assert!(
                plain.lines().any(|l| l == line),
                "{page_name} lacks the example line `{line}`"
            );
        }
        let about = cmd.get_about().map(|a| a.to_string()).unwrap_or_default();
        let first_words: String = about
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            page.replace("\\-", "-").contains(&first_words),
            "{page_name} lacks its summary `{first_words}`"
        );
        let printed = ok(writ(
            Path::new("."),
            &[&["man"], &name.split(' ').collect::<Vec<_>>()[..]].concat(),
            None,
        ));
        assert_eq!(
            printed, page,
            "`writ man {name}` prints the page --out writes"
        );
    }
}

#[test]
fn verbs_say_what_a_newcomer_needs() {
    let f = Fixture::new();
    let d = &f.dir;
    // `approve --chain NAME` without its module suggests the qualified name.
    let o = writ(
        d,
        &[
            "approve",
            "--change",
            "change.json",
            "--plan",
            "plan.json",
            "--key",
            "ana.key",
            "--as",
            "ana",
            "--chain",
            "owners_review",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("did you mean `policy::owners_review`?"),
        "{}",
        show(&o)
    );
    // An evidence folder that does not exist yet is empty evidence.
    let o = writ(
        d,
        &[
            "eval",
            "--plan",
            "plan.json",
            "--trust",
            "trust.keys",
            "--change",
            "change.json",
            "--now",
            NOW,
            "--evidence",
            "not-yet",
        ],
        None,
    );
    assert_eq!(
        o.status.code(),
        Some(3),
        "pending, not an error: {}",
        show(&o)
    );
    // `writ run` states its reasons as sentences, not JSON objects.
    let o = writ(
        d,
        &[
            "run",
            "--plan",
            "plan.json",
            "--trust",
            "trust.keys",
            "--change",
            "change.json",
            "--evidence",
            "ev-reasons",
            "--key",
            "runner.key",
            "--no-run",
            "--now",
            NOW,
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(3), "{}", show(&o));
    let stderr = String::from_utf8_lossy(&o.stderr);
    let reasons: Vec<&str> = stderr.lines().filter(|l| l.starts_with("  ")).collect();
    assert!(!reasons.is_empty(), "{stderr}");
    assert!(
        reasons
            .iter()
            .all(|l| !l.contains('{') && !l.contains("\":")),
        "{stderr}"
    );
    assert!(stderr.contains("owners_review"), "{stderr}");
    // `--json`, the older spelling, stays as a hidden alias of `--format json`.
    for verb in [
        &["graph", "stats", "graph.json"][..],
        &["graph", "reach", "graph.json", "change.json"],
    ] {
        let old = ok(writ(d, &[verb, &["--json"]].concat(), None));
        let new = ok(writ(d, &[verb, &["--format", "json"]].concat(), None));
        assert_eq!(old, new, "{verb:?}");
    }
    // Counts are pluralised right.
    let o = writ(d, &["graph", "stats", "graph.json"], None);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("people: 2 (0 agents)"),
        "{}",
        show(&o)
    );
    let o = writ(d, &["check", "pol/policy.writ"], None);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("checked 1 file: 0 errors, 0 warnings"),
        "{}",
        show(&o)
    );
}

/// Runs `command` and waits at most `secs` seconds for it (killed after).
fn output_within(mut command: Command, secs: u64) -> Output {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn lsp_hints_on_a_terminal_only() {
    const HINT: &str = "started by an editor";
    // On a pipe (as editors run it): no hint, and it ends at end of input.
    let mut on_pipe = Command::new(WRIT);
    on_pipe.arg("lsp");
    let o = output_within(on_pipe, 10);
    assert!(o.status.success(), "{}", show(&o));
    assert!(
        !String::from_utf8_lossy(&o.stderr).contains(HINT),
        "{}",
        show(&o)
    );
    // On a terminal: `script` (util-linux, essential on Debian) gives it a pty.
    let mut on_tty = Command::new("script");
    on_tty.args(["-qec", &format!("{WRIT} lsp"), "/dev/null"]);
    let o = output_within(on_tty, 10);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(all.contains(HINT), "no hint on a terminal: {}", show(&o));
}
