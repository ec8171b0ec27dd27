// A workload on disk for the same-run PyTorch baselines: the dataset (train interactions, item
// features, labels, a frozen teacher's features) as .npy files in a directory, and per run the
// initial parameters and the first batch's feeds, so bench/torch_*.py trains exactly what we train
// from exactly our starting point. Read back by bench/ours-worker.ts (our side) and torch_common.py.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNpy, writeNpy, type NpyData } from '../src/data/npy.ts';
import { makeDataset, type Dataset, type DatasetParts } from '../src/data/dataset.ts';
import { trainInteractions } from '../src/backbones/backbone.ts';
import { type Parameter } from '../src/nn/index.ts';
import { type BatchTensor } from '../src/runtime/train-step.ts';
import { Rng } from '../src/data/rng.ts';

export interface DumpMeta {
  name: string;
  source: string;
  nUsers: number;
  nItems: number;
  nLabels: number;
  modalities: { name: string; dim: number }[];
  /** All interactions of the source data, and those in its train split (the only ones dumped). */
  interactions: number;
  train: number;
  /** Width of the frozen teacher's features (teacher.<m>.npy), the paper profile's stage-2 table. */
  teacherDim: number;
}

/**
 * Writes `parts` (train split only: nothing else is trained on) and a stand-in for a stage-1 teacher:
 * per item and modality a random unit row of width `teacherDim` (what the teacher's L2 tail yields;
 * its values do not change the cost of stage 2).
 */
export function writeDump(dir: string, name: string, source: string, parts: DatasetParts, teacherDim: number): DumpMeta {
  mkdirSync(dir, { recursive: true });
  const ds = makeDataset(parts);
  const train = trainInteractions(ds);
  writeNpy(join(dir, 'users.npy'), train.users, [train.users.length]);
  writeNpy(join(dir, 'items.npy'), train.items, [train.items.length]);
  writeNpy(join(dir, 'labels.npy'), parts.labels ?? new Int32Array(parts.nItems).fill(-1), [parts.nItems]);
  const rng = new Rng(11);
  for (const m of parts.modalities) {
    writeNpy(join(dir, `features.${m.name}.npy`), m.data, [parts.nItems, m.dim]);
    const t = new Float32Array(parts.nItems * teacherDim);
    for (let i = 0; i < parts.nItems; i++) {
      let s = 0;
      for (let j = 0; j < teacherDim; j++) { const v = rng.normal(); t[i * teacherDim + j] = v; s += v * v; }
      for (let j = 0; j < teacherDim; j++) t[i * teacherDim + j] /= Math.sqrt(s);
    }
    writeNpy(join(dir, `teacher.${m.name}.npy`), t, [parts.nItems, teacherDim]);
  }
  const meta: DumpMeta = {
    name, source, nUsers: parts.nUsers, nItems: parts.nItems, nLabels: parts.nLabels,
    modalities: parts.modalities.map((m) => ({ name: m.name, dim: m.dim })),
    interactions: parts.interactions.user.length, train: train.users.length, teacherDim,
  };
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta, null, 1));
  return meta;
}

export function readMeta(dir: string): DumpMeta {
  return JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as DumpMeta;
}

/** The dumped data as a Dataset (every interaction in the train split) and the teacher's features. */
export function readDump(dir: string): { ds: Dataset; teacher: Float32Array[] } {
  const meta = readMeta(dir);
  const f32 = (file: string) => readNpy(join(dir, file)).data as Float32Array;
  const users = readNpy(join(dir, 'users.npy')).data as Int32Array;
  const items = readNpy(join(dir, 'items.npy')).data as Int32Array;
  const parts: DatasetParts = {
    nUsers: meta.nUsers, nItems: meta.nItems,
    interactions: { user: users, item: items, split: new Int8Array(users.length), timestamp: null },
    labels: readNpy(join(dir, 'labels.npy')).data as Int32Array, nLabels: meta.nLabels, labelNames: null,
    modalities: meta.modalities.map((m) => ({ ...m, data: f32(`features.${m.name}.npy`) })),
    meta: { name: meta.name, source: meta.source, created: null, synthetic: true, notes: {} },
  };
  return { ds: makeDataset(parts), teacher: meta.modalities.map((m) => f32(`teacher.${m.name}.npy`)) };
}

/** Named tensors as <dir>/<name>.npy plus <dir>/index.json: [{name, shape, trainable?}]. */
function writeTensors(dir: string, entries: { name: string; data: NpyData; shape: number[]; trainable?: boolean }[]): void {
  mkdirSync(dir, { recursive: true });
  for (const e of entries) writeNpy(join(dir, `${e.name}.npy`), e.data, e.shape);
  writeFileSync(join(dir, 'index.json'), JSON.stringify(entries.map(({ name, shape, trainable }) => ({ name, shape, trainable }))));
}

/** Initial parameter values (our layout: Linear weights [in, out]) with their trainable flags. */
export function writeParams(dir: string, params: Map<string, Parameter>, values: Map<string, Float32Array>): void {
  writeTensors(dir, [...params].map(([name, p]) => ({ name, data: values.get(name)!, shape: p.shape, trainable: p.trainable })));
}

/** One batch's feeds (ids, dropout keep-masks, negatives), as the train step receives them. */
export function writeFeeds(dir: string, feeds: Record<string, BatchTensor>): void {
  writeTensors(dir, Object.entries(feeds).map(([name, t]) => ({ name, data: t.data as NpyData, shape: t.dims })));
}
