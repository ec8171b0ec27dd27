// MAML's two networks (Liu et al., MM '19; SGFD-SPEC.md §5) and its attentive distance. The spec's
// layer sizes are for d = 128; they scale with d: 256 = 2d, 640 = 5d.
//   item feature projection: [S_1(F_1); …; S_n(F_n)] → L2 → Dense(2d, ReLU) → L2 → Dense(d, ReLU) → L2
//                            → Dense(d, ReLU) → Dense(d) → rows clipped to ‖·‖ ≤ 1
//   attention a(u, i):       [u; v_i; proj_i] → L2 → Dense(5d, tanh) → L2 → Dense(d, ReLU) → d · softmax
//   distance:                Σ_k a_k² (u_k − v_k)²
import * as G from '../../graph/index.ts';
import { type Value } from '../../graph/index.ts';
import { Module, Linear, type Binder } from '../../nn/index.ts';

/** The norm floor of the normalised layers, as G.l2Normalize: x / max(‖x‖, eps). */
export const ATTENTION_EPS = 1e-12;

const squaredNorm = (x: Value) => G.reduceSum(G.square(x), [-1], true);

/**
 * max(√s, floor) computed as √max(s, floor²): the same value, but a zero row (a ReLU output can be
 * one) gets a zero gradient instead of 0 · ∞ = NaN from √ at 0.
 */
const normAtLeast = (sq: Value, floor: number) => G.sqrt(G.maximum(sq, floor * floor));

/** Rows scaled into the unit ball: x / max(1, ‖x‖₂) (TensorFlow's clip_by_norm(x, 1) per row). */
export function clipRowsToUnitBall(x: Value): Value {
  return G.div(x, normAtLeast(squaredNorm(x), 1));
}

/**
 * x·w over the last axis of x [..., k] with w [k, n]. Rank-3 inputs are flattened to 2-D first so
 * the weight gradient is one [k, n] product, not a batch of them. That needs x's middle dims static;
 * with a symbolic one (an exported scorer's item count, never trained) it is a broadcasting MatMul.
 */
function rowsTimes(x: Value, w: Value): Value {
  if (x.rank === 2) return G.matmul(x, w);
  if (x.shape.slice(1, -1).some((d) => typeof d !== 'number')) return G.matmul(x, w);
  const k = x.shape[x.rank - 1] as number;
  const y = G.matmul(G.reshape(x, [-1, k]), w);
  return G.reshape(y, [-1, ...x.shape.slice(1, -1), w.shape[1]]);
}

/** Dense(L2(x)) = (x·W)/max(‖x‖, eps) + b: dividing after the product keeps one [..., in] tensor fewer alive. */
function denseOfNormalised(b: Binder, layer: Linear, x: Value): Value {
  const y = G.div(rowsTimes(x, b.param(layer.weight)), normAtLeast(squaredNorm(x), ATTENTION_EPS));
  return layer.bias ? G.add(y, b.param(layer.bias)) : y;
}

/** The item feature projection over the modality features S_m(F_m) of the same items. */
export class FeatureProjection extends Module {
  readonly layers: Linear[];
  constructor(inputDim: number, readonly d: number) {
    super();
    // TensorFlow's Dense defaults, as the reference: glorot-uniform weights, zero biases.
    this.layers = [[inputDim, 2 * d], [2 * d, d], [d, d], [d, d]].map(([i, o]) => new Linear(i, o));
  }
  forward(b: Binder, features: Value[]): Value {
    const [wide, narrow, deep, out] = this.layers;
    let h = features.length === 1 ? features[0] : G.concat(features, 1);
    h = G.relu(denseOfNormalised(b, wide, h));
    h = G.relu(denseOfNormalised(b, narrow, h));
    h = G.relu(denseOfNormalised(b, deep, h));
    return clipRowsToUnitBall(out.forward(b, h));
  }
}

/**
 * Per-(user, item) attention over the d latent dimensions. Inputs broadcast against each other:
 * training passes u [B, 1, d] with items [B, K, d]; scoring passes u [B, 1, d] with items [N, d].
 */
export class PairAttention extends Module {
  readonly hidden: Linear;
  readonly output: Linear;
  constructor(readonly d: number) {
    super();
    this.hidden = new Linear(3 * d, 5 * d);
    this.output = new Linear(5 * d, d);
  }

  /**
   * The item's part of the first layer, v·W_v + p·W_p [..., 5d], and ‖v‖² + ‖p‖² [..., 1]: functions of
   * the item alone, so a train step computes them once per distinct item of its batch.
   */
  itemSide(b: Binder, itemEmb: Value, itemProj: Value): ItemSide {
    const d = this.d;
    const [, wv, wp] = G.split(b.param(this.hidden.weight), [d, d, d], 0);
    return { part: G.add(rowsTimes(itemEmb, wv), rowsTimes(itemProj, wp)), squaredNorm: G.add(squaredNorm(itemEmb), squaredNorm(itemProj)) };
  }

  /** Weights a(u, i) [..., d] from the item side (itemSide), non-negative, summing to d over the last axis. */
  weights(b: Binder, u: Value, item: ItemSide): Value {
    const d = this.d;
    // Dense(L2([u; v; p])) computed block-wise — (u·W_u + v·W_v + p·W_p)/‖[u; v; p]‖ + b — so the
    // concatenation [B, N, 3d] is never materialised: the user and item parts meet by broadcasting.
    const [wu] = G.split(b.param(this.hidden.weight), [d, d, d], 0);
    const norm = normAtLeast(G.add(squaredNorm(u), item.squaredNorm), ATTENTION_EPS);
    const h = G.tanh(G.add(G.div(G.add(rowsTimes(u, wu), item.part), norm), b.param(this.hidden.bias!)));
    const z = G.relu(denseOfNormalised(b, this.output, h));
    return G.mul(G.softmax(z, -1), d);
  }
}

/** The item side of PairAttention's first layer (PairAttention.itemSide). */
export interface ItemSide { part: Value; squaredNorm: Value }

/** Σ_k a_k² (u_k − v_k)² over the last axis (shapes broadcast as for PairAttention.weights). */
export function attentiveDistance(a: Value, u: Value, v: Value): Value {
  return G.reduceSum(G.mul(G.square(a), G.square(G.sub(u, v))), [-1]);
}
