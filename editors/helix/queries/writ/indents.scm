; Generated from editors/tree-sitter-writ/queries/indents.scm (Helix's capture names) by
; editors/tree-sitter-writ/tests/editor_queries.rs: do not edit; rewrite with
; WRIT_UPDATE_QUERIES=1 cargo test -p tree-sitter-writ --test editor_queries

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
  (parameters)
] @indent
["}" "]" ")"] @outdent
