// Top-K for pair scores on the native fused kernels, for evaluation (ranking.ts) and `sgfd score`:
// MAML's attentive score (native/attentive_scores.h) and NeuMF's tower (native/tower_scores.h). A
// kernel scores a chunk of users against every item without the [users × items × width] hidden
// tensors the ONNX graph streams through memory (MAML on Last.fm 2K, all 1,858 users: ≈ 2.0 s on 2
// threads against ≈ 3.4), then each user's best k non-excluded items are picked natively too
// (rankRows). The same ranking as the graph's TopK — higher score first, equal scores by lower item —
// on scores that agree with the graph's to float rounding (test/run/scoring.test.ts,
// test/runtime/attentive-scores.test.ts, test/runtime/tower-scores.test.ts).
import { type Csr, excludedOf } from '../data/index.ts';
import { type NativeKernels, nativeThreads } from '../runtime/index.ts';
import { userRows } from './native-top-k.ts';

/** MAML's attention weights (row-major [in, out]) and the norm floor of its normalised layers. */
export interface AttentiveWeights {
  hiddenWeight: Float32Array;
  hiddenBias: Float32Array;
  outWeight: Float32Array;
  outBias: Float32Array;
  eps: number;
}

/** NeuMF's MLP tower and predict layer (row-major [in, out]: w1 [2d, d], w2 [d, d2], predict [d + d2]). */
export interface TowerWeights {
  w1: Float32Array;
  b1: Float32Array;
  w2: Float32Array;
  b2: Float32Array;
  predict: Float32Array;
  bias: number;
}

/** The weights of a pair score one of the native kernels computes. */
export type PairKernelWeights = ({ kind: 'attentive' } & AttentiveWeights) | ({ kind: 'tower' } & TowerWeights);

/**
 * Serving rows, users [nUsers, userWidth] and items [nItems, itemWidth], with the weights that score
 * them: attentive u [d] against [v ‖ p] [2d]; tower [p ‖ p′] [2d] against [q ‖ q′] [2d].
 */
export type PairKernelSource = PairKernelWeights & { users: Float32Array; items: Float32Array; userWidth: number; itemWidth: number };

/** Scores of user rows `rows` against every item of `src` into `out` [rows × nItems]. */
function scoreChunk(kernels: NativeKernels, src: PairKernelSource, rows: Float32Array, threads: number, out: Float32Array): void {
  if (src.kind === 'attentive') {
    kernels.attentiveScores(rows, src.items, src.userWidth, src.hiddenWeight, src.hiddenBias, src.outWeight, src.outBias, src.eps, threads, out);
  } else {
    kernels.towerScores(rows, src.items, src.userWidth / 2, src.w1, src.b1, src.w2, src.b2, src.predict, src.bias, threads, out);
  }
}

/** Most float32 scores a kernel call holds (its chunk of users × every item). */
const SCORE_BUDGET = (16 * 2 ** 20) / 4;

/** Each user's best `k` items (row-major [users.length × k], best first; −1 / −∞ where none is left). */
export function pairKernelTopK(kernels: NativeKernels, src: PairKernelSource, users: Int32Array, exclude: readonly Csr[], k: number, threads?: number): { items: Int32Array; scores: Float32Array } {
  const nItems = src.items.length / src.itemWidth;
  if (k > nItems) throw new RangeError(`topK: k = ${k} exceeds the number of items (${nItems})`);
  const items = new Int32Array(users.length * k).fill(-1);
  const scores = new Float32Array(users.length * k).fill(-Infinity);
  const chunk = Math.max(1, Math.floor(SCORE_BUDGET / nItems));
  const out = new Float32Array(Math.min(chunk, users.length) * nItems);
  for (let from = 0; from < users.length; from += chunk) {
    const ids = users.subarray(from, Math.min(users.length, from + chunk));
    const rows = out.subarray(0, ids.length * nItems);
    scoreChunk(kernels, src, userRows(src.users, src.userWidth, ids), nativeThreads(threads), rows);
    const { ptr, items: excluded } = excludedOf(ids, exclude);
    const nan = kernels.rankRows(rows, nItems, k, ptr, excluded, nativeThreads(threads), items.subarray(from * k, (from + ids.length) * k), scores.subarray(from * k, (from + ids.length) * k));
    if (nan >= 0) throw new Error(`score: user ${ids[Math.floor(nan / nItems)]} (dense id), item ${nan % nItems}: the pair's score is NaN (the run's parameters are not finite)`);
  }
  return { items, scores };
}
