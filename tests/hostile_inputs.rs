//! Hostile inputs through the real `writ` binary (issue #16): generators build
//! deeply nested and very long inputs for every parser and importer at sizes
//! that crashed writ before (a stack overflow only shows in a real process:
//! exit 134), and each must end in a clean error — exit 1 or 2, the stable
//! code on stderr, no panic — within a time budget, and the 400 MB approval
//! within a memory budget.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const WRIT: &str = env!("CARGO_BIN_EXE_writ");

/// Wall-clock budget per command: generous for a debug build on a busy
/// 2-core machine; the quadratic cases took minutes before.
const BUDGET: Duration = Duration::from_secs(20);

struct Run {
    code: Option<i32>,
    stderr: String,
    stdout: String,
    took: Duration,
}

/// Runs writ in `dir`, killing it past twice the budget.
fn writ(dir: &Path, args: &[&str]) -> Run {
    let start = Instant::now();
    let mut child = Command::new(WRIT)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CI")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("writ starts");
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let out = std::thread::spawn(move || std::io::read_to_string(&mut out).unwrap_or_default());
    let err = std::thread::spawn(move || std::io::read_to_string(&mut err).unwrap_or_default());
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > 2 * BUDGET {
            let _ = child.kill();
            panic!("writ {args:?} still running after {:?}", 2 * BUDGET);
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Run {
        code: status.code(),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
        took: start.elapsed(),
    }
}

/// A clean refusal: exit 1 or 2 (not a signal, not 134), the code on
/// stderr, no panic, within the budget.
#[track_caller]
fn refused(run: &Run, code: &str, what: &str) {
    let tail: String = run.stderr.chars().take(600).collect();
    assert!(
        matches!(run.code, Some(1 | 2)),
        "{what}: exit {:?}, expected 1 or 2\n{tail}",
        run.code
    );
    assert!(
        run.stderr.contains(code) || run.stdout.contains(code),
        "{what}: {code} not reported\n{tail}"
    );
    assert!(
        !run.stderr.contains("panicked") && !run.stderr.contains("overflow"),
        "{what}: {tail}"
    );
    assert!(run.took < BUDGET, "{what}: took {:?}", run.took);
}

#[track_caller]
fn succeeded(run: &Run, what: &str) {
    assert_eq!(run.code, Some(0), "{what}: {}{}", run.stdout, run.stderr);
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

/// A sparse file of `len` bytes: large on paper, instant to make.
fn sparse(dir: &Path, name: &str, len: u64) {
    let f = std::fs::File::create(dir.join(name)).unwrap();
    f.set_len(len).unwrap();
}

// ------------------------------------------------------------- generators

/// Policy texts at the sizes that overflowed the stack before.
fn deep_policies() -> Vec<(&'static str, String)> {
    let rule = |cond: String| {
        format!(
            "rule deep {{\n  for n in change.touches(any)\n  when {cond}\n  require check \"unit\" on n\n}}\n"
        )
    };
    vec![
        (
            "5,000-term and chain",
            rule(format!("true{}", " and true".repeat(4_999))),
        ),
        (
            "5,000-term or chain",
            rule(format!("false{}", " or true".repeat(4_999))),
        ),
        (
            "10,000 nested not",
            format!("let a = {}true\n", "not ".repeat(10_000)),
        ),
        (
            "10,000-deep list",
            format!("let a = {}{}\n", "[".repeat(10_000), "]".repeat(10_000)),
        ),
        (
            "10,000 parentheses",
            format!("let a = {}true{}\n", "(".repeat(10_000), ")".repeat(10_000)),
        ),
        (
            "10,000 fields",
            format!("let a = change{}\n", ".x".repeat(10_000)),
        ),
        (
            "10,000 calls",
            format!("let a = f{}\n", "()".repeat(10_000)),
        ),
    ]
}

/// A glob with `n` nested `{a,` alternations.
fn nested_braces(n: usize) -> String {
    format!("{}a{}", "{a,".repeat(n), "}".repeat(n))
}

fn graph_with_glob(glob: &str) -> String {
    format!(
        r#"{{"version": 1, "teams": [{{"id": "t", "members": ["ana"]}}], "people": [{{"id": "ana", "emails": ["ana@example.com"]}}],
  "nodes": [{{"id": "svc", "kind": "service", "owners": ["t"], "paths": ["svc/**", "{glob}"],
    "checks": {{"unit": {{"run": ["true"]}}}}}}]}}"#
    )
}

const POLICY: &str =
    "rule unit {\n  for n in change.touches(any)\n  require check \"unit\" on n\n}\n";

fn change(files: &str) -> String {
    format!(
        r#"{{"version": 1, "id": "PR-1", "base": "1111111111111111111111111111111111111111",
  "head": "2222222222222222222222222222222222222222", "head_tree": "3333333333333333333333333333333333333333",
  "author": {{"id": "ana", "name": "Ana", "email": "ana@example.com", "kind": "human"}},
  "files": {files}, "timestamp": "2026-03-01T12:00:00Z"}}"#
    )
}

/// A folder with a graph, a policy, a compiled (unsigned: these tests are
/// about reading, so evals pass `--insecure-unsigned-plan`) plan, a change
/// and a key to sign imported results with.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "graph.json", &graph_with_glob("lib/**"));
    std::fs::create_dir(d.join("pol")).unwrap();
    write(d, "pol/policy.writ", POLICY);
    write(
        d,
        "change.json",
        &change(r#"[{"path": "svc/main.rs", "status": "modified"}]"#),
    );
    succeeded(
        &writ(
            d,
            &[
                "plan",
                "--policy",
                "pol",
                "--graph",
                "graph.json",
                "-o",
                "plan.json",
            ],
        ),
        "the plan compiles",
    );
    succeeded(&writ(d, &["keygen", "-o", "results.key"]), "a results key");
    dir
}

// ------------------------------------------------------------- policies

#[test]
fn deeply_nested_policies_are_refused_with_e0209() {
    let dir = tempfile::tempdir().unwrap();
    for (shape, text) in deep_policies() {
        write(dir.path(), "deep.writ", &text);
        let run = writ(dir.path(), &["check", "deep.writ"]);
        refused(&run, "E0209", shape);
        assert_eq!(run.code, Some(1), "{shape}: diagnostics exit 1");
        assert!(
            run.stderr.contains("limit of 128"),
            "{shape}: names the limit"
        );
    }
}

/// Long but flat input is not refused: 100,000 list items, 20,000 rules.
#[test]
fn long_flat_policies_are_checked_in_bounded_time() {
    let dir = tempfile::tempdir().unwrap();
    let items = vec!["\"x\""; 100_000].join(", ");
    let rules: String = (0..20_000)
        .map(|i| format!("rule r{i} {{\n  for n in change.touches(any)\n  when true and true\n  require check \"unit\" on n\n}}\n"))
        .collect();
    for (shape, text) in [
        ("100,000-item list", format!("let a = [{items}]\n")),
        ("20,000 rules", rules),
    ] {
        write(dir.path(), "long.writ", &text);
        let run = writ(dir.path(), &["check", "long.writ"]);
        assert!(!run.stderr.contains("E0209"), "{shape}");
        assert!(matches!(run.code, Some(0 | 1)), "{shape}: {:?}", run.code);
        assert!(run.took < BUDGET, "{shape}: took {:?}", run.took);
    }
}

#[test]
fn fmt_refuses_100k_nested_not_and_leaves_the_file_alone() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("let a = {}true\n", "not ".repeat(100_000));
    write(dir.path(), "deep.writ", &text);
    refused(
        &writ(dir.path(), &["fmt", "--check", "deep.writ"]),
        "E0209",
        "fmt --check",
    );
    refused(&writ(dir.path(), &["fmt", "deep.writ"]), "E0209", "fmt");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("deep.writ")).unwrap(),
        text
    );
}

#[test]
fn an_oversized_policy_is_refused_with_e0901() {
    let dir = tempfile::tempdir().unwrap();
    sparse(dir.path(), "big.writ", 8 * 1024 * 1024 + 1);
    refused(
        &writ(dir.path(), &["check", "big.writ"]),
        "E0901",
        "8 MiB + 1 policy",
    );
}

// ------------------------------------------------------------- globs and importers

#[test]
fn a_glob_with_15000_nested_alternations_is_refused_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let glob = nested_braces(15_000);
    write(d, "graph.json", &graph_with_glob(&glob));
    refused(
        &writ(d, &["graph", "check", "graph.json"]),
        "E0902",
        "graph check",
    );
    std::fs::create_dir(d.join("pol")).unwrap();
    write(d, "pol/policy.writ", POLICY);
    let plan = writ(d, &["plan", "--policy", "pol", "--graph", "graph.json"]);
    refused(&plan, "E0902", "plan");
    write(d, "CODEOWNERS", &format!("{glob} @ana\n"));
    refused(
        &writ(d, &["graph", "import", "codeowners", "CODEOWNERS"]),
        "E0902",
        "codeowners",
    );
    // In a policy's `touches_path`, against a good graph.
    write(d, "graph.json", &graph_with_glob("lib/**"));
    write(
        d,
        "pol/policy.writ",
        &format!(
            "rule r {{\n  when change.touches_path(\"{glob}\")\n  require check \"unit\" on node \"svc\"\n}}\n"
        ),
    );
    let check = writ(d, &["check", "--graph", "graph.json", "pol"]);
    refused(&check, "E0902", "touches_path");
}

#[test]
fn codeowners_is_linear_long_paths_are_refused_with_e0903() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // One path of 100,000 segments: over a minute before (quadratic).
    let long = format!("/{} @ana\n", vec!["a"; 100_000].join("/"));
    write(d, "CODEOWNERS", &long);
    refused(
        &writ(d, &["graph", "import", "codeowners", "CODEOWNERS"]),
        "E0903",
        "100,000 segments",
    );
    // Many lines, each just within the glob length limit: linear in the lines.
    let lines: String = (0..400)
        .map(|i| format!("/d{i}/{} @ana\n", vec!["ab"; 330].join("/")))
        .collect();
    write(d, "CODEOWNERS", &lines);
    let run = writ(d, &["graph", "import", "codeowners", "CODEOWNERS"]);
    succeeded(&run, "400 long lines");
    assert!(run.took < BUDGET, "400 long lines took {:?}", run.took);
}

#[test]
fn deeply_nested_backstage_yaml_is_refused_with_e0902() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let flow = format!(
        "kind: Component\nmetadata:\n  name: x\nspec:\n  deep: {}{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let block: String = (0..2_000)
        .map(|i| format!("{}k{i}:\n", "  ".repeat(i)))
        .collect::<String>()
        + &format!("{}leaf: 1\n", "  ".repeat(2_000));
    for (shape, text) in [("flow", flow), ("block", block)] {
        write(d, "catalog-info.yaml", &text);
        let run = writ(d, &["graph", "import", "backstage", "catalog-info.yaml"]);
        refused(&run, "E0902", shape);
    }
}

// ------------------------------------------------------------- changes, plans, evidence

#[test]
fn change_files_deep_or_oversized_are_refused() {
    let dir = workspace();
    let d = dir.path();
    let args = [
        "eval",
        "--plan",
        "plan.json",
        "--change",
        "bad.json",
        "--insecure-unsigned-plan",
    ];
    write(
        d,
        "bad.json",
        &change(&format!("{}{}", "[".repeat(50_000), "]".repeat(50_000))),
    );
    refused(&writ(d, &args), "E0902", "deep change");
    sparse(d, "bad.json", 64 * 1024 * 1024 + 1);
    refused(&writ(d, &args), "E0901", "64 MiB + 1 change");
}

#[test]
fn a_400_mb_approval_is_refused_after_reading_its_limit() {
    let dir = workspace();
    let d = dir.path();
    std::fs::create_dir_all(d.join("ev/approvals")).unwrap();
    sparse(&d.join("ev/approvals"), "huge.json", 400 * 1024 * 1024);
    let run = writ(
        d,
        &[
            "eval",
            "--plan",
            "plan.json",
            "--change",
            "change.json",
            "--evidence",
            "ev",
            "--insecure-unsigned-plan",
        ],
    );
    refused(&run, "E0901", "400 MB approval");
    assert!(run.stderr.contains("approval file"), "{}", run.stderr);
    let rss_mib = children_max_rss_kib() / 1024;
    assert!(rss_mib < 300, "a child used {rss_mib} MiB");
}

/// The largest resident set of any child this test process has waited for.
fn children_max_rss_kib() -> i64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given.
    unsafe {
        libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr());
        usage.assume_init().ru_maxrss
    }
}

#[test]
fn a_plan_nested_past_the_json_limit_is_refused_with_e0902() {
    let dir = workspace();
    let d = dir.path();
    let plan = std::fs::read_to_string(d.join("plan.json")).unwrap();
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let hostile = plan.replacen("\"rules\":", &format!("\"deep\": {deep}, \"rules\":"), 1);
    assert_ne!(hostile, plan, "the plan has a rules field");
    write(d, "plan.json", &hostile);
    let run = writ(
        d,
        &[
            "eval",
            "--plan",
            "plan.json",
            "--change",
            "change.json",
            "--insecure-unsigned-plan",
        ],
    );
    refused(&run, "E0902", "deep plan");
}

/// The runtime evaluates expressions recursively: a plan (hand-made, still
/// canonical) nested just within the JSON limit loads and is decided.
#[test]
fn a_plan_just_within_the_json_limit_is_decided() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let quickstart = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart/graph.json");
    std::fs::copy(quickstart, d.join("graph.json")).unwrap();
    std::fs::create_dir(d.join("pol")).unwrap();
    write(
        d,
        "pol/p.writ",
        "rule r {\n  for n in change.touches(any)\n  when not (n.tier == 0)\n  require check \"unit\" on n\n}\n",
    );
    succeeded(
        &writ(
            d,
            &[
                "plan",
                "--policy",
                "pol",
                "--graph",
                "graph.json",
                "-o",
                "plan.json",
            ],
        ),
        "plan",
    );
    let plan = std::fs::read_to_string(d.join("plan.json")).unwrap();
    let inner = r#"{"compare":["eq",{"node_field":{"var":0,"field":{"attr":"tier"}}},{"int":0}]}"#;
    let once = format!(r#"{{"not":{inner}}}"#);
    let n = 501; // odd, and the deepest field 510 levels down: within 512
    let deep = format!("{}{inner}{}", r#"{"not":"#.repeat(n), "}".repeat(n));
    assert!(plan.contains(&once));
    write(d, "plan.json", &plan.replacen(&once, &deep, 1));
    write(
        d,
        "change.json",
        &change(r#"[{"path": "web/x.ts", "status": "modified"}]"#).replace("ana", "wen"),
    );
    let run = writ(
        d,
        &[
            "eval",
            "--plan",
            "plan.json",
            "--change",
            "change.json",
            "--insecure-unsigned-plan",
        ],
    );
    // 501 negations of `tier == 0` on a tier-2 node: the rule fires, the check is missing.
    assert_eq!(run.code, Some(3), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("check \"unit\" on web-ui"),
        "{}",
        run.stdout
    );
    assert!(run.took < BUDGET);
}

#[test]
fn deep_junit_and_sarif_evidence_is_refused_with_e0902() {
    let dir = workspace();
    let d = dir.path();
    let xml = format!(
        "<testsuites>{}{}</testsuites>",
        "<a>".repeat(100_000),
        "</a>".repeat(100_000)
    );
    write(d, "report.xml", &xml);
    let sarif = format!(
        r#"{{"version": "2.1.0", "runs": {}{}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    write(d, "report.sarif", &sarif);
    for (kind, file) in [("junit", "report.xml"), ("sarif", "report.sarif")] {
        let run = writ(
            d,
            &[
                "evidence",
                "add",
                kind,
                "--check",
                "unit",
                "--node",
                "svc",
                "--evidence",
                "ev",
                "--change",
                "change.json",
                "--plan",
                "plan.json",
                "--key",
                "results.key",
                file,
            ],
        );
        refused(&run, "E0902", kind);
    }
}

// ------------------------------------------------------------- byte order marks

#[test]
fn a_leading_bom_is_accepted_on_every_input() {
    let dir = workspace();
    let d = dir.path();
    let bom = |name: &str| {
        let text = std::fs::read(d.join(name)).unwrap();
        let mut f = std::fs::File::create(d.join(name)).unwrap();
        f.write_all(b"\xef\xbb\xbf").unwrap();
        f.write_all(&text).unwrap();
    };
    for name in ["graph.json", "pol/policy.writ", "change.json", "plan.json"] {
        bom(name);
    }
    succeeded(
        &writ(d, &["graph", "check", "graph.json"]),
        "graph with a BOM",
    );
    succeeded(
        &writ(d, &["check", "--graph", "graph.json", "pol"]),
        "policy with a BOM",
    );
    let run = writ(
        d,
        &[
            "eval",
            "--plan",
            "plan.json",
            "--change",
            "change.json",
            "--insecure-unsigned-plan",
        ],
    );
    // Evidence reports: parsed without the mark, stored byte for byte.
    let sarif =
        r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": []}]}"#;
    let junit = r#"<testsuites><testsuite name="s" tests="1"><testcase name="a"/></testsuite></testsuites>"#;
    write(d, "r.sarif", sarif);
    write(d, "r.xml", junit);
    bom("r.sarif");
    bom("r.xml");
    for (kind, file, check) in [("sarif", "r.sarif", "unit"), ("junit", "r.xml", "unit")] {
        let run = writ(
            d,
            &[
                "evidence",
                "add",
                kind,
                "--check",
                check,
                "--node",
                "svc",
                "--evidence",
                "ev",
                "--change",
                "change.json",
                "--plan",
                "plan.json",
                "--key",
                "results.key",
                file,
            ],
        );
        succeeded(&run, kind);
    }
    // Pending (exit 3): the check has not run; what matters is that both files loaded.
    assert!(
        run.code == Some(3) && run.stdout.contains("missing: check \"unit\" on svc"),
        "plan and change with a BOM: {:?}\n{}{}",
        run.code,
        run.stdout,
        run.stderr
    );
}
