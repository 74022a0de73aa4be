//! The real `writ lsp` binary with hostile files in its workspace (issue #16):
//! policies nested far past the limit and path globs with 15,000 nested
//! alternations used to abort the server (stack overflow) for every file.
//! Now each bad file gets its diagnostic and the server keeps answering hover
//! and diagnostics on a normal file.

use serde_json::{Value, json};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const MAIN: &str =
    "rule reach {\n  for svc in change.reaches(service)\n  require check \"unit\" on svc\n}\n";

fn graph(glob: &str) -> String {
    format!(
        r#"{{ "version": 1, "teams": [ {{ "id": "t", "members": ["p"] }} ], "people": [ {{ "id": "p" }} ],
  "nodes": [ {{ "id": "api", "kind": "service", "owners": ["t"], "paths": ["{glob}"],
    "checks": {{ "unit": {{ "run": ["true"] }} }} }} ] }}"#
    )
}

fn nested_braces(n: usize) -> String {
    format!("{}a{}", "{a,".repeat(n), "}".repeat(n))
}

/// The hostile policies, by file name.
fn hostile_policies() -> Vec<(&'static str, String)> {
    vec![
        (
            "not.writ",
            format!("let a = {}true\n", "not ".repeat(10_000)),
        ),
        (
            "list.writ",
            format!("let a = {}{}\n", "[".repeat(10_000), "]".repeat(10_000)),
        ),
        (
            "chain.writ",
            format!(
                "rule c {{\n  when true{}\n  require check \"unit\" on node \"api\"\n}}\n",
                " and true".repeat(4_999)
            ),
        ),
        (
            "glob.writ",
            format!(
                "rule g {{\n  when change.touches_path(\"{}\")\n  require check \"unit\" on node \"api\"\n}}\n",
                nested_braces(15_000)
            ),
        ),
    ]
}

struct Server {
    child: Child,
    stdin: ChildStdin,
    rx: mpsc::Receiver<Value>,
    /// Diagnostics published so far, by file name (the last list for each).
    published: std::collections::BTreeMap<String, Vec<Value>>,
    next_id: i64,
}

#[path = "support/lsp_wire.rs"]
mod lsp_wire;
use lsp_wire::{reader, send};

impl Server {
    fn start(dir: &Path, graph: &str) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_writ"))
            .arg("lsp")
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let rx = reader(child.stdout.take().unwrap());
        let mut s = Server {
            child,
            stdin,
            rx,
            published: Default::default(),
            next_id: 0,
        };
        let root = format!("file://{}", dir.display());
        s.request(
            "initialize",
            json!({ "processId": null, "rootUri": root, "capabilities": {},
                "workspaceFolders": [ { "uri": root, "name": "root" } ],
                "initializationOptions": { "graph": graph } }),
        );
        send(
            &mut s.stdin,
            &json!({ "jsonrpc": "2.0", "method": "initialized", "params": {} }),
        );
        s
    }

    /// One message; panics when the server has gone quiet (it died).
    fn next(&mut self) -> Value {
        let message = self
            .rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the server is alive and answers");
        if message["method"] == "textDocument/publishDiagnostics" {
            let uri = message["params"]["uri"].as_str().unwrap_or_default();
            let name = uri.rsplit('/').next().unwrap_or_default().to_string();
            let list = message["params"]["diagnostics"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            self.published.insert(name, list);
        } else if message.get("method").is_some()
            && let Some(id) = message.get("id")
        {
            send(
                &mut self.stdin,
                &json!({ "jsonrpc": "2.0", "id": id, "result": null }),
            );
        }
        message
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        send(
            &mut self.stdin,
            &json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }),
        );
        loop {
            let m = self.next();
            if m.get("method").is_none() && m["id"] == id {
                return m;
            }
        }
    }

    /// Waits until diagnostics for every name in `names` have been published.
    fn diagnostics_for(&mut self, names: &[&str]) {
        while !names.iter().all(|n| self.published.contains_key(*n)) {
            self.next();
        }
    }

    fn codes(&self, name: &str) -> Vec<String> {
        self.published[name]
            .iter()
            .filter_map(|d| d["code"].as_str().map(str::to_string))
            .collect()
    }

    fn hover(&mut self, uri: &str, line: u32, character: u32) -> Value {
        self.request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character } }),
        )
    }

    fn stop(mut self) {
        let r = self.request("shutdown", Value::Null);
        assert!(r.get("error").is_none(), "{r}");
        send(
            &mut self.stdin,
            &json!({ "jsonrpc": "2.0", "method": "exit" }),
        );
        let status = self.child.wait().unwrap();
        assert!(status.success(), "{status}");
    }
}

#[test]
fn hostile_policies_in_the_workspace_do_not_take_the_server_down() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("main.writ"), MAIN).unwrap();
    std::fs::write(d.join("graph.json"), graph("api/**")).unwrap();
    for (name, text) in hostile_policies() {
        std::fs::write(d.join(name), text).unwrap();
    }
    let mut server = Server::start(d, "graph.json");
    let main = format!("file://{}/main.writ", d.display());
    send(
        &mut server.stdin,
        &json!({ "jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
            "textDocument": { "uri": main, "languageId": "writ", "version": 1, "text": MAIN } } }),
    );
    server.diagnostics_for(&[
        "main.writ",
        "not.writ",
        "list.writ",
        "chain.writ",
        "glob.writ",
    ]);
    assert_eq!(server.published["main.writ"], Vec::<Value>::new());
    for name in ["not.writ", "list.writ", "chain.writ"] {
        assert!(
            server.codes(name).contains(&"E0209".into()),
            "{name}: {:?}",
            server.published[name]
        );
    }
    assert!(
        server.codes("glob.writ").contains(&"E0902".into()),
        "{:?}",
        server.published["glob.writ"]
    );
    // Hover still answers on the normal file…
    let hover = server.hover(&main, 1, 7);
    let text = hover["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_default();
    assert!(text.contains("`api`"), "{hover}");
    // …and on a hostile one (nothing to show, but an answer), then on the normal one again.
    let not = format!("file://{}/not.writ", d.display());
    let answer = server.hover(&not, 0, 10);
    assert!(answer.get("error").is_none(), "{answer}");
    let again = server.hover(&main, 1, 7);
    assert_eq!(again["result"], hover["result"]);
    server.stop();
}

#[test]
fn a_graph_with_15000_nested_alternations_does_not_take_the_server_down() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("main.writ"), MAIN).unwrap();
    std::fs::write(d.join("graph.json"), graph(&nested_braces(15_000))).unwrap();
    let mut server = Server::start(d, "graph.json");
    let main = format!("file://{}/main.writ", d.display());
    send(
        &mut server.stdin,
        &json!({ "jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
            "textDocument": { "uri": main, "languageId": "writ", "version": 1, "text": MAIN } } }),
    );
    server.diagnostics_for(&["main.writ", "graph.json"]);
    assert!(
        server.codes("graph.json").contains(&"E0902".into()),
        "{:?}",
        server.published["graph.json"]
    );
    let hover = server.hover(&main, 1, 7);
    let text = hover["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_default();
    assert!(
        text.contains("for svc in change.reaches(service)"),
        "{hover}"
    );
    server.stop();
}

/// A file exactly at the nesting limit is analysed in full by the server
/// (whose analysis runs on 2 MiB worker threads): diagnostics, hover deep
/// inside the expression, semantic tokens, symbols and completion answer.
#[test]
fn a_file_at_the_nesting_limit_gets_every_feature() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let n = 125; // with the rule's braces, `.` and `==`: 128 levels
    let deep = format!(
        "rule deep {{\n  for svc in change.touches(service)\n  when {}svc.id == \"api\"\n  require check \"unit\" on svc\n}}\n",
        "not ".repeat(n)
    );
    std::fs::write(d.join("deep.writ"), &deep).unwrap();
    std::fs::write(d.join("graph.json"), graph("api/**")).unwrap();
    let mut server = Server::start(d, "graph.json");
    let uri = format!("file://{}/deep.writ", d.display());
    send(
        &mut server.stdin,
        &json!({ "jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
            "textDocument": { "uri": uri, "languageId": "writ", "version": 1, "text": deep } } }),
    );
    server.diagnostics_for(&["deep.writ"]);
    assert_eq!(
        server.codes("deep.writ"),
        Vec::<String>::new(),
        "{:?}",
        server.published["deep.writ"]
    );
    // `svc` in `svc.id`, after the `not`s.
    let column = 7 + 4 * n as u32;
    let hover = server.hover(&uri, 2, column);
    let text = hover["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_default();
    assert!(
        text.contains("for svc in change.touches(service)"),
        "{hover}"
    );
    let tokens = server.request(
        "textDocument/semanticTokens/full",
        json!({ "textDocument": { "uri": uri } }),
    );
    assert!(
        tokens["result"]["data"]
            .as_array()
            .is_some_and(|d| d.len() > 5 * n),
        "{tokens}"
    );
    let symbols = server.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": uri } }),
    );
    assert!(symbols.to_string().contains("deep"), "{symbols}");
    let completion = server.request(
        "textDocument/completion",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 2, "character": column + 4 } }),
    );
    assert!(completion.get("error").is_none(), "{completion}");
    server.stop();
}
