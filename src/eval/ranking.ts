// Full-ranking top-K on ONNX Runtime: per chunk of users, one graph computes every item's score,
// overwrites the excluded (user, item) pairs with a mask value, and keeps the K best with TopK. A
// dot-product scorer whose excluded items are dropped (not re-scored) runs on the native fused kernel
// instead where it is built (native-top-k.ts): the same items, ties included; MAML's and NeuMF's pair
// scores on their own fused kernels (pair-kernel-top-k.ts): the same ranking of scores equal to float
// rounding.
//
// Ties: TopK (ONNX ≥ 11, ORT CPU) returns equal scores in ascending item order. The metric code
// never relies on that: it scores whatever ranking this returns.
import * as G from '../graph/index.ts';
import { tensor, type Feeds, ort, nativeKernels, type NativeKernels } from '../runtime/index.ts';
import { type NativeDotSource, nativeDotChunks } from './native-top-k.ts';
import { TopKSessions } from './topk-sessions.ts';
import { type PairKernelSource, pairKernelTopK } from './pair-kernel-top-k.ts';
import { type Csr, excludedOf } from '../data/index.ts';

export interface Scorer {
  /** Emits scores [B, nItems] (float32) for int64 user ids `users` [B] on graph `g`. */
  build(g: G.Graph, users: G.Value): G.Value;
  /** Tensors the built graph reads as inputs (e.g. embedding tables), fed on every run. */
  feeds: Record<string, { data: Float32Array | BigInt64Array | Int32Array; dims: number[] }>;
  /** Set when score(u, i) = ⟨users[u], items[i]⟩ (row-major tables of `dim` columns): the native kernel can rank it. */
  dot?: Omit<NativeDotSource, 'nItems'>;
  /** Set when a native fused kernel computes the pair score (MAML's, NeuMF's): it can rank it (pair-kernel-top-k.ts). */
  pairKernel?: PairKernelSource;
}

/** score(u, i) = ⟨userEmb[u], itemEmb[i]⟩ for row-major tables [nUsers, dim] and [nItems, dim]. */
export function dotScorer(userEmb: Float32Array, itemEmb: Float32Array, nUsers: number, nItems: number, dim: number): Scorer {
  if (userEmb.length !== nUsers * dim) throw new RangeError(`dotScorer: user table has ${userEmb.length} values, expected ${nUsers} × ${dim}`);
  if (itemEmb.length !== nItems * dim) throw new RangeError(`dotScorer: item table has ${itemEmb.length} values, expected ${nItems} × ${dim}`);
  return {
    build(g, users) {
      const u = g.input('scorer.user_emb', 'float32', [nUsers, dim]);
      const i = g.input('scorer.item_emb', 'float32', [nItems, dim]);
      return G.matmul(G.gather(u, users), G.transposeLast(i));
    },
    feeds: {
      'scorer.user_emb': { data: userEmb, dims: [nUsers, dim] },
      'scorer.item_emb': { data: itemEmb, dims: [nItems, dim] },
    },
    dot: { users: userEmb, items: itemEmb, dim },
  };
}

export interface TopKOptions {
  /** Users per run (default: as many as keep the [chunk, nItems] float32 score matrix ≤ 16 MiB). */
  chunk?: number;
  /** ORT intra-op threads (default: the runtime's default). */
  threads?: number;
  /**
   * Score written over excluded pairs (default −∞: excluded items cannot be ranked, and a slot the
   * user has no rankable item left for comes back as item −1 with score −∞). The GRCN reference
   * evaluator uses 1e-5 instead, which leaves masked items rankable.
   */
  maskValue?: number;
  /** Keeps the session for the next call with the same graph (the caller releases it); default: one session per call. */
  sessions?: TopKSessions;
}

export interface TopKResult {
  /** Row-major [users.length × k] item ids, best first (−1: nothing left to rank). */
  items: Int32Array;
  /** The matching scores. */
  scores: Float32Array;
}

const SCORE_BUDGET_BYTES = 16 * 1024 * 1024;
const USERS = 'eval.users';
const EXCLUDED = 'eval.excluded_pairs';

/** Default chunk: the number of users whose float32 score rows fit the budget (at least 1). */
export function defaultChunk(nItems: number): number {
  return Math.max(1, Math.floor(SCORE_BUDGET_BYTES / (4 * nItems)));
}

/** The per-chunk graph: users [B] → scores [B, N] → excluded pairs set to `maskValue` → TopK. */
function buildTopKGraph(scorer: Scorer, k: number, maskValue: number): { graph: G.Graph; nItems: number } {
  const g = new G.Graph('eval_topk');
  const users = g.input(USERS, 'int64', ['batch']);
  const pairs = g.input(EXCLUDED, 'int64', ['pairs', 2]);
  const scores = scorer.build(g, users);
  const nItems = scores.shape[1];
  if (scores.rank !== 2 || typeof nItems !== 'number' || scores.dtype !== 'float32') {
    throw new G.ShapeError(`topK: the scorer must emit float32 [batch, nItems] with a static nItems, got ${scores}`);
  }
  if (k > nItems) throw new RangeError(`topK: k = ${k} exceeds the number of items (${nItems})`);
  // Distinct pairs → a plain ScatterND (no reduction) is race-free with any number of threads.
  const fill = G.expand(g.scalar(maskValue, 'float32'), ['pairs'], pairs);
  const masked = G.scatterND(scores, pairs, fill);
  const [values, indices] = g.emit('TopK', [masked, G.constI64(g, [k])],
    [{ dtype: 'float32', shape: ['batch', k] }, { dtype: 'int64', shape: ['batch', k] }],
    { axis: G.int(-1), largest: G.int(1), sorted: G.int(1) });
  g.output(values, 'topk.scores');
  g.output(indices, 'topk.items');
  return { graph: g, nItems };
}

/**
 * The (row, item) pairs to mask for users[from..to): the union of each user's rows in `exclude`
 * (each row sorted), de-duplicated so the scatter sees distinct indices.
 */
export function excludedPairs(users: Int32Array, from: number, to: number, exclude: readonly Csr[]): BigInt64Array {
  const { ptr, items } = excludedOf(users.subarray(from, to), exclude);
  const flat = new Int32Array(2 * items.length);
  for (let r = 0; r < to - from; r++) {
    for (let p = ptr[r]; p < ptr[r + 1]; p++) {
      flat[2 * p] = r;
      flat[2 * p + 1] = items[p];
    }
  }
  return G.int64From(flat);
}

/**
 * Top-`k` items of every user in `users` by the scorer's scores, skipping the pairs in `exclude`
 * (CSRs indexed by user id). One ORT session (symbolic batch) serves every chunk.
 */
export async function topK(scorer: Scorer, users: Int32Array, exclude: readonly Csr[], k: number, o: TopKOptions = {}): Promise<TopKResult> {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`topK: k must be a positive integer, got ${k}`);
  const maskValue = o.maskValue ?? -Infinity;
  const { kernels } = nativeKernels();
  if (scorer.dot && kernels && maskValue === -Infinity) return nativeTopK(kernels, scorer.dot, users, exclude, k, o.threads);
  if (scorer.pairKernel && kernels && maskValue === -Infinity) return pairKernelTopK(kernels, scorer.pairKernel, users, exclude, k, o.threads);
  const { graph, nItems } = buildTopKGraph(scorer, k, maskValue);
  const chunk = o.chunk ?? defaultChunk(nItems);
  if (!Number.isInteger(chunk) || chunk < 1) throw new RangeError(`topK: chunk must be a positive integer, got ${chunk}`);
  const own = o.sessions ? null : new TopKSessions();
  const session = await (o.sessions ?? own!).get(G.serialize(graph), o.threads);
  const items = new Int32Array(users.length * k);
  const scores = new Float32Array(users.length * k);
  try {
    const fixed: Feeds = {};
    for (const [name, t] of Object.entries(scorer.feeds)) if (session.inputNames.includes(name)) fixed[name] = tensor(t.data, t.dims);
    for (let from = 0; from < users.length; from += chunk) {
      const to = Math.min(users.length, from + chunk);
      const ids = G.int64From(users.subarray(from, to));
      const pairs = excludedPairs(users, from, to, exclude);
      const out = await session.run({ ...fixed, [USERS]: tensor(ids, [ids.length]), [EXCLUDED]: tensor(pairs, [pairs.length / 2, 2]) });
      copyChunk(out, from * k, items, scores, maskValue);
    }
  } finally {
    await own?.release();
  }
  return { items, scores };
}

/** The native kernel's top-`k` of a dot-product scorer, chunk by chunk (NATIVE_CHUNK users each). */
function nativeTopK(kernels: NativeKernels, dot: NonNullable<Scorer['dot']>, users: Int32Array, exclude: readonly Csr[], k: number, threads?: number): TopKResult {
  const nItems = dot.items.length / dot.dim;
  if (k > nItems) throw new RangeError(`topK: k = ${k} exceeds the number of items (${nItems})`);
  const items = new Int32Array(users.length * k);
  const scores = new Float32Array(users.length * k);
  let at = 0;
  for (const c of nativeDotChunks(kernels, { ...dot, nItems }, users, { k, exclude, memoryMb: NATIVE_MEMORY_MB, threads })) {
    items.set(c.items, at);
    scores.set(c.scores, at);
    at += c.items.length;
  }
  return { items, scores };
}

/** Working memory of the native kernel per call: NATIVE_CHUNK users at k ≤ 1,000. */
const NATIVE_MEMORY_MB = 64;

function copyChunk(out: Record<string, ort.Tensor>, offset: number, items: Int32Array, scores: Float32Array, maskValue: number): void {
  const s = out['topk.scores'].data as Float32Array;
  const ix = G.indicesAsInt32(out['topk.items'].data as BigInt64Array);
  for (let j = 0; j < s.length; j++) {
    const unrankable = maskValue === -Infinity && s[j] === -Infinity;
    items[offset + j] = unrankable ? -1 : ix[j];
    scores[offset + j] = s[j];
  }
}
