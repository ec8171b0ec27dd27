// SGFD configuration: the two profiles (paper, reference) and the individual switches they set.
// See SGFD-SPEC.md for where the authors' code departs from the paper.
import { checkSetting, type SettingRange } from '../data/index.ts';

export type Profile = 'paper' | 'reference';

export interface SgfdConfig {
  profile: Profile;
  /** Latent size d of teacher and student features. */
  latentDim: number;
  /** Teacher width shrink factor δ ≥ 2 (may be non-integer). */
  delta: number;
  /** Distillation temperature τ for L_LD. */
  tau: number;
  /** λ1: weight of L_KD = L_LD + L_FD. */
  kdWeight: number;
  /**
   * λ1's schedule over epochs (ours, not the paper's): 0 keeps λ1 constant (the graph is unchanged);
   * N > 0 decays it linearly, λ1 · max(0, 1 − (e − 1)/N) at epoch e = 1, 2, …, so distillation guides
   * the first N epochs and the backbone's own objective alone shapes the rest. Fed to the train step
   * as the scalar input `sgfd.kd_scale` (losses.ts KD_SCALE_INPUT) at the start of each epoch.
   */
  kdDecayEpochs: number;
  /** λ2: weight of L_CE = L_TCE + L_FCE. */
  ceWeight: number;
  /** LeakyReLU between the teacher's layers (paper) or a linear stack (reference). */
  teacherActivation: boolean;
  /** LeakyReLU(0.01) before the L2 normalisation of teacher and student features. */
  featureActivation: boolean;
  /**
   * What the backbone consumes from the student: `tail` — its features after the teacher's tail
   * (LeakyReLU if featureActivation, then L2), as the paper states; `linear` — the student Linear's
   * output, the same form as the backbone's own extractor (BM3's is a bare Linear), while distillation
   * still compares the tailed features with the teacher's. With `linear`, SGFD at λ1 → 0 is the
   * vanilla backbone again (an extension of ours, not in the paper).
   */
  studentOutput: 'tail' | 'linear';
  /** Reference quirk: cross-entropy applied to softmax probabilities (a double softmax). */
  ceOnProbs: boolean;
  /** Logit distillation distance: element-mean |Δ| (reference) or squared L2 per item (paper). */
  ldDistance: 'l1-mean' | 'squared-l2';
  /** Feature distillation distance: element-mean squared error (reference) or squared L2 per item (paper). */
  fdDistance: 'mse' | 'squared-l2';
  /** Reference: per-modality terms averaged; paper: summed. */
  modalityReduction: 'mean' | 'sum';
  /** Stop the distillation gradient at the teacher (paper); reference lets LD/FD pull the teacher too. */
  detachTeacher: boolean;
  /** Fusion non-linearity σ in f_u = σ(W_u [f_1; …; f_n] + b_u). */
  fusionActivation: 'relu' | 'leaky_relu';
  /** Paper: teacher trained on labels first, then frozen (stage 2 uses cached features). Reference: one stage. */
  twoStage: boolean;
  /** Ablations (Table 3): LD only, FD only, no complementary fusion, shallow teacher. */
  useLd: boolean;
  useFd: boolean;
  useFusion: boolean;
  shallowTeacher: boolean;
  /**
   * Paper profile: distil a modality even when stage 1 found its teacher uninformative (held-out
   * accuracy not significantly above the majority-class rate; sgfd/teacher-usefulness.ts). Default
   * false: such a modality's LD/FD terms are dropped and its student learns from the backbone alone.
   */
  distillUninformative: boolean;
  /**
   * λ3, semantic relation distillation into the ranking representation (ours, not in the paper; BM3
   * only): over the batch's distinct items, the teacher's item-to-item similarity distribution
   * softmax(⟨t_i, t_j⟩/relationTau) is distilled into the backbone's ranking representation's
   * (cross-entropy against softmax(cos(r_i, r_j)/relationTau)). 0: off, and the graph is unchanged.
   */
  relationWeight: number;
  /** Temperature of both similarity distributions of the relation term. */
  relationTau: number;
  /**
   * Set by the run from stage 1's usefulness check, not a setting: the modalities whose LD/FD terms
   * stage 2 keeps (all when absent). When present, per-modality `ld.<m>` / `fd.<m>` terms are reported.
   */
  distilled?: string[];
}

const common = { latentDim: 128, delta: 4, tau: 10, kdWeight: 0.2, kdDecayEpochs: 0, ceWeight: 0.2, featureActivation: true, studentOutput: 'tail' as const, useLd: true, useFd: true, useFusion: true, shallowTeacher: false, distillUninformative: false, relationWeight: 0, relationTau: 0.1 };

export const PROFILES: Record<Profile, SgfdConfig> = {
  reference: {
    ...common, profile: 'reference', teacherActivation: false, ceOnProbs: true, ldDistance: 'l1-mean', fdDistance: 'mse',
    modalityReduction: 'mean', detachTeacher: false, fusionActivation: 'leaky_relu', twoStage: false,
  },
  paper: {
    ...common, profile: 'paper', teacherActivation: true, ceOnProbs: false, ldDistance: 'squared-l2', fdDistance: 'squared-l2',
    modalityReduction: 'sum', detachTeacher: true, fusionActivation: 'relu', twoStage: true,
  },
};

/**
 * Settings added after runs were first written, at the values that reproduce those runs: a saved
 * config.json without them is read as having these (so existing runs are neither stale nor refused
 * on resume just because a later setting exists).
 */
export const SGFD_LATER_SETTINGS: Partial<SgfdConfig> = { relationWeight: 0, relationTau: 0.1, kdDecayEpochs: 0 };

const flag: SettingRange = { type: 'bool' };
const weight: SettingRange = { type: 'number', min: 0 };

/** Every SGFD setting's declared type and range (`distilled` is set by the run, not a setting). */
export const SGFD_SETTINGS: Record<Exclude<keyof SgfdConfig, 'distilled'>, SettingRange> = {
  profile: { type: 'enum', values: ['paper', 'reference'] },
  latentDim: { type: 'int', min: 1, max: 8192 },
  delta: { type: 'number', min: 2, max: 1024 },
  tau: { type: 'number', min: 0, minExclusive: true },
  kdWeight: weight,
  kdDecayEpochs: { type: 'int', min: 0 },
  ceWeight: weight,
  teacherActivation: flag,
  featureActivation: flag,
  studentOutput: { type: 'enum', values: ['tail', 'linear'] },
  ceOnProbs: flag,
  ldDistance: { type: 'enum', values: ['l1-mean', 'squared-l2'] },
  fdDistance: { type: 'enum', values: ['mse', 'squared-l2'] },
  modalityReduction: { type: 'enum', values: ['mean', 'sum'] },
  detachTeacher: flag,
  fusionActivation: { type: 'enum', values: ['relu', 'leaky_relu'] },
  twoStage: flag,
  useLd: flag,
  useFd: flag,
  useFusion: flag,
  shallowTeacher: flag,
  distillUninformative: flag,
  relationWeight: weight,
  relationTau: { type: 'number', min: 0, minExclusive: true },
};

/** One SGFD setting (`--set sgfd.<field>=value`) checked against its declared range. */
export function checkSgfdSetting(field: string, raw: string | number | boolean): string | number | boolean {
  const range = SGFD_SETTINGS[field as keyof typeof SGFD_SETTINGS];
  if (!range) throw new Error(`unknown SGFD setting 'sgfd.${field}': valid keys are ${Object.keys(SGFD_SETTINGS).filter((k) => k !== 'profile' && k !== 'latentDim').map((k) => `sgfd.${k}`).join(', ')}`);
  return checkSetting(`sgfd.${field}`, raw, range);
}

export function sgfdConfig(profile: Profile, overrides: Partial<SgfdConfig> = {}): SgfdConfig {
  const base = PROFILES[profile];
  if (!base) throw new Error(`unknown SGFD profile '${profile}': use paper or reference`);
  const cfg = { ...base, ...overrides };
  for (const [field, range] of Object.entries(SGFD_SETTINGS)) checkSetting(`sgfd.${field}`, cfg[field as keyof typeof SGFD_SETTINGS], range);
  return cfg;
}

/**
 * Teacher widths D → … → d: divide by δ (rounding down) while the next width stays above d, then map
 * straight to d. 4096, d = 128, δ = 4 → [4096, 1024, 256, 128]; 384, δ = 4 → [384, 128].
 */
export function teacherWidths(inputDim: number, latentDim: number, delta: number): number[] {
  const widths = [inputDim];
  let cur = inputDim;
  while (Math.floor(cur / delta) > latentDim) {
    cur = Math.floor(cur / delta);
    widths.push(cur);
  }
  widths.push(latentDim);
  return widths;
}
