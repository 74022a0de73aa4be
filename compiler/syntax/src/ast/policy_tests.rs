//! The syntax of policy tests: `test "name" { change … given … expect … }`
//! (docs/language.md § Tests).

use super::{Expr, Ident, Path, Span, StrLit};

/// `test "name" { statements }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestDef {
    /// The test's name.
    pub name: StrLit,
    /// Statements in order.
    pub stmts: Vec<TestStmt>,
}

/// A statement of a test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestStmt {
    /// What it says.
    pub kind: TestStmtKind,
    /// From its keyword to its end.
    pub span: Span,
}

/// The kinds of test statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TestStmtKind {
    /// `change { touches "a.rs" author "dev1" … }`
    Change(Vec<ChangeField>),
    /// `given approval chain by "alice", "bob"`
    GivenApproval {
        /// The chain approved.
        chain: Path,
        /// The people approving.
        by: Vec<StrLit>,
    },
    /// `given check "unit" on "payments" passed`
    GivenCheck {
        /// The check.
        check: StrLit,
        /// The node it ran on.
        node: StrLit,
        /// `passed` or `failed`.
        outcome: Ident,
    },
    /// `expect decision allow|deny|pending`
    ExpectDecision(Ident),
    /// `expect [not] requires approval chain`
    ExpectApproval {
        /// `expect not …`
        negated: bool,
        /// The chain.
        chain: Path,
    },
    /// `expect [not] requires check "unit" on "payments"`
    ExpectCheck {
        /// `expect not …`
        negated: bool,
        /// The check.
        check: StrLit,
        /// The node.
        node: StrLit,
    },
    /// `expect [not] fires rule_name`
    ExpectFires {
        /// `expect not …`
        negated: bool,
        /// The rule or forbid.
        rule: Path,
    },
    /// A statement that could not be parsed.
    Error,
}

/// A field of a test's change: `touches "a", "b"`, `renames "a" -> "b"`, `emergency`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangeField {
    /// The field name (`touches`, `adds`, `deletes`, `renames`, `author`, `label`, `at`, `emergency`).
    pub name: Ident,
    /// Its values.
    pub values: Vec<ChangeValue>,
    /// The whole field.
    pub span: Span,
}

/// One value of a change field, with an optional `-> target` (for renames).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangeValue {
    /// The value.
    pub value: Expr,
    /// The rename target.
    pub to: Option<Expr>,
}
