/**
 * @file The tree-sitter grammar of writ, for editors (highlighting, folding,
 * indentation, text objects) and for GitHub.
 *
 * Kept in step with the compiler's grammar (`compiler/syntax/src/grammar.lalrpop`)
 * and lexer (`compiler/syntax/src/lexer.rs`): the rules below mirror the
 * lalrpop non-terminals one for one (same names in snake case), and
 * `compiler/syntax/tests/tree_sitter_agreement.rs` parses every `.writ` file of
 * the repository with both and fails on any accept/reject disagreement.
 *
 * What the compiler checks beyond this grammar (the agreement test ignores
 * these codes): literal values (E0103 escapes, E0104 integer range, E0105
 * calendar dates, E0106 duration range), the structure rules of
 * `validate.rs` (E0204–E0208) and the nesting limit (E0209).
 */

/// Every keyword of the language (the lexer's `KEYWORDS`): reserved, never a name.
const KEYWORDS = [
  'after', 'all', 'and', 'approval', 'assert', 'by', 'change', 'check', 'decision',
  'depth', 'distinct', 'emergency', 'expect', 'expires', 'false', 'fires',
  'followup', 'for', 'forbid', 'from', 'given', 'has', 'humans', 'in', 'is',
  'let', 'node', 'not', 'of', 'on', 'only', 'or', 'person', 'require',
  'requires', 'review', 'rule', 'team', 'test', 'then', 'true', 'unless',
  'use', 'via', 'when', 'where', 'within',
];

/** `Comma<T>`: zero or more, separated by commas, a trailing comma allowed. */
function comma(rule) {
  return optional(seq(rule, repeat(seq(',', rule)), optional(',')));
}

/** `Comma1<T>`: one or more, separated by commas, no trailing comma. */
function comma1(rule) {
  return seq(rule, repeat(seq(',', rule)));
}

module.exports = grammar({
  name: 'writ',

  // The lexer skips `[ \t\r\n\f]+` and keeps plain comments aside.
  extras: $ => [/[ \t\r\n\f]/, $.comment],

  word: $ => $.identifier,

  reserved: {
    global: _ => KEYWORDS,
  },

  rules: {
    // `File`: module docs (`//!`) first, then items.
    source_file: $ => seq(repeat($.inner_doc_comment), repeat($._item)),

    // ------------------------------------------------------------ lexical

    identifier: _ => /[A-Za-z_][A-Za-z0-9_]*/,
    string: _ => /"([^"\\\n]|\\[^\n])*"/,
    integer: _ => /[0-9]+/,
    duration: _ => token(prec(1, /[0-9]+[smhdw]/)),
    // `48hours`, `3x`: the lexer reads one bad number (E0104), not a number
    // and a name. The token wins by length wherever a number may stand, and
    // `_never` (a NUL, which no file holds) then makes it an error.
    _bad_number: $ => seq(/[0-9]+[A-Za-z_][A-Za-z0-9_]*/, $._never),
    _never: _ => '\u0000',
    date: _ => /[0-9]{4}-[0-9]{2}-[0-9]{2}/,
    date_time: _ => /[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?(Z|[+-][0-9]{2}:[0-9]{2})/,

    // `//` plain (and `////…`), `///` outer docs, `//!` module docs.
    comment: _ => token(choice(/\/\/([^\/!\n][^\n]*)?/, /\/\/\/\/[^\n]*/)),
    doc_comment: _ => token(/\/\/\/([^\/\n][^\n]*)?/),
    inner_doc_comment: _ => token(/\/\/![^\n]*/),

    // `Segment`: a name, or `emergency` (the module `std::emergency`).
    _segment: $ => choice($.identifier, alias('emergency', $.identifier)),
    path: $ => seq($._segment, repeat(seq('::', $._segment))),

    // ------------------------------------------------------------ items

    _item: $ => choice(
      $.use_declaration,
      $.rule_definition,
      $.approval_definition,
      $.forbid_definition,
      $.emergency_definition,
      $.test_definition,
      $.let_definition,
      $.assert_definition,
    ),

    _docs: $ => repeat1($.doc_comment),

    use_declaration: $ => seq(
      optional($._docs),
      'use',
      $._module_prefix,
      choice(
        field('item', $.identifier),
        $.use_list,
        alias('*', $.glob),
      ),
    ),
    // `(<Segment> "::")+`, left-recursive as in lalrpop so the parser need
    // not decide where the module ends before it sees the next `::`.
    _module_prefix: $ => choice(
      seq($._module_segment, '::'),
      seq($._module_prefix, $._module_segment, '::'),
    ),
    _module_segment: $ => choice(
      alias($.identifier, $.module_name),
      alias('emergency', $.module_name),
    ),
    use_list: $ => seq('{', comma($.identifier), '}'),

    rule_definition: $ => seq(
      optional($._docs),
      'rule', field('name', $.identifier),
      field('body', $.clause_block),
    ),

    forbid_definition: $ => seq(
      optional($._docs),
      'forbid', field('name', $.identifier),
      optional(field('message', $.string)),
      field('body', $.clause_block),
    ),

    clause_block: $ => seq('{', repeat($._clause), '}'),

    approval_definition: $ => seq(
      optional($._docs),
      'approval', field('name', $.identifier),
      optional(field('parameters', $.parameters)),
      field('body', $.approval_body),
    ),
    parameters: $ => seq('(', comma($.identifier), ')'),

    emergency_definition: $ => seq(
      optional($._docs),
      'emergency', field('name', $.identifier),
      field('body', $.emergency_block),
    ),
    emergency_block: $ => seq('{', repeat($._emergency_clause), '}'),

    test_definition: $ => seq(
      optional($._docs),
      'test', field('name', $.string),
      field('body', $.test_block),
    ),
    test_block: $ => seq('{', repeat($._test_statement), '}'),

    let_definition: $ => seq(
      optional($._docs),
      'let', field('name', $.identifier), '=', field('value', $._expression),
    ),

    assert_definition: $ => seq(
      optional($._docs),
      'assert', field('name', $.identifier),
      optional(field('message', $.string)),
      field('body', $.assert_block),
    ),
    assert_block: $ => seq('{', repeat($._assert_clause), '}'),
    _assert_clause: $ => choice(
      $.for_clause,
      $.by_clause,
      $.when_clause,
      $.expect_decision_clause,
      $.expect_approval_clause,
      $.expect_check_clause,
    ),
    by_clause: $ => seq('by', comma1($._postfix)),
    expect_decision_clause: $ => seq(
      'expect', optional('not'), 'decision', field('outcome', $.identifier),
    ),
    expect_approval_clause: $ => seq('expect', 'requires', $.step),
    expect_check_clause: $ => seq(
      'expect', 'requires', 'check', field('check', $.string), 'on', field('on', $._expression),
    ),

    // ------------------------------------------------------------ clauses

    _clause: $ => choice(
      $.for_clause,
      $.when_clause,
      $.unless_clause,
      $.require_check_clause,
      $.require_approval_clause,
    ),
    for_clause: $ => seq('for', field('variable', $.identifier), 'in', field('source', $._expression)),
    when_clause: $ => seq('when', field('condition', $._expression)),
    unless_clause: $ => seq('unless', 'emergency', field('path', $.path)),
    require_check_clause: $ => seq(
      'require', 'check', field('check', $.string), 'on', field('on', $._expression),
    ),
    require_approval_clause: $ => seq('require', 'approval', field('chain', $._chain_use)),

    _chain_use: $ => choice($.chain_reference, $.approval_body),
    chain_reference: $ => seq(
      field('path', $.path),
      optional(field('arguments', $.chain_arguments)),
    ),
    chain_arguments: $ => seq('(', comma($._expression), ')'),

    // ------------------------------------------------------------ approval chains

    approval_body: $ => seq(
      '{',
      $.step,
      repeat(seq('then', $.step)),
      repeat($.expires_option),
      '}',
    ),
    step: $ => seq(
      field('count', $.count),
      'of',
      comma1(field('source', $._postfix)),
      repeat($._constraint),
    ),
    count: $ => choice($.integer, 'all', $._bad_number),
    _constraint: $ => choice($.distinct_from, $.humans_only),
    distinct_from: $ => seq('distinct', 'from', $._postfix),
    humans_only: _ => seq('humans', 'only'),
    expires_option: $ => seq('expires', 'after', choice($.duration, $._bad_number)),

    // ------------------------------------------------------------ emergency paths

    _emergency_clause: $ => choice($.step, $.followup_clause),
    followup_clause: $ => seq(
      'followup',
      choice(alias('review', $.review), $.step),
      'within',
      field('within', choice($.duration, $._bad_number)),
    ),

    // ------------------------------------------------------------ tests

    _test_statement: $ => choice(
      $.change_block,
      $.given_approval,
      $.given_check,
      $.expect_decision,
      $.expect_approval,
      $.expect_check,
      $.expect_fires,
    ),
    change_block: $ => seq('change', '{', repeat($.change_field), '}'),
    change_field: $ => choice(
      seq(field('name', $.identifier), comma1($.change_value)),
      field('name', alias('emergency', $.identifier)),
    ),
    change_value: $ => seq($._literal, optional(seq('->', $._literal))),
    given_approval: $ => seq('given', 'approval', field('chain', $.path), 'by', comma1($.string)),
    given_check: $ => seq(
      'given', 'check', field('check', $.string), 'on', field('node', $.string),
      field('outcome', $.identifier),
    ),
    expect_decision: $ => seq('expect', 'decision', field('outcome', $.identifier)),
    expect_approval: $ => seq(
      'expect', optional('not'), 'requires', 'approval', field('chain', $.path),
    ),
    expect_check: $ => seq(
      'expect', optional('not'), 'requires', 'check', field('check', $.string),
      'on', field('node', $.string),
    ),
    expect_fires: $ => seq('expect', optional('not'), 'fires', field('rule', $.path)),

    // ------------------------------------------------------------ expressions
    //
    // Stratified as in lalrpop (no precedence declarations): `where` binds
    // loosest and does not chain, then `or`, `and`, `not`, comparisons (which
    // do not chain), then postfix field access and calls.

    _expression: $ => choice($.where_expression, $._or_expression),
    where_expression: $ => seq(
      field('selector', $._or_expression), 'where', field('filter', $._or_expression),
    ),

    _or_expression: $ => choice($.or_expression, $._and_expression),
    or_expression: $ => seq(
      field('left', $._or_expression), 'or', field('right', $._and_expression),
    ),

    _and_expression: $ => choice($.and_expression, $._not_expression),
    and_expression: $ => seq(
      field('left', $._and_expression), 'and', field('right', $._not_expression),
    ),

    _not_expression: $ => choice($.not_expression, $._comparison),
    not_expression: $ => seq('not', field('operand', $._not_expression)),

    _comparison: $ => choice($.comparison, $.in_expression, $._postfix),
    comparison: $ => seq(
      field('left', $._postfix),
      field('operator', choice('==', '!=', '<', '<=', '>', '>=', 'has', 'is')),
      field('right', $._postfix),
    ),
    in_expression: $ => seq(
      field('left', $._postfix), 'in', field('right', choice($.range, $._postfix)),
    ),
    range: $ => seq(field('start', $._postfix), '..', field('end', $._postfix)),

    _postfix: $ => choice($.field_expression, $.call_expression, $._primary),
    field_expression: $ => seq(
      field('value', $._postfix), '.',
      field('field', alias(choice($.identifier, 'emergency'), $.field_identifier)),
    ),
    call_expression: $ => seq(
      field('function', $._postfix),
      field('arguments', $.arguments),
    ),
    arguments: $ => seq('(', comma($._argument), ')'),
    _argument: $ => choice($._expression, $.via_argument, $.depth_argument),
    via_argument: $ => seq('via', $.identifier, repeat(seq('|', $.identifier))),
    depth_argument: $ => seq('depth', '<=', choice($.integer, $._bad_number)),

    _primary: $ => choice(
      $.identifier,
      $.change,
      $.decision,
      $.boolean,
      $.entity,
      $.list,
      $.parenthesized_expression,
      $._literal,
    ),
    change: _ => 'change',
    decision: _ => 'decision',
    boolean: _ => choice('true', 'false'),
    entity: $ => seq(field('kind', choice('team', 'person', 'node')), field('id', $.string)),
    list: $ => seq('[', comma($._expression), ']'),
    parenthesized_expression: $ => seq('(', $._expression, ')'),

    _literal: $ => choice($.string, $.integer, $.duration, $.date, $.date_time, $._bad_number),
  },
});
