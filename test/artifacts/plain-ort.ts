// A consumer of sgfd's training artifacts that uses no sgfd code at all — only artifact.json, the
// dataset's Arrow files (read with apache-arrow), safetensors parsed here, and a plain
// onnxruntime-node InferenceSession — as another language's ORT binding would. Nothing in this file
// imports from src/: what it needs to know must be in the manifest.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import ort from 'onnxruntime-node';

export type Typed = Float32Array | BigInt64Array | Int32Array;
export interface Tensor { data: Typed; dims: number[] }

interface Source { kind: string; [k: string]: unknown }
export interface Entry { name: string; dtype: string; shape: (number | string)[]; role: string; doc: string; source?: Source }
export interface GraphEntry { file: string; kind: string; inputs: Entry[]; outputs: Entry[]; feedback?: Record<string, string>; initial?: string; optimizer?: { lr: number }; batching?: { batch_size: number } }
export interface Manifest {
  graphs: GraphEntry[];
  stage1: { applied: boolean; held_out_items: number[] } | null;
  files: Record<string, { bytes: number; sha256: string }>;
  dataset: { users: number; items: number };
}

export const readManifest = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, 'artifact.json'), 'utf8'));
export const graphOf = (m: Manifest, file: string): GraphEntry => m.graphs.find((g) => g.file === file)!;

/** safetensors: u64 LE header length, JSON header {name: {dtype, shape, data_offsets}}, little-endian data. */
export function readSafetensors(path: string): Map<string, Tensor> {
  const bytes = readFileSync(path);
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const out = new Map<string, Tensor>();
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const raw = bytes.subarray(8 + n + t.data_offsets[0], 8 + n + t.data_offsets[1]);
    const copy = new Uint8Array(raw).buffer; // aligned
    const data = t.dtype === 'F32' ? new Float32Array(copy) : t.dtype === 'I64' ? new BigInt64Array(copy) : t.dtype === 'I32' ? new Int32Array(copy) : null;
    if (!data) throw new Error(`${path}: ${name}: dtype ${t.dtype} not handled`);
    out.set(name, { data, dims: t.shape });
  }
  return out;
}

export interface ArrowDataset {
  users: number; items: number;
  trainUsers: Int32Array; trainItems: Int32Array;
  labels: (number | null)[];
  features: Record<string, Float32Array>;
}

/** interactions.arrow (user, item, split) and items.arrow (label, one FixedSizeList<Float32> column per modality). */
export function readArrowDataset(dir: string, m: Manifest): ArrowDataset {
  const inter = tableFromIPC(readFileSync(join(dir, 'interactions.arrow')));
  const split = inter.getChild('split')!.toArray() as Int8Array;
  const pick = (col: string) => Int32Array.from((inter.getChild(col)!.toArray() as Int32Array).filter((_, i) => split[i] === 0));
  const items = tableFromIPC(readFileSync(join(dir, 'items.arrow')));
  const features: Record<string, Float32Array> = {};
  for (const f of items.schema.fields) {
    if (f.name === 'item' || f.name === 'label') continue;
    const col = items.getChild(f.name)!;
    const rows: number[] = [];
    for (let i = 0; i < col.length; i++) rows.push(...(col.get(i) as { toArray(): Float32Array }).toArray());
    features[f.name] = Float32Array.from(rows);
  }
  const label = items.getChild('label');
  const labels = Array.from({ length: items.numRows }, (_, i) => (label ? (label.get(i) as number | null) : null));
  return { users: m.dataset.users, items: m.dataset.items, trainUsers: pick('user'), trainItems: pick('item'), labels, features };
}

/** The index plan of artifact.json's definitions.index_plan, written from that text. */
export function indexPlan(x: BigInt64Array, part: string): Tensor {
  const n = x.length;
  const perm = Array.from({ length: n }, (_, i) => i).sort((a, b) => (x[a] < x[b] ? -1 : x[a] > x[b] ? 1 : a - b));
  const distinct = [...new Set(Array.from(x))].sort((a, b) => (a < b ? -1 : 1));
  const run = new Map(distinct.map((v, r) => [v, r]));
  const inverse = new Array(n);
  perm.forEach((p, k) => { inverse[p] = k; });
  const lasts = distinct.map((v) => { let last = -1; perm.forEach((p, k) => { if (x[p] === v) last = k; }); return last; });
  const i64 = (a: (number | bigint)[]) => BigInt64Array.from(a.map((v) => BigInt(v)));
  switch (part) {
    case 'perm': return { data: i64(perm), dims: [n] };
    case 'inverse': return { data: i64(inverse), dims: [n] };
    case 'lasts': return { data: i64(lasts), dims: [distinct.length] };
    case 'runs': return { data: i64(distinct.map((_, r) => r)), dims: [distinct.length] };
    case 'uniq': return { data: i64(distinct), dims: [distinct.length, 1] };
    case 'groups': return { data: i64(Array.from(x, (v) => run.get(v)!)), dims: [n] };
  }
  throw new Error(`unknown plan part ${part}`);
}

/** A small seeded generator of our own (mulberry32): masks and negatives need not match sgfd's RNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const dimsOf = (e: Entry, rows: number, vars: Record<string, number>) => e.shape.map((d) => (typeof d === 'number' ? d : d === 'batch' || d === 'B' ? rows : vars[d]));

/** Batch inputs for training rows `rows`, built from each input's `source`; negatives and masks from `rand`. */
export function batchFromManifest(g: GraphEntry, ds: ArrowDataset, rows: number[], rand: () => number): Record<string, Tensor> {
  const seen = new Map<number, Set<number>>();
  ds.trainUsers.forEach((u, k) => { if (!seen.has(u)) seen.set(u, new Set()); seen.get(u)!.add(ds.trainItems[k]); });
  const negative = (u: number) => { for (;;) { const i = Math.floor(rand() * ds.items); if (!seen.get(u)!.has(i)) return i; } };
  const samples = new Map<string, number[][]>();
  const out: Record<string, Tensor> = {};
  const i64 = (a: number[]) => BigInt64Array.from(a.map(BigInt));
  for (const e of g.inputs.filter((x) => x.role === 'batch')) {
    const s = e.source!;
    const n = rows.length;
    if (s.kind === 'train_interactions') {
      const col = s.column === 'user' ? ds.trainUsers : ds.trainItems;
      out[e.name] = { data: i64(rows.map((r) => col[r] + (s.offset as number))), dims: [n] };
    } else if (s.kind === 'negative_items') {
      const key = s.sample as string;
      if (!samples.has(key)) samples.set(key, rows.map((r) => Array.from({ length: s.per_row as number }, () => negative(ds.trainUsers[r]))));
      const flat = samples.get(key)!.flat().map((i) => i + (s.offset as number));
      out[e.name] = { data: i64(flat), dims: (s.per_row as number) === 1 ? [n] : [n, s.per_row as number] };
    } else if (s.kind === 'positives_then_negatives') {
      const key = s.sample as string;
      if (!samples.has(key)) samples.set(key, rows.map((r) => [negative(ds.trainUsers[r])]));
      out[e.name] = { data: i64([...rows.map((r) => ds.trainItems[r]), ...samples.get(key)!.map((x) => x[0])]), dims: [2 * n] };
    } else if (s.kind === 'positive_and_negatives') {
      const J = s.negatives as number;
      out[e.name] = { data: i64(rows.flatMap((r) => [ds.trainItems[r], ...Array.from({ length: J }, () => negative(ds.trainUsers[r]))])), dims: [n, 1 + J] };
    } else if (s.kind === 'dropout_keep_mask') {
      const dims = dimsOf(e, n, {});
      const size = dims.reduce((a, b) => a * b, 1);
      out[e.name] = { data: Float32Array.from({ length: size }, () => (rand() >= (s.p as number) ? 1 : 0)), dims };
    } else {
      throw new Error(`batch input ${e.name}: source ${s.kind} not handled by this consumer`);
    }
  }
  return out;
}

/** Tables from the dataset (and stage-1 features), step/lr, parameters and state, derived plans: every other input. */
export function feedsFor(g: GraphEntry, ds: ArrowDataset, batch: Record<string, Tensor>, values: Map<string, Tensor>, step: number, teacher?: Map<string, Tensor>): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  const t = (x: Tensor) => new ort.Tensor(x.data instanceof Float32Array ? 'float32' : x.data instanceof Int32Array ? 'int32' : 'int64', x.data, x.dims);
  for (const e of g.inputs) {
    const s = e.source;
    let x: Tensor | undefined;
    if (e.role === 'batch') x = batch[e.name];
    else if (e.role === 'parameter' || e.role === 'frozen_parameter' || e.role === 'optimizer_state') x = values.get(e.name);
    else if (e.role === 'step') x = { data: Float32Array.of(step), dims: [] };
    else if (e.role === 'lr') x = { data: Float32Array.of(g.optimizer!.lr), dims: [] };
    else if (s?.kind === 'item_features') x = { data: ds.features[s.modality as string], dims: [ds.items, ds.features[s.modality as string].length / ds.items] };
    else if (s?.kind === 'item_labels') x = { data: BigInt64Array.from(ds.labels, (l) => BigInt(l ?? 0)), dims: [ds.items] };
    else if (s?.kind === 'item_label_mask') x = { data: Float32Array.from(ds.labels, (l) => (l === null ? 0 : 1)), dims: [ds.items] };
    else if (s?.kind === 'teacher_features') x = teacher?.get(s.output as string);
    else if (s?.kind === 'index_plan') x = indexPlan(batch[s.of as string].data as BigInt64Array, s.part as string);
    if (!x) throw new Error(`${g.file}: cannot build input '${e.name}' (${e.role}, ${s?.kind ?? 'no source'})`);
    feeds[e.name] = t(x);
  }
  return feeds;
}

export async function session(path: string, level: 'disabled' | 'all' = 'all'): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(path, { graphOptimizationLevel: level, intraOpNumThreads: 1, executionProviders: ['cpu'] });
}

export { ort };
