//! End to end: the real `writ lsp` binary over stdio, driven through
//! initialize → didOpen → didChange × many → hover → completion →
//! shutdown → exit.

use serde_json::{Value, json};
use std::process::{Command, Stdio};
use std::time::Duration;

#[path = "support/lsp_wire.rs"]
mod lsp_wire;
use lsp_wire::{reader, send};

#[test]
fn writ_lsp_over_stdio() {
    let dir = tempfile::tempdir().unwrap();
    let policy = "use std::approvals::{owners_review}\n\n/// Résumé ☕\nrule reach {\n  for svc in change.reaches(service)\n  require approval owners_review(svc)\n}\n";
    std::fs::write(dir.path().join("main.writ"), policy).unwrap();
    std::fs::write(
        dir.path().join("graph.json"),
        r#"{ "version": 1, "teams": [ { "id": "t", "members": ["p", "q"] } ], "people": [ { "id": "p" }, { "id": "q" } ],
            "nodes": [ { "id": "api", "kind": "service", "owners": ["t"], "paths": ["api/**"] } ] }"#,
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_writ"))
        .arg("lsp")
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let rx = reader(child.stdout.take().unwrap());
    let root = format!("file://{}", dir.path().display());
    let uri = format!("{root}/main.writ");
    let mut published: Vec<Value> = Vec::new();
    // Waits for the response to `id`, answering server requests and keeping
    // published diagnostics.
    // With `id` -1, waits for diagnostics published for `uri` at version `v`.
    let mut wait = |stdin: &mut std::process::ChildStdin, id: i64| -> Value {
        loop {
            let message = rx
                .recv_timeout(Duration::from_secs(60))
                .expect("the server answers");
            if message.get("method").is_some() {
                if let Some(request_id) = message.get("id") {
                    send(
                        stdin,
                        &json!({ "jsonrpc": "2.0", "id": request_id, "result": null }),
                    );
                } else if message["method"] == "textDocument/publishDiagnostics" {
                    published.push(message["params"].clone());
                    if id < 0 && message["params"]["version"] == -id {
                        return message;
                    }
                }
                continue;
            }
            if message["id"] == id {
                return message;
            }
        }
    };
    send(
        &mut stdin,
        &json!({ "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "processId": null, "rootUri": root, "capabilities": {},
        "workspaceFolders": [ { "uri": root, "name": "root" } ],
        "initializationOptions": { "graph": "graph.json" } } }),
    );
    let init = wait(&mut stdin, 1);
    assert_eq!(init["result"]["serverInfo"]["name"], "writ");
    assert!(
        init["result"]["capabilities"]["hoverProvider"]
            .as_bool()
            .unwrap()
    );
    send(
        &mut stdin,
        &json!({ "jsonrpc": "2.0", "method": "initialized", "params": {} }),
    );
    send(
        &mut stdin,
        &json!({ "jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
        "textDocument": { "uri": uri, "languageId": "writ", "version": 1, "text": policy } } }),
    );
    // Type a comment at the end of the "Résumé ☕" line, one character at a
    // time (UTF-16 columns: the line is 11 units long), then delete it again.
    let typed = " naïve 😀 text";
    let mut column = 11u32;
    let mut version = 1;
    for c in typed.chars() {
        version += 1;
        send(
            &mut stdin,
            &json!({ "jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": { "uri": uri, "version": version },
            "contentChanges": [ { "range": { "start": { "line": 2, "character": column }, "end": { "line": 2, "character": column } }, "text": c.to_string() } ] } }),
        );
        column += c.len_utf16() as u32;
    }
    for c in typed.chars().rev() {
        version += 1;
        let units = c.len_utf16() as u32;
        send(
            &mut stdin,
            &json!({ "jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": { "uri": uri, "version": version },
            "contentChanges": [ { "range": { "start": { "line": 2, "character": column - units }, "end": { "line": 2, "character": column } }, "text": "" } ] } }),
        );
        column -= units;
    }
    // The text is back to the original: `svc` on line 4 is still where it was.
    send(
        &mut stdin,
        &json!({ "jsonrpc": "2.0", "id": 2, "method": "textDocument/hover", "params": {
        "textDocument": { "uri": uri }, "position": { "line": 4, "character": 7 } } }),
    );
    let hover = wait(&mut stdin, 2);
    let markdown = hover["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        markdown.contains("for svc in change.reaches(service)"),
        "{hover}"
    );
    assert!(markdown.contains("`api`"), "{hover}");
    send(
        &mut stdin,
        &json!({ "jsonrpc": "2.0", "id": 3, "method": "textDocument/completion", "params": {
        "textDocument": { "uri": uri }, "position": { "line": 4, "character": 28 } } }),
    );
    let completion = wait(&mut stdin, 3);
    let labels: Vec<&str> = completion["result"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["label"].as_str())
        .collect();
    assert!(labels.contains(&"service"), "{labels:?}");
    // Diagnostics for the last version arrive once typing pauses: none (the
    // policy is clean against the graph).
    let last = wait(&mut stdin, -(version as i64));
    assert_eq!(last["params"]["uri"], uri.as_str());
    assert_eq!(last["params"]["diagnostics"], json!([]), "{last}");
    send(
        &mut stdin,
        &json!({ "jsonrpc": "2.0", "id": 4, "method": "shutdown" }),
    );
    let shutdown = wait(&mut stdin, 4);
    assert!(shutdown.get("error").is_none(), "{shutdown}");
    send(&mut stdin, &json!({ "jsonrpc": "2.0", "method": "exit" }));
    drop(stdin);
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
}
