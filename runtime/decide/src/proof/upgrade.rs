//! Reading a proof of the previous format, `writ.proof/v3`, as the current
//! one ([`upgrade_v3`]): `writ explain` renders a v3 proof so. A v3 proof
//! differs from a v4 one only in how instances and obligations are named:
//! each instance carried its id, listed its obligations by id, each
//! obligation listed the instances that impose it by id, and a `missing`
//! reason named its obligation by id; v4 names all of them by position.
//! Re-exported by `proof`.

use serde_json::Value;

/// The format tag of the previous version, which [`upgrade_v3`] reads.
pub const PROOF_FORMAT_V3: &str = "writ.proof/v3";

/// Rewrites a `writ.proof/v3` proof's JSON into `writ.proof/v4` in place:
/// the instances' ids dropped, an instance's obligations and an
/// obligation's `imposed_by` and a `missing` reason's obligation named by
/// position. An obligation id two obligations share (two approval
/// obligations can) names both, and a `missing` reason the first. Fails,
/// saying why, on a document that is not a v3 proof or cites an id it
/// does not hold; what it returns is then read as any v4 proof is.
pub fn upgrade_v3(proof: &mut Value) -> Result<(), String> {
    if proof.get("format").and_then(Value::as_str) != Some(PROOF_FORMAT_V3) {
        return Err(format!("not a `{PROOF_FORMAT_V3}` proof"));
    }
    // Obligation id -> its positions; instance id -> [rule, instance].
    let mut obligations: std::collections::BTreeMap<String, Vec<u32>> = Default::default();
    for (i, o) in array(proof, "obligations")?.iter().enumerate() {
        let id = str_at(o, "id")?;
        obligations.entry(id.to_owned()).or_default().push(i as u32);
    }
    let mut instances: std::collections::BTreeMap<String, [u32; 2]> = Default::default();
    for (r, rule) in array_mut(proof, "rules")?.iter_mut().enumerate() {
        for (i, inst) in array_mut(rule, "instances")?.iter_mut().enumerate() {
            let id = take_id(inst)?;
            let mut positions: Vec<u32> = Vec::new();
            for ob in array(inst, "obligations")? {
                let ob = ob.as_str().ok_or("an instance's obligation is not an id")?;
                let at = obligations.get(ob).ok_or_else(|| {
                    format!("instance `{id}` cites obligation `{ob}`, not in the proof")
                })?;
                positions.extend(at);
            }
            positions.sort_unstable();
            positions.dedup();
            inst["obligations"] = Value::from(positions);
            instances.insert(id, [r as u32, i as u32]);
        }
    }
    for forbid in array_mut(proof, "forbids")? {
        for inst in array_mut(forbid, "instances")? {
            take_id(inst)?;
        }
    }
    for o in array_mut(proof, "obligations")? {
        let mut by: Vec<[u32; 2]> = Vec::new();
        for i in array(o, "imposed_by")? {
            let i = i
                .as_str()
                .ok_or("an obligation's `imposed_by` is not an id")?;
            by.push(
                *instances.get(i).ok_or_else(|| {
                    format!("`imposed_by` cites instance `{i}`, not in the proof")
                })?,
            );
        }
        by.sort_unstable();
        by.dedup();
        o["imposed_by"] = Value::from(
            by.iter()
                .map(|r| Value::from(r.to_vec()))
                .collect::<Vec<_>>(),
        );
    }
    for r in array_mut(proof, "reasons")? {
        if r.get("kind").and_then(Value::as_str) != Some("missing") {
            continue;
        }
        let ob = str_at(r, "obligation")?;
        let at = obligations.get(ob).ok_or_else(|| {
            format!("a `missing` reason cites obligation `{ob}`, not in the proof")
        })?;
        r["obligation"] = Value::from(at[0]);
    }
    proof["format"] = Value::from(super::PROOF_FORMAT);
    Ok(())
}

fn array<'v>(v: &'v Value, key: &str) -> Result<&'v Vec<Value>, String> {
    v.get(key)
        .and_then(Value::as_array)
        .ok_or_else(|| format!("`{key}` is not a list"))
}

fn array_mut<'v>(v: &'v mut Value, key: &str) -> Result<&'v mut Vec<Value>, String> {
    v.get_mut(key)
        .and_then(Value::as_array_mut)
        .ok_or_else(|| format!("`{key}` is not a list"))
}

fn str_at<'v>(v: &'v Value, key: &str) -> Result<&'v str, String> {
    v.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("`{key}` is not a string"))
}

/// An instance's `id`, removed from it.
fn take_id(inst: &mut Value) -> Result<String, String> {
    match inst.as_object_mut().and_then(|o| o.remove("id")) {
        Some(Value::String(id)) => Ok(id),
        _ => Err("an instance has no string `id`".into()),
    }
}
