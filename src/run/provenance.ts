// Provenance shared by every serving artifact: which run (backbone, variant, config hash, best
// epoch) and which dataset a file was made from, and the library version.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type LoadedRun } from './load-run.ts';
import { type DatasetProvenance, type RunProvenance } from '../model/index.ts';

/** SHA-256 of the run's resolved config (key order as written by the trainer). */
export function configSha256(config: unknown): string {
  return createHash('sha256').update(JSON.stringify(config)).digest('hex');
}


export function runProvenance(run: LoadedRun): RunProvenance {
  const c = run.config;
  return { run: resolve(run.dir), backbone: c.backbone, variant: c.variant, extractor: c.extractor, best_epoch: run.bestEpoch, config_sha256: configSha256(c) };
}

export function datasetProvenance(run: LoadedRun, dataDir: string): DatasetProvenance {
  return { name: run.ds.meta.name, path: resolve(dataDir), synthetic: run.ds.meta.synthetic, users: run.ds.nUsers, items: run.ds.nItems };
}

export { libraryVersion } from '../runtime/index.ts';
