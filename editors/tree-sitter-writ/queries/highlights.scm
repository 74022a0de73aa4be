; writ highlighting, with nvim-treesitter's capture names. When patterns
; overlap, the LATER one wins (Neovim and `tree-sitter highlight`): general
; patterns first, specific ones after. Helix reads the reverse order and its
; own names: editors/helix/queries/writ/highlights.scm is generated from this
; file (tests/editor_queries.rs; `WRIT_UPDATE_QUERIES=1` rewrites it).

(identifier) @variable

(comment) @comment
(doc_comment) @comment.documentation
(inner_doc_comment) @comment.documentation

(string) @string
(integer) @number
(duration) @number
(date) @string.special
(date_time) @string.special
(boolean) @constant.builtin

; Items
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

; Clauses, chains, tests
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

(review) @keyword
(change_block "change" @keyword)
(expect_decision "decision" @keyword)
(expect_decision_clause "decision" @keyword)

"for" @keyword.repeat
["when" "unless"] @keyword.conditional
"use" @keyword.import

; Operators written as words
[
  "and"
  "or"
  "not"
  "in"
  "has"
  "is"
  "where"
] @keyword.operator

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

["(" ")" "[" "]" "{" "}"] @punctuation.bracket
["," "." "::"] @punctuation.delimiter
(glob) @operator

(change) @variable.builtin
(decision) @variable.builtin
(entity kind: _ @type.builtin)

; Definitions
(rule_definition name: (identifier) @function)
(forbid_definition name: (identifier) @function)
(approval_definition name: (identifier) @type)
(emergency_definition name: (identifier) @type)
(let_definition name: (identifier) @constant)
(test_definition name: (string) @string.special)
(assert_definition message: (string) @string.special)
(parameters (identifier) @variable.parameter)
(for_clause variable: (identifier) @variable)

; References (general before specific)
(field_expression field: (field_identifier) @property)
(chain_reference path: (path (identifier) @type .))
(call_expression function: (identifier) @function.call)
(call_expression function: (field_expression field: (field_identifier) @function.method.call))
(change_field name: (identifier) @property)
(via_argument (identifier) @label)
(expect_decision outcome: (identifier) @constant.builtin)
(given_check outcome: (identifier) @constant.builtin)
(module_name) @module
(path (identifier) @module (identifier))
(use_declaration item: (identifier) @type)
(use_list (identifier) @type)
