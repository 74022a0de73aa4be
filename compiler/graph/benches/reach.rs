//! Benchmark: load + index a synthetic 100,000-service / 500,000-edge graph,
//! then reach for a typical change (one leaf service) and a worst-case change
//! (the most used platform library), each against a plain BFS over the same
//! adjacency in the same run.
//!
//! Run: `cargo bench -p writ-graph --bench reach` (set WRIT_BENCH_SERVICES /
//! WRIT_BENCH_EDGES to change the size).

use std::time::{Duration, Instant};
use writ_diagnostics::SourceMap;
use writ_graph::generate::{GenerateOptions, generate};
use writ_graph::{Direction, EdgeMask, Graph, NodeIdx, ReachQuery, ReachScratch};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Median time per call of `f` over enough rounds to fill ~0.5 s.
fn time<R>(mut f: impl FnMut() -> R) -> Duration {
    let start = Instant::now();
    std::hint::black_box(f());
    let once = start.elapsed().max(Duration::from_nanos(50));
    let rounds =
        ((Duration::from_millis(500).as_nanos() / once.as_nanos()) as usize).clamp(5, 20_000);
    let mut samples: Vec<Duration> = (0..rounds)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed()
        })
        .collect();
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    // `cargo bench` passes `--bench`; anything else (`cargo test --all-targets`)
    // is a quick smoke run on a small graph.
    let full = std::env::args().any(|a| a == "--bench");
    let services = env("WRIT_BENCH_SERVICES", if full { 100_000 } else { 2_000 });
    let edges = env("WRIT_BENCH_EDGES", if full { 500_000 } else { 10_000 });
    println!("workload: synthetic graph, {services} services, {edges} edges, seed 7");
    let t = Instant::now();
    let doc = generate(GenerateOptions {
        services,
        edges,
        seed: 7,
    });
    let text = doc.to_json();
    println!(
        "generate + serialise: {:?} ({} MB of JSON)",
        t.elapsed(),
        text.len() / 1_000_000
    );

    let t = Instant::now();
    let tree =
        writ_graph::json::parse(&text).map(|v| matches!(v.kind, writ_graph::json::Kind::Object(_)));
    println!("  of which JSON parse alone: {:?} ({tree:?})", t.elapsed());
    let t = Instant::now();
    let mut set = globset::GlobSetBuilder::new();
    for n in &doc.nodes {
        for p in &n.paths {
            set.add(writ_graph::paths::compile_glob(&p.glob).expect("glob"));
        }
    }
    let set = set.build().expect("globset");
    println!(
        "  of which glob set build alone: {:?} ({} globs)",
        t.elapsed(),
        set.len()
    );
    let t = Instant::now();
    let mut map = SourceMap::new();
    let (graph, diags) = Graph::parse(&mut map, "bench.json", text);
    let load = t.elapsed();
    let graph = graph.unwrap_or_else(|| panic!("generated graph invalid: {:?}", diags.first()));
    println!(
        "load + validate + index: {load:?} ({} nodes, {} edges, {} path claims)",
        graph.nodes().len(),
        graph.edges().len(),
        graph.paths().claim_count()
    );

    let idx = graph.index();
    let mut scratch = ReachScratch::new(idx.node_count());
    // typical: the median reach over a deterministic sample of 200 services
    // (one file of that service changes); worst case: the most used platform
    // library.
    let all = EdgeMask::ALL;
    let mut sample: Vec<(usize, String)> = (0..200)
        .map(|i| {
            let id = graph.nodes()[i * (services / 200).max(1)].id.to_string();
            let n = graph.node_index(&id).expect("node");
            let q = ReachQuery {
                from: &[n],
                edge_kinds: all,
                max_depth: None,
                direction: Direction::Reverse,
            };
            (idx.reach_with(&mut scratch, &q).len(), id)
        })
        .collect();
    sample.sort();
    let (median, typical_id) = sample[sample.len() / 2].clone();
    let typical_file = format!("services/{typical_id}/src/handler.rs");
    println!(
        "typical change: {typical_file} (median reach {median} nodes over 200 sampled services; max {})",
        sample.last().map_or(0, |s| s.0)
    );
    let touched = graph.touched([typical_file.as_str()]);
    let lib0 = graph.node_index("platform/lib-0").expect("lib-0");
    for (name, from) in [
        ("typical (one service file)", touched.nodes.clone()),
        ("worst case (platform/lib-0)", vec![lib0]),
    ] {
        let q = ReachQuery {
            from: &from,
            edge_kinds: EdgeMask::ALL,
            max_depth: None,
            direction: Direction::Reverse,
        };
        let reached = idx.reach_with(&mut scratch, &q).len();
        let bfs_count = idx.plain_bfs(&from, Direction::Reverse);
        assert_eq!(reached, bfs_count, "reach and BFS disagree");
        let reach_t = time(|| idx.reach_with(&mut scratch, &q).len());
        let reach_fresh = time(|| idx.reach(&q).len());
        let bfs_t = time(|| idx.plain_bfs(&from, Direction::Reverse));
        println!(
            "{name}: reaches {reached} nodes | reach {reach_t:?} (fresh scratch {reach_fresh:?}) | plain BFS {bfs_t:?} | ratio reach/BFS {:.2} (fresh {:.2})",
            reach_t.as_secs_f64() / bfs_t.as_secs_f64(),
            reach_fresh.as_secs_f64() / bfs_t.as_secs_f64()
        );
    }
    let touch_t = time(|| graph.touched([typical_file.as_str()]).nodes.len());
    println!(
        "touched (one file against {} globs in one set): {touch_t:?}",
        graph.paths().claim_count()
    );
    let witness_t = time(|| {
        let q = ReachQuery {
            from: &[lib0],
            edge_kinds: EdgeMask::ALL,
            max_depth: None,
            direction: Direction::Reverse,
        };
        let r = idx.reach_with(&mut scratch, &q);
        r.witness(NodeIdx(0)).map(|w| w.len())
    });
    println!("worst-case reach + one witness path lookup: {witness_t:?}");

    // Merging importers' documents finds entries by id through an index
    // (a linear search per entry took minutes on a 20,000-entity catalog):
    // merging the document into a copy of itself, against cloning it (the
    // baseline: the same entries, no look-ups), in the same run.
    let clone_t = time(|| doc.clone().nodes.len());
    let merge_t = time(|| {
        let mut merged = doc.clone();
        merged.merge(doc.clone());
        assert_eq!(merged.nodes.len(), doc.nodes.len());
        merged.nodes.len()
    });
    println!(
        "merge of {} nodes into a copy of themselves: {merge_t:?} | clone {clone_t:?} | ratio merge/clone {:.2} (two clones and the merge; linear stays a small constant)",
        doc.nodes.len(),
        merge_t.as_secs_f64() / clone_t.as_secs_f64()
    );
}
