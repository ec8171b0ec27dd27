// Content hashes: canonical JSON (sorted keys) of a resolved configuration, and digests of
// files (a pipeline step's inputs, the dataset a run trained on), so a re-run can tell whether anything changed.
import { createHash } from 'node:crypto';
import { readFileSync, statSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';

/** JSON with object keys sorted at every level (the same value always gives the same text). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_, v) => (v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]))
    : v));
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export const hashValue = (value: unknown): string => sha256(canonicalJson(value));

/** SHA-256 over the contents of `paths` (files, or every file below a directory, in name order). */
export function digestFiles(paths: readonly string[]): string {
  const h = createHash('sha256');
  // Names enter the hash relative to the path given, so a moved run tree keeps its digests.
  const add = (p: string, name: string) => {
    if (statSync(p).isDirectory()) {
      for (const child of readdirSync(p).sort()) add(join(p, child), `${name}/${child}`);
      return;
    }
    h.update(`${name.length}:${name}`);
    h.update(readFileSync(p));
  };
  for (const p of paths) add(p, basename(p));
  return h.digest('hex');
}
