//! The graph loader's data-driven corpus: `tests/corpus/bad/*.json` must be
//! rejected with diagnostics (rendered as a user sees them and snapshotted
//! beside the case); the file name starts with the code it exists for, which
//! must be among them. `tests/corpus/good/*.json` must load; warnings (if
//! any) and a summary are snapshotted.
//!
//! Update with `INSTA_UPDATE=always cargo test -p writ-graph --test corpus`,
//! then read every changed `.snap`.

use std::path::{Path, PathBuf};
use writ_diagnostics::{SourceMap, render};
use writ_graph::Graph;

const CRATE_DIR: &str = env!("CARGO_MANIFEST_DIR");

fn cases(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(CRATE_DIR).join("tests/corpus").join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

fn snapshot_beside(path: &Path, value: &str) {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .expect("UTF-8 file name");
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(path.parent().expect("case has a directory"));
    settings.remove_snapshot_suffix();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(stem, value));
}

fn load(path: &Path) -> (SourceMap, Option<Graph>, Vec<writ_diagnostics::Diagnostic>) {
    let text = std::fs::read_to_string(path).expect("read case");
    let name = format!(
        "{}/{}",
        path.parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_string_lossy(),
        path.file_name().unwrap().to_string_lossy()
    );
    let mut map = SourceMap::new();
    let (graph, diags) = Graph::parse(&mut map, name, text);
    (map, graph, diags)
}

#[test]
fn bad_graphs_are_rejected_with_located_errors() {
    let cases = cases("bad");
    assert!(cases.len() >= 20, "the bad corpus shrank");
    for path in cases {
        let (map, graph, diags) = load(&path);
        assert!(graph.is_none(), "{} loaded", path.display());
        assert!(
            diags.iter().any(|d| d.is_error()),
            "{}: no error",
            path.display()
        );
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        let code = stem.split('_').next().unwrap().to_uppercase();
        assert!(
            diags.iter().any(|d| d.code.id() == code),
            "{}: expected {code}, got {:?}",
            path.display(),
            diags.iter().map(|d| d.code).collect::<Vec<_>>()
        );
        // every diagnostic points into the file
        let len = map.get(diags[0].primary.file).text().len() as u32;
        for d in &diags {
            assert!(
                d.primary.span.end <= len,
                "{}: span out of range",
                path.display()
            );
        }
        snapshot_beside(&path, &render::human_string(&map, &diags));
    }
}

#[test]
fn good_graphs_load() {
    for path in cases("good") {
        let (map, graph, diags) = load(&path);
        let graph = graph.unwrap_or_else(|| {
            panic!("{}: {}", path.display(), render::human_string(&map, &diags))
        });
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        if let Some(code) = stem.split('_').next().filter(|c| c.starts_with('w')) {
            assert!(
                diags.iter().any(|d| d.code.id() == code.to_uppercase()),
                "{}: expected {code}",
                path.display()
            );
        }
        let summary = format!(
            "nodes: {}\nedges: {}\nteams: {}\npeople: {}\nedge kinds: {}\n\n{}",
            graph
                .nodes()
                .iter()
                .map(|n| n.id.value.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            graph
                .edges()
                .iter()
                .map(|e| format!(
                    "{} -{}-> {}",
                    graph.node(e.from).id.value,
                    graph.edge_kind_name(e.kind),
                    graph.node(e.to).id.value
                ))
                .collect::<Vec<_>>()
                .join(", "),
            graph.teams().len(),
            graph.people().len(),
            graph.edge_kinds().join(", "),
            render::human_string(&map, &diags)
        );
        snapshot_beside(&path, &summary);
    }
}

#[test]
fn every_graph_code_has_a_case() {
    let names: Vec<String> = cases("bad")
        .iter()
        .chain(cases("good").iter())
        .map(|p| p.file_name().unwrap().to_string_lossy().to_uppercase())
        .collect();
    for code in writ_diagnostics::codes::ALL {
        let id = code.id();
        // loader codes only: E05xx/W05xx below 20 (20+ are importers')
        let n: u32 = id[1..].parse().unwrap();
        if !(501..520).contains(&n) || id == "E0502" || id == "E0516" {
            continue;
        }
        assert!(
            names
                .iter()
                .any(|n| n.starts_with(id) || n.contains(&format!("_{id}_"))),
            "no corpus case for {id}"
        );
    }
}

#[test]
fn bad_changes_are_rejected_with_located_errors() {
    let cases = cases("change");
    assert!(cases.len() >= 8);
    for path in cases {
        let text = std::fs::read_to_string(&path).unwrap();
        let mut map = SourceMap::new();
        let name = format!("change/{}", path.file_name().unwrap().to_string_lossy());
        let (change, diags) = writ_graph::Change::parse(&mut map, name, text);
        assert!(change.is_none(), "{} loaded", path.display());
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        let code = stem.split('_').next().unwrap().to_uppercase();
        assert!(
            diags.iter().any(|d| d.code.id() == code),
            "{}: expected {code}, got {:?}",
            path.display(),
            diags.iter().map(|d| d.code).collect::<Vec<_>>()
        );
        snapshot_beside(&path, &render::human_string(&map, &diags));
    }
}
