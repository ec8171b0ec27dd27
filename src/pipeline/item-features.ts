// Per-item features of a trained run, computed with its best parameters: what its item extractor
// outputs (the vanilla Linear, or SGFD's student) and, for an SGFD run, what its teacher outputs
// (stage 1's frozen teacher in the paper profile, the jointly trained one in the reference profile).
import { type Value } from '../graph/index.ts';
import { ItemExtractor } from '../sgfd/index.ts';
import { compileForward } from '../nn/index.ts';
import { loadRun } from '../run/index.ts';
import { readTeacherFeatures } from '../sgfd/index.ts';
import type { Dataset } from '../data/index.ts';

export interface ItemFeatures {
  ds: Dataset;
  /** Extractor output per modality, [nItems, d] each. */
  extractor: Float32Array[];
  /** Teacher output per modality (SGFD runs only). */
  teacher: Float32Array[] | null;
  dim: number;
}

/** Null when the run's backbone has no item extractor (ID-only models). */
export async function runItemFeatures(dir: string, threads = 2): Promise<ItemFeatures | null> {
  const run = loadRun(dir);
  const extractor = (run.backbone.model as { extractor?: unknown }).extractor;
  if (!(extractor instanceof ItemExtractor)) return null;
  const ds = run.ds;
  const fwd = await compileForward(run.backbone.model.namedParameters(), (b) => {
    const tables = extractor.tables(b.graph, ds.nItems);
    const outs: Record<string, Value> = {};
    extractor.allItems(b, tables).forEach((f, i) => { outs[`extracted_${i}`] = f; });
    extractor.sgfd?.teacher.features(b, tables.raw).forEach((f, i) => { outs[`teacher_${i}`] = f; });
    return outs;
  }, { threads });
  const out = await fwd.run(run.values, extractor.feeds(ds, readTeacherFeatures(dir, ds)));
  await fwd.release();
  const pick = (prefix: string) => ds.modalities.map((_, i) => out[`${prefix}_${i}`].data as Float32Array);
  return { ds, extractor: pick('extracted'), teacher: extractor.sgfd ? pick('teacher') : null, dim: extractor.outDim };
}

/**
 * One row per item: the named modality's features, or with `all` every modality's features side by
 * side; each modality block L2-normalised so no modality dominates by scale.
 */
export function itemMatrix(perModality: Float32Array[], ds: Dataset, modality: string, dim: number): { data: Float32Array; dim: number } {
  const names = ds.modalities.map((m) => m.name);
  const chosen = modality === 'all' ? names.map((_, i) => i) : [names.indexOf(modality)];
  if (chosen[0] < 0) throw new Error(`plots.tsne.modality: expected all or one of ${names.join(', ')}; got '${modality}'`);
  const width = chosen.length * dim;
  const data = new Float32Array(ds.nItems * width);
  for (let item = 0; item < ds.nItems; item++) {
    chosen.forEach((m, block) => {
      const src = perModality[m].subarray(item * dim, (item + 1) * dim);
      const norm = Math.hypot(...src) || 1;
      for (let k = 0; k < dim; k++) data[item * width + block * dim + k] = src[k] / norm;
    });
  }
  return { data, dim: width };
}
