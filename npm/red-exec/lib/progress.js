// One updating status line on stderr while the core works (TTY only).

import { printable } from './output.js';

const SPIN = ['|', '/', '-', '\\'];

export function wantsColor(stream, env) {
  return Boolean(stream.isTTY) && !('NO_COLOR' in env && env.NO_COLOR !== '');
}

export function paint(enabled) {
  const wrap = (open, close) => (s) => (enabled ? `\x1b[${open}m${s}\x1b[${close}m` : s);
  return { dim: wrap(2, 22), red: wrap(31, 39), green: wrap(32, 39), yellow: wrap(33, 39), cyan: wrap(36, 39), bold: wrap(1, 22) };
}

/** A short human description of an event, or null to keep the current line. */
export function describeEvent(event, model) {
  switch (event.kind) {
    case 'run_start':
      return `reading ${Array.isArray(event.files) ? event.files.length : ''} file(s)`;
    case 'stage':
      return `${event.stage} ${event.state ?? ''}`.trim();
    case 'model_request': {
      const what = event.stage === 'L1' ? 'planning' : `writing ${event.path ?? ''}`.trim();
      const retry = event.attempt > 0 ? ` (retry ${event.attempt})` : '';
      return `${event.stage} ${what}${retry}: waiting for ${model}`;
    }
    case 'model_response': {
      const u = event.usage;
      const tokens = u ? `${(u.promptTokens ?? 0) + (u.completionTokens ?? 0)} tokens` : 'an answer';
      const secs = Number.isFinite(event.durationMs) ? ` in ${(event.durationMs / 1000).toFixed(1)}s` : '';
      return `model answered: ${tokens}${secs}`;
    }
    case 'host_retry':
      return `model call ${event.id} failed (${event.status ?? event.code}); retry ${event.retry} in ${(event.delayMs / 1000).toFixed(1)}s`;
    case 'plan': {
      const actions = (event.actions || []).map((a) => `${a.action} ${a.path}`).join(', ');
      // A derived plan was not asked for: the scope left one choice (no L1 call).
      if (event.source === 'derived') return `plan: derived from the scope (${(event.actions || []).length} file(s)): ${actions}`;
      return `plan: ${actions}`;
    }
    case 'plan_rejected':
      return 'plan rejected; asking again';
    case 'unit_rejected':
      return `answer for ${event.path} rejected: ${event.reason ?? ''}`.trim();
    case 'gate':
      return `gate ${event.path ?? ''}: ${event.decision ?? ''}`.trim();
    case 'write':
      return `wrote ${event.path}`;
    case 'delete':
      return `deleted ${event.path}`;
    case 'verify_start':
      return `checking: ${event.command}${event.attempt > 0 ? ` (attempt ${event.attempt + 1})` : ''}`;
    case 'verify_end': {
      const r = event.result || {};
      // Whether files are restored next is not this event's to say (--keep-on-fail keeps them).
      if (r.passed) return 'check passed';
      const how = r.timedOut ? 'timed out' : r.exitCode !== null && r.exitCode !== undefined ? `exit ${r.exitCode}` : r.signal ?? 'did not run';
      return `check failed (${how})`;
    }
    case 'rollback':
      return `restored ${event.path}`;
    default:
      return null;
  }
}

/** A progress line for `stream`; a no-op unless enabled. */
export function createProgress({ stream, enabled, color, model }) {
  if (!enabled) return { event() {}, stop() {} };
  const c = paint(color);
  const started = Date.now();
  let text = 'starting';
  let tick = 0;
  let stopped = false;

  const draw = () => {
    const secs = ((Date.now() - started) / 1000).toFixed(0).padStart(3);
    const width = Math.max(20, (stream.columns || 80) - 1);
    // A plan's paths and a rejection's reason come from the model: escaped, never acted on.
    const line = `${SPIN[tick++ % SPIN.length]} ${secs}s red-exec: ${printable(text)}`.slice(0, width);
    stream.write(`\r\x1b[K${c.cyan(line.slice(0, 1))}${c.dim(line.slice(1, 6))}${line.slice(6)}`);
  };
  const timer = setInterval(draw, 250);
  timer.unref();
  draw();

  return {
    event(event) {
      if (stopped) return;
      const d = describeEvent(event, model);
      if (d) {
        text = d;
        draw();
      }
    },
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      stream.write('\r\x1b[K');
    },
  };
}
