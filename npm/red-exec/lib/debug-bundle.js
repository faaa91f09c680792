// --export-debug: one zip with everything needed to understand a run (its events, with every
// prompt and answer, what it was asked, and the files it wrote), and never the API key.

import fs from 'node:fs';
import path from 'node:path';
import { zipSync, strToU8 } from 'fflate';
import { createFsHost } from './fs-host.js';
import { parseEventLines } from './run-log.js';
import { readConfined, writeConfined } from './paths.js';

export function bundleName(runId) {
  return `debug-${runId}.zip`;
}

/**
 * Zip <logDir>/events.jsonl, a meta.json made from it, and (under files/) every file the run
 * wrote, read back from `filesRoot` now. Everything passes `redact`. Returns the zip's path.
 */
export async function writeDebugBundle({ logDir, runId, filesRoot, redact = (s) => s, exportedBy }) {
  const eventsText = readConfined(path.join(logDir, 'events.jsonl'));
  const events = parseEventLines(eventsText);
  const first = (kind) => events.find((e) => e.kind === kind) ?? null;
  const hostStart = first('host_start') ?? {};
  const runStart = first('run_start') ?? {};
  const result = events.findLast((e) => e.kind === 'result') ?? null;
  const runEnd = events.findLast((e) => e.kind === 'run_end') ?? null;

  const entries = {};
  const included = [];
  const missing = [];
  const written = [...new Set(events.filter((e) => e.kind === 'write' && typeof e.path === 'string').map((e) => e.path))];
  let reader = null;
  try {
    reader = createFsHost(filesRoot);
  } catch {
    // the run's directory is gone (a dry run's copy): every file is reported missing
  }
  for (const rel of written) {
    const state = reader ? await reader.readFile(rel) : { state: 'absent' };
    if (state.state === 'present') {
      entries[`files/${rel}`] = strToU8(redact(state.text));
      included.push(rel);
    } else {
      missing.push({ path: rel, why: state.state === 'absent' ? 'no longer on disk' : state.message });
    }
  }

  const meta = {
    runId,
    task: runStart.task ?? null,
    files: runStart.files ?? [],
    read: runStart.read ?? [],
    skills: hostStart.cli?.skills ?? [],
    options: runStart.options ?? null,
    cli: hostStart.cli ?? null,
    model: hostStart.model ?? runStart.options?.model ?? null,
    versions: { core: hostStart.core ?? null, ...(hostStart.versions ?? {}) },
    status: result?.status ?? runEnd?.status ?? 'unfinished',
    error: result?.error ?? runEnd?.error ?? null,
    startedAt: hostStart.time ?? null,
    exportedAt: new Date().toISOString(),
    exportedBy: exportedBy ?? null,
    writtenFiles: { included, missing, note: 'files/ holds each written file as read from disk when this bundle was made' },
  };
  entries['meta.json'] = strToU8(`${redact(JSON.stringify(meta, null, 2))}\n`);
  entries['events.jsonl'] = strToU8(redact(eventsText));

  const zip = zipSync(entries, { level: 6 });
  const file = path.join(logDir, bundleName(runId));
  writeConfined(file, zip);
  return file;
}
