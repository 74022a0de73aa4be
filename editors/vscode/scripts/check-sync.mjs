#!/usr/bin/env node
// Keeps the editor support in step with the language. Checks that:
//  1. the TextMate grammar's keyword classes hold exactly the lexer's KEYWORDS
//     (compiler/syntax/src/lexer.rs), each keyword in one class;
//  2. every keyword appears in the Neovim syntax file;
//  and, with --writ BIN (the writ binary):
//  3. every snippet, expanded with its default text, is valid writ syntax;
//  4. every grammar test file but invalid*.writ is valid writ syntax.
// "Valid syntax" means `writ check` reports no E01xx (lexical) or E02xx (syntax)
// diagnostic: names and types are not checked, the test files need no graph.
// Prints one line per check and `check-sync: N passed, M failed`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { keywordClasses } from './gen-grammar.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const vscodeDir = join(here, '..');
const repo = join(vscodeDir, '..', '..');
const writIndex = process.argv.indexOf('--writ');
const writ = writIndex > 0 ? process.argv[writIndex + 1] : undefined;

let passed = 0;
let failed = 0;
function report(name, problems) {
  if (problems.length === 0) {
    passed++;
    console.log(`ok   ${name}`);
  } else {
    failed++;
    console.log(`FAIL ${name}`);
    for (const p of problems) console.log(`     ${p}`);
  }
}

// 1. Lexer keywords vs grammar classes.
const lexer = readFileSync(join(repo, 'compiler/syntax/src/lexer.rs'), 'utf8');
const table = /pub const KEYWORDS[^=]*=\s*&\[([\s\S]*?)\];/.exec(lexer);
const lexerKeywords = table ? [...table[1].matchAll(/\("([a-z_]+)",/g)].map((m) => m[1]) : [];
{
  const problems = [];
  if (lexerKeywords.length === 0) problems.push('could not read KEYWORDS from compiler/syntax/src/lexer.rs');
  const seen = new Map();
  for (const [cls, words] of Object.entries(keywordClasses)) {
    for (const w of words) {
      if (seen.has(w)) problems.push(`\`${w}\` is in both ${seen.get(w)} and ${cls}`);
      seen.set(w, cls);
    }
  }
  for (const k of lexerKeywords) if (!seen.has(k)) problems.push(`lexer keyword \`${k}\` has no scope in scripts/gen-grammar.mjs`);
  for (const k of seen.keys()) if (!lexerKeywords.includes(k)) problems.push(`\`${k}\` is scoped as a keyword but is not in the lexer's KEYWORDS`);
  report(`grammar covers the lexer's ${lexerKeywords.length} keywords`, problems);
}

// 2. Neovim syntax file.
{
  const vim = readFileSync(join(repo, 'editors/nvim/syntax/writ.vim'), 'utf8')
    .split('\n')
    .filter((l) => /^\s*syn\s/.test(l))
    .join('\n');
  const missing = lexerKeywords.filter((k) => !new RegExp(`(^|[^A-Za-z0-9_])${k}([^A-Za-z0-9_]|$)`, 'm').test(vim));
  report('nvim syntax covers the keywords', missing.map((k) => `\`${k}\` is not in editors/nvim/syntax/writ.vim`));
}

function syntaxErrors(file) {
  let out;
  try {
    out = execFileSync(writ, ['check', '--format', 'json', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    if (err.status !== 1) throw err;
    out = err.stdout;
  }
  return JSON.parse(out).diagnostics.filter((d) => /^E0[12]\d\d$/.test(d.code));
}

/** A snippet body with every placeholder replaced by its default text. */
export function expandSnippet(body) {
  let text = body.join('\n').replace(/\t/g, '  ');
  let prev;
  do {
    prev = text;
    text = text
      .replace(/\$\{\d+\|([^,|]*)[^|]*\|\}/g, '$1') // ${1|a,b|} -> a
      .replace(/\$\{\d+:((?:[^$}\\]|\\.)*)\}/g, '$1') // innermost ${1:text}
      .replace(/\$\{\d+\}|\$\d+/g, ''); // $0, ${1}
  } while (text !== prev);
  return text.replace(/\\([$}\\])/g, '$1');
}

if (writ) {
  const tmp = mkdtempSync(join(tmpdir(), 'writ-check-sync-'));
  try {
    // 3. Snippets.
    const snippets = JSON.parse(readFileSync(join(vscodeDir, 'snippets/writ.json'), 'utf8'));
    const problems = [];
    for (const [name, s] of Object.entries(snippets)) {
      let text = expandSnippet(s.body);
      // Clause snippets go inside a rule.
      if (/^(require|for) /.test(text)) text = `rule snippet {\n  ${text}\n}\n`;
      const file = join(tmp, 'snippet.writ');
      writeFileSync(file, text + '\n');
      for (const d of syntaxErrors(file)) {
        problems.push(`snippet "${name}": ${d.code} ${d.message} at ${d.line}:${d.column} in:\n${text}`);
      }
    }
    report(`${Object.keys(snippets).length} snippets expand to valid writ`, problems);

    // 4. Grammar test files.
    const dir = join(vscodeDir, 'test/grammar');
    const files = readdirSync(dir).filter((f) => f.endsWith('.writ') && !f.startsWith('invalid'));
    const fileProblems = [];
    for (const f of files) {
      for (const d of syntaxErrors(join(dir, f))) {
        fileProblems.push(`${basename(f)}:${d.line}:${d.column}: ${d.code} ${d.message}`);
      }
    }
    report(`${files.length} grammar test files are valid writ`, fileProblems);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

console.log(`check-sync: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
