// Every backbone setting's declared type and range (one table keyed by setting name, with
// `<backbone>.<name>` entries where one backbone needs a narrower range), and the checks that turn a
// `--set` string or a pipeline value into a checked value. The same helpers check the SGFD settings
// (sgfd/config.ts) and the trainer's options (train/trainer.ts). Checked before anything is written.
import { type ConfigValue } from './backbone.ts';

/** A setting's type and range: bounds inclusive unless marked exclusive. */
export type SettingRange =
  | { type: 'int'; min?: number; max?: number }
  | { type: 'number'; min?: number; max?: number; minExclusive?: boolean; maxExclusive?: boolean }
  | { type: 'bool' }
  | { type: 'enum'; values: readonly string[] };

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

/** "an integer in [1, 8192]", "a number in (0, 10]", "true or false", "one of users, reference-noop". */
export function describeRange(r: SettingRange): string {
  if (r.type === 'bool') return 'true or false';
  if (r.type === 'enum') return `one of ${r.values.join(', ')}`;
  const what = r.type === 'int' ? 'an integer' : 'a number';
  const lo = r.min === undefined ? null : r.min;
  const hi = r.max === undefined ? null : r.max;
  const minEx = r.type === 'number' && r.minExclusive;
  const maxEx = r.type === 'number' && r.maxExclusive;
  if (lo !== null && hi !== null) return `${what} in ${minEx ? '(' : '['}${lo}, ${hi}${maxEx ? ')' : ']'}`;
  if (lo !== null) return `${what} ${minEx ? '>' : '≥'} ${lo}`;
  if (hi !== null) return `${what} ${maxEx ? '<' : '≤'} ${hi}`;
  return what;
}

/** Whether `v` (already of the range's type) lies in it. */
function inRange(v: ConfigValue, r: SettingRange): boolean {
  if (r.type === 'bool') return typeof v === 'boolean';
  if (r.type === 'enum') return typeof v === 'string' && r.values.includes(v);
  if (typeof v !== 'number' || !Number.isFinite(v)) return false;
  if (r.type === 'int' && !Number.isInteger(v)) return false;
  const minEx = r.type === 'number' && r.minExclusive;
  const maxEx = r.type === 'number' && r.maxExclusive;
  if (r.min !== undefined && (minEx ? !(v > r.min) : !(v >= r.min))) return false;
  if (r.max !== undefined && (maxEx ? !(v < r.max) : !(v <= r.max))) return false;
  return true;
}

/**
 * `raw` (a `--set` string, or a number/boolean from a pipeline file or code) as a value of `r`;
 * anything else is an error naming the setting (or the flag, for a name starting with '-'), what
 * it must be and what it got.
 */
export function checkSetting(name: string, raw: string | ConfigValue, r: SettingRange): ConfigValue {
  const v = settingValue(raw, r);
  if (v === undefined) throw new Error(`${name.startsWith('-') ? name : `setting '${name}'`} must be ${describeRange(r)}, got ${typeof raw === 'string' ? `'${raw}'` : typeof raw === 'number' && Number.isNaN(raw) ? 'a value that is not a number' : String(raw)}`);
  return v;
}

/** `raw` as a value of `r`, or undefined when it is not one. */
export function settingValue(raw: string | ConfigValue, r: SettingRange): ConfigValue | undefined {
  let v: ConfigValue = raw;
  if (r.type === 'bool') {
    if (raw === true || raw === 'true' || raw === '1') v = true;
    else if (raw === false || raw === 'false' || raw === '0') v = false;
  } else if (r.type === 'int' || r.type === 'number') {
    v = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  } else {
    v = String(raw);
  }
  return inRange(v, r) ? v : undefined;
}
