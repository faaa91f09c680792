// `red-exec mcp` as a child process, driven by the MCP SDK's own client (stdio or Streamable HTTP).

import { spawn } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { CLI, cleanEnv } from './cli.mjs';

/**
 * A connected client over stdio to `red-exec mcp --workspace ws ...args`. Returns { client, stderr(), close() }.
 * `roots`: file URLs the client offers as its roots (it then declares the roots capability).
 */
export async function startMcp(ws, args = [], { env = {}, bin = CLI, roots } = {}) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [bin, 'mcp', '--workspace', ws, ...args],
    env: cleanEnv(env),
    cwd: ws,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (d) => (stderr += d));
  const client = new Client({ name: 'red-exec-test', version: '1.0.0' }, roots ? { capabilities: { roots: {} } } : undefined);
  if (roots) client.setRequestHandler(ListRootsRequestSchema, () => ({ roots: roots.map((uri) => ({ uri })) }));
  await client.connect(transport);
  // The SDK keeps the child to itself; its exit code is what a test of the server's signals needs.
  const exited = new Promise((resolve) => transport._process?.once('exit', (code, signal) => resolve({ code, signal })));
  return { client, pid: transport.pid, exited, stderr: () => stderr, close: () => client.close() };
}

/** `red-exec mcp --http 0 ...`: the child, the port it took, and a client connected over Streamable HTTP. */
export async function startMcpHttp(ws, args = [], { env = {} } = {}) {
  const child = spawn(process.execPath, [CLI, 'mcp', '--http', '0', '--workspace', ws, ...args], { cwd: ws, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const url = await new Promise((resolve, reject) => {
    child.stderr.on('data', (d) => {
      stderr += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(stderr);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`red-exec mcp --http exited ${code}: ${stderr}`)));
  });
  const client = new Client({ name: 'red-exec-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    client,
    url,
    stderr: () => stderr,
    async close() {
      await client.close();
      child.kill('SIGTERM');
      return exited;
    },
  };
}
