//! Semantic diagnostics, one case file per code, checked against
//! `tests/graph.json`; each case's rendered diagnostics are a snapshot beside it.

use std::collections::BTreeSet;
use std::path::Path;
use writ_analysis::Host;
use writ_diagnostics::{codes, render};

fn host_for(path: &Path) -> Host {
    let text = std::fs::read_to_string(path).unwrap();
    let graph =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/graph.json"))
            .unwrap();
    let name = format!("cases/{}", path.file_name().unwrap().to_string_lossy());
    Host::new(
        vec![(name, "main".into(), text)],
        Some(("graph.json".into(), graph)),
    )
}

/// Checks one case: its file name says which code it must produce
/// (`E0401_…`), or that it must produce none (`pass_…`).
fn check(path: &Path) -> String {
    let host = host_for(path);
    let diagnostics = host.diagnostics();
    let stem = path.file_stem().unwrap().to_string_lossy().to_string();
    let produced: BTreeSet<&str> = diagnostics.iter().map(|d| d.code.id()).collect();
    if stem.starts_with("pass_") {
        assert!(
            diagnostics.is_empty(),
            "{stem}: {}",
            render::human_string(&host.sources, &diagnostics)
        );
        assert!(host.plan().is_ok(), "{stem} must compile");
    } else {
        let code = stem.split('_').next().unwrap();
        assert!(
            produced.contains(code),
            "{stem} must produce {code}, produced {produced:?}"
        );
    }
    render::human_string(&host.sources, &diagnostics)
}

#[test]
fn semantic_cases() {
    insta::glob!("cases/*.writ", |path| {
        let rendered = check(path);
        insta::with_settings!({ snapshot_path => path.parent().unwrap(), prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!(path.file_stem().unwrap().to_string_lossy().to_string(), rendered);
        });
    });
}

#[test]
fn every_semantic_code_has_a_case() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut produced = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "writ") {
            let host = host_for(&path);
            for d in host.diagnostics() {
                produced.insert(d.code.id());
            }
        }
    }
    let missing: Vec<&str> = codes::ALL
        .iter()
        .map(|c| c.id())
        .filter(|id| {
            ["E03", "E04", "W03", "W04"]
                .iter()
                .any(|p| id.starts_with(p))
        })
        .filter(|id| !produced.contains(id))
        // Violated assertions come from proving, which the checker does not
        // do: writ-ide's `assertions` fixture and tests/prove_cli.rs produce it.
        .filter(|id| *id != "E0415")
        .collect();
    assert!(
        missing.is_empty(),
        "codes without a case producing them: {missing:?}"
    );
}
