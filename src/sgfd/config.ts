// SGFD configuration: the two profiles (paper, reference) and the individual switches they set.
// See SGFD-SPEC.md for where the authors' code departs from the paper.

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
   * Set by the run from stage 1's usefulness check, not a setting: the modalities whose LD/FD terms
   * stage 2 keeps (all when absent). When present, per-modality `ld.<m>` / `fd.<m>` terms are reported.
   */
  distilled?: string[];
}

const common = { latentDim: 128, delta: 4, tau: 10, kdWeight: 0.2, ceWeight: 0.2, featureActivation: true, studentOutput: 'tail' as const, useLd: true, useFd: true, useFusion: true, shallowTeacher: false, distillUninformative: false };

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

export function sgfdConfig(profile: Profile, overrides: Partial<SgfdConfig> = {}): SgfdConfig {
  const base = PROFILES[profile];
  if (!base) throw new Error(`unknown SGFD profile '${profile}': use paper or reference`);
  const cfg = { ...base, ...overrides };
  if (!(cfg.delta >= 2)) throw new Error(`SGFD delta must be ≥ 2, got ${cfg.delta}`);
  if (!(cfg.tau > 0)) throw new Error(`SGFD tau must be > 0, got ${cfg.tau}`);
  if (cfg.studentOutput !== 'tail' && cfg.studentOutput !== 'linear') throw new Error(`SGFD studentOutput must be tail or linear, got '${cfg.studentOutput}'`);
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
