// The host kit that runs anywhere (Node and browsers): the pieces a host of runTask needs besides
// its files. The Node file host is in ./node.mjs, exported by the Node entry only.

export { normalizeWorkspacePath, WorkspacePathError } from './paths.mjs';
export { createOpenAICompleter, parseCompletion, CompletionError, refusesResponseFormat } from './completer.mjs';
export { readReplay, createReplayCompleter } from './replay.mjs';
export { createMemoryHost } from './memory.mjs';
