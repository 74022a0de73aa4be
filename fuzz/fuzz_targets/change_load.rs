//! Fuzz change files: any bytes give a change or an error diagnostic whose
//! span lies inside the input, never a panic; a change that loads
//! round-trips through its own JSON to the same change.
#![no_main]

use libfuzzer_sys::fuzz_target;
use writ_diagnostics::SourceMap;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let len = text.len() as u32;
    let mut map = SourceMap::new();
    let (change, diags) = writ_graph::Change::parse(&mut map, "change.json", text);
    for d in &diags {
        assert!(d.primary.span.end <= len, "{d:?}");
    }
    let _ = writ_diagnostics::render::human_string(&map, &diags);
    match change {
        None => assert!(diags.iter().any(|d| d.is_error())),
        Some(change) => {
            let (again, diags) = writ_graph::Change::parse(&mut map, "again.json", change.to_json());
            assert_eq!(again.as_ref(), Some(&change), "{diags:?}");
        }
    }
});
