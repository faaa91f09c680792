// The two spellings of checks.json, each a table of the keys every check type requires and
// allows, and the one internal shape both are read into.
//
// Ours:           { "checks": [ { "type", "file", "name"?, ... } ] }   (a bare list works too)
// The original's: [ { "id"?, "type", "path", "tier"?, "description"?, ... } ]
//
// A check is read in the original's schema when it names its file `path`, in ours when it names it
// `file`. A check with a key its table does not list, without a key its table requires, with a value
// of the wrong kind, or of an unknown type is refused: scoring a different set of checks than the
// file says is worse than not scoring.

import fs from 'node:fs';

export const TYPEOF = ['undefined', 'object', 'boolean', 'number', 'bigint', 'string', 'symbol', 'function'];

// Kinds of value: how a key's value is checked and named in a refusal.
const KINDS = {
  string: { test: (v) => typeof v === 'string' && v !== '', says: 'a non-empty string' },
  text: { test: (v) => typeof v === 'string', says: 'a string' },
  integer: { test: (v) => Number.isInteger(v) && v >= 0, says: 'a whole number' },
  number: { test: (v) => typeof v === 'number' && Number.isFinite(v), says: 'a number' },
  boolean: { test: (v) => typeof v === 'boolean', says: 'true or false' },
  names: { test: (v) => Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string' && s !== ''), says: 'a non-empty list of names' },
  typeof: { test: (v) => TYPEOF.includes(v), says: `one of ${TYPEOF.join(', ')}` },
  // The original's runtime_exports: { name: "function" | ... }; a null or "" type means any type.
  typeofMap: {
    test: (v) => v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0 && Object.values(v).every((t) => t === null || t === '' || TYPEOF.includes(t)),
    says: `an object of export names to a typeof (${TYPEOF.join(', ')})`,
  },
  json: { test: () => true, says: 'any JSON value' },
};

const file = { file: 'string' };
const path = { path: 'string' };
const flags = { flags: 'text' };

/** Ours: type -> { required, optional, oneOf? } (key -> kind). Every check may also carry `name`. */
export const OURS = {
  file_exists: { required: file },
  file_not_exists: { required: file },
  node_compiles: { required: file },
  valid_json: { required: file },
  exports_symbol: { required: { ...file, symbol: 'string' } },
  exports_count: { required: file, optional: { count: 'integer', min: 'integer', max: 'integer' }, oneOf: ['count', 'min', 'max'] },
  content_match: { required: { ...file, pattern: 'text' }, optional: flags },
  content_absent: { required: { ...file, pattern: 'text' }, optional: { ...flags, missingOk: 'boolean' } },
  file_contains: { required: { ...file, text: 'text' } },
  runtime_load: { required: file, optional: { expr: 'string', equals: 'json' } },
  runtime_exports: { required: { ...file, symbols: 'names' } },
};
const OURS_COMMON = { name: 'string' };

/** The original's: type -> { required, optional }. Every check may also carry `id`, `description`, `tier`. */
export const ORIGINAL = {
  file_exists: { required: path },
  file_not_exists: { required: path },
  node_compiles: { required: path },
  valid_json: { required: path },
  exports_symbol: { required: { ...path, symbol: 'string' }, optional: { symbol_type: 'typeof' } },
  exports_count: { required: { ...path, expected: 'integer' } },
  content_match: { required: { ...path, pattern: 'text' } },
  content_absent: { required: { ...path, pattern: 'text' } },
  file_contains: { required: { ...path, text: 'text' } },
  runtime_load: { required: path },
  runtime_exports: { required: { ...path, exports: 'typeofMap' } },
};
const ORIGINAL_COMMON = { id: 'string', description: 'text', tier: 'integer' };

export const CHECK_TYPES = Object.keys(OURS);

/** The original's keys in the internal (our) spelling. */
const FROM_ORIGINAL = { path: 'file', description: 'name', symbol_type: 'symbolType', expected: 'count', exports: 'types' };

class CheckError extends Error {}

function where(i, c) {
  const id = c && typeof c === 'object' && typeof c.id === 'string' ? ` (id "${c.id}")` : '';
  return `checks[${i}]${id}`;
}

const printable = (v) => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 40)}...` : s;
};

/** One check, validated, in the internal shape ({ schema, type, file, name?, id?, ... }). Throws CheckError. */
function readCheck(i, c) {
  const at = where(i, c);
  if (c === null || typeof c !== 'object' || Array.isArray(c)) throw new CheckError(`${at}: a check must be a JSON object, got ${printable(c)}`);
  if (!('type' in c)) throw new CheckError(`${at}: missing required key "type"`);
  if (!CHECK_TYPES.includes(c.type)) throw new CheckError(`${at}: unknown type ${printable(c.type)} (known: ${CHECK_TYPES.join(', ')})`);
  if ('file' in c && 'path' in c) throw new CheckError(`${at}: has both "file" (our schema) and "path" (the original's): give one`);
  const original = 'path' in c || (!('file' in c) && ['id', 'description', 'tier'].some((k) => k in c));
  const schema = original ? 'original' : 'ours';
  const table = (original ? ORIGINAL : OURS)[c.type];
  const allowed = { ...table.required, ...table.optional, ...(original ? ORIGINAL_COMMON : OURS_COMMON) };
  const spelling = original ? "the original's schema" : 'our schema';
  for (const key of Object.keys(c)) {
    if (key === 'type') continue;
    if (!(key in allowed)) {
      throw new CheckError(`${at}: unknown key "${key}" for ${c.type} in ${spelling} (allowed: ${Object.keys(allowed).join(', ')})`);
    }
    const kind = KINDS[allowed[key]];
    if (!kind.test(c[key])) throw new CheckError(`${at}: "${key}" must be ${kind.says}, got ${printable(c[key])}`);
  }
  for (const key of Object.keys(table.required)) {
    if (key in c) continue;
    const hint = key === 'file' ? ' (or "path" in the original\'s schema)' : '';
    throw new CheckError(`${at}: missing required key "${key}" for ${c.type} in ${spelling}${hint}`);
  }
  if (table.oneOf && !table.oneOf.some((k) => k in c)) {
    throw new CheckError(`${at}: missing required key "${table.oneOf[0]}" for ${c.type} (give ${table.oneOf.join(', ')} or several)`);
  }
  if (!original) return { schema, ...c };
  const out = { schema, type: c.type };
  for (const [key, value] of Object.entries(c)) if (key !== 'type') out[FROM_ORIGINAL[key] ?? key] = value;
  if (out.types) out.symbols = Object.keys(out.types);
  return out;
}

/**
 * checks.json text (or its parsed value) -> the checks in the internal shape. Throws an Error with
 * one line naming the check's index (and id) and the key at fault.
 */
export function parseChecks(json) {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (err) {
      throw new Error(`not valid JSON: ${err.message}`);
    }
  }
  const list = Array.isArray(value) ? value : value?.checks;
  if (!Array.isArray(list)) throw new Error('checks.json must be a list of checks or { "checks": [...] }');
  if (!Array.isArray(value)) {
    const extra = Object.keys(value).find((k) => k !== 'checks');
    if (extra) throw new Error(`unknown top-level key "${extra}" (only "checks")`);
  }
  return list.map((c, i) => readCheck(i, c));
}

/** parseChecks of a file; a refusal names the file and carries code CHECKS_REFUSED (the CLI's exit 2). */
export function readChecksFile(file) {
  try {
    return parseChecks(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw Object.assign(new Error(`${file}: ${err.message}`), { code: 'CHECKS_REFUSED' });
  }
}
