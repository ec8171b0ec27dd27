// Stage 1 kept with a run, the pipeline's teacher step or `sgfd teacher --out`, in the one teacher
// layout (sgfd/teacher-files.ts): teacher_features.safetensors (what training and scoring read),
// teacher.safetensors (what embeds a new item's raw features the same way: the `teacher-*` runs'
// cold-start student) and teacher.json (the cache entry's report, plus what the run decided). Atomic.
import { join } from 'node:path';
import { type Dataset } from '../data/index.ts';
import { TEACHER_FILES, encodeTeacherFeatures, encodeTeacherParameters, type TeacherReport } from '../sgfd/index.ts';
import { type CachedTeacher } from '../sgfd/index.ts';
import { type DistillDecision } from '../sgfd/index.ts';
import { writeJson } from './files.ts';
import { writeFileAtomic } from '../data/index.ts';

export { TEACHER_FILES, readTeacherFeatures, readTeacherParameters } from '../sgfd/index.ts';

/** Stage 1's per-item teacher features, kept with the run (scoring with a cached-teacher extractor needs them). */
export function writeTeacherFeatures(out: string, ds: Dataset, cache: Float32Array[]): void {
  writeFileAtomic(join(out, TEACHER_FILES.features), encodeTeacherFeatures(ds, cache));
}

/** Stage 1's parameters by name (`sgfd.teacher.…`, `sgfd.classifiers.…`), with their shapes. */
export function writeTeacherParameters(out: string, values: Map<string, Float32Array>, shapes: Map<string, number[]>): void {
  writeFileAtomic(join(out, TEACHER_FILES.parameters), encodeTeacherParameters(values, shapes));
}

/** teacher.json of a directory that keeps a teacher: the cache's report, where it came from, and (runs) the distillation decision. */
export interface KeptTeacherReport extends TeacherReport {
  cache: { key: string; dir: string | null };
  distillation?: DistillDecision;
}

/** Writes the teacher's files into `out`: features and teacher.json always, parameters when asked. */
export function keepTeacher(out: string, ds: Dataset, t: CachedTeacher, o: { parameters: boolean; distillation?: DistillDecision }): KeptTeacherReport {
  writeTeacherFeatures(out, ds, t.features);
  if (o.parameters) writeTeacherParameters(out, t.parameters, t.shapes);
  const report: KeptTeacherReport = { ...t.report, cache: { key: t.key, dir: t.dir }, ...(o.distillation ? { distillation: o.distillation } : {}) };
  writeJson(join(out, TEACHER_FILES.report), report);
  return report;
}
