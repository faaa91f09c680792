// The multi-file run of the crash and undo tests: tests/fixtures/shop-app, a plan that MODIFYs
// two files, CREATEs one in a new directory and DELETEs one, and the model's answers.

import fs from 'node:fs';
import path from 'node:path';
import { makeWorkspace, planJson, fenced, ARTIFACTS } from './cli.mjs';
import { SHOP_CONFIG, SHOP_ROUTES, SHOP_COUNTER } from './answers.mjs';

export const SHOP_TASK = 'Add currency formats to the config, count requests per route in a new metrics module, and drop the unused legacy formatter';

/** In-scope file -> its content after the run (null: the run deletes it). */
export const SHOP_AFTER = Object.freeze({
  'src/config.js': SHOP_CONFIG,
  'src/routes.js': SHOP_ROUTES,
  'src/metrics/counter.js': SHOP_COUNTER,
  'src/legacy.js': null,
});
export const SHOP_SCOPE = Object.keys(SHOP_AFTER);

export const SHOP_PLAN = planJson([
  { path: 'src/config.js', action: 'MODIFY', intent: 'add a formats table per currency' },
  { path: 'src/routes.js', action: 'MODIFY', intent: 'count each request with metrics/counter' },
  { path: 'src/metrics/counter.js', action: 'CREATE', intent: 'count(route), snapshot(), reset()' },
  { path: 'src/legacy.js', action: 'DELETE', intent: 'nothing requires it any more' },
]);

/** The args of the shop run against `baseUrl`. */
export function shopArgs(baseUrl, ...more) {
  return [SHOP_TASK, '--files', SHOP_SCOPE.join(','), '--base-url', baseUrl, ...more];
}

/**
 * The model's answer to one request of the shop run: the plan, or the file the request names.
 * `delayMs` slows it down.
 */
export function shopAnswer(record, delayMs = 0) {
  const usage = { prompt: 400, completion: 120 };
  if (record.marker?.stage === 'L1') return { type: 'answer', content: SHOP_PLAN, usage, delayMs };
  const text = SHOP_AFTER[record.marker?.path];
  if (typeof text !== 'string') throw new Error(`the shop run asked for an unexpected file: ${JSON.stringify(record.marker)}`);
  return { type: 'answer', content: fenced(text), usage, delayMs };
}

/** A fresh copy of the shop fixture; the file modes differ so that restoring them is tested. */
export function makeShop() {
  const ws = makeWorkspace('shop-app');
  fs.chmodSync(path.join(ws, 'src/config.js'), 0o600);
  fs.chmodSync(path.join(ws, 'src/routes.js'), 0o755);
  fs.chmodSync(path.join(ws, 'src/legacy.js'), 0o640);
  return ws;
}

/** Every entry under dir (red-exec's artifacts left out) as "mode bytes-in-base64", directories as "dir mode". */
export function tree(dir) {
  const out = {};
  const walk = (rel) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      if (ARTIFACTS.includes(r)) continue;
      const st = fs.lstatSync(path.join(dir, r));
      const mode = (st.mode & 0o7777).toString(8);
      if (entry.isDirectory()) {
        out[`${r}/`] = `dir ${mode}`;
        walk(r);
      } else if (entry.isSymbolicLink()) out[r] = `symlink -> ${fs.readlinkSync(path.join(dir, r))}`;
      else out[r] = `${mode} ${fs.readFileSync(path.join(dir, r)).toString('base64')}`;
    }
  };
  walk('');
  return out;
}

/** The bytes at ws/rel, or null when there is no file. */
export function bytesOrNull(ws, rel) {
  try {
    return fs.readFileSync(path.join(ws, rel));
  } catch (err) {
    if (err.code === 'ENOENT') return null;
    throw err;
  }
}

/** A temp file written before its rename: by the file host (@codemaestro/core host/node.mjs, through lib/fs-host.js) or by --undo (lib/undo.js). */
export const HOST_TEMP = /(^|\/)\.red-exec-(\d+|undo)-[0-9a-f]{12}\.tmp$/;
