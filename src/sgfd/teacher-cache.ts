// Stage 1 once per (dataset, teacher settings). `ensureTeacher` is the only way the teacher gets
// trained: `sgfd teacher`, the pipeline's teacher step and every paper-profile (or teacher-*) run go
// through it, and it trains only when the content-addressed cache holds no usable entry.
//
// Key = SHA-256 of (TEACHER_FORMAT, the data stage 1 reads — the manifest's SHA-256 of items.arrow,
// which holds the features and labels, or a hash of them for a dataset without one —, the teacher's
// SgfdConfig fields that stage 1 depends on, and the stage settings: epochs, batch size, lr, weight
// decay, teacher seed, held-out fraction). Stage-2 settings (τ, λ1, λ2, the backbone, the run seed)
// are not in it, so every trial, seed and variant of a pipeline shares one teacher.
//
// Where: `<root>/teacher/<key>/` with root = the `cacheDir` option, else $SGFD_CACHE_DIR, else
// `<dataset dir>/.sgfd-cache`; when that cannot be written (a read-only dataset), the user cache
// directory ($XDG_CACHE_HOME or ~/.cache)/sgfd instead, and the log says so. Entries are written to a
// temporary directory and renamed into place: a reader never sees half an entry, and when two
// processes race for one key the rename loser discards its copy and uses the winner's.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { MANIFEST_FILE, ITEMS_FILE } from '../data/index.ts';
import { type Dataset } from '../data/index.ts';
import { CheckpointError } from '../runtime/index.ts';
import { type SessionOptions } from '../runtime/index.ts';
import { type SgfdConfig } from './config.ts';
import { trainTeacher, cacheTeacherFeatures, TEACHER_STAGE_DEFAULTS, type TeacherStageOptions } from './teacher-stage.ts';
import { modalityUsefulness, USEFULNESS_RULE } from './teacher-usefulness.ts';
import { TEACHER_FILES, TEACHER_FORMAT, teacherConfigOf, stageOneShapes, isStageOneParameter, encodeTeacherFeatures, decodeTeacherFeatures, encodeTeacherParameters, decodeTeacherParameters, type TeacherReport, type TeacherStageSettings } from './teacher-files.ts';

export const CACHE_ENV = 'SGFD_CACHE_DIR';
export const DATASET_CACHE_DIR = '.sgfd-cache';

export type TeacherStage = Omit<TeacherStageOptions, 'session' | 'onEpoch'>;

export interface EnsureTeacherOptions {
  /** The dataset's directory: its manifest keys the data, its `.sgfd-cache/` holds the cache by default. */
  dataDir?: string;
  /** Cache root (before $SGFD_CACHE_DIR and the dataset directory). */
  cacheDir?: string;
  /** Stage settings over TEACHER_STAGE_DEFAULTS (`seed` is the teacher seed, not a run's). */
  stage?: Partial<TeacherStage>;
  session?: SessionOptions;
  log?: (message: string) => void;
  onEpoch?: (epoch: number, loss: number) => void;
}

export interface CachedTeacher {
  key: string;
  /** The cache entry, or null when no cache location could be written. */
  dir: string | null;
  /** True when no training happened here (a cached entry, or one trained concurrently). */
  reused: boolean;
  report: TeacherReport;
  /** Stage-1 parameters (`sgfd.teacher.…`, `sgfd.classifiers.…`) and their shapes. */
  parameters: Map<string, Float32Array>;
  shapes: Map<string, number[]>;
  /** Teacher features per modality, [nItems, d] each. */
  features: Float32Array[];
}

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');
const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** JSON with sorted keys, so equal settings always hash alike. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v) => (v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]])) : v));
}

export const stageSettings = (o: TeacherStage): TeacherStageSettings =>
  ({ epochs: o.epochs, batch_size: o.batchSize, lr: o.lr, weight_decay: o.weightDecay, seed: o.seed, held_out: o.heldOut });

/** What identifies the data stage 1 reads: items.arrow's SHA-256 from the manifest, else a hash of the features and labels. */
export function teacherDataDigest(ds: Dataset, dataDir?: string): string {
  const manifest = dataDir ? join(dataDir, MANIFEST_FILE) : null;
  if (manifest && existsSync(manifest)) {
    try {
      const sha = (JSON.parse(readFileSync(manifest, 'utf8')) as { files?: Record<string, { sha256?: unknown }> }).files?.[ITEMS_FILE]?.sha256;
      if (typeof sha === 'string') return `${ITEMS_FILE}:${sha}`;
    } catch { /* unreadable: readDataset reports it; hash the content instead */ }
  }
  const h = createHash('sha256');
  h.update(canonical({ items: ds.nItems, labels: ds.nLabels, modalities: ds.modalities.map((m) => [m.name, m.dim]) }));
  if (ds.labels) h.update(bytesOf(ds.labels));
  for (const m of ds.modalities) h.update(bytesOf(m.data));
  return `content:${h.digest('hex')}`;
}

export function teacherKey(dataDigest: string, cfg: SgfdConfig, stage: TeacherStage): string {
  return sha256(canonical({ format: TEACHER_FORMAT, data: dataDigest, config: teacherConfigOf(cfg), stage: stageSettings(stage) }));
}

export const userCacheDir = (): string => join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'sgfd');

/** Teacher cache directories in lookup (and write) order: the configured or dataset one, then the user's. */
export function cacheRoots(o: { cacheDir?: string; dataDir?: string }): string[] {
  const primary = o.cacheDir ?? (process.env[CACHE_ENV] || undefined) ?? (o.dataDir ? join(o.dataDir, DATASET_CACHE_DIR) : undefined);
  return [...new Set([primary, userCacheDir()].filter((r): r is string => !!r).map((r) => resolve(r, 'teacher')))];
}

/** Reads and checks one entry: teacher.json (format, key, recorded sizes and SHA-256), then every tensor's name, shape and finiteness. */
export function readTeacherEntry(dir: string, ds: Dataset, cfg: SgfdConfig, key?: string): Omit<CachedTeacher, 'dir' | 'reused' | 'key'> {
  const reportPath = join(dir, TEACHER_FILES.report);
  if (!existsSync(reportPath)) throw new CheckpointError(`${reportPath}: missing`);
  let report: TeacherReport;
  try { report = JSON.parse(readFileSync(reportPath, 'utf8')) as TeacherReport; } catch (e) {
    throw new CheckpointError(`${reportPath}: not valid JSON (${(e as Error).message})`);
  }
  if (report.format !== TEACHER_FORMAT) throw new CheckpointError(`${reportPath}: format ${report.format}, expected ${TEACHER_FORMAT}`);
  if (key && report.key !== key) throw new CheckpointError(`${reportPath}: key ${report.key}, expected ${key}`);
  const read = (name: string): Buffer => {
    const path = join(dir, name);
    const want = report.files?.[name];
    if (!want) throw new CheckpointError(`${reportPath}: no size and SHA-256 recorded for ${name}`);
    if (!existsSync(path)) throw new CheckpointError(`${path}: missing`);
    const bytes = readFileSync(path);
    if (bytes.length !== want.bytes) throw new CheckpointError(`${path}: ${bytes.length} bytes, teacher.json records ${want.bytes} (truncated or overwritten)`);
    if (sha256(bytes) !== want.sha256) throw new CheckpointError(`${path}: SHA-256 does not match teacher.json (corrupted)`);
    return bytes;
  };
  const shapes = stageOneShapes(ds, cfg);
  const parameters = decodeTeacherParameters(read(TEACHER_FILES.parameters), join(dir, TEACHER_FILES.parameters), shapes);
  const features = decodeTeacherFeatures(read(TEACHER_FILES.features), join(dir, TEACHER_FILES.features), ds, cfg.latentDim);
  return { report, parameters: new Map([...shapes.keys()].map((n) => [n, parameters.get(n)!])), shapes, features };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
export function accuracyText(r: TeacherReport): string {
  const per = Object.entries(r.accuracy.modalities).map(([m, a]) => `${m} ${pct(a)}`).join(', ');
  return `held-out accuracy ${per}, fused ${pct(r.accuracy.fused)} (majority class ${pct(r.majority_rate)}, ${r.held_out_items} items)`;
}

const stamp = () => `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
const fsCode = (e: unknown): string | undefined => (e as NodeJS.ErrnoException)?.code;

/**
 * Writes the entry under `root` via a temporary directory and a rename. Returns 'ours', or 'theirs'
 * when another writer's complete entry was already there (a corrupt one is moved aside and replaced).
 */
function storeEntry(root: string, key: string, files: Record<string, string | Uint8Array>, usable: (dir: string) => boolean): { dir: string; won: boolean } {
  mkdirSync(root, { recursive: true });
  const dir = join(root, key);
  const tmp = join(root, `.${key}.partial-${stamp()}`);
  mkdirSync(tmp);
  try {
    for (const [name, data] of Object.entries(files)) writeFileSync(join(tmp, name), data);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        renameSync(tmp, dir);
        return { dir, won: true };
      } catch (e) {
        if (fsCode(e) !== 'ENOTEMPTY' && fsCode(e) !== 'EEXIST') throw e;
      }
      if (usable(dir)) return { dir, won: false };
      const aside = join(root, `.${key}.bad-${stamp()}`);
      try { renameSync(dir, aside); rmSync(aside, { recursive: true, force: true }); } catch { /* another writer moved it first */ }
    }
    throw new Error(`${dir}: could not replace the unusable cache entry (other writers keep recreating it)`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const inFlight = new Map<string, Promise<CachedTeacher>>();

/** The teacher for (dataset, cfg, stage settings): from the cache when a usable entry exists, else trained and cached. */
export async function ensureTeacher(ds: Dataset, cfg: SgfdConfig, o: EnsureTeacherOptions = {}): Promise<CachedTeacher> {
  const log = o.log ?? (() => {});
  const { session: _s, onEpoch: _e, ...defaults } = TEACHER_STAGE_DEFAULTS;
  const stage: TeacherStage = { ...defaults, ...o.stage };
  if (!ds.labels || ds.nLabels < 2) throw new Error(`dataset '${ds.meta.name}' has no category labels: the SGFD teacher needs them`);
  const digest = teacherDataDigest(ds, o.dataDir);
  const key = teacherKey(digest, cfg, stage);
  const reuse = (t: CachedTeacher): CachedTeacher => {
    log(`stage 1: reusing cached teacher ${key.slice(0, 12)} (trained ${t.report.created}), ${accuracyText(t.report)}${t.dir ? ` — ${t.dir}` : ''}`);
    return { ...t, reused: true };
  };
  // Another run in this process is training the same teacher: wait for it (and take copies of its arrays).
  const running = inFlight.get(key);
  if (running) {
    const t = await running;
    return reuse({ ...t, parameters: new Map([...t.parameters].map(([n, v]) => [n, v.slice()])), features: t.features.map((f) => f.slice()) });
  }
  const roots = cacheRoots(o);
  for (const root of roots) {
    const dir = join(root, key);
    if (!existsSync(dir)) continue;
    try {
      return reuse({ key, dir, reused: true, ...readTeacherEntry(dir, ds, cfg, key) });
    } catch (e) {
      log(`warning: stage 1: cached teacher ${dir} is unusable (${(e as Error).message}); retraining it`);
    }
  }
  const training = trainAndStore(ds, cfg, stage, { key, digest }, roots, o, log);
  inFlight.set(key, training);
  try { return await training; } finally { inFlight.delete(key); }
}

async function trainAndStore(
  ds: Dataset, cfg: SgfdConfig, stage: TeacherStage, { key, digest }: { key: string; digest: string }, roots: string[], o: EnsureTeacherOptions, log: (m: string) => void,
): Promise<CachedTeacher> {
  log(`stage 1: training the teacher on labels (${stage.epochs} epochs, teacher seed ${stage.seed}; cache key ${key.slice(0, 12)})`);
  const t0 = performance.now();
  const r = await trainTeacher(ds, cfg, { ...stage, session: o.session, onEpoch: o.onEpoch });
  const features = await cacheTeacherFeatures(r.model, r.values, ds);
  const shapes = stageOneShapes(ds, cfg);
  const parameters = new Map([...r.values].filter(([n]) => isStageOneParameter(n)));
  const tensorFiles = { [TEACHER_FILES.parameters]: encodeTeacherParameters(parameters, shapes), [TEACHER_FILES.features]: encodeTeacherFeatures(ds, features) };
  const n = r.heldOutItems.length;
  const report: TeacherReport = {
    format: TEACHER_FORMAT, key, created: new Date().toISOString(), seconds: (performance.now() - t0) / 1000,
    dataset: ds.meta.name, data_digest: digest, items: ds.nItems, labels: ds.nLabels,
    modalities: Object.fromEntries(ds.modalities.map((m) => [m.name, m.dim])), config: teacherConfigOf(cfg), epochs: stage.epochs,
    stage: stageSettings(stage), held_out_items: n, accuracy: r.accuracy, majority_rate: r.accuracy.chance,
    usefulness: { rule: USEFULNESS_RULE, modalities: modalityUsefulness(r.accuracy, n) },
    files: Object.fromEntries(Object.entries(tensorFiles).map(([name, b]) => [name, { bytes: b.length, sha256: sha256(b) }])),
  };
  log(`stage 1: teacher ${accuracyText(report)}`);
  const files = { ...tensorFiles, [TEACHER_FILES.report]: JSON.stringify(report, null, 2) + '\n' };
  const failed: string[] = [];
  for (const root of roots) {
    try {
      const { dir, won } = storeEntry(root, key, files, (d) => { try { readTeacherEntry(d, ds, cfg, key); return true; } catch { return false; } });
      if (failed.length) log(`stage 1: cannot write the teacher cache in ${failed.join('; ')}: cached it in ${dir} instead`);
      if (won) {
        log(`stage 1: cached teacher ${key.slice(0, 12)} in ${dir}`);
        return { key, dir, reused: false, report, parameters, shapes, features };
      }
      // Another process finished the same teacher first: use its copy, so every run shares one.
      log(`stage 1: another process cached teacher ${key.slice(0, 12)} first; using its copy in ${dir}`);
      return { key, dir, reused: true, ...readTeacherEntry(dir, ds, cfg, key) };
    } catch (e) {
      if (!fsCode(e)) throw e;
      failed.push(`${root} (${fsCode(e)})`);
    }
  }
  log(`warning: stage 1: could not cache the teacher anywhere (${failed.join('; ')}); this run uses it uncached`);
  return { key, dir: null, reused: false, report, parameters, shapes, features };
}
