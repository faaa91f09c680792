// Idempotency keys of the writing tools: key -> the first call's run id and answer, one file per
// key under .red-exec-logs/mcp-keys/ (the workspace's red-exec state, so it survives a restart).
// Written through the CLI's own artifact confinement (lib/paths.js): never through a link.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ensureLogDir } from '../run-log.js';
import { confineArtifact, readConfined, writeConfined } from '../paths.js';

export const KEYS_DIR = 'mcp-keys';

const digest = (text) => crypto.createHash('sha256').update(text).digest('hex');

/** The same call: the tool and its arguments without the key, in a stable order. */
function callHash(tool, args) {
  const { idempotencyKey, ...rest } = args;
  const stable = (v) => (Array.isArray(v) ? v.map(stable) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, stable(v[k])])) : v);
  return digest(JSON.stringify([tool, stable(rest)]));
}

export function openKeyStore(workspace) {
  const file = (key) => path.join(workspace, '.red-exec-logs', KEYS_DIR, `${digest(key)}.json`);
  return {
    /** The first call's record { tool, call, runId, answer }, or null. */
    find(key) {
      try {
        return JSON.parse(readConfined(file(key)));
      } catch (err) {
        if (err.code === 'ENOENT') return null;
        throw err;
      }
    },
    same(record, tool, args) {
      return record.call === callHash(tool, args);
    },
    save(key, tool, args, runId, answer) {
      const dir = confineArtifact(workspace, path.join(ensureLogDir(workspace), KEYS_DIR));
      fs.mkdirSync(dir, { recursive: true });
      const target = file(key);
      const temp = `${target}.${process.pid}.tmp`;
      writeConfined(temp, `${JSON.stringify({ tool, call: callHash(tool, args), runId, answer })}\n`);
      // Whole or not at all: a crash leaves the old state (no key), never half a record.
      fs.renameSync(temp, target);
    },
  };
}
