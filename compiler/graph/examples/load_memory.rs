//! Heap used by each step of loading a graph file: the text, the parsed
//! `Document`, and the validated `Graph` (a counting allocator over the
//! system one; live bytes and the peak since the previous step).
//!
//! `cargo run --release -p writ-graph --example load_memory -- graph.json`

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator, only counting.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Relaxed) + layout.size();
        PEAK.fetch_max(live, Relaxed);
        // SAFETY: the caller's layout, as given.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        // SAFETY: `ptr` came from `alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn step(name: &str, since: std::time::Instant) {
    let mib = |b: usize| b as f64 / (1024.0 * 1024.0);
    println!(
        "{name:<28} live {:>7.1} MiB   peak {:>7.1} MiB   {:>6.0} ms",
        mib(LIVE.load(Relaxed)),
        mib(PEAK.swap(LIVE.load(Relaxed), Relaxed)),
        since.elapsed().as_secs_f64() * 1000.0
    );
}

fn main() {
    let path = std::env::args().nth(1).expect("a graph file");
    let t = std::time::Instant::now();
    let text = std::fs::read_to_string(&path).expect("readable UTF-8");
    step("text", t);
    let t = std::time::Instant::now();
    let tree = writ_graph::json::parse(&text).expect("JSON");
    step("whole-file tree (not kept)", t);
    drop(tree);
    let t = std::time::Instant::now();
    let (doc, diags) = writ_graph::Document::parse(writ_diagnostics::FileId(0), &text);
    step("document", t);
    let doc = doc.expect("a document");
    assert!(diags.is_empty(), "{diags:?}");
    let t = std::time::Instant::now();
    let (graph, diags) = writ_graph::Graph::from_document(Some(writ_diagnostics::FileId(0)), doc);
    step("graph (validated, indexed)", t);
    assert!(graph.is_some(), "{diags:?}");
    let t = std::time::Instant::now();
    let canonical = graph.as_ref().map(|g| g.document().to_canonical_json());
    step("canonical JSON of the graph", t);
    drop(canonical);
}
