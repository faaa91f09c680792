// spawnCollect: many children sharing one stop signal (a live run of many items) leave no listener behind.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnCollect } from '../../benchmarks/lib/spawn-collect.mjs';

test('one signal over many children: each listener goes with its child', async () => {
  const controller = new AbortController();
  const warnings = [];
  const onWarning = (w) => warnings.push(w.name);
  process.on('warning', onWarning);
  try {
    for (let i = 0; i < 12; i++) {
      const r = await spawnCollect(process.execPath, ['-e', 'process.stdout.write("x")'], { timeoutMs: 30_000, signal: controller.signal });
      assert.equal(r.code, 0);
      assert.equal(r.output, 'x');
    }
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', onWarning);
  }
  assert.deepEqual(warnings, []);
});
