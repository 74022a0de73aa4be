//! The syntax tree of a policy file.
//!
//! Every node carries its byte [`Span`]. Parsing never fails: where the source
//! is broken the tree holds an `Error` node and the parse result lists the
//! diagnostics. `Debug` output prints spans as `@start..end`;
//! [`strip_spans`] removes them so two trees can be compared "spans aside".

use std::fmt;
pub use writ_diagnostics::Span;

mod assertions;
mod policy_tests;

pub use assertions::{AssertClause, AssertClauseKind, AssertDef};
pub use policy_tests::{ChangeField, ChangeValue, TestDef, TestStmt, TestStmtKind};

/// A name with its place in the source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    /// The name.
    pub name: String,
    /// Where it is written.
    pub span: Span,
}

/// A `::`-separated path such as `std::approvals::owners_review`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Path {
    /// The segments, at least one.
    pub segments: Vec<Ident>,
    /// The whole path.
    pub span: Span,
}

impl Path {
    /// The last segment (the item's own name).
    pub fn last(&self) -> &Ident {
        self.segments
            .last()
            .expect("a path has at least one segment")
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.segments.iter().enumerate() {
            if i > 0 {
                f.write_str("::")?;
            }
            f.write_str(&segment.name)?;
        }
        Ok(())
    }
}

/// A string literal with its decoded value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StrLit {
    /// The decoded value.
    pub value: String,
    /// Where it is written, quotes included.
    pub span: Span,
}

/// A whole policy file.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SourceFile {
    /// The module's documentation (`//!` lines).
    pub docs: Vec<String>,
    /// The items in source order.
    pub items: Vec<Item>,
}

/// A top-level declaration with its doc comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// Documentation (`///` lines, text after the marker).
    pub docs: Vec<String>,
    /// What kind of item it is.
    pub kind: ItemKind,
    /// From the first keyword to the closing brace (docs excluded).
    pub span: Span,
}

impl Item {
    /// The item's declared name, if it has one (`use` and broken items do not).
    pub fn name(&self) -> Option<&Ident> {
        match &self.kind {
            ItemKind::Rule(r) => Some(&r.name),
            ItemKind::Approval(a) => Some(&a.name),
            ItemKind::Forbid(f) => Some(&f.name),
            ItemKind::Emergency(e) => Some(&e.name),
            ItemKind::Let(l) => Some(&l.name),
            ItemKind::Assert(a) => Some(&a.name),
            ItemKind::Use(_) | ItemKind::Test(_) | ItemKind::Error => None,
        }
    }
}

/// The kinds of top-level item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ItemKind {
    /// `use std::approvals::{a, b}`
    Use(Use),
    /// `rule name { … }`
    Rule(Rule),
    /// `approval name(params) { … }`
    Approval(ApprovalDef),
    /// `forbid name "message" { … }`
    Forbid(Forbid),
    /// `emergency name { … }`
    Emergency(EmergencyDef),
    /// `test "name" { … }`
    Test(TestDef),
    /// `let name = expr`
    Let(LetDef),
    /// `assert name "message" { … }`
    Assert(AssertDef),
    /// Source that could not be parsed as an item.
    Error,
}

/// An import.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Use {
    /// The module path (for [`UseTree::Single`], the path up to the item).
    pub module: Path,
    /// What is imported from it.
    pub tree: UseTree,
}

/// What a `use` imports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UseTree {
    /// `use a::b::item` — one item (the last segment).
    Single(Ident),
    /// `use a::b::{x, y}` — several items.
    Group(Vec<Ident>),
    /// `use a::b::*` — every item of the module.
    Glob(Span),
}

/// `rule name { clauses }`: bindings, conditions and requirements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// The rule's name.
    pub name: Ident,
    /// Clauses in source order.
    pub clauses: Vec<Clause>,
}

/// `forbid name "message" { for … when … unless emergency … }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Forbid {
    /// The forbid's name.
    pub name: Ident,
    /// The message shown when it applies.
    pub message: Option<StrLit>,
    /// Clauses in source order.
    pub clauses: Vec<Clause>,
}

/// One clause of a rule or forbid body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clause {
    /// What the clause says.
    pub kind: ClauseKind,
    /// From its keyword to its end.
    pub span: Span,
}

/// The kinds of clause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClauseKind {
    /// `for var in expr`: one rule instance per node of the set.
    For {
        /// The bound variable.
        var: Ident,
        /// The node set it ranges over.
        source: Expr,
    },
    /// `when condition`
    When(Expr),
    /// `unless emergency name` (forbid only)
    Unless(Path),
    /// `require check "name" on nodes`
    RequireCheck {
        /// The check's name as the graph lists it on nodes.
        check: StrLit,
        /// The node or node set it must pass on.
        on: Expr,
    },
    /// `require approval chain` or `require approval { … }`
    RequireApproval(ChainUse),
    /// A clause that could not be parsed.
    Error,
}

impl ClauseKind {
    /// Whether the clause imposes an obligation (`require …`): allowed in a
    /// rule, not in a forbid.
    pub(crate) fn is_requirement(&self) -> bool {
        match self {
            ClauseKind::RequireCheck { .. } | ClauseKind::RequireApproval(_) => true,
            ClauseKind::For { .. }
            | ClauseKind::When(_)
            | ClauseKind::Unless(_)
            | ClauseKind::Error => false,
        }
    }
}

/// A use of an approval chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainUse {
    /// A named chain, with arguments if it takes parameters.
    Named {
        /// The chain's path.
        path: Path,
        /// Arguments for its parameters.
        args: Vec<Expr>,
        /// Path and arguments.
        span: Span,
    },
    /// A chain written in place.
    Inline(ApprovalBody),
}

/// `approval name(params) { steps options }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApprovalDef {
    /// The chain's name.
    pub name: Ident,
    /// Parameters (nodes passed by the rule that requires it).
    pub params: Vec<Ident>,
    /// The chain itself.
    pub body: ApprovalBody,
}

/// Ordered approval steps and chain-wide options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApprovalBody {
    /// Steps, to be completed in order (`then`). Empty only when the body
    /// failed to parse (the parse then has an error).
    pub steps: Vec<Step>,
    /// Options such as `expires after 72h`.
    pub options: Vec<ChainOption>,
    /// The body, braces included.
    pub span: Span,
}

/// `N of principals constraints`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// How many distinct approvers are needed.
    pub count: Count,
    /// Where approvers may come from (`team "x"`, `person "y"`, `owners(svc)`).
    pub sources: Vec<Expr>,
    /// Restrictions on approvers.
    pub constraints: Vec<Constraint>,
    /// The whole step.
    pub span: Span,
}

/// The number of approvers a step needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Count {
    /// The number, or all.
    pub kind: CountKind,
    /// Where it is written.
    pub span: Span,
}

/// A number of approvers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CountKind {
    /// Exactly this many distinct people.
    Exactly(u64),
    /// Every person the sources name.
    All,
}

/// A restriction on who may approve.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Constraint {
    /// `distinct from expr` (e.g. `change.author`).
    DistinctFrom(Expr),
    /// `humans only` (agents never approve in any case; this states it).
    HumansOnly(Span),
}

/// A chain-wide option.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainOption {
    /// `expires after 72h`: approvals older than this do not count.
    ExpiresAfter(Duration, Span),
}

/// `emergency name { approvers  followup … within … }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmergencyDef {
    /// The emergency path's name.
    pub name: Ident,
    /// Clauses in source order.
    pub clauses: Vec<EmergencyClause>,
}

/// One clause of an emergency path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EmergencyClause {
    /// Who may invoke it: `1 of person "oncall-lead", person "cto"`.
    Approvers(Step),
    /// The mandatory follow-up review.
    Followup {
        /// Who reviews; `None` for `review` (the owners of what was touched).
        reviewers: Option<Step>,
        /// The window within which it is owed.
        within: Duration,
        /// The whole clause.
        span: Span,
    },
    /// A clause that could not be parsed.
    Error(Span),
}

/// `let name = expr`: a named selector or value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LetDef {
    /// The name.
    pub name: Ident,
    /// Its value.
    pub value: Expr,
}

/// An expression: a condition, a selector or a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it is written.
    pub span: Span,
}

/// The kinds of expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExprKind {
    /// A name: a bound variable, a node kind, a field, a `let`.
    Name(Ident),
    /// `change`
    Change,
    /// `"text"`
    Str(String),
    /// `42`
    Int(u64),
    /// `true` / `false`
    Bool(bool),
    /// `48h`
    Duration(Duration),
    /// `2026-12-20`
    Date(Date),
    /// `2026-12-20T08:00:00Z`
    DateTime(DateTime),
    /// `team "x"`, `person "x"`, `node "x"`
    Entity(EntityKind, StrLit),
    /// `[a, b]`
    List(Vec<Expr>),
    /// `a..b`
    Range(Box<Expr>, Box<Expr>),
    /// `base.field`
    Field(Box<Expr>, Ident),
    /// `callee(args)`: `owners(svc)`, `change.reaches(service, via calls)`.
    Call(Box<Expr>, Vec<Arg>),
    /// `selector where condition`
    Where(Box<Expr>, Box<Expr>),
    /// `not e`
    Not(Box<Expr>),
    /// `a op b`
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// An expression that could not be parsed.
    Error,
}

/// What an entity literal names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntityKind {
    /// `team "id"`
    Team,
    /// `person "id"`
    Person,
    /// `node "id"`
    Node,
}

impl EntityKind {
    /// The keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            EntityKind::Team => "team",
            EntityKind::Person => "person",
            EntityKind::Node => "node",
        }
    }
}

/// A call argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arg {
    /// A positional argument (a selector, a node).
    Expr(Expr),
    /// `via calls | depends_on`: edge kinds to follow.
    Via(Vec<Ident>, Span),
    /// `depth <= 3`: how many edges at most.
    Depth(u64, Span),
}

/// Binary operators, loosest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    /// `or`
    Or,
    /// `and`
    And,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `has` (set membership, reversed: `tags has "phi"`)
    Has,
    /// `in` (membership in a list or range)
    In,
    /// `is` (kind test: `change.author is agent`)
    Is,
}

impl BinaryOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Has => "has",
            BinaryOp::In => "in",
            BinaryOp::Is => "is",
        }
    }
}

/// A calendar date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year, 0 to 9999.
    pub year: u16,
    /// Month, 1 to 12.
    pub month: u8,
    /// Day of the month, 1 to 31.
    pub day: u8,
}

impl Date {
    /// 1970-01-01.
    pub(crate) const EPOCH: Date = Date {
        year: 1970,
        month: 1,
        day: 1,
    };

    /// Parses `YYYY-MM-DD`, rejecting dates that do not exist.
    pub fn parse(text: &str) -> Option<Date> {
        let bytes = text.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        let year = text[0..4].parse().ok()?;
        let month = text[5..7].parse().ok()?;
        let day = text[8..10].parse().ok()?;
        let date = Date { year, month, day };
        ((1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month)).then_some(date)
    }

    /// Days since 1970-01-01 (negative before), proleptic Gregorian calendar.
    pub fn days_since_epoch(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => 0,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// An instant written as a date-time with an offset.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DateTime {
    /// The literal as written (printed back verbatim by the formatter).
    pub text: String,
    /// Seconds since the Unix epoch, UTC.
    pub unix_seconds: i64,
}

impl DateTime {
    /// Parses `YYYY-MM-DDTHH:MM[:SS](Z|±HH:MM)`, rejecting impossible instants.
    pub fn parse(text: &str) -> Option<DateTime> {
        let date = Date::parse(text.get(0..10)?)?;
        let rest = text.get(10..)?.strip_prefix('T')?;
        let hour: i64 = rest.get(0..2)?.parse().ok()?;
        let minute: i64 = rest.get(3..5)?.parse().ok()?;
        if rest.as_bytes().get(2) != Some(&b':') {
            return None;
        }
        let (second, zone) = match rest.as_bytes().get(5) {
            Some(b':') => (rest.get(6..8)?.parse().ok()?, rest.get(8..)?),
            _ => (0i64, rest.get(5..)?),
        };
        let offset = match zone {
            "Z" => 0,
            _ => {
                let sign = match zone.as_bytes().first()? {
                    b'+' => 1,
                    b'-' => -1,
                    _ => return None,
                };
                let oh: i64 = zone.get(1..3)?.parse().ok()?;
                let om: i64 = zone.get(4..6)?.parse().ok()?;
                if zone.len() != 6 || oh > 23 || om > 59 {
                    return None;
                }
                sign * (oh * 3600 + om * 60)
            }
        };
        if hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        let unix_seconds =
            date.days_since_epoch() * 86_400 + hour * 3600 + minute * 60 + second - offset;
        Some(DateTime {
            text: text.to_string(),
            unix_seconds,
        })
    }
}

/// A length of time with the unit it was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Duration {
    /// The number.
    pub value: u64,
    /// The unit.
    pub unit: DurationUnit,
}

impl Duration {
    /// The length in seconds (saturating).
    pub fn seconds(self) -> u64 {
        self.value.saturating_mul(self.unit.seconds())
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.value, self.unit.suffix())
    }
}

/// Units of [`Duration`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DurationUnit {
    /// `s`
    Seconds,
    /// `m`
    Minutes,
    /// `h`
    Hours,
    /// `d`
    Days,
    /// `w`
    Weeks,
}

impl DurationUnit {
    /// The unit for a suffix letter.
    pub(crate) fn from_suffix(suffix: &str) -> Option<DurationUnit> {
        Some(match suffix {
            "s" => DurationUnit::Seconds,
            "m" => DurationUnit::Minutes,
            "h" => DurationUnit::Hours,
            "d" => DurationUnit::Days,
            "w" => DurationUnit::Weeks,
            _ => return None,
        })
    }

    /// The suffix letter.
    pub fn suffix(self) -> &'static str {
        match self {
            DurationUnit::Seconds => "s",
            DurationUnit::Minutes => "m",
            DurationUnit::Hours => "h",
            DurationUnit::Days => "d",
            DurationUnit::Weeks => "w",
        }
    }

    /// Seconds in one unit.
    pub fn seconds(self) -> u64 {
        match self {
            DurationUnit::Seconds => 1,
            DurationUnit::Minutes => 60,
            DurationUnit::Hours => 3600,
            DurationUnit::Days => 86_400,
            DurationUnit::Weeks => 604_800,
        }
    }
}

/// Removes every `@start..end` span marker from a `Debug` rendering, so two
/// trees can be compared regardless of where their nodes sit in the text.
pub fn strip_spans(debug: &str) -> String {
    let mut out = String::with_capacity(debug.len());
    let bytes = debug.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'@' {
            let mut j = i + 1;
            while j < bytes.len() && (bytes[j].is_ascii_digit() || bytes[j] == b'.') {
                j += 1;
            }
            if j > i + 1 {
                i = j;
                continue;
            }
        }
        // Copy one whole character.
        let ch_len = debug[i..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&debug[i..i + ch_len]);
        i += ch_len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_checked_against_the_calendar() {
        assert!(Date::parse("2024-02-29").is_some());
        assert!(Date::parse("2023-02-29").is_none());
        assert!(Date::parse("1900-02-29").is_none());
        assert!(Date::parse("2000-02-29").is_some());
        assert!(Date::parse("2026-13-01").is_none());
        assert!(Date::parse("2026-04-31").is_none());
        assert_eq!(Date::EPOCH.days_since_epoch(), 0);
        assert_eq!(
            Date::parse("2000-03-01").unwrap().days_since_epoch(),
            11_017
        );
    }

    #[test]
    fn date_times_honour_offsets() {
        let utc = DateTime::parse("2026-12-20T08:00:00Z").unwrap();
        let plus2 = DateTime::parse("2026-12-20T10:00+02:00").unwrap();
        assert_eq!(utc.unix_seconds, plus2.unix_seconds);
        assert!(DateTime::parse("2026-12-20T24:00Z").is_none());
        assert!(DateTime::parse("2026-12-20T10:00+2:00").is_none());
    }

    #[test]
    fn strip_spans_keeps_everything_else() {
        assert_eq!(
            strip_spans("Ident { name: \"a@b\", span: @3..10 }"),
            "Ident { name: \"a@b\", span:  }"
        );
    }
}
