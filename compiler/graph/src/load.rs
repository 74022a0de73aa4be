//! Reading a graph file into a [`Document`]: syntax, types and field names.
//! Cross-references (ids, owners, edges, globs, keys) are checked in
//! [`crate::graph`].

use crate::decode::{DecodeCodes, Decoder};
use crate::json::{self, Kind, Value};
use crate::model::*;
use std::collections::BTreeMap;
use writ_diagnostics::{Diagnostic, FileId, Span, codes};

impl Document {
    /// Reads graph-file text (the content of `file`) as a document, checking
    /// syntax, types and field names but not cross-references; `None` when
    /// the JSON itself is broken. Use [`crate::Graph::parse`] to validate.
    pub fn parse(
        file: writ_diagnostics::FileId,
        text: &str,
    ) -> (Option<Document>, Vec<writ_diagnostics::Diagnostic>) {
        read_document(file, text)
    }
}

pub(crate) const GRAPH_CODES: DecodeCodes = DecodeCodes {
    invalid: codes::E0503,
    unknown: codes::E0504,
    missing: codes::E0505,
    duplicate: codes::E0514,
};

const TOP_FIELDS: &[&str] = &[
    "$schema",
    "version",
    "node_kinds",
    "edge_kinds",
    "teams",
    "people",
    "nodes",
    "unowned_paths",
    "global_files",
];
const NODE_FIELDS: &[&str] = &[
    "id",
    "kind",
    "description",
    "tags",
    "attributes",
    "owners",
    "paths",
    "checks",
    "edges",
];
const TEAM_FIELDS: &[&str] = &["id", "description", "members", "aliases"];
const PERSON_FIELDS: &[&str] = &["id", "name", "kind", "emails", "keys", "aliases"];
const PATH_FIELDS: &[&str] = &["glob", "priority", "layer"];
const CHECK_FIELDS: &[&str] = &["run", "timeout", "network", "redact"];
const GLOBAL_FIELDS: &[&str] = &["paths", "nodes", "kinds", "tags"];

/// Parses graph-file text into a document; `None` only when the JSON syntax
/// is broken or the top level is not an object.
///
/// The text is never held as one whole-file JSON tree: the entries of
/// `nodes` are parsed one at a time ([`json::parse_streaming`]) and decoded
/// on a second thread in batches while the parser goes on, so the loader's
/// memory is the document it builds plus a few batches of node trees.
pub(crate) fn read_document(file: FileId, text: &str) -> (Option<Document>, Vec<Diagnostic>) {
    read_document_batched(file, text, NODE_BATCH)
}

/// Entries of `nodes` handed to the decoding thread at a time; a graph with
/// fewer nodes is decoded on the parsing thread, after parsing.
const NODE_BATCH: usize = 1024;

fn read_document_batched(
    file: FileId,
    text: &str,
    batch: usize,
) -> (Option<Document>, Vec<Diagnostic>) {
    let (parsed, nodes) = std::thread::scope(|scope| {
        let mut reader = NodeReader::new(file, batch.max(1), text.len(), scope);
        let parsed = json::parse_streaming(text, &mut |v| reader.push(v));
        (parsed, reader.finish())
    });
    let (root, streamed) = match parsed {
        Ok(parsed) => parsed,
        Err(e) => {
            // Whatever the nodes read before the error gave is dropped: a
            // broken file gets its syntax error only, as from a tree.
            let code = if e.too_deep {
                codes::E0902
            } else {
                codes::E0501
            };
            let mut d = Diagnostic::new(code, file, e.span, e.message).with_label("here");
            if let Some(h) = e.help {
                d = d.with_help(h);
            }
            return (None, vec![d]);
        }
    };
    let mut r = Decoder::new(file, GRAPH_CODES);
    let doc = read_top(&mut r, &root, streamed.then_some(nodes));
    (doc, r.diags)
}

/// Decodes the streamed entries of `nodes` in order: the first batch on the
/// parsing thread's side, then every batch on one decoding thread.
struct NodeReader<'scope, 'env, 'a> {
    file: FileId,
    batch_len: usize,
    /// The length of the whole text (to estimate the number of nodes).
    text_len: usize,
    scope: &'scope std::thread::Scope<'scope, 'env>,
    batch: Vec<Value<'a>>,
    worker: Option<Worker<'scope, 'a>>,
}

/// The decoding thread: where batches go, where it hands the decoded
/// batches back (to be freed on the parsing thread, which made them), and
/// what it gives back at the end.
type Worker<'scope, 'a> = (
    std::sync::mpsc::SyncSender<Vec<Value<'a>>>,
    std::sync::mpsc::Receiver<Vec<Value<'a>>>,
    std::thread::ScopedJoinHandle<'scope, (Vec<NodeDecl>, Vec<Diagnostic>)>,
);

impl<'scope, 'env, 'a: 'scope> NodeReader<'scope, 'env, 'a> {
    fn new(
        file: FileId,
        batch_len: usize,
        text_len: usize,
        scope: &'scope std::thread::Scope<'scope, 'env>,
    ) -> Self {
        NodeReader {
            file,
            batch_len,
            text_len,
            scope,
            batch: Vec::new(),
            worker: None,
        }
    }

    /// Takes one parsed entry of `nodes`.
    fn push(&mut self, v: Value<'a>) {
        self.batch.push(v);
        if self.batch.len() < self.batch_len {
            return;
        }
        // The next batch is one the decoder is done with, emptied here: its
        // trees are freed by the thread that allocated them (the decoding
        // thread is the busier of the two), and its list is reused.
        let next = match self.worker.as_ref().map(|(_, back, _)| back.try_recv()) {
            Some(Ok(mut done)) => {
                done.clear();
                done
            }
            _ => Vec::with_capacity(self.batch_len),
        };
        let full = std::mem::replace(&mut self.batch, next);
        let (file, text_len) = (self.file, self.text_len);
        let (tx, _, _) = self.worker.get_or_insert_with(|| {
            // Two batches queued at most: the parser never runs far ahead
            // of the decoder (memory stays a few batches of trees).
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Value<'a>>>(2);
            let (done_tx, done_rx) = std::sync::mpsc::channel::<Vec<Value<'a>>>();
            let handle = self.scope.spawn(move || {
                let mut r = Decoder::new(file, GRAPH_CODES);
                let mut nodes = Vec::new();
                for batch in rx {
                    if nodes.capacity() == 0 {
                        // Without the room, the list grows as it goes.
                        let _ = nodes.try_reserve_exact(estimate_nodes(&batch, text_len));
                    }
                    nodes.extend(batch.iter().filter_map(|v| read_node(&mut r, v)));
                    // The parser may be done already; the batch is then
                    // freed here.
                    let _ = done_tx.send(batch);
                }
                (nodes, r.diags)
            });
            (tx, done_rx, handle)
        });
        // The decoder only stops when the channel closes; a send fails only
        // if it panicked, which `finish` reports.
        let _ = tx.send(full);
    }

    /// The decoded nodes and their diagnostics, in the entries' order.
    fn finish(self) -> (Vec<NodeDecl>, Vec<Diagnostic>) {
        let NodeReader {
            file,
            batch,
            worker,
            ..
        } = self;
        match worker {
            None => {
                let mut r = Decoder::new(file, GRAPH_CODES);
                let nodes = batch.iter().filter_map(|v| read_node(&mut r, v)).collect();
                (nodes, r.diags)
            }
            Some((tx, _, handle)) => {
                let _ = tx.send(batch);
                drop(tx);
                let (mut nodes, diags) = handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                nodes.shrink_to_fit();
                (nodes, diags)
            }
        }
    }
}

/// Objects with at most this many members find repeated keys by scanning
/// back; larger ones through a map.
const SCAN_KEYS: usize = 16;

/// The repeated keys of one object: for each member in turn, the key span
/// of the latest earlier member with the same key (what a map from key to
/// the span last inserted gives). A node's attributes and checks are a few
/// keys each, 200,000 objects at 100,000 nodes: they are scanned back
/// without allocating; a large object uses a map, so a hostile one costs
/// no more than it did.
struct RepeatedKeys<'m, 'a> {
    members: &'m [json::Member<'a>],
    map: Option<BTreeMap<&'m str, Span>>,
}

impl<'m, 'a> RepeatedKeys<'m, 'a> {
    fn new(members: &'m [json::Member<'a>]) -> Self {
        RepeatedKeys {
            members,
            map: (members.len() > SCAN_KEYS).then(BTreeMap::new),
        }
    }

    /// The latest member before `at` with the key of member `at`; call it
    /// for every member in order.
    fn earlier(&mut self, at: usize) -> Option<Span> {
        let m = &self.members[at];
        match &mut self.map {
            Some(map) => map.insert(&m.key, m.key_span),
            None => self.members[..at]
                .iter()
                .rev()
                .find(|p| p.key == m.key)
                .map(|p| p.key_span),
        }
    }
}

/// How many nodes to make room for, from the first batch of entries: the
/// rest of the text at the bytes per entry of that batch, and an eighth
/// more. Only room that is written becomes memory, and a list at most
/// twice its length is shrunk in place, so an over-estimate is cheap; an
/// under-estimate costs what growing by doubling did (one copy). The room
/// is never more than twice the text's length in bytes: a file of tiny
/// entries cannot make the loader reserve more than that (and the
/// reservation is tried, not required).
fn estimate_nodes(first: &[Value], text_len: usize) -> usize {
    let (Some(a), Some(b)) = (first.first(), first.last()) else {
        return 0;
    };
    let per_entry = (b.span.end.saturating_sub(a.span.start) as usize / first.len()).max(1);
    let rest = text_len.saturating_sub(b.span.end as usize) / per_entry;
    let estimate = first.len() + rest;
    let most = text_len.saturating_mul(2) / std::mem::size_of::<NodeDecl>().max(1);
    (estimate + estimate / 8).min(most)
}

/// Reads the root object; `streamed` holds the entries of `nodes` already
/// decoded (with their diagnostics) when the parser streamed them.
fn read_top(
    r: &mut Decoder,
    root: &Value,
    streamed: Option<(Vec<NodeDecl>, Vec<Diagnostic>)>,
) -> Option<Document> {
    let top = r.object(root, "the graph file", TOP_FIELDS)?;
    let mut doc = Document::default();
    if let Some(v) = top.get("$schema") {
        r.string(v, "`$schema`");
    }
    match r.require(&top, "version", "the graph file") {
        Some(v) => {
            if let Some(n) = r.int(v, "`version`")
                && n != i64::from(FORMAT_VERSION)
            {
                r.error(
                    codes::E0513,
                    v.span,
                    format!("graph format version {n} is not supported"),
                )
                .primary
                .message = format!("this build of writ reads version {FORMAT_VERSION}");
                return None;
            }
        }
        None => return None,
    }
    if let Some(v) = top.get("node_kinds") {
        doc.node_kinds = r.strings(v, "`node_kinds`");
    }
    if let Some(v) = top.get("edge_kinds") {
        doc.edge_kinds = r.strings(v, "`edge_kinds`");
    }
    if let Some(v) = top.get("teams") {
        for item in r.array(v, "`teams`") {
            if let Some(t) = read_team(r, item) {
                doc.teams.push(t);
            }
        }
    }
    if let Some(v) = top.get("people") {
        for item in r.array(v, "`people`") {
            if let Some(p) = read_person(r, item) {
                doc.people.push(p);
            }
        }
    }
    if let Some(v) = top.get(json::STREAMED_KEY) {
        match streamed {
            // The streamed array is the root's first `nodes` member: this one.
            Some((nodes, diags)) => {
                doc.nodes = nodes;
                r.diags.extend(diags);
            }
            None => {
                let items = r.array(v, "`nodes`");
                doc.nodes = items.iter().filter_map(|i| read_node(r, i)).collect();
            }
        }
    }
    if let Some(v) = top.get("unowned_paths") {
        doc.unowned_paths = read_paths(r, v, "`unowned_paths`");
    }
    if let Some(v) = top.get("global_files") {
        for item in r.array(v, "`global_files`") {
            if let Some(g) = read_global(r, item) {
                doc.global_files.push(g);
            }
        }
    }
    Some(doc)
}

fn read_id(r: &mut Decoder, obj: &crate::decode::Obj<'_>, what: &str) -> Option<Spanned<String>> {
    let v = r.require(obj, "id", what)?;
    match v.as_str() {
        Some(s) => Some(Spanned::new(s.to_string(), v.span)),
        None => r.string(v, &format!("the id of {what}")),
    }
}

/// A node's id, shared with the edges that name it.
fn read_node_id(r: &mut Decoder, obj: &crate::decode::Obj<'_>) -> Option<Spanned<Name>> {
    let v = r.require(obj, "id", "a node")?;
    match v.as_str() {
        Some(s) => Some(Spanned::new(r.intern(s), v.span)),
        None => r.name(v, "the id of a node"),
    }
}

fn read_team(r: &mut Decoder, v: &Value) -> Option<TeamDecl> {
    let o = r.object(v, "a team", TEAM_FIELDS)?;
    let id = read_id(r, &o, "a team")?;
    let mut t = TeamDecl {
        id,
        span: v.span,
        ..TeamDecl::default()
    };
    if let Some(d) = o.get("description") {
        t.description = r.string(d, "`description`").map(|s| s.value);
    }
    if let Some(m) = o.get("members") {
        t.members = r.strings(m, "`members`");
    }
    if let Some(a) = o.get("aliases") {
        t.aliases = r.strings(a, "`aliases`");
    }
    Some(t)
}

fn read_person(r: &mut Decoder, v: &Value) -> Option<PersonDecl> {
    let o = r.object(v, "a person", PERSON_FIELDS)?;
    let id = read_id(r, &o, "a person")?;
    let mut p = PersonDecl {
        id,
        span: v.span,
        ..PersonDecl::default()
    };
    if let Some(n) = o.get("name") {
        p.name = r.string(n, "`name`").map(|s| s.value);
    }
    if let Some(k) = o.get("kind")
        && let Some(s) = r.string(k, "`kind` of a person")
    {
        match s.value.as_str() {
            "human" => p.kind = PrincipalKind::Human,
            "agent" => p.kind = PrincipalKind::Agent,
            other => {
                r.error(
                    codes::E0503,
                    s.span,
                    format!("unknown principal kind `{other}`"),
                )
                .help = Some("a person's kind is \"human\" or \"agent\"".into());
            }
        }
    }
    if let Some(e) = o.get("emails") {
        p.emails = r.strings(e, "`emails`");
    }
    if let Some(k) = o.get("keys") {
        p.keys = r.strings(k, "`keys`");
    }
    if let Some(a) = o.get("aliases") {
        p.aliases = r.strings(a, "`aliases`");
    }
    Some(p)
}

fn read_paths(r: &mut Decoder, v: &Value, what: &str) -> Vec<PathDecl> {
    let items = r.array(v, what);
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match &item.kind {
            Kind::String(s) => out.push(PathDecl {
                glob: Spanned::new(s.to_string(), item.span),
                priority: 0,
                layer: String::new(),
            }),
            Kind::Object(_) => {
                let Some(o) = r.object(item, "a path claim", PATH_FIELDS) else {
                    continue;
                };
                let Some(g) = r.require(&o, "glob", "a path claim") else {
                    continue;
                };
                let Some(glob) = r.string(g, "`glob`") else {
                    continue;
                };
                let priority = o
                    .get("priority")
                    .and_then(|p| r.int(p, "`priority`"))
                    .unwrap_or(0);
                let layer = o
                    .get("layer")
                    .and_then(|l| r.string(l, "`layer`"))
                    .map(|s| s.value)
                    .unwrap_or_default();
                out.push(PathDecl {
                    glob,
                    priority,
                    layer,
                });
            }
            _ => {
                let msg = format!(
                    "each entry of {what} must be a glob string or an object, found {}",
                    item.type_name()
                );
                r.error(codes::E0503, item.span, msg);
            }
        }
    }
    out
}

fn read_node(r: &mut Decoder, v: &Value) -> Option<NodeDecl> {
    let o = r.object(v, "a node", NODE_FIELDS)?;
    let id = read_node_id(r, &o)?;
    let kind = r
        .require(&o, "kind", "a node")
        .and_then(|k| r.name(k, "`kind`"));
    let mut n = NodeDecl {
        id,
        kind: kind.unwrap_or_default(),
        span: v.span,
        ..NodeDecl::default()
    };
    if let Some(d) = o.get("description") {
        n.description = r.string(d, "`description`").map(|s| s.value);
    }
    if let Some(t) = o.get("tags") {
        n.tags = r.names(t, "`tags`");
    }
    if let Some(a) = o.get("attributes") {
        if let Kind::Object(members) = &a.kind {
            let mut seen = RepeatedKeys::new(members);
            for (at, m) in members.iter().enumerate() {
                if let Some(first) = seen.earlier(at) {
                    let file = r.file;
                    r.error(
                        codes::E0514,
                        m.key_span,
                        format!("attribute `{}` is set twice", m.key),
                    )
                    .secondary
                    .push(writ_diagnostics::Label::new(
                        file,
                        first,
                        "first set here",
                    ));
                    continue;
                }
                let value = match &m.value.kind {
                    Kind::Bool(b) => AttrValue::Bool(*b),
                    Kind::String(s) => AttrValue::Str(s.to_string()),
                    Kind::Number(_) => match r.int(&m.value, "an attribute") {
                        Some(i) => AttrValue::Int(i),
                        None => continue,
                    },
                    _ => {
                        let msg = format!(
                            "attribute `{}` must be a string, a whole number or a boolean, found {}",
                            m.key,
                            m.value.type_name()
                        );
                        r.error(codes::E0503, m.value.span, msg);
                        continue;
                    }
                };
                n.attributes
                    .insert(m.key.to_string(), Spanned::new(value, m.value.span));
            }
        } else {
            r.object(a, "`attributes`", &[]);
        }
    }
    if let Some(ow) = o.get("owners") {
        n.owners = r.names(ow, "`owners`");
    }
    if let Some(p) = o.get("paths") {
        n.paths = read_paths(r, p, "`paths`");
    }
    if let Some(c) = o.get("checks") {
        if let Kind::Object(members) = &c.kind {
            let mut seen = RepeatedKeys::new(members);
            for (at, m) in members.iter().enumerate() {
                if let Some(first) = seen.earlier(at) {
                    let file = r.file;
                    r.error(
                        codes::E0514,
                        m.key_span,
                        format!("check `{}` is defined twice", m.key),
                    )
                    .secondary
                    .push(writ_diagnostics::Label::new(
                        file,
                        first,
                        "first defined here",
                    ));
                    continue;
                }
                if let Some(check) = read_check(r, &m.key, m.key_span, &m.value) {
                    n.checks.push(check);
                }
            }
        } else {
            r.object(c, "`checks`", &[]);
        }
    }
    if let Some(e) = o.get("edges") {
        if let Kind::Object(members) = &e.kind {
            // Room for every entry of every kind at once (an entry that is
            // not a string is reported and leaves room unused).
            n.edges.reserve_exact(
                members
                    .iter()
                    .map(|m| match &m.value.kind {
                        Kind::Array(items) => items.len(),
                        _ => 0,
                    })
                    .sum(),
            );
            for m in members {
                let kind = Spanned::new(r.intern(&m.key), m.key_span);
                match &m.value.kind {
                    // The usual case, straight into the node's edges (no
                    // list of targets made first and freed).
                    Kind::Array(items) if items.iter().all(|i| i.as_str().is_some()) => {
                        for i in items {
                            if let Some(target) = i.as_str() {
                                n.edges.push(EdgeDecl {
                                    kind: kind.clone(),
                                    to: Spanned::new(r.intern(target), i.span),
                                });
                            }
                        }
                    }
                    _ => {
                        for to in r.names(&m.value, &format!("the `{}` edges", m.key)) {
                            n.edges.push(EdgeDecl {
                                kind: kind.clone(),
                                to,
                            });
                        }
                    }
                }
            }
        } else {
            r.object(e, "`edges`", &[]);
        }
    }
    // Lists grown one entry at a time keep no spare room: a graph holds
    // hundreds of thousands of them.
    n.attributes.shrink_to_fit();
    n.checks.shrink_to_fit();
    n.edges.shrink_to_fit();
    Some(n)
}

fn read_check(r: &mut Decoder, name: &str, name_span: Span, v: &Value) -> Option<CheckDecl> {
    let what = format!("check `{name}`");
    let o = r.object(v, &what, CHECK_FIELDS)?;
    let run_v = r.require(&o, "run", &what)?;
    let run: Vec<Name> = r
        .names(run_v, "`run`")
        .into_iter()
        .map(|s| s.value)
        .collect();
    if run.first().is_none_or(|p| p.is_empty()) {
        r.error(
            codes::E0515,
            run_v.span,
            format!("check `{name}` has no program to run"),
        )
        .help = Some(
            "`run` is an argv array with the program first, e.g. [\"cargo\", \"test\"]".into(),
        );
    }
    let mut timeout_secs = None;
    if let Some(t) = o.get("timeout")
        && let Some(s) = r.string(t, "`timeout`")
    {
        match parse_duration(&s) {
            Some(0) | None => {
                r.error(
                    codes::E0515,
                    s.span,
                    format!("invalid timeout `{}`", s.value),
                )
                .help =
                    Some("write a positive duration such as \"90s\", \"10m\" or \"1h30m\"".into());
            }
            Some(secs) => timeout_secs = Some(secs),
        }
    }
    let network = match o.get("network") {
        None => false,
        Some(v) => match &v.kind {
            Kind::Bool(b) => *b,
            _ => {
                r.error(codes::E0515, v.span, "`network` must be true or false")
                    .help =
                    Some("write \"network\": true for a check that needs the network".into());
                false
            }
        },
    };
    let redact = match o.get("redact") {
        Some(v) => r
            .strings(v, "`redact`")
            .into_iter()
            .map(|s| s.value)
            .collect(),
        None => Vec::new(),
    };
    Some(CheckDecl {
        name: Spanned::new(r.intern(name), name_span),
        run,
        timeout_secs,
        network,
        redact,
        span: v.span,
    })
}

fn read_global(r: &mut Decoder, v: &Value) -> Option<GlobalFilesDecl> {
    let o = r.object(v, "a global-files rule", GLOBAL_FIELDS)?;
    let mut g = GlobalFilesDecl {
        span: v.span,
        ..GlobalFilesDecl::default()
    };
    if let Some(p) = r.require(&o, "paths", "a global-files rule") {
        g.paths = read_paths(r, p, "`paths`");
    }
    if let Some(n) = o.get("nodes") {
        g.nodes = r.strings(n, "`nodes`");
    }
    if let Some(k) = o.get("kinds") {
        g.kinds = r.strings(k, "`kinds`");
    }
    if let Some(t) = o.get("tags") {
        g.tags = r.strings(t, "`tags`");
    }
    Some(g)
}

#[cfg(test)]
mod streaming_tests;

#[cfg(test)]
mod decode_tests;
