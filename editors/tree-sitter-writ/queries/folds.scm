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
