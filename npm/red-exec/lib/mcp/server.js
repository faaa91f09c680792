// `red-exec mcp`: red-exec as a Model Context Protocol server (stdio, or Streamable HTTP on
// 127.0.0.1 with --http PORT), on the official SDK. Loaded only for this command (lib/main.js).
// The workspace is fixed at start; every tool runs the CLI's own command inside it (tools.js).

import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ListRootsResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { isInside } from '@codemaestro/core';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { parseArgs } from '../args.js';
import { UsageError, ConfigError, WriteError, UndoRefused } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { TOOLS, answer, refused, runAnswer } from './tools.js';
import { openKeyStore } from './keys.js';

const PACKAGE = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

/** The CLI flags `red-exec mcp` takes and passes to every run (the rest belong to one call). */
export const MCP_FLAGS = new Set(['workspace', 'model', 'base-url', 'timeout', 'max-retries', 'gate', 'no-gate', 'module-format', 'context-budget', 'skill', 'allow', 'verify', 'verify-timeout', 'pass-env', 'keep-on-fail', 'no-verify', 'partial', 'yes']);

export const MCP_USAGE = 'red-exec mcp [--http <port>] [--workspace <dir>] [--model, --base-url, --verify, --gate, ... as for a run]';

/** argv after `mcp`: { http: port | null, base: the run flags, workspace }. Throws UsageError. */
export function parseMcpArgs(argv, cwd) {
  const rest = [];
  let httpPort = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--http' || a.startsWith('--http=')) {
      const v = a === '--http' ? argv[++i] : a.slice('--http='.length);
      const n = Number(v);
      if (!/^\d+$/.test(v ?? '') || n < 0 || n > 65535) throw new UsageError(`mcp --http needs a port (0-65535), got ${v === undefined ? 'nothing' : JSON.stringify(v)}`);
      httpPort = n;
    } else rest.push(a);
  }
  for (const a of rest) {
    const name = a.startsWith('--') ? a.slice(2).split('=')[0] : null;
    if (a.startsWith('-') && !MCP_FLAGS.has(name)) throw new UsageError(`mcp: ${a} is not a server flag (usage: ${MCP_USAGE})`);
  }
  // The CLI's parser checks every value as for a run (a probe task and file stand in for a call's own).
  const options = parseArgs([...rest, '--files', 'probe', '--', 'probe']);
  const workspace = path.resolve(cwd, options.workspace ?? '.');
  let st = null;
  try {
    st = fs.statSync(workspace);
  } catch {
    // reported below
  }
  if (!st?.isDirectory()) throw new UsageError(`mcp --workspace ${options.workspace}: not a directory`);
  const base = [];
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--workspace') i++;
    else if (!rest[i].startsWith('--workspace=')) base.push(rest[i]);
  }
  return { http: httpPort, base, workspace: fs.realpathSync(workspace) };
}

/** The flags of one call: the server's, --workspace, --json, and --no-verify when the call asks for no check. */
function baseArgv(config, { check } = {}) {
  const flags = [];
  for (let i = 0; i < config.base.length; i++) {
    const a = config.base[i];
    if (check === false && (a === '--verify' || a === '--verify-timeout')) i++;
    else if (check === false && (a.startsWith('--verify=') || a.startsWith('--verify-timeout=') || a === '--keep-on-fail')) continue;
    else flags.push(a);
  }
  if (check === false && !flags.includes('--no-verify')) flags.push('--no-verify');
  return [...flags, '--workspace', config.workspace, '--json'];
}

/** The words a progress notification carries for an event, or null for an event not worth one. */
function progressMessage(e) {
  switch (e.kind) {
    case 'stage':
      return `${e.stage} ${e.state}`;
    case 'model_request':
      return `asking the model (${e.stage}${e.path ? ` ${e.path}` : ''})`;
    case 'gate':
      return `gate ${e.decision}: ${e.path}`;
    case 'write':
      return `wrote ${e.path}`;
    case 'delete':
      return `deleted ${e.path}`;
    case 'verify_start':
      return `check: ${e.command}`;
    case 'verify_end':
      return `check ${e.result?.passed ? 'passed' : 'failed'}`;
    case 'rollback':
      return `restored ${e.path}`;
    default:
      return null;
  }
}

/**
 * The context every tool handler gets: `cli(argv, { supplied, onEvent, signal })` runs the CLI's
 * main() in-process with the output captured; `run` does that for a run tool and answers it.
 */
function makeContext(config, io, main, extra) {
  const cli = async (argv, { supplied, onEvent, signal } = {}) => {
    const out = [];
    const err = [];
    // The call's own signals: a cancelled call is, to the run, a Ctrl-C (old or new, never half).
    const signals = new EventEmitter();
    let stopped = false;
    const stop = () => {
      if (stopped) return;
      stopped = true;
      signals.emit('SIGINT');
    };
    signal?.addEventListener('abort', stop, { once: true });
    extra.signal.addEventListener('abort', stop, { once: true });
    config.live.add(signals);
    try {
      const code = await main(argv, {
        env: io.env,
        cwd: config.workspace,
        stdout: { isTTY: false, write: (t) => (out.push(String(t)), true) },
        stderr: { isTTY: false, columns: 80, write: (t) => (err.push(String(t)), true) },
        signals,
        stdinPiped: false,
        stdinIsTTY: false,
        readStdin: async () => Buffer.alloc(0),
        supplied,
        onEvent,
      });
      let json = null;
      try {
        json = JSON.parse(out.join(''));
      } catch {
        json = null;
      }
      const lines = err.join('').split('\n').map((l) => l.replace(/^red-exec: /, '').trim()).filter(Boolean);
      return { code, json, message: json?.error?.message ?? (lines.length ? lines.join('; ') : null) };
    } finally {
      config.live.delete(signals);
      signal?.removeEventListener('abort', stop);
      extra.signal.removeEventListener('abort', stop);
    }
  };
  const token = extra._meta?.progressToken;
  let progress = 0;
  const onEvent = (e) => {
    const message = token === undefined ? null : progressMessage(e);
    if (message === null) return;
    progress += 1;
    extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress, message } }).catch(() => {});
  };
  return {
    workspace: config.workspace,
    base: (opts) => baseArgv(config, opts),
    cli,
    run: async (argv, { supplied } = {}) => runAnswer(await cli(argv, { supplied, onEvent })),
  };
}

const REFUSALS = [UsageError, ConfigError, WriteError, UndoRefused];

/** One McpServer with every tool; `serial` runs the calls one after the other (one workspace, one lock). */
function createServer(config, io, main, serial) {
  const server = new McpServer({ name: 'red-exec', version: PACKAGE.version }, { capabilities: { tools: {} } });
  const keys = openKeyStore(config.workspace);
  for (const tool of TOOLS) {
    const { name, title, description, inputSchema, outputSchema, annotations } = tool;
    server.registerTool(name, { title, description, inputSchema, outputSchema, annotations }, (args, extra) =>
      serial(async () => {
        if (extra.signal.aborted) return refused('cancelled before it started; nothing was changed');
        const key = tool.keyed ? args.idempotencyKey : undefined;
        if (key !== undefined) {
          const first = keys.find(key);
          if (first) {
            if (first.tool !== name || !keys.same(first, name, args)) {
              return refused(`idempotencyKey "${key}" was used for another call (${first.tool}, run ${first.runId ?? 'none'}); a retry must repeat the same arguments, a new call needs a new key`);
            }
            const replay = { ...first.answer.structuredContent, idempotency: { key, replayed: true } };
            return answer(replay, first.answer.isError);
          }
        }
        let result;
        try {
          await withinRoots(server, config.workspace, args, extra);
          result = await tool.handler(args, makeContext(config, io, main, extra));
        } catch (err) {
          // The CLI's own refusals (a bad path, no such run...): the agent reads why and calls again.
          if (REFUSALS.some((kind) => err instanceof kind)) return refused(err.message);
          throw err;
        }
        const sc = result.structuredContent;
        // Only a call that reached its end is remembered: a cancelled one may be asked again.
        if (key !== undefined && sc && !extra.signal.aborted && sc.status !== 'INTERRUPTED') {
          sc.idempotency = { key, replayed: false };
          result.content[0].text = JSON.stringify(sc, null, 2);
          keys.save(key, name, args, sc.runId ?? null, result);
        }
        return result;
      }),
    );
  }
  return server;
}

/**
 * The client's roots narrow the workspace, never widen it: when the client declares roots and
 * some lie inside the workspace, every path of the call must be inside one of those. Roots
 * outside the workspace are ignored (the workspace is the server's --workspace, fixed at start).
 */
async function withinRoots(server, workspace, args, extra) {
  if (!server.server.getClientCapabilities()?.roots) return;
  const { roots } = await extra.sendRequest({ method: 'roots/list' }, ListRootsResultSchema);
  const inside = roots
    .map((r) => {
      try {
        return fs.realpathSync(fileURLToPath(r.uri));
      } catch {
        return null;
      }
    })
    .filter((p) => p && isInside(workspace, p));
  if (inside.length === 0 || inside.includes(workspace)) return;
  const given = [...(args.files ?? []).map((f) => (typeof f === 'string' ? f : f.path)), ...(args.read ?? [])];
  for (const p of given) {
    const abs = path.resolve(workspace, p);
    if (!inside.some((root) => isInside(root, abs))) {
      throw new UsageError(`${p} is outside the client's roots (${inside.map((r) => path.relative(workspace, r) || '.').join(', ')} in the workspace); nothing was done`);
    }
  }
}

function makeSerial() {
  let tail = Promise.resolve();
  return (fn) => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => {});
    return run;
  };
}

/** Serve until stdin closes (stdio) or the process is stopped (HTTP). Resolves to an exit code. */
export async function serveMcp(argv, io, { main }) {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(`usage: ${MCP_USAGE}\ntools: ${TOOLS.map((t) => t.name).join(', ')}\n`);
    return EXIT.OK;
  }
  const config = { ...parseMcpArgs(argv, io.cwd), live: new Set() };
  const serial = makeSerial();
  const stopped = onServerSignal(config, io);
  if (config.http === null) {
    const server = createServer(config, io, main, serial);
    const transport = new StdioServerTransport();
    // The client closing our stdin ends the session; a call still running finishes first.
    const ended = new Promise((resolve) => {
      process.stdin.once('end', resolve);
      process.stdin.once('close', resolve);
    });
    await server.connect(transport);
    await Promise.race([ended, stopped.promise]);
    await serial(() => {});
    await server.close();
    return stopped.code();
  }
  return serveHttp(config, io, main, serial, stopped);
}

const SIGNAL_EXIT = { SIGINT: EXIT.INTERRUPTED, SIGTERM: EXIT.TERMINATED, SIGHUP: EXIT.HANGUP };

/**
 * A signal to the server stops it as one to the CLI stops a run: each run in progress is told
 * (its model call cancelled, its check stopped, unchecked changes restored), the server ends once
 * they have, with the signal's exit code. A second signal exits at once.
 */
function onServerSignal(config, io) {
  let got = null;
  let resolve;
  const promise = new Promise((r) => (resolve = r));
  for (const name of Object.keys(SIGNAL_EXIT)) {
    io.signals?.on?.(name, () => {
      if (got) process.exit(SIGNAL_EXIT[name]);
      got = name;
      for (const run of config.live) run.emit(name);
      resolve(name);
    });
  }
  return { promise, code: () => (got ? SIGNAL_EXIT[got] : EXIT.OK) };
}

/** Streamable HTTP, stateless (a server and transport per request), on 127.0.0.1 only. */
async function serveHttp(config, io, main, serial, stopped) {
  const httpServer = http.createServer(async (req, res) => {
    if (new URL(req.url, 'http://127.0.0.1').pathname !== '/mcp') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the MCP endpoint is /mcp\n');
      return;
    }
    const port = httpServer.address().port;
    const server = createServer(config, io, main, serial);
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      // A page in a browser may not reach it through a name that resolves to loopback.
      enableDnsRebindingProtection: true,
      allowedHosts: [`127.0.0.1:${port}`, `localhost:${port}`],
    });
    res.on('close', () => {
      transport.close();
      server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res);
    } catch (err) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32603, message: String(err?.message ?? err) }, id: null }));
    }
  });
  await new Promise((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.http, '127.0.0.1', resolve);
  });
  io.stderr.write(`red-exec mcp: listening on http://127.0.0.1:${httpServer.address().port}/mcp (workspace ${config.workspace})\n`);
  await stopped.promise;
  await serial(() => {});
  await new Promise((resolve) => {
    httpServer.close(resolve);
    httpServer.closeAllConnections();
  });
  return stopped.code();
}
