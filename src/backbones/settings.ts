// Backbone settings' declared types and ranges: the ones several backbones share live here; a
// backbone declares its own keys (and narrower ranges of shared ones) in its spec's `settings`, and
// cross-setting rules in its `checkConfig`, so adding a backbone touches only its folder and the
// registry. Values are checked by data/setting-range.ts (as the SGFD settings and the trainer's
// options are), before anything is written.
import { type SettingRange } from '../data/index.ts';

export const rangeOf = {
  int: (min: number, max?: number): SettingRange => ({ type: 'int', min, max }),
  /** A loss weight: any number ≥ 0. */
  weight: { type: 'number', min: 0 } as SettingRange,
  /** A probability in [0, 1). */
  rate: { type: 'number', min: 0, max: 1, maxExclusive: true } as SettingRange,
  bool: { type: 'bool' } as SettingRange,
};

/** Settings shared by several backbones (test/train/settings.test.ts: every default has a range and lies in it). */
export const SHARED_SETTINGS: Record<string, SettingRange> = {
  embedding_dim: rangeOf.int(1, 8192),
  n_layers: rangeOf.int(0, 16),
  batch_size: rangeOf.int(1),
  lr: { type: 'number', min: 0, max: 10, minExclusive: true },
  weight_decay: rangeOf.weight,
  reg_weight: rangeOf.weight,
  dropout: rangeOf.rate,
  negatives: rangeOf.int(1, 1000),
  margin: { type: 'number', min: 0 },
};
