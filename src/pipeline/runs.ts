// One training run inside a pipeline: whether its directory is finished, resumable after an
// interruption, stale (trained with other settings) or new — and bringing it to finished.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runTraining, resolveSettings, type RunSettings } from '../train/run.ts';
import { RUN_FILES, readJson, writeJson } from '../train/files.ts';
import type { RunMetrics } from '../train/trainer.ts';
import type { Dataset } from '../data/dataset.ts';
import { canonicalJson } from './hash.ts';

export type RunState = 'done' | 'resume' | 'stale' | 'new';

/** Beside a run's own files: the digest of the dataset it trained on (config.json names only its path and size). */
export const RUN_INPUTS = 'pipeline_inputs.json';

/** What `dir` holds compared with what `settings` on the dataset with digest `dataDigest` would write there. */
export function runState(dir: string, settings: RunSettings, ds: Dataset, dataDigest: string): RunState {
  const configPath = join(dir, RUN_FILES.config);
  if (!existsSync(configPath)) return 'new';
  if (canonicalJson(readJson(configPath)) !== canonicalJson(resolveSettings(settings, ds))) return 'stale';
  const inputs = join(dir, RUN_INPUTS);
  if (!existsSync(inputs) || readJson<{ data: string }>(inputs).data !== dataDigest) return 'stale';
  if (existsSync(join(dir, RUN_FILES.metrics))) return 'done';
  return existsSync(join(dir, RUN_FILES.checkpoint)) ? 'resume' : 'new';
}

export function readRunMetrics(dir: string): RunMetrics {
  return readJson<RunMetrics>(join(dir, RUN_FILES.metrics));
}

/**
 * Brings the run in `dir` to finished: keeps a finished one, resumes an interrupted one from its
 * checkpoint, retrains a stale one from scratch. Returns its metrics and what was done.
 */
export async function ensureRun(settings: RunSettings, dir: string, ds: Dataset, dataDigest: string, log: (m: string) => void): Promise<{ metrics: RunMetrics; state: RunState }> {
  const state = runState(dir, settings, ds, dataDigest);
  if (state === 'done') return { metrics: readRunMetrics(dir), state };
  if (state === 'stale') {
    log(`${dir}: trained with other settings or data; retraining`);
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true });
  writeJson(join(dir, RUN_INPUTS), { data: dataDigest });
  const metrics = await runTraining({ ...settings, train: { ...settings.train, resume: state === 'resume' } }, dir, log);
  if (!metrics) throw new Error(`${dir}: training stopped before it finished`);
  return { metrics, state };
}
