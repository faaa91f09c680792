// The host kit that runs anywhere (Node and browsers): the pieces a host of runTask needs besides
// its files. The Node pieces (the file host, alias merge, path facts) are added by ./node-index.mjs,
// for the Node entry and `@codemaestro/core/host` in Node only.

export { normalizeWorkspacePath, WorkspacePathError } from './paths.mjs';
export { createOpenAICompleter, parseCompletion, CompletionError, refusesResponseFormat } from './completer.mjs';
export { readReplay, createReplayCompleter } from './replay.mjs';
export { createMemoryHost } from './memory.mjs';
export { LARGEST_FILE_BYTES, MAX_FILE_BYTES, MAX_RESPONSE_BYTES } from './limits.mjs';
