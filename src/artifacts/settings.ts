// The run settings of `sgfd graphs`, resolved exactly as `sgfd train` resolves its flags (tuned or
// plain defaults, then explicit choices), so a configuration's artifacts are the graphs train runs.
import { TRAIN_DEFAULTS } from '../train/index.ts';
import { withRecommended } from '../train/index.ts';
import { VARIANTS, type RunSettings } from '../train/index.ts';
import { type Profile } from '../sgfd/index.ts';

export interface GraphChoices {
  data: string;
  backbone: string;
  sgfd?: boolean;
  variant?: string;
  profile?: Profile;
  /** `plain`: the bare library defaults; default `tuned` (src/train/recommended.ts), as sgfd train. */
  defaults?: 'tuned' | 'plain';
  set?: Record<string, string>;
  seed?: number;
  /** The schedule `sgfd train` would run (only batching.epochs and the settings digest depend on it). */
  epochs?: number;
  patience?: number;
  teacherEpochs?: number;
  teacherSeed?: number;
  gradNorms?: boolean;
  threads?: number;
}

export function artifactSettings(c: GraphChoices): RunSettings {
  const sgfd = !!c.sgfd || (c.variant !== undefined && !!VARIANTS[c.variant]?.sgfd);
  const r = withRecommended(c.backbone, { sgfd, profile: c.profile, set: c.set ?? {}, epochs: c.epochs, patience: c.patience }, c.defaults === 'plain');
  const schedule = { epochs: r.train.epochs, patience: r.train.patience, ...(r.train.evalEvery !== 1 ? { evalEvery: r.train.evalEvery } : {}), ...(r.train.minEpochs ? { minEpochs: r.train.minEpochs } : {}) };
  return {
    data: c.data, backbone: c.backbone, sgfd: !!c.sgfd, variant: c.variant, profile: r.profile, set: r.set, teacherEpochs: c.teacherEpochs ?? 30, teacherSeed: c.teacherSeed ?? 1,
    train: { ...TRAIN_DEFAULTS, seed: c.seed ?? TRAIN_DEFAULTS.seed, ...schedule, gradNorms: !!c.gradNorms, threads: c.threads ?? TRAIN_DEFAULTS.threads, quiet: true },
  };
}
