; Indentation (nvim-treesitter's captures; Helix's copy renames them): one level inside braces,
; brackets and parentheses; the closing delimiter goes back out.
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
] @indent.begin

["}" "]" ")"] @indent.branch @indent.end
