// Batch top-K scoring: dot-product sources (and CML, as a dot product of derived rows) on the native
// fused kernel when it is built (eval/native-top-k.ts), MAML and NeuMF on their own (eval/pair-kernel-top-k.ts),
// else — and for NeuMF's per-user score graph — on ONNX Runtime: one session, users in
// chunks sized to a memory budget, each chunk one run of (scores → TopK), excluded items dropped
// from an over-fetched top-K; results handed out chunk by chunk.
import * as G from '../graph/index.ts';
import { RANKING_SESSION, createSession, nativeKernels, tensor, type Feeds, type ort } from '../runtime/index.ts';
import { type Scorer, type NativeDotSource, NATIVE_CHUNK, assertFiniteRows, nativeDotChunks, pairKernelTopK, userRows } from '../eval/index.ts';
import { type Csr } from '../data/index.ts';
import { dotTopKGraph, userIdTopKGraph } from '../model/index.ts';
import { SCORER_IO, topKOutputs } from '../model/index.ts';
import { type ScoredChunk } from './score-arrow.ts';

/**
 * What scores users: dot-product representations (score = ⟨users[u], items[i]⟩), or a backbone's
 * own per-user score graph (MAML, NeuMF, CML).
 */
export type ScoreSource =
  | { kind: 'dot'; users: Float32Array; items: Float32Array; dim: number; nItems: number }
  /** `maxChunk`: users per run the backbone's per-pair intermediates allow (Backbone.evalChunk). */
  | { kind: 'per-user'; scorer: Scorer; nItems: number; maxChunk?: number };

export interface BatchScoreOptions {
  k: number;
  /** CSRs (indexed by dense user id) whose pairs may not be recommended. */
  exclude: readonly Csr[];
  /** Budget for the per-chunk score matrices, MiB. */
  memoryMb: number;
  threads?: number;
  /** 'auto' (default): native for dot-product sources, MAML and CML when built, else ONNX Runtime. */
  engine?: ScoreEngineChoice;
}

export const SCORE_ENGINES = ['auto', 'native', 'onnxruntime'] as const;
export type ScoreEngineChoice = typeof SCORE_ENGINES[number];

/** The rows whose dot products are `source`'s scores: a dot-product source's, or a per-user scorer's (CML); else null. */
function dotRowsOf(source: ScoreSource): NativeDotSource | null {
  if (source.kind === 'dot') return source;
  return source.scorer.dot ? { ...source.scorer.dot, nItems: source.nItems } : null;
}

/** The engine `choice` resolves to for `source`; throws if 'native' is asked for and cannot run. */
export function scoreEngine(source: ScoreSource, choice: ScoreEngineChoice = 'auto'): 'native' | 'onnxruntime' {
  if (choice === 'onnxruntime') return 'onnxruntime';
  if (!dotRowsOf(source) && !(source.kind === 'per-user' && source.scorer.pairKernel)) {
    if (choice === 'native') throw new Error('--engine native: this run scores with its own per-user graph, which only ONNX Runtime runs (use --engine auto)');
    return 'onnxruntime';
  }
  const { kernels, why } = nativeKernels();
  if (!kernels && choice === 'native') throw new Error(`--engine native: the native kernels are not available: ${why}`);
  return kernels ? 'native' : 'onnxruntime';
}

/**
 * Bytes one user's row costs inside a run: the float32 score row, the masked copy ScatterND may
 * make, and TopK's working copy.
 */
const ROW_COPIES = 3;
/**
 * Most users per chunk. Past 256 a chunk's run gets no faster (GEMM and TopK are saturated: 157 vs
 * 162 GFLOP/s at 1,024), but its score matrix is 4× the memory a process must touch for the first
 * time — slow on some machines (≈ 10 µs a page on ours): a Toys-sized pass in a fresh process took
 * 670 ms at 1,024 users a chunk and 552 ms at 256 (medians of 5), peaking 76 MB lower.
 */
export const MAX_CHUNK = 256;

/** Users per chunk so that ROW_COPIES float32 rows of nItems fit `memoryMb` (at least 1, at most MAX_CHUNK). */
export function chunkUsers(nItems: number, memoryMb: number): number {
  if (!(memoryMb > 0)) throw new RangeError(`--memory-mb must be a positive number, got ${memoryMb}`);
  return Math.max(1, Math.min(MAX_CHUNK, Math.floor((memoryMb * 1024 * 1024) / (ROW_COPIES * 4 * nItems))));
}

/**
 * Top-k of every user in `users`, chunk by chunk, in the order of `users`. Excluded pairs are not
 * scattered into the score matrix (ScatterND copies all of it: as long as the TopK itself); instead
 * each run keeps k + (most items any user of the chunk has excluded) candidates and the excluded
 * ones are dropped in order — the same ranking a −∞ mask gives, ties included.
 */
export async function* scoreChunks(source: ScoreSource, users: Int32Array, o: BatchScoreOptions): AsyncGenerator<ScoredChunk> {
  const nItems = source.nItems;
  if (!Number.isInteger(o.k) || o.k < 1 || o.k > nItems) throw new RangeError(`--k must be an integer in [1, ${nItems}] (the number of items), got ${o.k}`);
  const dot = dotRowsOf(source);
  if (dot && scoreEngine(source, o.engine) === 'native') {
    yield* nativeDotChunks(nativeKernels().kernels!, dot, users, o);
    return;
  }
  if (source.kind === 'per-user' && source.scorer.pairKernel && scoreEngine(source, o.engine) === 'native') {
    for (let from = 0; from < users.length; from += NATIVE_CHUNK) {
      const ids = users.slice(from, from + NATIVE_CHUNK);
      yield { users: ids, ...pairKernelTopK(nativeKernels().kernels!, source.scorer.pairKernel, ids, o.exclude, o.k, o.threads) };
    }
    return;
  }
  if (source.kind === 'dot') assertFiniteRows(source.items, source.dim, 'item');
  const graph = source.kind === 'dot'
    ? dotTopKGraph({ dim: source.dim, items: source.items, k: 'input', mask: false })
    : userIdTopKGraph(source.scorer);
  const session = await createSession(G.serialize(graph), { ...(o.threads === undefined ? {} : { threads: o.threads }), ...RANKING_SESSION });
  try {
    const fixed: Feeds = {};
    if (source.kind === 'per-user') {
      for (const [name, t] of Object.entries(source.scorer.feeds)) if (session.inputNames.includes(name)) fixed[name] = tensor(t.data, t.dims);
    }
    const chunk = Math.min(chunkUsers(nItems, o.memoryMb), (source.kind === 'per-user' && source.maxChunk) || Infinity);
    for (let from = 0; from < users.length;) {
      const { to, fetch } = nextChunk(users, from, chunk, o, nItems);
      const rows = users.subarray(from, to);
      const feeds: Feeds = { ...fixed, [SCORER_IO.k]: tensor(BigInt64Array.of(BigInt(fetch)), [1]) };
      if (source.kind === 'dot') {
        assertFiniteRows(source.users, source.dim, 'user', rows);
        feeds[SCORER_IO.userEmbedding] = tensor(userRows(source.users, source.dim, rows), [rows.length, source.dim]);
      }
      else feeds[SCORER_IO.userIds] = tensor(BigInt64Array.from(rows, (u) => BigInt(u)), [rows.length]);
      const top = topKOutputs(await session.run(feeds));
      yield { users: rows.slice(), ...dropExcluded(top, rows, fetch, o.k, o.exclude) };
      from = to;
    }
  } finally {
    await session.release();
  }
}

/** Candidates (score + id) a chunk's outputs may hold, bytes: keeps each output well under 32 MB. */
const CANDIDATE_BUDGET = 8 * 1024 * 1024;

/** The chunk starting at `from`: at most `chunk` users, and candidates per user = k + most excluded. */
function nextChunk(users: Int32Array, from: number, chunk: number, o: BatchScoreOptions, nItems: number): { to: number; fetch: number } {
  let to = from;
  let fetch = 0;
  while (to < users.length && to - from < chunk) {
    let excluded = 0;
    for (const csr of o.exclude) excluded += csr.indptr[users[to] + 1] - csr.indptr[users[to]];
    const f = Math.min(nItems, Math.max(fetch, o.k + excluded));
    if (to > from && (to - from + 1) * f * 12 > CANDIDATE_BUDGET) break;
    fetch = f;
    to++;
  }
  return { to, fetch };
}

/** Whether `item` is in the sorted `indices[lo, hi)` (binary search). */
function inSorted(indices: Int32Array, lo: number, hi: number, item: number): boolean {
  hi--;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = indices[mid];
    if (v === item) return true;
    if (v < item) lo = mid + 1; else hi = mid - 1;
  }
  return false;
}

/** Per row, the first k of `fetch` candidates that are not excluded; −1 (score −∞) where none is left. */
export function dropExcluded(top: { items: Int32Array; scores: Float32Array }, users: Int32Array, fetch: number, k: number, exclude: readonly Csr[]): { items: Int32Array; scores: Float32Array } {
  const items = new Int32Array(users.length * k).fill(-1);
  const scores = new Float32Array(users.length * k).fill(-Infinity);
  for (let r = 0; r < users.length; r++) {
    const u = users[r];
    let w = r * k;
    const end = (r + 1) * k;
    for (let j = r * fetch; j < (r + 1) * fetch && w < end; j++) {
      const item = top.items[j];
      if (item < 0) continue;
      let excluded = false;
      for (let c = 0; c < exclude.length && !excluded; c++) {
        const { indptr, indices } = exclude[c];
        excluded = inSorted(indices, indptr[u], indptr[u + 1], item);
      }
      if (excluded) continue;
      items[w] = item;
      scores[w++] = top.scores[j];
    }
  }
  return { items, scores };
}
