; Generated from editors/tree-sitter-writ/queries/textobjects.scm (Helix's capture names) by
; editors/tree-sitter-writ/tests/editor_queries.rs: do not edit; rewrite with
; WRIT_UPDATE_QUERIES=1 cargo test -p tree-sitter-writ --test editor_queries

(rule_definition body: (_) @function.inside) @function.around
(forbid_definition body: (_) @function.inside) @function.around
(approval_definition body: (_) @function.inside) @function.around
(emergency_definition body: (_) @function.inside) @function.around
(let_definition value: (_) @function.inside) @function.around
(test_definition body: (_) @test.inside) @test.around
(assert_definition body: (_) @test.inside) @test.around
[
  (for_clause)
  (when_clause)
  (unless_clause)
  (require_check_clause)
  (require_approval_clause)
  (step)
  (followup_clause)
  (by_clause)
  (expect_decision_clause)
  (expect_approval_clause)
  (expect_check_clause)
] @parameter.around
(arguments (_) @parameter.inside)
(chain_arguments (_) @parameter.inside)
(parameters (identifier) @parameter.inside)
(list (_) @entry.around)
[
  (comment)
  (doc_comment)
  (inner_doc_comment)
] @comment.around
