; Indentation (Helix and Neovim conventions): one level inside braces,
; brackets and parentheses; the closing delimiter goes back out.
[
  (clause_block)
  (approval_body)
  (emergency_block)
  (test_block)
  (change_block)
  (use_list)
  (list)
  (arguments)
  (chain_arguments)
  (parameters)
] @indent @indent.begin

["}" "]" ")"] @outdent @indent.end @indent.branch
