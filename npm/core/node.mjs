// Node entry: the nodejs build of the core loads its .wasm synchronously.
import { createRequire } from 'node:module';
import { makeApi } from './drive.mjs';

export * from './host/index.mjs';
export { createNodeHost } from './host/node.mjs';

const wasm = createRequire(import.meta.url)('./dist/node/red_exec_wasm.js');

export const {
  runTask,
  renderReport,
  renderMarkdownReport,
  skillStarter,
  parseSkill,
  newRunId,
  version,
  knownModels,
  panicForDiagnostics,
} = makeApi(wasm);

/** The Node build is ready on import; kept so code written for both builds can always await it. */
export async function init() {}
