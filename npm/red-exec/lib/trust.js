// Trust for a repository's .red-exec.json, like direnv's `allow`: a setting that runs a command or
// weakens a check takes effect from the project file only once the user has trusted that file's
// exact content. The user's own flags and user-level config file need no trust.
//
// The store is per user: $XDG_CONFIG_HOME/red-exec/trust.json (else ~/.config/red-exec/trust.json),
// { "version": 1, "trusted": { "<file>": { "sha256", "time", "settings" } } }, keyed by where the
// file is (its directory's real path + its name: a symlinked .red-exec.json is trusted where it
// sits, not where it points) and by the sha256 of the bytes that were parsed. Written atomically
// (a temporary file in the same directory, then rename), mode 0600.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sha256 } from '@codemaestro/core';
import { ConfigError } from './errors.js';
import { userConfigDir } from './project-config.js';

/**
 * The settings a project file needs trust for, and when: `verify` runs a command as the user,
 * `gate` other than block and `keepOnFail: true` weaken what the run checks or undoes.
 * Everything else (model, baseUrl: it never gets a key from a project file, maxRetries, timeout,
 * verifyTimeout, contextBudget, maxFileBytes, moduleFormat: it chooses the syntax the gate holds answers to and
 * runs nothing) applies without trust.
 */
export const NEEDS_TRUST = Object.freeze({
  verify: () => true,
  gate: (v) => v !== 'block',
  keepOnFail: (v) => v === true,
});

/** The keys of `config` that need trust. */
export function settingsNeedingTrust(config) {
  return Object.keys(NEEDS_TRUST).filter((k) => Object.prototype.hasOwnProperty.call(config, k) && NEEDS_TRUST[k](config[k]));
}

/** Where the trust store is: beside the user's config file. */
export function trustStorePath(env) {
  return path.join(userConfigDir(env), 'trust.json');
}

/** The key a config file is trusted under: its directory's real path and its own name. */
export function trustKey(file) {
  const dir = path.dirname(path.resolve(file));
  let real = dir;
  try {
    real = fs.realpathSync(dir);
  } catch {
    // a directory that vanished: its resolved name
  }
  return path.join(real, path.basename(file));
}


function readStore(file) {
  let raw;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (err.code === 'ENOENT') return { version: 1, trusted: {} };
    throw new ConfigError(`the trust store ${file}: cannot read it (${err.code ?? err.message})`);
  }
  try {
    const store = JSON.parse(raw);
    if (store && typeof store === 'object' && store.trusted && typeof store.trusted === 'object') return store;
  } catch {
    // below
  }
  throw new ConfigError(`the trust store ${file} is not valid (fix or delete it, then run red-exec --trust again)`);
}

/** Whether `file` with content `bytes` is trusted in the store of `env`. */
export function isTrusted(env, file, bytes) {
  const entry = readStore(trustStorePath(env)).trusted[trustKey(file)];
  return Boolean(entry && entry.sha256 === sha256(bytes));
}

/** Record `file` with content `bytes` as trusted; returns { store, key, sha256 }. */
export function grantTrust(env, file, bytes, settings) {
  const storeFile = trustStorePath(env);
  const store = readStore(storeFile);
  const key = trustKey(file);
  const digest = sha256(bytes);
  store.version = 1;
  store.trusted[key] = { sha256: digest, time: new Date().toISOString(), settings };
  fs.mkdirSync(path.dirname(storeFile), { recursive: true, mode: 0o700 });
  const tmp = path.join(path.dirname(storeFile), `.trust.json.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`);
  // 'wx': never through a planted file or link at the temporary name.
  const fd = fs.openSync(tmp, 'wx', 0o600);
  try {
    fs.writeSync(fd, `${JSON.stringify(store, null, 2)}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(tmp, storeFile);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  return { store: storeFile, key, sha256: digest };
}

/** How a setting's source is named in the report. */
export function sourceLabel(source) {
  return {
    flag: 'flag',
    user: 'user config',
    project: 'project config',
    'project-trusted': 'project config (trusted)',
    'project-yes': 'project config (trusted for this run: --yes)',
    'project-env': 'project config (trusted for this run: RED_EXEC_TRUST_CONFIG=1)',
  }[source] ?? 'default';
}

/**
 * Hold back the project layer's settings that need trust unless its content is trusted (the
 * store), or trusted for this run (`--yes`, or RED_EXEC_TRUST_CONFIG=1; CI=true alone is not
 * trust). Returns { layers: the layers to apply, ignored: [keys], file, trustedBy: null |
 * 'store' | 'yes' | 'env' }.
 */
export function applyTrust(layers, { yes, env }) {
  const project = layers.find((l) => l.source === 'project');
  if (!project) return { layers, ignored: [], file: null, trustedBy: null };
  const needing = settingsNeedingTrust(project.config);
  if (needing.length === 0) return { layers, ignored: [], needing, file: project, trustedBy: null };
  const trustedBy = isTrusted(env, project.file, project.bytes) ? 'store' : yes ? 'yes' : env.RED_EXEC_TRUST_CONFIG === '1' ? 'env' : null;
  if (trustedBy) return { layers, ignored: [], needing, file: project, trustedBy };
  const config = { ...project.config };
  for (const key of needing) delete config[key];
  return { layers: layers.map((l) => (l === project ? { ...l, config } : l)), ignored: needing, needing, file: project, trustedBy: null };
}
