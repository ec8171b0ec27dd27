// Top-K ranking metrics from ranked lists and a ground-truth CSR: Recall, NDCG, Precision, HitRate
// and MAP at several K, as means over users and per user (for significance tests).
//
// 'standard' (the default) is SGFD-SPEC §6. Two reference variants reproduce the evaluators behind
// the paper's numbers (compare with the paper only; never the default):
//
// 'sgfd-grcn' — GRCN's evaluator. NDCG@K = DCG over the first K ranks / ideal DCG over min(h, K)
//   positions where h = number of hits in the first K ranks (not |test items|), 0 when h = 0: this
//   inflates NDCG (one hit at rank 2 scores 1/log2(3) instead of dividing by a larger ideal). Its
//   masking (training items scored 1e-5, not excluded) happens at ranking time: see evaluate.ts.
//   Recall, Precision, HitRate as standard (GRCN computes no MAP; standard MAP is reported).
//
// 'sgfd-bm3' — BM3's evaluator (its ndcg2_ and recall2_), implemented literally:
//   Recall@K is micro-averaged: Σ_u hits_u@K / Σ_u |test_u|. Per-user values are
//   hits_u@K / mean_u |test_u|, so that their mean is exactly that micro recall.
//   NDCG@K: h = number of hits in the first K−1 ranks; ideal DCG over min(h, K−1) = h positions;
//   DCG summed over ALL ranks of the ranked list handed in (its full width, i.e. the largest K
//   evaluated — the reference ranks max(topk) items), so a user can exceed 1 and NDCG@K depends
//   on the list width; users with h = 0 score 0. Precision, HitRate, MAP as standard (MMRec's).
//
// Users with no ground-truth items are excluded everywhere (they are neither in the means nor in
// the per-user arrays). Items −1 in a ranking are empty slots and never hit.
import { type Csr } from '../data/index.ts';

export type Compat = 'standard' | 'sgfd-grcn' | 'sgfd-bm3';
export const METRIC_NAMES = ['recall', 'ndcg', 'precision', 'hit', 'map'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];
export const DEFAULT_KS: readonly number[] = [10, 20, 50];

/** Ranked lists: row r (width `k`, best first) belongs to user `users[r]`. */
export interface Ranking {
  users: Int32Array;
  /** Row-major [users.length × k] item ids; −1 marks an empty slot. */
  items: Int32Array;
  k: number;
}

export interface MetricOptions {
  /** Cut-offs (default 10, 20, 50); each ≤ the ranking width. */
  ks?: readonly number[];
  compat?: Compat;
}

export interface MetricReport {
  compat: Compat;
  ks: number[];
  /** The users evaluated (those with ≥ 1 ground-truth item), in ranking order. */
  users: Int32Array;
  /** Mean over `users` per metric key (`recall@20`, `ndcg@10`, …), as fractions. */
  means: Record<string, number>;
  /** Per-user values aligned with `users`, per metric key. */
  perUser: Record<string, Float64Array>;
}

export function metricKey(name: MetricName, k: number): string {
  return `${name}@${k}`;
}

/** 1/log2(rank + 1) for 1-based rank: the DCG discount. */
function discount(rank: number): number {
  return 1 / Math.log2(rank + 1);
}

/** Σ of the discounts of ranks 1..n (the DCG of n hits in a row). */
function idealDcg(n: number): number {
  let s = 0;
  for (let r = 1; r <= n; r++) s += discount(r);
  return s;
}

function contains(sorted: Int32Array, lo: number, hi: number, x: number): boolean {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else if (sorted[mid] > x) hi = mid;
    else return true;
  }
  return false;
}

/** Per-user statistics of one ranked row against its ground truth. */
interface UserRow {
  /** hit[j] = 1 when the item at rank j + 1 is relevant. */
  hit: Uint8Array;
  /** Number of relevant items. */
  nTruth: number;
}

/** The standard metric `name` at cut-off k for one user. */
function standardValue(name: MetricName, row: UserRow, k: number): number {
  let hits = 0;
  let dcg = 0;
  let precisionSum = 0;
  for (let j = 0; j < k; j++) {
    if (!row.hit[j]) continue;
    hits++;
    dcg += discount(j + 1);
    precisionSum += hits / (j + 1);
  }
  const cap = Math.min(row.nTruth, k);
  switch (name) {
    case 'recall': return hits / row.nTruth;
    case 'precision': return hits / k;
    case 'hit': return hits > 0 ? 1 : 0;
    case 'ndcg': return dcg / idealDcg(cap);
    case 'map': return precisionSum / cap;
  }
}

/** GRCN's NDCG@K: ideal DCG over the number of hits in the first K ranks. */
function grcnNdcg(row: UserRow, k: number): number {
  let hits = 0;
  let dcg = 0;
  for (let j = 0; j < k; j++) if (row.hit[j]) { hits++; dcg += discount(j + 1); }
  return hits === 0 ? 0 : dcg / idealDcg(Math.min(hits, k));
}

/** BM3's NDCG@K: hits counted in the first K−1 ranks, DCG summed over every rank of the row. */
function bm3Ndcg(row: UserRow, k: number): number {
  let hits = 0;
  for (let j = 0; j < k - 1; j++) hits += row.hit[j];
  if (hits === 0) return 0;
  let dcg = 0;
  for (let j = 0; j < row.hit.length; j++) if (row.hit[j]) dcg += discount(j + 1);
  return dcg / idealDcg(Math.min(hits, k - 1));
}

function hitsAt(row: UserRow, k: number): number {
  let hits = 0;
  for (let j = 0; j < k; j++) hits += row.hit[j];
  return hits;
}

/** Ranked rows of the users that have ground truth, with their hit flags. */
function userRows(ranking: Ranking, truth: Csr): { users: Int32Array; rows: UserRow[] } {
  const users: number[] = [];
  const rows: UserRow[] = [];
  const { k } = ranking;
  for (let r = 0; r < ranking.users.length; r++) {
    const u = ranking.users[r];
    const lo = truth.indptr[u];
    const hi = truth.indptr[u + 1];
    if (hi === lo) continue;
    const hit = new Uint8Array(k);
    for (let j = 0; j < k; j++) {
      const item = ranking.items[r * k + j];
      hit[j] = item >= 0 && contains(truth.indices, lo, hi, item) ? 1 : 0;
    }
    users.push(u);
    rows.push({ hit, nTruth: hi - lo });
  }
  return { users: Int32Array.from(users), rows };
}

function validate(ranking: Ranking, ks: readonly number[]): void {
  if (ranking.items.length !== ranking.users.length * ranking.k) {
    throw new RangeError(`metrics: ranking has ${ranking.items.length} items, expected ${ranking.users.length} users × k = ${ranking.k}`);
  }
  for (const k of ks) {
    if (!Number.isInteger(k) || k < 1 || k > ranking.k) throw new RangeError(`metrics: cut-off ${k} must be an integer in [1, ${ranking.k}] (the ranking width)`);
  }
}

/** All metrics at every cut-off for the ranked users that have ground truth in `truth`. */
export function computeMetrics(ranking: Ranking, truth: Csr, o: MetricOptions = {}): MetricReport {
  const ks = [...(o.ks ?? DEFAULT_KS)];
  const compat = o.compat ?? 'standard';
  validate(ranking, ks);
  const { users, rows } = userRows(ranking, truth);
  const meanTruth = rows.reduce((s, r) => s + r.nTruth, 0) / Math.max(1, rows.length);
  const value = (name: MetricName, row: UserRow, k: number): number => {
    if (compat === 'sgfd-grcn' && name === 'ndcg') return grcnNdcg(row, k);
    if (compat === 'sgfd-bm3' && name === 'ndcg') return bm3Ndcg(row, k);
    if (compat === 'sgfd-bm3' && name === 'recall') return hitsAt(row, k) / meanTruth;
    return standardValue(name, row, k);
  };
  const means: Record<string, number> = {};
  const perUser: Record<string, Float64Array> = {};
  for (const name of METRIC_NAMES) {
    for (const k of ks) {
      const values = Float64Array.from(rows, (row) => value(name, row, k));
      const key = metricKey(name, k);
      perUser[key] = values;
      means[key] = values.length ? values.reduce((s, v) => s + v, 0) / values.length : NaN;
    }
  }
  return { compat, ks, users, means, perUser };
}
