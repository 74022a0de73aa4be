#!/usr/bin/env node
// Prints the TextMate tokens of a .writ file, line by line: a debugging aid for
// writing the annotated tests in test/grammar/.  node scripts/dump-tokens.mjs FILE
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');
const here = dirname(fileURLToPath(import.meta.url));

const wasm = readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm')).buffer;
await oniguruma.loadWASM(wasm);
const registry = new vsctm.Registry({
  onigLib: Promise.resolve({
    createOnigScanner: (p) => new oniguruma.OnigScanner(p),
    createOnigString: (s) => new oniguruma.OnigString(s),
  }),
  loadGrammar: async () =>
    vsctm.parseRawGrammar(readFileSync(join(here, '..', 'syntaxes', 'writ.tmLanguage.json'), 'utf8'), 'writ.tmLanguage.json'),
});
const grammar = await registry.loadGrammar('source.writ');
let state = vsctm.INITIAL;
for (const line of readFileSync(process.argv[2], 'utf8').split('\n')) {
  const r = grammar.tokenizeLine(line, state);
  console.log(line);
  for (const t of r.tokens) {
    const text = line.slice(t.startIndex, t.endIndex);
    if (text.trim() === '') continue;
    console.log(`  ${String(t.startIndex).padStart(3)} ${JSON.stringify(text).padEnd(24)} ${t.scopes.slice(1).join(' ')}`);
  }
  state = r.ruleStack;
}
