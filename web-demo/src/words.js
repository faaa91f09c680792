// The page's words for what the core reports. Status words are the CLI's (OK, PARTIAL, FAILED,
// INTERRUPTED, CRASHED...); a failure's code is named as the CLI's exit-code table names it
// (npm/red-exec/lib/exit-codes.js), so a network failure reads "FAILED: model unavailable", never
// CRASHED. Core messages that name a CLI flag get the page's control for it.

const CODE_NAMES = {
  model_auth: 'model auth',
  model_unavailable: 'model unavailable',
  model_answer: 'model answer',
  plan_invalid: 'model answer',
  blocked: 'blocked',
  write_failed: 'write failed',
  rollback_failed: 'write failed',
  conflict: 'conflict',
  interrupted: 'interrupted',
};

/** "FAILED: model unavailable", "OK", "INTERRUPTED", "FAILED: input" ... */
export function statusLine(result) {
  const code = result.error?.code ?? '';
  const name = CODE_NAMES[code] ?? (code.startsWith('input_') ? 'input' : code.replace(/_/g, ' '));
  if (result.status === 'OK' || result.status === 'INTERRUPTED' || !name) return result.status;
  return `${result.status}: ${name}`;
}

// What the CLI calls a flag, the page calls its control (issue 17 moves these words out of the core;
// until then the page rewrites the core's messages). A flag the page has no control for keeps its name.
const RUN_OPTIONS = {
  '--context-budget': 'Prompt budget',
  '--module-format': 'Module format',
  '--max-retries': 'Retries per file',
  '--timeout': 'Call timeout',
  '--partial': 'Partial',
  '--allow': 'Allow',
  '--gate': 'Gate',
};
const CONTROLS = {
  '--base-url': 'the Base URL field',
  '--model': 'model (the Model field)',
  '--files': 'the ticked files',
  '--read': 'the r/o (read-only) files',
};
// The core names no host's control by itself (issue 17): a host gives its words (the core's
// `Words`). The page gives the CLI's flag for each control it has, and pageWords words those.
export const CORE_WORDS = Object.freeze({
  files: '--files',
  read: '--read',
  contextBudget: '--context-budget',
  maxRetries: '--max-retries',
  model: '--model',
  moduleFormat: '--module-format {}',
  allow: '--allow {}',
  partial: '--partial',
  baseUrl: '--base-url',
  timeout: '--timeout',
});
const FLAG = /`?(--[a-z][a-z-]*)(?: (cjs|esm|auto|block|warn|off|process|network|dynamic-code|fs))?`?/g;

/** A core message with the CLI's flag names replaced by the page's controls. */
export function pageWords(message) {
  return String(message).replace(FLAG, (whole, flag, value) => {
    const option = RUN_OPTIONS[flag];
    if (option) return value ? `${option} "${value}" in the run options` : `the ${option} run option`;
    return CONTROLS[flag] ? `${CONTROLS[flag]}${value ? ` ${value}` : ''}` : whole;
  });
}
