// The one file layout of a stage-1 teacher, wherever it is kept (the teacher cache, a run directory,
// the pipeline's teacher step, `sgfd teacher --out`): teacher.json (what it is and how well it
// classifies), teacher.safetensors (its parameters) and teacher_features.safetensors (its features
// per item). Readers check names, shapes and finiteness and say which file is wrong and how.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeSafetensors, decodeSafetensors, CheckpointError } from '../runtime/index.ts';
import { type Dataset } from '../data/index.ts';
import { type SgfdConfig } from './config.ts';
import { Sgfd } from './model.ts';
import { type ModalityUsefulness } from './teacher-usefulness.ts';

export const TEACHER_FILES = {
  report: 'teacher.json',
  parameters: 'teacher.safetensors',
  features: 'teacher_features.safetensors',
} as const;

/** Bump when stage-1 training or this layout changes: every cached teacher is then retrained. */
export const TEACHER_FORMAT = 1;

/** The SgfdConfig fields stage 1 depends on (the rest — τ, λ1, λ2, distances, … — are stage 2's). */
export const TEACHER_CONFIG_FIELDS = [
  'profile', 'latentDim', 'delta', 'teacherActivation', 'featureActivation', 'ceOnProbs', 'fusionActivation', 'useFusion', 'shallowTeacher',
] as const satisfies readonly (keyof SgfdConfig)[];

export type TeacherConfig = Pick<SgfdConfig, (typeof TEACHER_CONFIG_FIELDS)[number]>;

export const teacherConfigOf = (cfg: SgfdConfig): TeacherConfig =>
  Object.fromEntries(TEACHER_CONFIG_FIELDS.map((k) => [k, cfg[k]])) as TeacherConfig;

/** Stage-1 training settings (besides the teacher's SgfdConfig) that change the teacher. */
export interface TeacherStageSettings { epochs: number; batch_size: number; lr: number; weight_decay: number; seed: number; held_out: number }

/** teacher.json */
export interface TeacherReport {
  format: number;
  /** SHA-256 of (format, data digest, teacher config, stage settings): the cache entry's name. */
  key: string;
  /** When the teacher was trained (ISO), and how long it took. */
  created: string;
  seconds: number;
  dataset: string;
  data_digest: string;
  items: number;
  labels: number;
  modalities: Record<string, number>;
  config: TeacherConfig;
  epochs: number;
  stage: TeacherStageSettings;
  held_out_items: number;
  /** Held-out accuracy per modality and of the fused classifier; `chance` = the majority-class rate. */
  accuracy: { modalities: Record<string, number>; fused: number; chance: number };
  majority_rate: number;
  usefulness: { rule: string; modalities: Record<string, ModalityUsefulness> };
  /** Sizes and SHA-256 of the two tensor files, checked when the entry is read back. */
  files: Record<string, { bytes: number; sha256: string }>;
}

/** Trained by stage 1 and kept: the teacher's extractors and fusion, and the classifiers it shares with the student. */
export const isStageOneParameter = (name: string): boolean => name.startsWith('sgfd.teacher.') || name.startsWith('sgfd.classifiers.');

/** Stage-1 parameter shapes for this dataset and teacher config (what a kept teacher must hold). */
export function stageOneShapes(ds: Dataset, cfg: SgfdConfig): Map<string, number[]> {
  const model = new Sgfd(ds.modalities.map((m) => ({ name: m.name, dim: m.dim })), ds.nLabels, cfg);
  return new Map([...model.namedParameters('sgfd')].filter(([n]) => isStageOneParameter(n)).map(([n, p]) => [n, p.shape]));
}

function checkFinite(data: Float32Array, what: string): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new CheckpointError(`${what}: value ${i} is ${data[i]} (not finite)`);
  }
}

export function encodeTeacherFeatures(ds: Dataset, features: Float32Array[]): Buffer {
  const tensors = new Map(ds.modalities.map((m, i) => [m.name, { data: features[i], shape: [ds.nItems, features[i].length / ds.nItems] }]));
  return encodeSafetensors(tensors, { what: 'stage-1 teacher features per item' });
}

/** Per-modality features [nItems, d] (d checked when given), every value finite. */
export function decodeTeacherFeatures(bytes: Uint8Array, source: string, ds: Dataset, dim?: number): Float32Array[] {
  const { tensors } = decodeSafetensors(bytes, source);
  return ds.modalities.map((m) => {
    const t = tensors.get(m.name);
    if (!t) throw new CheckpointError(`${source}: no tensor for modality '${m.name}' (has ${[...tensors.keys()].join(', ') || 'none'})`);
    const [rows, cols] = t.shape;
    if (t.shape.length !== 2 || rows !== ds.nItems || (dim !== undefined && cols !== dim) || !(t.data instanceof Float32Array)) {
      throw new CheckpointError(`${source}: tensor '${m.name}' has shape ${JSON.stringify(t.shape)}; expected float32 [${ds.nItems}, ${dim ?? 'd'}] (one row per item)`);
    }
    checkFinite(t.data, `${source}: tensor '${m.name}'`);
    return t.data;
  });
}

export function encodeTeacherParameters(values: Map<string, Float32Array>, shapes: Map<string, number[]>): Buffer {
  const tensors = new Map([...shapes].map(([name, shape]) => {
    const data = values.get(name);
    if (!data) throw new Error(`stage-1 parameter '${name}' has no value`);
    return [name, { data, shape }];
  }));
  return encodeSafetensors(tensors, { what: 'stage-1 teacher parameters (teacher.json config)' });
}

/** Parameters by name; with `expected`, every expected tensor must be there with its shape, finite. */
export function decodeTeacherParameters(bytes: Uint8Array, source: string, expected?: Map<string, number[]>): Map<string, Float32Array> {
  const { tensors } = decodeSafetensors(bytes, source);
  const out = new Map([...tensors].map(([name, t]) => [name, t.data as Float32Array]));
  for (const [name, shape] of expected ?? []) {
    const t = tensors.get(name);
    if (!t) throw new CheckpointError(`${source}: no tensor '${name}' (the teacher config expects it)`);
    if (JSON.stringify(t.shape) !== JSON.stringify(shape)) throw new CheckpointError(`${source}: tensor '${name}' has shape ${JSON.stringify(t.shape)}; expected ${JSON.stringify(shape)}`);
    checkFinite(t.data as Float32Array, `${source}: tensor '${name}'`);
  }
  return out;
}

/** The features kept in `dir` (a run, the pipeline's teacher step), or null when there are none. */
export function readTeacherFeatures(dir: string, ds: Dataset): Float32Array[] | null {
  const path = join(dir, TEACHER_FILES.features);
  return existsSync(path) ? decodeTeacherFeatures(readFileSync(path), path, ds) : null;
}

/** The parameters kept in `dir`, or null (runs trained before they were kept). */
export function readTeacherParameters(dir: string): Map<string, Float32Array> | null {
  const path = join(dir, TEACHER_FILES.parameters);
  return existsSync(path) ? decodeTeacherParameters(readFileSync(path), path) : null;
}
