// Top-K for MAML's pair score on the native fused kernel (native/attentive_scores.h), for evaluation
// (ranking.ts): the kernel scores a chunk of users against every item without the [users × items ×
// 5d] hidden tensor the ONNX graph streams through memory (Last.fm 2K, all 1,858 users: ≈ 2.0 s on 2
// threads against ≈ 3.4), then each user's best k non-excluded items are kept here. The same ranking
// as the graph's TopK — higher score first, equal scores by lower item — on scores that agree with
// the graph's to float rounding (test/run/scoring.test.ts, test/runtime/attentive-scores.test.ts).
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

/** User rows u [nUsers, d] and item rows [v ‖ p] [nItems, 2d] with the weights that score them. */
export interface AttentiveSource extends AttentiveWeights { users: Float32Array; items: Float32Array; d: number }

/** Most float32 scores a kernel call holds (its chunk of users × every item). */
const SCORE_BUDGET = (16 * 2 ** 20) / 4;

/** Each user's best `k` items (row-major [users.length × k], best first; −1 / −∞ where none is left). */
export function attentiveTopK(kernels: NativeKernels, src: AttentiveSource, users: Int32Array, exclude: readonly Csr[], k: number, threads?: number): { items: Int32Array; scores: Float32Array } {
  const nItems = src.items.length / (2 * src.d);
  if (k > nItems) throw new RangeError(`topK: k = ${k} exceeds the number of items (${nItems})`);
  const items = new Int32Array(users.length * k).fill(-1);
  const scores = new Float32Array(users.length * k).fill(-Infinity);
  const chunk = Math.max(1, Math.floor(SCORE_BUDGET / nItems));
  const out = new Float32Array(Math.min(chunk, users.length) * nItems);
  for (let from = 0; from < users.length; from += chunk) {
    const ids = users.subarray(from, Math.min(users.length, from + chunk));
    const rows = out.subarray(0, ids.length * nItems);
    kernels.attentiveScores(userRows(src.users, src.d, ids), src.items, src.d, src.hiddenWeight, src.hiddenBias, src.outWeight, src.outBias, src.eps, nativeThreads(threads), rows);
    const { ptr, items: excluded } = excludedOf(ids, exclude);
    for (let r = 0; r < ids.length; r++) {
      keepBest(rows.subarray(r * nItems, (r + 1) * nItems), excluded.subarray(ptr[r], ptr[r + 1]), k, items.subarray((from + r) * k), scores.subarray((from + r) * k), ids[r]);
    }
  }
  return { items, scores };
}

/** Whether (s, i) ranks below (t, j): a lower score, or the same score and a higher item. */
const below = (s: number, i: number, t: number, j: number) => s < t || (s === t && i > j);

/**
 * The best k of `row` (all items' scores) outside `excluded` (ascending) into outItems / outScores,
 * best first: a heap of the k best so far, its worst at the root. A NaN score stops, naming the pair.
 */
function keepBest(row: Float32Array, excluded: Int32Array, k: number, outItems: Int32Array, outScores: Float32Array, user: number): void {
  const heapS = new Float64Array(k);
  const heapI = new Int32Array(k);
  let size = 0;
  let e = 0;
  for (let i = 0; i < row.length; i++) {
    if (e < excluded.length && excluded[e] === i) { e++; continue; }
    const s = row[i];
    if (Number.isNaN(s)) throw new Error(`score: user ${user} (dense id), item ${i}: the pair's score is NaN (the run's parameters are not finite)`);
    if (size < k) {
      let c = size++;
      while (c > 0) {  // sift up: the worst rises to the root
        const p = (c - 1) >> 1;
        if (!below(s, i, heapS[p], heapI[p])) break;
        heapS[c] = heapS[p]; heapI[c] = heapI[p]; c = p;
      }
      heapS[c] = s; heapI[c] = i;
    } else if (below(heapS[0], heapI[0], s, i)) {
      let c = 0;
      for (;;) {  // sift down from the root
        let m = 2 * c + 1;
        if (m >= k) break;
        if (m + 1 < k && below(heapS[m + 1], heapI[m + 1], heapS[m], heapI[m])) m++;
        if (!below(heapS[m], heapI[m], s, i)) break;
        heapS[c] = heapS[m]; heapI[c] = heapI[m]; c = m;
      }
      heapS[c] = s; heapI[c] = i;
    }
  }
  const order = Array.from({ length: size }, (_, j) => j).sort((a, b) => (below(heapS[a], heapI[a], heapS[b], heapI[b]) ? 1 : -1));
  order.forEach((j, r) => { outItems[r] = heapI[j]; outScores[r] = heapS[j]; });
}
