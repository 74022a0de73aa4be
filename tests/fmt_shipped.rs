//! Every policy writ ships (the standard library and everything under
//! `examples/`) is in the formatter's canonical layout, and formatting never
//! changes what a policy means: the fintech policies, reformatted at a narrow
//! width, compile to the same plan, source text and positions aside.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shipped policy folders (fixtures under `tests/` folders of crates are
/// not shipped and may be laid out any way).
const SHIPPED: &[&str] = &["stdlib-policies", "examples"];

fn writ_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            writ_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "writ") {
            out.push(path);
        }
    }
}

#[test]
fn every_shipped_policy_is_formatted() {
    let mut files = Vec::new();
    for dir in SHIPPED {
        writ_files(&root().join(dir), &mut files);
    }
    assert!(files.len() >= 12, "only {} shipped policies", files.len());
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let formatted = writ_syntax::format::format(&text)
            .unwrap_or_else(|e| panic!("{} does not parse: {e:?}", path.display()));
        assert!(
            formatted == text,
            "{} is not formatted: run `writ fmt {}`",
            path.display(),
            path.display()
        );
    }
    // And the CLI agrees (what CI and the pre-commit hook run).
    let out = Command::new(env!("CARGO_BIN_EXE_writ"))
        .args(["fmt", "--check"])
        .args(SHIPPED)
        .current_dir(root())
        .output()
        .expect("run writ");
    assert!(
        out.status.success(),
        "writ fmt --check: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn writ(args: &[&str], dir: &Path) {
    let out = Command::new(env!("CARGO_BIN_EXE_writ"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run writ");
    assert!(
        out.status.success(),
        "writ {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The plan without what layout may change: source texts and their digests,
/// and every `origin` (line, column, byte span).
fn meaning(plan: &Path) -> serde_json::Value {
    fn strip(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                map.remove("origin");
                map.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut value: serde_json::Value =
        serde_json::from_slice(&std::fs::read(plan).unwrap()).unwrap();
    strip(&mut value);
    let sources = value["sources"]
        .as_array_mut()
        .expect("a plan lists its sources");
    assert!(!sources.is_empty());
    for source in sources {
        let source = source.as_object_mut().expect("a source is an object");
        assert!(source.remove("text").is_some() && source.remove("sha256").is_some());
    }
    value
}

#[test]
fn reformatting_at_any_width_compiles_to_the_same_plan() {
    let tmp = tempfile::tempdir().unwrap();
    let fintech = root().join("examples/fintech");
    let graph = fintech.join("graph.json");
    let graph = graph.to_str().unwrap();
    writ(
        &[
            "plan",
            "--policy",
            fintech.join("policies").to_str().unwrap(),
            "--graph",
            graph,
            "-o",
            "original.json",
        ],
        tmp.path(),
    );
    for width in ["0", "30", "60"] {
        let policies = tmp.path().join(format!("policies-{width}"));
        std::fs::create_dir(&policies).unwrap();
        let mut changed = false;
        for entry in std::fs::read_dir(fintech.join("policies")).unwrap() {
            let path = entry.unwrap().path();
            let copy = policies.join(path.file_name().unwrap());
            std::fs::copy(&path, &copy).unwrap();
            writ(
                &["fmt", "--width", width, copy.to_str().unwrap()],
                tmp.path(),
            );
            changed |= std::fs::read(&copy).unwrap() != std::fs::read(&path).unwrap();
        }
        assert!(
            changed,
            "width {width} changed no file: the test shows nothing"
        );
        let plan = format!("plan-{width}.json");
        writ(
            &[
                "plan",
                "--policy",
                policies.to_str().unwrap(),
                "--graph",
                graph,
                "-o",
                &plan,
            ],
            tmp.path(),
        );
        assert_eq!(
            meaning(&tmp.path().join(&plan)),
            meaning(&tmp.path().join("original.json")),
            "reformatting at width {width} changed the plan"
        );
    }
}
