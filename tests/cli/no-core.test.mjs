// An install whose @codemaestro/core cannot be loaded: the CLI's modules import the core's host
// kit as they load, so the entry point itself must say what is missing, with the internal exit code.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cleanup, makeTempDir, runCli } from '../support/cli.mjs';

after(cleanup);

test('a core that cannot be loaded: exit 70 with "cannot load @codemaestro/core", not a bare stack trace', async () => {
  const dir = makeTempDir();
  // A module resolution hook that hides the package, as an install without it would.
  fs.writeFileSync(
    path.join(dir, 'hooks.mjs'),
    "export async function resolve(specifier, context, next) {\n" +
      "  if (specifier === '@codemaestro/core') throw Object.assign(new Error(\"Cannot find package '@codemaestro/core'\"), { code: 'ERR_MODULE_NOT_FOUND' });\n" +
      '  return next(specifier, context);\n}\n',
  );
  fs.writeFileSync(path.join(dir, 'hide-core.mjs'), "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n");
  const r = await runCli(['--version'], { cwd: dir, env: { NODE_OPTIONS: `--import=${path.join(dir, 'hide-core.mjs')}` } });
  assert.equal(r.code, 70);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, "red-exec: cannot load @codemaestro/core (is it built? run npm run build): Cannot find package '@codemaestro/core'\n");
  // The control: the same process without the hook.
  const ok = await runCli(['--version'], { cwd: dir });
  assert.equal(ok.code, 0);
});
