//! Tests of decoding single nodes (`read_node`): check fields, repeated
//! keys, and the room the streaming decoder makes for nodes.

use super::*;

fn node(checks: &str) -> (Vec<NodeDecl>, Vec<Diagnostic>) {
    let text = format!(r#"[{{"id":"n","kind":"service","checks":{checks}}}]"#);
    let items = json::parse(&text).unwrap();
    let Kind::Array(items) = &items.kind else {
        panic!("an array")
    };
    let mut r = Decoder::new(FileId(0), GRAPH_CODES);
    let nodes = items.iter().filter_map(|v| read_node(&mut r, v)).collect();
    (nodes, r.diags)
}

#[test]
fn network_and_redact() {
    let (nodes, diags) =
        node(r#"{"a":{"run":["x"],"network":true,"redact":["k-[0-9]+"]},"b":{"run":["y"]}}"#);
    assert!(diags.is_empty(), "{diags:?}");
    let c = &nodes[0].checks;
    assert!(c[0].network && !c[1].network);
    assert_eq!(c[0].redact, vec!["k-[0-9]+".to_string()]);
    assert!(c[1].redact.is_empty());
    let (_, diags) = node(r#"{"a":{"run":["x"],"network":"yes","redact":[1]}}"#);
    assert_eq!(diags.len(), 2, "{diags:?}");
    assert!(diags.iter().any(|d| d.message.contains("`network`")));
}

/// The room made for the decoded nodes follows the first batch's bytes
/// per entry, and is never more than twice the text's length in bytes,
/// however small the entries (a hostile file of `{}` entries).
#[test]
fn room_for_nodes_is_estimated_and_bounded() {
    fn entries(text: &str) -> Vec<Value<'_>> {
        let v = json::parse(text).unwrap();
        let Kind::Array(items) = v.kind else {
            panic!("an array")
        };
        items
    }
    // Entries of about 400 bytes, like a generated service's.
    let id = "a".repeat(390);
    let text = format!(r#"[{{"id":"{id}"}},{{"id":"{id}"}}]"#);
    let normal = entries(&text);
    let per_entry = (text.len() - 2) / 2;
    let whole = 40_000_000;
    let estimate = estimate_nodes(&normal, whole);
    let expected = whole / per_entry;
    assert!(
        (expected..=expected * 5 / 4).contains(&estimate),
        "{estimate} for {expected}"
    );
    let tiny = entries("[{},{},{},{}]");
    let huge = 1 << 30;
    let bounded = estimate_nodes(&tiny, huge);
    assert!(
        bounded * std::mem::size_of::<NodeDecl>() <= 2 * huge,
        "{bounded}"
    );
    assert!(bounded > 0);
    assert_eq!(estimate_nodes(&[], huge), 0);
}

/// A key set three times is reported twice, each time pointing at the
/// use just before it — alike in a small object (scanned back) and in a
/// large one (through a map), for attributes and checks.
#[test]
fn repeated_keys_point_at_the_latest_earlier_use() {
    for filler in [0, SCAN_KEYS + 4] {
        let fill: Vec<String> = (0..filler).map(|i| format!(r#""f{i}":1,"#)).collect();
        let fill = fill.concat();
        let attrs = format!(r#"{{{fill}"t":1,"u":2,"t":3,"t":4}}"#);
        let text = format!(r#"[{{"id":"n","kind":"service","attributes":{attrs}}}]"#);
        let items = json::parse(&text).unwrap();
        let Kind::Array(items) = &items.kind else {
            panic!("an array")
        };
        let mut r = Decoder::new(FileId(0), GRAPH_CODES);
        let nodes: Vec<_> = items.iter().filter_map(|v| read_node(&mut r, v)).collect();
        let at = |nth: usize| {
            let i = text.match_indices(r#""t""#).nth(nth).unwrap().0;
            Span::new(i, i + 3)
        };
        assert_eq!(r.diags.len(), 2, "{filler}: {:?}", r.diags);
        for (d, (here, before)) in r.diags.iter().zip([(1, 0), (2, 1)]) {
            assert!(d.message.contains("attribute `t` is set twice"), "{d:?}");
            assert_eq!(d.primary.span, at(here), "{filler}");
            assert_eq!(d.secondary[0].span, at(before), "{filler}");
        }
        let value = at(0).end as usize + 1;
        assert_eq!(
            nodes[0].attributes.get("t").map(|v| v.span),
            Some(Span::new(value, value + 1))
        );
        let checks = format!(
            r#"{{{}"c":{{"run":["x"]}},"c":{{"run":["y"]}}}}"#,
            fill.replace(":1", r#":{"run":["z"]}"#)
        );
        let (nodes, diags) = node(&checks);
        assert_eq!(diags.len(), 1, "{filler}: {diags:?}");
        assert!(diags[0].message.contains("check `c` is defined twice"));
        assert_eq!(nodes[0].checks.len(), filler + 1);
    }
}
