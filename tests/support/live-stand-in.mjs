#!/usr/bin/env node
// A stand-in for benchmarks/live-model/serve.mjs in the live benchmark tests: the same command line
// (`--model NAME [--port N] [--threads N]`), the same first line (`listening http://127.0.0.1:PORT/v1`),
// GET /health, and an OpenAI-compatible /v1/chat/completions with usage that accepts response_format.
// It answers like a model that knows one exercise's solution (the reference model's answers for the
// pipeline's prompts; the solution file, fenced, for a whole-file prompt), with no weights.
//
//   STAND_IN_SOLUTION  the solution folder it answers from (required)
//   STAND_IN_LOG       a JSON-lines file: one line per chat request { stage, path, responseFormat, target }
//   STAND_IN_PID_FILE  written with this process's pid once listening
//   STAND_IN_BASELINE  "broken": whole-file prompts get a file that does not parse (for the audit)
//   STAND_IN_HOLD      "1": never answer a chat request (a run in flight, for the Ctrl-C test)
//   STAND_IN_REFUSE_SCHEMA  "1": answer a json_schema response_format with a 400, as servers without it do

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const answers = require('../../benchmarks/reference-model/answers.js');

const { values } = parseArgs({ options: { model: { type: 'string' }, port: { type: 'string', default: '0' }, threads: { type: 'string', default: '1' } } });
if (!values.model) {
  process.stderr.write('usage: live-stand-in.mjs --model NAME [--port N] [--threads N]\n');
  process.exit(2);
}
const solutionDir = path.resolve(process.env.STAND_IN_SOLUTION ?? '');
const solution = answers.loadSolution(solutionDir);
const log = (entry) => process.env.STAND_IN_LOG && fs.appendFileSync(process.env.STAND_IN_LOG, `${JSON.stringify(entry)}\n`);
const tokens = (text) => Math.ceil(String(text).length / 4);
let lastSystem = null;

function answer(body) {
  const block = answers.readBlock(body.messages);
  if (block?.stage === 'L1') return { stage: 'L1', text: JSON.stringify(answers.planFor(answers.scopeOfPlanPrompt(answers.userText(body.messages)), solution)) };
  if (block?.stage === 'L3' && block.path) return { stage: 'L3', path: block.path, text: answers.fence(answers.unitCode(block, body.messages, solution).code, block.lang) };
  // A whole-file prompt ends by naming the file it wants.
  const user = body.messages.filter((m) => m.role === 'user').map((m) => m.content).join('\n');
  const target = /Return the complete new content of (\S+?),/.exec(user)?.[1];
  if (!target) return { stage: null, text: 'I do not know what you want.' };
  if (process.env.STAND_IN_BASELINE === 'broken') return { stage: 'whole-file', target, text: 'Here it is:\n```js\nfunction broken( {\n```\n' };
  const file = path.join(solutionDir, target);
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  return { stage: 'whole-file', target, text: `\`\`\`js\n${text}\`\`\`\n` };
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const send = (status, payload) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    if (req.method === 'GET' && req.url === '/health') return send(200, { status: 'ok', model: values.model, quantisation: 'Q4_K_M', threads: Number(values.threads) });
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') return send(404, { error: { message: `no route ${req.method} ${req.url}` } });
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return send(400, { error: { message: 'body is not JSON' } });
    }
    const a = answer(body);
    log({ stage: a.stage, path: a.path, target: a.target, responseFormat: body.response_format ?? null });
    if (process.env.STAND_IN_HOLD === '1') return; // held: the client waits until it gives up or is stopped
    if (process.env.STAND_IN_REFUSE_SCHEMA === '1' && body.response_format?.type === 'json_schema') {
      return send(400, { error: { message: "response_format type 'json_schema' is not supported", type: 'invalid_request_error', param: 'response_format' } });
    }
    const prompt = body.messages.reduce((n, m) => n + tokens(m.content ?? '') + 4, 3);
    // A prompt cache like serve.mjs's: a system message the chat before had too counts as reused.
    const system = body.messages[0]?.role === 'system' ? String(body.messages[0].content) : null;
    const cached = system !== null && system === lastSystem ? tokens(system) : 0;
    lastSystem = system;
    send(200, {
      id: 'chatcmpl-stand-in',
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: values.model,
      choices: [{ index: 0, message: { role: 'assistant', content: a.text }, finish_reason: 'stop' }],
      usage: { prompt_tokens: prompt, completion_tokens: tokens(a.text), total_tokens: prompt + tokens(a.text), prompt_tokens_details: { cached_tokens: cached } },
    });
  });
});

server.listen(Number(values.port), '127.0.0.1', () => {
  if (process.env.STAND_IN_PID_FILE) fs.writeFileSync(process.env.STAND_IN_PID_FILE, String(process.pid));
  process.stdout.write(`listening http://127.0.0.1:${server.address().port}/v1\n`);
});
const stop = () => {
  server.closeAllConnections?.();
  server.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
