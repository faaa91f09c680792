// The host kit in Node: all of ./index.mjs (it runs anywhere) and the pieces that need Node's file
// system. The package's Node entry re-exports this; `@codemaestro/core/host` is it without the wasm.

export * from './index.mjs';
export { createNodeHost } from './node.mjs';
export { mergeAliases } from './aliases.mjs';
export { isInside, posixRelative, noHardLinks, IO_REASONS, sha256 } from './fs-paths.mjs';
