//! Why a bundle is refused: the typed errors of [`super::verify_bundle`],
//! [`super::decision_inputs`] and [`super::rederive`]. Each variant's
//! `Display` is the message `writ verify`, `writ report` and `writ ledger
//! replay` print (unchanged from the strings these functions returned
//! before they were typed).

use crate::approval::ApprovalError;
use crate::dsse::DsseError;
use crate::store::CheckRejected;
use std::fmt;

/// Why a bundle is invalid, or why its decision cannot be re-derived.
#[derive(Debug)]
pub enum BundleError {
    /// The envelope does not parse or its signature is not by a trusted
    /// runner key.
    Envelope(DsseError),
    /// The signed payload is not JSON.
    PayloadNotJson(serde_json::Error),
    /// A field the statement must hold is missing or not a string (the
    /// field's path, dotted: `predicate.change.digest`).
    MissingField(String),
    /// The statement's `_type` is not in-toto Statement v1.
    StatementType(String),
    /// The predicate type is neither writ's decision nor a SLSA VSA.
    PredicateType(String),
    /// Not exactly one subject.
    Subjects,
    /// The subject carries no sha256 digest.
    SubjectDigest,
    /// The subject's digest is not the change's digest.
    SubjectMismatch {
        /// The subject's sha256 (hex).
        subject: String,
        /// The change digest the predicate records.
        change_digest: String,
    },
    /// The recorded plan digest is not `sha256:` and 64 hex digits.
    PlanDigest(String),
    /// The bundle was decided under another plan than the one given.
    OtherPlan {
        /// The plan the bundle records.
        recorded: String,
        /// The plan given to check it against.
        given: String,
    },
    /// An outcome other than `allow`, `deny` or `pending`.
    Outcome(String),
    /// The statement lists no approvals array.
    NoApprovals,
    /// The statement lists no check results array.
    NoChecks,
    /// One approval inside the bundle does not hold.
    Approval {
        /// Its position in the bundle's approvals.
        index: usize,
        /// What is wrong with it.
        problem: ApprovalProblem,
    },
    /// One check result inside the bundle does not count.
    Check {
        /// Its position in the bundle's check results.
        index: usize,
        /// What is wrong with it.
        problem: CheckProblem,
    },
    /// The proof is in a format this writ does not re-derive.
    ProofFormat(String),
    /// The bundle carries no change document (made by an older writ).
    NoChangeDocument,
    /// The change document inside the bundle does not parse (the first
    /// diagnostic's message).
    InvalidChange(String),
    /// The change document is not the change the bundle is about.
    ChangeMismatch {
        /// The document's change id.
        id: String,
        /// The document's digest, computed.
        digest: String,
        /// The digest the bundle claims.
        claimed: String,
    },
    /// The recorded decision time is not RFC 3339.
    DecisionTime(String),
    /// The statement holds no decision.
    NoDecision,
    /// The runner claimed another outcome than the re-derived one.
    OutcomeDiffers {
        /// The outcome signed.
        claimed: String,
        /// The outcome the plan and the evidence give.
        derived: String,
    },
    /// Same outcome, but the proof differs from the re-derived one.
    ProofDiffers,
    /// The re-derived proof could not be serialised.
    Serialise(serde_json::Error),
}

/// What is wrong with one approval inside a bundle.
#[derive(Debug)]
pub enum ApprovalProblem {
    /// It carries no valid envelope.
    Envelope(serde_json::Error),
    /// Its payload is not base64.
    Base64(crate::dsse::Base64Error),
    /// Its payload is not an approval statement.
    Statement(serde_json::Error),
    /// The fields listed beside it differ from its signed statement.
    ListedFields,
    /// The person's keys cannot be found in the plan's graph.
    Keys(ApprovalError),
    /// The key recorded beside it does not parse.
    Key(String),
    /// Its signature does not verify.
    Signature {
        /// The person who claims it.
        person: String,
        /// Why.
        error: DsseError,
    },
    /// The signed statement is not of the approval type.
    Type(String),
    /// Signed for another digest of the change.
    ChangeDigest {
        /// The person.
        person: String,
        /// The change digest it approves.
        approved: String,
        /// The bundle's change digest.
        bundle: String,
    },
    /// Signed under another plan.
    PlanDigest {
        /// The person.
        person: String,
        /// The plan digest it approves under.
        approved: String,
        /// The bundle's plan digest.
        bundle: String,
    },
    /// Its envelope could not be serialised again to be read.
    Serialise(serde_json::Error),
    /// Read again against the graph, it does not count.
    Record(ApprovalError),
}

/// What is wrong with one check result inside a bundle.
#[derive(Debug)]
pub enum CheckProblem {
    /// It carries no signed record.
    NoRecord,
    /// Its signed record does not open against the trusted result keys,
    /// this change and the recorded plan.
    Rejected(CheckRejected),
}

impl fmt::Display for BundleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BundleError::Envelope(e) => e.fmt(f),
            BundleError::PayloadNotJson(e) => write!(f, "the signed payload is not JSON: {e}"),
            BundleError::MissingField(path) => write!(f, "the statement has no `{path}`"),
            BundleError::StatementType(kind) => write!(
                f,
                "the signed statement's `_type` is `{kind}`, expected `{}`",
                super::STATEMENT_TYPE
            ),
            BundleError::PredicateType(kind) => write!(
                f,
                "the signed statement's predicateType is `{kind}`, expected `{}`",
                super::PREDICATE_TYPE
            ),
            BundleError::Subjects => {
                f.write_str("the statement must have exactly one subject (the change)")
            }
            BundleError::SubjectDigest => f.write_str("the subject has no sha256 digest"),
            BundleError::SubjectMismatch {
                subject,
                change_digest,
            } => write!(
                f,
                "the subject's digest {subject} is not the change digest {change_digest}"
            ),
            BundleError::PlanDigest(digest) => write!(f, "`{digest}` is not a plan digest"),
            BundleError::OtherPlan { recorded, given } => write!(
                f,
                "the bundle was decided under plan {recorded}, not the given plan {given}"
            ),
            BundleError::Outcome(outcome) => write!(f, "unknown outcome `{outcome}`"),
            BundleError::NoApprovals => f.write_str("the statement lists no approvals array"),
            BundleError::NoChecks => f.write_str("the statement lists no check results array"),
            BundleError::Approval { index, problem } => {
                write!(f, "approval {index} inside the bundle: {problem}")
            }
            BundleError::Check { index, problem } => {
                write!(f, "check result {index} inside the bundle: {problem}")
            }
            BundleError::ProofFormat(format) => write!(
                f,
                "the bundle's proof is in format `{format}`, which this writ does not re-derive \
                 (it writes `{}`); its signature was checked, but re-deriving its decision needs \
                 the writ that made it",
                writ_runtime::proof::PROOF_FORMAT
            ),
            BundleError::NoChangeDocument => f.write_str(
                "the bundle carries no change document (made by an older writ), so its decision \
                 cannot be re-derived",
            ),
            BundleError::InvalidChange(why) => write!(
                f,
                "the change inside the bundle is not a valid change: {why}"
            ),
            BundleError::ChangeMismatch {
                id,
                digest,
                claimed,
            } => write!(
                f,
                "the change inside the bundle ({id} {digest}) is not the change it is about \
                 ({claimed})"
            ),
            BundleError::DecisionTime(time) => {
                write!(f, "the decision time `{time}` is not RFC 3339")
            }
            BundleError::NoDecision => f.write_str("the statement has no decision"),
            BundleError::OutcomeDiffers { claimed, derived } => write!(
                f,
                "the runner claimed `{claimed}`, but the plan and the evidence in the bundle give \
                 `{derived}`"
            ),
            BundleError::ProofDiffers => f.write_str(
                "the proof in the bundle is not the one the plan and its evidence give (same \
                 outcome, different reasons or evidence)",
            ),
            BundleError::Serialise(e) => e.fmt(f),
        }
    }
}

impl fmt::Display for ApprovalProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApprovalProblem::Envelope(e) => write!(f, "no valid envelope: {e}"),
            ApprovalProblem::Base64(e) => e.fmt(f),
            ApprovalProblem::Statement(e) => write!(f, "not an approval statement: {e}"),
            ApprovalProblem::ListedFields => {
                f.write_str("its listed fields do not match its signed statement")
            }
            ApprovalProblem::Keys(e) | ApprovalProblem::Record(e) => e.fmt(f),
            ApprovalProblem::Key(why) => write!(f, "key: {why}"),
            ApprovalProblem::Signature { person, error } => {
                write!(f, "the approval by `{person}` does not verify: {error}")
            }
            ApprovalProblem::Type(kind) => write!(f, "type `{kind}`"),
            ApprovalProblem::ChangeDigest {
                person,
                approved,
                bundle,
            } => write!(
                f,
                "the approval by `{person}` is for change digest {approved}, not {bundle}"
            ),
            ApprovalProblem::PlanDigest {
                person,
                approved,
                bundle,
            } => write!(
                f,
                "the approval by `{person}` is for plan {approved}, not {bundle}"
            ),
            ApprovalProblem::Serialise(e) => e.fmt(f),
        }
    }
}

impl fmt::Display for CheckProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckProblem::NoRecord => {
                f.write_str("it carries no signed record, so it cannot count")
            }
            CheckProblem::Rejected(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for BundleError {}

impl From<BundleError> for String {
    fn from(e: BundleError) -> String {
        e.to_string()
    }
}
