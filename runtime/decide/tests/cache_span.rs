//! The graph's place that the run building the prepared-plan cache records:
//! the range of the plan's text `writ_plan::load_shared` kept the graph as,
//! which must be where `writ_plan::graph_span` finds the graph in the
//! plan's bytes after a byte order mark, with or without one; a plan that
//! is not text is refused as before, with or without a cache.

mod common;

use writ_diagnostics::FileId;
use writ_runtime::{CacheStatus, LoadError, PlanCache, load_prepared};

/// The span a cache file's body starts with (after its 116-byte header).
fn recorded_span(file: &std::path::Path) -> std::ops::Range<usize> {
    let bytes = std::fs::read(file).unwrap();
    let at = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().unwrap()) as usize;
    at(116)..at(124)
}

#[test]
fn the_recorded_place_is_where_the_graph_is_with_or_without_a_bom() {
    let plan = common::compile().0;
    let bytes = plan.to_canonical_bytes();
    let expected = writ_plan::graph_span(&bytes, &plan).expect("the graph is in the bytes");
    let mut bom = writ_diagnostics::limits::BOM.as_bytes().to_vec();
    bom.extend_from_slice(&bytes);
    // Built from the plan with a byte order mark, read by both; then the
    // other way round.
    for (first, second) in [(&bom, &bytes), (&bytes, &bom)] {
        let dir = tempfile::tempdir().unwrap();
        let cache = PlanCache::at(dir.path());
        let load = |b: &Vec<u8>| load_prepared(FileId(0), b.clone(), Some(&cache)).unwrap().1;
        assert_eq!(load(first), CacheStatus::Built);
        let file = cache.file_for(&writ_plan::sha256_hex(&bytes));
        assert_eq!(recorded_span(&file), expected);
        assert_eq!(load(first), CacheStatus::Hit);
        assert_eq!(load(second), CacheStatus::Hit);
        // Without the hint, the cache found all the same.
        for hint in std::fs::read_dir(dir.path()).unwrap() {
            let hint = hint.unwrap().path();
            if hint.extension().is_some_and(|e| e == "hint") {
                std::fs::remove_file(hint).unwrap();
            }
        }
        assert_eq!(load(second), CacheStatus::Hit);
    }
}

#[test]
fn a_plan_that_is_not_text_is_refused_with_or_without_a_cache() {
    let mut bytes = common::compile().0.to_canonical_bytes();
    // An invalid UTF-8 byte inside a string of the plan.
    let at = bytes.windows(7).position(|w| w == b"\"rules\"").unwrap() + 2;
    bytes[at] = 0xff;
    let dir = tempfile::tempdir().unwrap();
    let cache = PlanCache::at(dir.path());
    let expected = writ_plan::load(FileId(0), &bytes).expect_err("refused");
    for cache in [None, Some(&cache)] {
        match load_prepared(FileId(0), bytes.clone(), cache) {
            Err(LoadError::Plan {
                diagnostic,
                bytes: back,
            }) => {
                assert_eq!(diagnostic.code, expected.code);
                assert_eq!(diagnostic.message, expected.message);
                assert_eq!(back, bytes, "the bytes are given back as they were");
            }
            other => panic!("not refused: {:?}", other.map(|(_, s)| s)),
        }
    }
    assert!(
        std::fs::read_dir(dir.path()).map_or(true, |d| d.count() == 0),
        "nothing written"
    );
}
