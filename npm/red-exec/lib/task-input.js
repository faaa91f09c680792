// Where the task comes from when it is not the command's argument: standard input (`-`, or a
// pipe with no task argument) or `--task-file`. Either is read whole, as UTF-8, and trimmed.

import fs from 'node:fs';
import path from 'node:path';
import { UsageError, ConfigError } from './errors.js';
import { missingTaskHint } from './args.js';

/** Far more than any task; a stream past it is not a task (a binary, a runaway producer). */
export const MAX_TASK_BYTES = 1024 * 1024;

/**
 * Whether standard input is something to read a task from: a pipe, a file or a socket. A terminal
 * is not, and neither is another character device (</dev/null: nothing was piped) or a closed fd.
 */
export function stdinIsPiped(fd = 0) {
  try {
    const st = fs.fstatSync(fd);
    return st.isFIFO() || st.isFile() || st.isSocket();
  } catch {
    return false;
  }
}

/** Every byte of `stream`, up to `limit`; null when there are more. */
export async function readStream(stream, limit = MAX_TASK_BYTES) {
  const chunks = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > limit) {
      stream.destroy?.();
      return null;
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

function decode(bytes) {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '').trim();
  } catch {
    return null;
  }
}

/**
 * The task text for options.taskSource. io.readStdin() resolves to standard input's bytes
 * (null when over MAX_TASK_BYTES); io.stdinIsTTY says a person is typing them. Throws UsageError (empty, not UTF-8, too long) or ConfigError
 * (a --task-file that cannot be read).
 */
export async function readTask(options, { cwd, readStdin, stdinIsTTY, stderr }) {
  const source = options.taskSource;
  if (source.kind === 'arg') return options.task;
  if (source.kind === 'file') {
    const where = `--task-file ${source.path}`;
    const file = path.resolve(cwd, source.path);
    let bytes;
    try {
      const st = fs.statSync(file);
      if (!st.isFile()) throw new ConfigError(`${where}: not a file`);
      if (st.size > MAX_TASK_BYTES) throw new UsageError(`${where}: ${st.size} bytes; a task may have ${MAX_TASK_BYTES}`);
      bytes = fs.readFileSync(file);
    } catch (err) {
      if (err instanceof ConfigError || err instanceof UsageError) throw err;
      throw new ConfigError(`${where}: cannot read it (${err.code ?? err.message})`);
    }
    const text = decode(bytes);
    if (text === null) throw new UsageError(`${where}: not UTF-8 text`);
    if (text === '') throw new UsageError(`missing task: ${source.path} is empty`);
    return text;
  }
  // `-` at a terminal: the user types the task; say how to end it.
  if (stdinIsTTY) stderr?.write('red-exec: reading the task from standard input (end it with Ctrl-D)\n');
  const bytes = await readStdin();
  if (bytes === null) throw new UsageError(`the task on standard input is over ${MAX_TASK_BYTES} bytes`);
  const text = decode(bytes);
  if (text === null) throw new UsageError('the task on standard input is not UTF-8 text');
  if (text === '') {
    // Without `-` the pipe was only a guess: say what is missing as if nothing had been piped.
    throw new UsageError(source.explicit ? 'missing task: standard input was empty' : `missing task${missingTaskHint(options)}`);
  }
  return text;
}
