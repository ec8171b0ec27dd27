// Run-directory files, each written whole or not at all (data/atomic-dir.ts writeFileAtomic).
import { readFileSync, existsSync, appendFileSync } from 'node:fs';
import { tableFromArrays, tableToIPC, tableFromIPC } from 'apache-arrow';
import { writeFileAtomic } from '../data/index.ts';

export const RUN_FILES = {
  config: 'config.json',
  log: 'log.jsonl',
  checkpoint: 'checkpoint',
  metrics: 'metrics.json',
  perUser: (split: string) => `per_user_${split}.arrow`,
};


export function writeJson(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

export function readJson<T>(path: string): T {
  if (!existsSync(path)) throw new Error(`${path}: not found`);
  try { return JSON.parse(readFileSync(path, 'utf8')) as T; } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
}

export function appendJsonLine(path: string, value: unknown): void {
  appendFileSync(path, JSON.stringify(value) + '\n');
}

/** Keeps only the log lines whose `epoch` ≤ `epoch` (a resumed run rewrites what it redoes). */
export function truncateLog(path: string, epoch: number): void {
  if (!existsSync(path)) return;
  const keep = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() && (JSON.parse(l).epoch ?? 0) <= epoch);
  writeFileAtomic(path, keep.map((l) => l + '\n').join(''));
}

/** Per-user metric values as Arrow IPC: user int32 + one float64 column per metric. */
export function writePerUser(path: string, users: Int32Array, perUser: Record<string, Float64Array>): void {
  const table = tableFromArrays({ user: users, ...perUser });
  writeFileAtomic(path, tableToIPC(table, 'file'));
}

export function readPerUser(path: string): { users: Int32Array; perUser: Record<string, Float64Array> } {
  if (!existsSync(path)) throw new Error(`${path}: not found (per-user metrics are written when a run finishes)`);
  const table = tableFromIPC(readFileSync(path));
  const users = Int32Array.from(table.getChild('user')!.toArray() as Int32Array);
  const perUser: Record<string, Float64Array> = {};
  for (const f of table.schema.fields) if (f.name !== 'user') perUser[f.name] = Float64Array.from(table.getChild(f.name)!.toArray() as Float64Array);
  return { users, perUser };
}
