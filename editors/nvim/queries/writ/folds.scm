; Generated from editors/tree-sitter-writ/queries/folds.scm (a copy) by
; editors/tree-sitter-writ/tests/editor_queries.rs: do not edit; rewrite with
; WRIT_UPDATE_QUERIES=1 cargo test -p tree-sitter-writ --test editor_queries

; Folds: item bodies, chains, test blocks, lists and argument lists.
[
  (clause_block)
  (approval_body)
  (emergency_block)
  (test_block)
  (assert_block)
  (change_block)
  (use_list)
  (list)
  (arguments)
  (chain_arguments)
] @fold
