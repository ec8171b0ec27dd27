// A small schema language for pipeline files: each node says what a value must be, and checking a
// value returns it with defaults filled in, or throws one line naming the file, the key path and
// what is allowed there (`pipelines/demo.yaml: train.variants[1]: expected one of vanilla, sgfd, …; got 'sgdf'`).

export type Schema =
  | { kind: 'string'; enum?: readonly string[]; default?: string; about?: string }
  | { kind: 'number'; min?: number; max?: number; integer?: boolean; default?: number; about?: string }
  | { kind: 'boolean'; default?: boolean; about?: string }
  | { kind: 'array'; of: Schema; minItems?: number; default?: unknown[]; about?: string }
  /** `whenMissing: 'defaults'` fills an absent object from its fields' defaults (else it stays absent). */
  | { kind: 'object'; fields: Record<string, Field>; whenMissing?: 'defaults'; about?: string }
  /** Free-form keys (names checked elsewhere), every value of one schema. */
  | { kind: 'map'; values: Schema; default?: Record<string, unknown>; about?: string }
  /** The first alternative whose `kind` matches the value's JSON type is used. */
  | { kind: 'either'; options: Schema[]; about?: string }
  /** A string, number or boolean (a setting value). */
  | { kind: 'scalar'; about?: string };

export type Field = Schema & { required?: boolean };

export class SchemaError extends Error {}

/** What a check knows beyond the value: `fromVars` holds the key paths whose string came from `${NAME}` substitution. */
export interface CheckContext { fromVars?: ReadonlySet<string> }

const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * A string a variable filled in, typed as the schema expects when it reads as one ("300" → 300,
 * "true" → true): YAML types a literal, but `${NAME}` always yields a string. Anything else is unchanged.
 */
function coerceVariable(schema: Schema, value: unknown, path: string, ctx: CheckContext): unknown {
  if (typeof value !== 'string' || !ctx.fromVars?.has(path)) return value;
  const text = value.trim();
  const wants = (kind: Schema['kind']) => schema.kind === kind || (schema.kind === 'either' && schema.options.some((o) => o.kind === kind) && !schema.options.some((o) => o.kind === 'string' || o.kind === 'scalar'));
  if (wants('number') && NUMBER_TEXT.test(text)) return Number(text);
  if (wants('boolean') && (text === 'true' || text === 'false')) return text === 'true';
  return value;
}

const jsonType = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
const show = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v) ?? String(v));
const join = (path: string, key: string | number) => (typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key);

function fail(file: string, path: string, expected: string, got: unknown): never {
  throw new SchemaError(`${file}: ${path || '(top level)'}: expected ${expected}; got ${show(got)}`);
}

/** What `schema` allows, in words (for error messages). */
export function describe(schema: Schema): string {
  switch (schema.kind) {
    case 'string': return schema.enum ? `one of ${schema.enum.join(', ')}` : 'a string';
    case 'number': {
      const range = [schema.min !== undefined ? `≥ ${schema.min}` : '', schema.max !== undefined ? `≤ ${schema.max}` : ''].filter(Boolean).join(' and ');
      return `${schema.integer ? 'an integer' : 'a number'}${range ? ` ${range}` : ''}`;
    }
    case 'boolean': return 'true or false';
    case 'array': return `a list, each ${describe(schema.of)}`;
    case 'object': return `a mapping with keys ${Object.keys(schema.fields).join(', ')}`;
    case 'map': return 'a mapping';
    case 'either': return schema.options.map(describe).join(', or ');
    case 'scalar': return 'a string, number or boolean';
  }
}

const KIND_OF_TYPE: Record<string, Schema['kind'][]> = {
  string: ['string', 'scalar'], number: ['number', 'scalar'], boolean: ['boolean', 'scalar'], array: ['array'], object: ['object', 'map'],
};

/** Checks `value` against `schema`; returns it with defaults filled in. */
export function check(schema: Schema, given: unknown, file: string, path = '', ctx: CheckContext = {}): unknown {
  const value = coerceVariable(schema, given, path, ctx);
  const type = jsonType(value);
  switch (schema.kind) {
    case 'string':
      if (type !== 'string') fail(file, path, describe(schema), value);
      if (schema.enum && !schema.enum.includes(value as string)) fail(file, path, describe(schema), value);
      return value;
    case 'number': {
      const n = value as number;
      if (type !== 'number' || !Number.isFinite(n) || (schema.integer && !Number.isInteger(n))
        || (schema.min !== undefined && n < schema.min) || (schema.max !== undefined && n > schema.max)) fail(file, path, describe(schema), value);
      return n;
    }
    case 'boolean':
      if (type !== 'boolean') fail(file, path, describe(schema), value);
      return value;
    case 'scalar':
      if (!['string', 'number', 'boolean'].includes(type)) fail(file, path, describe(schema), value);
      return value;
    case 'array': {
      if (type !== 'array') fail(file, path, describe(schema), value);
      const xs = value as unknown[];
      if (xs.length < (schema.minItems ?? 0)) fail(file, path, `${describe(schema)} with at least ${schema.minItems} entr${schema.minItems === 1 ? 'y' : 'ies'}`, value);
      return xs.map((x, i) => check(schema.of, x, file, join(path, i), ctx));
    }
    case 'map': {
      if (type !== 'object') fail(file, path, describe(schema), value);
      return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, check(schema.values, v, file, join(path, k), ctx)]));
    }
    case 'object': return checkObject(schema.fields, value, file, path, ctx);
    case 'either': {
      const option = schema.options.find((o) => KIND_OF_TYPE[type]?.includes(o.kind));
      if (!option) fail(file, path, describe(schema), value);
      return check(option, value, file, path, ctx);
    }
  }
}

function checkObject(fields: Record<string, Field>, value: unknown, file: string, path: string, ctx: CheckContext): Record<string, unknown> {
  if (jsonType(value) !== 'object') fail(file, path, `a mapping with keys ${Object.keys(fields).join(', ')}`, value);
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!(key in fields)) throw new SchemaError(`${file}: ${join(path, key)}: unknown key; allowed keys here: ${Object.keys(fields).join(', ')}`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(fields)) {
    if (obj[key] === undefined || obj[key] === null) {
      if (field.required) throw new SchemaError(`${file}: ${join(path, key)}: missing; expected ${describe(field)}`);
      const fallback = field.kind === 'object' && field.whenMissing === 'defaults' ? check(field, {}, file, join(path, key), ctx) : defaultOf(field);
      if (fallback !== undefined) out[key] = fallback;
      continue;
    }
    out[key] = check(field, obj[key], file, join(path, key), ctx);
  }
  return out;
}

function defaultOf(field: Schema): unknown {
  if ('default' in field && field.default !== undefined) return structuredClone(field.default);
  return undefined;
}

// Shorthands for writing schemas.
export const str = (o: Omit<Extract<Schema, { kind: 'string' }>, 'kind'> = {}): Schema => ({ kind: 'string', ...o });
export const num = (o: Omit<Extract<Schema, { kind: 'number' }>, 'kind'> = {}): Schema => ({ kind: 'number', ...o });
export const bool = (o: Omit<Extract<Schema, { kind: 'boolean' }>, 'kind'> = {}): Schema => ({ kind: 'boolean', ...o });
export const list = (of: Schema, o: Omit<Extract<Schema, { kind: 'array' }>, 'kind' | 'of'> = {}): Schema => ({ kind: 'array', of, ...o });
export const obj = (fields: Record<string, Field>, whenMissing?: 'defaults'): Schema => ({ kind: 'object', fields, whenMissing });
export const map = (values: Schema, o: Omit<Extract<Schema, { kind: 'map' }>, 'kind' | 'values'> = {}): Schema => ({ kind: 'map', values, ...o });
export const either = (...options: Schema[]): Schema => ({ kind: 'either', options });
export const scalar: Schema = { kind: 'scalar' };
export const required = (s: Schema): Field => ({ ...s, required: true });
