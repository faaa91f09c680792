// The gate's rules seen from the CLI: what the project's toolchain runs passes, what cannot run
// (or cannot even be read) is blocked and never reaches disk.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useModelServer, makeWorkspace, runCli, fenced, planJson } from '../support/cli.mjs';

const server = useModelServer();

const read = (ws, rel) => fs.readFileSync(path.join(ws, rel), 'utf8');

/** Answer the plan, then each file by the path its prompt names. */
function script(actions, byPath) {
  server.answer(planJson(actions));
  for (let i = 0; i < actions.length; i++) {
    const lang = (file) => (file.endsWith('.xml') ? 'xml' : 'js');
    server.dynamic((req) => ({ type: 'answer', content: fenced(byPath[req.marker.path], lang(req.marker.path)), usage: { prompt: 100, completion: 50 } }));
  }
}

async function run(ws, task, files, extra = []) {
  const r = await runCli([task, '--files', files, '--base-url', server.baseUrl, '--max-retries', '0', '--json', ...extra], { cwd: ws });
  return { ...r, result: JSON.parse(r.stdout) };
}

const violations = (result) => result.files.flatMap((f) => f.violations.map((v) => [f.path, v.rule]));

// An Exercism exercise: ES-module stub and spec, package.json without "type", Jest through Babel.
const TRIO = `import { COLORS } from './colors';

export class ResistorColorTrio {
  constructor(colors) {
    this.colors = colors;
  }

  get label() {
    const [a, b, zeros] = this.colors.map((c) => COLORS.indexOf(c));
    return \`Resistor value: \${(a * 10 + b) * 10 ** zeros} ohms\`;
  }
}
`;
// The helper in CommonJS, the form plain Node runs; Babel's import of it works too.
const COLORS = `const COLORS = ['black', 'brown', 'red', 'orange', 'yellow', 'green', 'blue', 'violet', 'grey', 'white'];

module.exports = { COLORS };
`;
const TRIO_PLAN = [
  { path: 'colors.js', action: 'CREATE', intent: 'the color table' },
  { path: 'resistor-color-trio.js', action: 'MODIFY', intent: 'implement label' },
];
const TRIO_TASK = 'Implement ResistorColorTrio so that resistor-color-trio.spec.js passes; keep the color table in colors.js';

test('an Exercism exercise under Babel: the ESM answer and a CommonJS helper are both written', async () => {
  const ws = makeWorkspace('exercism-trio');
  script(TRIO_PLAN, { 'colors.js': COLORS, 'resistor-color-trio.js': TRIO });
  const { code, stderr, result } = await run(ws, TRIO_TASK, 'resistor-color-trio.js,colors.js');
  assert.equal(code, 0, stderr);
  assert.equal(result.status, 'OK');
  assert.deepEqual(violations(result), []);
  assert.equal(read(ws, 'resistor-color-trio.js'), TRIO);
  assert.equal(read(ws, 'colors.js'), COLORS);
});

test('the same exercise without a Babel config: plain Node rules, the mixed answer is blocked', async () => {
  const ws = makeWorkspace('exercism-trio');
  fs.rmSync(path.join(ws, 'babel.config.js'));
  script(TRIO_PLAN, { 'colors.js': COLORS, 'resistor-color-trio.js': TRIO });
  const { code, result } = await run(ws, TRIO_TASK, 'resistor-color-trio.js,colors.js');
  assert.notEqual(code, 0);
  assert.deepEqual(violations(result), [['colors.js', 'module_format']]);
  assert.equal(fs.existsSync(path.join(ws, 'colors.js')), false);
});

test('an XML manifest with JavaScript appended is blocked by the syntax rule', async () => {
  const ws = makeWorkspace('exercism-trio');
  const manifest = '<?xml version="1.0" encoding="utf-8"?>\n<manifest package="com.example.trio">\n  <uses-permission name="INTERNET"/>\n</manifest>\n';
  fs.writeFileSync(path.join(ws, 'AndroidManifest.xml'), manifest);
  const broken = `${manifest.replace('INTERNET', 'CAMERA')}\nfunction requestCamera() {\n  return true;\n}\n`;
  script([{ path: 'AndroidManifest.xml', action: 'MODIFY', intent: 'ask for the camera' }], { 'AndroidManifest.xml': broken });
  const { code, result } = await run(ws, 'Ask for the CAMERA permission instead of INTERNET', 'AndroidManifest.xml');
  assert.notEqual(code, 0);
  assert.deepEqual(violations(result), [['AndroidManifest.xml', 'syntax']]);
  assert.match(result.files[0].violations[0].message, /^AndroidManifest\.xml: invalid XML: .*line 6/);
  assert.equal(read(ws, 'AndroidManifest.xml'), manifest);
});

test('the spec pasted above the class (an early error) and a deleted helper still called are blocked', async () => {
  const ws = makeWorkspace('exercism-trio');
  const stub = read(ws, 'resistor-color-trio.js');
  const pasted = `import { ResistorColorTrio } from './resistor-color-trio';\n\n${TRIO.replace("import { COLORS } from './colors';\n\n", 'const COLORS = [];\n')}`;
  script([{ path: 'resistor-color-trio.js', action: 'MODIFY', intent: 'implement label' }], { 'resistor-color-trio.js': pasted });
  let { code, result } = await run(ws, 'Implement ResistorColorTrio', 'resistor-color-trio.js');
  assert.notEqual(code, 0);
  assert.deepEqual(violations(result), [['resistor-color-trio.js', 'syntax']]);
  assert.match(result.files[0].violations[0].message, /Identifier `ResistorColorTrio` has already been declared \(line 4, column 14\)/);
  assert.equal(read(ws, 'resistor-color-trio.js'), stub);

  const withHelper = "function digit(color) {\n  return ['black', 'brown'].indexOf(color);\n}\n\nexport const value = (colors) => digit(colors[0]) * 10 + digit(colors[1]);\n";
  fs.writeFileSync(path.join(ws, 'resistor-color-trio.js'), withHelper);
  const dropped = 'export const value = (colors) => digit(colors[0]) * 10 + digit(colors[1]);\n';
  script([{ path: 'resistor-color-trio.js', action: 'MODIFY', intent: 'tidy' }], { 'resistor-color-trio.js': dropped });
  ({ code, result } = await run(ws, 'Tidy value()', 'resistor-color-trio.js'));
  assert.notEqual(code, 0);
  assert.deepEqual(violations(result), [['resistor-color-trio.js', 'references_declared']]);
  assert.equal(result.files[0].violations[0].message, 'resistor-color-trio.js: still uses name(s) it no longer declares: digit');
  assert.equal(read(ws, 'resistor-color-trio.js'), withHelper);
});
