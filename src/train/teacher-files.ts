// Stage 1 kept with a run that uses the label-trained teacher directly as its extractor (the
// `teacher-*` variants): its per-item features (what training and scoring read) and its parameters
// (what embeds a new item's raw features the same way: the cold-start student). Written atomically.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeSafetensors, decodeSafetensors } from '../runtime/checkpoint.ts';
import { type Dataset } from '../data/dataset.ts';
import { writeAtomic } from './files.ts';

export const TEACHER_FILES = {
  features: 'teacher_features.safetensors',
  parameters: 'teacher.safetensors',
} as const;

/** Stage 1's per-item teacher features, kept with the run (scoring with a cached-teacher extractor needs them). */
export function writeTeacherFeatures(out: string, ds: Dataset, cache: Float32Array[]): void {
  const tensors = new Map(ds.modalities.map((m, i) => [m.name, { data: cache[i], shape: [ds.nItems, cache[i].length / ds.nItems] }]));
  writeAtomic(join(out, TEACHER_FILES.features), encodeSafetensors(tensors, { what: 'stage-1 teacher features per item' }));
}

export function readTeacherFeatures(dir: string, ds: Dataset): Float32Array[] | null {
  const path = join(dir, TEACHER_FILES.features);
  if (!existsSync(path)) return null;
  const { tensors } = decodeSafetensors(readFileSync(path), path);
  return ds.modalities.map((m) => tensors.get(m.name)!.data as Float32Array);
}

/** Stage 1's parameters by name (`sgfd.teacher.…`, `sgfd.classifiers.…`), with their shapes. */
export function writeTeacherParameters(out: string, values: Map<string, Float32Array>, shapes: Map<string, number[]>): void {
  const tensors = new Map([...values].map(([name, data]) => [name, { data, shape: shapes.get(name) ?? [data.length] }]));
  writeAtomic(join(out, TEACHER_FILES.parameters), encodeSafetensors(tensors, { what: 'stage-1 teacher parameters (config.json teacher)' }));
}

/** The stage-1 parameters kept with the run, or null (runs trained before they were kept). */
export function readTeacherParameters(dir: string): Map<string, Float32Array> | null {
  const path = join(dir, TEACHER_FILES.parameters);
  if (!existsSync(path)) return null;
  const { tensors } = decodeSafetensors(readFileSync(path), path);
  return new Map([...tensors].map(([name, t]) => [name, t.data as Float32Array]));
}
