// The project's own defaults: `.red-exec.json` at the workspace root, e.g.
//   { "verify": "npm test", "verifyTimeout": 120, "maxRetries": 1 }
// A flag on the command line wins over the file; an unknown key or a bad value is a config error.

import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from './errors.js';

const PROJECT_CONFIG = '.red-exec.json';

const number = (min, max, integer) => (key, v) => {
  if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < min || v > max) {
    return `"${key}" must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`;
  }
  return null;
};
const oneOf = (...allowed) => (key, v) => (allowed.includes(v) ? null : `"${key}" must be one of ${allowed.join(', ')}`);
const text = (key, v) => (typeof v === 'string' && v.trim() !== '' ? null : `"${key}" must be a non-empty string`);
const bool = (key, v) => (typeof v === 'boolean' ? null : `"${key}" must be true or false`);

/** key in the file -> [the flags that override it, check, how to store it in options]. */
const KEYS = {
  verify: [['verify', 'no-verify'], text, (o, v) => (o.verify = v)],
  verifyTimeout: [['verify-timeout'], number(0.001, 86_400, false), (o, v) => (o.verifyTimeoutMs = Math.round(v * 1000))],
  keepOnFail: [['keep-on-fail'], bool, (o, v) => (o.keepOnFail = v)],
  maxRetries: [['max-retries'], number(0, 10, true), (o, v) => (o.maxRetries = v)],
  gate: [['gate', 'no-gate'], oneOf('block', 'warn', 'off'), (o, v) => (o.gate = v)],
  moduleFormat: [['module-format'], oneOf('auto', 'cjs', 'esm'), (o, v) => (o.moduleFormat = v)],
  contextBudget: [['context-budget'], number(100, 10_000_000, true), (o, v) => (o.contextBudget = v)],
  timeout: [['timeout'], number(0.001, 3600, false), (o, v) => (o.timeoutMs = Math.round(v * 1000))],
};

/** The parsed file, or null when there is none. Throws ConfigError. */
export function readProjectConfig(workspace) {
  const file = path.join(workspace, PROJECT_CONFIG);
  let raw;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (err.code === 'ENOENT') return null;
    throw new ConfigError(`${PROJECT_CONFIG}: cannot read it (${err.code ?? err.message})`);
  }
  let value;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    throw new ConfigError(`${PROJECT_CONFIG} is not valid JSON: ${err.message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(`${PROJECT_CONFIG} must hold a JSON object, like {"verify": "npm test"}`);
  }
  for (const [key, v] of Object.entries(value)) {
    if (key.startsWith('$') || key === 'comment') continue;
    const spec = KEYS[key];
    if (!spec) throw new ConfigError(`${PROJECT_CONFIG}: unknown key "${key}" (known: ${Object.keys(KEYS).join(', ')})`);
    const problem = spec[1](key, v);
    if (problem) throw new ConfigError(`${PROJECT_CONFIG}: ${problem}`);
  }
  return value;
}

/** Fill `options` from the file wherever the command line did not say. Returns the keys used. */
export function applyProjectConfig(options, config) {
  const used = [];
  if (!config) return used;
  for (const [key, v] of Object.entries(config)) {
    const spec = KEYS[key];
    if (!spec || spec[0].some((flag) => options.given.has(flag))) continue;
    spec[2](options, v);
    used.push(key);
  }
  return used;
}
