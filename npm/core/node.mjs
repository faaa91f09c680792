// Node entry: the same wasm-bindgen glue and .wasm as the browser entry, instantiated synchronously from
// the file next to it. No top-level await, so `require('@codemaestro/core')` works too (Node >= 20.19 / 22.12).
import { readFileSync } from 'node:fs';
import * as wasm from './dist/red_exec_wasm.js';
import { makeApi } from './drive.mjs';

export * from './host/node-index.mjs';

wasm.initSync({ module: readFileSync(new URL('./dist/red_exec_wasm_bg.wasm', import.meta.url)) });

export const {
  runTask,
  renderReport,
  renderMarkdownReport,
  skillStarter,
  parseSkill,
  newRunId,
  version,
  knownModels,
  gateRules,
  errorCodes,
  toolPath,
  panicForDiagnostics,
} = makeApi(wasm);

/** Ready on import in Node; kept so code written for Node and browsers alike can always await it. */
export async function init() {}
