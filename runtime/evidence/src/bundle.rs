//! The evidence bundle: an in-toto Statement v1 in a DSSE envelope.
//!
//! ```text
//! {
//!   "_type": "https://in-toto.io/Statement/v1",
//!   "subject": [{"name": "change:<id>",
//!                "digest": {"sha256": "<change digest hex>", "gitCommit": "<head>"}}],
//!   "predicateType": "https://writ.dev/decision/v1",
//!   "predicate": {
//!     "writ_version", "decided_at",
//!     "change": {id, base, head, head_tree, digest, author, emergency,
//!                document (the change file, so the decision can be re-derived)},
//!     "plan": {"digest": "sha256:…", "trust": {verified, key, issued_at, expires_at, insecure}},
//!     "outcome": "allow" | "deny" | "pending",
//!     "decision": <the decision engine's decision and proof>,
//!     "evidence": {
//!       "checks": [{check, node, outcome, digest, source, summary, envelope}],
//!       "approvals": [{person, key, chain, change_digest, plan_digest, signed_at,
//!                      digest, signature_verified, refused, envelope}]
//!     }
//!   }
//! }
//! ```
//!
//! The envelope's payload type is `application/vnd.in-toto+json`, signed
//! with the runner's ed25519 key (key id: [`crate::keys::keyid`]).
//! [`verify_bundle`] checks the signature against trusted keys, the types
//! inside the signed bytes, the subject against the change digest, the plan
//! digest (against the plan in force when one is given) and every approval
//! inside (its own signature, and its binding to this change and plan).
//! Beside it, [`vsa_statement`] is a SLSA Verification Summary v1 for
//! allowed and denied decisions.

use crate::approval::{self, ApprovalRecord, ApprovalStatement};
use crate::dsse::{self, INTOTO_PAYLOAD_TYPE};
use ed25519_dalek::{SigningKey, VerifyingKey};
use serde_json::{Value, json};
use writ_graph::{Change, Graph};
use writ_runtime::Evidence;

mod error;
pub use error::{ApprovalProblem, BundleError, CheckProblem};

/// in-toto Statement v1.
pub(crate) const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// writ's decision predicate.
pub const PREDICATE_TYPE: &str = "https://writ.dev/decision/v1";
/// SLSA Verification Summary Attestation v1.
pub(crate) const VSA_PREDICATE_TYPE: &str = "https://slsa.dev/verification_summary/v1";
/// The verifier id in VSAs.
pub(crate) const VERIFIER_ID: &str = "https://writ.dev/writ";

/// What a bundle is made of.
#[derive(Clone, Debug)]
pub struct BundleInput<'a> {
    /// The change decided.
    pub change: &'a Change,
    /// The plan in force.
    pub plan_digest: &'a str,
    /// What was established about the plan's signature.
    pub plan_trust: &'a writ_plan::signature::PlanTrust,
    /// `allow`, `deny` or `pending`.
    pub outcome: &'a str,
    /// The decision and its proof, as the decision engine serialised it.
    pub decision: Value,
    /// The check results weighed.
    pub evidence: &'a Evidence,
    /// The signed records of those check results (matched by digest), whose
    /// envelopes the bundle carries so `writ verify` can check them again.
    pub checks: &'a [crate::store::SignedCheck],
    /// The approvals weighed, with their envelopes.
    pub approvals: &'a [ApprovalRecord],
    /// Unix seconds.
    pub decided_at: i64,
    /// Where the decision time came from: `system` (the runner's clock) or
    /// `given` (`--now`, for tests and replays).
    pub decision_clock: &'a str,
}

fn hex_of(digest: &str) -> &str {
    digest.strip_prefix("sha256:").unwrap_or(digest)
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The subject for a change: named `change:<id>`, with the change digest as
/// `sha256` and the head commit as `gitCommit` when it is an object id.
pub fn subject(change: &Change) -> Value {
    let mut digest = serde_json::Map::new();
    digest.insert("sha256".into(), json!(hex_of(&change.digest)));
    let head = change.head.to_ascii_lowercase();
    if is_hex(&head, 40) || is_hex(&head, 64) {
        digest.insert("gitCommit".into(), json!(head));
    }
    json!([{"name": format!("change:{}", change.id), "digest": digest}])
}

/// The in-toto statement of a decision.
pub fn statement(input: &BundleInput<'_>) -> Value {
    let c = input.change;
    let approvals: Vec<Value> = input
        .approvals
        .iter()
        .map(|a| {
            let refused = a
                .signature
                .as_ref()
                .err()
                .cloned()
                .or_else(|| approval::check_binding(&a.statement, c, input.plan_digest).err())
                .map(|e| e.to_string());
            let mut v = serde_json::to_value(a.to_evidence()).expect("an approval serialises");
            v["refused"] = json!(refused);
            v["envelope"] = serde_json::to_value(&a.envelope).expect("an envelope serialises");
            v
        })
        .collect();
    let checks: Vec<Value> = input
        .evidence
        .checks
        .iter()
        .map(|r| {
            let mut v = serde_json::to_value(r).expect("a check result serialises");
            let envelope = input
                .checks
                .iter()
                .find(|s| s.result.digest == r.digest)
                .map(|s| serde_json::to_value(&s.envelope).expect("an envelope serialises"));
            v["envelope"] = envelope.unwrap_or(Value::Null);
            v
        })
        .collect();
    json!({
        "_type": STATEMENT_TYPE,
        "subject": subject(c),
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "writ_version": env!("CARGO_PKG_VERSION"),
            "decided_at": crate::rfc3339(input.decided_at),
            "decision_clock": input.decision_clock,
            "change": {
                "id": c.id, "base": c.base, "head": c.head, "head_tree": c.head_tree,
                "digest": c.digest, "author": c.author, "emergency": c.emergency,
                "document": c.to_json(),
            },
            "plan": {"digest": input.plan_digest, "trust": input.plan_trust},
            "outcome": input.outcome,
            "decision": input.decision,
            "evidence": {"checks": checks, "approvals": approvals},
        }
    })
}

/// A SLSA VSA v1 for the decision (`PASSED` when allowed), or `None` while pending.
pub fn vsa_statement(
    input: &BundleInput<'_>,
    bundle_name: &str,
    bundle_bytes: &[u8],
) -> Option<Value> {
    let result = match input.outcome {
        "allow" => "PASSED",
        "deny" => "FAILED",
        _ => return None,
    };
    let levels: Vec<&str> = if result == "PASSED" {
        vec!["WRIT_POLICY_ALLOW"]
    } else {
        vec![]
    };
    Some(json!({
        "_type": STATEMENT_TYPE,
        "subject": subject(input.change),
        "predicateType": VSA_PREDICATE_TYPE,
        "predicate": {
            "verifier": {"id": VERIFIER_ID, "version": {"writ": env!("CARGO_PKG_VERSION")}},
            "timeVerified": crate::rfc3339(input.decided_at),
            "resourceUri": format!("change:{}", input.change.id),
            "policy": {"uri": format!("writ-plan:{}", input.plan_digest), "digest": {"sha256": hex_of(input.plan_digest)}},
            "inputAttestations": [{"uri": bundle_name, "digest": {"sha256": writ_plan::sha256_hex(bundle_bytes)}}],
            "verificationResult": result,
            "verifiedLevels": levels,
        }
    }))
}

/// Signs a statement; returns the envelope file's bytes.
pub fn sign_statement(statement: &Value, key: &SigningKey) -> Vec<u8> {
    let payload = serde_json::to_vec(statement).expect("a statement serialises");
    let envelope = dsse::sign(INTOTO_PAYLOAD_TYPE, &payload, key);
    let mut bytes = serde_json::to_vec_pretty(&envelope).expect("an envelope serialises");
    bytes.push(b'\n');
    bytes
}

/// What a valid bundle says.
#[derive(Clone, Debug)]
pub struct BundleReport {
    /// The verified statement.
    pub statement: Value,
    /// The trusted key that signed it.
    pub signer: VerifyingKey,
    /// The predicate type (writ's decision or a SLSA VSA).
    pub predicate_type: String,
    /// `allow`, `deny`, `pending`, or the VSA's result.
    pub outcome: String,
    /// The change id.
    pub change_id: String,
    /// The change digest.
    pub change_digest: String,
    /// The plan digest.
    pub plan_digest: String,
    /// Approvals that count (verified and bound), by person.
    pub approvals: Vec<String>,
    /// Approvals listed as refused, with the recorded reason.
    pub refused: Vec<String>,
}

/// The plan a bundle is checked against: its digest and its graph.
#[derive(Clone, Copy, Debug)]
pub struct PlanContext<'a> {
    /// The plan's digest.
    pub digest: &'a str,
    /// The plan's graph (approvers' keys are looked up there).
    pub graph: &'a Graph,
}

fn field<'a>(v: &'a Value, pointer: &str) -> Result<&'a str, BundleError> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .ok_or_else(|| BundleError::MissingField(pointer.trim_start_matches('/').replace('/', ".")))
}

/// Verifies a bundle (see the module docs). `Err` gives the reason it is invalid.
pub fn verify_bundle(
    bytes: &[u8],
    trusted: &[VerifyingKey],
    plan: Option<PlanContext<'_>>,
) -> Result<BundleReport, BundleError> {
    let envelope = dsse::parse(bytes).map_err(BundleError::Envelope)?;
    let verified =
        dsse::verify(&envelope, INTOTO_PAYLOAD_TYPE, trusted, 1).map_err(BundleError::Envelope)?;
    let statement: Value =
        serde_json::from_slice(&verified.payload).map_err(BundleError::PayloadNotJson)?;
    let kind = field(&statement, "/_type")?;
    if kind != STATEMENT_TYPE {
        return Err(BundleError::StatementType(kind.to_string()));
    }
    let predicate_type = field(&statement, "/predicateType")?.to_string();
    let subjects = statement
        .get("subject")
        .and_then(Value::as_array)
        .filter(|s| s.len() == 1)
        .ok_or(BundleError::Subjects)?;
    let subject_sha = subjects[0]
        .pointer("/digest/sha256")
        .and_then(Value::as_str)
        .ok_or(BundleError::SubjectDigest)?;
    if predicate_type == VSA_PREDICATE_TYPE {
        let result = field(&statement, "/predicate/verificationResult")?.to_string();
        let policy = field(&statement, "/predicate/policy/digest/sha256")?;
        let plan_digest = format!("sha256:{policy}");
        check_plan(&plan_digest, plan)?;
        let name = field(&statement, "/subject/0/name")?;
        return Ok(BundleReport {
            statement: statement.clone(),
            signer: verified.keys[0],
            predicate_type,
            outcome: result,
            change_id: name.trim_start_matches("change:").to_string(),
            change_digest: format!("sha256:{subject_sha}"),
            plan_digest,
            approvals: Vec::new(),
            refused: Vec::new(),
        });
    }
    if predicate_type != PREDICATE_TYPE {
        return Err(BundleError::PredicateType(predicate_type));
    }
    let change_digest = field(&statement, "/predicate/change/digest")?.to_string();
    let change_id = field(&statement, "/predicate/change/id")?.to_string();
    if hex_of(&change_digest) != subject_sha || !is_hex(subject_sha, 64) {
        return Err(BundleError::SubjectMismatch {
            subject: subject_sha.to_string(),
            change_digest,
        });
    }
    let plan_digest = field(&statement, "/predicate/plan/digest")?.to_string();
    if !plan_digest.starts_with("sha256:") || !is_hex(hex_of(&plan_digest), 64) {
        return Err(BundleError::PlanDigest(plan_digest));
    }
    check_plan(&plan_digest, plan)?;
    let outcome = field(&statement, "/predicate/outcome")?.to_string();
    if !matches!(outcome.as_str(), "allow" | "deny" | "pending") {
        return Err(BundleError::Outcome(outcome));
    }
    let approvals = statement
        .pointer("/predicate/evidence/approvals")
        .and_then(Value::as_array)
        .ok_or(BundleError::NoApprovals)?;
    let mut counted = Vec::new();
    let mut refused = Vec::new();
    for (i, a) in approvals.iter().enumerate() {
        let at = |problem: ApprovalProblem| BundleError::Approval { index: i, problem };
        let env: dsse::Envelope =
            serde_json::from_value(a.get("envelope").cloned().unwrap_or(Value::Null))
                .map_err(|e| at(ApprovalProblem::Envelope(e)))?;
        let payload =
            dsse::decode_base64(&env.payload).map_err(|e| at(ApprovalProblem::Base64(e)))?;
        let s: ApprovalStatement =
            serde_json::from_slice(&payload).map_err(|e| at(ApprovalProblem::Statement(e)))?;
        let listed = |key: &str| a.get(key).and_then(Value::as_str).unwrap_or("");
        if listed("person") != s.person
            || listed("change_digest") != s.change_digest
            || listed("plan_digest") != s.plan_digest
            || listed("digest") != crate::sha256_digest(&payload)
        {
            return Err(at(ApprovalProblem::ListedFields));
        }
        if let Some(reason) = a.get("refused").and_then(Value::as_str) {
            refused.push(format!("{}: {reason}", s.person));
            continue;
        }
        // Counted: its signature must verify, against the graph's keys for
        // the person when the plan is given, else against the key recorded.
        let keys = match plan {
            Some(p) => approval::person_keys(p.graph, &s.person)
                .map_err(|e| at(ApprovalProblem::Keys(e)))?,
            None => vec![
                writ_graph::parse_public_key(listed("key"))
                    .map_err(|e| at(ApprovalProblem::Key(e)))?,
            ],
        };
        dsse::verify(&env, approval::APPROVAL_PAYLOAD_TYPE, &keys, 1).map_err(|error| {
            at(ApprovalProblem::Signature {
                person: s.person.clone(),
                error,
            })
        })?;
        if s.kind != approval::APPROVAL_TYPE {
            return Err(at(ApprovalProblem::Type(s.kind.clone())));
        }
        if s.change_digest != change_digest {
            return Err(at(ApprovalProblem::ChangeDigest {
                person: s.person.clone(),
                approved: s.change_digest.clone(),
                bundle: change_digest,
            }));
        }
        if s.plan_digest != plan_digest {
            return Err(at(ApprovalProblem::PlanDigest {
                person: s.person.clone(),
                approved: s.plan_digest.clone(),
                bundle: plan_digest,
            }));
        }
        counted.push(s.person.clone());
    }
    Ok(BundleReport {
        signer: verified.keys[0],
        statement,
        predicate_type,
        outcome,
        change_id,
        change_digest,
        plan_digest,
        approvals: counted,
        refused,
    })
}

/// What a decision bundle records as the inputs of its decision, each
/// checked again rather than taken from the bundle: the change (its digest
/// must be the subject's), the evidence (every check result's signed record
/// opened against the trusted result keys and bound to this change and the
/// recorded plan; every approval's signature checked against the person's
/// keys in the graph given) and the decision time.
#[derive(Clone, Debug)]
pub struct DecisionInputs {
    /// The change decided.
    pub change: Change,
    /// The evidence weighed.
    pub evidence: Evidence,
    /// The recorded decision time, Unix seconds.
    pub decided_at: i64,
    /// The plan the decision was made under.
    pub plan_digest: String,
}

/// Reads a verified writ decision statement's [`DecisionInputs`]: approvals
/// are verified against the people's keys in `graph`, check results against
/// `result_keys`. A proof of another format than
/// [`writ_runtime::proof::PROOF_FORMAT`] is refused with an error that says
/// so (its decision time and reasons cannot be read the same way).
pub fn decision_inputs(
    statement: &Value,
    graph: &Graph,
    result_keys: &[VerifyingKey],
) -> Result<DecisionInputs, BundleError> {
    let format = statement
        .pointer("/predicate/decision/format")
        .and_then(Value::as_str)
        .unwrap_or("");
    if format != writ_runtime::proof::PROOF_FORMAT {
        return Err(BundleError::ProofFormat(format.to_string()));
    }
    let doc = field(statement, "/predicate/change/document")
        .map_err(|_| BundleError::NoChangeDocument)?;
    let (change, diags) = writ_graph::change::parse_change(writ_diagnostics::FileId(0), doc);
    let change = change.ok_or_else(|| {
        BundleError::InvalidChange(
            diags
                .first()
                .map_or_else(String::new, |d| d.message.clone()),
        )
    })?;
    let claimed_digest = field(statement, "/predicate/change/digest")?;
    if change.compute_digest() != claimed_digest
        || change.id != field(statement, "/predicate/change/id")?
    {
        return Err(BundleError::ChangeMismatch {
            id: change.id.clone(),
            digest: change.compute_digest(),
            claimed: claimed_digest.to_string(),
        });
    }
    let plan_digest = field(statement, "/predicate/plan/digest")?;
    let trust = crate::store::ResultTrust {
        plan_digest: plan_digest.to_string(),
        keys: result_keys.to_vec(),
    };
    let mut evidence = Evidence::default();
    let checks = statement
        .pointer("/predicate/evidence/checks")
        .and_then(Value::as_array)
        .ok_or(BundleError::NoChecks)?;
    for (i, c) in checks.iter().enumerate() {
        let at = |problem: CheckProblem| BundleError::Check { index: i, problem };
        let envelope: dsse::Envelope =
            serde_json::from_value(c.get("envelope").cloned().unwrap_or(Value::Null))
                .map_err(|_| at(CheckProblem::NoRecord))?;
        let signed = crate::store::open_check(&envelope, &trust, &change)
            .map_err(|e| at(CheckProblem::Rejected(e)))?;
        evidence.checks.push(signed.result);
    }
    let approvals = statement
        .pointer("/predicate/evidence/approvals")
        .and_then(Value::as_array)
        .ok_or(BundleError::NoApprovals)?;
    for (i, a) in approvals.iter().enumerate() {
        let at = |problem: ApprovalProblem| BundleError::Approval { index: i, problem };
        let bytes = serde_json::to_vec(a.get("envelope").unwrap_or(&Value::Null))
            .map_err(|e| at(ApprovalProblem::Serialise(e)))?;
        let record =
            approval::read_approval(&bytes, graph).map_err(|e| at(ApprovalProblem::Record(e)))?;
        evidence.approvals.push(record.to_evidence());
    }
    let decided_at = field(statement, "/predicate/decision/decided_at")?;
    let decided_at = writ_runtime::time::parse_rfc3339(decided_at)
        .ok_or_else(|| BundleError::DecisionTime(decided_at.to_string()))?;
    Ok(DecisionInputs {
        change,
        evidence,
        decided_at,
        plan_digest: plan_digest.to_string(),
    })
}

/// Re-derives the decision a verified writ decision bundle claims: reads
/// its [`DecisionInputs`] (everything re-verified against `graph` and
/// `result_keys`), decides again under `plan` at the recorded decision
/// time, and requires the same proof (outcome, reasons, obligations,
/// evidence used) as the one signed. Returns the outcome.
pub fn rederive(
    statement: &Value,
    plan: &writ_plan::Plan,
    graph: &Graph,
    result_keys: &[VerifyingKey],
) -> Result<String, BundleError> {
    let inputs = decision_inputs(statement, graph, result_keys)?;
    let signed = statement
        .pointer("/predicate/decision")
        .ok_or(BundleError::NoDecision)?;
    let mut decision =
        writ_runtime::evaluate_at(plan, &inputs.change, &inputs.evidence, inputs.decided_at);
    decision.proof.plan.trust = signed
        .pointer("/plan/trust")
        .and_then(|t| serde_json::from_value(t.clone()).ok());
    let claimed = field(statement, "/predicate/outcome")?;
    let derived = decision.outcome.as_str();
    if derived != claimed {
        return Err(BundleError::OutcomeDiffers {
            claimed: claimed.to_string(),
            derived: derived.to_string(),
        });
    }
    let again = serde_json::to_value(&decision.proof).map_err(BundleError::Serialise)?;
    if &again != signed {
        return Err(BundleError::ProofDiffers);
    }
    Ok(derived.to_string())
}

fn check_plan(digest: &str, plan: Option<PlanContext<'_>>) -> Result<(), BundleError> {
    match plan {
        Some(p) if p.digest != digest => Err(BundleError::OtherPlan {
            recorded: digest.to_string(),
            given: p.digest.to_string(),
        }),
        _ => Ok(()),
    }
}
