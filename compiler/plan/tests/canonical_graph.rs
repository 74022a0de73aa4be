//! The embedded graph's canonical-form check against its definition: a text
//! is canonical exactly when serde_json, parsing it and writing it back
//! compactly (keys sorted), gives the same text. Random JSON values are
//! written canonically, then spelled differently one edit at a time; the
//! check must agree with that oracle on every text (floats aside: a graph
//! has none, and the check refuses every one).

use proptest::prelude::*;
use serde_json::Value;
use writ_plan::EmbeddedGraph;

/// JSON values without floats, strings drawn to exercise escaping.
fn value() -> impl Strategy<Value = Value> {
    let text = prop_oneof![
        "[a-z]{0,6}",
        "[\\x00-\\x7f]{0,6}",
        "[\\u{80}-\\u{10ffff}]{0,3}",
        Just("\"\\/".to_string()),
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        text.clone().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 40, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z\"]{0,4}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Whether serde_json writes `text` back unchanged (the definition of canonical).
fn oracle(text: &str) -> Option<bool> {
    let v: Value = serde_json::from_str(text).ok()?;
    let floats = |v: &Value| -> bool {
        fn any_float(v: &Value) -> bool {
            match v {
                Value::Number(n) => n.is_f64(),
                Value::Array(a) => a.iter().any(any_float),
                Value::Object(o) => o.values().any(any_float),
                _ => false,
            }
        }
        any_float(v)
    };
    if floats(&v) {
        return Some(false);
    }
    Some(serde_json::to_string(&v).ok()? == text)
}

/// One edit of `text` at byte `at` (moved to a char boundary).
fn edit(text: &str, at: usize, kind: u8) -> String {
    let mut at = at % (text.len() + 1);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let mut s = text.to_string();
    match kind % 6 {
        0 => s.insert(at, ' '),
        1 => s.insert(at, '\n'),
        2 => s.insert_str(at, "\\u0041"),
        3 => s.insert_str(at, ".0"),
        4 => {
            if at < s.len() {
                let c = s[at..].chars().next().map_or(1, char::len_utf8);
                s.replace_range(at..at + c, "");
            }
        }
        _ => s.insert(at, '0'),
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn canonical_texts_are_accepted(v in value()) {
        let text = serde_json::to_string(&v).unwrap();
        prop_assert!(EmbeddedGraph::from_canonical(text.clone()).is_ok(), "refused {text}");
    }

    #[test]
    fn the_check_agrees_with_serde_json(v in value(), at in any::<usize>(), kind in any::<u8>()) {
        let text = edit(&serde_json::to_string(&v).unwrap(), at, kind);
        let accepted = EmbeddedGraph::from_canonical(text.clone()).is_ok();
        match oracle(&text) {
            Some(canonical) => prop_assert_eq!(accepted, canonical, "{}", text),
            // Not JSON at all: never accepted.
            None => prop_assert!(!accepted, "accepted invalid JSON {}", text),
        }
    }
}
