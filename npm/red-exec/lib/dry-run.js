// --dry-run: the run works on a temporary copy of the files it may read, so the workspace
// itself is never written. The diffs are what the run would have changed.

import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createFsHost } from './fs-host.js';
import { confineArtifact } from './paths.js';

/**
 * Copy `paths` (workspace-relative; absent or unreadable ones are skipped) from `workspace`
 * into a fresh temp directory (`onCreated(dir)` hears its name at once). Returns { dir, copied, host, readFile, listDir, remove }: `host` is the
 * copy's file host (writes land there); readFile answers
 * from the copy and, for a path the copy lacks, from the workspace (read-only), so a file the
 * task merely mentions, or one the workspace cannot read, looks exactly as in a real run.
 */
export async function prepareDryRun(workspace, paths, { canWrite = () => true, onCreated = () => {}, maxFileBytes } = {}) {
  const original = createFsHost(workspace, { maxFileBytes });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'red-exec-dry-run-'));
  // Before the copy starts: a process that must exit mid-copy (a second signal) removes it too.
  onCreated(dir);
  const copied = [];
  try {
    for (const rel of [...new Set(paths)]) {
      const state = await original.readFile(rel);
      if (state.state !== 'present') continue;
      // The copy is the tool's own: a fresh directory, nothing in it followed through a link.
      const target = confineArtifact(dir, path.join(dir, rel));
      await fsp.mkdir(path.dirname(target), { recursive: true });
      await fsp.writeFile(target, state.text);
      copied.push(rel);
    }
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const copy = createFsHost(dir, { canWrite, maxFileBytes });
  return {
    dir,
    copied,
    host: copy,
    async readFile(rel) {
      const state = await copy.readFile(rel);
      return state.state === 'absent' ? original.readFile(rel) : state;
    },
    // A directory the task names is listed in the workspace (its files are read through readFile).
    listDir: original.listDir,
    remove() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
