//! Touched, reached and witness paths on a small hand-written graph, and
//! the path-claim precedence rules of docs/graph.md.

use writ_diagnostics::SourceMap;
use writ_graph::{Direction, EdgeMask, Graph, NodeIdx};

fn graph(text: &str) -> Graph {
    let mut map = SourceMap::new();
    let (g, diags) = Graph::parse(&mut map, "g.json", text.to_string());
    g.unwrap_or_else(|| panic!("{}", writ_diagnostics::render::human_string(&map, &diags)))
}

fn full() -> Graph {
    graph(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/corpus/good/full.json"
        ))
        .unwrap(),
    )
}

fn ids(g: &Graph, nodes: &[NodeIdx]) -> Vec<String> {
    nodes.iter().map(|&n| g.node(n).id.to_string()).collect()
}

#[test]
fn touched_uses_one_glob_set_and_reports_unowned_files() {
    let g = full();
    let t = g.touched([
        "services/payments/src/lib.rs",
        "README.md",
        "services/checkout/main.rs",
        "services/payments/src/lib.rs",
    ]);
    assert_eq!(ids(&g, &t.nodes), ["checkout", "payments"]);
    assert_eq!(t.unowned, ["README.md"]);
    assert_eq!(t.files.len(), 3, "duplicates merged");
    assert_eq!(
        t.file_for(g.node_index("payments").unwrap()),
        Some("services/payments/src/lib.rs")
    );
}

#[test]
fn highest_priority_wins_within_a_layer() {
    let g = full();
    // payments claims vendored/** at priority 1, unowned_paths at priority 2: unowned wins
    let t = g.touched(["services/payments/vendored/x.c"]);
    assert!(t.nodes.is_empty());
    assert_eq!(t.unowned, ["services/payments/vendored/x.c"]);
}

#[test]
fn layers_combine_and_ties_union() {
    let g = graph(
        r#"{"version": 1, "nodes": [
        {"id": "root", "kind": "component", "paths": [{"glob": "**", "layer": "cargo"}]},
        {"id": "inner", "kind": "library", "paths": [{"glob": "libs/x/**", "priority": 2, "layer": "cargo"}]},
        {"id": "owners", "kind": "component", "paths": [{"glob": "**/*.rs", "priority": 10, "layer": "codeowners"}]},
        {"id": "docs-a", "kind": "component", "paths": ["docs/**"]},
        {"id": "docs-b", "kind": "component", "paths": ["**/*.md"]}
    ]}"#,
    );
    // cargo layer: inner (priority 2) beats root (0); codeowners layer adds owners
    assert_eq!(
        ids(&g, &g.touched(["libs/x/src/a.rs"]).nodes),
        ["inner", "owners"]
    );
    assert_eq!(
        ids(&g, &g.touched(["src/main.rs"]).nodes),
        ["owners", "root"]
    );
    // default layer, equal priority: union
    assert_eq!(
        ids(&g, &g.touched(["docs/a.md"]).nodes),
        ["docs-a", "docs-b", "root"]
    );
    // `*` does not cross directories
    let g2 = graph(
        r#"{"version": 1, "nodes": [{"id": "a", "kind": "service", "paths": ["src/*.rs"]}]}"#,
    );
    assert_eq!(g2.touched(["src/deep/x.rs"]).unowned, ["src/deep/x.rs"]);
    assert!(g2.touched(["src/x.rs"]).unowned.is_empty());
}

#[test]
fn global_files_touch_the_chosen_nodes() {
    let g = full();
    // Cargo.lock touches every service and the node `http`
    assert_eq!(
        ids(&g, &g.touched(["Cargo.lock"]).nodes),
        ["checkout", "http", "payments"]
    );
}

#[test]
fn reach_follows_reverse_edges_with_filters_depth_and_witness() {
    let g = full();
    let http = g.node_index("http").unwrap();
    let r = g.reach(&[http], EdgeMask::ALL, None, Direction::Reverse);
    assert_eq!(
        ids(&g, &r.nodes()),
        ["checkout", "deploy", "http", "payments"]
    );
    let w = r.witness(g.node_index("deploy").unwrap()).unwrap();
    let path: Vec<String> = w
        .iter()
        .map(|s| {
            format!(
                "{}{}",
                s.via
                    .map(|k| format!("<{}>", g.edge_kind_name(k)))
                    .unwrap_or_default(),
                g.node(s.node).id.value
            )
        })
        .collect();
    assert_eq!(
        path,
        ["http", "<depends_on>checkout", "<deploys>deploy"],
        "shortest, ties by id order"
    );
    // only depends_on: deploy is not reached
    let dep = g.edge_mask(["depends_on"]).unwrap();
    assert_eq!(
        ids(&g, &g.reach(&[http], dep, None, Direction::Reverse).nodes()),
        ["checkout", "http", "payments"]
    );
    // depth 0: only the start
    assert_eq!(
        g.reach(&[http], EdgeMask::ALL, Some(0), Direction::Reverse)
            .len(),
        1
    );
    // forward (exposure): payments can write the ledger and publish events
    let p = g.node_index("payments").unwrap();
    assert_eq!(
        ids(
            &g,
            &g.reach(&[p], EdgeMask::ALL, None, Direction::Forward)
                .nodes()
        ),
        ["events", "http", "ledger", "payments"]
    );
    assert!(g.edge_mask(["dependson"]).is_err());
}

#[test]
fn lookups_for_name_resolution() {
    let g = full();
    assert!(g.tags().contains("phi"));
    assert!(g.attribute_names().contains("tier"));
    assert!(g.check_names().contains("integration"));
    assert!(g.node_kinds().iter().any(|k| k == "queue"));
    assert_eq!(
        g.person_by_email("ALICE@example.com")
            .map(|p| p.id.value.as_str()),
        Some("alice")
    );
    assert_eq!(
        g.owner_people(&g.node_by_id("payments").unwrap().owners)
            .into_iter()
            .collect::<Vec<_>>(),
        ["alice", "bot"]
    );
    assert!(g.team("payments-team").is_some() && g.person("payments-team").is_none());
    // spans of node entries point at their definition
    let n = g.node_by_id("ledger").unwrap();
    assert!(n.span.start < n.span.end && n.id.span.start > n.span.start);
    assert!(g.cycles().is_empty());
}

#[test]
fn documents_round_trip_through_the_native_format() {
    let g = full();
    let mut doc = g.document().clone();
    doc.normalize();
    let text = doc.to_json();
    let g2 = graph(&text);
    let mut doc2 = g2.document().clone();
    doc2.normalize();
    assert_eq!(doc2.to_json(), text, "write → read → write is stable");
    assert_eq!(g2.edges().len(), g.edges().len());
}

/// The validator finds an edge's target by the address of its interned
/// name first (graph/validate.rs): a parsed graph's targets share their
/// node's id allocation, and a document whose names were made apart (no
/// shared allocation) still gives exactly the same edges — and the same
/// error for an unknown target — through the lookup by text.
#[test]
fn edge_targets_resolve_alike_shared_or_not() {
    use writ_diagnostics::FileId;
    use writ_graph::model::Name;
    type Summary = (Option<Vec<(u32, u8, u32)>>, Vec<String>);
    fn summary(doc: writ_graph::Document) -> Summary {
        let (g, diags) = Graph::from_document(Some(FileId(0)), doc);
        let edges = g.map(|g| {
            g.edges()
                .iter()
                .map(|e| (e.from.0, e.kind.0, e.to.0))
                .collect()
        });
        let codes = diags.iter().map(|d| format!("{:?}", d.code)).collect();
        (edges, codes)
    }
    fn shared_and_apart(text: &str) -> (Summary, Summary) {
        let (doc, diags) = writ_graph::Document::parse(FileId(0), text);
        let doc = doc.unwrap_or_else(|| panic!("{diags:?}"));
        let id_addr = |id: &str| {
            doc.nodes
                .iter()
                .find(|n| n.id.value == id)
                .map(|n| n.id.value.shared_addr())
        };
        for n in &doc.nodes {
            for e in &n.edges {
                if e.to.value != "ghost" {
                    assert_eq!(
                        Some(e.to.value.shared_addr()),
                        id_addr(&e.to.value),
                        "edge target `{}` shares its node's id",
                        e.to.value
                    );
                }
            }
        }
        let mut apart = doc.clone();
        for n in &mut apart.nodes {
            n.id.value = Name::from(n.id.value.as_str());
            for e in &mut n.edges {
                e.to.value = Name::from(e.to.value.as_str());
                assert_ne!(Some(e.to.value.shared_addr()), id_addr(&e.to.value));
            }
        }
        (summary(doc), summary(apart))
    }
    let (shared, apart) = shared_and_apart(
        r#"{"version":1,"nodes":[
        {"id":"a","kind":"service","edges":{"depends_on":["b","c"],"calls":["c"]}},
        {"id":"b","kind":"service","edges":{"depends_on":["c"]}},
        {"id":"c","kind":"service","edges":{"calls":["a"]}}
    ]}"#,
    );
    assert_eq!(shared, apart);
    let edges = shared.0.expect("a valid graph");
    assert_eq!(edges.len(), 5, "{edges:?}");
    let (shared, apart) = shared_and_apart(
        r#"{"version":1,"nodes":[
        {"id":"a","kind":"service","edges":{"depends_on":["b","ghost"]}},
        {"id":"b","kind":"service"}
    ]}"#,
    );
    assert_eq!(shared, apart);
    assert!(
        shared.1.iter().any(|c| c.contains("E0507")),
        "the unknown target is reported: {shared:?}"
    );
}
