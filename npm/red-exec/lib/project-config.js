// Defaults from files, below the command line and the environment:
//   flag > environment variable > project file > user file.
// The project file is the first `.red-exec.json` found walking up from the workspace (up to the
// git root, else the filesystem root), e.g. { "verify": "npm test", "model": "qwen2.5-coder" }.
// The user file is $XDG_CONFIG_HOME/red-exec/config.json (else ~/.config/red-exec/config.json),
// same keys. An unknown key or a bad value is a config error.
//
// Every setting keeps where it came from (options.settingSources): a project file is the
// repository's word, not the user's, so what it may do (send a key, later run a command) can be
// decided per source.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LARGEST_FILE_BYTES } from '@codemaestro/core/host';
import { ConfigError } from './errors.js';
import { checkBaseUrl, closest } from './args.js';

export const PROJECT_CONFIG = '.red-exec.json';

const number = (min, max, integer) => (key, v) => {
  if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < min || v > max) {
    return `"${key}" must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`;
  }
  return null;
};
const oneOf = (...allowed) => (key, v) => (allowed.includes(v) ? null : `"${key}" must be one of ${allowed.join(', ')}`);
const text = (key, v) => (typeof v === 'string' && v.trim() !== '' ? null : `"${key}" must be a non-empty string`);
const bool = (key, v) => (typeof v === 'boolean' ? null : `"${key}" must be true or false`);
const url = (key, v) => {
  if (text(key, v)) return text(key, v);
  try {
    checkBaseUrl(v, `"${key}"`);
    return null;
  } catch (err) {
    // Not echoed: the value may hold a key (user:pass@, ?api_key=).
    return err.message;
  }
};

/**
 * key in the file -> [the flags that override it, check, how to store it in options].
 * `model` and `baseUrl` also yield to environment variables: resolveModel (models.js) reads them
 * from options.configured in that order.
 */
const KEYS = {
  verify: [['verify', 'no-verify'], text, (o, v) => (o.verify = v)],
  verifyTimeout: [['verify-timeout'], number(0.001, 86_400, false), (o, v) => (o.verifyTimeoutMs = Math.round(v * 1000))],
  keepOnFail: [['keep-on-fail'], bool, (o, v) => (o.keepOnFail = v)],
  maxRetries: [['max-retries'], number(0, 10, true), (o, v) => (o.maxRetries = v)],
  gate: [['gate', 'no-gate'], oneOf('block', 'warn', 'off'), (o, v) => (o.gate = v)],
  moduleFormat: [['module-format'], oneOf('auto', 'cjs', 'esm'), (o, v) => (o.moduleFormat = v)],
  contextBudget: [['context-budget'], number(100, 10_000_000, true), (o, v) => (o.contextBudget = v)],
  maxTokens: [['max-tokens'], number(1, 1e12, true), (o, v) => (o.maxTokens = v)],
  maxCost: [['max-cost'], number(0, 1e6, false), (o, v) => (o.maxCost = v)],
  maxFileBytes: [['max-file-bytes'], number(1, LARGEST_FILE_BYTES, true), (o, v) => (o.maxFileBytes = v)],
  timeout: [['timeout'], number(0.001, 3600, false), (o, v) => (o.timeoutMs = Math.round(v * 1000))],
  model: [['model'], text, (o, v, from) => (o.configured.model = { value: v, ...from })],
  baseUrl: [['base-url'], url, (o, v, from) => (o.configured.baseUrl = { value: checkBaseUrl(v, 'baseUrl'), ...from })],
};

/** The nearest .red-exec.json at or above `workspace`, stopping at the git root; null if none. */
export function findProjectConfig(workspace) {
  let dir = path.resolve(workspace);
  for (;;) {
    const file = path.join(dir, PROJECT_CONFIG);
    if (fs.existsSync(file)) return file;
    // .git is a directory in a clone and a file in a worktree or submodule: either marks the root.
    if (fs.existsSync(path.join(dir, '.git'))) return null;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** red-exec's directory of the user's own files ($XDG_CONFIG_HOME as the XDG spec says: only an absolute path counts). */
export function userConfigDir(env) {
  const xdg = env.XDG_CONFIG_HOME;
  const base = typeof xdg === 'string' && path.isAbsolute(xdg) ? xdg : path.join(env.HOME || os.homedir(), '.config');
  return path.join(base, 'red-exec');
}

/** Where the user's own config file is. */
export function userConfigPath(env) {
  return path.join(userConfigDir(env), 'config.json');
}

/**
 * The parsed, checked file (label: how messages name it), or null when `file` does not exist.
 * Throws ConfigError.
 */
export function readConfigFile(file, label) {
  const bytes = readConfigBytes(file, label);
  return bytes === null ? null : parseConfigText(bytes.toString('utf8'), label);
}

/** The file's bytes, or null when it does not exist. Throws ConfigError. */
export function readConfigBytes(file, label) {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    if (err.code === 'ENOENT') return null;
    throw new ConfigError(`${label}: cannot read it (${err.code ?? err.message})`);
  }
}

/** The parsed, checked text of a config file. Throws ConfigError. */
export function parseConfigText(raw, label) {
  let value;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    throw new ConfigError(`${label} is not valid JSON: ${err.message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(`${label} must hold a JSON object, like {"verify": "npm test"}`);
  }
  for (const [key, v] of Object.entries(value)) {
    if (key.startsWith('$') || key === 'comment') continue;
    const spec = KEYS[key];
    if (!spec) {
      const near = closest(key, Object.keys(KEYS));
      const hint = near ? `did you mean "${near}"? ` : '';
      throw new ConfigError(`${label}: unknown key "${key}" (${hint}known: ${Object.keys(KEYS).join(', ')})`);
    }
    const problem = spec[1](key, v);
    if (problem) throw new ConfigError(`${label}: ${problem}`);
  }
  return value;
}

/**
 * Read both files for `workspace`: [{ source: 'project'|'user', file, label, config }], the
 * project file first (it wins). `show` turns a path into how messages name it. Throws ConfigError.
 */
export function loadConfigLayers(workspace, env, show = (p) => p) {
  const layers = [];
  const project = findProjectConfig(workspace);
  if (project) layers.push({ source: 'project', file: project, label: show(project) });
  const user = userConfigPath(env);
  layers.push({ source: 'user', file: user, label: show(user) });
  // The bytes parsed are the bytes hashed for trust (lib/trust.js): read once.
  return layers
    .map((layer) => {
      const bytes = readConfigBytes(layer.file, layer.label);
      return { ...layer, bytes, config: bytes === null ? null : parseConfigText(bytes.toString('utf8'), layer.label) };
    })
    .filter((layer) => layer.config !== null);
}

/**
 * Fill `options` from the layers wherever the command line did not say, the first layer that
 * has a key winning. Records each key's source in options.settingSources; returns
 * { project: [keys], user: [keys] } (what the run log notes).
 */
export function applyConfig(options, layers) {
  const used = { project: [], user: [] };
  options.configured ??= {};
  options.settingSources ??= {};
  for (const [key, spec] of Object.entries(KEYS)) {
    if (spec[0].some((flag) => options.given.has(flag))) {
      options.settingSources[key] = 'flag';
      continue;
    }
    const layer = layers.find((l) => Object.prototype.hasOwnProperty.call(l.config, key));
    if (!layer) continue;
    spec[2](options, layer.config[key], { source: layer.source, file: layer.file, label: layer.label });
    options.settingSources[key] = layer.source;
    used[layer.source].push(key);
  }
  return used;
}
