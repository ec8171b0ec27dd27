// A whole training run from resolved settings: dataset, SGFD stage 1 when the profile asks for it,
// the backbone, the trainer; writes config.json beside the trainer's outputs.
import { join, resolve } from 'node:path';
import { existsSync, mkdirSync } from 'node:fs';
import { type ExtractorKind } from '../sgfd/index.ts';
import { readDataset } from '../data/index.ts';
import { splitCounts, type Dataset } from '../data/index.ts';
import { BACKBONES, backboneSpec, resolveBackboneConfig, type ConfigValue } from '../backbones/index.ts';
import { checkSetting } from '../data/index.ts';
import { sgfdConfig, checkSgfdSetting, PROFILES, type Profile, type SgfdConfig } from '../sgfd/index.ts';
import { TEACHER_STAGE_DEFAULTS } from '../sgfd/index.ts';
import { ensureTeacher } from '../sgfd/index.ts';
import { distillDecision, usefulnessWarnings, type DistillDecision } from '../sgfd/index.ts';
import { train, checkTrainOptions } from './trainer.ts';
import { type TrainOptions, type RunMetrics, type ResolvedConfig } from '../run/index.ts';
import { RUN_FILES, writeJson, readJson, upgradeConfig } from '../run/index.ts';
import { checkRunDir, clearRunDir, writeDatasetRecord } from '../run/index.ts';
import { keepTeacher, TEACHER_FILES, type KeptTeacherReport } from '../run/index.ts';


/**
 * Named presets (the paper's Table 3 ablations and Fig. 3 extractor variants), on any backbone.
 * `teacher-*` use stage 1's label-trained teacher (deep, or one layer) directly as the extractor.
 */
export const VARIANTS: Record<string, { sgfd: boolean; overrides?: Partial<SgfdConfig>; extractor?: ExtractorKind; teacher?: Partial<SgfdConfig>; about: string }> = {
  vanilla: { sgfd: false, about: 'the backbone with its own (shallow, Linear) extractor' },
  sgfd: { sgfd: true, about: 'full SGFD' },
  'sgfd-l': { sgfd: true, overrides: { useFd: false }, about: 'SGFD with logit distillation only (Table 3 SGFD_l)' },
  'sgfd-f': { sgfd: true, overrides: { useLd: false }, about: 'SGFD with feature distillation only (SGFD_f)' },
  'sgfd-e': { sgfd: true, overrides: { useFusion: false }, about: 'SGFD without complementary fusion (SGFD_e)' },
  'sgfd-s': { sgfd: true, overrides: { shallowTeacher: true }, about: 'SGFD with a shallow teacher (SGFD_s)' },
  shallow: { sgfd: false, extractor: 'linear', about: 'Fig. 3 GRCN_l: shallow extractor (= vanilla)' },
  deep: { sgfd: false, extractor: 'deep', about: 'Fig. 3 GRCN_m: deep extractor trained end to end' },
  'teacher-shallow': { sgfd: false, extractor: 'cached', teacher: { shallowTeacher: true }, about: 'Fig. 3 GRCN_s/l: label-trained shallow teacher used as the extractor' },
  'teacher-deep': { sgfd: false, extractor: 'cached', teacher: {}, about: 'Fig. 3 GRCN_m/l: label-trained deep teacher used as the extractor' },
};

export interface RunSettings {
  data: string;
  backbone: string;
  sgfd: boolean;
  /** A preset from VARIANTS (implies sgfd on or off). */
  variant?: string;
  profile: Profile;
  /** `key=value` overrides: backbone keys, or `sgfd.<field>` for SGFD switches. */
  set: Record<string, string>;
  teacherEpochs: number;
  /**
   * Stage-1 teacher seed (default 1): a teacher setting, not the run's seed, so every seed and trial
   * of a configuration shares one cached teacher (sgfd/teacher-cache.ts).
   */
  teacherSeed?: number;
  train: TrainOptions;
  /**
   * Replace a run already in the output directory (finished, or unfinished without `resume`);
   * otherwise that is an error. The pipeline passes it for runs it has judged new or stale.
   */
  force?: boolean;
}

/** Splits `--set` pairs into backbone and SGFD settings, checking every key and value. */
export function resolveSettings(s: RunSettings, ds: Dataset): ResolvedConfig {
  const spec = backboneSpec(s.backbone);
  const variantName = s.variant ?? (s.sgfd ? 'sgfd' : 'vanilla');
  const variant = VARIANTS[variantName];
  if (!variant) throw new Error(`unknown variant '${variantName}': valid variants are ${Object.keys(VARIANTS).join(', ')}`);
  if (s.variant && s.sgfd && !variant.sgfd) throw new Error(`--variant ${variantName} does not use SGFD; drop --sgfd`);
  s = { ...s, sgfd: variant.sgfd };
  const own: Record<string, string> = {};
  const sg: Record<string, ConfigValue> = {};
  const sgfdKeys = Object.keys(PROFILES.paper).filter((k) => k !== 'profile' && k !== 'latentDim');
  for (const [key, value] of Object.entries(s.set)) {
    if (!key.startsWith('sgfd.')) { own[key] = value; continue; }
    const field = key.slice(5);
    if (!s.sgfd) throw new Error(`--set ${key}: SGFD settings need --sgfd`);
    if (!sgfdKeys.includes(field)) throw new Error(`unknown SGFD setting '${key}': valid keys are ${sgfdKeys.map((k) => `sgfd.${k}`).join(', ')}`);
    sg[field] = checkSgfdSetting(field, value);
  }
  checkTrainOptions(s.train);
  checkSetting('--teacher-epochs', s.teacherEpochs, { type: 'int', min: 1 });
  if (s.teacherSeed !== undefined) checkSetting('--teacher-seed', s.teacherSeed, { type: 'int' });
  checkSplits(ds, s.data);
  const backboneConfig = resolveBackboneConfig(spec, own);
  const latentDim = Number(backboneConfig.embedding_dim ?? 128);
  const sgfd = s.sgfd ? sgfdConfig(s.profile, { ...sg, ...variant.overrides, latentDim } as Partial<SgfdConfig>) : null;
  if (sgfd && sgfd.relationWeight > 0 && !spec.rankingRelation) {
    throw new Error(`--set sgfd.relationWeight=${sgfd.relationWeight}: the relation term needs a backbone whose ranking representation it can reach (${Object.keys(BACKBONES).filter((n) => BACKBONES[n].rankingRelation).join(', ')}), not ${s.backbone}`);
  }
  const teacher = sgfd?.twoStage ? sgfd : variant.teacher ? sgfdConfig(s.profile, { ...variant.teacher, latentDim }) : null;
  if ((sgfd || teacher) && (!ds.labels || ds.nLabels < 2)) throw new Error(`variant ${variantName}: dataset '${ds.meta.name}' has no category labels (items.arrow column 'label')`);
  const { quiet: _q, resume: _r, haltAfter: _h, worker: _w, scoreTest: _t, ...train } = s.train;
  return {
    version: 1,
    dataset: { path: resolve(s.data), name: ds.meta.name, synthetic: ds.meta.synthetic, users: ds.nUsers, items: ds.nItems, modalities: Object.fromEntries(ds.modalities.map((m) => [m.name, m.dim])), labels: ds.nLabels },
    backbone: s.backbone, backbone_config: backboneConfig, variant: variantName, extractor: sgfd ? 'sgfd' : variant.extractor ?? 'linear',
    sgfd, teacher, teacher_epochs: teacher ? s.teacherEpochs : null, ...(teacher ? { teacher_seed: s.teacherSeed ?? TEACHER_STAGE_DEFAULTS.seed } : {}), train,
  };
}

/** Training selects on validation and reports test: a dataset without either split is refused. */
function checkSplits(ds: Dataset, dir: string): void {
  const counts = splitCounts(ds.interactions.split);
  const empty = (['valid', 'test'] as const).filter((k) => counts[k] === 0);
  if (!empty.length) return;
  const names = empty.map((k) => (k === 'valid' ? 'validation' : 'test'));
  throw new Error(`${dir}: the ${names.join(' and ')} split${empty.length > 1 ? 's are' : ' is'} empty (0 interactions): training selects on validation and reports test; re-import the data with ${empty.includes('test') ? '--split train,valid,test ratios (or a split column with test rows)' : '--valid-from-train 0.1'}`);
}

/** Trains one run into `out`; returns its metrics (null when halted early on purpose). */
export async function runTraining(s: RunSettings, out: string, log: (msg: string) => void = () => {}): Promise<RunMetrics | null> {
  const ds = readDataset(s.data);
  const config = resolveSettings(s, ds);
  const configPath = join(out, RUN_FILES.config);
  // A run already there is continued only with --resume and replaced only with --force.
  if (checkRunDir(out, s.train.resume, !!s.force) === 'replace') clearRunDir(out);
  if (s.train.resume && existsSync(configPath)) {
    const saved = upgradeConfig(readJson<ResolvedConfig>(configPath));
    const diff = firstDifference(saved, config);
    if (diff) throw new Error(`--resume: ${configPath} differs from these settings at '${diff}'; resume with the original settings`);
  }
  const initial = new Map<string, Float32Array>();
  let cache: Float32Array[] | null = null;
  let decision: DistillDecision | undefined;
  mkdirSync(out, { recursive: true });
  if (config.teacher) {
    // Stage 1 from the teacher cache (trained there on a miss), shared by every run with the same data and teacher settings.
    const t = await ensureTeacher(ds, config.teacher, {
      dataDir: s.data, stage: { epochs: s.teacherEpochs, seed: config.teacher_seed }, session: { device: s.train.device, threads: s.train.threads }, log,
    });
    cache = t.features;
    for (const [k, v] of t.parameters) initial.set(k, v);
    if (config.sgfd?.twoStage) {
      // Only two-stage SGFD knows the teacher's accuracy before distilling: drop uninformative modalities unless forced.
      decision = distillDecision(t.report.usefulness.modalities, config.sgfd.distillUninformative);
      for (const w of usefulnessWarnings(t.report.usefulness.modalities, decision)) log(w);
      checkResumedDecision(s, out, decision);
    }
    // The teacher-* extractors score with these features only; its weights embed a new item the same way.
    keepTeacher(out, ds, t, { parameters: config.extractor === 'cached', distillation: decision });
  }
  const extractor = config.extractor === 'sgfd' ? undefined : config.extractor;
  // With a modality judged uninformative, the loss gets a distillation mask (and per-modality LD/FD terms in the log).
  const sgfd = config.sgfd && decision?.uninformative.length ? { ...config.sgfd, distilled: decision.distilled } : config.sgfd;
  const backbone = backboneSpec(config.backbone).create(ds, config.backbone_config, sgfd, cache, extractor);
  // Stage-1 values land on the backbone's SGFD parameters with the same path below `sgfd.`.
  const remapped = new Map<string, Float32Array>();
  for (const name of backbone.model.namedParameters().keys()) {
    const at = name.indexOf('sgfd.');
    if (at >= 0 && initial.has(name.slice(at))) remapped.set(name, initial.get(name.slice(at))!);
  }
  writeJson(configPath, config);
  writeDatasetRecord(out, s.data, ds);
  return train(ds, backbone, out, s.train, remapped);
}

/** A resumed run must distil the modalities it started with (a retrained teacher might judge differently). */
function checkResumedDecision(s: RunSettings, out: string, decision: DistillDecision): void {
  const path = join(out, TEACHER_FILES.report);
  if (!s.train.resume || !existsSync(path) || !existsSync(join(out, RUN_FILES.checkpoint))) return;
  const before = readJson<KeptTeacherReport>(path).distillation?.distilled;
  if (before && before.join(',') !== decision.distilled.join(',')) {
    throw new Error(`--resume: ${path}: the run started distilling [${before.join(', ')}], stage 1 now says [${decision.distilled.join(', ')}] (the cached teacher changed); retrain the run`);
  }
}

function firstDifference(a: unknown, b: unknown, path = ''): string | null {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return a === b ? null : path || '(root)';
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
    if (d) return d;
  }
  return null;
}
