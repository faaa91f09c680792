// --init-skill, and what --skill, --read and --context-budget hand to the core.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useModelServer, makeWorkspace, makeTempDir, runCli, snapshot, lastRunLog, fenced, planJson, LOG_DIR } from '../support/cli.mjs';
import { SERVER_WITH_HEALTH } from '../support/answers.mjs';

const server = useModelServer();

const read = (ws, rel) => fs.readFileSync(path.join(ws, rel), 'utf8');

/** The bullet lines under "## Code style". */
function styleLines(markdown) {
  return markdown.split('## Code style\n\n')[1].split('\n\n')[0].split('\n');
}

test('--init-skill writes .red-exec-skill.md from the sources and package.json, skipping node_modules', async () => {
  const ws = makeWorkspace();
  // Tabs and double quotes everywhere in node_modules: they must not count.
  const dep = path.join(ws, 'node_modules', 'dep');
  fs.mkdirSync(dep, { recursive: true });
  fs.writeFileSync(path.join(dep, 'index.js'), `${'function f() {\n\treturn "x"\n}\n'.repeat(40)}`);

  const r = await runCli(['--init-skill'], { cwd: ws });

  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'wrote .red-exec-skill.md from 2 source file(s) and package.json; check it, then pass it with --skill .red-exec-skill.md\n');
  const text = read(ws, '.red-exec-skill.md');
  assert.ok(text.startsWith('# Project conventions\n\n<!-- Written by `red-exec --init-skill` from 2 source file(s) (2 parsed) and package.json.'));
  assert.deepEqual(styleLines(text), [
    '- Module format: CommonJS: `require()` and `module.exports`, never `import`/`export` (package.json "type": "commonjs").',
    '- Indentation: 2 spaces per level (5 of 5 indentation steps).',
    "- Strings: single quotes ('text'), other quotes only to avoid escaping (100% of 11 string literals).",
    '- Semicolons: end every statement with one (100% of 14 statements).',
  ]);
  assert.match(text, /\n## Banned identifiers\n/);
  assert.equal(fs.existsSync(path.join(ws, LOG_DIR)), false, 'no run, no log');

  // A second time it refuses to overwrite, unless --force.
  fs.writeFileSync(path.join(ws, '.red-exec-skill.md'), 'edited by hand\n');
  const again = await runCli(['--init-skill'], { cwd: ws });
  assert.equal(again.code, 2);
  assert.equal(again.stderr, 'red-exec: .red-exec-skill.md already exists; pass --force to overwrite it (see red-exec --help)\n');
  assert.equal(read(ws, '.red-exec-skill.md'), 'edited by hand\n');
  const forced = await runCli(['--init-skill', '--force'], { cwd: ws });
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal(read(ws, '.red-exec-skill.md'), text);
});

test('--init-skill --workspace --out, an ESM project with node:test, and the 200-file cap', async () => {
  const project = makeTempDir();
  const elsewhere = makeTempDir();
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ type: 'module', scripts: { test: 'node --test' } }));
  fs.mkdirSync(path.join(project, 'lib'));
  for (let i = 0; i < 205; i++) {
    const name = `m${String(i).padStart(3, '0')}.js`;
    fs.writeFileSync(path.join(project, 'lib', name), `export function f${i}(a) {\n    return a ? "yes" : "no"\n}\n`);
  }

  const r = await runCli(['--init-skill', '--workspace', project, '--out', 'conventions/skill.md'], { cwd: elsewhere });

  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    'wrote conventions/skill.md from 200 source file(s) and package.json (5 more skipped: over the 200-file / 2 MB cap, or not UTF-8); check it, then pass it with --skill conventions/skill.md\n',
  );
  const text = read(elsewhere, 'conventions/skill.md');
  assert.deepEqual(styleLines(text), [
    '- Module format: ES modules: `import` and `export`, never `require()`/`module.exports` (package.json "type": "module").',
    '- Indentation: 4 spaces per level (200 of 200 indentation steps).',
    '- Strings: double quotes ("text"), other quotes only to avoid escaping (100% of 400 string literals).',
    '- Semicolons: none at the end of statements (100% of 200 statements).',
    '- Tests: node:test (`npm test` runs `node --test`).',
  ]);
  assert.equal(fs.existsSync(path.join(project, '.red-exec-skill.md')), false);
});

test('--init-skill refuses a task or --files (exit 2)', async () => {
  const ws = makeWorkspace();
  const withTask = await runCli(['Add /health', '--init-skill'], { cwd: ws });
  assert.equal(withTask.code, 2);
  assert.match(withTask.stderr, /--init-skill runs no task: unexpected argument "Add \/health"/);
  const withFiles = await runCli(['--init-skill', '--files', 'a.js'], { cwd: ws });
  assert.equal(withFiles.code, 2);
  assert.match(withFiles.stderr, /--init-skill runs no task: leave out --files/);
  const outAlone = await runCli(['t', '--files', 'a.js', '--out', 'x.md'], { cwd: ws });
  assert.equal(outAlone.code, 2);
  assert.match(outAlone.stderr, /--out is only used with --init-skill/);
  assert.equal(fs.existsSync(path.join(ws, '.red-exec-skill.md')), false);
});

test('--skill, --read (repeatable, comma-separated) and --context-budget reach the core', async () => {
  const ws = makeWorkspace();
  fs.writeFileSync(path.join(ws, 'NOTES.md'), '# Notes\n\nHealth checks answer within 50 ms.\n');
  const skills = makeTempDir();
  fs.writeFileSync(path.join(skills, 'style.md'), '# House style\n\n<!-- HIDDEN-NOTE for humans -->\nBanned: eval\n');
  fs.writeFileSync(path.join(skills, 'more.md'), '## Errors\n\nAlways answer JSON errors.\n');
  server.answer(planJson([{ path: 'src/server.js', action: 'MODIFY', intent: 'add GET /health' }])).answer(fenced(SERVER_WITH_HEALTH));

  const r = await runCli(
    [
      'Add /health',
      '--files', 'src/server.js',
      '--read', 'src/greet.js,package.json',
      '--read', 'NOTES.md',
      '--skill', path.join(skills, 'style.md'),
      '--skill', path.join(skills, 'more.md'),
      '--context-budget', '50000',
      '--base-url', server.baseUrl,
    ],
    { cwd: ws },
  );

  assert.equal(r.code, 0, r.stderr);
  const events = lastRunLog(ws).events;
  const start = events.find((e) => e.kind === 'run_start');
  assert.deepEqual(start.read, ['src/greet.js', 'package.json', 'NOTES.md']);
  assert.equal(start.options.contextBudget, 50000);
  const context = events.find((e) => e.kind === 'context');
  assert.equal(context.budget, 50000);
  assert.deepEqual(context.readOnly.map((v) => v.path).sort(), ['NOTES.md', 'package.json', 'src/greet.js']);
  for (const q of server.requests) {
    const prompt = JSON.stringify(q.body.messages);
    assert.ok(prompt.includes('Banned: eval'), `${q.marker.stage} prompt carries the first skill`);
    assert.ok(prompt.includes('Always answer JSON errors.'), `${q.marker.stage} prompt carries the second skill`);
    assert.equal(prompt.includes('HIDDEN-NOTE'), false, 'HTML comments stay out of the prompts');
  }
  // One file in scope: the plan is derived, so the one request is the unit's.
  assert.ok(JSON.stringify(server.requests[0].body.messages).includes('Health checks answer within 50 ms.'));
  assert.deepEqual(events.find((e) => e.kind === 'host_start').cli.skills, [path.join(skills, 'style.md'), path.join(skills, 'more.md')]);
});

test('a --read file is never written: a plan that changes it is refused', async () => {
  const ws = makeWorkspace();
  const before = snapshot(ws);
  const sneaky = planJson([{ path: 'src/greet.js', action: 'MODIFY', intent: 'add farewell()' }]);
  server.answer(sneaky).answer(sneaky);
  // A task with a move word: the plan is the planner's (a derived plan names only the scope).
  const r = await runCli(['Add farewell() and move it next to greet()', '--files', 'src/server.js', '--read', 'src/greet.js', '--base-url', server.baseUrl], { cwd: ws });
  assert.equal(r.code, 7, r.stderr);
  assert.match(r.stderr, /src\/greet\.js/);
  assert.equal(lastRunLog(ws).events.at(-1).error.code, 'plan_invalid');
  assert.deepEqual(snapshot(ws), before);
});

test('bad --skill, --read and --context-budget values are refused before the run', async () => {
  const ws = makeWorkspace();
  const missing = await runCli(['t', '--files', 'src/server.js', '--skill', 'nope.md', '--base-url', server.baseUrl], { cwd: ws });
  assert.equal(missing.code, 3);
  assert.equal(missing.stderr, 'red-exec: --skill nope.md: cannot read it (ENOENT)\n');
  const budget = await runCli(['t', '--files', 'src/server.js', '--context-budget', '12.5', '--base-url', server.baseUrl], { cwd: ws });
  assert.equal(budget.code, 2);
  assert.match(budget.stderr, /--context-budget must be an integer from 100 to 10000000, got "12\.5"/);
  const emptyRead = await runCli(['t', '--files', 'src/server.js', '--read', ',', '--base-url', server.baseUrl], { cwd: ws });
  assert.equal(emptyRead.code, 2);
  assert.match(emptyRead.stderr, /--read is empty/);
  const missingRead = await runCli(['t', '--files', 'src/server.js', '--read', 'nope.md', '--base-url', server.baseUrl], { cwd: ws });
  assert.equal(missingRead.code, 4, 'a --read file that does not exist is an input error of the run');
  assert.match(missingRead.stderr, /nope\.md: read-only context file does not exist/);
  assert.equal(server.requests.length, 0, 'no model call was made');
});
