//! Fuzzes the policy front end: lexer, parser, diagnostic rendering and the
//! formatter, on arbitrary UTF-8. Crashes on a panic, and when formatting
//! succeeds but is not idempotent or changes the tree.
//!
//! Run: `cargo fuzz run parse` (see fuzz/README.md).
#![no_main]

use libfuzzer_sys::fuzz_target;
use writ_diagnostics::{FileId, SourceMap, render};
use writ_syntax::ast::strip_spans;
use writ_syntax::format::format;
use writ_syntax::{lexer, parse};

fuzz_target!(|text: &str| {
    let _ = lexer::lex(FileId(0), text);
    let parsed = parse(FileId(0), text);
    let mut files = SourceMap::new();
    files.add("fuzz.writ", text);
    let _ = render::human_string(&files, &parsed.diagnostics);

    if let Ok(once) = format(text) {
        let again = format(&once).expect("the formatter's output parses");
        assert_eq!(again, once, "formatting is not idempotent");
        assert_eq!(
            strip_spans(&format!("{:?}", parse(FileId(0), &once).file)),
            strip_spans(&format!("{:?}", parsed.file)),
            "formatting changed the tree"
        );
    }
});
