//! A service-call graph from telemetry into `calls` edges, so the graph
//! reflects what runs, not only what is declared.
//!
//! Two formats, told apart by their shape:
//! - a **Jaeger dependencies export** (`GET /api/dependencies`): `{"data":
//!   [{"parent": "checkout", "child": "billing", "callCount": 1200}]}` or the
//!   bare array;
//! - the **OpenTelemetry service graph connector**'s metrics as OTLP JSON
//!   (`resourceMetrics` → `scopeMetrics` → `metrics`): every data point of
//!   `traces_service_graph_request_total` (or `…_request_failed_total`) with
//!   `client` and `server` attributes is a call.
//!
//! Each caller gets a `calls` edge to each callee (`a calls b`: a change to
//! b can break a). Service names resolve to existing nodes of `known` (by
//! id, then by the last segment of a node id, `github.com/acme/billing` →
//! `billing`); a service that resolves nowhere becomes a `service` node
//! (attribute `source = "telemetry"`, no paths, no owners: `writ graph
//! check` reports it as W0531 until someone owns it). Edges with a zero call
//! count are ignored. JSON is read with serde_json (nesting limited to 128).

use crate::import::sanitize_id;
use crate::model::{AttrValue, Document, EdgeDecl, NodeDecl, Spanned};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use writ_diagnostics::{Diagnostic, FileId, Span, codes};

fn bad(file: FileId, msg: impl Into<String>) -> Diagnostic {
    Diagnostic::new(codes::E0524, file, Span::empty(0), msg)
}

/// OTLP attribute value as a string.
fn otlp_str(v: &Value) -> Option<&str> {
    v.get("stringValue").and_then(Value::as_str)
}

/// The (caller, callee) pairs of an export.
fn calls(v: &Value) -> Result<BTreeSet<(String, String)>, String> {
    let mut out = BTreeSet::new();
    let jaeger = v
        .get("data")
        .and_then(Value::as_array)
        .or_else(|| v.as_array());
    if let Some(items) = jaeger {
        for d in items {
            let (Some(p), Some(c)) = (
                d.get("parent").and_then(Value::as_str),
                d.get("child").and_then(Value::as_str),
            ) else {
                return Err("a Jaeger dependency needs `parent` and `child`".into());
            };
            if d.get("callCount").and_then(Value::as_u64) != Some(0) {
                out.insert((p.to_string(), c.to_string()));
            }
        }
        return Ok(out);
    }
    let Some(resources) = v.get("resourceMetrics").and_then(Value::as_array) else {
        return Err(
            "neither a Jaeger dependencies export (`data`) nor OTLP metrics (`resourceMetrics`)"
                .into(),
        );
    };
    for r in resources {
        for s in r
            .get("scopeMetrics")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            for m in s
                .get("metrics")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let name = m.get("name").and_then(Value::as_str).unwrap_or_default();
                if !name.starts_with("traces_service_graph_request") {
                    continue;
                }
                let points = m
                    .get("sum")
                    .or_else(|| m.get("histogram"))
                    .and_then(|x| x.get("dataPoints"))
                    .and_then(Value::as_array);
                for p in points.into_iter().flatten() {
                    let mut client = None;
                    let mut server = None;
                    for a in p
                        .get("attributes")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        match a.get("key").and_then(Value::as_str) {
                            Some("client") => client = a.get("value").and_then(otlp_str),
                            Some("server") => server = a.get("value").and_then(otlp_str),
                            _ => {}
                        }
                    }
                    if let (Some(c), Some(s)) = (client, server) {
                        out.insert((c.to_string(), s.to_string()));
                    }
                }
            }
        }
    }
    Ok(out)
}

/// Imports a telemetry export (the content of `file`), resolving service
/// names against the nodes of `known`.
pub fn import(file: FileId, text: &str, known: &Document) -> (Document, Vec<Diagnostic>) {
    let v: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            return (
                Document::default(),
                vec![bad(file, format!("the telemetry export is not JSON: {e}"))],
            );
        }
    };
    let pairs = match calls(&v) {
        Ok(p) => p,
        Err(e) => return (Document::default(), vec![bad(file, e)]),
    };
    let ids: BTreeSet<&str> = known.nodes.iter().map(|n| n.id.value.as_str()).collect();
    // last path segment → ids (used only when exactly one node has it)
    let mut tails: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for id in &ids {
        let tail = id.rsplit(['/', ':']).next().unwrap_or(id);
        tails.entry(tail).or_default().push(id);
    }
    let resolve = |service: &str| -> (String, bool) {
        let id = sanitize_id(service);
        if ids.contains(id.as_str()) {
            return (id, true);
        }
        match tails.get(id.as_str()).map(Vec::as_slice) {
            Some([one]) => (one.to_string(), true),
            _ => (id, false),
        }
    };
    let mut nodes: BTreeMap<String, NodeDecl> = BTreeMap::new();
    for (caller, callee) in &pairs {
        let (from, _) = resolve(caller);
        let (to, to_known) = resolve(callee);
        if from == to {
            continue;
        }
        if !to_known {
            nodes.entry(to.clone()).or_insert_with(|| new_service(&to));
        }
        let node = nodes.entry(from.clone()).or_insert_with(|| {
            if ids.contains(from.as_str()) {
                NodeDecl {
                    id: Spanned::bare(from.clone().into()),
                    ..Default::default()
                }
            } else {
                new_service(&from)
            }
        });
        node.edges.push(EdgeDecl {
            kind: Spanned::bare("calls".into()),
            to: Spanned::bare(to.into()),
        });
    }
    // A fragment for a known node carries only edges: merging keeps the
    // known node's kind, owners and paths (its kind is left empty here and
    // filled from `known`, which the merge keeps).
    let mut doc = Document::default();
    for (_, mut n) in nodes {
        if n.kind.value.is_empty()
            && let Some(k) = known.nodes.iter().find(|k| k.id.value == n.id.value)
        {
            n.kind = k.kind.clone();
        }
        doc.nodes.push(n);
    }
    doc.normalize();
    (doc, Vec::new())
}

fn new_service(id: &str) -> NodeDecl {
    let mut n = NodeDecl {
        id: Spanned::bare(id.to_string().into()),
        kind: Spanned::bare("service".into()),
        ..Default::default()
    };
    n.attributes.insert(
        "source".into(),
        Spanned::bare(AttrValue::Str("telemetry".into())),
    );
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jaeger_and_otlp_shapes() {
        let j: Value = serde_json::from_str(
            r#"{"data": [{"parent": "a", "child": "b", "callCount": 3}, {"parent": "a", "child": "c", "callCount": 0}]}"#,
        )
        .unwrap();
        assert_eq!(
            calls(&j).unwrap(),
            BTreeSet::from([("a".into(), "b".into())])
        );
        let o: Value = serde_json::from_str(
            r#"{"resourceMetrics": [{"scopeMetrics": [{"metrics": [
                {"name": "traces_service_graph_request_total", "sum": {"dataPoints": [
                  {"attributes": [{"key": "client", "value": {"stringValue": "web"}},
                                  {"key": "server", "value": {"stringValue": "api"}}], "asInt": "7"}]}},
                {"name": "other", "sum": {"dataPoints": []}}]}]}]}"#,
        )
        .unwrap();
        assert_eq!(
            calls(&o).unwrap(),
            BTreeSet::from([("web".into(), "api".into())])
        );
        assert!(calls(&serde_json::json!({"x": 1})).is_err());
    }
}
