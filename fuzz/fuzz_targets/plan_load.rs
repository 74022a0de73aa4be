//! Fuzz the plan loader: any bytes give a plan or a diagnostic, never a
//! panic, and a plan that loads is exactly its canonical bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(plan) = writ_plan::load(writ_diagnostics::FileId(0), data) {
        assert_eq!(plan.to_canonical_bytes(), data);
        let _ = plan.graph.node_ids();
    }
});
