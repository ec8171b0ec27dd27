// What a run directory already holds before a run is written into it (nothing, a finished run, an
// unfinished one), clearing it for --force, and the record of the dataset a run trained on (its
// digest, which `sgfd compare` checks; the same digest the pipeline's data step hands on).
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MANIFEST_FILE, INTERACTIONS_FILE, ITEMS_FILE } from '../data/index.ts';
import { type Dataset } from '../data/index.ts';
import { fileAncestor } from '../data/index.ts';
import { digestFiles } from '../data/index.ts';
import { TEACHER_FILES } from '../sgfd/index.ts';
import { RUN_FILES, writeJson } from './files.ts';

/** Beside config.json: the dataset a run trained on — { path, name, digest }. */
export const DATASET_RECORD = 'dataset.json';
/** Written by the pipeline beside its runs: { data: digest } (src/pipeline/runs.ts RUN_INPUTS). */
const PIPELINE_INPUTS = 'pipeline_inputs.json';
/** Written by successive halving beside a trial it stopped (src/pipeline/runs.ts RUN_CUT). */
const HALVING_CUT = 'halving_cut.json';

/** Files a run writes; their presence makes a directory a run directory. */
const RUN_OUTPUTS = [RUN_FILES.config, RUN_FILES.log, RUN_FILES.checkpoint, RUN_FILES.metrics];
/** Everything a run writes (cleared by --force before it is trained again). */
const ALL_RUN_OUTPUTS = [
  ...RUN_OUTPUTS, RUN_FILES.perUser('valid'), RUN_FILES.perUser('test'), DATASET_RECORD, HALVING_CUT, ...Object.values(TEACHER_FILES),
  'graphs', // sgfd train --save-graphs (src/artifacts/write.ts RUN_GRAPHS_DIR)
];

/** Whether the run in `dir` finished (its metrics.json is written only then). */
export const runFinished = (dir: string): boolean => existsSync(join(dir, RUN_FILES.metrics));

/** Epochs in the run's checkpoint, or null without a readable one. */
export function checkpointEpochOf(dir: string): number | null {
  try {
    const m = JSON.parse(readFileSync(join(dir, RUN_FILES.checkpoint, 'manifest.json'), 'utf8')) as { epoch?: unknown };
    return typeof m.epoch === 'number' ? m.epoch : null;
  } catch {
    return null;
  }
}

/** "checkpoint at epoch 3", or what there is without one. */
export function unfinishedState(dir: string): string {
  const epoch = checkpointEpochOf(dir);
  return epoch === null ? 'no checkpoint yet' : `checkpoint at epoch ${epoch}`;
}

/**
 * What writing a run into `out` would do: 'new' (nothing of a run there), 'resume' (--resume), or
 * 'replace' (--force over a run). A run there without either flag is an error — nothing is written.
 */
export function checkRunDir(out: string, resume: boolean, force: boolean): 'new' | 'resume' | 'replace' {
  if (resume && force) throw new Error('--resume continues the run in --out, --force replaces it: pass one of them');
  const file = fileAncestor(out);
  if (file) throw new Error(`${out}: --out must be a run directory, but ${file} is a file, not a directory`);
  if (!existsSync(out)) return 'new';
  if (!statSync(out).isDirectory()) throw new Error(`${out}: --out must be a run directory, it is a file`);
  if (!RUN_OUTPUTS.some((f) => existsSync(join(out, f)))) return 'new';
  if (resume) return 'resume';
  if (force) return 'replace';
  if (runFinished(out)) throw new Error(`${out}: holds a finished run (${RUN_FILES.metrics}); pass --force to replace it (nothing was written)`);
  throw new Error(`${out}: holds an unfinished run (${unfinishedState(out)}); pass --resume to continue it or --force to replace it (nothing was written)`);
}

/** Removes what a run wrote into `dir` (other files, and the pipeline's record of its inputs, stay). */
export function clearRunDir(dir: string): void {
  for (const f of ALL_RUN_OUTPUTS) rmSync(join(dir, f), { recursive: true, force: true });
}

/**
 * The dataset's digest: over its manifest.json (sizes and SHA-256 of every file) exactly as the
 * pipeline's data step computes it, else over its Arrow files.
 */
export function datasetDigest(dataDir: string): string {
  const manifest = join(dataDir, MANIFEST_FILE);
  return existsSync(manifest) ? digestFiles([manifest]) : digestFiles([join(dataDir, INTERACTIONS_FILE), join(dataDir, ITEMS_FILE)]);
}

export interface DatasetRecord { path: string; name: string; users: number; items: number; digest: string }

export function writeDatasetRecord(out: string, dataDir: string, ds: Dataset): void {
  const record: DatasetRecord = { path: resolve(dataDir), name: ds.meta.name, users: ds.nUsers, items: ds.nItems, digest: datasetDigest(dataDir) };
  writeJson(join(out, DATASET_RECORD), record);
}

/** The digest of the dataset the run in `dir` trained on: its dataset.json, else the pipeline's record, else null (older runs). */
export function runDatasetDigest(dir: string): string | null {
  for (const [file, field] of [[DATASET_RECORD, 'digest'], [PIPELINE_INPUTS, 'data']] as const) {
    const path = join(dir, file);
    if (!existsSync(path)) continue;
    try {
      const v = (JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>)[field];
      if (typeof v === 'string') return v;
    } catch { /* unreadable: fall through */ }
  }
  return null;
}
