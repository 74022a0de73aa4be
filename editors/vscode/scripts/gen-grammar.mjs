#!/usr/bin/env node
// Generates syntaxes/writ.tmLanguage.json, the TextMate grammar for writ.
//
//   node scripts/gen-grammar.mjs          write the grammar
//   node scripts/gen-grammar.mjs --check  fail if the committed grammar is stale
//
// The keyword classes below must cover every entry of `KEYWORDS` in
// compiler/syntax/src/lexer.rs; scripts/check-sync.mjs checks that they do.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'syntaxes', 'writ.tmLanguage.json');

/** Keyword classes: every writ keyword is in exactly one. */
export const keywordClasses = {
  // Start a top-level item.
  'keyword.other.writ': ['rule', 'approval', 'forbid', 'emergency', 'test', 'assert', 'let'],
  'keyword.control.import.writ': ['use'],
  // Start or join a clause, a step or a test statement.
  'keyword.control.writ': ['for', 'when', 'unless', 'require', 'then', 'where', 'given', 'expect'],
  // The rest of the clause vocabulary.
  'keyword.other.clause.writ': [
    'check', 'on', 'of', 'distinct', 'from', 'humans', 'only', 'followup', 'review', 'within',
    'expires', 'after', 'all', 'via', 'depth', 'by', 'decision', 'requires', 'fires',
  ],
  // Word operators (`in` is also the `for … in` keyword, see the `for` rule).
  'keyword.operator.word.writ': ['and', 'or', 'not', 'has', 'is', 'in'],
  'constant.language.boolean.writ': ['true', 'false'],
  // `change` is the change under decision, like `self`.
  'variable.language.change.writ': ['change'],
  // Entity constructors: team "…", person "…", node "…".
  'support.type.entity.writ': ['team', 'person', 'node'],
};

const ID = '[A-Za-z_][A-Za-z0-9_]*';
const words = (list) => `\\b(?:${list.join('|')})\\b`;

const grammar = {
  $schema: 'https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json',
  name: 'writ',
  scopeName: 'source.writ',
  fileTypes: ['writ'],
  patterns: [
    { include: '#comments' },
    { include: '#strings' },
    { include: '#change-block' },
    { include: '#literals' },
    { include: '#declarations' },
    { include: '#keywords' },
    { include: '#calls-and-fields' },
    { include: '#operators' },
    { include: '#punctuation' },
    { include: '#identifiers' },
    { include: '#invalid' },
  ],
  repository: {
    comments: {
      patterns: [
        {
          // `///` documents the next item; `////…` is a plain comment, as in the lexer.
          name: 'comment.line.documentation.writ',
          match: '(///)(?!/).*$',
          captures: { 1: { name: 'punctuation.definition.comment.writ' } },
        },
        {
          // `//!` documents the module.
          name: 'comment.line.documentation.module.writ',
          match: '(//!).*$',
          captures: { 1: { name: 'punctuation.definition.comment.writ' } },
        },
        {
          name: 'comment.line.double-slash.writ',
          match: '(//).*$',
          captures: { 1: { name: 'punctuation.definition.comment.writ' } },
        },
      ],
    },
    strings: {
      patterns: [
        {
          // Strings do not span lines: an unterminated one ends at the end of its line.
          name: 'string.quoted.double.writ',
          begin: '"',
          beginCaptures: { 0: { name: 'punctuation.definition.string.begin.writ' } },
          end: '(")|$',
          endCaptures: { 1: { name: 'punctuation.definition.string.end.writ' } },
          patterns: [
            { name: 'constant.character.escape.writ', match: '\\\\(?:[ntr\\\\"0]|u\\{[0-9A-Fa-f]{1,6}\\})' },
            { name: 'invalid.illegal.escape.writ', match: '\\\\.' },
          ],
        },
      ],
    },
    'change-block': {
      // `change { touches "a.rs", "b.rs" author "dev1" emergency }` in a test:
      // the words are field names.
      begin: '\\b(change)\\s*(\\{)',
      beginCaptures: {
        1: { name: 'keyword.control.writ' },
        2: { name: 'punctuation.section.block.begin.writ' },
      },
      end: '\\}',
      endCaptures: { 0: { name: 'punctuation.section.block.end.writ' } },
      name: 'meta.change.writ',
      patterns: [
        { include: '#comments' },
        { include: '#strings' },
        { include: '#literals' },
        { name: 'keyword.other.writ', match: '\\bemergency\\b' },
        { name: 'constant.language.boolean.writ', match: words(['true', 'false']) },
        { name: 'keyword.operator.arrow.writ', match: '->' },
        { name: 'punctuation.separator.comma.writ', match: ',' },
        { name: 'variable.other.property.writ', match: `\\b${ID}\\b` },
        { include: '#invalid' },
      ],
    },
    literals: {
      patterns: [
        {
          name: 'constant.other.date.writ',
          match: '\\b[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2})?(?:Z|[+-][0-9]{2}:[0-9]{2})',
        },
        { name: 'constant.other.date.writ', match: '\\b[0-9]{4}-[0-9]{2}-[0-9]{2}\\b' },
        { name: 'constant.other.duration.writ', match: '\\b[0-9]+[smhdw]\\b' },
        // The lexer rejects a number glued to a word (`12x`, `3days`).
        { name: 'invalid.illegal.numeric.writ', match: '\\b[0-9]+[A-Za-z_][A-Za-z0-9_]*' },
        { name: 'constant.numeric.integer.writ', match: '\\b[0-9]+\\b' },
      ],
    },
    declarations: {
      patterns: [
        {
          // References, not definitions: `unless emergency NAME`.
          match: '\\b(unless)\\s+(emergency)\\b',
          captures: { 1: { name: 'keyword.control.writ' }, 2: { name: 'keyword.other.clause.writ' } },
        },
        {
          // References: `require approval NAME`, `given approval NAME`, `requires approval NAME`.
          match: '\\b(require|given)\\s+(approval|check)\\b',
          captures: { 1: { name: 'keyword.control.writ' }, 2: { name: 'keyword.other.clause.writ' } },
        },
        {
          match: '\\b(requires)\\s+(approval|check)\\b',
          captures: { 1: { name: 'keyword.other.clause.writ' }, 2: { name: 'keyword.other.clause.writ' } },
        },
        {
          // `expect decision allow|deny|pending`
          match: `\\b(expect)\\s+(decision)\\s+(${ID})\\b`,
          captures: {
            1: { name: 'keyword.control.writ' },
            2: { name: 'keyword.other.clause.writ' },
            3: { name: 'constant.language.decision.writ' },
          },
        },
        {
          // `approval NAME(param, …) { … }`
          begin: `\\b(approval)\\s+(${ID})\\s*(\\()`,
          beginCaptures: {
            1: { name: 'keyword.other.writ' },
            2: { name: 'entity.name.function.writ' },
            3: { name: 'punctuation.section.parens.begin.writ' },
          },
          end: '\\)',
          endCaptures: { 0: { name: 'punctuation.section.parens.end.writ' } },
          name: 'meta.parameters.writ',
          patterns: [
            { include: '#comments' },
            { name: 'punctuation.separator.comma.writ', match: ',' },
            { name: 'variable.parameter.writ', match: `\\b${ID}\\b` },
          ],
        },
        {
          match: `\\b(rule|approval|forbid|emergency|assert)\\s+(${ID})\\b`,
          captures: { 1: { name: 'keyword.other.writ' }, 2: { name: 'entity.name.function.writ' } },
        },
        {
          match: `\\b(let)\\s+(${ID})\\b`,
          captures: { 1: { name: 'keyword.other.writ' }, 2: { name: 'variable.other.constant.writ' } },
        },
        {
          match: `\\b(for)\\s+(${ID})\\s+(in)\\b`,
          captures: {
            1: { name: 'keyword.control.writ' },
            2: { name: 'variable.other.writ' },
            3: { name: 'keyword.control.writ' },
          },
        },
        {
          // `use std::approvals::…`: the module path.
          match: `\\b(${ID})\\s*(::)`,
          captures: {
            1: { name: 'entity.name.namespace.writ' },
            2: { name: 'punctuation.separator.namespace.writ' },
          },
        },
      ],
    },
    keywords: {
      patterns: Object.entries(keywordClasses).map(([name, list]) => ({ name, match: words(list) })),
    },
    'calls-and-fields': {
      patterns: [
        { name: 'keyword.operator.range.writ', match: '\\.\\.' },
        {
          // `change.reaches(…)`, `change.touches(…)`
          match: `(\\.)\\s*(${ID})(?=\\s*\\()`,
          captures: { 1: { name: 'punctuation.accessor.writ' }, 2: { name: 'support.function.writ' } },
        },
        {
          // `change.author`
          match: `(\\.)\\s*(${ID})`,
          captures: { 1: { name: 'punctuation.accessor.writ' }, 2: { name: 'variable.other.property.writ' } },
        },
        {
          // `owners(svc)`, `require approval chain(x)`
          match: `\\b(${ID})(?=\\s*\\()`,
          captures: { 1: { name: 'support.function.writ' } },
        },
      ],
    },
    operators: {
      patterns: [
        { name: 'keyword.operator.arrow.writ', match: '->' },
        { name: 'keyword.operator.comparison.writ', match: '==|!=|<=|>=|<|>' },
        { name: 'keyword.operator.assignment.writ', match: '=' },
        { name: 'keyword.operator.pipe.writ', match: '\\|' },
        { name: 'keyword.operator.glob.writ', match: '\\*' },
        { name: 'punctuation.separator.namespace.writ', match: '::' },
      ],
    },
    punctuation: {
      patterns: [
        { name: 'punctuation.section.block.begin.writ', match: '\\{' },
        { name: 'punctuation.section.block.end.writ', match: '\\}' },
        { name: 'punctuation.section.parens.begin.writ', match: '\\(' },
        { name: 'punctuation.section.parens.end.writ', match: '\\)' },
        { name: 'punctuation.section.brackets.begin.writ', match: '\\[' },
        { name: 'punctuation.section.brackets.end.writ', match: '\\]' },
        { name: 'punctuation.separator.comma.writ', match: ',' },
        { name: 'punctuation.accessor.writ', match: '\\.' },
      ],
    },
    identifiers: {
      patterns: [{ name: 'variable.other.writ', match: `\\b${ID}\\b` }],
    },
    invalid: {
      // Characters the lexer rejects (and a lone `!`, `:` or `-`).
      patterns: [{ name: 'invalid.illegal.character.writ', match: '[^\\sA-Za-z0-9_{}()\\[\\],.*=<>|"/]|!(?!=)|:(?!:)|-(?!>)|/(?!/)' }],
    },
  },
};

const text = JSON.stringify(grammar, null, 2) + '\n';
const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (!isMain) {
  // Imported (by check-sync.mjs): export only.
} else if (process.argv.includes('--check')) {
  const current = readFileSync(out, 'utf8');
  if (current !== text) {
    console.error(`${out} is stale: run \`node scripts/gen-grammar.mjs\` in editors/vscode`);
    process.exit(1);
  }
  console.log('grammar is up to date');
} else {
  writeFileSync(out, text);
  console.log(`wrote ${out}`);
}
