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
// mean of layers 0..L, score = dot product. BPR with one uniform negative + reg_weight × ‖·‖²/2 / B
// on the batch's ego rows. Dropped: the optional distance-correlation independence loss between
// factors (cor_flag in the reference) — this backbone has no independence term.
import * as G from '../../graph/index.ts';
import { type Value } from '../../graph/index.ts';
import { init, type Binder } from '../../nn/index.ts';
import { type BackboneSpec } from '../backbone.ts';
import { normalisedBipartite, graphConstants, meanOfLayers, type NormalisedGraph } from '../propagation.ts';
import { IdEmbeddings, BprDotBackbone, splitNodes } from '../cf-common.ts';
import { type Dataset } from '../../data/dataset.ts';

export const DGCF_DEFAULTS = {
  embedding_dim: 64, n_factors: 4, n_layers: 1, n_iterations: 2, batch_size: 2048, lr: 1e-3, reg_weight: 1e-3,
};

/** Keeps degree-0 factor weights finite (a factor whose edges all got weight ~0). */
const DEGREE_EPS = 1e-8;

type Edges = ReturnType<typeof graphConstants>;

/** One disentangling layer: routing iterations over the intent-aware graph; returns the new node table. */
function disentangle(ego: Value, c: Edges, factors: number, iterations: number): Value {
  const [N, d] = ego.shape as number[];
  const E = c.src.shape[0] as number;
  const chunk = d / factors;
  const tails = G.reshape(G.gather(ego, c.src), [E, factors, chunk]);
  const tailKeys = G.tanh(G.l2Normalize(tails, -1));
  let logits: Value = G.zeros(ego.graph, 'float32', [E, factors]);
  let out = ego;
  for (let t = 0; t < iterations; t++) {
    const weights = G.softmax(logits, -1);
    const dInvSqrt = G.pow(G.add(G.segmentSumBy(weights, c.dst), DEGREE_EPS), -0.5);
    const norm = G.mul(G.mul(weights, G.gather(dInvSqrt, c.dst)), G.gather(dInvSqrt, c.src));
    const perFactor = G.segmentSumBy(G.mul(tails, G.unsqueeze(norm, [2])), c.dst);
    out = G.reshape(perFactor, [N, d]);
    if (t === iterations - 1) break;
    const heads = G.l2Normalize(G.gather(perFactor, c.dst), -1);
    logits = G.add(logits, G.reduceSum(G.mul(heads, tailKeys), [-1]));
  }
  return out;
}

class Dgcf extends BprDotBackbone {
  readonly model: IdEmbeddings;
  private readonly adj: NormalisedGraph;
  constructor(ds: Dataset, private readonly cfg: typeof DGCF_DEFAULTS) {
    super(ds, cfg, 'ego');
    const { embedding_dim: d, n_factors: K } = cfg;
    if (!(Number.isInteger(K) && K >= 1 && d % K === 0)) throw new Error(`dgcf: embedding_dim (${d}) must be a multiple of n_factors (${K})`);
    if (!(cfg.n_iterations >= 1)) throw new Error(`dgcf: n_iterations must be ≥ 1, got ${cfg.n_iterations}`);
    this.model = new IdEmbeddings(ds.nUsers, ds.nItems, d, init.xavierUniform());
    this.adj = normalisedBipartite(ds.nUsers, ds.nItems, this.triplets.users, this.triplets.items);
  }
  protected represent(b: Binder) {
    const c = graphConstants(b.graph, this.adj);
    let h = this.model.nodes(b);
    const layers = [h];
    for (let l = 0; l < this.cfg.n_layers; l++) {
      h = disentangle(h, c, this.cfg.n_factors, this.cfg.n_iterations);
      layers.push(h);
    }
    return splitNodes(meanOfLayers(layers), this.ds.nUsers, this.ds.nItems);
  }
}

export const dgcfSpec: BackboneSpec = {
  name: 'dgcf',
  description: 'DGCF: K intent factors with routed, per-factor normalised graph propagation, BPR',
  defaults: DGCF_DEFAULTS,
  create: (ds, config) => new Dgcf(ds, config as typeof DGCF_DEFAULTS),
};
