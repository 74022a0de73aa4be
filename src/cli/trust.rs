//! Plan trust on the command line: the `--trust` / `--insecure-unsigned-plan`
//! pair every verb that acts on a plan takes, and the one way they are
//! turned into a [`PlanTrust`] record (docs/evidence.md, "Trust").
//!
//! No verb acts on a plan whose signature was not verified against a key
//! the user configured, unless the loud insecure flag was given; the record
//! says which, and goes into the proof and the evidence bundle.

use std::path::{Path, PathBuf};
use writ_plan::signature::{self, PlanTrust, TrustSource};

/// Where the trust in a plan comes from.
#[derive(Debug, Clone, clap::Args)]
pub struct PlanTrustArgs {
    /// Trusted keys (one `[ROLE] [NAME] ed25519:…` per line; ROLE is `plan`,
    /// `runner` or `results`, a key without one signs plans): the plan is
    /// refused unless `<plan>.sig` verifies against a plan key and has not
    /// expired. Default: `$WRIT_TRUST`. Required.
    #[arg(long, value_name = "KEYS")]
    pub trust: Option<PathBuf>,
    /// Act on a plan nobody signed (local experiments only). Loud: a warning
    /// is printed and the proof and bundle record `"verified": false`.
    #[arg(long)]
    pub insecure_unsigned_plan: bool,
    /// The trust file, read once for the plan and for check results.
    #[arg(skip)]
    read: std::sync::OnceLock<Result<TrustFile, String>>,
}

/// A trust source as read: the file and its keys, or the insecure flag.
type TrustFile = Option<(std::path::PathBuf, Vec<signature::TrustedKey>)>;

impl PlanTrustArgs {
    /// The trust source these flags and the environment name.
    pub fn source(&self) -> Result<TrustSource, String> {
        signature::trust_source(self.trust.as_deref(), self.insecure_unsigned_plan)
    }

    /// The trust file's keys (`None` under the insecure flag), read once.
    fn trust_file(&self) -> Result<&TrustFile, String> {
        self.read
            .get_or_init(|| match self.source()? {
                TrustSource::Insecure => Ok(None),
                TrustSource::Keys(path) => {
                    let keys = signature::read_trust_file(&path)?;
                    Ok(Some((path, keys)))
                }
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Establishes the trust in the plan at `plan_path`, printing what was
    /// established (or the warning for an unsigned plan) on stderr. The
    /// signature's validity is measured against this machine's clock.
    pub fn establish(&self, plan_path: &Path, plan_digest: &str) -> Result<PlanTrust, String> {
        let trust = match self.trust_file()? {
            None => PlanTrust::insecure(),
            Some((path, keys)) => signature::establish_with(
                plan_path,
                plan_digest,
                path,
                keys,
                writ_runtime::system_now(),
            )?,
        };
        announce(&trust);
        Ok(trust)
    }
}

impl PlanTrustArgs {
    /// The keys trusted to sign check results: the `runner` and `results`
    /// keys of the trust file (none without one), plus `own` (the runner's
    /// key in `writ run`, which signs what it ran itself).
    pub fn result_trust(
        &self,
        plan_digest: &str,
        own: Option<ed25519_dalek::VerifyingKey>,
    ) -> Result<writ_evidence::store::ResultTrust, String> {
        use signature::Role;
        let mut keys = Vec::new();
        if let Some((_, file)) = self.trust_file()? {
            keys.extend(signature::keys_for(file, Role::Runner, Role::Plan));
            keys.extend(signature::keys_for(file, Role::Results, Role::Plan));
        }
        keys.extend(own);
        keys.sort_by_key(|k| k.to_bytes());
        keys.dedup();
        Ok(writ_evidence::store::ResultTrust {
            plan_digest: plan_digest.to_string(),
            keys,
        })
    }
}

/// Prints what was established about a plan's signature.
pub fn announce(trust: &PlanTrust) {
    if trust.verified {
        eprintln!(
            "plan signed by trusted key {}",
            trust.key.as_deref().unwrap_or("?")
        );
    } else {
        eprintln!(
            "warning: INSECURE: the plan's signature was NOT verified ({}); the evidence \
             records it and `writ verify` refuses such decisions by default",
            signature::INSECURE_FLAG
        );
    }
}

/// Prints an error that may already carry its `error[CODE]:` prefix.
pub fn print_error(message: &str) {
    if message.starts_with("error[") {
        eprintln!("{message}");
    } else {
        eprintln!("error: {message}");
    }
}
