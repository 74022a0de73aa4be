//! Every LSP feature through the client abstraction (no stdio): a workspace
//! on disk, a server driven by direct calls, results snapshotted as JSON
//! with UTF-16 positions (the files hold non-ASCII text).

mod common;

use common::*;
use std::path::Path;
use std::time::Duration;
use tower_lsp_server::LanguageServer;
use writ_lsp::line_index::LineIndex;
use writ_lsp::ls_types::*;

const MAIN: &str = r#"//! Main — policies ☕.
use std::approvals::{owners_review}
use teams::payments::*

/// Card data — 😀 matters.
rule pci_reach {
  for svc in change.reaches(service where tags has "pci")
  require check "integration" on svc
  require approval owners_review(svc)
  require approval pay_reviw
}

test "fires — ✓" {
  change { touches "payments/a.rs" }
  expect fires pci_reach
}
"#;

const PAYMENTS: &str = "approval pay_review {\n  1 of team \"payments\"\n}\n";

struct World {
    dir: tempfile::TempDir,
    server: writ_lsp::Server<Recorder>,
    rx: tokio::sync::mpsc::UnboundedReceiver<Published>,
    main: Uri,
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("teams")).unwrap();
    std::fs::write(root.join("main.writ"), MAIN).unwrap();
    std::fs::write(root.join("teams/payments.writ"), PAYMENTS).unwrap();
    std::fs::write(root.join("graph.json"), GRAPH).unwrap();
    let (server, rx) = server(Duration::ZERO, &root.join(".std"));
    server.initialize(init_params(root, None)).await.unwrap();
    server.initialized(InitializedParams {}).await;
    let main = uri(&root.join("main.writ"));
    server
        .did_open(DidOpenTextDocumentParams {
            text_document: TextDocumentItem {
                uri: main.clone(),
                language_id: "writ".into(),
                version: 1,
                text: MAIN.into(),
            },
        })
        .await;
    World {
        dir,
        server,
        rx,
        main,
    }
}

/// The position of `needle` (+ `delta` bytes) in `text`.
fn at(text: &str, needle: &str, delta: usize) -> Position {
    let offset = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not found"))
        + delta;
    LineIndex::new(text).position(offset)
}

fn scrub(value: serde_json::Value, root: &Path) -> String {
    let root = Uri::from_file_path(root).unwrap().as_str().to_string();
    serde_json::to_string_pretty(&value)
        .unwrap()
        .replace(&root, "$ROOT")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_feature() {
    let mut w = world().await;
    let diags = diagnostics_for(&mut w.rx, &w.main, Some(1)).await;
    let s = &w.server;
    let m = &w.main;
    let mut results = serde_json::Map::new();
    let mut put = |k: &str, v: serde_json::Value| {
        results.insert(k.to_string(), v);
    };
    put("diagnostics", serde_json::to_value(&diags).unwrap());
    let pos = |needle: &str, delta: usize| {
        pos_params(
            m,
            at(MAIN, needle, delta).line,
            at(MAIN, needle, delta).character,
        )
    };
    let hover = |p: TextDocumentPositionParams| HoverParams {
        text_document_position_params: p,
        work_done_progress_params: Default::default(),
    };
    put(
        "hover svc",
        serde_json::to_value(s.hover(hover(pos("svc in", 1))).await.unwrap()).unwrap(),
    );
    put(
        "hover selector",
        serde_json::to_value(s.hover(hover(pos("where", 2))).await.unwrap()).unwrap(),
    );
    put(
        "hover keyword",
        serde_json::to_value(s.hover(hover(pos("rule", 1))).await.unwrap()).unwrap(),
    );
    let completion = |p: TextDocumentPositionParams| CompletionParams {
        text_document_position: p,
        work_done_progress_params: Default::default(),
        partial_result_params: Default::default(),
        context: None,
    };
    put(
        "completion tag",
        serde_json::to_value(s.completion(completion(pos("\"pci\"", 2))).await.unwrap()).unwrap(),
    );
    let def = |p: TextDocumentPositionParams| GotoDefinitionParams {
        text_document_position_params: p,
        work_done_progress_params: Default::default(),
        partial_result_params: Default::default(),
    };
    put(
        "definition into std",
        serde_json::to_value(
            s.goto_definition(def(pos("owners_review(svc)", 3)))
                .await
                .unwrap(),
        )
        .unwrap(),
    );
    put(
        "definition check into graph",
        serde_json::to_value(
            s.goto_definition(def(pos("\"integration\"", 3)))
                .await
                .unwrap(),
        )
        .unwrap(),
    );
    put(
        "definition rule from test",
        serde_json::to_value(
            s.goto_definition(def(pos("fires pci_reach", 8)))
                .await
                .unwrap(),
        )
        .unwrap(),
    );
    put(
        "references rule",
        serde_json::to_value(
            s.references(ReferenceParams {
                text_document_position: pos("rule pci_reach", 6),
                context: ReferenceContext {
                    include_declaration: true,
                },
                work_done_progress_params: Default::default(),
                partial_result_params: Default::default(),
            })
            .await
            .unwrap(),
        )
        .unwrap(),
    );
    put(
        "prepare rename",
        serde_json::to_value(s.prepare_rename(pos("rule pci_reach", 6)).await.unwrap()).unwrap(),
    );
    put(
        "rename module",
        serde_json::to_value(
            s.rename(RenameParams {
                text_document_position: pos("teams::payments", 8),
                new_name: "billing".into(),
                work_done_progress_params: Default::default(),
            })
            .await
            .unwrap(),
        )
        .unwrap(),
    );
    let rename_error = s
        .rename(RenameParams {
            text_document_position: pos("owners_review(svc)", 3),
            new_name: "mine".into(),
            work_done_progress_params: Default::default(),
        })
        .await
        .unwrap_err();
    put(
        "rename std item",
        serde_json::Value::String(rename_error.message.to_string()),
    );
    let doc = TextDocumentIdentifier { uri: m.clone() };
    put(
        "document symbols",
        serde_json::to_value(
            s.document_symbol(DocumentSymbolParams {
                text_document: doc.clone(),
                work_done_progress_params: Default::default(),
                partial_result_params: Default::default(),
            })
            .await
            .unwrap(),
        )
        .unwrap(),
    );
    put(
        "workspace symbols",
        serde_json::to_value(
            s.symbol(WorkspaceSymbolParams {
                query: "pay".into(),
                work_done_progress_params: Default::default(),
                partial_result_params: Default::default(),
            })
            .await
            .unwrap(),
        )
        .unwrap(),
    );
    put(
        "folding",
        serde_json::to_value(
            s.folding_range(FoldingRangeParams {
                text_document: doc.clone(),
                work_done_progress_params: Default::default(),
                partial_result_params: Default::default(),
            })
            .await
            .unwrap(),
        )
        .unwrap(),
    );
    let tokens = s
        .semantic_tokens_full(SemanticTokensParams {
            work_done_progress_params: Default::default(),
            partial_result_params: Default::default(),
            text_document: doc.clone(),
        })
        .await
        .unwrap();
    // Tokens as (line, column, length, type) for readability.
    if let Some(SemanticTokensResult::Tokens(t)) = tokens {
        let (mut line, mut col) = (0, 0);
        let mut rows = Vec::new();
        for tok in t.data {
            if tok.delta_line > 0 {
                line += tok.delta_line;
                col = tok.delta_start;
            } else {
                col += tok.delta_start;
            }
            rows.push(format!(
                "{line}:{col}+{} {}{}",
                tok.length,
                writ_ide::TOKEN_TYPES[tok.token_type as usize],
                if tok.token_modifiers_bitset != 0 {
                    format!(" {}", tok.token_modifiers_bitset)
                } else {
                    String::new()
                }
            ));
        }
        put("semantic tokens", serde_json::to_value(rows).unwrap());
    }
    put(
        "formatting",
        serde_json::to_value(
            s.formatting(DocumentFormattingParams {
                text_document: doc.clone(),
                options: Default::default(),
                work_done_progress_params: Default::default(),
            })
            .await
            .unwrap(),
        )
        .unwrap(),
    );
    let p = at(MAIN, "pay_reviw", 2);
    put(
        "code actions",
        serde_json::to_value(
            s.code_action(CodeActionParams {
                text_document: doc.clone(),
                range: Range { start: p, end: p },
                context: Default::default(),
                work_done_progress_params: Default::default(),
                partial_result_params: Default::default(),
            })
            .await
            .unwrap(),
        )
        .unwrap(),
    );
    put(
        "code lens",
        serde_json::to_value(
            s.code_lens(CodeLensParams {
                text_document: doc,
                work_done_progress_params: Default::default(),
                partial_result_params: Default::default(),
            })
            .await
            .unwrap(),
        )
        .unwrap(),
    );
    insta::assert_snapshot!(scrub(serde_json::Value::Object(results), w.dir.path()));
    // The std file the definition points at exists on disk, with the std text.
    let std_file = w.dir.path().join(".std/approvals.writ");
    assert!(
        std::fs::read_to_string(std_file)
            .unwrap()
            .contains("approval owners_review")
    );
}

fn codes(diags: &[Diagnostic]) -> Vec<String> {
    diags
        .iter()
        .map(|d| match &d.code {
            Some(NumberOrString::String(c)) => c.clone(),
            _ => String::new(),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editing_the_graph_on_disk_rechecks_policies() {
    let mut w = world().await;
    let first = diagnostics_for(&mut w.rx, &w.main, Some(1)).await;
    assert!(!codes(&first).contains(&"E0403".to_string()), "{first:?}");
    // The graph loses its `pci` tags: the policy's tag is now unknown.
    let graph = w.dir.path().join("graph.json");
    std::fs::write(&graph, GRAPH.replace("\"tags\": [\"pci\"], ", "")).unwrap();
    w.server
        .did_change_watched_files(DidChangeWatchedFilesParams {
            changes: vec![FileEvent {
                uri: uri(&graph),
                typ: FileChangeType::CHANGED,
            }],
        })
        .await;
    let after = diagnostics_for(&mut w.rx, &w.main, None).await;
    assert!(codes(&after).contains(&"E0403".to_string()), "{after:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editing_the_open_graph_rechecks_policies_as_you_type() {
    let mut w = world().await;
    diagnostics_for(&mut w.rx, &w.main, Some(1)).await;
    let graph = uri(&w.dir.path().join("graph.json"));
    w.server
        .did_open(DidOpenTextDocumentParams {
            text_document: TextDocumentItem {
                uri: graph.clone(),
                language_id: "json".into(),
                version: 1,
                text: GRAPH.into(),
            },
        })
        .await;
    // Rename the check `integration` in the editor, without saving.
    let start = at(GRAPH, "\"integration\"", 1);
    let end = at(GRAPH, "\"integration\"", 12);
    w.server
        .did_change(DidChangeTextDocumentParams {
            text_document: VersionedTextDocumentIdentifier {
                uri: graph.clone(),
                version: 2,
            },
            content_changes: vec![TextDocumentContentChangeEvent {
                range: Some(Range { start, end }),
                range_length: None,
                text: "integration-tests".into(),
            }],
        })
        .await;
    let after = loop {
        let d = diagnostics_for(&mut w.rx, &w.main, None).await;
        if codes(&d).contains(&"E0407".to_string()) {
            break d;
        }
    };
    assert!(after.iter().any(|d| d.message.contains("integration")));
    assert!(
        w.server
            .document_text(&graph)
            .unwrap()
            .contains("\"integration-tests\"")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incremental_edits_apply_in_order_in_utf16() {
    let w = world().await;
    let mut expected = MAIN.to_string();
    let edits: &[(&str, usize, usize, &str)] = &[
        // (needle, delta from needle start, bytes removed, inserted)
        ("😀", 4, 0, " ☕"),
        ("Main —", 5, 3, "–"),
        ("fires —", 6, 0, "日本"),
    ];
    for (version, (needle, delta, removed, inserted)) in edits.iter().enumerate() {
        let start = expected.find(needle).unwrap() + delta;
        let index = LineIndex::new(&expected);
        let range = Range {
            start: index.position(start),
            end: index.position(start + removed),
        };
        w.server
            .did_change(DidChangeTextDocumentParams {
                text_document: VersionedTextDocumentIdentifier {
                    uri: w.main.clone(),
                    version: version as i32 + 2,
                },
                content_changes: vec![TextDocumentContentChangeEvent {
                    range: Some(range),
                    range_length: None,
                    text: inserted.to_string(),
                }],
            })
            .await;
        expected.replace_range(start..start + removed, inserted);
    }
    assert_eq!(w.server.document_text(&w.main).unwrap(), expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_on_nonsense_answer_without_failing() {
    let w = world().await;
    let far = pos_params(&w.main, 10_000, 10_000);
    let hover = w
        .server
        .hover(HoverParams {
            text_document_position_params: far.clone(),
            work_done_progress_params: Default::default(),
        })
        .await;
    assert!(hover.is_ok());
    let unknown = uri(&w.dir.path().join("nope.writ"));
    let completion = w
        .server
        .completion(CompletionParams {
            text_document_position: pos_params(&unknown, 0, 0),
            work_done_progress_params: Default::default(),
            partial_result_params: Default::default(),
            context: None,
        })
        .await;
    assert!(matches!(completion, Ok(None)));
    // A change to a document that was never opened is ignored.
    w.server
        .did_change(DidChangeTextDocumentParams {
            text_document: VersionedTextDocumentIdentifier {
                uri: unknown,
                version: 1,
            },
            content_changes: vec![TextDocumentContentChangeEvent {
                range: None,
                range_length: None,
                text: "rule x {}".into(),
            }],
        })
        .await;
}
