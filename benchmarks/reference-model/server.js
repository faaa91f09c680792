#!/usr/bin/env node
'use strict';
// Reference model: an OpenAI-compatible chat-completions server on 127.0.0.1 that answers the
// red-exec pipeline from a fixture's solution folder, optionally with seeded chaos.
//
//   node server.js --solution DIR [--port N] [--chaos RATE --seed N] [--stall-ms N]
//
// The first line on stdout is `listening http://127.0.0.1:PORT/v1`. GET /v1/stats reports the
// requests served and the chaos injected, so a runner can record what went wrong on purpose.

const http = require('node:http');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { encode } = require('gpt-tokenizer');
const answers = require('./answers.js');
const chaos = require('./chaos.js');

// RED_EXEC_REF_DUMP=FILE appends one JSON line per answered request (its block, messages, answer and
// usage): where a run's tokens go, read by benchmarks/scripts/token-breakdown.mjs.
const DUMP = process.env.RED_EXEC_REF_DUMP;

function usageTokens(messages, text) {
  // The chat format's per-message framing (about 4 tokens) on top of the BPE count of each body.
  const prompt = (messages || []).reduce((n, m) => n + encode(String(m.content ?? '')).length + 4, 3);
  return { prompt_tokens: prompt, completion_tokens: encode(text).length };
}

function createReferenceServer({ solutionDir, rate = 0, seed = 1, stallMs = 30_000 }) {
  const solution = answers.loadSolution(solutionDir);
  const dice = chaos.createChaos({ rate, seed });
  const stats = { requests: 0, answered: 0, chaos: {} };
  const timers = new Set();

  function answerText(block, messages, kind) {
    if (block && block.stage === 'L1') {
      const prompt = answers.userText(messages);
      const plan = answers.planFor(answers.scopeOfPlanPrompt(prompt), solution, answers.taskOfPlanPrompt(prompt));
      if (kind === 'plan_malformed') return { kind, text: chaos.malformedPlan(plan) };
      if (kind === 'plan_out_of_scope') return { kind, text: chaos.outOfScopePlan(plan) };
      return { kind: null, text: JSON.stringify(plan) };
    }
    if (block && block.stage === 'L3' && block.path) {
      const { code } = answers.unitCode(block, messages, solution);
      const fence = (c) => answers.fence(c, block.lang);
      if (kind && chaos.CODE_KINDS.includes(kind)) {
        return chaos.corruptCode(kind, code, { fence, random: dice.random, path: block.path });
      }
      return { kind: null, text: fence(code) };
    }
    return { kind: null, text: 'I can only answer red-exec pipeline prompts (no @@red-exec block found).' };
  }

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'GET' && req.url === '/v1/stats') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(stats));
        return;
      }
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
        return;
      }
      let body;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'body is not JSON' } }));
        return;
      }
      stats.requests++;
      const block = answers.readBlock(body.messages);
      const drawn = dice.decide(block);
      const note = (kind) => {
        if (kind) stats.chaos[kind] = (stats.chaos[kind] ?? 0) + 1;
      };
      if (drawn === 'http_429') {
        note(drawn);
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
        res.end(JSON.stringify({ error: { message: 'Rate limit reached for requests', type: 'rate_limit_error' } }));
        return;
      }
      if (drawn === 'http_500') {
        note(drawn);
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'The server had an error while processing your request.' } }));
        return;
      }
      const { kind, text } = answerText(block, body.messages, drawn === 'stall' ? null : drawn);
      note(drawn === 'stall' ? 'stall' : kind);
      const send = () => {
        stats.answered++;
        const payload = {
          id: `chatcmpl-ref-${stats.requests}`,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: body.model ?? 'reference',
          choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
          usage: usageTokens(body.messages, text),
        };
        payload.usage.total_tokens = payload.usage.prompt_tokens + payload.usage.completion_tokens;
        if (DUMP) {
          const record = { solution: path.basename(path.dirname(solutionDir)), block, messages: body.messages, answer: text, usage: payload.usage };
          require('node:fs').appendFileSync(DUMP, `${JSON.stringify(record)}\n`);
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      if (drawn !== 'stall') return send();
      // A stall answers late (past any sane client timeout), or not at all if the client gives up.
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!res.destroyed) send();
      }, stallMs);
      timers.add(timer);
      res.on('close', () => {
        clearTimeout(timer);
        timers.delete(timer);
      });
    });
  });
  server.on('close', () => timers.forEach(clearTimeout));
  return { server, stats };
}

function main() {
  const { values } = parseArgs({
    options: {
      solution: { type: 'string' },
      port: { type: 'string', default: '0' },
      chaos: { type: 'string', default: '0' },
      seed: { type: 'string', default: '1' },
      'stall-ms': { type: 'string', default: '30000' },
    },
  });
  if (!values.solution) {
    process.stderr.write('usage: server.js --solution DIR [--port N] [--chaos RATE --seed N] [--stall-ms N]\n');
    process.exit(2);
  }
  const rate = Number(values.chaos);
  const seed = Number(values.seed);
  if (!(rate >= 0 && rate <= 1) || !Number.isInteger(seed)) {
    process.stderr.write('--chaos must be from 0 to 1 and --seed an integer\n');
    process.exit(2);
  }
  const { server } = createReferenceServer({
    solutionDir: path.resolve(values.solution),
    rate,
    seed,
    stallMs: Number(values['stall-ms']),
  });
  server.listen(Number(values.port), '127.0.0.1', () => {
    process.stdout.write(`listening http://127.0.0.1:${server.address().port}/v1\n`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (require.main === module) main();

module.exports = { createReferenceServer, usageTokens };
