// The CLI's file host: the shared Node host of @codemaestro/core (confinement, file states,
// atomic writes) with the CLI's own policy around each change: after Ctrl-C only the core's
// restores go through, every change is journaled (its original backed up) before it happens,
// and the crash test's hook can stop the process between any two steps.

import { createNodeHost } from '@codemaestro/core';

const interrupted = (what) => Object.assign(new Error(`interrupted: not ${what}`), { code: 'interrupted' });

/**
 * Create { root, journal, readFile, writeFile, deleteFile } for `workspace`.
 * `canWrite()` is asked before every write or delete (false once the run is interrupted).
 * `journal(root)` (optional) makes the journal every write and delete is recorded in before it
 * happens (lib/backup.js); `crash(point)` is the test hook of lib/crash-hook.js.
 */
export function createFsHost(workspace, { canWrite = () => true, journal: makeJournal = null, crash = async () => {} } = {}) {
  let journal = null;
  const host = createNodeHost({
    workspace,
    hooks: {
      async beforeWrite({ target, text, tmp, dirs }) {
        const seq = journal ? journal.beginWrite({ target, text, tmp, dirs }) : null;
        await crash('after-journal');
        return seq;
      },
      async afterWrite(change, seq) {
        await crash('after-write');
        if (journal) journal.done(seq);
      },
      async beforeDelete({ target }) {
        const seq = journal ? journal.beginDelete({ target }) : null;
        await crash('after-journal');
        await crash('before-delete');
        return seq;
      },
      async afterDelete(change, seq) {
        await crash('after-delete');
        if (journal) journal.done(seq);
      },
      step: crash,
    },
  });
  journal = makeJournal ? makeJournal(host.root) : null;

  return {
    root: host.root,
    journal,
    readFile: host.readFile,
    async writeFile(rel, text, options = {}) {
      if (!canWrite() && !options.rollback) throw interrupted(`writing ${rel}`);
      return host.writeFile(rel, text, options);
    },
    async deleteFile(rel, options = {}) {
      if (!canWrite() && !options.rollback) throw interrupted(`deleting ${rel}`);
      return host.deleteFile(rel, options);
    },
  };
}
