; Generated from editors/tree-sitter-writ/queries/highlights.scm (patterns in reverse order, Helix's capture names) by
; editors/tree-sitter-writ/tests/editor_queries.rs: do not edit; rewrite with
; WRIT_UPDATE_QUERIES=1 cargo test -p tree-sitter-writ --test editor_queries

(use_list (identifier) @type)
(use_declaration item: (identifier) @type)
(path (identifier) @namespace (identifier))
(module_name) @namespace
(given_check outcome: (identifier) @constant.builtin)
(expect_decision outcome: (identifier) @constant.builtin)
(via_argument (identifier) @label)
(change_field name: (identifier) @variable.other.member)
(call_expression function: (field_expression field: (field_identifier) @function.method))
(call_expression function: (identifier) @function)
(chain_reference path: (path (identifier) @type .))
(field_expression field: (field_identifier) @variable.other.member)
(for_clause variable: (identifier) @variable)
(parameters (identifier) @variable.parameter)
(assert_definition message: (string) @string.special)
(test_definition name: (string) @string.special)
(let_definition name: (identifier) @constant)
(emergency_definition name: (identifier) @type)
(approval_definition name: (identifier) @type)
(forbid_definition name: (identifier) @function)
(rule_definition name: (identifier) @function)
(entity kind: _ @type.builtin)
(decision) @variable.builtin
(change) @variable.builtin
(glob) @operator
["," "." "::"] @punctuation.delimiter
["(" ")" "[" "]" "{" "}"] @punctuation.bracket
[
  "=="
  "!="
  "<"
  "<="
  ">"
  ">="
  "="
  "->"
  ".."
  "|"
] @operator
[
  "and"
  "or"
  "not"
  "in"
  "has"
  "is"
  "where"
] @keyword.operator
"use" @keyword.control.import
["when" "unless"] @keyword.control.conditional
"for" @keyword.control.repeat
(expect_decision_clause "decision" @keyword)
(expect_decision "decision" @keyword)
(change_block "change" @keyword)
(review) @keyword
[
  "for"
  "when"
  "unless"
  "require"
  "check"
  "on"
  "of"
  "then"
  "distinct"
  "from"
  "humans"
  "only"
  "followup"
  "within"
  "expires"
  "after"
  "all"
  "given"
  "expect"
  "by"
  "requires"
  "fires"
  "via"
  "depth"
] @keyword
[
  "use"
  "rule"
  "approval"
  "forbid"
  "emergency"
  "test"
  "let"
  "assert"
] @keyword
(boolean) @constant.builtin
(date_time) @string.special
(date) @string.special
(duration) @constant.numeric.integer
(integer) @constant.numeric.integer
(string) @string
(inner_doc_comment) @comment.line.documentation
(doc_comment) @comment.line.documentation
(comment) @comment
(identifier) @variable
