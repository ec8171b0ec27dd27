// Reading a pipeline file: YAML (or JSON, a subset of YAML), `${NAME}` / `${NAME:-default}` filled
// from --var NAME=value or the environment, then the schema (spec.ts).
import { readFileSync, existsSync, statSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { SchemaError } from './schema-check.ts';
import { toPipelineSpec, type PipelineSpec } from './spec.ts';

export interface LoadedPipeline {
  /** Absolute path of the file. */
  file: string;
  spec: PipelineSpec;
}

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${NAME}` in every string of `value`; a variable with neither a value nor a default is an
 * error naming the key. The key paths of strings that held a variable go into `filled` (the schema
 * check then reads "300" as a number where a number is expected).
 */
export function substitute(value: unknown, vars: Record<string, string | undefined>, file: string, path = '', filled?: Set<string>): unknown {
  if (typeof value === 'string') {
    return value.replace(VARIABLE, (_, name: string, fallback: string | undefined) => {
      filled?.add(path);
      const v = vars[name] ?? fallback;
      if (v === undefined) throw new SchemaError(`${file}: ${path || '(top level)'}: variable ${name} is not set; pass --var ${name}=VALUE or set the environment variable ${name}`);
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((x, i) => substitute(x, vars, file, `${path}[${i}]`, filled));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, vars, file, path ? `${path}.${k}` : k, filled)]));
  }
  return value;
}

/** Parses YAML or JSON text; syntax errors name the file, line and column. */
export function parsePipelineText(text: string, file: string): unknown {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const before = text.slice(0, e.pos[0]).split('\n');
    const at = `line ${before.length}, column ${before[before.length - 1].length + 1}`;
    throw new SchemaError(`${file}: ${at}: ${e.message.split('\n')[0]}`);
  }
  return doc.toJS();
}

/** `NAME=value` pairs (from --var) → a map; a malformed pair is an error naming it. */
export function parseVars(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new SchemaError(`--var '${p}': expected NAME=VALUE`);
    out[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return out;
}

export function loadPipeline(path: string, vars: Record<string, string> = {}): LoadedPipeline {
  const file = resolve(path);
  if (!existsSync(file)) throw new SchemaError(`${path}: pipeline file not found`);
  if (statSync(file).isDirectory()) throw new SchemaError(`${path}: expected a pipeline file (YAML or JSON), got a directory`);
  const raw = parsePipelineText(readFileSync(file, 'utf8'), path);
  const fromVars = new Set<string>();
  const filled = substitute(raw, { ...process.env, ...vars }, path, '', fromVars);
  return { file, spec: toPipelineSpec(filled, path, basename(file, extname(file)), { fromVars }) };
}
