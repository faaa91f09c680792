// Fits a client's JSON schema (response_format json_schema) to the subset node-llama-cpp 3.21.1 turns into
// a grammar, or says why it cannot. That function does not refuse what it does not know: an unknown
// `type` silently yields the grammar of `null`, a dangling $ref becomes "any". So the schema is checked here.
//
// - Annotations are dropped: title, description, default, examples, $schema, $id, $comment, deprecated,
//   readOnly, writeOnly, x-* extensions.
// - Value constraints a grammar cannot hold are dropped and reported (the grammar is then looser than the
//   schema, the shape is still exact; the client validates values): minimum, maximum, exclusiveMinimum,
//   exclusiveMaximum, multipleOf, pattern, uniqueItems, format (except date-time, time, date on strings).
// - Rewritten to the same language: anyOf → oneOf (for generation a union either way), allOf of one schema →
//   that schema, `definitions` → `$defs`, a `type` array naming object/array → oneOf of one schema per type.
// - Anything else that changes the shape (not, allOf of several, if/then/else, patternProperties, contains,
//   refs outside #/$defs, an unknown type or keyword) is refused: SchemaError names the keyword and where.
// - Optional properties are emulated. node-llama-cpp's object grammar makes every listed property mandatory
//   (it ignores `required`), so a small model held to it fills a plan's `dropExports`/`exports` with
//   invented names. An object with optional properties becomes a oneOf of one object per choice of them
//   (each branch lists its properties as required, in the schema's order): the grammar can then close the
//   object after the required ones. Up to MAX_OPTIONAL_GROUPS choices are free; any further optional
//   properties come as one group (all or none), so the union stays at most 2^MAX_OPTIONAL_GROUPS branches.

export class SchemaError extends Error {}

const ANNOTATIONS = new Set(['title', 'description', 'default', 'examples', '$schema', '$id', '$comment', 'deprecated', 'readOnly', 'writeOnly']);
const LOOSENED = new Set(['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'pattern', 'uniqueItems', 'format']);
const STRING_FORMATS = new Set(['date-time', 'time', 'date']);
const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'null', 'object', 'array']);
const PRIMITIVE = (v) => v === null || ['string', 'number', 'boolean'].includes(typeof v);
const KEYWORDS = {
  any: new Set(['type', 'const', 'enum', 'oneOf', 'anyOf', 'allOf', '$ref', '$defs', 'definitions']),
  string: new Set(['minLength', 'maxLength']),
  object: new Set(['properties', 'required', 'additionalProperties', 'minProperties', 'maxProperties']),
  array: new Set(['items', 'prefixItems', 'minItems', 'maxItems']),
};

const MAX_OPTIONAL_GROUPS = 5;

/** Every choice of the optional properties, in the schema's order: the first groups one by one, the rest together. */
function optionalChoices(optional) {
  const groups = optional.slice(0, MAX_OPTIONAL_GROUPS - 1).map((k) => [k]);
  const rest = optional.slice(MAX_OPTIONAL_GROUPS - 1);
  if (rest.length) groups.push(rest);
  let choices = [[]];
  for (const group of groups) choices = choices.flatMap((c) => [c, [...c, ...group]]);
  // Fewest properties first: a grammar that must pick has the plain object as its first branch.
  return choices.sort((a, b) => a.length - b.length);
}

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function count(v, where, key) {
  if (!Number.isSafeInteger(v) || v < 0) throw new SchemaError(`${where}.${key} must be a non-negative integer`);
  return v;
}

export function fitJsonSchema(root) {
  if (!isObject(root)) throw new SchemaError('the schema must be a JSON object');
  const ignored = new Set();
  const defNames = new Set(Object.keys({ ...(isObject(root.$defs) ? root.$defs : {}), ...(isObject(root.definitions) ? root.definitions : {}) }));

  function fit(s, where) {
    if (s === true || (isObject(s) && Object.keys(s).every((k) => ANNOTATIONS.has(k) || k.startsWith('x-')))) {
      throw new SchemaError(`${where} allows any value: a grammar needs a type`);
    }
    if (!isObject(s)) throw new SchemaError(`${where} must be a schema object`);
    const out = {};
    const types = s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];
    for (const t of types) if (!TYPES.has(t)) throw new SchemaError(`${where}.type ${JSON.stringify(t)} is not a JSON schema type`);

    for (const [k, v] of Object.entries(s)) {
      if (ANNOTATIONS.has(k) || k.startsWith('x-')) continue;
      if (k === 'format' && types.length === 1 && types[0] === 'string' && STRING_FORMATS.has(v)) {
        out.format = v;
        continue;
      }
      if (LOOSENED.has(k)) {
        ignored.add(k);
        continue;
      }
      const known = KEYWORDS.any.has(k) || (types.length > 0 && types.some((t) => KEYWORDS[t] && KEYWORDS[t].has(k)));
      if (!known) throw new SchemaError(`${where}: keyword ${k} is not supported${types.length ? ` for type ${types.join('|')}` : ''}`);
    }

    if (s.$ref !== undefined) {
      const m = typeof s.$ref === 'string' && /^#\/(\$defs|definitions)\/([^/]+)$/.exec(s.$ref);
      if (!m || !defNames.has(m[2])) throw new SchemaError(`${where}.$ref ${JSON.stringify(s.$ref)} does not name an entry of the root $defs`);
      if (Object.keys(s).some((k) => !ANNOTATIONS.has(k) && k !== '$ref' && !k.startsWith('x-'))) {
        throw new SchemaError(`${where}: $ref beside other keywords is not supported`);
      }
      return { $ref: `#/$defs/${m[2]}` };
    }
    if (s.allOf !== undefined) {
      if (!Array.isArray(s.allOf) || s.allOf.length !== 1 || Object.keys(s).some((k) => !ANNOTATIONS.has(k) && k !== 'allOf')) {
        throw new SchemaError(`${where}.allOf is supported only as a single schema on its own`);
      }
      return fit(s.allOf[0], `${where}.allOf[0]`);
    }
    const union = s.oneOf ?? s.anyOf;
    if (union !== undefined) {
      const key = s.oneOf !== undefined ? 'oneOf' : 'anyOf';
      if (s.oneOf !== undefined && s.anyOf !== undefined) throw new SchemaError(`${where}: oneOf and anyOf together are not supported`);
      if (!Array.isArray(union) || union.length === 0) throw new SchemaError(`${where}.${key} must be a non-empty array`);
      if (Object.keys(s).some((k) => !ANNOTATIONS.has(k) && !k.startsWith('x-') && ![key, '$defs', 'definitions'].includes(k))) {
        throw new SchemaError(`${where}: ${key} beside other keywords is not supported`);
      }
      return { oneOf: union.map((u, i) => fit(u, `${where}.${key}[${i}]`)) };
    }
    if (s.const !== undefined) {
      if (!PRIMITIVE(s.const)) throw new SchemaError(`${where}.const must be a string, number, boolean or null`);
      return { const: s.const };
    }
    if (s.enum !== undefined) {
      if (!Array.isArray(s.enum) || s.enum.length === 0 || !s.enum.every(PRIMITIVE)) {
        throw new SchemaError(`${where}.enum must be a non-empty array of strings, numbers, booleans or null`);
      }
      return { enum: [...s.enum] };
    }
    if (types.length === 0) throw new SchemaError(`${where} has no type, const, enum, oneOf, anyOf or $ref`);
    if (types.length > 1) {
      if (!types.some((t) => t === 'object' || t === 'array')) return { type: [...types] };
      // Each branch keeps the keywords of its own type (already checked above).
      const branch = (t) => Object.fromEntries(Object.entries(s).filter(([k]) => (KEYWORDS[t] && KEYWORDS[t].has(k)) || (k === 'format' && t === 'string')));
      return { oneOf: types.map((t) => fit({ ...branch(t), type: t }, `${where}(${t})`)) };
    }
    const type = types[0];
    if (type === 'string') {
      if (s.minLength !== undefined) out.minLength = count(s.minLength, where, 'minLength');
      if (s.maxLength !== undefined) out.maxLength = count(s.maxLength, where, 'maxLength');
      return { type, ...out };
    }
    if (type === 'object') {
      const obj = { type };
      if (s.properties !== undefined) {
        if (!isObject(s.properties)) throw new SchemaError(`${where}.properties must be an object`);
        obj.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, fit(v, `${where}.properties.${k}`)]));
      }
      if (s.required !== undefined) {
        if (!Array.isArray(s.required) || !s.required.every((k) => typeof k === 'string')) throw new SchemaError(`${where}.required must be an array of names`);
        obj.required = [...s.required];
      }
      if (s.additionalProperties !== undefined) {
        obj.additionalProperties = typeof s.additionalProperties === 'boolean' ? s.additionalProperties : fit(s.additionalProperties, `${where}.additionalProperties`);
      }
      if (s.minProperties !== undefined) obj.minProperties = count(s.minProperties, where, 'minProperties');
      if (s.maxProperties !== undefined) obj.maxProperties = count(s.maxProperties, where, 'maxProperties');
      const names = Object.keys(obj.properties ?? {});
      const required = new Set(obj.required ?? []);
      const optional = names.filter((k) => !required.has(k));
      if (optional.length === 0) return obj;
      const branches = optionalChoices(optional).map((chosen) => {
        const keep = new Set([...names.filter((k) => required.has(k)), ...chosen]);
        const listed = names.filter((k) => keep.has(k));
        const branch = { ...obj, properties: Object.fromEntries(listed.map((k) => [k, obj.properties[k]])), required: [...listed, ...(obj.required ?? []).filter((k) => !names.includes(k))] };
        return branch;
      });
      return branches.length === 1 ? branches[0] : { oneOf: branches };
    }
    if (type === 'array') {
      const arr = { type };
      if (s.items !== undefined) {
        if (Array.isArray(s.items)) throw new SchemaError(`${where}.items as an array (draft-04 tuples) is not supported: use prefixItems`);
        arr.items = fit(s.items, `${where}.items`);
      }
      if (s.prefixItems !== undefined) {
        if (!Array.isArray(s.prefixItems)) throw new SchemaError(`${where}.prefixItems must be an array`);
        arr.prefixItems = s.prefixItems.map((p, i) => fit(p, `${where}.prefixItems[${i}]`));
      }
      if (s.minItems !== undefined) arr.minItems = count(s.minItems, where, 'minItems');
      if (s.maxItems !== undefined) arr.maxItems = count(s.maxItems, where, 'maxItems');
      return arr;
    }
    return { type };
  }

  const defs = {};
  for (const key of ['definitions', '$defs']) {
    if (root[key] === undefined) continue;
    if (!isObject(root[key])) throw new SchemaError(`${key} must be an object`);
    for (const [name, def] of Object.entries(root[key])) defs[name] = fit(def, `#/${key}/${name}`);
  }
  const { $defs: _d, definitions: _o, ...body } = root;
  const schema = fit(body, '#');
  // node-llama-cpp resolves refs against the $defs of the enclosing schemas: keep them at the root.
  if (Object.keys(defs).length) schema.$defs = defs;
  return { schema, ignored: [...ignored].sort() };
}
