//! Shared test helpers: compile the fixture policy against the fixture graph
//! with the real compiler, and load scenario folders.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use writ_diagnostics::SourceMap;
use writ_graph::Change;
use writ_plan::tests::TestCase;
use writ_runtime::{Evidence, Prepared};

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Compiles `tests/fixtures/policy/*.writ` against `tests/fixtures/graph.json`.
pub fn compile() -> (writ_plan::Plan, Vec<TestCase>) {
    let dir = fixtures().join("policy");
    let mut policies = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let module = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        policies.push((format!("{module}.writ"), module, text));
    }
    let graph = std::fs::read_to_string(fixtures().join("graph.json")).unwrap();
    let host = writ_analysis::Host::new(policies, Some(("graph.json".into(), graph)));
    (plan_of_host(&host), host.tests())
}

/// The plan of one module `main.writ` holding `policy`, over `graph`
/// (JSON text), compiled with the real compiler; its errors, rendered,
/// fail the test.
pub fn plan_of(policy: &str, graph: &str) -> writ_plan::Plan {
    let host = writ_analysis::Host::new(
        vec![("main.writ".into(), "main".into(), policy.into())],
        Some(("graph.json".into(), graph.into())),
    );
    plan_of_host(&host)
}

/// [`plan_of`], prepared.
pub fn prepared_of(policy: &str, graph: &str) -> Prepared {
    Prepared::new(plan_of(policy, graph)).expect("the plan prepares")
}

/// The plan `host` compiles; its errors, rendered, fail the test.
pub fn plan_of_host(host: &writ_analysis::Host) -> writ_plan::Plan {
    host.plan().unwrap_or_else(|errors| {
        panic!(
            "{}",
            writ_diagnostics::render::human_string(&host.sources, &errors)
        )
    })
}

pub fn prepared() -> Prepared {
    Prepared::new(compile().0).expect("the fixture plan prepares")
}

/// A change `pr-1` by `sue` (`sue@example.com`, of kind `author_kind`:
/// `human` or `agent`) modifying `files`, at 2026-05-04T10:00:00Z.
pub fn change_of(files: &[&str], author_kind: &str) -> Change {
    change_by("pr-1", "sue", author_kind, files)
}

/// A change `id` by `author` (`<author>@example.com`, of kind
/// `author_kind`) modifying `files`, at 2026-05-04T10:00:00Z, loaded from
/// a file of its own (tests run at the same time).
pub fn change_by(id: &str, author: &str, author_kind: &str, files: &[&str]) -> Change {
    let files: Vec<String> = files
        .iter()
        .map(|f| format!(r#"{{ "path": "{f}", "status": "modified" }}"#))
        .collect();
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("change-of-{}-{call}.json", std::process::id()));
    std::fs::write(
        &path,
        format!(
            r#"{{
  "version": 1, "id": "{id}",
  "base": "1111111111111111111111111111111111111111",
  "head": "2222222222222222222222222222222222222222",
  "author": {{ "id": "{author}", "name": "{author}", "email": "{author}@example.com", "kind": "{author_kind}" }},
  "files": [{}],
  "labels": [], "emergency": false, "timestamp": "2026-05-04T10:00:00Z"
}}"#,
            files.join(", ")
        ),
    )
    .unwrap();
    load_change(&path)
}

pub fn load_change(path: &Path) -> Change {
    let mut map = SourceMap::new();
    let (change, diags) = Change::load(&mut map, path);
    change.unwrap_or_else(|| panic!("{}: {:?}", path.display(), diags))
}

/// Reads an evidence file, replacing `$CHANGE_ID` by the change id and
/// `$CHANGE` and `$PLAN` by the digests.
pub fn load_evidence(path: &Path, change: &Change, plan_digest: &str) -> Evidence {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Evidence::default();
    };
    let text = text
        .replace("$CHANGE_ID", &change.id)
        .replace("$CHANGE", &change.digest)
        .replace("$PLAN", plan_digest);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Decision time for a scenario: one hour after the change.
pub fn decision_time(change: &Change) -> i64 {
    writ_runtime::time::parse_rfc3339(&change.timestamp).unwrap() + 3600
}

/// A scenario folder of `tests/scenarios`: its change, its evidence and the
/// prepared fixture plan.
pub fn scenario(name: &str) -> (Change, Evidence, Prepared) {
    let prepared = prepared();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scenarios")
        .join(name);
    let change = load_change(&dir.join("change.json"));
    let evidence = load_evidence(&dir.join("evidence.json"), &change, prepared.digest());
    (change, evidence, prepared)
}
