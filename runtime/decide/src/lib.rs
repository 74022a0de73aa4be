//! writ's decision engine.
//!
//! Given a compiled plan, a change and the evidence gathered for it, decide
//! **allow**, **deny** or **pending** and build the **proof** (see
//! `docs/language.md` §6 for the semantics and `docs/proof.md` for the proof).
//!
//! ```no_run
//! # fn demo(plan: writ_plan::Plan, change: writ_graph::Change) {
//! use writ_runtime::{Evidence, Prepared};
//! let prepared = Prepared::new(plan).expect("a compiled plan always prepares");
//! let decision = prepared.evaluate_at(&change, &Evidence::default(), 1_767_225_600);
//! println!("{}", decision.outcome.as_str());
//! # }
//! ```
//!
//! [`Prepared::new`] parses and indexes the plan's graph once; evaluation
//! then computes what the change touches, each distinct reach query once, the
//! rule instances that fire and their obligations, matches evidence to them,
//! weighs forbids and emergency paths, and decides. It never panics on any
//! plan, change or evidence: an inconsistency is a deny with its reason.
//!
//! - [`load_prepared`] reads and prepares a plan's bytes through the
//!   prepared-plan [`cache`] (the parsed, indexed graph kept beside the
//!   signed JSON plan, keyed by and checked against its digest).
//! - [`evaluate`] is the one-call form used by tools that hold a [`Plan`].
//! - [`explain`] renders a proof for people (terminal or Markdown).
//! - [`testing`] runs a policy's `test` blocks through the same evaluation.

pub mod assertions;
mod assign;
pub mod cache;
pub mod delta;
pub mod diff;
mod eval;
pub mod evidence;
pub mod explain;
mod json_runs;
mod json_writer;
mod names;
mod prepare;
pub mod proof;
mod render;
mod rule_index;
pub mod space;
pub mod testing;
pub mod time;

pub use cache::{
    CacheStatus, Deferred, LoadError, PendingWrite, PlanCache, load_prepared,
    load_prepared_deferred,
};
pub use eval::{Coverage, Decision, Scratch, Verdict, Wanted, proof_json, system_now};
pub use evidence::*;
pub use prepare::{PrepareError, Prepared};
pub use proof::{Outcome, Proof, Reason};

use writ_graph::Change;
use writ_plan::Plan;

/// Decides `change` under `plan` with `evidence`, at the current time.
///
/// Prepares the plan on every call; to decide many changes, build a
/// [`Prepared`] once and call [`Prepared::evaluate_at`]. A plan that cannot
/// be prepared gives a deny whose reasons say why.
pub fn evaluate(plan: &Plan, change: &Change, evidence: &Evidence) -> Decision {
    evaluate_at(plan, change, evidence, system_now())
}

/// [`evaluate`] at decision time `now` (Unix seconds): pure and deterministic.
pub fn evaluate_at(plan: &Plan, change: &Change, evidence: &Evidence, now: i64) -> Decision {
    match Prepared::new(plan.clone()) {
        Ok(p) => p.evaluate_at(change, evidence, now),
        Err(e) => eval::refused(
            plan.digest(),
            plan.graph_sha256.clone(),
            change,
            now,
            e.problems,
        ),
    }
}
