// MAML (Liu et al., MM '19): multimodal attentive metric learning as SGFD-SPEC.md §5 describes it.
// Users and items are points in one space, each row kept in the unit ball (the optimiser rescales
// every embedding row after each update: Parameter.maxRowNorm). The distance of (u, i) is weighted
// per dimension by an attention over [u; v_i; proj_i], where proj_i is the item feature projection
// of [S_1(F_1); …; S_n(F_n)]. Vanilla: S_m = one Linear per modality over raw features; with SGFD
// the student replaces S_m (and brings the SGFD objective, here on every item the step scores:
// positives and negatives).
// Loss per batch of B (user, positive) pairs, each with J uniform negatives outside the user's
// training items, all summed over the batch (objective.ts):
//   rank-weighted hinge on attentive distances (margin)
//   + feature_weight · Σ_b ‖v_pos − proj_pos‖²
//   + cov_weight · Σ off-diagonal covariance of [v_pos; u] (the batch's rows)
// Scores are −distance (higher = better).
import * as G from '../../graph/index.ts';
import { type Value } from '../../graph/index.ts';
import { Module, Parameter, init, type Binder } from '../../nn/index.ts';
import { type BackboneSpec, type Backbone, trainInteractions, asInt64, pairwiseUserScores, parameterValue } from '../backbone.ts';
import { type ColdStartRule } from '../cold-start-rule.ts';
import { ItemExtractor, withSgfd, type ExtractorKind } from '../../sgfd/index.ts';
import { type SgfdConfig } from '../../sgfd/index.ts';
import { type Dataset } from '../../data/index.ts';
import { type Rng } from '../../data/index.ts';
import { sampleNegatives } from '../../data/index.ts';
import { FeatureProjection, PairAttention, attentiveDistance, ATTENTION_EPS } from './networks.ts';
import { type PairKernelWeights } from '../../eval/index.ts';
import { rankWeightedHinge, featureLoss, offDiagonalCovariance } from './objective.ts';
import { rangeOf } from '../settings.ts';

export const MAML_DEFAULTS = {
  embedding_dim: 128, negatives: 4, margin: 1.0, feature_weight: 1.0, cov_weight: 5.0, batch_size: 256, lr: 1e-3,
  /**
   * The authors' reference code optimises ONLY the user/item embedding tables (SGFD-SPEC.md §4): the
   * feature projection, the attention and every SGFD weight keep their initial values. Off by
   * default; true reproduces that behaviour by freezing every parameter but the two tables.
   */
  train_only_embeddings: false,
  /**
   * The feature projection and the attention's item side once per distinct batch item, spread back to
   * the slots, instead of once per slot: the same function and gradients (to 1e-6 relative), summed in
   * another order; a 1.3–1.5× faster step at batch 1,024 (Last.fm 2K: 1,400 distinct items in 5,120
   * slots). The default since session 24, by a rule fixed before its runs were read: no harm measured
   * on validation Recall@20 on Office (seeds 1–10: −0.03 ± 0.21 points, 5 up, 5 down); on Last.fm 2K,
   * the data MAML's settings were tuned on, −0.14 ± 0.27 over 16 seeds, −0.06 ± 0.34 against a per-slot
   * control whose rounding alone differs (pipelines/maml-distinct-items.yaml, docs/RESULTS.md).
   * false: the per-slot step of sessions ≤ 23, and of every MAML result recorded before.
   */
  distinct_items: true,
};
type MamlConfig = typeof MAML_DEFAULTS;

/** Batch input names: user ids [B]; item ids [B, 1 + J] (column 0 the positive, then J negatives). */
const INPUT = { users: 'users', items: 'items' };

export class MamlModel extends Module {
  readonly userEmbedding: Parameter;
  readonly itemEmbedding: Parameter;
  readonly extractor: ItemExtractor;
  readonly projection: FeatureProjection;
  readonly attention: PairAttention;
  constructor(ds: Dataset, d: number, sgfd: SgfdConfig | null, trainOnlyEmbeddings: boolean, kind: ExtractorKind = 'linear') {
    super();
    // As the reference: N(0, 1/√d) rows, clipped into the unit ball after every update.
    const embedding = (rows: number) => new Parameter([rows, d], init.normal(1 / Math.sqrt(d)), { maxRowNorm: 1 });
    this.userEmbedding = embedding(ds.nUsers);
    this.itemEmbedding = embedding(ds.nItems);
    this.extractor = new ItemExtractor(ds.modalities.map((m) => ({ name: m.name, dim: m.dim })), d, ds.nLabels, sgfd, kind);
    this.projection = new FeatureProjection(ds.modalities.length * d, d);
    this.attention = new PairAttention(d);
    if (trainOnlyEmbeddings) for (const m of [this.extractor, this.projection, this.attention]) m.setTrainable(false);
  }
}

class Maml implements Backbone {
  readonly model: MamlModel;
  readonly batchSize: number;
  readonly optimizer;
  readonly trainRows: number;
  private readonly train: { users: Int32Array; items: Int32Array };
  /**
   * Users per scoring chunk: attention is per (user, item) pair, ≈ 48·d bytes each; a chunk keeps to
   * ≈ 64 MB. (256 MB until session 22: Last.fm 2K validations ran as fast with 8 users a chunk as with
   * 30, at 254 against 448 MB peak RSS.)
   */
  readonly evalChunk: number;
  readonly pairScoring: { score: string; bytesPerPair: number };
  /** Item-wise work once per distinct batch item (itemRows; the distinct_items setting); false: per batch slot. */
  perDistinctRows: boolean;
  constructor(private readonly ds: Dataset, private readonly cfg: MamlConfig, private readonly sgfd: SgfdConfig | null, private readonly teacherCache: Float32Array[] | null, kind: ExtractorKind = 'linear') {
    this.model = new MamlModel(ds, cfg.embedding_dim, sgfd, cfg.train_only_embeddings, kind);
    this.perDistinctRows = cfg.distinct_items === true; // runs saved before the setting existed lack it
    this.pairScoring = {
      score: 'MAML: −Σ_k a_k² (u_k − v_k)², the negated attentive distance of the user row u and the item row [v ‖ proj] '
        + '(ID embedding ‖ feature projection), a = the attention over [u; v; proj]; higher is better',
      bytesPerPair: 48 * cfg.embedding_dim,
    };
    this.evalChunk = Math.max(1, Math.floor((64 * 2 ** 20) / (ds.nItems * this.pairScoring.bytesPerPair)));
    this.batchSize = cfg.batch_size;
    this.optimizer = { type: 'adam' as const, lr: cfg.lr };
    this.train = trainInteractions(ds);
    this.trainRows = this.train.users.length;
  }

  /**
   * The batch's item rows for ids [B, K]: ID embeddings v and feature projections p [B, K, d], the
   * attention's item side, and the SGFD terms. Everything that is a function of the item alone — the
   * projection, the item side (and the extractor, the joint teacher) — runs once per distinct item of
   * the batch and is spread back to the slots when perDistinctRows (distinct_items) is set; else the
   * projection and the item side run per slot.
   */
  private itemRows(b: Binder, ids: Value) {
    const K = ids.shape[1];
    const d = this.cfg.embedding_dim;
    const table = b.param(this.model.itemEmbedding);
    // flattenIndex keeps the ids' plan: the extractor then runs once per distinct item.
    const { features, perItem, sgfd } = this.model.extractor.forward(b, this.model.extractor.tables(b.graph, this.ds.nItems), G.flattenIndex(ids));
    const plan = ids.index?.plan?.();
    const v = G.gather(table, ids);
    if (!(this.perDistinctRows && plan && perItem)) {
      const proj = G.reshape(this.model.projection.forward(b, features), [-1, K, d]);
      return { v, proj, side: this.model.attention.itemSide(b, v, proj), sgfd };
    }
    const spread = (x: Value) => G.reshape(G.gatherRuns(x, plan), [-1, K, x.shape[1]]);
    const projOnce = this.model.projection.forward(b, perItem);
    const side = this.model.attention.itemSide(b, G.gather(table, G.distinctIds(plan)), projOnce);
    return { v, proj: spread(projOnce), side: { part: spread(side.part), squaredNorm: spread(side.squaredNorm) }, sgfd };
  }

  buildLoss(b: Binder) {
    const g = b.graph;
    const J = this.cfg.negatives;
    const users = G.indexInput(g, INPUT.users, ['batch'], this.ds.nUsers);
    const items = G.indexInput(g, INPUT.items, ['batch', 1 + J], this.ds.nItems);
    const u = G.gather(b.param(this.model.userEmbedding), users);
    const { v, proj, side, sgfd } = this.itemRows(b, items);
    const uRow = G.unsqueeze(u, [1]);
    const dist = attentiveDistance(this.model.attention.weights(b, uRow, side), uRow, v);
    const [dPos, dNeg] = G.split(dist, [1, J], 1);
    const hinge = rankWeightedHinge(dPos, dNeg, this.cfg.margin, this.ds.nItems);
    const [vPos] = G.split(v, [1, J], 1);
    const [projPos] = G.split(proj, [1, J], 1);
    const feature = featureLoss(vPos, projPos);
    // The covariance rows [v_pos; u] in the order (item, user) per batch row: order does not matter.
    const cov = offDiagonalCovariance(G.reshape(G.concat([vPos, uRow], 1), [-1, this.cfg.embedding_dim]));
    const loss = G.add(hinge, G.add(G.mul(feature, this.cfg.feature_weight), G.mul(cov, this.cfg.cov_weight)));
    return withSgfd(loss, { hinge, feature, cov }, sgfd, this.sgfd);
  }

  fixedFeeds() { return this.model.extractor.feeds(this.ds, this.teacherCache); }

  batchFeeds(rows: Int32Array, rng: Rng) {
    const n = rows.length;
    const J = this.cfg.negatives;
    const users = Int32Array.from(rows, (r) => this.train.users[r]);
    // Negatives k·J … k·J + J − 1 belong to batch row k (its user repeated J times).
    const negatives = sampleNegatives(Int32Array.from({ length: n * J }, (_, k) => users[Math.floor(k / J)]), this.ds.csr.train, this.ds.nItems, rng);
    const items = new Int32Array(n * (1 + J));
    for (let r = 0; r < n; r++) {
      items[r * (1 + J)] = this.train.items[rows[r]];
      items.set(negatives.subarray(r * J, (r + 1) * J), r * (1 + J) + 1);
    }
    return {
      [INPUT.users]: { data: asInt64(users), dims: [n] },
      [INPUT.items]: { data: asInt64(items), dims: [n, 1 + J] },
    };
  }

  /** User rows u [nUsers, d]; item rows [v ‖ proj] [nItems, 2d]: the ID embedding and the feature projection. */
  buildServingTables(b: Binder) {
    const tables = this.model.extractor.tables(b.graph, this.ds.nItems);
    const proj = this.model.projection.forward(b, this.model.extractor.allItems(b, tables));
    return { users: b.param(this.model.userEmbedding), items: G.concat([b.param(this.model.itemEmbedding), proj], 1) };
  }

  /**
   * −distance of user rows [B, d] to item rows [N, 2d]. The attention is per pair, so this holds
   * [B, N, 5d] intermediates: the peak is ≈ 48·d bytes per (user, item) pair (measured: ≈ 6 KB at
   * d = 128), i.e. a chunk of B users needs ≈ B · N · 48·d bytes (evalChunk, pairScoring).
   */
  pairScores(b: Binder, users: Value, items: Value): Value {
    const d = this.cfg.embedding_dim;
    const [v, proj] = G.split(items, [d, d], 1);
    const u = G.unsqueeze(users, [1]);
    return G.neg(attentiveDistance(this.model.attention.weights(b, u, this.model.attention.itemSide(b, v, proj)), u, v));
  }

  buildUserScores(b: Binder, users: Value): Value { return pairwiseUserScores(this, b, users); }

  pairKernel(values: ReadonlyMap<string, Float32Array>): PairKernelWeights {
    const { hidden, output } = this.model.attention;
    const value = (p: Parameter) => parameterValue(values, 'maml', p);
    return { kind: 'attentive', hiddenWeight: value(hidden.weight), hiddenBias: value(hidden.bias!), outWeight: value(output.weight), outBias: value(output.bias!), eps: ATTENTION_EPS };
  }

  // MAML's item row is [v ‖ proj(f)]: the ID embedding v and the feature projection, which the
  // attention reads beside the user. A new item has no v; MAML's feature loss ‖v − proj(f)‖² pulls
  // every trained item's v toward its projection, so proj(f) stands in for it.
  coldStart(): ColdStartRule {
    const projection = this.model.projection;
    return {
      description: 'MAML: item_embedding = [proj(f) ‖ proj(f)], proj the feature projection of the extractor\'s features f — the item row is '
        + '[v ‖ proj(f)] and a new item has no ID embedding v; MAML\'s feature loss pulls each trained v toward proj(f), so proj(f) stands in for it.',
      combine: (b, f) => {
        const p = projection.forward(b, f);
        return G.concat([p, p], 1);
      },
    };
  }
}

function checkConfig(cfg: MamlConfig): void {
  const positiveInt = (key: keyof MamlConfig) => {
    const x = cfg[key];
    if (!(Number.isInteger(x) && (x as number) >= 1)) throw new Error(`maml.${key} must be a positive integer, got ${x}`);
  };
  positiveInt('embedding_dim');
  positiveInt('negatives');
  positiveInt('batch_size');
}

export const mamlSpec: BackboneSpec = {
  name: 'maml',
  description: 'MAML: attentive metric learning (per-pair attention over dims, rank-weighted hinge, feature and covariance terms, '
    + 'unit-ball embeddings); train_only_embeddings=true reproduces the reference code, which optimises only the '
    + 'user/item embeddings (projection, attention and SGFD weights never change)',
  defaults: MAML_DEFAULTS,
  settings: { feature_weight: rangeOf.weight, cov_weight: rangeOf.weight, train_only_embeddings: rangeOf.bool, distinct_items: rangeOf.bool },
  create: (ds, config, sgfd, teacherCache, kind) => {
    if (ds.modalities.length === 0) throw new Error('maml needs at least one item feature modality');
    checkConfig(config as MamlConfig);
    return new Maml(ds, config as MamlConfig, sgfd, teacherCache ?? null, kind);
  },
};
