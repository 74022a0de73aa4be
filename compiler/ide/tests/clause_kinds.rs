//! Every clause kind of the language against the places that describe it
//! outside the compiler's own matches (ARCHITECTURE.md § Adding a clause
//! kind): the language reference (grammar and prose), the editors
//! (tree-sitter highlights and text objects, VS Code snippets), the IDE
//! (completion in a rule or forbid block and after `require`, the
//! `require` hover), the proof reference and the plan and proof schemas.
//!
//! The table is one exhaustive match over `ast::ClauseKind`
//! (`clause_table!` makes the match and the list of rows from the same
//! arms): a new clause kind is a compile error here, and its row names
//! every place it must appear in; the tests below then fail until it does.

use std::path::{Path, PathBuf};
use writ_ide::{AnalysisHost, CompletionItem};
use writ_syntax::ast::{ClauseKind, ItemKind};

/// Where a clause is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Block {
    Rule,
    Forbid,
}

/// Where a `require` clause shows up beyond its own words.
#[derive(Clone, Copy, Debug)]
struct Require {
    /// The word after `require` (completion after `require`, the hover of
    /// `require`, docs/proof.md).
    word: &'static str,
    /// The rule's list of such clauses in the plan (docs/plan.schema.json).
    plan_list: &'static str,
    /// The obligation's field in the proof (docs/proof.schema.json).
    proof_field: &'static str,
}

/// One clause kind and the places that describe it.
#[derive(Clone, Copy, Debug)]
struct Row {
    /// The words that open it, as written.
    opening: &'static str,
    /// Its alternative in docs/language.md's grammar.
    grammar: &'static str,
    /// The blocks it is written in.
    blocks: &'static [Block],
    /// Its tree-sitter node (queries/textobjects.scm).
    node: &'static str,
    /// For a `require` clause, where it shows up as one.
    require: Option<Require>,
}

/// Makes `row` (an exhaustive match over the clause kinds) and `ROWS`
/// (every row) from the same arms.
macro_rules! clause_table {
    ($($pat:pat => $row:expr,)*) => {
        /// The row of a clause kind; `None` for a clause that did not parse.
        fn row(kind: &ClauseKind) -> Option<Row> {
            match kind {
                $($pat => $row,)*
            }
        }

        /// Every row.
        const ROWS: &[Option<Row>] = &[$($row,)*];
    };
}

clause_table! {
    ClauseKind::For { .. } => Some(Row {
        opening: "for",
        grammar: r#""for" Ident "in" Expr"#,
        blocks: &[Block::Rule, Block::Forbid],
        node: "for_clause",
        require: None,
    }),
    ClauseKind::When(_) => Some(Row {
        opening: "when",
        grammar: r#""when" Expr"#,
        blocks: &[Block::Rule, Block::Forbid],
        node: "when_clause",
        require: None,
    }),
    ClauseKind::Unless(_) => Some(Row {
        opening: "unless emergency",
        grammar: r#""unless" "emergency" Path"#,
        blocks: &[Block::Forbid],
        node: "unless_clause",
        require: None,
    }),
    ClauseKind::RequireCheck { .. } => Some(Row {
        opening: "require check",
        grammar: r#""require" "check" String "on" Expr"#,
        blocks: &[Block::Rule],
        node: "require_check_clause",
        require: Some(Require {
            word: "check",
            plan_list: "checks",
            proof_field: "check",
        }),
    }),
    ClauseKind::RequireApproval(_) => Some(Row {
        opening: "require approval",
        grammar: r#""require" "approval" ChainUse"#,
        blocks: &[Block::Rule],
        node: "require_approval_clause",
        require: Some(Require {
            word: "approval",
            plan_list: "approvals",
            proof_field: "approval",
        }),
    }),
    ClauseKind::Error => None,
}

fn rows() -> impl Iterator<Item = Row> {
    ROWS.iter().flatten().copied()
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A policy holding every clause kind the table has (the row's opening is
/// checked against how the parser reads each clause).
const EVERY_CLAUSE: &str = "emergency e {\n  1 of team \"t\"\n  followup review within 1d\n}\n\n\
rule r {\n  for s in change.touches(any)\n  when change.emergency\n  \
require check \"unit\" on s\n  require approval { 1 of team \"t\" }\n}\n\n\
forbid f \"no\" {\n  for s in change.touches(any)\n  when change.emergency\n  unless emergency e\n}\n";

#[test]
fn every_clause_kind_has_a_row_and_is_read_as_its_opening() {
    let parsed = writ_syntax::parse(writ_diagnostics::FileId(0), EVERY_CLAUSE);
    assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
    let mut seen = Vec::new();
    for item in &parsed.file.items {
        let clauses = match &item.kind {
            ItemKind::Rule(r) => &r.clauses,
            ItemKind::Forbid(f) => &f.clauses,
            _ => continue,
        };
        for clause in clauses {
            let row = row(&clause.kind).expect("a clause that parsed has a row");
            let text = &EVERY_CLAUSE[clause.span.start as usize..clause.span.end as usize];
            assert!(text.starts_with(row.opening), "{text:?} read as {row:?}");
            seen.push(row.opening);
        }
    }
    for row in rows() {
        assert!(
            seen.contains(&row.opening),
            "EVERY_CLAUSE has no `{}` clause: add one",
            row.opening
        );
    }
}

#[test]
fn the_language_reference_has_every_clause_kind() {
    let doc = read("docs/language.md");
    for row in rows() {
        assert!(
            doc.contains(row.grammar),
            "docs/language.md's grammar has no `{}`",
            row.grammar
        );
        assert!(
            doc.contains(&format!("`{}", row.opening)),
            "docs/language.md never describes `{} …`",
            row.opening
        );
    }
}

#[test]
fn the_editor_queries_and_snippets_have_every_clause_kind() {
    let highlights = read("editors/tree-sitter-writ/queries/highlights.scm");
    let textobjects = read("editors/tree-sitter-writ/queries/textobjects.scm");
    let snippets = read("editors/vscode/snippets/writ.json");
    for row in rows() {
        for word in row.opening.split(' ') {
            assert!(
                highlights.contains(&format!("\"{word}\"")),
                "highlights.scm does not highlight `{word}`"
            );
        }
        assert!(
            textobjects.contains(&format!("({})", row.node)),
            "textobjects.scm has no `({})`",
            row.node
        );
        assert!(
            snippets.contains(&format!("\"\\t{}", row.opening)),
            "no VS Code snippet writes a `{}` clause",
            row.opening
        );
    }
}

fn completions(text: &str) -> Vec<CompletionItem> {
    let at = text.find('$').expect("a cursor");
    let text = text.replace('$', "");
    let mut host = AnalysisHost::new();
    host.set_file("/a.writ", "a", text);
    host.analysis()
        .completions("/a.writ", at)
        .expect("not cancelled")
}

#[test]
fn completion_offers_every_clause_kind_where_it_is_written() {
    for (block, text) in [
        (Block::Rule, "rule r {\n  $\n}\n"),
        (Block::Forbid, "forbid f \"no\" {\n  $\n}\n"),
    ] {
        let labels: Vec<String> = completions(text).into_iter().map(|c| c.label).collect();
        for row in rows().filter(|r| r.blocks.contains(&block)) {
            assert!(
                labels.iter().any(|l| l.starts_with(row.opening)),
                "completion in a {block:?} block does not offer `{}`: {labels:?}",
                row.opening
            );
        }
    }
    let after_require: Vec<String> = completions("rule r {\n  require $\n}\n")
        .into_iter()
        .map(|c| c.label)
        .collect();
    for req in rows().filter_map(|r| r.require) {
        assert!(
            after_require.iter().any(|l| l == req.word),
            "completion after `require` does not offer `{}`: {after_require:?}",
            req.word
        );
    }
}

#[test]
fn the_require_hover_names_every_requirement_kind() {
    let text = "rule r {\n  require check \"unit\" on change.touches(any)\n}\n";
    let mut host = AnalysisHost::new();
    host.set_file("/a.writ", "a", text.into());
    let at = text.find("require").unwrap() + 1;
    let hover = host
        .analysis()
        .hover("/a.writ", at)
        .expect("not cancelled")
        .expect("a hover on `require`");
    for req in rows().filter_map(|r| r.require) {
        assert!(
            hover.markdown.contains(&format!("`require {}", req.word)),
            "the hover of `require` does not name `require {}`: {}",
            req.word,
            hover.markdown
        );
    }
}

#[test]
fn the_proof_reference_and_the_schemas_have_every_requirement_kind() {
    let proof_md = read("docs/proof.md");
    let plan_schema: serde_json::Value =
        serde_json::from_str(&read("docs/plan.schema.json")).expect("JSON");
    let proof_schema: serde_json::Value =
        serde_json::from_str(&read("docs/proof.schema.json")).expect("JSON");
    let properties = |v: &serde_json::Value| -> Vec<String> {
        v["properties"]
            .as_object()
            .expect("an object's properties")
            .keys()
            .cloned()
            .collect()
    };
    let rule = properties(&plan_schema["definitions"]["rule"]);
    let obligation = properties(&proof_schema["$defs"]["obligation"]);
    let obligations_row = proof_md
        .lines()
        .find(|l| l.starts_with("| `obligations` |"))
        .expect("docs/proof.md's row for `obligations`");
    for req in rows().filter_map(|r| r.require) {
        assert!(
            proof_md.contains(&format!("`require {}", req.word)),
            "docs/proof.md does not say what `require {}` imposes",
            req.word
        );
        assert!(
            obligations_row.contains(req.proof_field),
            "docs/proof.md's `obligations` row does not list `{}`: {obligations_row}",
            req.proof_field
        );
        assert!(
            rule.iter().any(|f| f == req.plan_list),
            "plan.schema.json's rule has no `{}`: {rule:?}",
            req.plan_list
        );
        assert!(
            obligation.iter().any(|f| f == req.proof_field),
            "proof.schema.json's obligation has no `{}`: {obligation:?}",
            req.proof_field
        );
    }
}
