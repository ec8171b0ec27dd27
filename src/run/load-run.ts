// Re-opening a finished (or checkpointed) run: its resolved config, dataset, backbone and the best
// parameters kept by the trainer — for `sgfd eval`, scoring and export.
import { join } from 'node:path';
import { readDataset } from '../data/index.ts';
import { type Dataset } from '../data/index.ts';
import { backboneSpec, type Backbone } from '../backbones/index.ts';
import { readCheckpoint } from '../runtime/index.ts';
import { evaluate, type Compat, type MetricReport } from '../eval/index.ts';
import { RUN_FILES, readJson, writeJson, writePerUser } from './files.ts';
import { type ResolvedConfig } from './config.ts';
import { readTeacherFeatures } from '../sgfd/index.ts';
import { scorer, scoringGraph } from './scoring.ts';
import { type RunMetrics } from './config.ts';
import { runFinished, unfinishedState } from './run-dir.ts';

export interface LoadedRun {
  dir: string; config: ResolvedConfig; ds: Dataset; backbone: Backbone; values: Map<string, Float32Array>; bestEpoch: number;
  /** False for a run that never wrote metrics.json (killed, halted at a rung, still training): loaded only when allowed. */
  finished: boolean;
}

export interface LoadRunOptions {
  /** Load a run without metrics.json (its best parameters so far); default: refuse it. */
  allowUnfinished?: boolean;
}

export function loadRun(dir: string, dataOverride?: string, o: LoadRunOptions = {}): LoadedRun {
  const config = readJson<ResolvedConfig>(join(dir, RUN_FILES.config));
  const finished = runFinished(dir);
  if (!finished && !o.allowUnfinished) {
    throw new Error(`${dir}: unfinished run (no ${RUN_FILES.metrics}; ${unfinishedState(dir)}): resume it with sgfd train --resume, or pass --allow-unfinished to use its best parameters so far`);
  }
  const ds = readDataset(dataOverride ?? config.dataset.path);
  if (ds.nUsers !== config.dataset.users || ds.nItems !== config.dataset.items) {
    throw new Error(`${dir}: the run was trained on ${config.dataset.users} users × ${config.dataset.items} items, the dataset has ${ds.nUsers} × ${ds.nItems}`);
  }
  const cache = readTeacherFeatures(dir, ds);
  const backbone = backboneSpec(config.backbone).create(ds, config.backbone_config, config.sgfd, cache, config.extractor === 'sgfd' ? undefined : config.extractor);
  const { tensors, manifest } = readCheckpoint(join(dir, RUN_FILES.checkpoint));
  const values = new Map<string, Float32Array>();
  for (const name of backbone.model.namedParameters().keys()) {
    const t = tensors.get(`best.${name}`) ?? tensors.get(name);
    if (!t) throw new Error(`${dir}: checkpoint has no tensor for parameter '${name}'`);
    values.set(name, t.data as Float32Array);
  }
  return { dir, config, ds, backbone, values, bestEpoch: (manifest.best as { epoch: number }).epoch, finished };
}

/** Validation and test metrics of a loaded run's best parameters. */
export async function evaluateRun(run: LoadedRun, o: { compat?: Compat; threads?: number } = {}): Promise<{ valid: MetricReport; test: MetricReport }> {
  const fwd = await scoringGraph(run.backbone, run.backbone.model.namedParameters(), { threads: o.threads });
  const s = await scorer(fwd, run.ds, run.values, run.backbone);
  const eo = { ...o, chunk: run.backbone.evalChunk };
  const valid = await evaluate(s, run.ds, 'valid', eo);
  const test = await evaluate(s, run.ds, 'test', eo);
  await fwd.release();
  return { valid, test };
}

/**
 * Scores test for a run trained with `scoreTest: false` (a search trial that was then chosen), once:
 * fills metrics.json's `test` and writes the per-user test file. A run already scored is left alone.
 */
export async function scoreTestOnce(dir: string, o: { threads?: number } = {}): Promise<RunMetrics> {
  const path = join(dir, RUN_FILES.metrics);
  const metrics = readJson<RunMetrics>(path);
  if (Object.keys(metrics.test).length) return metrics;
  const run = loadRun(dir);
  const { test } = await evaluateRun(run, o);
  writePerUser(join(dir, RUN_FILES.perUser('test')), test.users, test.perUser);
  const done = { ...metrics, test: test.means };
  writeJson(path, done);
  return done;
}
