// Helpers for the end-to-end CLI tests: fresh workspaces, a byte snapshot, and a
// spawned red-exec process.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startModelServer } from './model-server.mjs';
import { unzipSync, strFromU8 } from 'fflate';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = path.join(REPO, 'npm', 'red-exec', 'bin', 'red-exec.js');
export const FIXTURES = path.join(REPO, 'tests', 'fixtures');
export const LOG_DIR = '.red-exec-logs';
/** What red-exec itself leaves in a workspace: its logs directory, which also holds the gate's
 * violation log and the Markdown report. */
export const ARTIFACTS = [LOG_DIR];
export const VIOLATIONS = `${LOG_DIR}/violations.jsonl`;
export const REPORT = `${LOG_DIR}/report.md`;

const made = [];

/** Copy tests/fixtures/<name> into a fresh temp directory and return its path. */
export function makeWorkspace(name = 'express-app') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'red-exec-test-'));
  made.push(dir);
  if (name) fs.cpSync(path.join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

/** A temp directory (not a workspace copy), removed by cleanup(). */
export function makeTempDir() {
  return makeWorkspace(null);
}

export function cleanup() {
  while (made.length) fs.rmSync(made.pop(), { recursive: true, force: true });
}

/**
 * Every file's bytes (and every symlink's target) under dir, except the paths in `ignore`
 * (red-exec's own ARTIFACTS unless told otherwise). `modes: true` adds each entry's permission bits.
 */
export function snapshot(dir, { ignore = ARTIFACTS, modes = false } = {}) {
  const out = {};
  const walk = (rel) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      if (ignore.includes(r)) continue;
      const abs = path.join(dir, r);
      const mode = modes && !entry.isSymbolicLink() ? ` mode ${(fs.statSync(abs).mode & 0o7777).toString(8)}` : '';
      if (entry.isSymbolicLink()) out[r] = `symlink -> ${fs.readlinkSync(abs)}`;
      else if (entry.isDirectory()) {
        out[`${r}/`] = `dir${mode}`;
        walk(r);
      } else out[r] = `${fs.readFileSync(abs).toString('base64')}${mode}`;
    }
  };
  walk('');
  return out;
}

/**
 * An environment without any real keys or red-exec settings from the caller's shell, and with no
 * user config file (XDG_CONFIG_HOME points where there is none, unless a test sets it).
 */
export function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(DEEPSEEK_API_KEY|OPENAI_API_KEY|OPENAI_BASE_URL|LLM_MODEL|RED_EXEC_.*|NO_COLOR|FORCE_COLOR|XDG_CONFIG_HOME)$/.test(k)) continue;
    env[k] = v;
  }
  env.RED_EXEC_RETRY_BASE_MS = '5';
  env.XDG_CONFIG_HOME = path.join(os.tmpdir(), 'red-exec-test-no-user-config');
  return { ...env, ...extra };
}

/**
 * We run as root, which may write anything: a permission test runs the CLI under this wrapper,
 * which drops the capabilities that let root ignore file modes, so EACCES is real.
 */
export const WITHOUT_ROOT_OVERRIDES = ['setpriv', '--bounding-set=-dac_override,-dac_read_search,-fowner'];

/**
 * Start `command args` with its output collected. Standard input is /dev/null, or a pipe that
 * gets `input` and is then closed; killed (and `done` rejects) after `timeoutMs`.
 * Returns { child, done } where done resolves { code, signal, stdout, stderr, ms }.
 */
export function startProcess(command, args, { cwd, env, timeoutMs = 20_000, input } = {}) {
  const started = performance.now();
  const stdin = input === undefined ? 'ignore' : 'pipe';
  const child = spawn(command, args, { cwd, env, stdio: [stdin, 'pipe', 'pipe'] });
  if (input !== undefined) child.stdin.end(input);
  const done = new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${path.basename(command)} ${args.join(' ')} did not exit within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
    });
  });
  return { child, done };
}

/**
 * Start the CLI (under `wrapper`, a command prefix, if given), with `cleanEnv(env)`.
 * Returns { child, done } as startProcess.
 */
export function startCli(args, { cwd, env = {}, timeoutMs = 20_000, wrapper = [], input } = {}) {
  const argv = [...wrapper, process.execPath, CLI, ...args];
  return startProcess(argv[0], argv.slice(1), { cwd, env: cleanEnv(env), timeoutMs, input });
}

/** Run the CLI to completion. Resolves { code, signal, stdout, stderr }. */
export function runCli(args, options = {}) {
  return startCli(args, options).done;
}

/** The log directory of the workspace's last run, and its parsed events. */
export function lastRunLog(workspace) {
  const id = fs.readFileSync(path.join(workspace, LOG_DIR, 'last-run'), 'utf8').trim();
  const file = path.join(workspace, LOG_DIR, id, 'events.jsonl');
  const text = fs.readFileSync(file, 'utf8');
  const events = text.trim().split('\n').map((l) => JSON.parse(l));
  return { id, file, text, events };
}

/** Numbers of the benchmark token line: "Tokens: 1,234t | Calls: 2 | ...". */
export function tokenLine(report) {
  const tokens = report.match(/Tokens:\s*([\d,]+)t/);
  const calls = report.match(/Calls:\s*(\d+)/);
  return {
    tokens: tokens ? Number(tokens[1].replace(/,/g, '')) : null,
    calls: calls ? Number(calls[1]) : null,
  };
}

/** Wrap file content in a fenced block, the way a model answers. */
export function fenced(code, lang = 'js') {
  return `Here is the complete file.\n\n\`\`\`${lang}\n${code}\`\`\`\n`;
}

/** An L1 plan answer. */
export function planJson(actions, { fence = true } = {}) {
  const json = JSON.stringify({ actions }, null, 2);
  return fence ? `\`\`\`json\n${json}\n\`\`\`` : json;
}

/** Every regular file under dir (absolute paths), red-exec's artifacts included. */
export function allFiles(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const abs = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...allFiles(abs));
    else if (entry.isFile()) out.push(abs);
  }
  return out.sort();
}

/** The entries of a zip file as { name: text }. */
export function unzipText(file) {
  const entries = unzipSync(new Uint8Array(fs.readFileSync(file)));
  return Object.fromEntries(Object.entries(entries).map(([name, bytes]) => [name, strFromU8(bytes)]));
}

/**
 * One loopback model server for a test file: started before its tests, closed (and temp
 * workspaces removed) after them, and checked before each test for answers a previous test left
 * unused. Returns a stand-in that forwards to the running server.
 */
export function useModelServer(options) {
  let server = null;
  before(async () => {
    server = await startModelServer(options);
  });
  after(async () => {
    await server.close();
    cleanup();
  });
  beforeEach(() => {
    server.requests.length = 0;
    assert.equal(server.pending, 0, 'a previous test left scripted answers unused');
  });
  return new Proxy(
    {},
    {
      get(_, name) {
        const value = server[name];
        return typeof value === 'function' ? value.bind(server) : value;
      },
    },
  );
}
