'use strict';
// Seeded chaos: a share of answers goes wrong the way real models go wrong. Every corruption
// returns something a model could really send; none of them is a protocol violation.

const acorn = require('acorn');

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HTTP_KINDS = ['http_429', 'http_500', 'stall'];
const PLAN_KINDS = ['plan_malformed', 'plan_out_of_scope'];
const CODE_KINDS = ['esm_in_cjs', 'backtick', 'prose_fences', 'truncated', 'export_dropped', 'function_deleted'];

/** The chaos kinds that make sense for one request. */
function kindsFor(block) {
  if (!block) return HTTP_KINDS;
  if (block.stage === 'L1') return [...HTTP_KINDS, ...PLAN_KINDS];
  return [...HTTP_KINDS, ...CODE_KINDS.filter((k) => k !== 'esm_in_cjs' || block.module === 'cjs')];
}

/** decide(block) -> a chaos kind or null, drawn from the seeded sequence. */
function createChaos({ rate = 0, seed = 1 } = {}) {
  const next = rng(seed);
  return {
    decide(block) {
      const roll = next();
      const pick = next();
      if (rate <= 0 || roll >= rate) return null;
      const kinds = kindsFor(block);
      return kinds[Math.floor(pick * kinds.length)];
    },
    /** A second seeded draw, for corruptions that choose a spot. */
    random: next,
  };
}

// --- plan corruptions -------------------------------------------------------------------------

function malformedPlan(plan) {
  // Trailing comma and a cut-off tail: the JSON a model sends when it runs out of patience.
  const json = JSON.stringify(plan, null, 2).replace(/\n(\s*)\}\n(\s*)\]/, '\n$1},\n$2]');
  return `Here is the plan:\n\`\`\`json\n${json.slice(0, Math.max(20, json.length - 6))}\n\`\`\`\n`;
}

function outOfScopePlan(plan) {
  const first = plan.actions[0]?.path ?? 'index.js';
  const dir = first.includes('/') ? first.slice(0, first.lastIndexOf('/') + 1) : '';
  const extra = { path: `${dir}shared-helpers.js`, action: 'CREATE', intent: 'Shared helpers the other files import.' };
  return JSON.stringify({ actions: [...plan.actions, extra] });
}

// --- code corruptions -------------------------------------------------------------------------

function esmInCjs(code) {
  let out = code
    .replace(/^const (\{[^}]*\}) = require\((['"][^'"]+['"])\);?$/gm, 'import $1 from $2;')
    .replace(/^const (\w+) = require\((['"][^'"]+['"])\);?$/gm, 'import $1 from $2;')
    .replace(/^module\.exports = \{([^}]*)\};?$/m, 'export {$1};');
  if (out === code) out = `import process from 'node:process';\n${code}`;
  return out;
}

function withBacktick(code) {
  // A usage string that quotes code with backticks inside a template literal, unescaped.
  const line = 'const USAGE = `call `run()` before anything else`;\n';
  const lines = code.split('\n');
  const at = lines.findIndex((l) => /^(module\.exports|export )/.test(l));
  lines.splice(at === -1 ? lines.length : at, 0, line.trimEnd());
  return lines.join('\n');
}

function truncated(code, random) {
  const cut = Math.floor(code.length * (0.4 + random() * 0.3));
  // Cut in the middle of a line, the way an output limit does.
  const lineEnd = code.indexOf('\n', cut);
  const at = lineEnd === -1 ? cut : Math.max(cut, lineEnd - Math.ceil((lineEnd - cut) / 2));
  return code.slice(0, Math.max(1, at));
}

function exportDropped(code) {
  const cjs = /^module\.exports = \{([^}]*)\};?$/m.exec(code);
  if (cjs) {
    const names = cjs[1].split(',').map((s) => s.trim()).filter(Boolean);
    if (names.length > 1) return code.replace(cjs[0], `module.exports = { ${names.slice(0, -1).join(', ')} };`);
  }
  const esm = /^export (async function|function|const|class) /m.exec(code);
  if (esm) return code.replace(esm[0], `${esm[1]} `);
  return null;
}

function topLevelFunctions(code) {
  for (const sourceType of ['module', 'script']) {
    try {
      const ast = acorn.parse(code, { ecmaVersion: 'latest', sourceType, allowHashBang: true });
      return ast.body.filter((n) => n.type === 'FunctionDeclaration' && n.id).map((n) => ({ start: n.start, end: n.end, name: n.id.name }));
    } catch {
      // try the other source type; TypeScript never parses here
    }
  }
  return [];
}

function functionDeleted(code, random) {
  const fns = topLevelFunctions(code);
  if (fns.length < 2) return null;
  const victim = fns[Math.floor(random() * fns.length)];
  let end = victim.end;
  while (code[end] === '\n' && code[end + 1] === '\n') end++;
  return code.slice(0, victim.start) + code.slice(end + 1);
}

/**
 * The answer text for an L3 unit under chaos `kind`. `fence(code)` wraps code as the honest
 * answer would. Returns { text, kind } (kind changes when a corruption does not apply).
 */
function corruptCode(kind, code, { fence, random, path }) {
  switch (kind) {
    case 'esm_in_cjs':
      return { kind, text: fence(esmInCjs(code)) };
    case 'backtick':
      return { kind, text: fence(withBacktick(code)) };
    case 'prose_fences':
      return {
        kind,
        text: `Sure! Here is the complete updated \`${path}\`:\n\n${fence(code)}\nI kept every existing export and only changed what the task asks.\n`,
      };
    case 'truncated':
      return { kind, text: fence('').split('\n')[0] + '\n' + truncated(code, random) };
    case 'export_dropped': {
      const out = exportDropped(code);
      return out === null ? corruptCode('truncated', code, { fence, random, path }) : { kind, text: fence(out) };
    }
    case 'function_deleted': {
      const out = functionDeleted(code, random);
      return out === null ? corruptCode('truncated', code, { fence, random, path }) : { kind, text: fence(out) };
    }
    default:
      throw new Error(`not a code chaos kind: ${kind}`);
  }
}

module.exports = {
  rng,
  createChaos,
  kindsFor,
  malformedPlan,
  outOfScopePlan,
  corruptCode,
  esmInCjs,
  withBacktick,
  exportDropped,
  functionDeleted,
  HTTP_KINDS,
  PLAN_KINDS,
  CODE_KINDS,
};
