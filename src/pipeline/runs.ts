// One training run inside a pipeline: whether its directory is finished, resumable after an
// interruption (or a halving rung), stale (trained with other settings) or new — and bringing it to
// finished, or only up to a given epoch (a successive-halving rung).
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runTraining, resolveSettings, type RunSettings } from '../train/index.ts';
import { type ResolvedConfig } from '../run/index.ts';
import { RUN_FILES, readJson, writeJson, upgradeConfig } from '../run/index.ts';
import { readCheckpoint } from '../runtime/index.ts';
import type { RunMetrics } from '../run/index.ts';
import type { Dataset } from '../data/index.ts';
import { canonicalJson } from '../data/index.ts';

export type RunState = 'done' | 'resume' | 'stale' | 'new';

/** Beside a run's own files: the digest of the dataset it trained on (config.json names only its path and size). */
export const RUN_INPUTS = 'pipeline_inputs.json';

/**
 * Beside a search trial's files when successive halving stopped it at a rung: { rung, epoch, valid }.
 * Such a run keeps its checkpoint and has no metrics.json; it is removed if the run trains on.
 */
export const RUN_CUT = 'halving_cut.json';

/**
 * A resolved config without its thread count (a run's share of the threads changes with --jobs, never
 * its results), and with `gradNorms: false` as absent (`sgfd train` writes the flag, pipelines only when on).
 */
const withoutThreads = (c: ResolvedConfig) => {
  const { gradNorms, ...train } = c.train;
  return canonicalJson({ ...c, train: { ...train, threads: null, ...(gradNorms ? { gradNorms } : {}) } });
};

/** What `dir` holds compared with what `settings` on the dataset with digest `dataDigest` would write there. */
export function runState(dir: string, settings: RunSettings, ds: Dataset, dataDigest: string): RunState {
  const configPath = join(dir, RUN_FILES.config);
  if (!existsSync(configPath)) return 'new';
  if (withoutThreads(upgradeConfig(readJson(configPath))) !== withoutThreads(resolveSettings(settings, ds))) return 'stale';
  const inputs = join(dir, RUN_INPUTS);
  if (!existsSync(inputs) || readJson<{ data: string }>(inputs).data !== dataDigest) return 'stale';
  if (existsSync(join(dir, RUN_FILES.metrics))) return 'done';
  return existsSync(join(dir, RUN_FILES.checkpoint)) ? 'resume' : 'new';
}

export function readRunMetrics(dir: string): RunMetrics {
  return readJson<RunMetrics>(join(dir, RUN_FILES.metrics));
}

/** Epochs a run's checkpoint has trained (0 without one). */
export function checkpointEpoch(dir: string): number {
  return existsSync(join(dir, RUN_FILES.checkpoint)) ? readCheckpoint(join(dir, RUN_FILES.checkpoint)).manifest.epoch : 0;
}

/**
 * `--resume` refuses a config.json that differs from the settings; the thread count may differ
 * (another --jobs) without changing results, so the saved one takes the new count.
 */
function adoptThreadCount(dir: string, threads: number): void {
  const path = join(dir, RUN_FILES.config);
  const saved = readJson<ResolvedConfig>(path);
  if (saved.train.threads !== threads) writeJson(path, { ...saved, train: { ...saved.train, threads } });
}

/** A run to bring forward: to finished, or (untilEpoch) until its checkpoint has that many epochs. */
export interface RunJob { settings: RunSettings; dir: string; dataDigest: string; untilEpoch?: number }

export interface RunProgress {
  state: RunState;
  /** Set once the run has finished (trained to its budget or stopped early by patience). */
  metrics: RunMetrics | null;
  /** Epochs trained so far, and how many of them (in how many seconds) this call trained. */
  epochs: number;
  trained: number;
  seconds: number;
}

/**
 * Brings the run in `dir` forward: keeps a finished one, resumes an interrupted one from its
 * checkpoint, retrains a stale one from scratch. With `untilEpoch` it stops (checkpoint kept, no
 * metrics) once that many epochs are trained — nothing to do if the checkpoint is already there.
 */
export async function bringRun(job: RunJob, ds: Dataset, log: (m: string) => void): Promise<RunProgress> {
  const { settings, dir, dataDigest, untilEpoch } = job;
  const t0 = performance.now();
  const state = runState(dir, settings, ds, dataDigest);
  if (state === 'done') {
    const metrics = readRunMetrics(dir);
    return { state, metrics, epochs: metrics.epochs_run, trained: 0, seconds: 0 };
  }
  if (state === 'stale') {
    log(`${dir}: trained with other settings or data; retraining`);
    rmSync(dir, { recursive: true, force: true });
  }
  const from = state === 'resume' ? checkpointEpoch(dir) : 0;
  if (untilEpoch !== undefined && from >= untilEpoch) return { state, metrics: null, epochs: from, trained: 0, seconds: 0 };
  mkdirSync(dir, { recursive: true });
  writeJson(join(dir, RUN_INPUTS), { data: dataDigest });
  if (state === 'resume') adoptThreadCount(dir, settings.train.threads);
  rmSync(join(dir, RUN_CUT), { force: true });
  const halt = untilEpoch === undefined ? {} : { haltAfter: untilEpoch - from };
  // A new or stale run replaces whatever a killed first epoch left (config.json without a checkpoint).
  const metrics = await runTraining({ ...settings, force: state !== 'resume', train: { ...settings.train, ...halt, resume: state === 'resume' } }, dir, log);
  if (!metrics && untilEpoch === undefined) throw new Error(`${dir}: training stopped before it finished`);
  const epochs = metrics ? metrics.epochs_run : checkpointEpoch(dir);
  return { state, metrics, epochs, trained: epochs - from, seconds: (performance.now() - t0) / 1000 };
}
