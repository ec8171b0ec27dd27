// Step `teacher`: SGFD's stage 1 on its own — the teacher trained on item labels (or reused from the
// teacher cache, sgfd/teacher-cache.ts), its held-out accuracy per modality against the majority-class
// rate (teacher.json) and its parameters and per-item features, in the layout runs use. Training runs
// with the same data and teacher settings (latent size = the backbone's embedding_dim, teacher seed
// and lr at their defaults) reuse this very teacher from the cache instead of training their own.
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { readDataset } from '../../data/index.ts';
import { sgfdConfig } from '../../sgfd/index.ts';
import { ensureTeacher, accuracyText } from '../../sgfd/index.ts';
import { distillDecision, usefulnessWarnings } from '../../sgfd/index.ts';
import { TEACHER_FILES, keepTeacher } from '../../run/index.ts';
import type { PipelineSpec } from '../spec.ts';
import { artifact, type StepContext, type StepDefinition } from '../step.ts';

export const TEACHER_REPORT = TEACHER_FILES.report;
export const TEACHER_FEATURES = TEACHER_FILES.features;
export type { KeptTeacherReport as TeacherReport } from '../../run/index.ts';

const configOf = (spec: PipelineSpec) => {
  const t = spec.teacher!;
  return { ...t, sgfd: sgfdConfig(t.profile, { latentDim: t.latent_dim, delta: t.delta }) };
};

export const teacherStep: StepDefinition = {
  name: 'teacher',
  config: configOf,
  run: async (ctx: StepContext) => {
    const t = configOf(ctx.spec);
    const dataDir = artifact(ctx, 'data', 'dataset');
    const ds = readDataset(dataDir);
    const threads = ctx.spec.train?.threads ?? 2;
    const r = await ensureTeacher(ds, t.sgfd, {
      dataDir, stage: { epochs: t.epochs, lr: t.lr, seed: t.seed }, session: { threads }, log: ctx.log,
      onEpoch: (e, loss) => { if (e === t.epochs || e % 10 === 0) ctx.log(`teacher epoch ${e}/${t.epochs}: loss ${loss.toFixed(4)}`); },
    });
    mkdirSync(ctx.dir, { recursive: true });
    keepTeacher(ctx.dir, ds, r, { parameters: true });
    // What paper-profile runs will do with each modality by default (they decide for themselves, per sgfd.distillUninformative).
    const warnings = usefulnessWarnings(r.report.usefulness.modalities, distillDecision(r.report.usefulness.modalities, false));
    const files = [TEACHER_FILES.report, TEACHER_FILES.features, TEACHER_FILES.parameters].map((f) => join(ctx.dir, f));
    return {
      artifacts: { report: files[0], features: files[1], parameters: files[2] },
      digestOf: files,
      summary: [`teacher ${accuracyText(r.report)}; cache ${r.key.slice(0, 12)}${r.reused ? ' (reused)' : ''}`, ...warnings],
    };
  },
};
