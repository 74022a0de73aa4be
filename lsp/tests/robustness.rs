//! Thousands of random edits (insertions and deletions at random UTF-16
//! positions, including inside surrogate pairs and past line ends) with
//! requests of every kind interleaved and running concurrently: every
//! request is answered (a result, or `ContentModified` when an edit overtook
//! it — never an internal error, which is what a panic becomes), and the
//! server's text always matches an independent model of the edits.

mod common;

use common::*;
use std::sync::Arc;
use std::time::{Duration, Instant};
use writ_lsp::LanguageServer;
use writ_lsp::ls_types::*;

/// splitmix64, so a failure reproduces from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// The model: the byte offset of a UTF-16 position, written independently
/// of the server's `LineIndex` (clamped to the line's end and the text's
/// end; inside a character, its start).
fn model_offset(text: &str, line: u32, character: u32) -> usize {
    let mut start = 0;
    for _ in 0..line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let end = if text[start..end].ends_with('\r') {
        end - 1
    } else {
        end
    };
    let mut units = 0;
    for (i, c) in text[start..end].char_indices() {
        if units + c.len_utf16() as u32 > character {
            return start + i;
        }
        units += c.len_utf16() as u32;
    }
    end
}

const PIECES: &[&str] = &[
    "é",
    "😀",
    "☕",
    "日本",
    "\n",
    "\r\n",
    " ",
    "\"",
    "{",
    "}",
    "(",
    ")",
    "::",
    ".",
    "rule r {",
    "for svc in ",
    "change.reaches(service where tags has \"pci\")",
    "require check \"integration\" on svc",
    "require approval ",
    "owners_review(svc)",
    "use std::approvals::{owners_review}\n",
    "test \"t\" { change { touches \"a\" } expect fires r }",
    "node \"payments-api\"",
    "team \"payments\"",
    "forbid f \"m\" { when change.emergency }",
    "let x = any\n",
    "approval a(n) { 1 of owners(n) }",
    "emergency e { 1 of person \"sam\" followup review within 1h }",
    "// c\n",
    "///",
    "//!",
    "where",
    "via calls",
    "depth <= 2",
    "2026-01-01",
    "48h",
    "\\u{1F600}",
    "$",
    "\t",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_edits_with_interleaved_requests() {
    let seed = std::env::var("WRIT_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_u64);
    let edits = std::env::var("WRIT_FUZZ_EDITS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3_000usize);
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("graph.json"), GRAPH).unwrap();
    let initial = "use std::approvals::{owners_review}\n\n/// Résumé ☕ 😀\nrule r {\n  for svc in change.reaches(service where tags has \"pci\")\n  require approval owners_review(svc)\n}\n";
    std::fs::write(root.join("main.writ"), initial).unwrap();
    std::fs::write(
        root.join("other.writ"),
        "rule other { require approval main::r }\n",
    )
    .unwrap();
    let (server, mut rx) = server(Duration::from_millis(2), &root.join(".std"));
    let server = Arc::new(server);
    server.initialize(init_params(root, None)).await.unwrap();
    server.initialized(InitializedParams {}).await;
    let uri = uri(&root.join("main.writ"));
    server
        .did_open(DidOpenTextDocumentParams {
            text_document: TextDocumentItem {
                uri: uri.clone(),
                language_id: "writ".into(),
                version: 0,
                text: initial.into(),
            },
        })
        .await;
    // Drain publications as they come.
    let drain = tokio::spawn(async move { while rx.recv().await.is_some() {} });
    let started = Instant::now();
    let mut model = initial.to_string();
    let mut pending = Vec::new();
    let mut answered = 0usize;
    let mut modified = 0usize;
    for version in 1..=edits as i32 {
        let lines = model.matches('\n').count() as u64 + 1;
        let random_pos = |rng: &mut Rng| Position {
            line: rng.below(lines + 2) as u32,
            character: rng.below(90) as u32,
        };
        let a = random_pos(&mut rng);
        let (range, text) = match rng.below(3) {
            // insertion
            0 | 1 => (
                Range { start: a, end: a },
                PIECES[rng.below(PIECES.len() as u64) as usize].to_string(),
            ),
            // deletion (possibly reversed, possibly spanning lines)
            _ => {
                let b = if rng.below(4) == 0 {
                    random_pos(&mut rng)
                } else {
                    Position {
                        line: a.line,
                        character: a.character + rng.below(6) as u32,
                    }
                };
                (Range { start: a, end: b }, String::new())
            }
        };
        let start = model_offset(&model, range.start.line, range.start.character);
        let end = model_offset(&model, range.end.line, range.end.character).max(start);
        model.replace_range(start..end, &text);
        // Keep the document from growing without bound.
        let (range, text) = if model.len() > 6_000 {
            model = initial.to_string();
            (None, initial.to_string())
        } else {
            (Some(range), text)
        };
        server
            .did_change(DidChangeTextDocumentParams {
                text_document: VersionedTextDocumentIdentifier {
                    uri: uri.clone(),
                    version,
                },
                content_changes: vec![TextDocumentContentChangeEvent {
                    range,
                    range_length: None,
                    text,
                }],
            })
            .await;
        if version % 7 == 0 {
            let kind = rng.below(12);
            let p = random_pos(&mut rng);
            let s = server.clone();
            let u = uri.clone();
            pending.push(tokio::spawn(async move { request(&s, &u, kind, p).await }));
        }
        if pending.len() >= 8 {
            for handle in pending.drain(..) {
                match handle.await.expect("request task") {
                    Ok(()) => answered += 1,
                    Err(e)
                        if e.code == tower_lsp_server::jsonrpc::ErrorCode::ServerError(-32801) =>
                    {
                        modified += 1
                    }
                    Err(e) => panic!("request failed (seed {seed}): {e:?}"),
                }
            }
        }
    }
    for handle in pending.drain(..) {
        match handle.await.expect("request task") {
            Ok(()) => answered += 1,
            Err(e) if e.code == tower_lsp_server::jsonrpc::ErrorCode::ServerError(-32801) => {
                modified += 1
            }
            Err(e) => panic!("request failed (seed {seed}): {e:?}"),
        }
    }
    assert_eq!(server.document_text(&uri).unwrap(), model, "seed {seed}");
    // After all that, the server still answers on the final text.
    let hover = server
        .hover(HoverParams {
            text_document_position_params: pos_params(&uri, 0, 0),
            work_done_progress_params: Default::default(),
        })
        .await;
    assert!(hover.is_ok());
    assert!(answered > 0);
    eprintln!(
        "{edits} edits, {answered} requests answered, {modified} cancelled by edits, {:?}",
        started.elapsed()
    );
    drop(server);
    drain.abort();
}

async fn request(
    s: &writ_lsp::Server<Recorder>,
    uri: &Uri,
    kind: u64,
    p: Position,
) -> tower_lsp_server::jsonrpc::Result<()> {
    let tdp = TextDocumentPositionParams {
        text_document: TextDocumentIdentifier { uri: uri.clone() },
        position: p,
    };
    let doc = TextDocumentIdentifier { uri: uri.clone() };
    match kind {
        0 => s
            .hover(HoverParams {
                text_document_position_params: tdp,
                work_done_progress_params: Default::default(),
            })
            .await
            .map(drop),
        1 => s
            .completion(CompletionParams {
                text_document_position: tdp,
                work_done_progress_params: Default::default(),
                partial_result_params: Default::default(),
                context: None,
            })
            .await
            .map(drop),
        2 => s
            .goto_definition(GotoDefinitionParams {
                text_document_position_params: tdp,
                work_done_progress_params: Default::default(),
                partial_result_params: Default::default(),
            })
            .await
            .map(drop),
        3 => s
            .references(ReferenceParams {
                text_document_position: tdp,
                context: ReferenceContext {
                    include_declaration: true,
                },
                work_done_progress_params: Default::default(),
                partial_result_params: Default::default(),
            })
            .await
            .map(drop),
        4 => {
            // A refused rename (not renamable here, bad name) is an answer too.
            match s
                .rename(RenameParams {
                    text_document_position: tdp,
                    new_name: "renamed".into(),
                    work_done_progress_params: Default::default(),
                })
                .await
            {
                Err(e) if e.code == tower_lsp_server::jsonrpc::ErrorCode::InvalidParams => Ok(()),
                other => other.map(drop),
            }
        }
        5 => s
            .document_symbol(DocumentSymbolParams {
                text_document: doc,
                work_done_progress_params: Default::default(),
                partial_result_params: Default::default(),
            })
            .await
            .map(drop),
        6 => s
            .semantic_tokens_full(SemanticTokensParams {
                text_document: doc,
                work_done_progress_params: Default::default(),
                partial_result_params: Default::default(),
            })
            .await
            .map(drop),
        7 => s
            .folding_range(FoldingRangeParams {
                text_document: doc,
                work_done_progress_params: Default::default(),
                partial_result_params: Default::default(),
            })
            .await
            .map(drop),
        8 => s
            .formatting(DocumentFormattingParams {
                text_document: doc,
                options: Default::default(),
                work_done_progress_params: Default::default(),
            })
            .await
            .map(drop),
        9 => s
            .code_action(CodeActionParams {
                text_document: doc,
                range: Range { start: p, end: p },
                context: Default::default(),
                work_done_progress_params: Default::default(),
                partial_result_params: Default::default(),
            })
            .await
            .map(drop),
        10 => s
            .code_lens(CodeLensParams {
                text_document: doc,
                work_done_progress_params: Default::default(),
                partial_result_params: Default::default(),
            })
            .await
            .map(drop),
        _ => s.prepare_rename(tdp).await.map(drop),
    }
}
