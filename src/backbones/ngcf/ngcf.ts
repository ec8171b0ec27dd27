// NGCF (Wang et al., SIGIR '19) as the paper's equations state it, ID only. Over nodes [users; items]
// with L = D^-1/2 A D^-1/2 (the normalised bipartite graph, no self-loops), each of n_layers (3):
//   E' = LeakyReLU_0.2( ((L + I)·E)·W1 + b1 + ((L·E) ⊙ E)·W2 + b2 ),
// then message dropout (p = message_dropout, keep-masks drawn from the seeded RNG and fed per batch,
// off when scoring); the next layer takes E', the output keeps its row-L2-normalised copy. Final
// representation = [E0 ‖ norm(E1) ‖ … ‖ norm(EL)] (concatenation, (L+1)·d wide), score = dot product.
// BPR with one uniform negative per positive + reg_weight × ‖·‖²/2 / B over the batch's final
// representations (as the reference code). Node dropout (off by default upstream) is not implemented.
import * as G from '../../graph/index.ts';
import { type Value, type Graph } from '../../graph/index.ts';
import { Module, Linear, init, type Binder } from '../../nn/index.ts';
import { type BackboneSpec, keepMask } from '../backbone.ts';
import { normalisedBipartite, propagator, type NormalisedGraph } from '../propagation.ts';
import { IdEmbeddings, BprDotBackbone, splitNodes } from '../cf-common.ts';
import { type Dataset } from '../../data/index.ts';
import { type Rng } from '../../data/index.ts';
import { rangeOf } from '../settings.ts';

export const NGCF_DEFAULTS = {
  embedding_dim: 64, n_layers: 3, message_dropout: 0.1, leaky_slope: 0.2, batch_size: 1024, lr: 1e-4, reg_weight: 1e-5,
};

/** One propagation layer's weights: W1 on the (L + I)·E sum, W2 on the bi-interaction (L·E) ⊙ E. */
class NgcfLayer extends Module {
  readonly sum: Linear;
  readonly interaction: Linear;
  constructor(d: number) {
    super();
    this.sum = new Linear(d, d, { weightInit: init.xavierUniform() });
    this.interaction = new Linear(d, d, { weightInit: init.xavierUniform() });
  }
}

class NgcfModel extends IdEmbeddings {
  readonly layers: NgcfLayer[];
  constructor(nUsers: number, nItems: number, d: number, nLayers: number) {
    super(nUsers, nItems, d, init.xavierUniform());
    this.layers = Array.from({ length: nLayers }, () => new NgcfLayer(d));
  }
}

const maskName = (layer: number) => `mask.layer.${layer}`;

class Ngcf extends BprDotBackbone {
  readonly model: NgcfModel;
  private readonly adj: NormalisedGraph;
  private readonly nodes: number;
  /** Message-dropout keep-masks of the current train graph, one per layer (none when p = 0). */
  private masks: Value[] = [];
  constructor(ds: Dataset, private readonly cfg: typeof NGCF_DEFAULTS) {
    super(ds, cfg, 'final');
    this.model = new NgcfModel(ds.nUsers, ds.nItems, cfg.embedding_dim, cfg.n_layers);
    this.adj = normalisedBipartite(ds.nUsers, ds.nItems, this.triplets.users, this.triplets.items);
    this.nodes = ds.nUsers + ds.nItems;
  }

  protected declareExtraInputs(g: Graph): void {
    this.masks = this.cfg.message_dropout > 0
      ? this.model.layers.map((_, l) => g.input(maskName(l), 'float32', [this.nodes, this.cfg.embedding_dim]))
      : [];
  }

  protected extraFeeds(rng: Rng) {
    const n = this.nodes * this.cfg.embedding_dim;
    if (this.cfg.message_dropout <= 0) return {};
    return Object.fromEntries(this.model.layers.map((_, l) => [maskName(l), { data: keepMask(n, this.cfg.message_dropout, rng), dims: [this.nodes, this.cfg.embedding_dim] }]));
  }

  protected represent(b: Binder, training: boolean) {
    const propagate = propagator(b.graph, this.adj);
    let e = this.model.nodes(b);
    const outputs = [e];
    this.model.layers.forEach((layer, l) => {
      const side = propagate(e);
      const pre = G.add(layer.sum.forward(b, G.add(side, e)), layer.interaction.forward(b, G.mul(side, e)));
      e = G.leakyRelu(pre, this.cfg.leaky_slope);
      if (training && this.masks.length) e = G.dropout(e, this.masks[l], this.cfg.message_dropout);
      outputs.push(G.l2Normalize(e, -1));
    });
    return splitNodes(G.concat(outputs, 1), this.ds.nUsers, this.ds.nItems);
  }
}

export const ngcfSpec: BackboneSpec = {
  name: 'ngcf',
  description: 'NGCF: graph convolution with sum and bi-interaction messages, concatenated layers, BPR',
  defaults: NGCF_DEFAULTS,
  settings: { message_dropout: rangeOf.rate, leaky_slope: { type: 'number', min: 0, max: 1 } },
  create: (ds, config) => new Ngcf(ds, config as typeof NGCF_DEFAULTS),
};
