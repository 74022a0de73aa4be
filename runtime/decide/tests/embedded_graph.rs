//! The plan's graph is parsed from its embedded text: plan node numbers follow
//! the order the text lists nodes in, whatever order the loaded graph keeps.

mod common;

use writ_plan::{EmbeddedGraph, Plan};
use writ_runtime::Prepared;

/// The compiled fixture plan with its graph's nodes listed in reverse order
/// and its static node sets renumbered to match.
fn reversed(plan: &Plan) -> Plan {
    let mut graph: serde_json::Value = serde_json::from_str(plan.graph.as_str()).unwrap();
    let nodes = graph["nodes"].as_array_mut().unwrap();
    nodes.reverse();
    let n = nodes.len() as u32;
    let text = serde_json::to_string(&graph).unwrap();
    let mut out = plan.clone();
    out.graph = EmbeddedGraph::from_canonical(text).unwrap();
    out.graph_sha256 = out.graph.digest();
    for set in &mut out.sets {
        for i in set.iter_mut() {
            *i = n - 1 - *i;
        }
        set.sort_unstable();
    }
    out
}

#[test]
fn plan_node_numbers_follow_the_embedded_text() {
    let (plan, _) = common::compile();
    let original = Prepared::new(plan.clone()).unwrap();
    let plan = reversed(&plan);
    let ids = plan.graph.node_ids().to_vec();
    assert!(ids.len() > 2 && ids.windows(2).all(|w| w[0] > w[1]));
    // Still a loadable plan: canonical, digests match, sets fit.
    let bytes = plan.to_canonical_bytes();
    let loaded = writ_plan::load(writ_diagnostics::FileId(0), &bytes).unwrap();
    let prepared = Prepared::new(loaded).unwrap();
    for (i, id) in ids.iter().enumerate() {
        let idx = prepared.node_of_plan(i as u32).unwrap();
        assert_eq!(&prepared.graph().node(idx).id.value, id);
    }
    assert_eq!(prepared.node_of_plan(ids.len() as u32), None);
    // Every static set names the same nodes as before the reordering.
    let named = |p: &Prepared, sets: &[Vec<u32>]| -> Vec<Vec<String>> {
        sets.iter()
            .map(|set| {
                let mut names: Vec<String> = set
                    .iter()
                    .map(|&i| p.graph().node(p.node_of_plan(i).unwrap()).id.to_string())
                    .collect();
                names.sort();
                names
            })
            .collect()
    };
    assert_eq!(
        named(&prepared, &plan.sets),
        named(&original, &original.plan().sets)
    );
}

#[test]
fn an_embedded_graph_that_does_not_load_is_a_prepare_error() {
    let (mut plan, _) = common::compile();
    plan.graph =
        EmbeddedGraph::from_canonical(r#"{"nodes":[{"id":"a"}],"version":1}"#.into()).unwrap();
    plan.graph_sha256 = plan.graph.digest();
    let Err(err) = Prepared::new(plan) else {
        panic!("a plan whose graph does not load was prepared");
    };
    assert!(!err.problems.is_empty());
}
