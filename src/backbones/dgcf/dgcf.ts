// DGCF (Wang et al., SIGIR '20), ID only. Every ego embedding is split into K = n_factors chunks of
// d/K (one per latent intent). Each edge e = (t → h) of the bipartite graph (both directions, no
// self-loops) carries K routing logits S_k(e), initially equal. Per layer (n_layers = 1) and routing
// iteration (n_iterations = 2):
//   S̃(e)   = softmax over the K factors of S(e)                     (intent-aware edge weights)
//   D_k(v) = Σ_{e into v} S̃_k(e)                                     (per-factor degree)
//   h_k    = Σ_{e: t → h} S̃_k(e) / √(D_k(h)·D_k(t)) · e_k(t)         (per-factor normalised propagation
//            of the layer's input chunks, as one segment sum over edges sorted by destination)
//   S_k(e) += ⟨normalize(h_k(h)), tanh(normalize(e_k(t)))⟩             (routing update; skipped after
//            the last iteration, whose update the reference computes but never uses)
// The last iteration's h is the layer output and the next layer's input; final representation =
// mean of layers 0..L, score = dot product. Loss = BPR with one uniform negative
//   + reg_weight × ‖·‖²/2 / B on the batch's ego rows                                  (`reg`)
//   + cor_weight × mean over factor pairs k < k' of dCor(E_k, E_k')                     (`independence`)
// Independence (the paper's independence modelling; dCor in ./independence.ts, ε = 1e-8 inside every
// square root and in the dCor denominator): E_k = factor chunk k [n, d/K] of the FINAL representations
// (as the reference code, which decorrelates the layer mean, not the ego table) of the batch's
// distinct users followed by its distinct items (positives and negatives), each drawn uniformly down
// to at most cor_rows (./independence-rows.ts), since memory is O(n²). cor_weight defaults to the
// reference's corDecay (0.01); 0, or n_factors = 1, builds no term and feeds no rows. Differences
// from the reference: it draws max(users, items)/batches random users and items from the whole
// tables instead of the batch's, and sums dCor over consecutive pairs (k, k+1) only, divided by
// K(K+1)/2; the paper sums all pairs. We average all pairs, so one cor_weight means the same for any K.
import * as G from '../../graph/index.ts';
import { type Value } from '../../graph/index.ts';
import { init, type Binder } from '../../nn/index.ts';
import { type BackboneSpec } from '../backbone.ts';
import { type BatchTensor } from '../../runtime/index.ts';
import { type Rng } from '../../data/index.ts';
import { normalisedBipartite, graphConstants, meanOfLayers, type NormalisedGraph } from '../propagation.ts';
import { IdEmbeddings, BprDotBackbone, splitNodes } from '../cf-common.ts';
import { type Dataset } from '../../data/index.ts';
import { factorIndependence } from './independence.ts';
import { distinctSample } from './independence-rows.ts';
import { rangeOf } from '../settings.ts';

export const DGCF_DEFAULTS = {
  embedding_dim: 64, n_factors: 4, n_layers: 1, n_iterations: 2, batch_size: 2048, lr: 1e-3, reg_weight: 1e-3,
  /** Weight of the factor independence term (the reference's corDecay default); 0 turns it off. */
  cor_weight: 0.01,
  /** At most this many distinct users and this many distinct items of a batch enter that term. */
  cor_rows: 256,
};

/** Keeps degree-0 factor weights finite (a factor whose edges all got weight ~0). */
const DEGREE_EPS = 1e-8;

/** Batch input: the node rows ([users; items] numbering) the independence term is taken on. */
const COR_NODES = 'cor_nodes';

type Edges = ReturnType<typeof graphConstants>;

/**
 * One disentangling layer: routing iterations over the intent-aware graph; returns the new node table.
 * Each factor's chunk is summed over the edges with its own weights, and the routing scores are per-edge
 * dot products of node rows (G.weightedSumOfRows, G.rowDotsOfEdges): no [edges × d] tensor is made.
 */
function disentangle(ego: Value, c: Edges, lists: G.EdgeLists, factors: number, iterations: number): Value {
  const d = ego.shape[1] as number;
  const E = c.src.shape[0] as number;
  const chunks = G.split(ego, Array(factors).fill(d / factors), 1);
  const keys = chunks.map((x) => G.tanh(G.l2Normalize(x, -1)));
  let logits: Value = G.zeros(ego.graph, 'float32', [E, factors]);
  let out = ego;
  for (let t = 0; t < iterations; t++) {
    const weights = G.softmax(logits, -1);
    const dInvSqrt = G.pow(G.add(G.segmentSumBy(weights, c.dst), DEGREE_EPS), -0.5);
    const norm = G.mul(G.mul(weights, G.gather(dInvSqrt, c.dst)), G.gather(dInvSqrt, c.src));
    const columns = factors === 1 ? [norm] : G.split(norm, Array(factors).fill(1), 1);
    const perFactor = chunks.map((x, f) => G.weightedSumOfRows(x, columns[f], lists));
    out = factors === 1 ? perFactor[0] : G.concat(perFactor, 1);
    if (t === iterations - 1) break;
    const scores = perFactor.map((h, f) => G.unsqueeze(G.rowDotsOfEdges(keys[f], G.l2Normalize(h, -1), lists), [1]));
    logits = G.add(logits, factors === 1 ? scores[0] : G.concat(scores, 1));
  }
  return out;
}

class Dgcf extends BprDotBackbone {
  readonly model: IdEmbeddings;
  private readonly adj: NormalisedGraph;
  /** The directed edges into their destinations, for the per-factor edge sums. */
  private readonly lists: G.EdgeLists;
  constructor(ds: Dataset, private readonly cfg: typeof DGCF_DEFAULTS) {
    super(ds, cfg, 'ego');
    const { embedding_dim: d, n_factors: K } = cfg;
    if (!(Number.isInteger(K) && K >= 1 && d % K === 0)) throw new Error(`dgcf: embedding_dim (${d}) must be a multiple of n_factors (${K})`);
    if (!(cfg.n_iterations >= 1)) throw new Error(`dgcf: n_iterations must be ≥ 1, got ${cfg.n_iterations}`);
    if (!(cfg.cor_weight >= 0)) throw new Error(`dgcf: cor_weight must be ≥ 0, got ${cfg.cor_weight}`);
    if (!(Number.isInteger(cfg.cor_rows) && cfg.cor_rows >= 1)) throw new Error(`dgcf: cor_rows must be a positive integer, got ${cfg.cor_rows}`);
    this.model = new IdEmbeddings(ds.nUsers, ds.nItems, d, init.xavierUniform());
    this.adj = normalisedBipartite(ds.nUsers, ds.nItems, this.triplets.users, this.triplets.items);
    this.lists = G.edgeLists(this.adj.dst, this.adj.src, this.adj.nodes, this.adj.nodes);
  }
  protected represent(b: Binder) {
    const c = graphConstants(b.graph, this.adj);
    let h = this.model.nodes(b);
    const layers = [h];
    for (let l = 0; l < this.cfg.n_layers; l++) {
      h = disentangle(h, c, this.lists, this.cfg.n_factors, this.cfg.n_iterations);
      layers.push(h);
    }
    return splitNodes(meanOfLayers(layers), this.ds.nUsers, this.ds.nItems);
  }
  /** Whether the loss has the independence term (it needs a weight and ≥ 2 factors to compare). */
  private get decorrelates(): boolean {
    return this.cfg.cor_weight > 0 && this.cfg.n_factors > 1;
  }
  protected extraTerms(b: Binder, rep: { users: Value; items: Value }): Record<string, Value> {
    if (!this.decorrelates) return {};
    // One gather from the node table [users; items]: a Concat of separately gathered rows would
    // have symbolic sizes, which its gradient cannot split.
    const rows = b.graph.input(COR_NODES, 'int64', [COR_NODES]);
    rows.index = { unique: true, numRows: this.ds.nUsers + this.ds.nItems };
    const picked = G.gather(G.concat([rep.users, rep.items], 0), rows);
    return { independence: G.mul(factorIndependence(picked, this.cfg.n_factors), this.cfg.cor_weight) };
  }
  batchFeeds(rows: Int32Array, rng: Rng): Record<string, BatchTensor> {
    const feeds = super.batchFeeds(rows, rng);
    if (!this.decorrelates) return feeds;
    const ids = (name: string) => feeds[name].data as BigInt64Array;
    const users = distinctSample([ids('users')], this.cfg.cor_rows, rng);
    const items = distinctSample([ids('pos'), ids('neg')], this.cfg.cor_rows, rng).map((i) => i + BigInt(this.ds.nUsers));
    const nodes = new BigInt64Array(users.length + items.length);
    nodes.set(users);
    nodes.set(items, users.length);
    return { ...feeds, [COR_NODES]: { data: nodes, dims: [nodes.length] } };
  }
}

export const dgcfSpec: BackboneSpec = {
  name: 'dgcf',
  description: 'DGCF: K intent factors with routed, per-factor normalised graph propagation, BPR + distance-correlation independence',
  defaults: DGCF_DEFAULTS,
  settings: { n_factors: rangeOf.int(1, 1024), n_iterations: rangeOf.int(1, 100), cor_weight: rangeOf.weight, cor_rows: rangeOf.int(1) },
  checkConfig: (c) => (Number(c.embedding_dim) % Number(c.n_factors) === 0 ? null : `setting 'dgcf.embedding_dim' (${c.embedding_dim}) must be a multiple of dgcf.n_factors (${c.n_factors})`),
  create: (ds, config) => new Dgcf(ds, config as typeof DGCF_DEFAULTS),
};
