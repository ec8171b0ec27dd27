// One training run inside a pipeline: whether its directory is finished, resumable after an
// interruption, stale (trained with other settings) or new — and bringing it to finished.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runTraining, resolveSettings, type RunSettings } from '../train/run.ts';
import { RUN_FILES, readJson } from '../train/files.ts';
import type { RunMetrics } from '../train/trainer.ts';
import type { Dataset } from '../data/dataset.ts';
import { canonicalJson } from './hash.ts';

export type RunState = 'done' | 'resume' | 'stale' | 'new';

/** What `dir` holds compared with what `settings` would write there. */
export function runState(dir: string, settings: RunSettings, ds: Dataset): RunState {
  const configPath = join(dir, RUN_FILES.config);
  if (!existsSync(configPath)) return 'new';
  if (canonicalJson(readJson(configPath)) !== canonicalJson(resolveSettings(settings, ds))) return 'stale';
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
export async function ensureRun(settings: RunSettings, dir: string, ds: Dataset, log: (m: string) => void): Promise<{ metrics: RunMetrics; state: RunState }> {
  const state = runState(dir, settings, ds);
  if (state === 'done') return { metrics: readRunMetrics(dir), state };
  if (state === 'stale') {
    log(`${dir}: trained with other settings; retraining`);
    rmSync(dir, { recursive: true, force: true });
  }
  const metrics = await runTraining({ ...settings, train: { ...settings.train, resume: state === 'resume' } }, dir, log);
  if (!metrics) throw new Error(`${dir}: training stopped before it finished`);
  return { metrics, state };
}
