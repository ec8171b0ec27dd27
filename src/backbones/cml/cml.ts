// CML (Hsieh et al., WWW '17), ID only: users and items live in one metric space; the score is the
// negated squared Euclidean distance −‖u − v‖² (ranking by it = ranking by distance, as the
// reference code's squared distances). For each training pair (u, i⁺) with J = negatives (10)
// uniform negatives outside the user's training set:
//   hinge = max(0, d(u, i⁺) − min_j d(u, i⁻_j) + margin)        margin 0.5
//   weight = log(1 + n_items · |{j : d(u, i⁺) − d(u, i⁻_j) + margin > 0}| / J)  (WARP-like rank
//            estimate, rank_weight = true; 1 when false)
// loss = mean over the batch of weight · hinge (the paper sums; with Adam only the scale differs).
// Every embedding row is clipped to ‖·‖ ≤ 1 after each update, as the reference: the parameters
// carry maxRowNorm 1 and the optimiser emits the clip into the train step. No covariance
// regulariser (off in the reference's example).
// Embeddings N(0, 1/d) as the reference; Adam.
import * as G from '../../graph/index.ts';
import { type Value } from '../../graph/index.ts';
import { init, type Binder } from '../../nn/index.ts';
import { type BackboneSpec, type Backbone, pairwiseUserScores } from '../backbone.ts';
import { IdEmbeddings, TrainingTriplets, adamConfig } from '../cf-common.ts';
import { type Dataset } from '../../data/index.ts';
import { type Rng } from '../../data/index.ts';
import { rangeOf } from '../settings.ts';

export const CML_DEFAULTS = { embedding_dim: 64, margin: 0.5, negatives: 10, rank_weight: true, batch_size: 1024, lr: 1e-3 };

function squaredDistance(a: Value, b: Value): Value {
  return G.reduceSum(G.square(G.sub(a, b)), [-1]);
}

class Cml implements Backbone {
  readonly model: IdEmbeddings;
  readonly batchSize: number;
  readonly optimizer;
  readonly trainRows: number;
  private readonly triplets: TrainingTriplets;
  constructor(private readonly ds: Dataset, private readonly cfg: typeof CML_DEFAULTS) {
    if (!(cfg.negatives >= 2)) throw new Error(`cml: negatives must be ≥ 2 (the hinge takes the closest of them), got ${cfg.negatives}`);
    this.model = new IdEmbeddings(ds.nUsers, ds.nItems, cfg.embedding_dim, init.normal(1 / Math.sqrt(cfg.embedding_dim)), { maxRowNorm: 1 });
    this.triplets = new TrainingTriplets(ds, cfg.negatives);
    this.trainRows = this.triplets.rows;
    this.batchSize = cfg.batch_size;
    this.optimizer = adamConfig(cfg.lr);
  }

  buildLoss(b: Binder) {
    const { users, pos, neg } = this.triplets.inputs(b.graph);
    const items = b.param(this.model.itemEmbedding);
    const u = G.gather(b.param(this.model.userEmbedding), users);
    const dPos = squaredDistance(u, G.gather(items, pos));
    const dNeg = squaredDistance(G.unsqueeze(u, [1]), G.gather(items, neg));
    const closest = G.neg(G.reduceMax(G.neg(dNeg), [1]));
    const hinge = G.relu(G.add(G.sub(dPos, closest), this.cfg.margin));
    let loss = G.reduceMean(hinge);
    if (this.cfg.rank_weight) {
      const violating = G.cast(G.greater(G.add(G.sub(G.unsqueeze(dPos, [1]), dNeg), this.cfg.margin), 0), 'float32');
      const rank = G.mul(G.reduceMean(violating, [1]), this.ds.nItems);
      loss = G.reduceMean(G.mul(G.log(G.add(rank, 1)), hinge));
    }
    return { loss, terms: { hinge: G.reduceMean(hinge) } };
  }

  fixedFeeds() { return {}; }
  batchFeeds(rows: Int32Array, rng: Rng) { return this.triplets.feeds(rows, rng); }

  readonly pairScoring = {
    score: 'CML: −‖u − v‖², the negated squared Euclidean distance of the user row u and the item row v (the ID embeddings); higher is better',
    // The [B, N] product, its broadcast sums and TopK's copy: a few float32 per pair.
    bytesPerPair: 16,
  };

  buildServingTables(b: Binder) {
    return { users: b.param(this.model.userEmbedding), items: b.param(this.model.itemEmbedding) };
  }

  /** −‖u − v‖² for user rows u [B, d] and item rows v [N, d], as 2⟨u, v⟩ − ‖u‖² − ‖v‖² (one matrix product). */
  pairScores(_b: Binder, u: Value, v: Value): Value {
    const uu = G.reduceSum(G.square(u), [-1], true);
    const vv = G.unsqueeze(G.reduceSum(G.square(v), [-1]), [0]);
    return G.sub(G.sub(G.mul(G.matmul(u, G.transposeLast(v)), 2), uu), vv);
  }

  buildUserScores(b: Binder, users: Value): Value { return pairwiseUserScores(this, b, users); }

  /** The same score as ⟨[2u, ‖u‖², 1], [v, −1, −‖v‖²]⟩: rows the native dot kernel ranks. */
  dotRows(users: Float32Array, items: Float32Array) {
    const d = this.cfg.embedding_dim;
    return { users: augmentedRows(users, d, (x) => 2 * x, (sq) => [sq, 1]), items: augmentedRows(items, d, (x) => x, (sq) => [-1, -sq]), dim: d + 2 };
  }
}

/** Rows [n, d] → [n, d + 2]: each value through `scale`, then the two values `tail` gives for the row's ‖·‖². */
function augmentedRows(rows: Float32Array, d: number, scale: (x: number) => number, tail: (squaredNorm: number) => [number, number]): Float32Array {
  const n = rows.length / d;
  const out = new Float32Array(n * (d + 2));
  for (let r = 0; r < n; r++) {
    let sq = 0;
    for (let j = 0; j < d; j++) {
      const x = rows[r * d + j];
      sq += x * x;
      out[r * (d + 2) + j] = scale(x);
    }
    out.set(tail(sq), r * (d + 2) + d);
  }
  return out;
}

export const cmlSpec: BackboneSpec = {
  name: 'cml',
  description: 'CML: collaborative metric learning, hinge on distances to sampled negatives, unit-ball embeddings',
  defaults: CML_DEFAULTS,
  settings: { negatives: rangeOf.int(2, 1000), rank_weight: rangeOf.bool },
  create: (ds, config) => new Cml(ds, config as typeof CML_DEFAULTS),
};
