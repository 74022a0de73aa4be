//! Signed approvals.
//!
//! An approval is a DSSE envelope ([`crate::dsse`]) whose payload type is
//! [`APPROVAL_PAYLOAD_TYPE`] and whose payload is the compact JSON of an
//! [`ApprovalStatement`]: its `type` ([`APPROVAL_TYPE`]), the person, the
//! chain, the change id and digest, the plan digest, when it was signed and
//! an optional comment. Everything that matters is inside the signed bytes.
//!
//! Verification ([`read_approval`]) takes the person the statement claims,
//! looks up that person's keys in the graph and tries each with
//! `verify_strict`; the envelope's key id is never used. Binding
//! ([`check_binding`]) and the person-level rules ([`screen`]: agents,
//! authors, team membership, expiry, distinct people) are here too so that
//! `writ verify` and the tests can apply them; the decision engine applies
//! the policy's own rules in evaluation.

use crate::dsse::{self, Envelope};
use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use writ_graph::{Change, Graph, PrincipalKind};

/// The `type` of an approval statement.
pub(crate) const APPROVAL_TYPE: &str = "writ.approval/v1";
/// The DSSE payload type of an approval.
pub const APPROVAL_PAYLOAD_TYPE: &str = "application/vnd.writ.approval.v1+json";
/// Approvals signed more than this many seconds in the future are refused.
pub(crate) const CLOCK_SKEW_SECS: i64 = 300;

/// What an approver signs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalStatement {
    /// Always [`APPROVAL_TYPE`].
    #[serde(rename = "type")]
    pub kind: String,
    /// The approving person's id in the graph.
    pub person: String,
    /// The chain (or emergency path) approved for; `None` for any.
    pub chain: Option<String>,
    /// The change's id (so a replay onto another change can be told from a
    /// stale approval of the same change).
    pub change_id: String,
    /// The change digest approved.
    pub change_digest: String,
    /// The plan digest approved under.
    pub plan_digest: String,
    /// Unix seconds.
    pub signed_at: i64,
    /// A free-text comment.
    pub comment: Option<String>,
}

impl ApprovalStatement {
    /// A statement for `person` approving `change` under the plan `plan_digest`, now.
    pub fn new(
        person: &str,
        change: &Change,
        plan_digest: &str,
        chain: Option<String>,
        comment: Option<String>,
    ) -> Self {
        ApprovalStatement {
            kind: APPROVAL_TYPE.into(),
            person: person.into(),
            chain,
            change_id: change.id.clone(),
            change_digest: change.digest.clone(),
            plan_digest: plan_digest.into(),
            signed_at: crate::now_unix(),
            comment,
        }
    }
}

/// Signs a statement; returns the envelope and the bytes of the approval file.
pub fn sign_approval(statement: &ApprovalStatement, key: &SigningKey) -> (Envelope, Vec<u8>) {
    let payload = serde_json::to_vec(statement).expect("a statement serialises");
    let envelope = dsse::sign(APPROVAL_PAYLOAD_TYPE, &payload, key);
    let mut bytes = serde_json::to_vec_pretty(&envelope).expect("an envelope serialises");
    bytes.push(b'\n');
    (envelope, bytes)
}

/// Why an approval does not count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApprovalError {
    /// Not an approval file.
    Malformed(String),
    /// The claimed person is not in the graph.
    UnknownPerson(String),
    /// The person has no key in the graph.
    NoKeys(String),
    /// No key of the person verifies the signature.
    BadSignature(String),
    /// Signed for another change (a replay).
    OtherChange {
        /// The person.
        person: String,
        /// The change id it approves.
        approved: String,
        /// The change at hand.
        actual: String,
    },
    /// Signed for an earlier version of this change (a new push since).
    Stale {
        /// The person.
        person: String,
        /// The digest it approves.
        approved: String,
        /// The change's digest now.
        actual: String,
    },
    /// Signed under another plan.
    OtherPlan {
        /// The person.
        person: String,
        /// The plan digest it approves under.
        approved: String,
        /// The plan at hand.
        actual: String,
    },
    /// An agent never approves.
    Agent(String),
    /// The author (or a co-author) never approves their own change.
    Author(String),
    /// Not a member of the team the chain draws from.
    NotInTeam {
        /// The person.
        person: String,
        /// The team.
        team: String,
    },
    /// Older than the chain allows.
    Expired {
        /// The person.
        person: String,
        /// Age in seconds.
        age: i64,
        /// The limit.
        limit: u64,
    },
    /// Dated in the future.
    FromTheFuture(String),
    /// The same person approved already; people are counted, not signatures.
    Duplicate(String),
}

impl std::fmt::Display for ApprovalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApprovalError::Malformed(why) => write!(f, "not a valid approval: {why}"),
            ApprovalError::UnknownPerson(p) => write!(f, "`{p}` is not a person of the graph"),
            ApprovalError::NoKeys(p) => write!(f, "the graph lists no key for `{p}`"),
            ApprovalError::BadSignature(p) => write!(
                f,
                "the signature does not verify against any key of `{p}` in the graph (forged, altered after signing, or signed by another key)"
            ),
            ApprovalError::OtherChange {
                person,
                approved,
                actual,
            } => write!(
                f,
                "the approval by `{person}` is for change `{approved}`, not `{actual}` (replayed onto another change)"
            ),
            ApprovalError::Stale {
                person,
                approved,
                actual,
            } => write!(
                f,
                "the approval by `{person}` is stale: it approves change digest {approved}, the change is now {actual} (pushed to since)"
            ),
            ApprovalError::OtherPlan {
                person,
                approved,
                actual,
            } => write!(
                f,
                "the approval by `{person}` was given under plan {approved}, not the plan in force ({actual})"
            ),
            ApprovalError::Agent(p) => write!(f, "`{p}` is an agent; agents never approve"),
            ApprovalError::Author(p) => {
                write!(f, "`{p}` authored the change and cannot approve it")
            }
            ApprovalError::NotInTeam { person, team } => {
                write!(f, "`{person}` is not a member of team `{team}`")
            }
            ApprovalError::Expired { person, age, limit } => write!(
                f,
                "the approval by `{person}` is {age}s old; the chain accepts approvals up to {limit}s old"
            ),
            ApprovalError::FromTheFuture(p) => {
                write!(f, "the approval by `{p}` is dated in the future")
            }
            ApprovalError::Duplicate(p) => {
                write!(f, "`{p}` already approved; each person counts once")
            }
        }
    }
}

impl std::error::Error for ApprovalError {}

/// An approval file, read and its signature checked.
#[derive(Clone, Debug)]
pub struct ApprovalRecord {
    /// The signed statement (from the payload; trust it only if `signature` is `Ok`).
    pub statement: ApprovalStatement,
    /// The envelope as stored.
    pub envelope: Envelope,
    /// The person's key that verified the signature, or why none did.
    pub signature: Result<VerifyingKey, ApprovalError>,
    /// The approval's identity: sha256 of the signed payload (`sha256:…`),
    /// so it can be recomputed from the envelope wherever it is copied.
    pub digest: String,
}

impl ApprovalRecord {
    /// The decision engine's view of this approval.
    pub fn to_evidence(&self) -> writ_runtime::Approval {
        let key = match &self.signature {
            Ok(key) => crate::keys::public_key_text(key),
            Err(_) => String::new(),
        };
        writ_runtime::Approval {
            person: self.statement.person.clone(),
            key,
            chain: self.statement.chain.clone(),
            change_id: self.statement.change_id.clone(),
            change_digest: self.statement.change_digest.clone(),
            plan_digest: self.statement.plan_digest.clone(),
            signed_at: self.statement.signed_at,
            digest: self.digest.clone(),
            signature_verified: self.signature.is_ok(),
        }
    }
}

/// The keys the graph lists for `person`.
pub fn person_keys(graph: &Graph, person: &str) -> Result<Vec<VerifyingKey>, ApprovalError> {
    let p = graph
        .person(person)
        .ok_or_else(|| ApprovalError::UnknownPerson(person.into()))?;
    let keys: Vec<VerifyingKey> = p
        .keys
        .iter()
        .filter_map(|k| writ_graph::parse_public_key(k).ok())
        .collect();
    if keys.is_empty() {
        return Err(ApprovalError::NoKeys(person.into()));
    }
    Ok(keys)
}

/// Reads an approval file and verifies its signature against the keys the
/// graph lists for the person it names. `Err` only when the bytes are not an
/// approval at all; a bad signature is reported in [`ApprovalRecord::signature`].
pub fn read_approval(bytes: &[u8], graph: &Graph) -> Result<ApprovalRecord, ApprovalError> {
    let envelope: Envelope =
        serde_json::from_slice(bytes).map_err(|e| ApprovalError::Malformed(format!("{e}")))?;
    let payload = dsse::decode_base64(&envelope.payload)
        .map_err(|e| ApprovalError::Malformed(format!("payload: {e}")))?;
    let statement: ApprovalStatement = serde_json::from_slice(&payload)
        .map_err(|e| ApprovalError::Malformed(format!("payload: {e}")))?;
    let digest = crate::sha256_digest(&payload);
    let signature = verify_statement(&envelope, &statement, graph);
    Ok(ApprovalRecord {
        statement,
        envelope,
        signature,
        digest,
    })
}

fn verify_statement(
    envelope: &Envelope,
    statement: &ApprovalStatement,
    graph: &Graph,
) -> Result<VerifyingKey, ApprovalError> {
    let keys = person_keys(graph, &statement.person)?;
    let verified =
        dsse::verify(envelope, APPROVAL_PAYLOAD_TYPE, &keys, 1).map_err(|e| match e {
            dsse::DsseError::WrongPayloadType { found, .. } => ApprovalError::Malformed(format!(
                "payload type `{found}`, expected `{APPROVAL_PAYLOAD_TYPE}`"
            )),
            dsse::DsseError::Malformed(why) => ApprovalError::Malformed(why),
            _ => ApprovalError::BadSignature(statement.person.clone()),
        })?;
    // The statement was parsed from these very bytes; check the type inside them.
    if statement.kind != APPROVAL_TYPE {
        return Err(ApprovalError::Malformed(format!(
            "type `{}`, expected `{APPROVAL_TYPE}`",
            statement.kind
        )));
    }
    Ok(verified.keys[0])
}

/// Checks that an approval is bound to this change and this plan.
pub(crate) fn check_binding(
    statement: &ApprovalStatement,
    change: &Change,
    plan_digest: &str,
) -> Result<(), ApprovalError> {
    let person = statement.person.clone();
    if statement.change_id != change.id {
        return Err(ApprovalError::OtherChange {
            person,
            approved: statement.change_id.clone(),
            actual: change.id.clone(),
        });
    }
    if statement.change_digest != change.digest {
        return Err(ApprovalError::Stale {
            person,
            approved: statement.change_digest.clone(),
            actual: change.digest.clone(),
        });
    }
    if statement.plan_digest != plan_digest {
        return Err(ApprovalError::OtherPlan {
            person,
            approved: statement.plan_digest.clone(),
            actual: plan_digest.into(),
        });
    }
    Ok(())
}

/// The person-level rules for counting approvals towards one step.
#[derive(Clone, Copy, Debug)]
pub struct ScreenRules<'a> {
    /// The change.
    pub change: &'a Change,
    /// The plan in force.
    pub plan_digest: &'a str,
    /// Approvers must be members of this team.
    pub team: Option<&'a str>,
    /// Approvals older than this many seconds do not count.
    pub expires_after: Option<u64>,
    /// Now, Unix seconds.
    pub now: i64,
}

/// The outcome of [`screen`].
#[derive(Clone, Debug, Default)]
pub struct Screened {
    /// Distinct people whose approval counts.
    pub people: BTreeSet<String>,
    /// Each refused approval (its digest) and why.
    pub refused: Vec<(String, ApprovalError)>,
}

/// Applies signature, binding and person-level rules to approvals and counts
/// distinct people: a bad signature, another change or plan, an agent, the
/// author or a co-author, someone outside `team`, an expired or future-dated
/// approval, or a second approval by the same person is refused with its reason.
pub fn screen(graph: &Graph, records: &[ApprovalRecord], rules: &ScreenRules<'_>) -> Screened {
    let mut out = Screened::default();
    let authors: BTreeSet<&str> = std::iter::once(&rules.change.author)
        .chain(&rules.change.contributors)
        .filter_map(|i| i.id.as_deref())
        .collect();
    for record in records {
        let s = &record.statement;
        let verdict = (|| {
            record.signature.as_ref().map_err(Clone::clone)?;
            check_binding(s, rules.change, rules.plan_digest)?;
            let person = graph
                .person(&s.person)
                .ok_or_else(|| ApprovalError::UnknownPerson(s.person.clone()))?;
            if person.kind == PrincipalKind::Agent {
                return Err(ApprovalError::Agent(s.person.clone()));
            }
            if authors.contains(s.person.as_str()) {
                return Err(ApprovalError::Author(s.person.clone()));
            }
            if let Some(team) = rules.team {
                let member = graph
                    .team(team)
                    .is_some_and(|t| t.members.iter().any(|m| m.value == s.person));
                if !member {
                    return Err(ApprovalError::NotInTeam {
                        person: s.person.clone(),
                        team: team.into(),
                    });
                }
            }
            if s.signed_at > rules.now + CLOCK_SKEW_SECS {
                return Err(ApprovalError::FromTheFuture(s.person.clone()));
            }
            if let Some(limit) = rules.expires_after {
                let age = rules.now - s.signed_at;
                if age > limit as i64 {
                    return Err(ApprovalError::Expired {
                        person: s.person.clone(),
                        age,
                        limit,
                    });
                }
            }
            if out.people.contains(&s.person) {
                return Err(ApprovalError::Duplicate(s.person.clone()));
            }
            Ok(())
        })();
        match verdict {
            Ok(()) => {
                out.people.insert(s.person.clone());
            }
            Err(e) => out.refused.push((record.digest.clone(), e)),
        }
    }
    out
}
