// Drives one core Session: each request the core makes is answered through the host's callbacks.
// Every call into wasm is synchronous, so a panic surfaces right here as a thrown trap.

function coreError(wasm, err) {
  if (err instanceof WebAssembly.RuntimeError) {
    const message = wasm.lastPanic() ?? err.message;
    return Object.assign(new Error(`red-exec core panicked: ${message}`), { code: 'core_panic' });
  }
  return err instanceof Error ? err : new Error(String(err));
}

function callCore(wasm, fn) {
  try {
    return fn();
  } catch (err) {
    throw coreError(wasm, err);
  }
}

function errorMessage(err) {
  return err instanceof Error ? err.message : String(err);
}

/** The codes a refused write or delete passes on to the core: the user stopped the run, or the file changed. */
function changeErrorCode(err) {
  return err?.code === 'interrupted' || err?.code === 'conflict' ? err.code : null;
}

async function readAll(host, paths, dirs = []) {
  const files = {};
  const read = async (path) => {
    if (path in files) return;
    try {
      files[path] = await host.readFile(path);
    } catch (err) {
      files[path] = { state: 'unreadable', reason: 'io', message: errorMessage(err) };
    }
  };
  for (const path of paths) await read(path);
  // Directories the task names: the host lists each (a host without listDir lists none), and the
  // files it lists are read here, in the same reply, so the core can outline them.
  const listings = {};
  for (const dir of dirs) {
    if (typeof host.listDir !== 'function') {
      listings[dir] = { state: 'unreadable', reason: 'unsupported', message: 'this host cannot list a directory' };
      continue;
    }
    try {
      listings[dir] = await host.listDir(dir);
    } catch (err) {
      listings[dir] = { state: 'unreadable', reason: 'io', message: errorMessage(err) };
      continue;
    }
    if (listings[dir]?.state === 'listed') for (const path of listings[dir].paths) await read(path);
  }
  return { files, dirs: listings };
}

async function answer(host, request) {
  switch (request.kind) {
    case 'read':
      return { kind: 'files', ...(await readAll(host, request.paths, request.dirs)) };
    case 'complete':
      try {
        const c = await host.complete(request.request);
        const reply = { kind: 'completion', text: String(c.text ?? ''), usage: c.usage ?? null, durationMs: c.durationMs ?? null };
        // How the host asked, on a call that carried the plan's schema (the run log says it).
        if (c.responseFormat === 'json_schema' || c.responseFormat === 'prompt') reply.responseFormat = c.responseFormat;
        return reply;
      } catch (err) {
        return { kind: 'completion_error', code: err?.code ?? 'network', message: errorMessage(err) };
      }
    case 'write':
      try {
        await host.writeFile(request.path, request.text, { rollback: request.rollback, expect: request.expect });
        return { kind: 'written' };
      } catch (err) {
        return { kind: 'write_error', message: errorMessage(err), code: changeErrorCode(err) };
      }
    case 'delete':
      try {
        await host.deleteFile(request.path, { rollback: request.rollback, expect: request.expect });
        return { kind: 'deleted' };
      } catch (err) {
        return { kind: 'delete_error', message: errorMessage(err), code: changeErrorCode(err) };
      }
    case 'verify': {
      if (typeof host.verify !== 'function') {
        return { kind: 'verify_error', code: 'unsupported', message: 'this host cannot run a check command' };
      }
      try {
        const r = await host.verify({ command: request.command, timeoutMs: request.timeoutMs, attempt: request.attempt });
        return {
          kind: 'verified',
          exitCode: Number.isInteger(r?.exitCode) ? r.exitCode : null,
          signal: r?.signal ?? null,
          timedOut: Boolean(r?.timedOut),
          durationMs: Number.isFinite(r?.durationMs) ? Math.round(r.durationMs) : null,
          output: String(r?.output ?? ''),
        };
      } catch (err) {
        return { kind: 'verify_error', code: err?.code === 'interrupted' ? 'interrupted' : 'spawn', message: errorMessage(err) };
      }
    }
    default:
      throw new Error(`red-exec core asked for an unknown request kind: ${request.kind}`);
  }
}

/** Builds the public API over an initialised wasm-bindgen module. */
export function makeApi(wasm) {
  async function runTask({ task, files, read = [], skills = [], options = {}, words, host, runId, supplied }) {
    const id = runId ?? callCore(wasm, () => wasm.newRunId());
    const input = { task, files, read, skills, options, words, runId: id };
    // The caller's own content for `files` (governed_write): gated as a model's answer would be.
    if (supplied) input.supplied = supplied;
    const session = callCore(wasm, () => new wasm.Session(input));
    try {
      let reply;
      for (;;) {
        const step = callCore(wasm, () => session.resume(reply));
        for (const event of step.events) {
          // A prompt and an answer cross the boundary once (in the request, in the reply): their
          // events come without them, and get them back here, the same strings, not copies.
          if (event.kind === 'model_request' && step.request.kind === 'complete' && step.request.request.id === event.id) {
            event.messages = step.request.request.messages;
          } else if (event.kind === 'model_response' && reply?.kind === 'completion') {
            event.text = reply.text;
          }
          host.onEvent?.(event);
        }
        if (step.request.kind === 'done') return step.request.result;
        reply = await answer(host, step.request);
      }
    } finally {
      try {
        session.free();
      } catch {
        // After a trap the instance may refuse; the error that matters is already on its way.
      }
    }
  }

  return {
    runTask,
    renderReport: (result, wallMs, words) => callCore(wasm, () => wasm.renderReport(result, wallMs, words)),
    renderMarkdownReport: (result, task, wallMs, words) => callCore(wasm, () => wasm.renderMarkdownReport(result, task, wallMs, words)),
    skillStarter: (files, packageJson = null, words) => callCore(wasm, () => wasm.skillStarter(files, packageJson ?? undefined, words)),
    errorCodes: (words) => callCore(wasm, () => wasm.errorCodes(words)),
    parseSkill: (markdown) => callCore(wasm, () => wasm.parseSkill(markdown)),
    newRunId: () => callCore(wasm, () => wasm.newRunId()),
    version: () => wasm.version(),
    knownModels: () => callCore(wasm, () => wasm.knownModels()),
    gateRules: () => callCore(wasm, () => wasm.gateRules()),
    toolPath: (path) => callCore(wasm, () => wasm.toolPath(path) ?? null),
    panicForDiagnostics: (message) => callCore(wasm, () => wasm.panicForDiagnostics(message)),
  };
}
