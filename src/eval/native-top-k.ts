// Top-K for dot-product scores on the native fused kernel (src/runtime/native.ts), for evaluation
// (ranking.ts) and batch scoring (score/batch-score.ts): no score matrix, no over-fetch — excluded
// items are skipped inside the kernel. The same items as ONNX Runtime's MatMul + TopK, ties included;
// scores to float rounding (test/score/native-dot.test.ts).
import { type Csr, excludedOf } from '../data/index.ts';
import { type NativeKernels, nativeThreads, packItemPanels } from '../runtime/index.ts';

/** One chunk of users' top-k: row-major [users.length × k] items (−1: nothing left) and scores. */
export interface TopKChunk { users: Int32Array; items: Int32Array; scores: Float32Array }

/** Most users per kernel call (the unit of progress). */
export const NATIVE_CHUNK = 512;

/**
 * Users per kernel call within `memoryMb`: the kernel holds up to 2k + 80 candidates (score + item,
 * 8 bytes each) per user while it runs, and its outputs k more.
 */
export function nativeChunkUsers(k: number, memoryMb: number): number {
  return Math.max(1, Math.min(NATIVE_CHUNK, Math.floor((memoryMb * 1024 * 1024) / ((3 * k + 80) * 8))));
}

/**
 * Throws, naming the row, if a row of `table` [rows, dim] — those in `ids`, or all — holds NaN or ±∞:
 * a NaN score would otherwise rank nowhere, silently.
 */
export function assertFiniteRows(table: Float32Array, dim: number, what: 'user' | 'item', ids?: Int32Array): void {
  const n = ids ? ids.length : table.length / dim;
  for (let r = 0; r < n; r++) {
    const base = (ids ? ids[r] : r) * dim;
    let probe = 0; // stays 0 unless a value is NaN or ±∞ (x · 0 is NaN for those): no branch per value
    for (let j = 0; j < dim; j++) probe += table[base + j] * 0;
    if (probe === 0) continue;
    const j = table.subarray(base, base + dim).findIndex((v) => !Number.isFinite(v));
    throw new Error(`score: ${what} ${base / dim} (dense id): its representation holds ${table[base + j]} (dimension ${j}); the run's parameters are not finite`);
  }
}

/**
 * Throws if a user got fewer items than it has rankable ones: the kernel skips NaN scores, which
 * finite representations still give when a product overflows (∞ − ∞).
 */
function assertRanked(items: Int32Array, ids: Int32Array, k: number, nItems: number, excludedPtr: Int32Array): void {
  for (let r = 0; r < ids.length; r++) {
    const want = Math.min(k, nItems - (excludedPtr[r + 1] - excludedPtr[r]));
    let got = 0;
    while (got < k && items[r * k + got] >= 0) got++;
    if (got < want) throw new Error(`score: user ${ids[r]} (dense id): ${want - got} of its top ${k} scores are NaN (a product of its representation overflows float32)`);
  }
}

export interface NativeDotSource { users: Float32Array; items: Float32Array; dim: number; nItems: number }

/** Top-k of every user in `users`, NATIVE_CHUNK at a time, in the order of `users`. */
export function* nativeDotChunks(kernels: NativeKernels, source: NativeDotSource, users: Int32Array,
  o: { k: number; exclude: readonly Csr[]; memoryMb: number; threads?: number }, rowsOf: (ids: Int32Array) => Float32Array = (ids) => userRows(source.users, source.dim, ids)): Generator<TopKChunk> {
  const { dim, nItems } = source;
  assertFiniteRows(source.items, dim, 'item');
  const panels = packItemPanels(source.items, nItems, dim);
  const threads = nativeThreads(o.threads);
  const chunk = nativeChunkUsers(o.k, o.memoryMb);
  for (let from = 0; from < users.length; from += chunk) {
    const ids = users.subarray(from, Math.min(users.length, from + chunk));
    assertFiniteRows(source.users, dim, 'user', ids);
    const excluded = excludedOf(ids, o.exclude);
    const items = new Int32Array(ids.length * o.k);
    const scores = new Float32Array(ids.length * o.k);
    kernels.dotTopK(rowsOf(ids), panels, nItems, dim, o.k, excluded.ptr, excluded.items, threads, items, scores);
    assertRanked(items, ids, o.k, nItems, excluded.ptr);
    yield { users: ids.slice(), items, scores };
  }
}

/** The rows of `table` [n, dim] for `ids`: a view when the ids are consecutive, else a copy. */
export function userRows(table: Float32Array, dim: number, ids: Int32Array): Float32Array {
  const n = ids.length;
  if (n === 0) return new Float32Array(0);
  if (ids[n - 1] - ids[0] === n - 1 && ids.every((u, i) => u === ids[0] + i)) return table.subarray(ids[0] * dim, (ids[0] + n) * dim);
  const out = new Float32Array(n * dim);
  ids.forEach((u, r) => out.set(table.subarray(u * dim, (u + 1) * dim), r * dim));
  return out;
}
