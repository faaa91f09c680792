// Browser entry: the web build of the core. Call `await init()` once before the sync helpers
// (`version`, `renderReport`, ...); `runTask` initialises by itself.
import initWasm, * as wasm from './dist/red_exec_wasm.js';
import { makeApi } from './drive.mjs';

export * from './host/index.mjs';

let ready;
/** Load the wasm; `source` may be a URL, a Response or bytes (default: next to this module). */
export function init(source) {
  ready ??= initWasm(source === undefined ? undefined : { module_or_path: source });
  return ready;
}

const api = makeApi(wasm);
export const { renderReport, renderMarkdownReport, skillStarter, parseSkill, newRunId, version, knownModels, gateRules, errorCodes, toolPath, panicForDiagnostics } = api;
export async function runTask(input) {
  await init();
  return api.runTask(input);
}
