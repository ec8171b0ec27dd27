// Every backbone setting's declared type and range (one table keyed by setting name, with
// `<backbone>.<name>` entries where one backbone needs a narrower range), and the cross-setting
// checks; values are checked against them by data/setting-range.ts (as the SGFD settings and the
// trainer's options are), before anything is written.
import { type ConfigValue } from './backbone.ts';
import { type SettingRange } from '../data/setting-range.ts';

const int = (min: number, max?: number): SettingRange => ({ type: 'int', min, max });
const weight: SettingRange = { type: 'number', min: 0 };
const rate: SettingRange = { type: 'number', min: 0, max: 1, maxExclusive: true };
const bool: SettingRange = { type: 'bool' };

/**
 * The backbone settings (every key of every backbone's `*_DEFAULTS`; test/train/settings.test.ts
 * checks that each has an entry and that every default lies in it).
 */
export const BACKBONE_SETTINGS: Record<string, SettingRange> = {
  embedding_dim: int(1, 8192),
  n_layers: int(0, 16),
  batch_size: int(1),
  lr: { type: 'number', min: 0, max: 10, minExclusive: true },
  weight_decay: weight,
  reg_weight: weight,
  cl_weight: weight,
  feature_weight: weight,
  cov_weight: weight,
  cor_weight: weight,
  dropout: rate,
  message_dropout: rate,
  leaky_slope: { type: 'number', min: 0, max: 1 },
  negatives: int(1, 1000),
  'cml.negatives': int(2, 1000),
  margin: { type: 'number', min: 0 },
  routing_iterations: int(1, 100),
  routing: { type: 'enum', values: ['users', 'reference-noop'] },
  pruning: bool,
  rank_weight: bool,
  train_only_embeddings: bool,
  n_factors: int(1, 1024),
  n_iterations: int(1, 100),
  cor_rows: int(1),
};

/** Checks across one backbone's settings, after each passed its own range. */
const CROSS_CHECKS: Record<string, (c: Record<string, ConfigValue>) => string | null> = {
  dgcf: (c) => (Number(c.embedding_dim) % Number(c.n_factors) === 0 ? null : `setting 'dgcf.embedding_dim' (${c.embedding_dim}) must be a multiple of dgcf.n_factors (${c.n_factors})`),
};

/** The declared range of `backbone`'s setting `key` (its own entry first). */
export function backboneSettingRange(backbone: string, key: string): SettingRange {
  const r = BACKBONE_SETTINGS[`${backbone}.${key}`] ?? BACKBONE_SETTINGS[key];
  if (!r) throw new Error(`setting '${backbone}.${key}' has no declared range (src/backbones/settings.ts)`);
  return r;
}

/** Throws the first cross-setting violation of a resolved backbone config. */
export function crossCheckBackbone(backbone: string, config: Record<string, ConfigValue>): void {
  const problem = CROSS_CHECKS[backbone]?.(config);
  if (problem) throw new Error(problem);
}
