//! The syntax of `assert` items: a property of the policy that `writ prove`
//! checks over the change space (docs/language.md § Assertions).

use super::{Expr, Ident, Span, Step, StrLit};

/// `assert name "message" { for … by … when … expect … }`: a property of
/// the policy that `writ prove` checks for every change in the space.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssertDef {
    /// The assertion's name.
    pub name: Ident,
    /// The message shown when it is violated.
    pub message: Option<StrLit>,
    /// Clauses in source order.
    pub clauses: Vec<AssertClause>,
}

/// One clause of an assertion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssertClause {
    /// What the clause says.
    pub kind: AssertClauseKind,
    /// From its keyword to its end.
    pub span: Span,
}

/// The kinds of assertion clause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AssertClauseKind {
    /// `for n in S`: every change that touches (or, with `change.reaches`,
    /// reaches) a node `n` of `S`.
    For {
        /// The bound node.
        var: Ident,
        /// The node set.
        source: Expr,
    },
    /// `by owner, agent, team "x"`: the author classes considered.
    By(Vec<Expr>),
    /// `when condition`: only the changes for which it holds.
    When(Expr),
    /// `expect [not] decision allow|deny|pending`: the decision with the
    /// strongest evidence.
    ExpectDecision {
        /// `not`.
        negated: bool,
        /// The outcome.
        outcome: Ident,
    },
    /// `expect requires 2 of owners(n)`: never allowed without that many
    /// approvals from those people.
    ExpectApprovals(Step),
    /// `expect requires check "name" on n`: never allowed without the check
    /// passing on those nodes.
    ExpectCheck {
        /// The check's name.
        check: StrLit,
        /// Where it must pass.
        on: Expr,
    },
    /// A clause that could not be parsed.
    Error,
}
