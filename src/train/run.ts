// A whole training run from resolved settings: dataset, SGFD stage 1 when the profile asks for it,
// the backbone, the trainer; writes config.json beside the trainer's outputs.
import { join, resolve } from 'node:path';
import { existsSync, mkdirSync } from 'node:fs';
import { readDataset } from '../data/arrow-io.ts';
import { type Dataset } from '../data/dataset.ts';
import { backboneSpec, resolveBackboneConfig, coerce, type ConfigValue } from '../backbones/index.ts';
import { sgfdConfig, PROFILES, type Profile, type SgfdConfig } from '../sgfd/config.ts';
import { trainTeacher, cacheTeacherFeatures } from '../sgfd/teacher-stage.ts';
import { train, type TrainOptions, type RunMetrics } from './trainer.ts';
import { RUN_FILES, writeJson, readJson } from './files.ts';

export interface RunSettings {
  data: string;
  backbone: string;
  sgfd: boolean;
  profile: Profile;
  /** `key=value` overrides: backbone keys, or `sgfd.<field>` for SGFD switches. */
  set: Record<string, string>;
  teacherEpochs: number;
  train: TrainOptions;
}

export interface ResolvedConfig {
  version: 1;
  dataset: { path: string; name: string; synthetic: boolean; users: number; items: number; modalities: Record<string, number>; labels: number };
  backbone: string;
  backbone_config: Record<string, ConfigValue>;
  sgfd: SgfdConfig | null;
  teacher_epochs: number | null;
  train: Omit<TrainOptions, 'quiet' | 'resume' | 'haltAfter' | 'worker'>;
}

/** Splits `--set` pairs into backbone and SGFD settings, checking every key and value. */
export function resolveSettings(s: RunSettings, ds: Dataset): ResolvedConfig {
  const spec = backboneSpec(s.backbone);
  const own: Record<string, string> = {};
  const sg: Record<string, ConfigValue> = {};
  const sgfdKeys = Object.keys(PROFILES.paper).filter((k) => k !== 'profile' && k !== 'latentDim');
  for (const [key, value] of Object.entries(s.set)) {
    if (!key.startsWith('sgfd.')) { own[key] = value; continue; }
    const field = key.slice(5);
    if (!s.sgfd) throw new Error(`--set ${key}: SGFD settings need --sgfd`);
    if (!sgfdKeys.includes(field)) throw new Error(`unknown SGFD setting '${key}': valid keys are ${sgfdKeys.map((k) => `sgfd.${k}`).join(', ')}`);
    sg[field] = coerce(key, value, PROFILES.paper[field as keyof SgfdConfig] as ConfigValue);
  }
  const backboneConfig = resolveBackboneConfig(spec, own);
  const sgfd = s.sgfd ? sgfdConfig(s.profile, { ...sg, latentDim: Number(backboneConfig.embedding_dim ?? 128) } as Partial<SgfdConfig>) : null;
  if (sgfd && (!ds.labels || ds.nLabels < 2)) throw new Error(`--sgfd: dataset '${ds.meta.name}' has no category labels (items.arrow column 'label')`);
  const { quiet: _q, resume: _r, haltAfter: _h, worker: _w, ...train } = s.train;
  return {
    version: 1,
    dataset: { path: resolve(s.data), name: ds.meta.name, synthetic: ds.meta.synthetic, users: ds.nUsers, items: ds.nItems, modalities: Object.fromEntries(ds.modalities.map((m) => [m.name, m.dim])), labels: ds.nLabels },
    backbone: s.backbone, backbone_config: backboneConfig, sgfd, teacher_epochs: sgfd?.twoStage ? s.teacherEpochs : null, train,
  };
}

/** Trains one run into `out`; returns its metrics (null when halted early on purpose). */
export async function runTraining(s: RunSettings, out: string, log: (msg: string) => void = () => {}): Promise<RunMetrics | null> {
  const ds = readDataset(s.data);
  const config = resolveSettings(s, ds);
  const configPath = join(out, RUN_FILES.config);
  if (s.train.resume && existsSync(configPath)) {
    const saved = readJson<ResolvedConfig>(configPath);
    const diff = firstDifference(saved, config);
    if (diff) throw new Error(`--resume: ${configPath} differs from these settings at '${diff}'; resume with the original settings`);
  }
  const initial = new Map<string, Float32Array>();
  let cache: Float32Array[] | null = null;
  if (config.sgfd?.twoStage) {
    log(`SGFD stage 1: training the teacher on labels (${s.teacherEpochs} epochs)`);
    const t = await trainTeacher(ds, config.sgfd, { epochs: s.teacherEpochs, seed: s.train.seed, session: { device: s.train.device, threads: s.train.threads } });
    log(`teacher held-out accuracy: ${JSON.stringify(t.accuracy)}`);
    cache = await cacheTeacherFeatures(t.model, t.values, ds);
    for (const [k, v] of t.values) initial.set(k, v);
  }
  const backbone = backboneSpec(config.backbone).create(ds, config.backbone_config, config.sgfd, cache);
  // Stage-1 values land on the backbone's SGFD parameters with the same path below `sgfd.`.
  const remapped = new Map<string, Float32Array>();
  for (const name of backbone.model.namedParameters().keys()) {
    const at = name.indexOf('sgfd.');
    if (at >= 0 && initial.has(name.slice(at))) remapped.set(name, initial.get(name.slice(at))!);
  }
  mkdirSync(out, { recursive: true });
  writeJson(configPath, config);
  return train(ds, backbone, out, s.train, remapped);
}

function firstDifference(a: unknown, b: unknown, path = ''): string | null {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return a === b ? null : path || '(root)';
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
    if (d) return d;
  }
  return null;
}
