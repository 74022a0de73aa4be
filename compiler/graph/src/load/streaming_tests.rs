//! The streaming loader against the whole-tree reading it replaced: the same
//! document and the same diagnostics for valid, invalid and broken files,
//! whatever the batch size (one entry, a few, more than the file has).

use super::*;

/// The reading the streaming loader replaced: the whole file as one tree,
/// then every node decoded from it in order.
fn read_from_tree(text: &str) -> (Option<Document>, Vec<Diagnostic>) {
    let file = FileId(0);
    match json::parse(text) {
        Ok(root) => {
            let mut r = Decoder::new(file, GRAPH_CODES);
            let doc = read_top(&mut r, &root, None);
            (doc, r.diags)
        }
        Err(e) => {
            let code = if e.too_deep {
                codes::E0902
            } else {
                codes::E0501
            };
            let mut d = Diagnostic::new(code, file, e.span, e.message).with_label("here");
            if let Some(h) = e.help {
                d = d.with_help(h);
            }
            (None, vec![d])
        }
    }
}

const BATCHES: [usize; 7] = [1, 2, 3, 7, 39, 40, 1024];

/// Streams `text` at every batch size and holds each result to the tree's.
fn same_as_tree(text: &str) -> (Option<Document>, Vec<Diagnostic>) {
    let expected = read_from_tree(text);
    for batch in BATCHES {
        let got = read_document_batched(FileId(0), text, batch);
        assert_eq!(got, expected, "batch of {batch}, text: {text}");
    }
    expected
}

/// Forty nodes, valid and invalid in seven ways, between other members.
fn varied_nodes(n: usize) -> String {
    let mut text = String::new();
    for i in 0..n {
        if i > 0 {
            text.push(',');
        }
        match i % 7 {
            0 => text.push_str(&format!(r#"{{"id":"n{i}","kind":"service","colour":1}}"#)),
            1 => text.push_str(&format!(
                r#"{{"id":"n{i}","kind":3,"edges":{{"calls":["a",2]}}}}"#
            )),
            2 => text.push_str(r#"{"kind":"library"}"#),
            3 => text.push_str(r#""not a node""#),
            _ => text.push_str(&format!(
                r#"{{"id":"n{i}","kind":"service","tags":["t"],"attributes":{{"tier":{i},"tier":1}},"checks":{{"c":{{"run":[]}}}},"edges":{{"calls":["n0"]}}}}"#
            )),
        }
    }
    text
}

#[test]
fn streamed_nodes_match_the_tree_at_every_batch_size() {
    let text = format!(
        r#"{{"version":1,"teams":[{{"id":"t","members":[]}}],"nodes":[{}],"node_kinds":["x"]}}"#,
        varied_nodes(40)
    );
    let (doc, diags) = same_as_tree(&text);
    let doc = doc.expect("a document");
    assert!(doc.nodes.len() > 20, "{}", doc.nodes.len());
    assert!(diags.len() > 10, "{diags:?}");
    // The nodes keep their order and absolute spans.
    assert_eq!(doc.nodes[0].id.value, "n0");
    assert_eq!(&text[doc.nodes[0].id.span.range()], "\"n0\"");
}

#[test]
fn only_the_first_root_nodes_member_is_streamed() {
    // A second `nodes` is a duplicate field (E0514), and the first one wins.
    let text = r#"{"version":1,"nodes":[{"id":"a","kind":"service"}],"nodes":[{"id":"b","kind":"service"}]}"#;
    let (doc, diags) = same_as_tree(text);
    assert_eq!(doc.expect("a document").nodes[0].id.value, "a");
    assert!(diags.iter().any(|d| d.code == codes::E0514), "{diags:?}");
    // `nodes` that is not an array is a type error, as from the tree.
    let (_, diags) = same_as_tree(r#"{"version":1,"nodes":{"id":"a"}}"#);
    assert!(diags.iter().any(|d| d.code == codes::E0503), "{diags:?}");
    // A first `nodes` that is not an array does not make a second one streamed.
    same_as_tree(r#"{"version":1,"nodes":3,"nodes":[{"id":"a","kind":"service"}]}"#);
    // `nodes` deeper than the root is an ordinary (here unknown) field.
    same_as_tree(r#"{"version":1,"nodes":[{"id":"a","kind":"service","nodes":[1]}]}"#);
    // A root that is not an object streams nothing.
    let (doc, diags) = same_as_tree(r#"[{"nodes":[{"id":"a"}]}]"#);
    assert!(doc.is_none() && diags.len() == 1, "{diags:?}");
}

#[test]
fn a_wrong_version_after_the_nodes_drops_their_diagnostics() {
    let text = format!(r#"{{"nodes":[{}],"version":2}}"#, varied_nodes(12));
    let (doc, diags) = same_as_tree(&text);
    assert!(doc.is_none());
    assert!(diags.iter().all(|d| d.code == codes::E0513), "{diags:?}");
}

#[test]
fn a_syntax_error_after_streamed_nodes_is_the_only_diagnostic() {
    let nodes = varied_nodes(40);
    for broken in [
        format!(r#"{{"version":1,"nodes":[{nodes}],"teams":[1,]}}"#),
        format!(r#"{{"version":1,"nodes":[{nodes},]}}"#),
        format!(r#"{{"version":1,"nodes":[{nodes}"#),
        format!(r#"{{"version":1,"nodes":[{nodes}]}} x"#),
        format!(r#"{{"version":1,"nodes":[{nodes}, {{"id":"z","kind":"s\q"}}]}}"#),
    ] {
        let (doc, diags) = same_as_tree(&broken);
        assert!(doc.is_none());
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].code, codes::E0501, "{diags:?}");
    }
}

#[test]
fn deep_nesting_inside_a_streamed_node_is_e0902() {
    // The root is depth 0, `nodes` 1, each node 2: nesting counts from the
    // root of the file, not from the node.
    let limit = json::MAX_DEPTH;
    for extra in [limit - 3, limit - 2, limit] {
        let text = format!(
            r#"{{"version":1,"nodes":[{{"id":"a","kind":"service"}},{{"id":"b","kind":"service","description":{}{}}}]}}"#,
            "[".repeat(extra),
            "]".repeat(extra)
        );
        let (_, diags) = same_as_tree(&text);
        let too_deep = diags.iter().any(|d| d.code == codes::E0902);
        assert_eq!(too_deep, extra + 3 > limit, "{extra}: {diags:?}");
    }
}

/// Every truncation and many one-byte edits of a small graph give exactly
/// what the tree gives (document, diagnostics, or the syntax error).
#[test]
fn every_truncation_and_byte_edit_matches_the_tree() {
    let text = format!(
        r#"{{"version":1,"people":[{{"id":"p","kind":"human"}}],"nodes":[{}],"global_files":[{{"paths":["x"]}}]}}"#,
        varied_nodes(9)
    );
    let mut cases = 0;
    for end in 0..=text.len() {
        if text.is_char_boundary(end) {
            let cut = &text[..end];
            let expected = read_from_tree(cut);
            for batch in [1, 2, 1024] {
                assert_eq!(
                    read_document_batched(FileId(0), cut, batch),
                    expected,
                    "{cut}"
                );
            }
            cases += 1;
        }
    }
    for at in 0..text.len() {
        for b in [b'"', b',', b'[', b'{', b'}', b']', b'\\', b':', b'1', b' '] {
            let mut bytes = text.clone().into_bytes();
            bytes[at] = b;
            let Ok(edited) = String::from_utf8(bytes) else {
                continue;
            };
            let expected = read_from_tree(&edited);
            assert_eq!(
                read_document_batched(FileId(0), &edited, 2),
                expected,
                "{edited}"
            );
            cases += 1;
        }
    }
    assert!(cases > 5000, "{cases}");
}

/// A node id written twice, the two in different batches of the decoding
/// thread (1,024 entries each), is one E0506 at the second pointing at the
/// first, as when both were read from one tree.
#[test]
fn a_duplicate_id_across_batches_is_reported_against_the_first() {
    let mut text = String::from(r#"{"version":1,"nodes":["#);
    for i in 0..3000 {
        if i > 0 {
            text.push(',');
        }
        let id = if i == 2500 { 10 } else { i };
        text.push_str(&format!(r#"{{"id":"n{id}","kind":"service"}}"#));
    }
    text.push_str("]}");
    let (graph, diags) = crate::Graph::parse_file(FileId(0), &text);
    assert!(graph.is_none());
    let dups: Vec<&Diagnostic> = diags.iter().filter(|d| d.code == codes::E0506).collect();
    assert_eq!(dups.len(), 1, "{diags:?}");
    let first = text.find(r#""n10""#).expect("written");
    let second = text.rfind(r#""n10""#).expect("written twice");
    assert!(first < second);
    assert_eq!(dups[0].primary.span.start as usize, second);
    assert_eq!(dups[0].secondary[0].span.start as usize, first);
    assert_eq!(diags.len(), 1, "{diags:?}");
}
