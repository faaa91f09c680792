// The plan's JSON schema as OpenAI's response_format: sent where the server takes it, dropped once
// and for the rest of the run where it refuses it; and the run log saying which way each plan
// call went. Loopback servers that accept, refuse once, refuse always.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createOpenAICompleter, refusesResponseFormat } from '@codemaestro/core';
import { withModelServer as withServer } from '../support/model-server.mjs';
import { cleanup, makeWorkspace, runCli, lastRunLog, fenced, planJson } from '../support/cli.mjs';
import { HEALTH_MODULE } from '../support/answers.mjs';

after(cleanup);

const SCHEMA = { type: 'object', properties: { actions: { type: 'array' } }, required: ['actions'] };
const PLAN = { id: 1, stage: 'L1', path: null, action: null, attempt: 0, messages: [{ role: 'user', content: 'plan' }], temperature: 0, maxTokens: 10, responseFormat: { name: 'red_exec_plan', schema: SCHEMA } };
const UNIT = { ...PLAN, id: 2, stage: 'L3', path: 'a.js', responseFormat: undefined };
const WANTED = { type: 'json_schema', json_schema: { name: 'red_exec_plan', schema: SCHEMA, strict: true } };
const REFUSAL = { error: { message: "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.", type: 'invalid_request_error', param: 'response_format' } };

test('completer: a server that accepts the schema gets it on every plan call, and never on a unit call', async () => {
  await withServer(async (server) => {
    server.answer('{"actions":[]}').answer('{"actions":[]}').answer('code');
    const complete = createOpenAICompleter({ baseUrl: server.baseUrl, model: 'm' });
    assert.equal((await complete(PLAN)).responseFormat, 'json_schema');
    assert.equal((await complete({ ...PLAN, id: 3, attempt: 1 })).responseFormat, 'json_schema');
    const unit = await complete(UNIT);
    assert.equal('responseFormat' in unit, false);
    assert.deepEqual(server.requests.map((r) => r.body.response_format), [WANTED, WANTED, undefined]);
  });
});

test('completer: a refusal (400 naming response_format) resends the same request without it, once, and later calls go without it', async () => {
  await withServer(async (server) => {
    // Refuses once: it would take the schema on a later call, but this run no longer offers it.
    server.fail(400, REFUSAL).answer('{"actions":[]}').answer('{"actions":[]}');
    const fallbacks = [];
    const retries = [];
    const complete = createOpenAICompleter({ baseUrl: server.baseUrl, model: 'm', maxRetries: 0, onFallback: (f) => fallbacks.push(f), onRetry: (r) => retries.push(r) });
    const first = await complete(PLAN);
    assert.equal(first.text, '{"actions":[]}');
    assert.equal(first.responseFormat, 'prompt');
    assert.equal((await complete({ ...PLAN, id: 3 })).responseFormat, 'prompt');
    assert.deepEqual(server.requests.map((r) => r.body.response_format), [WANTED, undefined, undefined]);
    // The resend is the same request otherwise.
    const strip = ({ response_format, ...rest }) => rest;
    assert.deepEqual(strip(server.requests[0].body), server.requests[1].body);
    assert.equal(fallbacks.length, 1);
    assert.deepEqual([fallbacks[0].id, fallbacks[0].status], [1, 400]);
    assert.match(fallbacks[0].message, /response_format/);
    assert.deepEqual(retries, [], 'a fallback is not a retry');
  });
});

test('completer: a server that refuses always is asked with the schema once per completer (one run)', async () => {
  await withServer(async (server) => {
    // vLLM / FastAPI's shape: 422 with a detail list naming the field.
    const refuseSchema = (req) =>
      req.body.response_format
        ? { type: 'raw', status: 422, contentType: 'application/json', headers: {}, body: JSON.stringify({ detail: [{ type: 'extra_forbidden', loc: ['body', 'response_format'], msg: 'Extra inputs are not permitted' }] }) }
        : '{"actions":[]}';
    server.otherwise(refuseSchema);
    const complete = createOpenAICompleter({ baseUrl: server.baseUrl, model: 'm' });
    for (let i = 0; i < 3; i++) assert.equal((await complete({ ...PLAN, id: i + 1 })).responseFormat, 'prompt');
    assert.deepEqual(server.requests.map((r) => Boolean(r.body.response_format)), [true, false, false, false]);
    // A new completer (the next run) tries again.
    const next = createOpenAICompleter({ baseUrl: server.baseUrl, model: 'm' });
    assert.equal((await next(PLAN)).responseFormat, 'prompt');
    assert.deepEqual(server.requests.slice(4).map((r) => Boolean(r.body.response_format)), [true, false]);
  });
});

test('completer: a 400 that is not about the schema is the error it was, with no resend', async () => {
  await withServer(async (server) => {
    server.fail(400, { error: { message: 'This model maximum context length is 4096 tokens' } });
    const complete = createOpenAICompleter({ baseUrl: server.baseUrl, model: 'm' });
    await assert.rejects(complete(PLAN), (err) => err.code === 'bad_response' && /context length/.test(err.message));
    assert.equal(server.requests.length, 1);
  });
  // A refusal-looking body on a request that carried no schema is not a fallback either.
  await withServer(async (server) => {
    server.fail(400, REFUSAL);
    const complete = createOpenAICompleter({ baseUrl: server.baseUrl, model: 'm' });
    await assert.rejects(complete(UNIT), (err) => err.code === 'bad_response');
    assert.equal(server.requests.length, 1);
  });
  assert.equal(refusesResponseFormat(422, '{"detail":[{"loc":["body","response_format"]}]}'), true);
  assert.equal(refusesResponseFormat(400, 'json_schema is not supported'), true);
  assert.equal(refusesResponseFormat(500, 'response_format'), false);
  assert.equal(refusesResponseFormat(400, 'bad temperature'), false);
});

async function healthRun(server) {
  const ws = makeWorkspace();
  server.answer(planJson([{ path: 'src/health.js', action: 'CREATE', intent: 'health()', exports: ['health'] }]));
  server.answer(fenced(HEALTH_MODULE));
  // A missing file the task does not say to create, nor what it exports, in a folder the run knows
  // nothing of: the plan is the planner's (a one-file task that says "create" would derive its plan
  // and make no plan call).
  const r = await runCli(['Add src/health.js with a health() function', '--files', 'src/health.js', '--base-url', server.baseUrl], { cwd: ws });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(fs.readFileSync(path.join(ws, 'src/health.js'), 'utf8'), HEALTH_MODULE);
  return lastRunLog(ws).events;
}

test('red-exec: the plan call carries the plan schema (path limited to the scope); the log says json_schema', async () => {
  await withServer(async (server) => {
    const events = await healthRun(server);
    const [plan, unit] = server.requests;
    assert.equal(plan.body.response_format.type, 'json_schema');
    assert.equal(plan.body.response_format.json_schema.name, 'red_exec_plan');
    assert.equal(plan.body.response_format.json_schema.strict, true);
    const entry = plan.body.response_format.json_schema.schema.properties.actions.items;
    assert.deepEqual(entry.properties.path.enum, ['src/health.js']);
    assert.deepEqual(entry.required, ['path', 'action', 'intent']);
    // The required properties come first: a grammar-constrained model writes them in this order.
    assert.deepEqual(Object.keys(entry.properties).slice(0, 3), ['path', 'action', 'intent']);
    // Narrowed to the run: one file that does not exist yet, so CREATE only.
    assert.deepEqual(entry.properties.action.enum, ['CREATE']);
    // The prompt still says the format in words.
    assert.match(plan.body.messages.map((m) => m.content).join('\n'), /ANSWER FORMAT \(JSON only[;)]/);
    assert.equal(unit.body.response_format, undefined);
    const responses = events.filter((e) => e.kind === 'model_response');
    assert.deepEqual(responses.map((e) => e.responseFormat), ['json_schema', undefined]);
  });
});

test('red-exec: a server that refuses the schema gets the prompt-only plan call; the run is the same, the log says prompt', async () => {
  await withServer(async (server) => {
    server.fail(400, REFUSAL);
    const events = await healthRun(server);
    assert.deepEqual(server.requests.map((r) => Boolean(r.body.response_format)), [true, false, false]);
    assert.equal(events.filter((e) => e.kind === 'host_response_format_refused').length, 1);
    assert.equal(events.filter((e) => e.kind === 'host_retry').length, 0);
    assert.deepEqual(events.filter((e) => e.kind === 'model_response').map((e) => e.responseFormat), ['prompt', undefined]);
  });
});
