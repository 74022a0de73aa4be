//! Policy tests (`test "…" { … }` blocks) lowered for the runtime.
//!
//! They are not part of a plan's bytes: `writ test` compiles the policy, then
//! runs each case through the same evaluation CI uses.

use crate::Origin;
use serde::{Deserialize, Serialize};

/// One `test` block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestCase {
    /// The test's name.
    pub name: String,
    /// The module it is written in.
    pub module: String,
    /// The whole test block.
    pub origin: Origin,
    /// The change under test.
    pub change: TestChange,
    /// `given approval chain by "p", …`: valid approvals, by chain id.
    pub approvals: Vec<GivenApproval>,
    /// `given check "c" on "n" passed|failed`.
    pub checks: Vec<GivenCheck>,
    /// What the test expects.
    pub expectations: Vec<Expectation>,
}

/// The change a test describes.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TestChange {
    /// Changed files: (path, status, old path for renames).
    pub files: Vec<TestFile>,
    /// The author's person id (`None`: a human author unknown to the graph).
    pub author: Option<String>,
    /// Labels.
    pub labels: Vec<String>,
    /// The emergency flag.
    pub emergency: bool,
    /// The change's time, Unix seconds (`None`: 2026-01-01T00:00:00Z).
    pub time: Option<i64>,
}

/// A changed file in a test.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestFile {
    /// The path.
    pub path: String,
    /// How it changed (`renamed` with an `old_path`).
    pub status: writ_graph::change::FileStatus,
    /// The old path of a rename.
    pub old_path: Option<String>,
}

/// Approvals a test supplies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GivenApproval {
    /// The chain's full id (or an emergency path's id).
    pub chain: String,
    /// Person ids.
    pub by: Vec<String>,
    /// The statement.
    pub origin: Origin,
}

/// A check result a test supplies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GivenCheck {
    /// The check's name.
    pub check: String,
    /// The node id.
    pub node: String,
    /// Whether it passed.
    pub passed: bool,
    /// The statement.
    pub origin: Origin,
}

/// One `expect` statement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expectation {
    /// What is expected.
    pub kind: ExpectationKind,
    /// Whether `not` was written.
    pub negated: bool,
    /// The statement.
    pub origin: Origin,
}

/// What a test can expect.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpectationKind {
    /// `expect decision allow|deny|pending`.
    Decision(String),
    /// `expect requires approval chain` (full chain id).
    RequiresApproval(String),
    /// `expect requires check "c" on "n"`.
    RequiresCheck {
        /// The check.
        check: String,
        /// The node id.
        node: String,
    },
    /// `expect fires item` (full rule or forbid id).
    Fires(String),
}
