// Step `teacher`: SGFD's stage 1 on its own — the teacher trained on item labels, its held-out
// accuracy (teacher.json) and its per-item features (teacher_features.safetensors, the file name
// runs use, so readTeacherFeatures reads either). Paper-profile training runs train the same stage
// 1 themselves (one per seed); this step is the reported, inspectable one.
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { readDataset } from '../../data/arrow-io.ts';
import { sgfdConfig } from '../../sgfd/config.ts';
import { trainTeacher, cacheTeacherFeatures } from '../../sgfd/teacher-stage.ts';
import { encodeSafetensors } from '../../runtime/checkpoint.ts';
import { writeAtomic, writeJson } from '../../train/files.ts';
import type { PipelineSpec } from '../spec.ts';
import { artifact, type StepContext, type StepDefinition } from '../step.ts';

export const TEACHER_REPORT = 'teacher.json';
export const TEACHER_FEATURES = 'teacher_features.safetensors';

export interface TeacherReport {
  dataset: string;
  config: unknown;
  epochs: number;
  accuracy: { modalities: Record<string, number>; fused: number; chance: number };
  held_out_items: number;
}

const configOf = (spec: PipelineSpec) => {
  const t = spec.teacher!;
  return { ...t, sgfd: sgfdConfig(t.profile, { latentDim: t.latent_dim, delta: t.delta }) };
};

export const teacherStep: StepDefinition = {
  name: 'teacher',
  config: configOf,
  run: async (ctx: StepContext) => {
    const t = configOf(ctx.spec);
    const ds = readDataset(artifact(ctx, 'data', 'dataset'));
    const threads = ctx.spec.train?.threads ?? 2;
    const r = await trainTeacher(ds, t.sgfd, {
      epochs: t.epochs, lr: t.lr, seed: t.seed, session: { threads },
      onEpoch: (e, loss) => { if (e === t.epochs || e % 10 === 0) ctx.log(`teacher epoch ${e}/${t.epochs}: loss ${loss.toFixed(4)}`); },
    });
    const features = await cacheTeacherFeatures(r.model, r.values, ds);
    mkdirSync(ctx.dir, { recursive: true });
    const tensors = new Map(ds.modalities.map((m, i) => [m.name, { data: features[i], shape: [ds.nItems, t.latent_dim] }]));
    writeAtomic(join(ctx.dir, TEACHER_FEATURES), encodeSafetensors(tensors, { what: 'stage-1 teacher features per item' }));
    const report: TeacherReport = { dataset: ds.meta.name, config: t.sgfd, epochs: t.epochs, accuracy: r.accuracy, held_out_items: r.heldOutItems.length };
    writeJson(join(ctx.dir, TEACHER_REPORT), report);
    const acc = Object.entries(r.accuracy.modalities).map(([m, a]) => `${m} ${(100 * a).toFixed(1)}%`).join(', ');
    return {
      artifacts: { report: join(ctx.dir, TEACHER_REPORT), features: join(ctx.dir, TEACHER_FEATURES) },
      digestOf: [join(ctx.dir, TEACHER_REPORT), join(ctx.dir, TEACHER_FEATURES)],
      summary: [`teacher held-out accuracy: ${acc}, fused ${(100 * r.accuracy.fused).toFixed(1)}% (chance ${(100 * r.accuracy.chance).toFixed(1)}%, ${r.heldOutItems.length} items)`],
    };
  },
};
