// The reference model's parts: reading prompts, deriving plans, seeded chaos, and the server.

import test from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import fs from 'node:fs';

const require = createRequire(import.meta.url);
const answers = require('../../benchmarks/reference-model/answers.js');
const chaos = require('../../benchmarks/reference-model/chaos.js');
const { createReferenceServer } = require('../../benchmarks/reference-model/server.js');
const { encode } = require('gpt-tokenizer');
const { syntaxErrors, sourceFacts } = await import('../../benchmarks/lib/source-facts.mjs');

const FIXTURE = fileURLToPath(new URL('../../benchmarks/multifile/tool-consolidation', import.meta.url));

const planPrompt = [
  { role: 'system', content: 'plan' },
  {
    role: 'user',
    content:
      '@@red-exec {"stage":"L1","path":null,"action":null}\n\nTASK:\nx\n\nFILES IN SCOPE:\n' +
      '- src/tools/csv-export.js (exists, 16 lines, CommonJS); exports: exportCsv\n' +
      '- src/tools/tsv-export.js (exists, 14 lines, CommonJS)\n' +
      '- src/tools/delimited-export.js (does not exist)\n' +
      '- src/tools/index.js (exists, 18 lines, CommonJS)\n\nANSWER FORMAT (JSON only):\n',
  },
];

test('the L1 block and the files in scope are read from the prompt', () => {
  assert.deepEqual(answers.readBlock(planPrompt), { stage: 'L1', path: null, action: null });
  assert.deepEqual(answers.scopeOfPlanPrompt(planPrompt[1].content), [
    { path: 'src/tools/csv-export.js', exists: true, exports: ['exportCsv'] },
    { path: 'src/tools/tsv-export.js', exists: true, exports: [] },
    { path: 'src/tools/delimited-export.js', exists: false, exports: [] },
    { path: 'src/tools/index.js', exists: true, exports: [] },
  ]);
  assert.equal(answers.taskOfPlanPrompt(planPrompt[1].content), 'x');
});

test('the plan is derived from workspace vs solution, and .plan.json overrides it', () => {
  const solution = answers.loadSolution(path.join(FIXTURE, 'solution'));
  const plan = answers.planFor(answers.scopeOfPlanPrompt(planPrompt[1].content), solution);
  assert.deepEqual(plan.actions.map((a) => [a.path, a.action]), [
    ['src/tools/csv-export.js', 'DELETE'],
    ['src/tools/tsv-export.js', 'DELETE'],
    ['src/tools/delimited-export.js', 'CREATE'],
    ['src/tools/index.js', 'MODIFY'],
  ]);
  const split = answers.loadSolution(fileURLToPath(new URL('../../benchmarks/multifile/module-split/solution', import.meta.url)));
  assert.equal(split.files.has('.plan.json'), false);
  assert.equal(answers.planFor([], split).actions[0].action, 'EXTRACT');
});

test('the plan answers what the L1 prompt asks: exports per script from the solution, dropExports the task names, intents from the task', () => {
  const retire = fileURLToPath(new URL('../../benchmarks/multifile/formatter-retire', import.meta.url));
  const task = fs.readFileSync(path.join(retire, 'TASK.md'), 'utf8');
  const prompt =
    `@@red-exec {"stage":"L1","path":null,"action":null}\n\nTASK:\n${task.trim()}\n\nFILES IN SCOPE:\n` +
    '- src/formatters/ini.js (exists, 17 lines, CommonJS); exports: formatIni; declares: formatIni\n' +
    '- src/formatters/xml.js (exists, 13 lines, CommonJS); exports: formatXml; declares: escapeXml, formatXml\n' +
    '- src/formatters/index.js (exists, 25 lines, CommonJS); exports: format, formats, formatJson, formatCsv, formatIni, formatXml; declares: FORMATTERS, format, formats\n' +
    '- src/formatters/yaml.js (does not exist)\n\nANSWER FORMAT (JSON only):\n';
  assert.equal(answers.taskOfPlanPrompt(prompt), task.trim());
  const solution = answers.loadSolution(path.join(retire, 'solution'));
  solution.files.set('src/formatters/yaml.js', "'use strict';\nmodule.exports = { formatYaml: () => '' };\n");
  const plan = answers.planFor(answers.scopeOfPlanPrompt(prompt), solution, answers.taskOfPlanPrompt(prompt));
  assert.deepEqual(plan.actions, [
    { path: 'src/formatters/ini.js', action: 'DELETE', intent: 'Delete src/formatters/ini.js and src/formatters/xml.js.' },
    { path: 'src/formatters/xml.js', action: 'DELETE', intent: 'Delete src/formatters/ini.js and src/formatters/xml.js.' },
    {
      path: 'src/formatters/index.js',
      action: 'MODIFY',
      intent: 'Remove formatIni and formatXml from src/formatters/index.js: their imports, their entries in FORMATTERS and their exports.',
      exports: ['format', 'formats', 'formatJson', 'formatCsv'],
      dropExports: ['formatIni', 'formatXml'],
    },
    { path: 'src/formatters/yaml.js', action: 'CREATE', intent: 'Create src/formatters/yaml.js as the task describes.', exports: ['formatYaml'] },
  ]);
  // An export the solution lacks but the task does not name is not dropped (the core would refuse it).
  const quiet = answers.planFor(answers.scopeOfPlanPrompt(prompt), solution, 'Tidy up.');
  assert.equal(quiet.actions[2].dropExports, undefined);
});

test('an L3 answer is the solution file; a file the solution lacks comes back unchanged', () => {
  const solution = { files: new Map([['a.js', 'const a = 1;\n']]), planOverride: null };
  assert.equal(answers.unitCode({ stage: 'L3', path: 'a.js', section: null }, [], solution).code, 'const a = 1;\n');
  const prompt = [{ role: 'user', content: 'x\nCURRENT CONTENT OF b.js:\n```js\nlet b;\n```\n\nAnswer with' }];
  assert.deepEqual(answers.unitCode({ stage: 'L3', path: 'b.js', section: null }, prompt, solution), { code: 'let b;\n', source: 'unchanged' });
});

test('content holding a code fence: read back whole from the prompt, answered in a longer fence; a unit spanning sections is read too', () => {
  const solution = { files: new Map(), planOverride: null };
  const doc = '/**\n * ```js\n * add(1, 2)\n * ```\n */\nfunction add(a, b) {\n  return a + b;\n}\n';
  const prompt = [{ role: 'user', content: `x\nCURRENT CONTENT OF add.js:\n\`\`\`\`js\n${doc}\`\`\`\`\n\nAnswer with` }];
  assert.deepEqual(answers.unitCode({ stage: 'L3', path: 'add.js', section: null }, prompt, solution), { code: doc, source: 'unchanged' });
  assert.equal(answers.fence(doc, 'js'), `\`\`\`\`js\n${doc}\`\`\`\`\n`);
  const chunk = [{ role: 'user', content: 'x\nSECTIONS #1 TO #3 (a ... c) OF big.js:\n```js\nlet a, b, c;\n```\n' }];
  const block = { stage: 'L3', path: 'big.js', section: { index: 1, last: 3, label: 'a ... c' } };
  assert.deepEqual(answers.unitCode(block, chunk, solution), { code: 'let a, b, c;\n', source: 'section-unchanged' });
});

test('chaos is seeded: same seed, same draws; rate 0 never, rate 1 always', () => {
  const draw = (seed, rate) => {
    const c = chaos.createChaos({ rate, seed });
    return Array.from({ length: 40 }, () => c.decide({ stage: 'L3', module: 'cjs' }));
  };
  assert.deepEqual(draw(7, 0.3), draw(7, 0.3));
  assert.notDeepEqual(draw(7, 0.3), draw(8, 0.3));
  assert.ok(draw(7, 0).every((k) => k === null));
  assert.ok(draw(7, 1).every((k) => k !== null));
  const share = draw(3, 0.3).filter(Boolean).length / 40;
  assert.ok(share > 0.1 && share < 0.5, `share ${share}`);
  assert.ok(!chaos.kindsFor({ stage: 'L3', module: 'esm' }).includes('esm_in_cjs'));
  assert.ok(chaos.kindsFor({ stage: 'L1' }).includes('plan_malformed'));
});

const cjs = "'use strict';\nconst fs = require('fs');\n\nfunction a() {\n  return 1;\n}\n\nfunction b() {\n  return a() + 1;\n}\n\nmodule.exports = { a, b };\n";

test('each code corruption is the defect it names', () => {
  const esm = chaos.esmInCjs(cjs);
  assert.match(esm, /^import fs from 'fs';$/m);
  assert.match(esm, /^export \{ a, b \};$/m);
  assert.ok(syntaxErrors('x.js', chaos.withBacktick(cjs)).length > 0, 'an unescaped backtick breaks the syntax');
  assert.deepEqual(sourceFacts('x.js', chaos.exportDropped(cjs)).exports, ['a']);
  const deleted = chaos.functionDeleted(cjs, () => 0);
  assert.deepEqual(sourceFacts('x.js', deleted).declarations, ['fs', 'b']);
  const fence = (c) => answers.fence(c, 'js');
  const cut = chaos.corruptCode('truncated', cjs, { fence, random: () => 0.5, path: 'x.js' });
  assert.ok(cut.text.startsWith('```js\n') && !cut.text.trimEnd().endsWith('```'));
  const prose = chaos.corruptCode('prose_fences', cjs, { fence, random: () => 0.5, path: 'x.js' });
  assert.match(prose.text, /^Sure! Here is/);
  assert.ok(prose.text.includes(fence(cjs)));
});

test('plan corruptions: malformed JSON, and a path out of scope', () => {
  const plan = { actions: [{ path: 'src/a.js', action: 'MODIFY', intent: 'x' }] };
  const bad = chaos.malformedPlan(plan);
  const body = bad.slice(bad.indexOf('{'), bad.lastIndexOf('}') + 1);
  assert.throws(() => JSON.parse(body));
  assert.deepEqual(JSON.parse(chaos.outOfScopePlan(plan)).actions.map((a) => a.path), ['src/a.js', 'src/shared-helpers.js']);
});

test('the server answers in OpenAI format with BPE token counts, and chaos 1 can refuse', async (t) => {
  const { server } = createReferenceServer({ solutionDir: path.join(FIXTURE, 'solution') });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const url = `http://127.0.0.1:${server.address().port}/v1`;
  const res = await fetch(`${url}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm', messages: planPrompt }) });
  assert.equal(res.status, 200);
  const body = await res.json();
  const text = body.choices[0].message.content;
  assert.equal(JSON.parse(text).actions.length, 4);
  assert.equal(body.usage.completion_tokens, encode(text).length);
  assert.equal(body.usage.prompt_tokens, 3 + planPrompt.reduce((n, m) => n + encode(m.content).length + 4, 0));

  const { server: noisy } = createReferenceServer({ solutionDir: path.join(FIXTURE, 'solution'), rate: 1, seed: 4 });
  await new Promise((r) => noisy.listen(0, '127.0.0.1', r));
  t.after(() => noisy.close());
  const noisyUrl = `http://127.0.0.1:${noisy.address().port}/v1`;
  const statuses = [];
  for (let i = 0; i < 12; i++) {
    const r = await fetch(`${noisyUrl}/chat/completions`, { method: 'POST', body: JSON.stringify({ messages: planPrompt }), signal: AbortSignal.timeout(500) }).catch(() => null);
    statuses.push(r ? r.status : 'stalled');
    if (r) await r.text();
  }
  const stats = await (await fetch(`${noisyUrl}/stats`)).json();
  assert.equal(stats.requests, 12);
  assert.equal(Object.values(stats.chaos).reduce((a, b) => a + b, 0), 12, 'every answer went wrong');
  assert.ok(statuses.some((s) => s === 429 || s === 500), `statuses ${statuses}`);
});
