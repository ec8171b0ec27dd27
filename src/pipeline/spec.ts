// What a pipeline file holds: the schema every file is checked against, the types the runner works
// with, and the checks the schema cannot express (backbone, variant and setting names).
import { BACKBONES, backboneSpec, backboneSettingRange, anyBackboneSettingRange } from '../backbones/index.ts';
import { VARIANTS } from '../train/index.ts';
import { PROFILES, SGFD_SETTINGS, type Profile } from '../sgfd/index.ts';
import { describeRange, settingValue, type SettingRange } from '../data/index.ts';
import { SYNTH_DEFAULTS } from '../data/index.ts';
import { IMPORT_FORMATS, type ImportFormat } from '../data/index.ts';
import { EXCLUDE_CHOICES, type ExcludeSeen } from '../score/index.ts';
import { SchemaError, check, str, num, bool, list, obj, map, either, scalar, required, type Schema, type CheckContext } from './schema-check.ts';
import { DEFAULT_REDUCTION_FACTOR, type HalvingSettings } from './halving.ts';
import { TSNE_METHODS, type TsneMethod } from '../report/index.ts';

export const STEP_NAMES = ['data', 'teacher', 'train', 'report', 'export', 'score', 'plots'] as const;
export type StepName = (typeof STEP_NAMES)[number];

export type SettingValue = string | number | boolean;

export interface VariantEntry {
  /** Unique name within a backbone: the run directory and the table row. */
  name: string;
  /** A preset from VARIANTS. */
  variant: string;
  profile: Profile;
  set: Record<string, SettingValue>;
  /** Seeds of this variant's chosen configuration (default: the backbone's). */
  seeds?: number[];
}

/** `search`: the backbone's own search (e.g. ID-only baselines without `weight_decay`), else the train-level one. */
/** `epochs` / `patience` / `eval_every` / `seeds`: the backbone's own training budget, else the train-level one. */
export interface BackboneEntry { name: string; variants: VariantEntry[]; set: Record<string, SettingValue>; search: SearchSpec; epochs: number; patience: number; eval_every: number; min_epochs: number; seeds: number[] }

export const SEARCH_METHODS = ['grid', 'random', 'halving'] as const;

/** `reduction_factor`, `first_rung`, `rungs`: successive halving only (halving.ts). */
export interface SearchSpec extends Partial<HalvingSettings> {
  /** grid: every grid point; random: `trials` of them; halving: the grid (or `trials` of it), cut at rungs. */
  method: (typeof SEARCH_METHODS)[number];
  /** random (default 8) and halving (default: the whole grid): how many grid points to draw (without replacement). */
  trials?: number;
  /** The seed every search trial trains with. */
  seed: number;
  /** Setting → candidate values (`lr`, `weight_decay`, `sgfd.tau`, `sgfd.delta`, `sgfd.kdWeight`, `sgfd.ceWeight`, …). */
  params: Record<string, SettingValue[]>;
}

export interface TrainSpec {
  backbones: BackboneEntry[];
  epochs: number;
  patience: number;
  eval_every: number;
  /** Patience counts only after this many epochs (see TrainOptions.minEpochs). */
  min_epochs: number;
  /** Log gradient norms per loss term and parameter group. */
  grad_norms: boolean;
  metric: string;
  threads: number;
  teacher_epochs: number;
  /** Stage-1 teacher seed (a teacher setting: one cached teacher serves every run seed); default the teacher step's seed, else 1. */
  teacher_seed: number;
  set: Record<string, SettingValue>;
  search: SearchSpec;
  seeds: number[];
  /** Training runs at once (`--jobs` wins); each gets floor(threads / jobs) threads. Never changes results. */
  jobs?: number;
}

export interface DataSpec {
  synth?: Partial<typeof SYNTH_DEFAULTS>;
  import?: {
    format: ImportFormat; inter?: string; dir?: string; input?: string; features: Record<string, string>; labels?: string;
    label_column: string; allow_missing_labels: boolean; normalize: string[]; valid_from_train?: number; kcore?: number; split?: string; seed: number;
    /** mmrec / sgfd-csv: map sparse numeric ids densely (`sgfd data import --reindex`); absent = false. */
    reindex?: boolean;
  };
  path?: string;
}

export interface TsneSpec { perplexity: number; iterations: number; max_items: number; modality: string; seed: number; method: TsneMethod }

export interface PipelineSpec {
  name: string;
  description?: string;
  data?: DataSpec;
  teacher?: { epochs: number; profile: Profile; seed: number; lr: number; latent_dim: number; delta: number };
  train?: TrainSpec;
  report?: { metrics: string[]; baseline: string; alpha: number; title?: string };
  export?: { backbone?: string; variant?: string };
  score?: { k: number; users: string; exclude: ExcludeSeen };
  plots?: { tsne: TsneSpec | false; curves: boolean; bars: boolean; scale: number };
}

const profile = str({ enum: Object.keys(PROFILES), default: 'paper' });
const settings = map(scalar, { default: {} });
const variantEntry = either(
  str({ enum: Object.keys(VARIANTS) }),
  obj({ name: required(str()), variant: required(str({ enum: Object.keys(VARIANTS) })), profile: str({ enum: Object.keys(PROFILES) }), set: settings, seeds: list(num({ integer: true }), { minItems: 1 }) }),
);
const metricName = str();
// `trials` and the halving keys have no schema default: they are filled per method (normaliseSearch).
const searchFields = {
  method: str({ enum: SEARCH_METHODS, default: 'grid' }),
  trials: num({ integer: true, min: 1 }),
  seed: num({ integer: true, default: 1 }),
  params: map(list(scalar, { minItems: 1 }), { default: {} }),
  reduction_factor: num({ integer: true, min: 2 }),
  first_rung: num({ integer: true, min: 1 }),
  rungs: list(num({ integer: true, min: 1 }), { minItems: 1 }),
};

const synthFields = Object.fromEntries(Object.entries(SYNTH_DEFAULTS).map(([k, v]) => [k, num({ min: 0, default: v as number })]));

export const PIPELINE_SCHEMA: Schema = obj({
  name: str(),
  description: str(),
  data: obj({
    synth: obj(synthFields),
    import: obj({
      format: required(str({ enum: IMPORT_FORMATS })), inter: str(), dir: str(), input: str(), features: map(str(), { default: {} }),
      labels: str(), label_column: str({ default: 'label' }), allow_missing_labels: bool({ default: false }), normalize: list(str(), { default: [] }),
      valid_from_train: num({ min: 0, max: 1 }), kcore: num({ integer: true, min: 1 }), split: str(), seed: num({ integer: true, default: 42 }),
      reindex: bool(), // no default: absent leaves the step's configuration (and hash) as before
    }),
    path: str(),
  }),
  teacher: obj({
    epochs: num({ integer: true, min: 1, default: 30 }), profile, seed: num({ integer: true, default: 1 }), lr: num({ min: 0, default: 1e-3 }),
    latent_dim: num({ integer: true, min: 1, default: 128 }), delta: num({ min: 2, default: 4 }),
  }),
  train: obj({
    backbones: required(list(either(str({ enum: Object.keys(BACKBONES) }), obj({
      name: required(str({ enum: Object.keys(BACKBONES) })), variants: list(variantEntry, { minItems: 1 }), set: settings, search: obj(searchFields),
      epochs: num({ integer: true, min: 1 }), patience: num({ integer: true, min: 1 }), eval_every: num({ integer: true, min: 1 }),
      min_epochs: num({ integer: true, min: 0 }),
      seeds: list(num({ integer: true }), { minItems: 1 }),
    })), { minItems: 1 })),
    variants: list(variantEntry, { minItems: 1, default: ['vanilla', 'sgfd'] }),
    profile,
    epochs: num({ integer: true, min: 1, default: 100 }),
    patience: num({ integer: true, min: 1, default: 20 }),
    eval_every: num({ integer: true, min: 1, default: 1 }),
    min_epochs: num({ integer: true, min: 0, default: 0 }),
    grad_norms: bool({ default: false }),
    metric: str({ default: 'recall@20' }),
    threads: num({ integer: true, min: 1, default: 2 }),
    teacher_epochs: num({ integer: true, min: 1 }),
    teacher_seed: num({ integer: true }),
    set: settings,
    search: obj(searchFields, 'defaults'),
    seeds: list(num({ integer: true }), { minItems: 1, default: [1] }),
    jobs: num({ integer: true, min: 1 }),
  }),
  report: obj({ metrics: list(metricName, { minItems: 1, default: ['recall@20', 'ndcg@20'] }), baseline: str({ default: 'vanilla' }), alpha: num({ min: 0, max: 1, default: 0.05 }), title: str() }),
  export: obj({ backbone: str({ enum: Object.keys(BACKBONES) }), variant: str() }),
  score: obj({ k: num({ integer: true, min: 1, default: 20 }), users: str({ default: 'all' }), exclude: str({ enum: EXCLUDE_CHOICES, default: 'train+valid' }) }),
  plots: obj({
    tsne: either(bool(), obj({
      perplexity: num({ min: 2, default: 30 }), iterations: num({ integer: true, min: 50, default: 750 }), max_items: num({ integer: true, min: 10, default: 2000 }),
      modality: str({ default: 'all' }), seed: num({ integer: true, default: 1 }), method: str({ enum: TSNE_METHODS, default: 'barnes-hut' }),
    })),
    curves: bool({ default: true }), bars: bool({ default: true }), scale: num({ min: 0.5, max: 8, default: 2 }),
  }),
});

const TSNE_DEFAULTS = check((PIPELINE_SCHEMA as { fields: Record<string, Schema> }).fields.plots, { tsne: {} }, '(defaults)') as { tsne: TsneSpec };

/** Checks a parsed file and normalises it into a PipelineSpec (variants per backbone, defaults). */
export function toPipelineSpec(raw: unknown, file: string, fallbackName: string, ctx: CheckContext = {}): PipelineSpec {
  const c = check(PIPELINE_SCHEMA, raw, file, '', ctx) as Record<string, any>;
  const spec: PipelineSpec = { ...c, name: c.name ?? fallbackName } as PipelineSpec;
  if (c.data) checkOneSource(c.data, file);
  if (c.train) spec.train = normaliseTrain(c.train, c.teacher, file);
  if (c.plots) spec.plots = { ...c.plots, tsne: c.plots.tsne === false ? false : c.plots.tsne === true || c.plots.tsne === undefined ? TSNE_DEFAULTS.tsne : c.plots.tsne };
  checkNeeds(spec, file);
  if (!/^[A-Za-z0-9._-]+$/.test(spec.name)) throw new SchemaError(`${file}: name: expected letters, digits, '.', '_' or '-' (it names the run directory); got '${spec.name}'`);
  return spec;
}

function checkOneSource(data: Record<string, unknown>, file: string): void {
  const given = ['synth', 'import', 'path'].filter((k) => data[k] !== undefined);
  if (given.length !== 1) throw new SchemaError(`${file}: data: expected exactly one of synth, import, path; got ${given.length ? given.join(' and ') : 'none'}`);
}

function normaliseTrain(t: Record<string, any>, teacher: Record<string, any> | undefined, file: string): TrainSpec {
  const entries = (list: unknown[], at: string): VariantEntry[] => {
    const out = list.map((v, i) => {
      const e = typeof v === 'string' ? { name: v, variant: v, profile: t.profile, set: {} } : { profile: t.profile, ...(v as object) } as VariantEntry;
      checkSettingKeys(e.set, `${at}[${i}].set`, null, VARIANTS[e.variant].sgfd, file);
      return e;
    });
    const dup = out.find((e, i) => out.findIndex((o) => o.name === e.name) !== i);
    if (dup) throw new SchemaError(`${file}: ${at}: variant name '${dup.name}' appears twice; give one of them another name`);
    return out;
  };
  t = { ...t, search: normaliseSearch(t.search, 'train.search', file) };
  const backbones = (t.backbones as unknown[]).map((b, i): BackboneEntry => {
    const at = `train.backbones[${i}]`;
    const o = typeof b === 'string' ? { name: b, set: {} } : (b as { name: string; variants?: unknown[]; set: Record<string, SettingValue>; search?: SearchSpec; epochs?: number; patience?: number; eval_every?: number; min_epochs?: number; seeds?: number[] });
    const variants = entries(o.variants ?? t.variants, o.variants ? `${at}.variants` : 'train.variants');
    checkSettingKeys(o.set, `${at}.set`, o.name, false, file);
    checkSettingKeys(t.set, 'train.set', o.name, false, file);
    const search: SearchSpec = o.search ? normaliseSearch(o.search, `${at}.search`, file) : t.search;
    const searchAt = o.search ? `${at}.search.params` : 'train.search.params';
    checkRungs(search, o.search ? `${at}.search` : 'train.search', o.name, o.epochs ?? t.epochs, o.eval_every ?? t.eval_every, file);
    // `sgfd.*` search keys apply to the SGFD variants only (searchTrials leaves them out elsewhere).
    for (const key of Object.keys(search.params)) {
      if (key !== SEARCH_PROFILE_KEY) checkSettingKeys({ [key]: search.params[key][0] }, searchAt, o.name, true, file);
      search.params[key].forEach((v, j) => checkSettingValue(key, v, `${searchAt}.${key}[${j}]`, o.name, file));
    }
    const sgfdKey = Object.keys(search.params).find((k) => k.startsWith('sgfd.'));
    if (sgfdKey && o.search && !variants.some((v) => VARIANTS[v.variant].sgfd)) throw new SchemaError(`${file}: ${searchAt}.${sgfdKey}: ${SGFD_ONLY}`);
    return { name: o.name, variants, set: o.set, search, epochs: o.epochs ?? t.epochs, patience: o.patience ?? t.patience, eval_every: o.eval_every ?? t.eval_every, min_epochs: o.min_epochs ?? t.min_epochs, seeds: o.seeds ?? t.seeds };
  });
  const sgfdKey = Object.keys(t.search.params).find((k) => k.startsWith('sgfd.'));
  if (sgfdKey && !backbones.some((b) => b.search === t.search && b.variants.some((v) => VARIANTS[v.variant].sgfd))) {
    throw new SchemaError(`${file}: train.search.params.${sgfdKey}: ${SGFD_ONLY}`);
  }
  return { ...t, backbones, teacher_epochs: t.teacher_epochs ?? teacher?.epochs ?? 30, teacher_seed: t.teacher_seed ?? teacher?.seed ?? 1 } as TrainSpec;
}

const HALVING_KEYS = ['reduction_factor', 'first_rung', 'rungs'] as const;

/** Fills the per-method defaults (random: 8 trials; halving: η = 3) and checks the halving keys' combinations. */
function normaliseSearch(search: SearchSpec, at: string, file: string): SearchSpec {
  if (search.method !== 'halving') {
    const stray = HALVING_KEYS.find((k) => search[k] !== undefined);
    if (stray) throw new SchemaError(`${file}: ${at}.${stray}: only with method: halving; got method: ${search.method}`);
    return { ...search, trials: search.trials ?? 8 };
  }
  if (search.rungs && search.first_rung !== undefined) throw new SchemaError(`${file}: ${at}.first_rung: give rungs or first_rung, not both`);
  search.rungs?.forEach((r, i) => {
    if (i > 0 && r <= search.rungs![i - 1]) throw new SchemaError(`${file}: ${at}.rungs[${i}]: expected more epochs than the rung before (${search.rungs![i - 1]}); got ${r}`);
  });
  return { ...search, reduction_factor: search.reduction_factor ?? DEFAULT_REDUCTION_FACTOR };
}

/** Rungs given in the file must be validation epochs below the budget of every backbone the search serves. */
function checkRungs(search: SearchSpec, at: string, backbone: string, epochs: number, evalEvery: number, file: string): void {
  if (search.method !== 'halving') return;
  const given: [string, number][] = search.rungs ? search.rungs.map((r, i) => [`${at}.rungs[${i}]`, r]) : search.first_rung !== undefined ? [[`${at}.first_rung`, search.first_rung]] : [];
  for (const [key, r] of given) {
    if (r >= epochs) throw new SchemaError(`${file}: ${key}: expected fewer epochs than ${backbone}'s training budget (epochs: ${epochs}); got ${r}`);
    if (r % evalEvery) throw new SchemaError(`${file}: ${key}: expected a multiple of ${backbone}'s eval_every (${evalEvery}), so trials are validated at the rung; got ${r}`);
  }
}

const SGFD_ONLY = `SGFD settings need an SGFD variant (${Object.keys(VARIANTS).filter((v) => VARIANTS[v].sgfd).join(', ')})`;

/** A search may vary the SGFD profile itself (a search key only: it picks the preset the other `sgfd.*` keys adjust). */
export const SEARCH_PROFILE_KEY = 'sgfd.profile';

export const SGFD_SETTING_KEYS = Object.keys(PROFILES.paper).filter((k) => k !== 'profile' && k !== 'latentDim').map((k) => `sgfd.${k}`);

/** Setting keys must be the backbone's (`backbone` null: any backbone's) or, where SGFD may run, `sgfd.<field>`. */
function checkSettingKeys(set: Record<string, SettingValue>, at: string, backbone: string | null, sgfdAllowed: boolean, file: string): void {
  const own = backbone ? Object.keys(backboneSpec(backbone).defaults) : [...new Set(Object.values(BACKBONES).flatMap((b) => Object.keys(b.defaults)))];
  for (const key of Object.keys(set)) {
    if (key.startsWith('sgfd.')) {
      if (!SGFD_SETTING_KEYS.includes(key)) throw new SchemaError(`${file}: ${at}.${key}: unknown SGFD setting; allowed: ${SGFD_SETTING_KEYS.join(', ')}`);
      if (!sgfdAllowed) throw new SchemaError(`${file}: ${at}.${key}: ${SGFD_ONLY}`);
    } else if (!own.includes(key)) {
      throw new SchemaError(`${file}: ${at}.${key}: unknown ${backbone ?? 'backbone'} setting; allowed: ${own.join(', ')}${sgfdAllowed ? ', sgfd.<setting>' : ''}`);
    }
    checkSettingValue(key, set[key], `${at}.${key}`, backbone, file);
  }
}

/** A setting's value against its declared type and range (each backbone's spec and backbones/settings.ts, sgfd/config.ts), as `sgfd train --set` checks it. */
function checkSettingValue(key: string, value: SettingValue, at: string, backbone: string | null, file: string): void {
  const range: SettingRange | undefined = key.startsWith('sgfd.')
    ? SGFD_SETTINGS[key.slice(5) as keyof typeof SGFD_SETTINGS]
    : backbone ? backboneSettingRange(backbone, key) : anyBackboneSettingRange(key);
  if (range && settingValue(value, range) === undefined) throw new SchemaError(`${file}: ${at}: expected ${describeRange(range)}; got ${JSON.stringify(value)}`);
}

/** Which earlier steps each step reads. */
export const STEP_NEEDS: Record<StepName, StepName[]> = {
  data: [], teacher: ['data'], train: ['data'], report: ['data', 'train'], export: ['train'], score: ['export'], plots: ['data', 'train'],
};

function checkNeeds(spec: PipelineSpec, file: string): void {
  for (const step of STEP_NAMES) {
    if (!spec[step]) continue;
    const missing = STEP_NEEDS[step].filter((n) => !spec[n]);
    if (missing.length) throw new SchemaError(`${file}: ${step}: needs the step${missing.length > 1 ? 's' : ''} ${missing.join(', ')} in the same file`);
  }
  if (spec.report && spec.train) {
    const names = new Set(spec.train.backbones.flatMap((b) => b.variants.map((v) => v.name)));
    if (!names.has(spec.report.baseline)) throw new SchemaError(`${file}: report.baseline: expected one of the variants ${[...names].join(', ')}; got '${spec.report.baseline}'`);
  }
  if (spec.export?.backbone && spec.train && !spec.train.backbones.some((b) => b.name === spec.export!.backbone)) {
    throw new SchemaError(`${file}: export.backbone: expected one of the trained backbones ${spec.train.backbones.map((b) => b.name).join(', ')}; got '${spec.export.backbone}'`);
  }
}

/** The pipeline's steps in running order. */
export function stepsOf(spec: PipelineSpec): StepName[] {
  return STEP_NAMES.filter((s) => spec[s] !== undefined);
}
