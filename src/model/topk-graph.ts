// The scoring graphs: user × item scores, optionally excluded (user, item) pairs set to −∞, TopK.
// One builder serves batch scoring (item matrix baked in, so ORT pre-packs it once; no
// mask: batch-score.ts over-fetches and drops excluded items), the exported scorer.onnx (item
// matrix, k and excluded pairs as inputs, so new items need no new model) and the Triton variant
// (item matrix and k baked in: Triton batches every input along axis 0). The score is a dot product
// (dotTopKGraph) or a backbone's own function of a user row and an item row (pairTopKGraph: MAML,
// NeuMF, CML), whose network weights are initializers of the graph.
import * as G from '../graph/index.ts';
import { type Scorer } from '../eval/index.ts';
import { SCORER_IO } from './model-io.ts';


export interface DotTopKOptions {
  /** Width of the user and item representations. */
  dim: number;
  /** Item matrix [nItems, dim] row-major to bake in, or 'input' to feed it on every run. */
  items: Float32Array | 'input';
  /** K to bake in, or 'input' (an int64 [1] tensor fed on every run). */
  k: number | 'input';
  /** Declare the `excluded` input ([pairs, 2] int64 (row in batch, item)) and mask those pairs. */
  mask: boolean;
}

/** Rows of a baked-in item matrix of row width `width` (an error when the length does not divide). */
function bakedRows(items: Float32Array, width: number): number {
  const n = items.length / width;
  if (!Number.isInteger(n)) throw new RangeError(`scorer: the item matrix has ${items.length} values, not a multiple of its row width ${width}`);
  return n;
}

/** user_embedding [batch, d] (· item matrix ᵀ) → masked → top_scores / top_items [batch, k]. */
export function dotTopKGraph(o: DotTopKOptions): G.Graph {
  const g = new G.Graph('sgfd_scorer');
  const users = g.input(SCORER_IO.userEmbedding, 'float32', ['batch', o.dim]);
  // users · itemsᵀ as a Gemm with transB: a baked-in matrix is pre-packed by ORT once as it stands
  // (as fast as a pre-transposed MatMul, without transposing 1.5 M floats in JS for a Toys-sized table).
  const items = o.items === 'input'
    ? g.input(SCORER_IO.itemEmbeddings, 'float32', ['n_items', o.dim])
    : g.initializer(SCORER_IO.itemEmbeddings, o.items, [bakedRows(o.items, o.dim), o.dim]);
  const scores = G.gemm(users, items, null, { transB: true });
  maskedTopK(g, scores, o.k, o.mask);
  return g;
}

/** Scores [B, N] of user rows [B, du] against item rows [N, di] on `g` (N may be symbolic). */
export type PairScoreFn = (g: G.Graph, users: G.Value, items: G.Value) => G.Value;

export interface PairTopKOptions extends Omit<DotTopKOptions, 'dim'> {
  /** Widths of a user row and of an item row. */
  userDim: number;
  itemDim: number;
  score: PairScoreFn;
}

/** user_embedding [batch, du] and the item rows [n_items, di] → score(·, ·) → masked → top_scores / top_items. */
export function pairTopKGraph(o: PairTopKOptions): G.Graph {
  const g = new G.Graph('sgfd_scorer');
  const users = g.input(SCORER_IO.userEmbedding, 'float32', ['batch', o.userDim]);
  const items = o.items === 'input'
    ? g.input(SCORER_IO.itemEmbeddings, 'float32', ['n_items', o.itemDim])
    : g.initializer(SCORER_IO.itemEmbeddings, o.items, [bakedRows(o.items, o.itemDim), o.itemDim]);
  maskedTopK(g, o.score(g, users, items), o.k, o.mask);
  return g;
}

/** users [batch] (int64 ids) → the backbone's own scores [batch, nItems] → TopK (k an input). */
export function userIdTopKGraph(scorer: Scorer): G.Graph {
  const g = new G.Graph('sgfd_user_scorer');
  const scores = scorer.build(g, g.input(SCORER_IO.userIds, 'int64', ['batch']));
  const n = scores.shape[1];
  if (scores.rank !== 2 || typeof n !== 'number') throw new G.ShapeError(`scorer: expected scores [batch, nItems] with a static nItems, got ${scores}`);
  maskedTopK(g, scores, 'input', false);
  return g;
}

function maskedTopK(g: G.Graph, scores: G.Value, k: number | 'input', mask: boolean): void {
  const n = scores.shape[1];
  if (typeof k === 'number' && (!Number.isInteger(k) || k < 1 || (typeof n === 'number' && k > n))) {
    throw new RangeError(`scorer: k must be an integer in [1, ${n}], got ${k}`);
  }
  let s = scores;
  if (mask) {
    const pairs = g.input(SCORER_IO.excluded, 'int64', ['pairs', 2]);
    s = G.scatterND(scores, pairs, G.expand(g.scalar(-Infinity, 'float32'), ['pairs'], pairs));
  }
  const kValue = k === 'input' ? g.input(SCORER_IO.k, 'int64', [1]) : G.constI64(g, [k]);
  const kDim = k === 'input' ? 'k' : k;
  const [values, indices] = g.emit('TopK', [s, kValue],
    [{ dtype: 'float32', shape: ['batch', kDim] }, { dtype: 'int64', shape: ['batch', kDim] }],
    { axis: G.int(-1), largest: G.int(1), sorted: G.int(1) });
  g.output(values, SCORER_IO.topScores);
  g.output(indices, SCORER_IO.topItems);
}
