//! The built-in names of the language, in one table: the fields and methods
//! of `change`, the fields of a node (bare inside `where`, or after a `for`
//! variable), `decision.time`, and the principal kinds right of `is`
//! (`agent`, `human`, `known`, `unknown`). Each entry has its name, its type
//! (as the checker's messages word it) and a doc line. The checker takes its
//! lists of names and its did-you-mean candidates from [`BUILTINS`]; the IDE
//! takes its completion lists and hover docs from it; a test keeps
//! docs/language.md in step. This module also maps node fields to their IR
//! form and type.

use super::Ty;
use writ_plan::ir;

/// Where a built-in name is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BuiltinKind {
    /// A field of `change`: `change.author`.
    ChangeField,
    /// A method of `change`: `change.touches(S)`.
    ChangeMethod,
    /// A field of a node: `tags` inside `where`, `x.tags` for a `for` variable.
    NodeField,
    /// A field of `decision`: `decision.time`.
    DecisionField,
    /// A principal kind, right of `is`: `change.author is agent`.
    PrincipalKind,
}

/// One built-in name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Builtin {
    /// Where the name is written.
    pub kind: BuiltinKind,
    /// The name, without its root (`author`, not `change.author`).
    pub name: &'static str,
    /// Its type, in words.
    pub ty: &'static str,
    /// One line of documentation (hover, completion).
    pub doc: &'static str,
}

impl Builtin {
    /// How the name is written in a policy (`change.author`, `tags`,
    /// `decision.time`, `is agent`).
    pub fn written(&self) -> String {
        match self.kind {
            BuiltinKind::ChangeField | BuiltinKind::ChangeMethod => format!("change.{}", self.name),
            BuiltinKind::NodeField => self.name.to_string(),
            BuiltinKind::DecisionField => format!("{DECISION}.{}", self.name),
            BuiltinKind::PrincipalKind => format!("is {}", self.name),
        }
    }
}

const fn b(kind: BuiltinKind, name: &'static str, ty: &'static str, doc: &'static str) -> Builtin {
    Builtin {
        kind,
        name,
        ty,
        doc,
    }
}

use BuiltinKind::{ChangeField, ChangeMethod, DecisionField, NodeField, PrincipalKind};

/// Every built-in name, in the order editors list them.
pub const BUILTINS: &[Builtin] = &[
    b(
        ChangeField,
        "author",
        "a person",
        "`change.author`: the author, a person (`change.author is agent`).",
    ),
    b(
        ChangeField,
        "labels",
        "a set of strings",
        "`change.labels`: the change's labels, a set of strings (`change.labels has \"hotfix\"`).",
    ),
    b(
        ChangeField,
        "emergency",
        "a condition (bool)",
        "`change.emergency`: the change is flagged as an emergency.",
    ),
    b(
        ChangeField,
        "time",
        "a date or time",
        "`change.time`: when the change was made (`change.time in 2026-12-20..2027-01-03`).",
    ),
    b(
        ChangeField,
        "files",
        "a set of strings",
        "`change.files`: the changed paths, a set of strings.",
    ),
    b(
        ChangeField,
        "has_unowned",
        "a condition (bool)",
        "`change.has_unowned`: some changed file belongs to no node.",
    ),
    b(
        ChangeMethod,
        "touches",
        "a set of nodes",
        "`change.touches(S)`: the nodes of `S` whose path globs match a changed file (`change.touches()` for all).",
    ),
    b(
        ChangeMethod,
        "reaches",
        "a set of nodes",
        "`change.reaches(S, via k, depth <= n)`: the nodes of `S` the change can break: reachable from the touched nodes along reverse dependency edges (who depends on, calls or deploys what changed), the touched nodes included.",
    ),
    b(
        ChangeMethod,
        "exposes",
        "a set of nodes",
        "`change.exposes(S, via k, depth <= n)`: the nodes of `S` the changed code can itself reach along forward edges (what it calls, reads, writes).",
    ),
    b(
        ChangeMethod,
        "touches_path",
        "a condition (bool)",
        "`change.touches_path(\"glob\")`: some changed file matches the glob.",
    ),
    b(
        ChangeMethod,
        "only_paths",
        "a condition (bool)",
        "`change.only_paths(\"glob\")`: every changed file matches the glob.",
    ),
    b(
        NodeField,
        "id",
        "a string",
        "`id`: the node's id (a string).",
    ),
    b(
        NodeField,
        "kind",
        "a string",
        "`kind`: the node's kind (a string).",
    ),
    b(
        NodeField,
        "tags",
        "a set of strings",
        "`tags`: the node's tags (a set of strings).",
    ),
    b(
        NodeField,
        "owners",
        "a set of strings",
        "`owners`: the node's owning teams and people (a set of ids).",
    ),
    b(
        NodeField,
        "checks",
        "a set of strings",
        "`checks`: the names of the node's checks (a set of strings).",
    ),
    b(
        DecisionField,
        "time",
        "a date or time",
        "`decision.time`: the trusted clock of the decision (the runner's, or `--now` in tests and replays).",
    ),
    b(
        PrincipalKind,
        "agent",
        "`agent` or `human`",
        "`x is agent`: the person is an agent.",
    ),
    b(
        PrincipalKind,
        "human",
        "`agent` or `human`",
        "`x is human`: the person is a human.",
    ),
    b(
        PrincipalKind,
        "known",
        "`agent` or `human`",
        "`change.author is known`: the author resolves to a person of the graph.",
    ),
    b(
        PrincipalKind,
        "unknown",
        "`agent` or `human`",
        "`change.author is unknown`: the author resolves to no person of the graph.",
    ),
];

/// The built-ins of one kind, in table order.
pub fn of_kind(kind: BuiltinKind) -> impl Iterator<Item = &'static Builtin> {
    BUILTINS.iter().filter(move |b| b.kind == kind)
}

/// The built-in of `kind` called `name`.
pub fn lookup(kind: BuiltinKind, name: &str) -> Option<&'static Builtin> {
    of_kind(kind).find(|b| b.name == name)
}

/// The built-in root of `decision.time`. `decision` is a keyword (`expect
/// decision allow`), so no `let` or variable can shadow it; the parser hands
/// it to expressions as a name the checker resolves here.
pub(super) const DECISION: &str = "decision";

/// The fields and methods of `change`, sorted (did-you-mean candidates).
pub(super) fn change_members() -> Vec<String> {
    let mut names: Vec<String> = BUILTINS
        .iter()
        .filter(|b| matches!(b.kind, ChangeField | ChangeMethod))
        .map(|b| b.name.to_string())
        .collect();
    names.sort();
    names
}

/// The methods of `change`, in table order, as a list for messages.
pub(super) fn change_methods() -> String {
    of_kind(ChangeMethod)
        .map(|b| b.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The node fields, sorted (did-you-mean candidates).
pub(super) fn node_fields() -> Vec<String> {
    let mut names: Vec<String> = of_kind(NodeField).map(|b| b.name.to_string()).collect();
    names.sort();
    names
}

/// Whether `name` is a principal kind (`agent`, `human`, `known`, `unknown`).
pub(super) fn is_principal_kind(name: &str) -> bool {
    lookup(PrincipalKind, name).is_some()
}

/// The type and IR form of the `change` field `name` (not a method).
pub(super) fn change_field(name: &str) -> Option<(Ty, ir::ChangeField)> {
    Some(match name {
        "author" => (Ty::Person, ir::ChangeField::Author),
        "labels" => (Ty::StrSet, ir::ChangeField::Labels),
        "emergency" => (Ty::Bool, ir::ChangeField::Emergency),
        "time" => (Ty::Time, ir::ChangeField::Time),
        "files" => (Ty::StrSet, ir::ChangeField::Files),
        "has_unowned" => (Ty::Bool, ir::ChangeField::HasUnowned),
        _ => return None,
    })
}

/// The fields of `decision` (did-you-mean candidates).
pub(super) fn decision_fields() -> Vec<String> {
    of_kind(DecisionField).map(|b| b.name.to_string()).collect()
}

/// The IR form of the node field `name`.
pub(super) fn node_field(name: &str) -> Option<ir::NodeField> {
    Some(match name {
        "id" => ir::NodeField::Id,
        "kind" => ir::NodeField::Kind,
        "tags" => ir::NodeField::Tags,
        "owners" => ir::NodeField::Owners,
        "checks" => ir::NodeField::Checks,
        _ => return None,
    })
}

/// The type of a node field.
pub(super) fn field_type(field: &ir::NodeField) -> Ty {
    match field {
        ir::NodeField::Id | ir::NodeField::Kind => Ty::Str,
        ir::NodeField::Tags | ir::NodeField::Owners | ir::NodeField::Checks => Ty::StrSet,
        ir::NodeField::Attr(_) => Ty::Error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_fields_of_the_table_are_the_ir_fields() {
        for f in of_kind(NodeField) {
            let field = node_field(f.name).expect("an IR field");
            assert_eq!(field_type(&field).describe(), f.ty, "{}", f.name);
        }
        assert_eq!(node_fields(), ["checks", "id", "kind", "owners", "tags"]);
    }

    #[test]
    fn change_fields_of_the_table_are_the_ir_fields() {
        for f in of_kind(ChangeField) {
            let (ty, _) = change_field(f.name).expect("an IR field");
            assert_eq!(ty.describe(), f.ty, "{}", f.name);
        }
        for m in of_kind(ChangeMethod) {
            assert!(change_field(m.name).is_none(), "{}", m.name);
        }
        assert_eq!(decision_fields(), ["time"]);
    }

    #[test]
    fn the_language_reference_mentions_every_builtin() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/language.md");
        let doc = std::fs::read_to_string(path).expect("docs/language.md");
        let missing: Vec<String> = BUILTINS
            .iter()
            .map(Builtin::written)
            .filter(|w| !doc.contains(&format!("`{w}")) && !doc.contains(&format!("{w}`")))
            .collect();
        assert!(
            missing.is_empty(),
            "docs/language.md does not mention: {}",
            missing.join(", ")
        );
    }

    #[test]
    fn names_are_unique_per_kind() {
        for (i, a) in BUILTINS.iter().enumerate() {
            for b in &BUILTINS[i + 1..] {
                assert!(a.kind != b.kind || a.name != b.name, "{} twice", a.name);
            }
        }
    }
}
