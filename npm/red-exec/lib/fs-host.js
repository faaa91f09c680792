// The CLI's file host: the shared Node host of @codemaestro/core (confinement, file states,
// atomic writes, compare-and-swap) with the CLI's own policy around each change: after Ctrl-C only
// the core's restores go through, every change is journaled (its original backed up) before it
// happens, what a refused write would have written is kept (conflicts/), and the crash test's hook
// can stop the process between any two steps.

import path from 'node:path';
import { createNodeHost } from '@codemaestro/core';
import { LOG_DIR } from './paths.js';

const interrupted = (what) => Object.assign(new Error(`interrupted: not ${what}`), { code: 'interrupted' });

/**
 * Create { root, journal, readFile, listDir, writeFile, deleteFile } for `workspace`.
 * `canWrite()` is asked before every write or delete (false once the run is interrupted).
 * `journal(root)` (optional) makes the journal every write and delete is recorded in before it
 * happens (lib/backup.js); `crash(point)` is the test hook of lib/crash-hook.js.
 */
export function createFsHost(workspace, { canWrite = () => true, journal: makeJournal = null, crash = async () => {}, maxFileBytes } = {}) {
  let journal = null;
  const host = createNodeHost({
    workspace,
    maxFileBytes,
    hooks: {
      async beforeWrite({ target, text, tmp, dirs, before }) {
        const seq = journal ? journal.beginWrite({ target, text, tmp, dirs, before }) : null;
        await crash('after-journal');
        return seq;
      },
      async afterWrite(change, seq) {
        await crash('after-write');
        if (journal) journal.done(seq);
      },
      async beforeDelete({ target, before }) {
        const seq = journal ? journal.beginDelete({ target, before }) : null;
        await crash('after-journal');
        await crash('before-delete');
        return seq;
      },
      async afterDelete(change, seq) {
        await crash('after-delete');
        if (journal) journal.done(seq);
      },
      failed(change, seq, err) {
        if (journal && seq !== null) journal.failed(seq, err?.code);
      },
      step: crash,
    },
  });

  /** A refused write keeps what it would have written, and says where; `err` is rethrown. */
  function keep(err, rel, text, { rollback }) {
    if (err?.code !== 'conflict' || !journal) return err;
    const file = String(err.path ?? rel);
    let where;
    try {
      where = `${LOG_DIR}/${path.basename(path.dirname(journal.file))}/${journal.keepConflict(file, text)}`;
    } catch (copyErr) {
      err.message += `; the run's version could not be kept (${copyErr.code ?? copyErr.message})`;
      return err;
    }
    err.message += rollback
      ? `; the version from before the run is kept in ${where}`
      : `; what the run would have written is kept in ${where}`;
    return err;
  }
  journal = makeJournal ? makeJournal(host.root) : null;

  return {
    root: host.root,
    journal,
    readFile: host.readFile,
    listDir: host.listDir,
    async writeFile(rel, text, options = {}) {
      if (!canWrite() && !options.rollback) throw interrupted(`writing ${rel}`);
      try {
        return await host.writeFile(rel, text, options);
      } catch (err) {
        throw keep(err, rel, text, options);
      }
    },
    async deleteFile(rel, options = {}) {
      if (!canWrite() && !options.rollback) throw interrupted(`deleting ${rel}`);
      return host.deleteFile(rel, options);
    },
  };
}
