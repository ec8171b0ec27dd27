// What a pipeline step is to the runner, and the record (`step.json`) a finished step leaves in its
// directory: the resolved configuration, the hash of everything it read, what it produced.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readJson, writeJson } from '../run/index.ts';
import type { PipelineSpec, StepName } from './spec.ts';
import type { QueueTarget } from '../queue/index.ts';

export const STEP_RECORD = 'step.json';

export interface StepRecord {
  step: StepName;
  /** Hash of the step's resolved configuration, its outside inputs and its upstream digests. */
  hash: string;
  config: unknown;
  /** Digest of each upstream step's outputs this run read. */
  upstream: Partial<Record<StepName, string>>;
  /** Named outputs (absolute paths) later steps read. */
  artifacts: Record<string, string>;
  /** SHA-256 over the step's outputs (what downstream hashes depend on). */
  digest: string;
  finished: string;
  seconds: number;
  /** Lines for `status` and report.md. */
  summary: string[];
}

export interface StepContext {
  spec: PipelineSpec;
  /** runs/<pipeline>/ */
  root: string;
  /** runs/<pipeline>/<step>/ */
  dir: string;
  /** Records of the steps this one needs. */
  upstream: Partial<Record<StepName, StepRecord>>;
  log: (message: string) => void;
  quiet: boolean;
  /** Training runs at once, from the command line (`--jobs`; wins over the file's `train.jobs`). */
  jobs?: number;
  /** Train the runs as jobs on this queue (`--queue`, src/queue/) instead of here. */
  queue?: QueueTarget;
}

export interface StepResult {
  artifacts: Record<string, string>;
  /** Files (or directories) whose contents make the step's digest. */
  digestOf: string[];
  summary: string[];
}

export interface StepDefinition {
  name: StepName;
  /** Everything that decides the step's outputs, besides upstream outputs (hashed, recorded). */
  config(spec: PipelineSpec): unknown;
  /** Digest of inputs from outside the run tree (imported files), if any. */
  external?(spec: PipelineSpec): string | null;
  run(ctx: StepContext): Promise<StepResult>;
  /** Progress of an unfinished step, for `status` and `--dry-run` (e.g. "3 of 8 runs finished"). */
  progress?(ctx: StepContext): string[];
}

export function readStepRecord(dir: string): StepRecord | null {
  const path = join(dir, STEP_RECORD);
  return existsSync(path) ? readJson<StepRecord>(path) : null;
}

export function writeStepRecord(dir: string, record: StepRecord): void {
  writeJson(join(dir, STEP_RECORD), record);
}

/** The artifact `name` of an upstream step's record, or an error naming both steps. */
export function artifact(ctx: StepContext, step: StepName, name: string): string {
  const path = ctx.upstream[step]?.artifacts[name];
  if (!path) throw new Error(`pipeline: step '${step}' recorded no '${name}' (run it first)`);
  return path;
}
