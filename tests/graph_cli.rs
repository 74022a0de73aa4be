//! `writ graph …` end to end through the binary.

use std::path::Path;
use std::process::Command;

const WRIT: &str = env!("CARGO_BIN_EXE_writ");
const GOOD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/compiler/graph/tests/corpus/good/full.json"
);
const BAD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/compiler/graph/tests/corpus/bad/e0507_dangling_edges.json"
);

fn writ(args: &[&str], dir: &Path) -> (i32, String, String) {
    let out = Command::new(WRIT)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run writ");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_exit_codes_and_formats() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = writ(&["graph", "check", GOOD], dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("ok (6 nodes, 7 edges"));
    let (code, _, err) = writ(&["graph", "check", BAD], dir.path());
    assert_eq!(code, 1);
    assert!(
        err.contains("error[E0507]: edge from `checkout` to unknown node `payment`")
            && err.contains(":4:63"),
        "{err}"
    );
    let (code, out, _) = writ(&["graph", "check", BAD, "--format", "json"], dir.path());
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["summary"]["errors"], 4);
    assert_eq!(v["diagnostics"][0]["line"], 4);
    let (code, _, _) = writ(&["graph", "check", "missing.json"], dir.path());
    assert_eq!(code, 2);
}

#[test]
fn schema_render_stats_reach() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = writ(&["graph", "schema"], dir.path());
    assert_eq!(code, 0);
    let schema: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(schema["$id"], "https://writ.dev/schemas/graph-v1.json");
    let change = dir.path().join("c.json");
    std::fs::write(&change, r#"{"version": 1, "id": "pr-1", "base": "a", "head": "b", "author": {"name": "A", "kind": "human"},
      "files": [{"path": "libs/http/src/lib.rs", "status": "modified"}, {"path": "README.md", "status": "added"}], "timestamp": "2026-01-01T00:00:00Z"}"#).unwrap();
    let c = change.to_str().unwrap();
    let (code, out, err) = writ(&["graph", "reach", GOOD, c], dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("deploy  depth 2: http <-depends_on- checkout <-deploys- deploy"),
        "{out}"
    );
    assert!(out.contains("unowned files:\n  README.md"));
    let (_, out, _) = writ(
        &[
            "graph",
            "reach",
            GOOD,
            c,
            "--json",
            "--edge-kinds",
            "depends_on",
        ],
        dir.path(),
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["reached"].as_array().unwrap().len(), 3);
    let (code, _, err) = writ(
        &["graph", "reach", GOOD, c, "--edge-kinds", "dependson"],
        dir.path(),
    );
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `depends_on`"), "{err}");
    let (_, dot, _) = writ(&["graph", "render", GOOD, "--change", c], dir.path());
    assert!(
        dot.starts_with("digraph writ {")
            && dot.contains("\"checkout\" -> \"http\" [label=\"depends_on\", color=\"#cc0000\""),
        "{dot}"
    );
    assert!(!dot.contains("\"ledger\""), "only reached nodes");
    let (_, mm, _) = writ(
        &["graph", "render", GOOD, "--format", "mermaid"],
        dir.path(),
    );
    assert!(mm.starts_with("flowchart LR") && mm.contains("ledger"));
    let (_, stats, _) = writ(&["graph", "stats", GOOD, "--json"], dir.path());
    let s: serde_json::Value = serde_json::from_str(&stats).unwrap();
    assert_eq!(
        (s["nodes"].as_u64(), s["agents"].as_u64()),
        (Some(6), Some(1))
    );
}

#[test]
fn imports_merge_and_generate() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("CODEOWNERS"),
        "* @acme/leads\n/compiler/graph/ @graph-dev\n",
    )
    .unwrap();
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let (code, _, err) = writ(
        &[
            "graph",
            "import",
            "cargo",
            "--manifest-path",
            manifest,
            "-o",
            "g.json",
        ],
        d,
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = writ(
        &[
            "graph",
            "import",
            "codeowners",
            "CODEOWNERS",
            "--merge",
            "g.json",
            "-o",
            "g.json",
        ],
        d,
    );
    assert_eq!(code, 0, "{err}");
    let merged = std::fs::read_to_string(d.join("g.json")).unwrap();
    assert!(
        merged.contains("\"id\": \"writ-graph\"")
            && merged.contains("\"id\": \"codeowners:@graph-dev\"")
    );
    let (code, _, _) = writ(&["graph", "check", "g.json"], d);
    assert_eq!(code, 0);
    let (code, a, _) = writ(
        &[
            "graph",
            "generate",
            "--services",
            "200",
            "--edges",
            "900",
            "--seed",
            "5",
        ],
        d,
    );
    let (_, b, _) = writ(
        &[
            "graph",
            "generate",
            "--services",
            "200",
            "--edges",
            "900",
            "--seed",
            "5",
        ],
        d,
    );
    assert_eq!(code, 0);
    assert_eq!(a, b, "deterministic");
    std::fs::write(d.join("gen.json"), &a).unwrap();
    let (code, _, err) = writ(&["graph", "check", "gen.json"], d);
    assert_eq!(code, 0, "{err}");
    // backstage, with an unresolved reference (a warning)
    std::fs::create_dir_all(d.join("svc")).unwrap();
    std::fs::write(d.join("svc/catalog-info.yaml"), "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc\nspec:\n  type: service\n  owner: team-x\n  dependsOn: [component:gone]\n---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-x\nspec:\n  type: team\n").unwrap();
    let (code, out, err) = writ(
        &["graph", "import", "backstage", "svc/catalog-info.yaml"],
        d,
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("warning[W0521]"), "{err}");
    assert!(out.contains("\"glob\": \"svc/**\""), "{out}");
}
