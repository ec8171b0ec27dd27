// Shared pieces of the ID-only collaborative-filtering baselines (mf-bpr, lightgcn, ngcf, dgcf,
// neumf, cml): ID tables, training triplets (user, positive, sampled negatives) as graph inputs and
// feeds, L2 on batch rows, and the base of the BPR-trained dot-product models.
import * as G from '../graph/index.ts';
import { type Value, type Graph } from '../graph/index.ts';
import { Module, Parameter, init, bprLoss, type Binder, type Init, type OptimizerConfig, type ParameterOptions } from '../nn/index.ts';
import { type Backbone, trainInteractions, asInt64 } from './backbone.ts';
import { type BatchTensor } from '../runtime/index.ts';
import { sampleNegatives } from '../data/index.ts';
import { type Dataset } from '../data/index.ts';
import { type Rng } from '../data/index.ts';

export const BATCH = 'batch';

/** A user and an item ID embedding table: the only inputs of these models. */
export class IdEmbeddings extends Module {
  readonly userEmbedding: Parameter;
  readonly itemEmbedding: Parameter;
  constructor(nUsers: number, nItems: number, dim: number, weightInit: Init = init.xavierUniform(), o: ParameterOptions = {}) {
    super();
    this.userEmbedding = new Parameter([nUsers, dim], weightInit, o);
    this.itemEmbedding = new Parameter([nItems, dim], weightInit, o);
  }
  /** Both tables stacked as the node table [users; items] of the bipartite graph. */
  nodes(b: Binder): Value {
    return G.concat([b.param(this.userEmbedding), b.param(this.itemEmbedding)], 0);
  }
}

/** Splits a node table [users; items] back into its user and item rows. */
export function splitNodes(x: Value, nUsers: number, nItems: number): { users: Value; items: Value } {
  const [users, items] = G.split(x, [nUsers, nItems], 0);
  return { users, items };
}

/** The batch's ids: users [B], positives [B], negatives [B] (one per row) or [B, J]. */
export interface TripletInputs { users: Value; pos: Value; neg: Value }

/**
 * Training rows = the train-split interactions; each batch row is (user, positive item) plus
 * `negatives` items drawn uniformly from those the user has not interacted with in training.
 */
export class TrainingTriplets {
  readonly users: Int32Array;
  readonly items: Int32Array;
  constructor(private readonly ds: Dataset, readonly negatives: number) {
    if (!(Number.isInteger(negatives) && negatives >= 1)) throw new Error(`negatives must be a positive integer, got ${negatives}`);
    ({ users: this.users, items: this.items } = trainInteractions(ds));
  }

  get rows(): number { return this.users.length; }

  /** Declares the index inputs `users`, `pos`, `neg` on `g` (gradients flow through their gathers). */
  inputs(g: Graph): TripletInputs {
    const J = this.negatives;
    return {
      users: G.indexInput(g, 'users', [BATCH], this.ds.nUsers),
      pos: G.indexInput(g, 'pos', [BATCH], this.ds.nItems),
      neg: G.indexInput(g, 'neg', J === 1 ? [BATCH] : [BATCH, J], this.ds.nItems),
    };
  }

  /** Feeds for `rows` of the train split; negatives are row-major [rows.length, J]. */
  feeds(rows: Int32Array, rng: Rng): Record<string, BatchTensor> {
    const n = rows.length;
    const J = this.negatives;
    const users = Int32Array.from(rows, (r) => this.users[r]);
    const repeated = new Int32Array(n * J);
    for (let k = 0; k < n * J; k++) repeated[k] = users[Math.floor(k / J)];
    const neg = sampleNegatives(repeated, this.ds.csr.train, this.ds.nItems, rng);
    return {
      users: { data: asInt64(users), dims: [n] },
      pos: { data: asInt64(Array.from(rows, (r) => this.items[r])), dims: [n] },
      neg: { data: asInt64(neg), dims: J === 1 ? [n] : [n, J] },
    };
  }
}

/** Σ over `rows` of ‖row‖², averaged over the batch and halved (the LightGCN/NGCF code's L2). */
export function l2OnBatchRows(rows: Value[]): Value {
  const perTable = rows.map((x) => G.reduceMean(G.reduceSum(G.square(x), [-1])));
  return G.mul(G.sumAll(perTable), 0.5);
}

export function adamConfig(lr: number, weightDecay = 0): OptimizerConfig {
  return { type: 'adam', lr, weightDecay };
}

/** Settings every BPR model has. */
export interface BprSettings { embedding_dim: number; batch_size: number; lr: number; reg_weight: number }

/**
 * A dot-product model trained with BPR (one uniform negative per positive) plus
 * reg_weight × (‖u‖² + ‖i⁺‖² + ‖i⁻‖²)/2 / B over the batch's ego (ID) rows or final representations.
 * Subclasses build `model` and the final representations of every user and item.
 */
export abstract class BprDotBackbone implements Backbone {
  abstract readonly model: IdEmbeddings;
  readonly batchSize: number;
  readonly optimizer: OptimizerConfig;
  readonly trainRows: number;
  protected readonly triplets: TrainingTriplets;
  constructor(protected readonly ds: Dataset, protected readonly settings: BprSettings, private readonly regOn: 'ego' | 'final') {
    this.triplets = new TrainingTriplets(ds, 1);
    this.trainRows = this.triplets.rows;
    this.batchSize = settings.batch_size;
    this.optimizer = adamConfig(settings.lr);
  }

  /** Final representations of all users and items; `training` turns on dropout. */
  protected abstract represent(b: Binder, training: boolean): { users: Value; items: Value };

  /** Per-batch inputs beyond the triplets (dropout masks): declared on `g`. */
  protected declareExtraInputs(_g: Graph): void {}
  protected extraFeeds(_rng: Rng): Record<string, BatchTensor> { return {}; }
  /**
   * Further weighted loss terms on the final representations (DGCF's independence term), added to
   * the objective and reported under their names; they may declare their own batch inputs.
   */
  protected extraTerms(_b: Binder, _rep: { users: Value; items: Value }): Record<string, Value> { return {}; }

  buildLoss(b: Binder) {
    const { users, pos, neg } = this.triplets.inputs(b.graph);
    this.declareExtraInputs(b.graph);
    const rep = this.represent(b, true);
    const [u, p, n] = [G.gather(rep.users, users), G.gather(rep.items, pos), G.gather(rep.items, neg)];
    const bpr = bprLoss(G.rowDot(u, p), G.rowDot(u, n));
    const U = b.param(this.model.userEmbedding);
    const I = b.param(this.model.itemEmbedding);
    const regRows = this.regOn === 'final' ? [u, p, n] : [G.gather(U, users), G.gather(I, pos), G.gather(I, neg)];
    const reg = G.mul(l2OnBatchRows(regRows), this.settings.reg_weight);
    const extra = this.extraTerms(b, rep);
    const loss = Object.values(extra).reduce((sum, t) => G.add(sum, t), G.add(bpr, reg));
    return { loss, terms: { bpr, reg, ...extra } };
  }

  fixedFeeds(): Record<string, BatchTensor> { return {}; }

  batchFeeds(rows: Int32Array, rng: Rng): Record<string, BatchTensor> {
    return { ...this.triplets.feeds(rows, rng), ...this.extraFeeds(rng) };
  }

  buildScoring(b: Binder) { return this.represent(b, false); }
}
