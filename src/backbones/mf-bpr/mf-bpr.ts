// MF-BPR (Rendle et al., UAI '09): score(u, i) = ⟨p_u, q_i⟩ over ID embeddings, trained with BPR on
// one uniform negative per positive (an item outside the user's training set) and L2 on the batch
// rows, reg_weight × (‖p_u‖² + ‖q_i⁺‖² + ‖q_i⁻‖²)/2 / B. Adam; embeddings N(0, 0.1²).
import { init, type Binder } from '../../nn/index.ts';
import { type BackboneSpec } from '../backbone.ts';
import { IdEmbeddings, BprDotBackbone } from '../cf-common.ts';
import { type Dataset } from '../../data/index.ts';

/**
 * batch 1024 / lr 2e-3 (was 2048 / 1e-3, which was still improving at the 100-epoch cap on Last.fm
 * and stalled under patience 20 on the synthetic default): plateaus by epoch ≈ 55–70 on both;
 * validation only, seed 1, 2026-12-01 — docs/cf-defaults.md.
 */
export const MF_BPR_DEFAULTS = { embedding_dim: 64, batch_size: 1024, lr: 2e-3, reg_weight: 1e-4 };

class MfBpr extends BprDotBackbone {
  readonly model: IdEmbeddings;
  constructor(ds: Dataset, cfg: typeof MF_BPR_DEFAULTS) {
    super(ds, cfg, 'final');
    this.model = new IdEmbeddings(ds.nUsers, ds.nItems, cfg.embedding_dim, init.normal(0.1));
  }
  protected represent(b: Binder) {
    return { users: b.param(this.model.userEmbedding), items: b.param(this.model.itemEmbedding) };
  }
}

export const mfBprSpec: BackboneSpec = {
  name: 'mf-bpr',
  description: 'MF-BPR: matrix factorisation of ID embeddings, BPR with one uniform negative',
  defaults: MF_BPR_DEFAULTS,
  create: (ds, config) => new MfBpr(ds, config as typeof MF_BPR_DEFAULTS),
};
