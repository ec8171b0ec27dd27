// Proof that a worker sees the submitter's files: before it enqueues anything the submitter writes
// a marker file (a random token) into the directory the jobs write to — the pipeline's run root, or
// a scoring job's shard directory — and every job names it. A worker that cannot read that file
// with that token (a local disk where shared storage was meant, another mount point, a stale copy)
// refuses the job with one clear line instead of training into a directory nobody else sees.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeJson } from '../run/index.ts';

export const MARKER_FILE = '.sgfd-queue-marker.json';

export interface SharedMarker {
  /** Absolute path of the marker file. */
  path: string;
  token: string;
  /** The submitting machine (for messages). */
  host: string;
}

/** A job's files are not where the submitter put them. */
export class SharedStorageError extends Error {}

/** Writes a fresh marker into `dir` (created if needed). */
export function writeMarker(dir: string): SharedMarker {
  mkdirSync(dir, { recursive: true });
  const marker: SharedMarker = { path: join(dir, MARKER_FILE), token: randomBytes(16).toString('hex'), host: hostname() };
  writeJson(marker.path, { token: marker.token, host: marker.host, pid: process.pid, written: new Date().toISOString() });
  return marker;
}

/** Removes the marker if it is still ours (a later submission may have replaced it). */
export function removeMarker(marker: SharedMarker): void {
  if (readToken(marker.path) === marker.token) rmSync(marker.path, { force: true });
}

function readToken(path: string): string | null {
  try { return (JSON.parse(readFileSync(path, 'utf8')) as { token?: string }).token ?? null; } catch { return null; }
}

/**
 * Throws a SharedStorageError unless this machine sees `marker` with its token and every path of
 * `inputs` (e.g. the dataset directory).
 */
export function checkShared(marker: SharedMarker, inputs: readonly string[] = []): void {
  const here = hostname();
  const advice = 'run directories and datasets must be on storage every worker sees at the same path (NFS or similar)';
  const token = readToken(marker.path);
  if (token !== marker.token) {
    const what = token === null ? 'cannot see' : 'sees another version of';
    throw new SharedStorageError(`worker on ${here} ${what} ${marker.path}, written by the submitter on ${marker.host}: ${advice}`);
  }
  for (const p of inputs) {
    if (!existsSync(p)) throw new SharedStorageError(`worker on ${here} cannot see ${p} (the submitter on ${marker.host} can): ${advice}`);
  }
}
