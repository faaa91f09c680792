// What the page shows while a run goes: the core's events folded into one state (stages, plan,
// gate decisions, calls and tokens, what is happening now). Pure, so Node tests can drive it.

export const STAGES = ['L1', 'L2', 'L3', 'gate'];
const NEXT = { L1: 'L2', L2: 'L3', L3: 'gate' };

export function newProgress() {
  return {
    /** stage -> 'pending' | 'running' | 'ok' | 'failed' | 'skipped' */
    stages: { L1: 'pending', L2: 'pending', L3: 'pending', gate: 'pending' },
    activity: '',
    plan: [],
    planProblems: [],
    /** every gate decision, in order: { path, action, decision, violations, attempt } */
    gates: [],
    /** answers thrown away before a retry: { path, attempt, reason } */
    rejections: [],
    calls: 0,
    promptTokens: 0,
    completionTokens: 0,
    /** the last L3 answer per path (a blocked file's rejected proposal can be shown) */
    lastAnswer: {},
    status: null,
    error: null,
    requests: new Map(),
  };
}

function describe(stage, path, attempt) {
  const what = stage === 'L1' ? 'L1 planning' : `L3 generating ${path ?? ''}`.trim();
  return attempt > 0 ? `${what} (retry ${attempt})` : what;
}

/** Fold one core event into `p` (mutates and returns it). The result's `stages` is the final word. */
export function applyEvent(p, event) {
  switch (event.kind) {
    case 'run_start':
      p.stages.L1 = 'running';
      p.activity = 'L1 planning';
      break;
    case 'model_request':
      p.requests.set(event.id, { stage: event.stage, path: event.path ?? null });
      if (event.stage === 'L3' && p.stages.L3 === 'pending') p.stages.L3 = 'running';
      p.activity = describe(event.stage, event.path, event.attempt ?? 0);
      break;
    case 'model_response': {
      p.calls += 1;
      p.promptTokens += event.usage?.promptTokens ?? 0;
      p.completionTokens += event.usage?.completionTokens ?? 0;
      const req = p.requests.get(event.id);
      if (req?.stage === 'L3' && req.path) p.lastAnswer[req.path] = event.text;
      break;
    }
    case 'model_error':
      p.calls += 1;
      p.activity = `model call ${event.id} failed: ${event.message}`;
      break;
    case 'plan':
      p.plan = event.actions;
      break;
    case 'plan_rejected':
      p.planProblems.push(...event.problems);
      break;
    case 'gate':
      p.gates.push({
        path: event.path,
        action: event.action,
        decision: event.decision,
        violations: event.violations ?? [],
        // the core checks each answer for a file in turn: the n-th decision is attempt n
        attempt: p.gates.filter((g) => g.path === event.path).length + 1,
      });
      break;
    case 'unit_rejected':
      p.rejections.push({ path: event.path, attempt: event.attempt, reason: event.reason });
      break;
    case 'stage':
      p.stages[event.stage] = event.state;
      if (event.state === 'ok' && NEXT[event.stage] && p.stages[NEXT[event.stage]] === 'pending') {
        p.stages[NEXT[event.stage]] = 'running';
      }
      break;
    case 'run_end':
      p.status = event.status;
      p.error = event.error ?? null;
      p.activity = '';
      break;
    default:
      break;
  }
  return p;
}
