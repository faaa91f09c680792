// A Node user of @codemaestro/core, type-checked with `tsc --strict` (consumer.test.mjs): a file host
// on node:fs, an OpenAI-compatible completer on fetch, the check through child_process, and a
// progress display over every kind of event. It is never run; it proves that index.d.ts and the
// generated types/protocol.d.ts describe what such a host writes and reads.
import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  knownModels,
  parseSkill,
  renderReport,
  runTask,
  skillStarter,
  version,
  type Completion,
  type CompletionErrorCode,
  type CompletionRequest,
  type FileState,
  type Host,
  type RunEvent,
  type RunEventKind,
  type RunResult,
  type VerifyOutcome,
  type VerifyRequest,
} from '@codemaestro/core';

const workspace = process.cwd();
const baseUrl = 'http://127.0.0.1:8080/v1';

class CompletionError extends Error {
  constructor(message: string, readonly code: CompletionErrorCode) {
    super(message);
  }
}

async function complete(request: CompletionRequest): Promise<Completion> {
  const response = await fetch(`${baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'local',
      messages: request.messages,
      temperature: request.temperature,
      max_tokens: request.maxTokens,
    }),
  });
  if (response.status === 401) throw new CompletionError('the server refused the key', 'auth');
  const body = (await response.json()) as {
    choices: { message: { content: string } }[];
    usage?: { prompt_tokens: number; completion_tokens: number };
  };
  const usage = body.usage ? { promptTokens: body.usage.prompt_tokens, completionTokens: body.usage.completion_tokens } : null;
  return { text: body.choices[0]?.message.content ?? '', usage };
}

async function readWorkspaceFile(path: string): Promise<FileState> {
  try {
    return { state: 'present', text: await readFile(join(workspace, path), 'utf8') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { state: 'absent' };
    if (code === 'EISDIR') return { state: 'unreadable', reason: 'directory', message: 'a directory, not a file' };
    return { state: 'unreadable', reason: 'io', message: String(err) };
  }
}

function verify(request: VerifyRequest): Promise<VerifyOutcome> {
  return new Promise((resolve) => {
    execFile('sh', ['-c', request.command], { cwd: workspace, timeout: request.timeoutMs }, (error, stdout, stderr) => {
      const exitCode = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ exitCode, signal: error?.signal ?? null, timedOut: Boolean(error?.killed), output: stdout + stderr });
    });
  });
}

function progress(event: RunEvent): string {
  switch (event.kind) {
    case 'run_start':
      return `run ${event.runId}: ${event.files.join(', ')} (gate ${event.options.gate ?? 'block'})`;
    case 'stage':
      return `${event.stage} ${event.state}`;
    case 'model_request':
      return `#${event.id} ${event.stage} ${event.path ?? '(plan)'} attempt ${event.attempt}`;
    case 'model_response':
      return `#${event.id} ${event.usage?.completionTokens ?? 0} tokens in ${event.durationMs ?? 0} ms`;
    case 'model_error':
      return `#${event.id} ${event.code}: ${event.message}`;
    case 'plan':
      return event.actions.map((a) => `${a.action} ${a.path}${a.from ? ` from ${a.from}` : ''}`).join('\n');
    case 'plan_rejected':
      return event.problems.join('; ');
    case 'unit_rejected':
      return `${event.path}: ${event.reason}`;
    case 'gate':
      return `${event.path}: ${event.decision} ${event.violations.map((v) => v.rule).join(',')}`;
    case 'post_process':
      return `${event.path}: ${event.pass} (${event.description})`;
    case 'write':
    case 'delete':
    case 'rollback':
      return `${event.kind} ${event.path}`;
    case 'write_error':
    case 'rollback_error':
      return `${event.path}: ${event.message}`;
    case 'context':
      return `${event.path}#${event.section ?? 0}: ${event.tokens}/${event.budget} (${event.readOnly.filter((r) => !r.whole).length} outlined)`;
    case 'verify_start':
      return `check ${event.attempt}: ${event.command}`;
    case 'verify_end':
      return `check ${event.attempt}: ${event.result.passed ? 'passed' : event.result.outputTail}`;
    case 'run_end':
      return `${event.status}${event.error ? ` (${event.error.code})` : ''}`;
    default: {
      const unknown: never = event;
      return `unknown event ${(unknown as RunEvent).kind satisfies RunEventKind}`;
    }
  }
}

const host: Host = {
  complete,
  readFile: readWorkspaceFile,
  writeFile: (path, text) => writeFile(join(workspace, path), text),
  deleteFile: (path) => rm(join(workspace, path)),
  verify,
  onEvent: (event) => console.log(progress(event)),
};

const started = Date.now();
const skill = parseSkill(await readFile('SKILL.md', 'utf8'));
const result: RunResult = await runTask({
  task: 'Add a GET /health route',
  files: ['src/server.js'],
  skills: [skill.text],
  options: { model: 'deepseek-chat', gate: 'warn', verify: 'npm test', keepOnFail: false },
  host,
});
console.log(renderReport(result, Date.now() - started), version());
const written: string[] = result.files.filter((f) => f.outcome === 'written').map((f) => f.path);
const tokens: number = result.usage.totalTokens + result.usageByStage.L1.calls;
const passed: boolean | undefined = result.verify?.passed;
const provider: 'deepseek' | 'openai' | undefined = knownModels()['deepseek-chat']?.provider;
console.log(written, tokens, passed, provider, skillStarter([['src/a.js', 'export const a = 1;']], null));

// What the types must refuse.
// @ts-expect-error a present file has its text
const noText: FileState = { state: 'present' };
// @ts-expect-error not a reason a host gives
const badReason: FileState = { state: 'unreadable', reason: 'gone', message: '' };
// @ts-expect-error a host writes files
const readOnlyHost: Host = { complete, readFile: readWorkspaceFile, deleteFile: async () => {} };
// @ts-expect-error not a status of a run
const bogus: boolean = result.status === 'BOGUS';
// @ts-expect-error the gate has three modes
await runTask({ task: 't', files: ['a.js'], options: { gate: 'loose' }, host });
console.log(noText, badReason, readOnlyHost, bogus);
