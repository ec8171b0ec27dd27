// NeuMF (He et al., WWW '17), ID only, trained jointly from scratch (no GMF/MLP pre-training):
//   GMF tower  φ_g = p_u ⊙ q_i                       (own d-dim embeddings)
//   MLP tower  φ_m = ReLU(W2·ReLU(W1·[p'_u ‖ q'_i] + b1) + b2), widths 2d → d → d/2 (own embeddings)
//   logit      s(u, i) = hᵀ[φ_g ‖ φ_m] + b           (the fused predict layer)
// Pointwise log loss (sigmoid cross-entropy) over every training positive (label 1) and its
// `negatives` (4) uniform negatives outside the user's training set (label 0), averaged over the
// B·(1 + J) pairs. Embeddings N(0, 0.01²) as the paper; layers Xavier-uniform; Adam (weight_decay
// optional, 0 as the paper). Not a dot product: a user row is [p_u ‖ p′_u], an item row [q_i ‖ q′_i]
// (GMF ‖ MLP embeddings) and `pairScores` computes the logit of every pair. With a static item count
// (evaluation) it cuts the items into ⌈d/2⌉ static slices, so each [B, slice, d] intermediate holds
// ≈ 2·B·nItems floats (the evaluator sizes B so that B·nItems floats fit 16 MiB) instead of d·B·nItems;
// ORT frees a slice's intermediates before the next (4000 users × 2400 items, d = 64: peak RSS 0.3 GB
// vs 3.4 GB). An exported scorer takes any number of items (symbolic): it is not sliced, and its
// callers size their user batches by `pairScoring.bytesPerPair` instead. Where the native kernels are
// built, validation and `sgfd score` rank on the fused tower kernel instead (`pairKernel`,
// native/tower_scores.h): no [B, N, d] intermediate at all, the same rankings to float rounding.
import * as G from '../../graph/index.ts';
import { type Value } from '../../graph/index.ts';
import { Module, Linear, init, type Binder } from '../../nn/index.ts';
import { type BackboneSpec, type Backbone, pairwiseUserScores, parameterValue } from '../backbone.ts';
import { IdEmbeddings, TrainingTriplets, adamConfig } from '../cf-common.ts';
import { type Dataset } from '../../data/index.ts';
import { type PairKernelWeights } from '../../eval/index.ts';
import { type Rng } from '../../data/index.ts';

export const NEUMF_DEFAULTS = { embedding_dim: 64, negatives: 4, batch_size: 256, lr: 1e-3, weight_decay: 0 };

/** Item slices in scoring = ⌈width / this⌉ (so B·slice·width ≈ this·B·nItems floats). */
const SLICES_PER_WIDTH = 2;

class NeuMfModel extends Module {
  readonly gmf: IdEmbeddings;
  readonly mlp: IdEmbeddings;
  readonly hidden1: Linear;
  readonly hidden2: Linear;
  readonly predict: Linear;
  constructor(nUsers: number, nItems: number, readonly d: number) {
    super();
    this.gmf = new IdEmbeddings(nUsers, nItems, d, init.normal(0.01));
    this.mlp = new IdEmbeddings(nUsers, nItems, d, init.normal(0.01));
    this.hidden1 = new Linear(2 * d, d);
    this.hidden2 = new Linear(d, d / 2);
    this.predict = new Linear(d + d / 2, 1);
  }

  /**
   * Logits for user rows and item rows that broadcast against each other ([..., d] each, e.g.
   * [P, d] with [P, d] for pairs, or [B, 1, d] with [S, d] for every user × item of a slice).
   * The first MLP layer on [p' ‖ q'] is applied as p'·W1[:d] + q'·W1[d:] so it broadcasts.
   */
  logits(b: Binder, user: { gmf: Value; mlp: Value }, item: { gmf: Value; mlp: Value }): Value {
    const d = this.d;
    const w1 = b.param(this.hidden1.weight);
    const first = G.add(G.add(matmulAny(user.mlp, G.slice(w1, [0], [d], [0])), matmulAny(item.mlp, G.slice(w1, [d], [2 * d], [0]))), b.param(this.hidden1.bias!));
    const towerMlp = G.relu(G.add(matmulAny(G.relu(first), b.param(this.hidden2.weight)), b.param(this.hidden2.bias!)));
    const h = b.param(this.predict.weight);
    const hGmf = G.reshape(G.slice(h, [0], [d], [0]), [d]);
    const hMlp = G.reshape(G.slice(h, [d], [d + d / 2], [0]), [d / 2]);
    const gmf = G.reduceSum(G.mul(G.mul(user.gmf, item.gmf), hGmf), [-1]);
    const mlp = G.reduceSum(G.mul(towerMlp, hMlp), [-1]);
    return G.add(G.add(gmf, mlp), G.reshape(b.param(this.predict.bias!), []));
  }

  /**
   * The same logits for every user row [B, 1, d] against every item row [S, d] (scoring), arranged so
   * that fewer [B, S, ·] tensors pass through memory: b1 joins the user side before the broadcast,
   * and the GMF term and the predict layer's MLP part are matrix products. The same function as
   * `logits` to float rounding; user rows [B, 1, d] only.
   */
  scoreLogits(b: Binder, user: { gmf: Value; mlp: Value }, item: { gmf: Value; mlp: Value }): Value {
    const d = this.d;
    const w1 = b.param(this.hidden1.weight);
    const userPart = G.add(G.matmul(user.mlp, G.slice(w1, [0], [d], [0])), b.param(this.hidden1.bias!));
    const first = G.add(userPart, matmulAny(item.mlp, G.slice(w1, [d], [2 * d], [0])));
    const towerMlp = G.relu(G.add(G.matmul(G.relu(first), b.param(this.hidden2.weight)), b.param(this.hidden2.bias!)));
    const h = b.param(this.predict.weight);
    const mlp = G.squeeze(G.matmul(towerMlp, G.slice(h, [d], [d + d / 2], [0])), [-1]);
    // GMF as item rows × user columns: with the users as the product's rows, a user's rounding
    // depended on how many users shared the run (1 or more); served scores must not.
    const weighted = G.reshape(G.mul(user.gmf, G.reshape(G.slice(h, [0], [d], [0]), [d])), [-1, d]);
    const gmf = G.transposeLast(G.matmul(item.gmf, G.transposeLast(weighted)));
    return G.add(G.add(gmf, mlp), G.reshape(b.param(this.predict.bias!), []));
  }
}

/** x[..., k] · w[k, n] for x of any rank ≥ 2 (Gemm for 2-D, broadcasting MatMul otherwise). */
function matmulAny(x: Value, w: Value): Value {
  return x.rank === 2 ? G.gemm(x, w, null) : G.matmul(x, w);
}

class NeuMf implements Backbone {
  readonly model: NeuMfModel;
  readonly batchSize: number;
  readonly optimizer;
  readonly trainRows: number;
  readonly pairScoring: { score: string; bytesPerPair: number };
  private readonly triplets: TrainingTriplets;
  constructor(ds: Dataset, private readonly cfg: typeof NEUMF_DEFAULTS) {
    const d = cfg.embedding_dim;
    if (!(Number.isInteger(d) && d >= 2 && d % 2 === 0)) throw new Error(`neumf: embedding_dim must be an even integer ≥ 2, got ${d}`);
    this.model = new NeuMfModel(ds.nUsers, ds.nItems, d);
    this.triplets = new TrainingTriplets(ds, cfg.negatives);
    this.trainRows = this.triplets.rows;
    this.batchSize = cfg.batch_size;
    this.optimizer = adamConfig(cfg.lr, cfg.weight_decay);
    this.pairScoring = {
      score: 'NeuMF logit hᵀ[p_u ⊙ q_i ‖ MLP([p′_u ‖ q′_i])] + b of the user row [p_u ‖ p′_u] and the item row [q_i ‖ q′_i] (GMF ‖ MLP ID embeddings); higher is better',
      // Unsliced, ORT holds a few [B, N, d] MLP-tower intermediates at once.
      bytesPerPair: 16 * d,
    };
  }

  private rows(b: Binder, tables: 'userEmbedding' | 'itemEmbedding', ids: Value) {
    return { gmf: G.gather(b.param(this.model.gmf[tables]), ids), mlp: G.gather(b.param(this.model.mlp[tables]), ids) };
  }

  buildLoss(b: Binder) {
    const { users, pos, neg } = this.triplets.inputs(b.graph);
    const u = this.rows(b, 'userEmbedding', users);
    const positive = this.model.logits(b, u, this.rows(b, 'itemEmbedding', pos));
    const uPerNeg = this.cfg.negatives === 1 ? u : { gmf: G.unsqueeze(u.gmf, [1]), mlp: G.unsqueeze(u.mlp, [1]) };
    const negative = this.model.logits(b, uPerNeg, this.rows(b, 'itemEmbedding', neg));
    // −[log σ(s⁺) + Σ_j log σ(−s⁻_j)] / (1 + J), averaged over the batch = the mean over all pairs.
    const J = this.cfg.negatives;
    const posTerm = G.reduceMean(G.logSigmoid(positive));
    const negTerm = G.mul(G.reduceMean(G.logSigmoid(G.neg(negative))), J);
    const logLoss = G.mul(G.add(posTerm, negTerm), -1 / (1 + J));
    return { loss: logLoss, terms: { log_loss: logLoss } };
  }

  fixedFeeds() { return {}; }
  batchFeeds(rows: Int32Array, rng: Rng) { return this.triplets.feeds(rows, rng); }

  buildServingTables(b: Binder) {
    const both = (tables: 'userEmbedding' | 'itemEmbedding') => G.concat([b.param(this.model.gmf[tables]), b.param(this.model.mlp[tables])], 1);
    return { users: both('userEmbedding'), items: both('itemEmbedding') };
  }

  /** Logits [B, N] of user rows [B, 2d] against item rows [N, 2d], both [GMF ‖ MLP] embeddings. */
  pairScores(b: Binder, users: Value, items: Value): Value {
    const d = this.cfg.embedding_dim;
    const [userGmf, userMlp] = G.split(users, [d, d], 1);
    const perUser = { gmf: G.unsqueeze(userGmf, [1]), mlp: G.unsqueeze(userMlp, [1]) };
    const [itemGmf, itemMlp] = G.split(items, [d, d], 1);
    const n = items.shape[0];
    if (typeof n !== 'number') return this.model.scoreLogits(b, perUser, { gmf: itemGmf, mlp: itemMlp });
    const slices = Math.min(n, Math.max(1, Math.ceil(d / SLICES_PER_WIDTH)));
    const size = Math.ceil(n / slices);
    const parts: Value[] = [];
    for (let from = 0; from < n; from += size) {
      const to = Math.min(n, from + size);
      const item = { gmf: G.slice(itemGmf, [from], [to], [0]), mlp: G.slice(itemMlp, [from], [to], [0]) };
      parts.push(this.model.scoreLogits(b, perUser, item));
    }
    return parts.length === 1 ? parts[0] : G.concat(parts, 1);
  }

  buildUserScores(b: Binder, users: Value): Value { return pairwiseUserScores(this, b, users); }

  /** The tower's and the predict layer's weights for the native fused scorer (native/tower_scores.h). */
  pairKernel(values: ReadonlyMap<string, Float32Array>): PairKernelWeights {
    const value = (p: { name: string }) => parameterValue(values, 'neumf', p);
    const m = this.model;
    return {
      kind: 'tower', w1: value(m.hidden1.weight), b1: value(m.hidden1.bias!), w2: value(m.hidden2.weight), b2: value(m.hidden2.bias!),
      predict: value(m.predict.weight), bias: value(m.predict.bias!)[0],
    };
  }
}

export const neuMfSpec: BackboneSpec = {
  name: 'neumf',
  description: 'NeuMF: GMF and MLP towers fused by a predict layer, log loss with sampled negatives',
  defaults: NEUMF_DEFAULTS,
  create: (ds, config) => new NeuMf(ds, config as typeof NEUMF_DEFAULTS),
};
