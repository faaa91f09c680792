// Errors the CLI raises before the core runs. Each carries the exit code it maps to.

export class UsageError extends Error {
  constructor(message) {
    super(message);
    this.name = 'UsageError';
    this.kind = 'usage';
  }
}

export class ConfigError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ConfigError';
    this.kind = 'config';
  }
}

/** Something the run or an --undo must write (the workspace, its log, a --files target) is not writable. Exit 8. */
export class WriteError extends Error {
  constructor(message) {
    super(message);
    this.name = 'WriteError';
    this.kind = 'write';
  }
}

/** --undo cannot go ahead (a file changed since the run, a damaged backup...); nothing was changed. Exit 10. */
export class UndoRefused extends Error {
  constructor(message) {
    super(message);
    this.name = 'UndoRefused';
    this.kind = 'undo_refused';
  }
}
