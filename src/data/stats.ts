// `sgfd data stats`: what a dataset holds, as JSON (for tools) or as aligned text (for people).
import { splitCounts, type Dataset } from './dataset.ts';

export interface Quantiles {
  min: number;
  p25: number;
  p50: number;
  p75: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface DatasetStats {
  name: string;
  source: string;
  created: string | null;
  /** Generated data (sgfd data synth), not real interactions. */
  synthetic: boolean;
  users: number;
  items: number;
  interactions: number;
  splits: { train: number; valid: number; test: number };
  /** interactions / (users × items). */
  density: number;
  /** Interactions per user / per item, all splits. */
  userDegree: Quantiles;
  itemDegree: Quantiles;
  /** Number of label classes (0 if none). */
  labels: number;
  /** Items per class name (or class index), and items without a label. */
  labelCounts: Record<string, number>;
  unlabeledItems: number;
  /** Feature dimension per modality. */
  modalities: Record<string, number>;
  /** L2 norms of the feature rows per modality. */
  featureNorms: Record<string, { min: number; mean: number; max: number }>;
  usersWithoutTrain: number;
  usersWithoutTest: number;
  /** Items that never occur in train; and how many of those occur in valid/test. */
  coldItems: number;
  coldItemsInHeldOut: number;
}

export function datasetStats(ds: Dataset): DatasetStats {
  const { user, item, split } = ds.interactions;
  const n = user.length;
  const userDeg = new Int32Array(ds.nUsers);
  const itemDeg = new Int32Array(ds.nItems);
  const itemTrain = new Uint8Array(ds.nItems);
  const itemHeld = new Uint8Array(ds.nItems);
  for (let r = 0; r < n; r++) {
    userDeg[user[r]]++;
    itemDeg[item[r]]++;
    (split[r] === 0 ? itemTrain : itemHeld)[item[r]] = 1;
  }
  let coldItems = 0;
  let coldHeld = 0;
  for (let i = 0; i < ds.nItems; i++) if (!itemTrain[i]) { coldItems++; if (itemHeld[i]) coldHeld++; }
  const rowEmpty = (indptr: Int32Array) => indptr.reduce((acc, v, u) => acc + (u > 0 && v === indptr[u - 1] ? 1 : 0), 0);
  const labelCounts: Record<string, number> = {};
  let unlabeled = 0;
  if (ds.labels) {
    for (let k = 0; k < ds.nLabels; k++) labelCounts[ds.labelNames?.[k] ?? String(k)] = 0;
    for (const l of ds.labels) if (l < 0) unlabeled++; else labelCounts[ds.labelNames?.[l] ?? String(l)]++;
  }
  return {
    name: ds.meta.name, source: ds.meta.source, created: ds.meta.created, synthetic: ds.meta.synthetic,
    users: ds.nUsers, items: ds.nItems, interactions: n, splits: splitCounts(split),
    density: ds.nUsers && ds.nItems ? n / (ds.nUsers * ds.nItems) : 0,
    userDegree: quantiles(userDeg), itemDegree: quantiles(itemDeg),
    labels: ds.labels ? ds.nLabels : 0, labelCounts, unlabeledItems: unlabeled,
    modalities: Object.fromEntries(ds.modalities.map((m) => [m.name, m.dim])),
    featureNorms: Object.fromEntries(ds.modalities.map((m) => [m.name, rowNorms(m.data, m.dim)])),
    usersWithoutTrain: rowEmpty(ds.csr.train.indptr),
    usersWithoutTest: rowEmpty(ds.csr.test.indptr),
    coldItems, coldItemsInHeldOut: coldHeld,
  };
}

export function quantiles(values: Int32Array): Quantiles {
  const s = Int32Array.from(values).sort();
  const at = (q: number) => (s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : 0);
  const mean = s.length ? s.reduce((a, b) => a + b, 0) / s.length : 0;
  return { min: at(0), p25: at(0.25), p50: at(0.5), p75: at(0.75), p90: at(0.9), p99: at(0.99), max: s.length ? s[s.length - 1] : 0, mean };
}

function rowNorms(data: Float32Array, dim: number): { min: number; mean: number; max: number } {
  const rows = data.length / dim;
  let min = Infinity;
  let max = 0;
  let sum = 0;
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = r * dim; c < (r + 1) * dim; c++) s += data[c] * data[c];
    const norm = Math.sqrt(s);
    sum += norm;
    if (norm < min) min = norm;
    if (norm > max) max = norm;
  }
  return { min: rows ? min : 0, mean: rows ? sum / rows : 0, max };
}

/** Human-readable report, one fact per line. */
export function formatStats(s: DatasetStats): string {
  const fmt = (x: number) => (Number.isInteger(x) ? x.toLocaleString('en-US') : x.toPrecision(4));
  const q = (d: Quantiles) => `min ${d.min}  p25 ${d.p25}  median ${d.p50}  p75 ${d.p75}  p90 ${d.p90}  p99 ${d.p99}  max ${d.max}  mean ${d.mean.toFixed(2)}`;
  const lines = [
    ...(s.synthetic ? ['SYNTHETIC dataset: generated data (see source), not real user data throughout'] : []),
    `name            ${s.name}`,
    `source          ${s.source}`,
    `created         ${s.created ?? '(deterministic, no timestamp)'}`,
    `users           ${fmt(s.users)}`,
    `items           ${fmt(s.items)}`,
    `interactions    ${fmt(s.interactions)}  (train ${fmt(s.splits.train)} / valid ${fmt(s.splits.valid)} / test ${fmt(s.splits.test)})`,
    `density         ${s.density.toPrecision(3)}  (${(100 * (1 - s.density)).toFixed(2)} % sparse)`,
    `per-user degree ${q(s.userDegree)}`,
    `per-item degree ${q(s.itemDegree)}`,
    `users w/o train ${fmt(s.usersWithoutTrain)}`,
    `users w/o test  ${fmt(s.usersWithoutTest)}`,
    `cold items      ${fmt(s.coldItems)} never in train (${fmt(s.coldItemsInHeldOut)} of them in valid/test)`,
    `labels          ${s.labels === 0 ? 'none' : `${s.labels} classes${s.unlabeledItems ? `, ${s.unlabeledItems} items unlabeled` : ''}`}`,
    ...Object.entries(s.labelCounts).map(([k, v]) => `  ${k.padEnd(14)}${fmt(v)}`),
    `modalities      ${Object.keys(s.modalities).length || 'none'}`,
    ...Object.entries(s.modalities).map(([k, d]) => {
      const nrm = s.featureNorms[k];
      return `  ${k.padEnd(14)}${d}-d, row L2 norm min ${nrm.min.toPrecision(4)} mean ${nrm.mean.toPrecision(4)} max ${nrm.max.toPrecision(4)}`;
    }),
  ];
  return lines.join('\n');
}
