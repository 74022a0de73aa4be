//! writ's compiled plan: the policy specialised to one system graph.
//!
//! - [`ir`] holds the plan's data (rules, forbids, chains, emergency paths,
//!   static node sets, the embedded graph and policy sources).
//! - [`Plan::to_canonical_bytes`] is the one serialisation: compact JSON with
//!   fields in declaration order, every collection sorted by the compiler. The
//!   same inputs give the same bytes on any machine; the plan's identity is the
//!   sha256 of those bytes ([`Plan::digest`]).
//! - [`load`] reads a plan and refuses anything that is not exactly such bytes
//!   (a changed byte, a truncated file, a plan re-serialised differently);
//!   [`load_shared`] is the same load, the graph kept as a range of the
//!   plan's text instead of a copy.
//! - [`eval`] is the one evaluator of the IR's expressions (the compiler's
//!   `where` filters and the runtime's conditions); [`walk`] is the one
//!   recursion over them that searches and rewrites share.
//! - [`signature`] signs and verifies the digest with ed25519 (detached).

pub mod embedded;
pub mod eval;
pub mod ir;
pub mod signature;
pub mod tests;
pub mod walk;

pub use embedded::EmbeddedGraph;
pub use ir::*;

use sha2::{Digest, Sha256};
use std::sync::Arc;
use writ_diagnostics::{Diagnostic, FileId, Span, codes, limits};

/// The format tag of a plan without assertions.
pub const FORMAT: &str = "writ.plan/v1";

/// The format tag of a plan holding assertions (`ir::Plan::assertions`):
/// version 1 plus that one field, so a plan without assertions keeps the
/// bytes (and digest) it always had.
pub const FORMAT_V2: &str = "writ.plan/v2";

/// The format tag a plan with or without assertions carries.
pub fn format_for(has_assertions: bool) -> &'static str {
    if has_assertions { FORMAT_V2 } else { FORMAT }
}

/// Writes through to `out`, hashing what it writes.
struct HashingWriter<'a> {
    out: &'a mut dyn std::io::Write,
    hasher: Sha256,
}

/// Pieces at least this long are hashed on a second thread while they are
/// written (the embedded graph's text: tens of megabytes at 100,000 nodes,
/// whose hashing and whose copy into the file then overlap).
const HASH_BESIDE: usize = 1 << 20;

impl std::io::Write for HashingWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if buf.len() < HASH_BESIDE {
            let n = self.out.write(buf)?;
            self.hasher.update(&buf[..n]);
            return Ok(n);
        }
        // The hasher takes the whole piece, so the piece is written whole
        // (or the write fails, and with it the plan's writing).
        let (hasher, out) = (&mut self.hasher, &mut self.out);
        std::thread::scope(|scope| {
            let hashing = scope.spawn(move || hasher.update(buf));
            let written = out.write_all(buf);
            hashing
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            written.map(|()| buf.len())
        })
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// sha256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

/// The digest of an embedded graph: sha256 of its canonical JSON text, hex.
pub fn graph_digest(graph: &EmbeddedGraph) -> String {
    graph.digest()
}

impl Plan {
    /// The canonical bytes: compact JSON followed by one newline.
    pub fn to_canonical_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec(self).expect("a plan always serialises");
        bytes.push(b'\n');
        bytes
    }

    /// Writes [`Plan::to_canonical_bytes`] to `out` without holding them
    /// whole (a plan embeds its graph: tens of megabytes at 100,000 nodes)
    /// and returns their digest, as [`Plan::digest`] gives it.
    pub fn write_canonical(&self, out: &mut dyn std::io::Write) -> std::io::Result<String> {
        let mut w = HashingWriter {
            out,
            hasher: Sha256::new(),
        };
        serde_json::to_writer(&mut w, self).map_err(std::io::Error::other)?;
        std::io::Write::write_all(&mut w, b"\n")?;
        Ok(format!("sha256:{}", hex(&w.hasher.finalize())))
    }

    /// Whether [`Plan::to_canonical_bytes`] would give exactly `bytes`
    /// (compared as they are written, without building them).
    pub(crate) fn serialises_to(&self, bytes: &[u8]) -> bool {
        let mut w = CompareWriter {
            rest: bytes,
            equal: true,
        };
        serde_json::to_writer(&mut w, self).expect("a plan always serialises");
        w.equal && w.rest == b"\n"
    }

    /// The plan's identity: `sha256:` and the hex sha256 of its canonical bytes.
    pub fn digest(&self) -> String {
        format!("sha256:{}", sha256_hex(&self.to_canonical_bytes()))
    }

    /// The source an origin points into.
    pub fn source(&self, origin: &Origin) -> Option<&Source> {
        self.sources.get(origin.source as usize)
    }

    /// The rule with this id.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules
            .binary_search_by(|r| r.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.rules[i])
    }

    /// The chain with this id.
    pub fn chain(&self, id: &str) -> Option<&Chain> {
        self.chains
            .binary_search_by(|c| c.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.chains[i])
    }

    /// The emergency path with this id.
    pub fn emergency(&self, id: &str) -> Option<&Emergency> {
        self.emergencies
            .binary_search_by(|e| e.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.emergencies[i])
    }
}

/// An `io::Write` that compares what is written with expected bytes.
struct CompareWriter<'a> {
    rest: &'a [u8],
    equal: bool,
}

impl std::io::Write for CompareWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.equal {
            match self.rest.strip_prefix(buf) {
                Some(rest) => self.rest = rest,
                None => self.equal = false,
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Reads a plan from its bytes. `file` names the plan in diagnostics.
///
/// Refused, each with its own code: bytes that are not JSON or not a plan
/// (`E0701`), a format this writ does not read (`E0702`), and bytes that parse
/// but are not the canonical serialisation of what they hold (`E0703`) —
/// which catches edits that keep the JSON valid. Static node sets pointing
/// outside the graph are refused too (`E0704`).
pub fn load(file: FileId, bytes: &[u8]) -> Result<Plan, Box<Diagnostic>> {
    let bytes = bytes.strip_prefix(limits::BOM.as_bytes()).unwrap_or(bytes);
    let whole = Span::new(0, bytes.len());
    if let Some(at) = limits::json_too_deep(bytes, limits::MAX_JSON_DEPTH) {
        return Err(Box::new(
            Diagnostic::new(
                codes::E0902,
                file,
                Span::new(at, at + 1),
                format!(
                    "the plan nests deeper than {} levels",
                    limits::MAX_JSON_DEPTH
                ),
            )
            .with_label("this bracket goes past the limit")
            .with_help("plans are written by `writ plan`; do not edit them by hand"),
        ));
    }
    let plan: Plan = match from_slice_unbounded(bytes) {
        Ok(plan) => plan,
        Err(e) => {
            let format_hint = serde_json::from_slice::<serde_json::Value>(bytes)
                .ok()
                .and_then(|v| v.get("format").and_then(|f| f.as_str()).map(str::to_string));
            if let Some(format) = format_hint.filter(|f| f != FORMAT && f != FORMAT_V2) {
                return Err(Box::new(
                    Diagnostic::new(
                        codes::E0702,
                        file,
                        whole,
                        format!("unsupported plan format `{format}`"),
                    )
                    .with_help(format!(
                        "this writ reads `{FORMAT}`; recompile the plan with `writ plan`"
                    )),
                ));
            }
            // serde_json counts lines from 1 and columns in bytes from 1 (0
            // for errors without a position).
            let offset = match e.line() {
                0 => bytes.len(),
                line => writ_diagnostics::LineIndex::from_bytes(bytes)
                    .offset_of_byte_column(line - 1, e.column().saturating_sub(1)),
            };
            let kind = if e.is_eof() {
                "the plan is truncated"
            } else {
                "the plan is not valid"
            };
            return Err(Box::new(
                Diagnostic::new(
                    codes::E0701,
                    file,
                    Span::empty(offset),
                    format!("{kind}: {e}"),
                )
                .with_help("plans are written by `writ plan`; do not edit them by hand"),
            ));
        }
    };
    if plan.format != format_for(!plan.assertions.is_empty()) {
        return Err(Box::new(
            Diagnostic::new(
                codes::E0702,
                file,
                whole,
                format!("unsupported plan format `{}`", plan.format),
            )
            .with_help(format!(
                "this writ reads `{FORMAT}` (and `{FORMAT_V2}` for plans with assertions); recompile the plan with `writ plan`"
            )),
        ));
    }
    if !plan.serialises_to(bytes) {
        return Err(Box::new(Diagnostic::new(
            codes::E0703,
            file,
            whole,
            "the plan is not in canonical form: it was modified after `writ plan` wrote it",
        )
        .with_help(
            "recompile it with `writ plan`; a plan is identified by the digest of its exact bytes",
        )));
    }
    // The graph's text is copied into the bytes as it is, so the comparison
    // above does not see how it is spelled: check that separately (its
    // digest is computed meanwhile on a second thread).
    let (canonical, digest) = std::thread::scope(|scope| {
        let digest = scope.spawn(|| graph_digest(&plan.graph));
        let canonical = plan.graph.verify_canonical();
        let digest = digest
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (canonical, digest)
    });
    if let Err(why) = canonical {
        return Err(Box::new(
            Diagnostic::new(
                codes::E0703,
                file,
                whole,
                format!("the plan's embedded graph is not in canonical form: {why}"),
            )
            .with_help(
                "recompile it with `writ plan`; the embedded graph is compact JSON with sorted keys",
            ),
        ));
    }
    if digest != plan.graph_sha256 {
        return Err(Box::new(Diagnostic::new(
            codes::E0703,
            file,
            whole,
            "the plan's embedded graph does not match its recorded digest",
        )));
    }
    for (i, source) in plan.sources.iter().enumerate() {
        if sha256_hex(source.text.as_bytes()) != source.sha256 {
            return Err(Box::new(Diagnostic::new(
                codes::E0703,
                file,
                whole,
                format!(
                    "policy source {i} (`{}`) does not match its recorded digest",
                    source.path
                ),
            )));
        }
    }
    let node_count = plan.graph.node_count();
    for set in &plan.sets {
        if set.windows(2).any(|w| w[0] >= w[1])
            || set.last().is_some_and(|&n| n as usize >= node_count)
        {
            return Err(Box::new(Diagnostic::new(
                codes::E0704,
                file,
                whole,
                "the plan's node sets do not fit its graph",
            )));
        }
    }
    Ok(plan)
}

/// [`load`] of `text`'s bytes, the plan's graph kept as a range of `text`
/// (shared, not copied: 31 MB at 100,000 services) instead of a copy of
/// its own; [`EmbeddedGraph::range_in`] then gives the graph's place in
/// the bytes without searching them. Refuses exactly what [`load`]
/// refuses, with the same diagnostics, and accepts the same plans.
pub fn load_shared(file: FileId, text: &Arc<String>) -> Result<Plan, Box<Diagnostic>> {
    embedded::sharing(text, || load(file, text.as_bytes()))
}

/// Where the embedded graph's text sits in `bytes`, plan bytes that [`load`]
/// accepted as `plan` (a leading byte order mark already removed): the
/// range of the `graph` member's value. Found as the first `"graph":` key
/// followed by exactly the graph's text (inside a JSON string a quote is
/// always escaped, so the key cannot be matched inside one); `None` when
/// the text is not there verbatim.
pub fn graph_span(bytes: &[u8], plan: &Plan) -> Option<std::ops::Range<usize>> {
    const KEY: &[u8] = b"\"graph\":";
    let text = plan.graph.as_str().as_bytes();
    let mut from = 0;
    while let Some(at) = bytes[from..].windows(KEY.len()).position(|w| w == KEY) {
        let start = from + at + KEY.len();
        if bytes[start..].starts_with(text) {
            return Some(start..start + text.len());
        }
        from = start;
    }
    None
}

/// Reads plan bytes that [`load`] has already accepted, without its checks
/// (canonical form, embedded digests, node sets) and without scanning their
/// embedded graph: for a caller that has just matched the sha256 of these
/// exact bytes against a record written after `load` accepted them (the
/// runtime's prepared-plan cache); any other bytes go through [`load`].
/// `whole` is the plan file's bytes (a leading byte order mark allowed);
/// `span` is where [`graph_span`] found the graph's text in these same
/// bytes (the byte order mark removed), recorded with their sha256 and
/// matched against it by the caller. The rest of the plan is parsed with
/// `{}` in place of the graph, which must land in the `graph` member; the
/// plan's graph is then that range of `whole`, shared, not copied, and not
/// checked as UTF-8 until its text is read.
pub fn reload_accepted_around_graph(
    whole: Arc<Vec<u8>>,
    span: std::ops::Range<usize>,
) -> Result<Plan, String> {
    let bytes = whole.strip_prefix(limits::BOM.as_bytes()).unwrap_or(&whole);
    let at = whole.len() - bytes.len();
    let graph = bytes
        .get(span.clone())
        .ok_or("the graph's place is outside the plan")?;
    if !(graph.starts_with(b"{") && graph.ends_with(b"}")) {
        return Err("the graph's place does not hold an object".into());
    }
    let mut rest = Vec::with_capacity(bytes.len() - graph.len() + 2);
    rest.extend_from_slice(&bytes[..span.start]);
    rest.extend_from_slice(b"{}");
    rest.extend_from_slice(&bytes[span.end..]);
    let mut plan = from_slice_unbounded(&rest).map_err(|e| e.to_string())?;
    if plan.graph.as_str() != "{}" {
        return Err("the graph's place is not the plan's graph".into());
    }
    plan.graph = EmbeddedGraph::from_accepted_bytes(whole.clone(), at + span.start..at + span.end)
        .ok_or("the graph's place is outside the plan")?;
    Ok(plan)
}

/// Deserialises a plan without serde_json's fixed limit of 128 levels (a plan
/// of a policy at the parser's nesting limit is deeper than that); the caller
/// has bounded the depth with [`limits::json_too_deep`] first.
fn from_slice_unbounded(bytes: &[u8]) -> serde_json::Result<Plan> {
    use serde::Deserialize;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    de.disable_recursion_limit();
    let plan = Plan::deserialize(&mut de)?;
    de.end()?;
    Ok(plan)
}

#[cfg(test)]
mod unit_tests {
    use super::*;

    pub(crate) fn tiny() -> Plan {
        let text = "rule a {\n}\n".to_string();
        let graph =
            EmbeddedGraph::from_canonical(r#"{"nodes":[{"id":"a"}],"version":1}"#.into()).unwrap();
        Plan {
            format: FORMAT.into(),
            compiler: "test".into(),
            sources: vec![Source {
                module: "main".into(),
                path: "main.writ".into(),
                sha256: sha256_hex(text.as_bytes()),
                text,
            }],
            graph_sha256: graph_digest(&graph),
            graph,
            sets: vec![vec![0]],
            rules: vec![Rule {
                id: "main::a".into(),
                doc: String::new(),
                origin: Origin {
                    source: 0,
                    span: [0, 10],
                    line: 1,
                    column: 1,
                },
                bindings: vec![],
                when: None,
                requirements: Requirements::default(),
            }],
            forbids: vec![],
            chains: vec![],
            emergencies: vec![],
            assertions: vec![],
        }
    }

    #[test]
    fn canonical_bytes_round_trip() {
        let plan = tiny();
        let bytes = plan.to_canonical_bytes();
        let loaded = load(FileId(0), &bytes).expect("loads");
        assert_eq!(loaded, plan);
        assert_eq!(loaded.digest(), plan.digest());
        assert!(plan.digest().starts_with("sha256:"));
        assert!(plan.serialises_to(&bytes));
        assert!(!plan.serialises_to(&bytes[..bytes.len() - 1]));
        assert!(!plan.serialises_to(&[&bytes[..], b"\n"].concat()));
        assert!(!plan.serialises_to(b""));
    }

    /// Written to a stream, a plan's bytes and digest are those of
    /// `to_canonical_bytes` and `digest`, through writers that take a few
    /// bytes at a time.
    #[test]
    fn streamed_bytes_and_digest_are_the_canonical_ones() {
        struct Trickle(Vec<u8>, usize);
        impl std::io::Write for Trickle {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                let n = buf.len().min(self.1);
                self.0.extend_from_slice(&buf[..n]);
                Ok(n)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let plan = tiny();
        for step in [1, 3, 1 << 20] {
            let mut out = Trickle(Vec::new(), step);
            let digest = plan.write_canonical(&mut out).expect("writes");
            assert_eq!(out.0, plan.to_canonical_bytes(), "{step}");
            assert_eq!(digest, plan.digest(), "{step}");
        }
    }

    /// A graph longer than [`HASH_BESIDE`] is hashed on a second thread
    /// while it is written: the bytes and the digest are still the
    /// canonical ones, whatever the writer takes at a time, and a writer
    /// that fails part-way fails the writing (no digest is returned).
    #[test]
    fn a_large_graph_hashed_beside_its_write_gives_the_canonical_digest() {
        let nodes: Vec<String> = (0..120_000)
            .map(|i| format!(r#"{{"id":"n{i}"}}"#))
            .collect();
        let text = format!(r#"{{"nodes":[{}],"version":1}}"#, nodes.join(","));
        assert!(text.len() > HASH_BESIDE);
        let mut plan = tiny();
        plan.graph = EmbeddedGraph::from_canonical(text).unwrap();
        plan.graph_sha256 = graph_digest(&plan.graph);
        let expected = plan.to_canonical_bytes();
        struct Trickle(Vec<u8>, usize, usize);
        impl std::io::Write for Trickle {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                if self.0.len() >= self.2 {
                    return Err(std::io::Error::other("disk full"));
                }
                let n = buf.len().min(self.1);
                self.0.extend_from_slice(&buf[..n]);
                Ok(n)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        for step in [7, 1 << 16, usize::MAX] {
            let mut out = Trickle(Vec::new(), step, usize::MAX);
            let digest = plan.write_canonical(&mut out).expect("writes");
            assert_eq!(out.0, expected, "{step}");
            assert_eq!(digest, plan.digest(), "{step}");
        }
        let mut full = Trickle(Vec::new(), 1 << 16, HASH_BESIDE);
        assert!(plan.write_canonical(&mut full).is_err());
    }

    #[test]
    fn tampering_is_refused() {
        let bytes = tiny().to_canonical_bytes();
        // A changed byte that keeps the plan valid is another plan: its
        // digest differs, so a signature over the original no longer verifies.
        let edited = String::from_utf8(bytes.clone())
            .unwrap()
            .replace("main::a", "main::b");
        let other = load(FileId(0), edited.as_bytes()).expect("still a well-formed plan");
        assert_ne!(other.digest(), tiny().digest());
        let key = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
        let sig = serde_json::to_vec(&signature::sign(&tiny().digest(), &key, 0, None)).unwrap();
        assert!(signature::verify(&sig, &other.digest(), &[key.verifying_key()], 1).is_err());
        // Extra whitespace keeps the JSON valid but not canonical.
        let spaced = String::from_utf8(bytes.clone())
            .unwrap()
            .replacen(",", ", ", 1);
        assert_eq!(
            load(FileId(0), spaced.as_bytes()).unwrap_err().code,
            codes::E0703
        );
        // An edited embedded graph no longer matches its recorded digest.
        let graph_edit = String::from_utf8(bytes.clone())
            .unwrap()
            .replace("\"id\":\"a\"", "\"id\":\"z\"");
        assert_ne!(graph_edit.as_bytes(), &bytes[..]);
        assert_eq!(
            load(FileId(0), graph_edit.as_bytes()).unwrap_err().code,
            codes::E0703
        );
        // A re-spelled embedded graph (same content, other bytes) is refused
        // even when its recorded digest was updated to match: the graph's
        // text goes into the plan's bytes as it is, so it is checked itself.
        let canonical = tiny().graph.as_str().to_string();
        for respelled in [
            r#"{"nodes": [{"id": "a"}], "version": 1}"#,
            "{\"nodes\":[{\"id\":\"a\"}],\"version\":1}\n",
            r#"{"version":1,"nodes":[{"id":"a"}]}"#,
            r#"{"nodes":[{"id":"\u0061"}],"version":1}"#,
            r#"{"nodes":[{"id":"a"}],"version":1.0}"#,
            r#"{"nodes":[{"id":"a"}],"version":1,"version":1}"#,
        ] {
            let text = String::from_utf8(bytes.clone())
                .unwrap()
                .replace(&canonical, respelled)
                .replace(&tiny().graph_sha256, &sha256_hex(respelled.as_bytes()));
            assert_ne!(text.as_bytes(), &bytes[..]);
            let err = load(FileId(0), text.as_bytes()).unwrap_err();
            assert_eq!(err.code, codes::E0703, "{respelled}");
            assert!(err.message.contains("canonical"), "{}", err.message);
        }
        // Pretty-printed: same content, other bytes.
        let pretty = serde_json::to_vec_pretty(&tiny()).unwrap();
        assert_eq!(load(FileId(0), &pretty).unwrap_err().code, codes::E0703);
        // Truncated.
        assert_eq!(
            load(FileId(0), &bytes[..bytes.len() / 2]).unwrap_err().code,
            codes::E0701
        );
        // Edited source text.
        let edited = String::from_utf8(bytes.clone())
            .unwrap()
            .replace("rule a", "rule b");
        assert_eq!(
            load(FileId(0), edited.as_bytes()).unwrap_err().code,
            codes::E0703
        );
        // Another format.
        let other = String::from_utf8(bytes)
            .unwrap()
            .replace(FORMAT, "writ.plan/v9");
        assert_eq!(
            load(FileId(0), other.as_bytes()).unwrap_err().code,
            codes::E0702
        );
    }

    #[test]
    fn sets_must_fit_the_graph() {
        let mut plan = tiny();
        plan.sets = vec![vec![0, 1]];
        assert_eq!(
            load(FileId(0), &plan.to_canonical_bytes())
                .unwrap_err()
                .code,
            codes::E0704
        );
    }

    #[test]
    fn a_plan_reads_back_around_its_graph() {
        let plan = tiny();
        let bytes = plan.to_canonical_bytes();
        let loaded = load(FileId(0), &bytes).expect("loads");
        let span = graph_span(&bytes, &loaded).expect("the graph is in the bytes");
        assert_eq!(&bytes[span.clone()], plan.graph.as_str().as_bytes());
        let text = Arc::new(bytes.clone());
        let again = reload_accepted_around_graph(text.clone(), span.clone()).expect("reads back");
        assert_eq!(again, plan);
        // The graph is the plan's own bytes, not a copy of them.
        let graph = again.graph.as_str();
        assert_eq!(graph.as_ptr(), text[span.clone()].as_ptr());
        assert_eq!(Arc::strong_count(&text), 2);
        assert_eq!(again.graph.node_ids(), plan.graph.node_ids());
        // Written again from the text cut out of the bytes: the same bytes.
        assert_eq!(again.to_canonical_bytes(), bytes);
        // A byte order mark is skipped as `load` skips it.
        let bom = format!("{}{}", limits::BOM, String::from_utf8(bytes).unwrap());
        assert_eq!(
            reload_accepted_around_graph(Arc::new(bom.into_bytes()), span.clone()),
            Ok(plan)
        );
    }

    /// `load_shared` accepts and refuses what `load` does, and keeps the
    /// graph as the range of the text that `graph_span` finds (after a
    /// byte order mark when there is one), without a copy.
    #[test]
    fn a_plan_loaded_shared_keeps_its_graph_as_a_range() {
        let plan = tiny();
        let bytes = plan.to_canonical_bytes();
        let span = graph_span(&bytes, &plan).expect("found");
        let plain = String::from_utf8(bytes.clone()).unwrap();
        for (text, at) in [
            (plain.clone(), 0),
            (format!("{}{plain}", limits::BOM), limits::BOM.len()),
        ] {
            let text = Arc::new(text);
            let loaded = load_shared(FileId(0), &text).expect("loads");
            assert_eq!(loaded, plan);
            let range = loaded.graph.range_in(&text).expect("kept as a range");
            assert_eq!(range, span.start + at..span.end + at);
            assert_eq!(loaded.graph.as_str().as_ptr(), text[range].as_ptr());
            assert_eq!(Arc::strong_count(&text), 2);
            assert_eq!(loaded.to_canonical_bytes(), bytes);
            // Not a range of another string holding the same text.
            assert_eq!(loaded.graph.range_in(&Arc::new((*text).clone())), None);
        }
        // Outside `load_shared` nothing is shared: the graph is its own.
        let text = Arc::new(plain.clone());
        let _ = load_shared(FileId(0), &text).expect("loads");
        let copied: Plan = serde_json::from_slice(text.as_bytes()).unwrap();
        assert_eq!(copied.graph.range_in(&text), None);
        assert_eq!(
            load(FileId(0), text.as_bytes())
                .unwrap()
                .graph
                .range_in(&text),
            None
        );
        // Every refusal is the same, with the same diagnostic.
        let mut unfit = tiny();
        unfit.sets = vec![vec![0, 1]];
        let unfit = String::from_utf8(unfit.to_canonical_bytes()).unwrap();
        let bad = [
            plain.replace("rule a", "rule b"),
            plain.replace(FORMAT, "writ.plan/v9"),
            plain.replace(r#"{"nodes":"#, r#"{ "nodes":"#),
            plain.replace(r#""version":1}"#, r#""version":2}"#),
            plain[..plain.len() / 2].to_string(),
            plain.replace(r#""graph":{"#, r#""graph":[{"#),
            unfit,
            String::new(),
        ];
        for bad in bad {
            let plain_refusal = load(FileId(0), bad.as_bytes()).expect_err("refused");
            let shared_refusal =
                load_shared(FileId(0), &Arc::new(bad.clone())).expect_err("refused");
            assert_eq!(shared_refusal.code, plain_refusal.code, "{bad}");
            assert_eq!(shared_refusal.message, plain_refusal.message, "{bad}");
            assert_eq!(
                shared_refusal.primary.span, plain_refusal.primary.span,
                "{bad}"
            );
        }
    }

    #[test]
    fn a_wrong_graph_place_is_refused() {
        let bytes = tiny().to_canonical_bytes();
        let text = Arc::new(bytes.clone());
        let span = graph_span(&bytes, &tiny()).expect("found");
        let wrong = [
            span.start..bytes.len() + 1,
            span.start + 1..span.end,
            span.start..span.end - 1,
            0..bytes.len(),
            span.start..span.start,
        ];
        for w in wrong {
            assert!(
                reload_accepted_around_graph(text.clone(), w.clone()).is_err(),
                "{w:?} accepted"
            );
        }
        // Another object of the plan in place of the graph: the plan's own
        // graph stays where it was, and that is noticed.
        let string = String::from_utf8(bytes.clone()).unwrap();
        let origin = string.find("{\"source\"").expect("an origin object");
        let end = origin + string[origin..].find('}').unwrap() + 1;
        assert!(reload_accepted_around_graph(text.clone(), origin..end).is_err());
        // A graph that is not in the bytes verbatim has no place.
        let mut other = tiny();
        other.graph =
            EmbeddedGraph::from_canonical(r#"{"nodes":[{"id":"b"}],"version":1}"#.into()).unwrap();
        assert_eq!(graph_span(&bytes, &other), None);
    }

    /// A rule's requirements are one list in memory and two in the bytes
    /// (`checks`, then `approvals`, format v1): written out and read back,
    /// the plan is the same, in plan order however they were given.
    #[test]
    fn requirements_are_written_as_the_two_lists_of_format_v1() {
        let origin = |at: u32| Origin {
            source: 0,
            span: [at, at + 1],
            line: 1,
            column: at + 1,
        };
        let check = |name: &str, at| {
            Requirement::Check(CheckRequirement {
                check: name.into(),
                on: NodeSet::Static(0),
                origin: origin(at),
            })
        };
        let approval = |chain: &str, at| {
            Requirement::Approval(ApprovalRequirement {
                chain: chain.into(),
                args: vec![ChainArg::Team("t".into())],
                origin: origin(at),
            })
        };
        let mut plan = tiny();
        // As written: an approval between two checks, another after.
        plan.rules[0].requirements = Requirements::new(vec![
            check("c1", 1),
            approval("main::x", 2),
            check("c2", 3),
            approval("main::y", 4),
        ]);
        let names: Vec<&str> = plan.rules[0]
            .requirements
            .iter()
            .map(|r| match r {
                Requirement::Check(c) => c.check.as_str(),
                Requirement::Approval(a) => a.chain.as_str(),
            })
            .collect();
        assert_eq!(names, ["c1", "c2", "main::x", "main::y"]);
        let bytes = plan.to_canonical_bytes();
        let text = std::str::from_utf8(&bytes).unwrap();
        let rule = &text[text.find("{\"id\":\"main::a\"").unwrap()..];
        assert!(
            rule.contains(r#""when":null,"checks":[{"check":"c1","#),
            "{rule}"
        );
        let approvals = rule.find(r#","approvals":[{"chain":"main::x","#).unwrap();
        assert!(rule.find(r#""check":"c2""#).unwrap() < approvals, "{rule}");
        assert!(rule[approvals..].contains(r#""chain":"main::y""#));
        let loaded = load(FileId(0), &bytes).expect("loads");
        assert_eq!(loaded, plan);
        assert_eq!(loaded.to_canonical_bytes(), bytes);
        // A rule with an unknown field, or without one of the two lists, is
        // refused as before.
        for (from, to) in [
            ("\"approvals\":[", "\"labels\":[],\"approvals\":["),
            (",\"checks\":[]", ""),
        ] {
            let edited = String::from_utf8(tiny().to_canonical_bytes())
                .unwrap()
                .replacen(from, to, 1);
            assert_ne!(edited.as_bytes(), &tiny().to_canonical_bytes()[..]);
            assert_eq!(
                load(FileId(0), edited.as_bytes()).unwrap_err().code,
                codes::E0701,
                "{edited}"
            );
        }
    }
}
