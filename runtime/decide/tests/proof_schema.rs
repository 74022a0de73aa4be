//! Every scenario's proof validates against `docs/proof.schema.json`.
//!
//! The validator below implements the subset of JSON Schema 2020-12 the
//! schema uses (`type`, `enum`, `const`, `properties`, `required`,
//! `additionalProperties: false`, `items`, `minItems`, `maxItems`, `minimum`,
//! `oneOf`, local `$ref`), which keeps a heavy dependency out of the build.

mod common;

use serde_json::Value;
use std::path::Path;

fn type_ok(t: &str, v: &Value) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        _ => false,
    }
}

fn validate(root: &Value, schema: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.strip_prefix("#/$defs/").expect("local refs only");
        return validate(root, &root["$defs"][name], v, at, errors);
    }
    if let Some(t) = schema.get("type") {
        let ok = match t {
            Value::String(s) => type_ok(s, v),
            Value::Array(ts) => ts.iter().any(|t| type_ok(t.as_str().unwrap_or(""), v)),
            _ => true,
        };
        if !ok {
            errors.push(format!("{at}: expected type {t}, got {v}"));
            return;
        }
    }
    if let Some(c) = schema.get("const") {
        if c != v {
            errors.push(format!("{at}: expected {c}, got {v}"));
        }
    }
    if let Some(Value::Array(e)) = schema.get("enum") {
        if !e.contains(v) {
            errors.push(format!("{at}: {v} not in {e:?}"));
        }
    }
    if let (Some(min), Some(n)) = (schema.get("minimum").and_then(Value::as_f64), v.as_f64()) {
        if n < min {
            errors.push(format!("{at}: {n} < {min}"));
        }
    }
    if let Some(Value::Array(alts)) = schema.get("oneOf") {
        let matching = alts
            .iter()
            .filter(|s| {
                let mut e = Vec::new();
                validate(root, s, v, at, &mut e);
                e.is_empty()
            })
            .count();
        if matching != 1 {
            errors.push(format!("{at}: {matching} alternatives of oneOf match {v}"));
        }
    }
    if let (Some(Value::Object(props)), Value::Object(obj)) = (schema.get("properties"), v) {
        for (k, s) in props {
            if let Some(x) = obj.get(k) {
                validate(root, s, x, &format!("{at}.{k}"), errors);
            }
        }
        if schema.get("additionalProperties") == Some(&Value::Bool(false)) {
            for k in obj.keys() {
                if !props.contains_key(k) {
                    errors.push(format!("{at}: unexpected field `{k}`"));
                }
            }
        }
        if let Some(Value::Array(req)) = schema.get("required") {
            for r in req {
                if !obj.contains_key(r.as_str().unwrap_or("")) {
                    errors.push(format!("{at}: missing field {r}"));
                }
            }
        }
    }
    if let (Some(items), Value::Array(xs)) = (schema.get("items"), v) {
        for (i, x) in xs.iter().enumerate() {
            validate(root, items, x, &format!("{at}[{i}]"), errors);
        }
        let len = xs.len() as u64;
        if schema
            .get("minItems")
            .and_then(Value::as_u64)
            .is_some_and(|m| len < m)
            || schema
                .get("maxItems")
                .and_then(Value::as_u64)
                .is_some_and(|m| len > m)
        {
            errors.push(format!("{at}: wrong number of items"));
        }
    }
}

#[test]
fn scenario_proofs_match_the_published_schema() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("../../docs/proof.schema.json")).unwrap(),
    )
    .unwrap();
    let prepared = common::prepared();
    let mut dirs: Vec<_> = std::fs::read_dir(root.join("tests/scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 7);
    for dir in dirs {
        let change = common::load_change(&dir.join("change.json"));
        let evidence =
            common::load_evidence(&dir.join("evidence.json"), &change, prepared.digest());
        let d = prepared.evaluate_at(&change, &evidence, common::decision_time(&change));
        let proof: Value = serde_json::from_str(&d.to_json()).unwrap();
        let mut errors = Vec::new();
        validate(&schema, &schema, &proof, "$", &mut errors);
        assert!(errors.is_empty(), "{}: {errors:#?}", dir.display());
    }
    // and the validator does reject what the schema forbids
    let mut errors = Vec::new();
    validate(
        &schema,
        &schema,
        &serde_json::json!({"format": "writ.proof/v1", "extra": 1}),
        "$",
        &mut errors,
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("unexpected field `extra`"))
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("missing field \"outcome\""))
    );
}
