// LightGCN (He et al., SIGIR '20): ID embeddings propagated over the symmetric-normalised user–item
// graph D^-1/2 A D^-1/2 (no self-loops, no weights, no non-linearity) for n_layers (3), final
// representation = mean of layers 0..L, score = dot product. BPR with one uniform negative per
// positive; L2 on the batch's ego (layer-0) rows, reg_weight × ‖·‖²/2 / B as the paper's code.
// Embeddings N(0, 0.1²) as the reference implementation; Adam.
import { init, type Binder } from '../../nn/index.ts';
import { type BackboneSpec } from '../backbone.ts';
import { normalisedBipartite, propagatedNodes, type NormalisedGraph } from '../propagation.ts';
import { IdEmbeddings, BprDotBackbone, splitNodes } from '../cf-common.ts';
import { type Dataset } from '../../data/index.ts';

export const LIGHTGCN_DEFAULTS = { embedding_dim: 64, n_layers: 3, batch_size: 2048, lr: 1e-3, reg_weight: 1e-4 };

class LightGcn extends BprDotBackbone {
  readonly model: IdEmbeddings;
  private readonly adj: NormalisedGraph;
  constructor(ds: Dataset, private readonly cfg: typeof LIGHTGCN_DEFAULTS) {
    super(ds, cfg, 'ego');
    this.model = new IdEmbeddings(ds.nUsers, ds.nItems, cfg.embedding_dim, init.normal(0.1));
    this.adj = normalisedBipartite(ds.nUsers, ds.nItems, this.triplets.users, this.triplets.items);
  }
  protected represent(b: Binder) {
    const h = propagatedNodes(b, [this.model.userEmbedding, this.model.itemEmbedding], this.adj, this.cfg.n_layers);
    return splitNodes(h, this.ds.nUsers, this.ds.nItems);
  }
}

export const lightGcnSpec: BackboneSpec = {
  name: 'lightgcn',
  description: 'LightGCN: mean of linear propagation layers over the normalised user–item graph, BPR',
  defaults: LIGHTGCN_DEFAULTS,
  create: (ds, config) => new LightGcn(ds, config as typeof LIGHTGCN_DEFAULTS),
};
