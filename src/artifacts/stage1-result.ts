// Stage 1's result for a two-stage configuration, obtained the way runTraining obtains it: from the
// content-addressed teacher cache (trained there on a miss), with the distillation decision.
import { type Dataset } from '../data/index.ts';
import { ensureTeacher, type CachedTeacher } from '../sgfd/index.ts';
import { distillDecision, type DistillDecision } from '../sgfd/index.ts';
import { type ResolvedConfig } from '../run/index.ts';
import { type Stage1Settings } from './stage1.ts';

export interface Stage1Result {
  /** Stage-1 parameters (`sgfd.teacher.…`, `sgfd.classifiers.…`). */
  parameters: Map<string, Float32Array>;
  shapes: Map<string, number[]>;
  /** The teacher's features per modality, [nItems, d] each. */
  features: Float32Array[];
  /** Two-stage SGFD: which modalities stage 2 distils. */
  decision: DistillDecision | null;
  cached: CachedTeacher;
}

export async function stage1Result(ds: Dataset, config: ResolvedConfig, dataDir: string, stage: Stage1Settings, o: { threads?: number; log?: (m: string) => void }): Promise<Stage1Result> {
  const t = await ensureTeacher(ds, config.teacher!, { dataDir, stage: { epochs: stage.epochs, seed: stage.seed }, session: { threads: o.threads }, log: o.log });
  const decision = config.sgfd?.twoStage ? distillDecision(t.report.usefulness.modalities, config.sgfd.distillUninformative) : null;
  return { parameters: t.parameters, shapes: t.shapes, features: t.features, decision, cached: t };
}
