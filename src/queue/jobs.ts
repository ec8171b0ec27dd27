// The job model of `sgfd worker`: one BullMQ queue (QUEUE_NAME) holds every job; a job is
//   { kind, label, marker, payload }
// where `kind` names what runs it on the worker (a JobHandler: 'train' — one pipeline run brought
// forward in its run directory, pipeline/queue-train-job.ts; 'score' — one shard of `sgfd score`,
// score-shard-job.ts), `label` is what progress lines call it, `marker` proves the worker sees the
// submitter's files (shared-storage.ts) and `payload` is the kind's own settings, with absolute
// paths only. The job's result is the handler's result. Payloads and results go through `toWire`
// / `fromWire`: JSON that keeps ±Infinity and NaN (plain JSON would turn them into null).
import type { JobsOptions } from 'bullmq';
import type { SharedMarker } from './shared-storage.ts';

export const QUEUE_NAME = 'sgfd';

export interface QueueJob<P = unknown> {
  kind: string;
  label: string;
  marker: SharedMarker;
  payload: P;
}

/** What runs one kind of job on a worker. */
export interface JobHandler<P = unknown, R = unknown> {
  /** Paths the job reads besides its marker's directory (checked before it runs). */
  inputs(payload: P): string[];
  /** Runs the job (in a child process: job-process.ts); `signal` aborts it (handed back, lock lost). */
  run(payload: P, o: { threads: number; log: (m: string) => void; signal?: AbortSignal }): Promise<R>;
  /** The result in words, for the worker's log line. */
  describe(result: R): string;
}

/** Attempts per job: a failure (an error, a crash) is retried until this many in all, on any worker. */
export const DEFAULT_ATTEMPTS = 3;

/** Job options of every submitted job: bounded retries a little apart; finished jobs expire. */
export function jobOptions(jobId: string, attempts = DEFAULT_ATTEMPTS): JobsOptions {
  return {
    jobId,
    attempts,
    backoff: { type: 'fixed', delay: 1000 },
    removeOnComplete: { age: 24 * 3600 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

const NUMBER_TAG = '$sgfd_number';

/** A JSON-safe copy of `value`: non-finite numbers become { $sgfd_number: 'NaN' | 'Infinity' | '-Infinity' }. */
export function toWire(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : { [NUMBER_TAG]: String(value) };
  if (Array.isArray(value)) return value.map(toWire);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, toWire(v)]));
  }
  return value;
}

/** The value `toWire` was given (for plain JSON data: objects, arrays, strings, numbers, booleans, null). */
export function fromWire<T>(value: unknown): T {
  if (Array.isArray(value)) return value.map((v) => fromWire(v)) as T;
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === NUMBER_TAG) return Number((value as Record<string, string>)[NUMBER_TAG]) as T;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromWire(v)])) as T;
  }
  return value as T;
}
