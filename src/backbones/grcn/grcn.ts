// GRCN (Wei et al., MM '20): graph-refined convolution as SGFD-SPEC.md §5 describes it — per-modality
// content graphs with routing-refined user preferences and edge attention, trainable edge
// confidence (max over modalities, optional pruning) weighting a weight-free ID propagation, BPR.
// Vanilla: S_m = Linear over raw features, then LeakyReLU + L2 (GRCN's own tail). With SGFD the
// student (which ends in the same tail) replaces S_m and its tail.
import * as G from '../../graph/index.ts';
import { type Value } from '../../graph/index.ts';
import { Module, Parameter, init, bprLoss, type Binder } from '../../nn/index.ts';
import { type BackboneSpec, type Backbone, trainInteractions, asInt64 } from '../backbone.ts';
import { type ColdStartRule } from '../cold-start-rule.ts';
import { normalisedBipartite, type NormalisedGraph } from '../propagation.ts';
import { ItemExtractor, withSgfd, type ExtractorKind } from '../../sgfd/index.ts';
import { type SgfdConfig } from '../../sgfd/index.ts';
import { type Dataset } from '../../data/index.ts';
import { type Rng } from '../../data/index.ts';
import { sampleNegatives } from '../../data/index.ts';
import { rangeOf } from '../settings.ts';

export const GRCN_DEFAULTS = {
  embedding_dim: 128, routing_iterations: 3, pruning: true,
  /** 'users' (the paper: users aggregate their items) or 'reference-noop' (the authors' code: no refinement). */
  routing: 'users',
  weight_decay: 1e-4, batch_size: 1024, lr: 1e-3,
};
type GrcnConfig = typeof GRCN_DEFAULTS;

class GrcnModel extends Module {
  readonly idEmbedding: Parameter;
  readonly preferences: Parameter[];
  readonly confidence: Parameter;
  readonly extractor: ItemExtractor;
  constructor(ds: Dataset, d: number, sgfd: SgfdConfig | null, kind: ExtractorKind) {
    super();
    const M = ds.modalities.length;
    this.idEmbedding = new Parameter([ds.nUsers + ds.nItems, d], init.xavierNormal());
    this.preferences = ds.modalities.map(() => new Parameter([ds.nUsers, d], init.xavierNormal()));
    this.confidence = new Parameter([ds.nUsers + ds.nItems, Math.max(M, 1)], init.normal(1));
    this.extractor = new ItemExtractor(ds.modalities.map((m) => ({ name: m.name, dim: m.dim })), d, ds.nLabels, sgfd, kind);
  }
}

/** Graph constants: all edges (both directions, by destination) and the users of routing's item→user edges, in its lists' edge order. */
function edgeConstants(g: G.Graph, a: NormalisedGraph, route: G.EdgeLists, nUsers: number, nInteractions: number) {
  return {
    src: G.indexConstant(g, a.src, a.nodes),
    dst: G.indexConstant(g, a.dst, a.nodes),
    /** Per directed edge, its undirected edge (training interaction). */
    pair: G.indexConstant(g, a.pair, nInteractions),
    /** Users of the item→user edges. */
    routeUser: G.indexConstant(g, route.owner, nUsers),
  };
}

/**
 * The same edges as lists for the edge-valued sums and dot products (G.weightedSumOfRows,
 * G.rowDotsOfEdges), which never build an [edges × d] tensor: every directed edge (into its
 * destination), the item→user edges (into the user, rows among items), the interactions (user × item).
 */
function edgeLists(a: NormalisedGraph, nUsers: number, train: { users: Int32Array; items: Int32Array }) {
  // The directed edges (positions in the destination-sorted edge list) from an item to a user.
  const toUser = Array.from(a.dst, (d, k) => (d < nUsers ? k : -1)).filter((k) => k >= 0);
  return {
    all: G.edgeLists(a.dst, a.src, a.nodes, a.nodes),
    route: G.edgeLists(toUser.map((k) => a.dst[k]), toUser.map((k) => a.src[k] - nUsers), nUsers, a.nodes - nUsers),
    pairs: G.edgeLists(train.users, Array.from(train.items, (i) => nUsers + i), a.nodes, a.nodes),
  };
}
type Edges = ReturnType<typeof edgeConstants>;


class Grcn implements Backbone {
  readonly model: GrcnModel;
  readonly batchSize: number;
  readonly optimizer;
  readonly trainRows: number;
  private readonly train: { users: Int32Array; items: Int32Array };
  private readonly adj: NormalisedGraph;
  private readonly lists: ReturnType<typeof edgeLists>;
  constructor(private readonly ds: Dataset, private readonly cfg: GrcnConfig, private readonly sgfd: SgfdConfig | null, private readonly teacherCache: Float32Array[] | null, kind: ExtractorKind = 'linear') {
    if (cfg.routing !== 'users' && cfg.routing !== 'reference-noop') throw new Error(`grcn.routing must be 'users' or 'reference-noop', got '${cfg.routing}'`);
    this.model = new GrcnModel(ds, cfg.embedding_dim, sgfd, kind);
    this.batchSize = cfg.batch_size;
    this.optimizer = { type: 'adam' as const, lr: cfg.lr };
    this.train = trainInteractions(ds);
    this.trainRows = this.train.users.length;
    this.adj = normalisedBipartite(ds.nUsers, ds.nItems, this.train.users, this.train.items);
    this.lists = edgeLists(this.adj, ds.nUsers, this.train);
  }

  /** User preferences refined by routing: p ← L2(p + Σ_{i ∈ N(u)} softmax_i⟨p, f_i⟩ · f_i), from p = L2(P). */
  private route(p0: Value, items: Value, e: Edges): Value {
    let p = G.l2Normalize(p0, -1);
    if (this.cfg.routing === 'reference-noop') return p;
    for (let t = 0; t < this.cfg.routing_iterations; t++) {
      const alpha = G.segmentSoftmax(G.rowDotsOfEdges(items, p, this.lists.route), e.routeUser);
      p = G.l2Normalize(G.add(p, G.weightedSumOfRows(items, alpha, this.lists.route)), -1);
    }
    return p;
  }

  /** Final node representations [U + I, d·(1 + M)], and the item-side SGFD terms when requested. */
  private represent(b: Binder, sgfdItems?: Value) {
    const g = b.graph;
    const e = edgeConstants(g, this.adj, this.lists.route, this.ds.nUsers, this.train.users.length);
    const tables = this.model.extractor.tables(g, this.ds.nItems);
    const own = !this.model.extractor.normalised;
    const items = this.model.extractor.allItems(b, tables).map((f) => (own ? G.l2Normalize(G.leakyRelu(f, 0.01), -1) : f));
    const contents: Value[] = [];
    const attention: Value[] = [];
    items.forEach((f, m) => {
      const x = G.l2Normalize(G.concat([this.route(b.param(this.model.preferences[m]), f, e), f], 0), -1);
      // ⟨x_i, x_j⟩ is the same in both directions: one dot product per interaction.
      const score = G.gather(G.rowDotsOfEdges(x, x, this.lists.pairs), e.pair);
      const alpha = G.segmentSoftmax(score, e.dst);
      attention.push(G.unsqueeze(alpha, [1]));
      contents.push(G.add(x, G.weightedSumOfRows(x, alpha, this.lists.all)));
    });
    // Edge weight: max over modalities of attention × per-node confidence of the edge's source.
    const conf = G.gather(b.param(this.model.confidence), e.src);
    let w = G.reduceMax(G.mul(attention.length > 1 ? G.concat(attention, 1) : attention[0], conf), [1], true);
    if (this.cfg.pruning) w = G.relu(w);
    const X = G.l2Normalize(b.param(this.model.idEmbedding), -1);
    const h1 = G.weightedSumOfRows(X, w, this.lists.all);
    const h2 = G.weightedSumOfRows(h1, w, this.lists.all);
    const reps = G.concat([G.add(G.add(X, h1), h2), ...contents], 1);
    const sgfd = sgfdItems ? this.model.extractor.forward(b, tables, sgfdItems).sgfd : null;
    return { reps, sgfd };
  }

  buildLoss(b: Binder) {
    const g = b.graph;
    const [U, I] = [this.ds.nUsers, this.ds.nItems];
    const users = G.indexInput(g, 'users', ['batch'], U + I);
    const pos = G.indexInput(g, 'pos', ['batch'], U + I);
    const neg = G.indexInput(g, 'neg', ['batch'], U + I);
    // SGFD's items: the positives then the negatives; with an index plan, so the extractor runs the
    // student, the teacher and the SGFD terms once per distinct item.
    const sgfdItems = this.sgfd ? G.indexInput(g, 'sgfd_items', ['pairs'], I) : undefined;
    const { reps, sgfd } = this.represent(b, sgfdItems);
    const ru = G.gather(reps, users);
    const rec = bprLoss(G.rowDot(ru, G.gather(reps, pos)), G.rowDot(ru, G.gather(reps, neg)));
    const sq = (x: Value) => G.reduceMean(G.reduceSum(G.square(x), [1]));
    const idE = b.param(this.model.idEmbedding);
    const rows = [G.gather(idE, users), G.gather(idE, pos), G.gather(idE, neg), ...this.model.preferences.map((p) => G.gather(b.param(p), users))];
    const reg = G.mul(G.sumAll(rows.map(sq)), this.cfg.weight_decay);
    return withSgfd(G.add(rec, reg), { rec, reg }, sgfd, this.sgfd);
  }

  fixedFeeds() { return this.model.extractor.feeds(this.ds, this.teacherCache); }

  batchFeeds(rows: Int32Array, rng: Rng) {
    const n = rows.length;
    const U = this.ds.nUsers;
    const users = Int32Array.from(rows, (r) => this.train.users[r]);
    const pos = Int32Array.from(rows, (r) => this.train.items[r]);
    const neg = sampleNegatives(users, this.ds.csr.train, this.ds.nItems, rng);
    return {
      users: { data: asInt64(users), dims: [n] },
      pos: { data: asInt64(Array.from(pos, (i) => U + i)), dims: [n] },
      neg: { data: asInt64(Array.from(neg, (i) => U + i)), dims: [n] },
      ...(this.sgfd ? { sgfd_items: { data: asInt64([...pos, ...neg]), dims: [2 * n] } } : {}),
    };
  }

  // GRCN scores [ID branch ‖ content_1 ‖ … ‖ content_M] with content_m = x_m + Σ_neighbours α·x,
  // x_m = L2(f_m) (vanilla features first get GRCN's LeakyReLU tail). A new item has no ID embedding
  // and no neighbours: the ID branch is zero and content_m = x_m.
  coldStart(extractor: ItemExtractor): ColdStartRule {
    return {
      description: 'GRCN: item_embedding = [0_d ‖ L2(f_1) ‖ … ‖ L2(f_M)] — a new item has no ID embedding (zero ID branch) and no graph '
        + 'neighbours (content_m = its own normalised feature). Trained items add the confidence-weighted ID propagation and neighbour attention.',
      combine: (b, f) => {
        const tail = extractor.normalised ? (x: Value) => x : (x: Value) => G.leakyRelu(x, 0.01);
        const contents = f.map((x) => G.l2Normalize(tail(x), -1));
        return G.concat([G.zeros(b.graph, 'float32', contents[0].shape, contents[0]), ...contents], 1);
      },
    };
  }

  buildScoring(b: Binder) {
    const [users, items] = G.split(this.represent(b).reps, [this.ds.nUsers, this.ds.nItems], 0);
    return { users, items };
  }
}

export const grcnSpec: BackboneSpec = {
  name: 'grcn',
  description: 'GRCN: graph-refined convolution with routing, edge attention and confidence-weighted ID propagation (BPR)',
  defaults: GRCN_DEFAULTS,
  settings: { routing_iterations: rangeOf.int(1, 100), routing: { type: 'enum', values: ['users', 'reference-noop'] }, pruning: rangeOf.bool },
  create: (ds, config, sgfd, teacherCache, kind) => {
    if (ds.modalities.length === 0) throw new Error('grcn needs at least one item feature modality');
    return new Grcn(ds, config as GrcnConfig, sgfd, teacherCache ?? null, kind);
  },
};
