//! Fuzz the Backstage importer: any text (one or two catalog files) gives a
//! document plus diagnostics whose spans lie inside their file, never a panic
//! or a stack overflow (YAML nesting is bounded before the document loads).
#![no_main]

use libfuzzer_sys::fuzz_target;
use writ_diagnostics::FileId;
use writ_graph::import::backstage::{CatalogFile, import};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // A NUL splits the input into two catalog files, so references across
    // files are exercised too.
    let parts: Vec<&str> = text.splitn(2, '\0').collect();
    let files: Vec<CatalogFile<'_>> = parts
        .iter()
        .enumerate()
        .map(|(i, t)| CatalogFile {
            file: FileId(i as u32),
            text: t,
            dir: if i == 0 { "" } else { "svc" },
        })
        .collect();
    let (_doc, diags) = import(&files);
    for d in &diags {
        let len = parts[d.primary.file.0 as usize].len();
        assert!(d.primary.span.end as usize <= len, "{d:?}");
    }
});
