//! What a report is made of: the decisions read from evidence folders, each
//! with what verifying its bundle established, and the state of each
//! ledger. The CLI (`writ report`) fills these in with the existing
//! verifiers; this crate only renders them.

use writ_runtime::Proof;

/// Everything one report shows.
#[derive(Clone, Debug)]
pub struct Report {
    /// The page title.
    pub title: String,
    /// The time the report speaks from (ages and deadlines are measured
    /// against it), Unix seconds.
    pub now: i64,
    /// Every decision found, in the order to show them (oldest first).
    pub decisions: Vec<DecisionEntry>,
    /// Each evidence folder's ledger.
    pub ledgers: Vec<LedgerStatus>,
    /// Up to this many decisions every section is in the page as HTML;
    /// past it they are kept compressed and opened from the index
    /// ([`crate::INLINE_DECISIONS`] by default).
    pub inline_limit: usize,
    /// Where the standard library's documentation pages are
    /// (`…/docs`, without a trailing slash); control links point there.
    pub docs_url: String,
}

/// One decision: a bundle and what its verification established.
#[derive(Clone, Debug)]
pub struct DecisionEntry {
    /// The evidence folder it was found in, as given on the command line.
    pub folder: String,
    /// The bundle's file name inside `bundles/`.
    pub bundle: String,
    /// What verifying it established.
    pub verification: Verification,
    /// Owners (teams and people) of the nodes the change touches, sorted,
    /// from the plan's graph; empty when unknown.
    pub teams: Vec<String>,
}

/// What verifying a bundle established. Only a verified bundle's content
/// is shown as fact; an unverified one is shown by its name and the reason.
#[derive(Clone, Debug)]
pub enum Verification {
    /// The envelope verified against a trusted runner key, its approvals
    /// against the plan's graph, and its decision was re-derived under the
    /// plan.
    Verified {
        /// The trusted key that signed the bundle (`ed25519:…`).
        signer: String,
        /// The proof the runner signed (the same one the plan re-derives).
        proof: Box<Proof>,
        /// The ledger inclusion check, in one line; `None` when the bundle
        /// has no inclusion proof beside it.
        inclusion: Option<String>,
        /// The decision time was given on the runner's command line
        /// (`--now`), not read from its clock.
        time_given: bool,
    },
    /// Not verified: why. Nothing the bundle says is shown as fact.
    Unverified {
        /// Why verification failed.
        reason: String,
    },
}

impl DecisionEntry {
    /// The verified proof, if any.
    pub fn proof(&self) -> Option<&Proof> {
        match &self.verification {
            Verification::Verified { proof, .. } => Some(proof),
            Verification::Unverified { .. } => None,
        }
    }
}

/// The state of one evidence folder's ledger.
#[derive(Clone, Debug)]
pub struct LedgerStatus {
    /// The evidence folder, as given.
    pub folder: String,
    /// What `writ ledger verify` would say.
    pub state: LedgerState,
}

/// A ledger's verification result.
#[derive(Clone, Debug)]
pub enum LedgerState {
    /// Chain, tree, checkpoint and named bundles check out.
    Intact {
        /// Records in the log.
        records: u64,
        /// The keys that signed the checkpoint (empty: none trusted).
        signers: Vec<String>,
        /// Inclusion proofs checked.
        proofs: u64,
    },
    /// Tampered, damaged or missing: why.
    Broken(String),
}
