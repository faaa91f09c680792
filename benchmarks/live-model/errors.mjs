// Exit codes of install.mjs and serve.mjs: one table. Each failure is one line on stderr.
export const EXIT = {
  OK: 0,
  USAGE: 2, // unknown flag, unknown model, bad number
  PORT_IN_USE: 3, // the port could not be bound
  CACHE_MISSING: 4, // runtime or weights not installed and --no-install given
  CHECKSUM: 5, // the weights do not match the pinned size/sha256 (the file is moved aside)
  INSTALL_FAILED: 6, // npm, pip or the join failed, or another install holds the lock
  LOAD_FAILED: 7, // node-llama-cpp could not load the runtime or the model
  INTERNAL: 70,
};

export class LiveError extends Error {
  constructor(exitCode, message) {
    super(message);
    this.exitCode = exitCode;
  }
}

// One line, no stack: the message is for a person running a benchmark.
export function exitWith(prog, err) {
  const code = err instanceof LiveError ? err.exitCode : EXIT.INTERNAL;
  const text = String(err && err.message ? err.message : err).replace(/\s*\n\s*/g, ' ');
  process.stderr.write(`${prog}: ${text}\n`);
  process.exit(code);
}
