//! Short documentation of keywords, `change` fields and built-ins, for hover
//! and completion. Kept in step with docs/language.md. The built-in names
//! (`change` fields, node fields) and their docs come from the checker's
//! table, `writ_analysis::check::builtins`.

use writ_analysis::check::builtins::{self, BuiltinKind};

/// The documentation of a keyword, if `word` is one.
pub(crate) fn keyword(word: &str) -> Option<&'static str> {
    Some(match word {
        "use" => {
            "`use module::item` brings items of another module into scope: `use std::approvals::{owners_review}`."
        }
        "rule" => {
            "`rule name { for … when … require … }`: for each binding of its `for` clauses for which `when` holds, the rule fires, judges the change and imposes its `require` obligations."
        }
        "approval" => {
            "`approval name(params) { N of sources … then … }`: an approval chain, steps completed in order. In a rule, `require approval chain` imposes it."
        }
        "forbid" => {
            "`forbid name \"message\" { when … unless emergency … }`: denies the change when its `when` holds, unless lifted by an emergency path."
        }
        "emergency" => {
            "`emergency name { 1 of … followup review within 48h }`: a break-glass path: who may invoke it and the follow-up review owed. As a change field, `change.emergency` is the emergency flag."
        }
        "test" => {
            "`test \"name\" { change { … } given … expect … }`: a policy test, run by `writ test`."
        }
        "assert" => {
            "`assert name \"message\" { for n in S  by …  when …  expect … }`: a property checked by `writ prove` for every change it is about (every node, author class, flag, label set and time window), with a counterexample when it fails (docs/prove.md)."
        }
        "let" => "`let name = expr`: names a selector or value, usable anywhere an expression is.",
        "for" => "`for x in S`: one rule instance per node of the node set `S`.",
        "in" => "`for x in S` binds a variable; `x in [a, b]` / `x in a..b` tests membership.",
        "when" => {
            "`when C`: keeps the rule instances for which the condition `C` holds (a forbid's condition)."
        }
        "unless" => {
            "`unless emergency path`: the forbid is lifted when the change is an emergency and the path is satisfied."
        }
        "require" => {
            "`require check \"name\" on N` or `require approval chain`: an obligation imposed when the rule fires."
        }
        "check" => {
            "`require check \"name\" on N`: the check of that name (as the graph lists it on each node) must pass on every node of `N`."
        }
        "on" => "`require check \"name\" on N`: the nodes the check must pass on.",
        "of" => "`N of sources`: a step needing `N` distinct approvers drawn from the sources.",
        "then" => "`step then step`: steps are completed in order.",
        "distinct" | "from" => {
            "`distinct from change.author`: the author never approves (always true; this states it)."
        }
        "humans" | "only" => "`humans only`: agents never approve (always true; this states it).",
        "followup" => {
            "`followup review within D` or `followup 1 of … within D`: the review owed after an emergency."
        }
        "review" => {
            "`followup review`: the owners of what the change touched review it afterwards."
        }
        "within" => "`within D`: the window in which the follow-up review is owed.",
        "expires" | "after" => {
            "`expires after D`: approvals older than `D` at decision time do not count."
        }
        "all" => "`all of sources`: every person the sources name must approve.",
        "where" => {
            "`S where C`: the nodes of `S` for which `C` holds; inside `C`, bare names are the node's fields (`id`, `kind`, `tags`, `owners`, `checks`, attributes)."
        }
        "via" => "`via k1 | k2`: the edge kinds reach follows (default: every kind).",
        "depth" => "`depth <= n`: at most `n` edges (default: unlimited).",
        "and" => "`a and b`: both conditions hold.",
        "or" => "`a or b`: either holds; for node sets, their union.",
        "not" => "`not C`: the condition does not hold (a node set: it is empty).",
        "has" => "`set has value`: membership, e.g. `tags has \"phi\"`.",
        "is" => "`person is agent` / `person is human`.",
        "true" | "false" => "A boolean constant.",
        "team" => "`team \"id\"`: a team of the graph (its members, as approvers).",
        "person" => "`person \"id\"`: a person of the graph.",
        "node" => "`node \"id\"`: one node of the graph.",
        "change" => {
            "The change being decided: `change.author`, `change.labels`, `change.emergency`, `change.time`, `change.files`, `change.has_unowned`, `change.touches(S)`, `change.reaches(S, via …, depth <= n)`, `change.exposes(S, …)`, `change.touches_path(\"glob\")`, `change.only_paths(\"glob\")`."
        }
        "given" => {
            "`given approval chain by \"p\"` / `given check \"name\" on \"node\" passed|failed`: evidence supplied to a test."
        }
        "expect" => {
            "`expect decision allow|deny|pending`, `expect [not] requires approval C`, `expect [not] requires check \"name\" on \"node\"`, `expect [not] fires rule`."
        }
        "by" => "`given approval chain by \"p\", …`: the people approving.",
        "decision" => "`expect decision allow|deny|pending`.",
        "requires" => "`expect [not] requires approval C` / `requires check \"name\" on \"node\"`.",
        "fires" => "`expect [not] fires rule_or_forbid`.",
        _ => return None,
    })
}

/// The documentation of a `change` field or method (from the checker's
/// table of built-ins).
pub(crate) fn change_field(name: &str) -> Option<&'static str> {
    builtins::lookup(BuiltinKind::ChangeField, name)
        .or_else(|| builtins::lookup(BuiltinKind::ChangeMethod, name))
        .map(|b| b.doc)
}

/// The documentation of a node field (from the checker's table of
/// built-ins).
pub(crate) fn node_field(name: &str) -> Option<&'static str> {
    builtins::lookup(BuiltinKind::NodeField, name).map(|b| b.doc)
}

/// Fields and methods of `change`, for completion.
pub(crate) fn change_fields() -> impl Iterator<Item = &'static str> {
    builtins::BUILTINS
        .iter()
        .filter(|b| matches!(b.kind, BuiltinKind::ChangeField | BuiltinKind::ChangeMethod))
        .map(|b| b.name)
}

/// Node fields, for completion.
pub(crate) fn node_fields() -> impl Iterator<Item = &'static str> {
    builtins::of_kind(BuiltinKind::NodeField).map(|b| b.name)
}

/// Fields of a test's `change { … }` block.
pub(crate) const TEST_CHANGE_FIELDS: &[&str] = &[
    "touches",
    "adds",
    "deletes",
    "renames",
    "author",
    "label",
    "at",
    "emergency",
];

#[cfg(test)]
mod tests {
    /// A new keyword (the lexer's table) gets hover documentation: this
    /// test names the one that has none.
    #[test]
    fn every_keyword_has_hover_docs() {
        let missing: Vec<&str> = writ_syntax::lexer::KEYWORDS
            .iter()
            .map(|(k, _)| *k)
            .filter(|k| super::keyword(k).is_none())
            .collect();
        assert!(
            missing.is_empty(),
            "keywords without hover docs in compiler/ide/src/docs.rs `keyword`: {missing:?}"
        );
    }
}
