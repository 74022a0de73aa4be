//! The requests added for the editor experience (issue #24), through the
//! server: semantic-token deltas (applied as a client would, they give the
//! new tokens), range formatting, signature help for chain arguments, and
//! workspace folders added and removed.

mod common;

use common::*;
use std::time::Duration;
use tower_lsp_server::LanguageServer;
use writ_lsp::line_index::LineIndex;
use writ_lsp::ls_types::*;

const MAIN: &str = r#"/// Two owners — one after the other.
approval two_owners(first, second) {
  1 of owners(first)
  then 1 of owners(second)
}

rule   messy{
when  change.files_changed>1
   require approval two_owners(node "web-ui", node "ledger-db")
}

rule tidy  {   when true   }

rule pci_reach {
  for svc in change.reaches(service where tags has "pci") // ☕ UTF-16
  require check "integration" on svc
}
"#;

async fn start(root: &std::path::Path) -> (writ_lsp::Server<Recorder>, Uri) {
    std::fs::write(root.join("main.writ"), MAIN).unwrap();
    std::fs::write(root.join("graph.json"), GRAPH).unwrap();
    let (server, _rx) = server(Duration::ZERO, &root.join(".std"));
    let init = server.initialize(init_params(root, None)).await.unwrap();
    let caps = serde_json::to_value(&init.capabilities).unwrap();
    assert_eq!(caps["semanticTokensProvider"]["full"]["delta"], true);
    assert_eq!(caps["documentRangeFormattingProvider"], true);
    assert_eq!(caps["inlayHintProvider"], true);
    assert_eq!(caps["signatureHelpProvider"]["triggerCharacters"][0], "(");
    assert_eq!(
        caps["workspace"]["workspaceFolders"]["changeNotifications"],
        true
    );
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
    (server, main)
}

async fn full(server: &writ_lsp::Server<Recorder>, uri: &Uri) -> SemanticTokens {
    match server
        .semantic_tokens_full(SemanticTokensParams {
            work_done_progress_params: Default::default(),
            partial_result_params: Default::default(),
            text_document: TextDocumentIdentifier { uri: uri.clone() },
        })
        .await
        .unwrap()
    {
        Some(SemanticTokensResult::Tokens(t)) => t,
        other => panic!("expected tokens, got {other:?}"),
    }
}

async fn delta(
    server: &writ_lsp::Server<Recorder>,
    uri: &Uri,
    previous: &str,
) -> SemanticTokensFullDeltaResult {
    server
        .semantic_tokens_full_delta(SemanticTokensDeltaParams {
            work_done_progress_params: Default::default(),
            partial_result_params: Default::default(),
            text_document: TextDocumentIdentifier { uri: uri.clone() },
            previous_result_id: previous.into(),
        })
        .await
        .unwrap()
        .expect("a result for an open document")
}

async fn insert(
    server: &writ_lsp::Server<Recorder>,
    uri: &Uri,
    version: i32,
    at: Position,
    text: &str,
) {
    server
        .did_change(DidChangeTextDocumentParams {
            text_document: VersionedTextDocumentIdentifier {
                uri: uri.clone(),
                version,
            },
            content_changes: vec![TextDocumentContentChangeEvent {
                range: Some(Range { start: at, end: at }),
                range_length: None,
                text: text.into(),
            }],
        })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn semantic_token_deltas_turn_the_old_tokens_into_the_new() {
    let dir = tempfile::tempdir().unwrap();
    let (s, main) = start(dir.path()).await;
    let first = full(&s, &main).await;
    let first_id = first.result_id.clone().expect("a result id");
    // An edit in the middle: a new rule before `tidy`.
    let at = LineIndex::new(MAIN).position(MAIN.find("rule tidy").unwrap());
    insert(&s, &main, 2, at, "rule added { when false }\n").await;
    let SemanticTokensFullDeltaResult::TokensDelta(d) = delta(&s, &main, &first_id).await else {
        panic!("a delta for the id just sent");
    };
    let second_id = d.result_id.clone().expect("a new result id");
    assert_ne!(second_id, first_id);
    assert_eq!(d.edits.len(), 1);
    let edit = &d.edits[0];
    let sent = edit.data.as_ref().map_or(0, Vec::len);
    // Applied as a client does, the edit gives what a full request returns.
    let mut tokens = first.data.clone();
    let start = edit.start as usize / 5;
    tokens.splice(
        start..start + edit.delete_count as usize / 5,
        edit.data.clone().unwrap_or_default(),
    );
    let now = full(&s, &main).await;
    assert_eq!(tokens, now.data);
    // Only the middle travels: fewer tokens than the document has.
    assert!(
        sent < now.data.len() / 2,
        "{sent} of {} tokens sent",
        now.data.len()
    );
    // Nothing changed since the last full result: no edits.
    let SemanticTokensFullDeltaResult::TokensDelta(same) =
        delta(&s, &main, now.result_id.as_deref().unwrap()).await
    else {
        panic!("a delta");
    };
    assert!(same.edits.is_empty());
    // A stale id (not the last one sent) gets the whole document.
    let SemanticTokensFullDeltaResult::Tokens(whole) = delta(&s, &main, &first_id).await else {
        panic!("whole tokens for a stale id");
    };
    assert_eq!(whole.data, now.data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn range_formatting_and_signature_help() {
    let dir = tempfile::tempdir().unwrap();
    let (s, main) = start(dir.path()).await;
    let index = LineIndex::new(MAIN);
    let cursor = index.position(MAIN.find("files_changed").unwrap());
    let edits = s
        .range_formatting(DocumentRangeFormattingParams {
            text_document: TextDocumentIdentifier { uri: main.clone() },
            range: Range {
                start: cursor,
                end: cursor,
            },
            options: Default::default(),
            work_done_progress_params: Default::default(),
        })
        .await
        .unwrap()
        .expect("the file parses");
    let mut text = MAIN.to_string();
    for e in edits.iter().rev() {
        let span = LineIndex::new(MAIN).span(e.range);
        text.replace_range(span.range(), &e.new_text);
    }
    // The rule at the cursor is formatted; `tidy` is left as it was.
    assert!(text.contains("rule messy {\n  when change.files_changed > 1\n"));
    assert!(text.contains("rule tidy  {   when true   }"));
    let inside = index.position(MAIN.find("node \"ledger-db\"").unwrap());
    let help = s
        .signature_help(SignatureHelpParams {
            context: None,
            text_document_position_params: pos_params(&main, inside.line, inside.character),
            work_done_progress_params: Default::default(),
        })
        .await
        .unwrap()
        .expect("inside a chain's arguments");
    insta::assert_snapshot!(
        serde_json::to_string_pretty(&serde_json::json!({
            "range formatting": edits,
            "signature help": help,
        }))
        .unwrap()
    );
}

async fn find(s: &writ_lsp::Server<Recorder>, query: &str) -> Vec<String> {
    let params = WorkspaceSymbolParams {
        query: query.into(),
        work_done_progress_params: Default::default(),
        partial_result_params: Default::default(),
    };
    match s.symbol(params).await.unwrap() {
        Some(WorkspaceSymbolResponse::Nested(found)) => found
            .iter()
            .map(|w| {
                format!(
                    "{} in {}",
                    w.name,
                    w.container_name.clone().unwrap_or_default()
                )
            })
            .collect(),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inlay_hints_count_the_nodes_of_selectors() {
    let dir = tempfile::tempdir().unwrap();
    let (s, main) = start(dir.path()).await;
    let index = LineIndex::new(MAIN);
    let hints = s
        .inlay_hint(InlayHintParams {
            work_done_progress_params: Default::default(),
            text_document: TextDocumentIdentifier { uri: main.clone() },
            range: Range {
                start: Position::new(0, 0),
                end: index.position(MAIN.len()),
            },
        })
        .await
        .unwrap()
        .expect("hints for an open document");
    let shown: Vec<String> = hints
        .iter()
        .map(|h| {
            let InlayHintLabel::String(label) = &h.label else {
                panic!("a plain label");
            };
            format!("{}:{} {label}", h.position.line, h.position.character)
        })
        .collect();
    // After `change.reaches(…)` (one pci service in the graph, so at most one).
    let end = index.position(MAIN.find(") // ☕").unwrap() + 1);
    assert_eq!(
        shown,
        vec![format!("{}:{} ≤ 1 node", end.line, end.character)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workspace_folders_come_and_go() {
    let dir = tempfile::tempdir().unwrap();
    let other = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(other.path().join("teams")).unwrap();
    std::fs::write(
        other.path().join("teams/ops.writ"),
        "rule from_other_folder { when true }\n",
    )
    .unwrap();
    let (s, _main) = start(dir.path()).await;
    assert!(find(&s, "from_other").await.is_empty());
    let folder = WorkspaceFolder {
        uri: uri(other.path()),
        name: "other".into(),
    };
    s.did_change_workspace_folders(DidChangeWorkspaceFoldersParams {
        event: WorkspaceFoldersChangeEvent {
            added: vec![folder.clone()],
            removed: vec![],
        },
    })
    .await;
    // The module is the path from its own folder.
    assert_eq!(
        find(&s, "from_other").await,
        vec!["from_other_folder in teams::ops"]
    );
    s.did_change_workspace_folders(DidChangeWorkspaceFoldersParams {
        event: WorkspaceFoldersChangeEvent {
            added: vec![],
            removed: vec![folder],
        },
    })
    .await;
    assert!(find(&s, "from_other").await.is_empty());
}
