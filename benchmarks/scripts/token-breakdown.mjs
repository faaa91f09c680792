#!/usr/bin/env node
// Where a benchmark run's tokens go, prompt part by prompt part (issue 18). Reads the reference
// model's dump (RED_EXEC_REF_DUMP=FILE npm run bench:polyglot) and prints, per stage and in total,
// the tokens of each part of the prompts (split at their upper-case labels) and of the answers.
//
//   node benchmarks/scripts/token-breakdown.mjs FILE [--only a,b,c] [--calls]
//
// Tokens are counted as the reference model counts them (gpt-tokenizer, plus its 4 tokens of
// framing per message and 3 per request, booked as "framing").

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { encode } = require('gpt-tokenizer');

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { only: { type: 'string' }, calls: { type: 'boolean', default: false } },
});
if (positionals.length !== 1) {
  process.stderr.write('usage: token-breakdown.mjs DUMP.jsonl [--only item,item] [--calls]\n');
  process.exit(2);
}
const only = values.only ? new Set(values.only.split(',')) : null;
const records = readFileSync(positionals[0], 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l))
  .filter((r) => !only || only.has(r.solution));

// A part starts at a line that is an upper-case label (`TASK:`, `READ-ONLY FILE a.js:`,
// `YOU WRITE: a.js (...)`), or at the closing instruction; its name is the label without paths.
const LABEL = /^([A-Z][A-Z0-9 ,'()/-]{2,}?)(?::|$| [a-z0-9_./#-]*[./][a-z0-9_./-]+| \(| #)/;
function parts(role, text) {
  const out = [];
  let name = role === 'system' ? 'system text' : 'block line';
  let body = '';
  let fenced = false;
  for (const line of text.split('\n')) {
    if (/^`{3,}/.test(line)) fenced = fenced ? !/^`{3,}\s*$/.test(line) : true;
    const m = !fenced && LABEL.exec(line);
    const start = m ? m[1].trim() : !fenced && /^Answer with /.test(line) ? 'closing instruction' : null;
    if (start && !line.startsWith('@@red-exec')) {
      out.push([name, body]);
      name = start;
      body = '';
    }
    body += `${line}\n`;
  }
  out.push([name, body]);
  return out.map(([n, b]) => [`${role}: ${n}`, b]);
}

const table = new Map(); // stage -> part -> tokens
const add = (stage, part, n) => {
  if (!table.has(stage)) table.set(stage, new Map());
  const t = table.get(stage);
  t.set(part, (t.get(part) ?? 0) + n);
};
let total = 0;
for (const r of records) {
  const stage = r.block?.stage ?? '?';
  add(stage, 'calls', 1);
  let counted = 3;
  for (const m of r.messages) {
    counted += 4;
    for (const [part, body] of parts(m.role, String(m.content))) {
      const n = encode(body).length;
      counted += n;
      add(stage, part, n);
    }
  }
  // The reference model counts each message whole; the split can differ by a token at a cut.
  add(stage, 'framing and cuts', r.usage.prompt_tokens - counted + 3 + 4 * r.messages.length);
  add(stage, 'answer', r.usage.completion_tokens);
  total += r.usage.total_tokens;
  if (values.calls) {
    process.stdout.write(`${r.solution} ${stage} ${r.block?.path ?? ''}: prompt ${r.usage.prompt_tokens}, answer ${r.usage.completion_tokens}\n`);
  }
}
for (const [stage, t] of table) {
  const calls = t.get('calls');
  t.delete('calls');
  const sum = [...t.values()].reduce((a, b) => a + b, 0);
  process.stdout.write(`\n${stage}: ${calls} calls, ${sum} tokens\n`);
  for (const [part, n] of [...t].sort((a, b) => b[1] - a[1])) {
    process.stdout.write(`  ${String(n).padStart(7)}  ${((100 * n) / sum).toFixed(1).padStart(5)} %  ${part}\n`);
  }
}
process.stdout.write(`\ntotal: ${records.length} calls, ${total} tokens\n`);
