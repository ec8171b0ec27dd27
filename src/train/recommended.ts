// The shipped defaults per backbone: training schedule, backbone settings and SGFD settings that
// `sgfd train` (and pipelines with `recommended: true`) start from. Each entry says where its numbers
// come from; docs/RESULTS.md has the runs behind them. Explicit flags and `--set` always win, and
// `--defaults plain` goes back to the library's bare defaults (each backbone's *_DEFAULTS, the
// trainer's 100 epochs / patience 20, the paper profile's λ1 = λ2 = 0.2, τ = 10).
import { type Profile } from '../sgfd/config.ts';

export interface Recommendation {
  /** Training schedule; `minEpochs` outlasts validation plateaus (best parameters are kept anyway). */
  train: { epochs: number; patience: number; minEpochs: number; evalEvery: number };
  /** Backbone settings, for vanilla and SGFD alike (`--set key=value`). */
  set: Record<string, string>;
  /** SGFD (`--sgfd`): the profile and `sgfd.*` settings. */
  sgfd: { profile: Profile; set: Record<string, string> };
  /** Where the numbers come from: pipeline, data, date. */
  source: string;
}

const plainSchedule = { epochs: 100, patience: 20, minEpochs: 0, evalEvery: 1 };
const paper = { profile: 'paper' as Profile, set: {} };

export const RECOMMENDED: Record<string, Recommendation> = {
  bm3: {
    train: { epochs: 150, patience: 20, minEpochs: 60, evalEvery: 1 },
    set: {},
    // No SGFD setting beat vanilla BM3 on validation (λ1 ∈ {0.02, 0.2} with the bare-Linear student,
    // the 18-trial halving search): SGFD-BM3 ships the least harmful setting measured — the student
    // hands BM3 its bare Linear (BM3's own extractor form) and distillation is a light touch (λ1 =
    // 0.001; the halving search's best SGFD trials had the smallest λ1): −0.7 % Recall@20 (n.s.),
    // −3.3 % NDCG@20 over 5 seeds. At λ1 = 0.2 it costs 4 % Recall@20.
    sgfd: { profile: 'paper', set: { 'sgfd.studentOutput': 'linear', 'sgfd.kdWeight': '0.001' } },
    source: 'pipelines/lastfm-bm3-defaults.yaml, lastfm-bm3-small-kd.yaml and lastfm-bm3.yaml on Last.fm 2K (validation only), 2026-12-01; the backbone keeps its library settings (the halving winner, lr 2e-3, peaked lower); see docs/RESULTS.md',
  },
  grcn: {
    train: { epochs: 80, patience: 10, minEpochs: 0, evalEvery: 1 },
    set: { batch_size: '4096', lr: '0.005' },
    // λ1 × τ ∈ {0.05, 0.2, 1} × {1, 10}, halving at epoch 10 on seed 1: λ1 = 0.05, τ = 1 won on
    // validation Recall@20 (42.8 % vs vanilla's 42.3 %); τ = 1 makes logit distillation bite.
    sgfd: { profile: 'paper', set: { 'sgfd.kdWeight': '0.05', 'sgfd.tau': '1' } },
    source: 'pipelines/lastfm-grcn.yaml on Last.fm 2K (validation only), 2026-12-01 (batch 4096 / lr 5e-3 from the #5 probe: a step propagates over the whole graph, so larger batches are proportionally cheaper); see docs/RESULTS.md',
  },
  lightgcn: {
    train: { epochs: 200, patience: 20, minEpochs: 0, evalEvery: 1 },
    set: { lr: '0.005' },
    sgfd: paper,
    source: 'vanilla LightGCN, seed 1, validation only, 2026-12-01: lr 5e-3 plateaus at epoch 111 of 131 on Last.fm 2K (R@20 42.7%; lr 1e-3 was at 27.8% after 27 epochs, 5e-3 at 36.6%) and at 38 of 58 on the synthetic default (22.0% vs 22.8% for lr 1e-3 at its 100-epoch cap, within noise); see docs/cf-defaults.md',
  },
  maml: {
    train: { epochs: 30, patience: 9, minEpochs: 0, evalEvery: 3 },
    set: { batch_size: '1024' },
    sgfd: paper,
    source: 'pipelines/lastfm-maml.yaml on Last.fm 2K, 2026-12-01 (per-pair attention: an epoch and a full-ranking validation cost ≈ 8 s each); see docs/RESULTS.md',
  },
};

/** The recommendation for `backbone`, or the plain defaults (ID-only baselines have no SGFD entry). */
export function recommendation(backbone: string): Recommendation {
  return RECOMMENDED[backbone] ?? { train: plainSchedule, set: {}, sgfd: paper, source: 'library defaults' };
}

export interface ExplicitChoices {
  sgfd: boolean;
  profile?: Profile;
  set: Record<string, string>;
  epochs?: number;
  patience?: number;
  minEpochs?: number;
  evalEvery?: number;
}

/** Explicit choices over the recommendation (`plain`: over the bare library defaults). */
export function withRecommended(backbone: string, c: ExplicitChoices, plain = false): { profile: Profile; set: Record<string, string>; train: Recommendation['train'] } {
  const r = plain ? { train: plainSchedule, set: {}, sgfd: paper } : recommendation(backbone);
  const sgfdSet = c.sgfd ? r.sgfd.set : {};
  return {
    profile: c.profile ?? r.sgfd.profile,
    set: { ...r.set, ...sgfdSet, ...c.set },
    train: {
      epochs: c.epochs ?? r.train.epochs,
      patience: c.patience ?? r.train.patience,
      minEpochs: c.minEpochs ?? r.train.minEpochs,
      evalEvery: c.evalEvery ?? r.train.evalEvery,
    },
  };
}
