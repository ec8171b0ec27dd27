// Stage 1 of a two-stage configuration as artifacts: teacher_step.onnx (the teacher's fused step on
// item labels, as trainTeacher compiles it), teacher_features.onnx (stage 1's parameters → the
// feature tables stage 2 reads) and teacher_initial.safetensors (for the teacher seed).
import * as G from '../graph/index.ts';
import { InputBinder } from '../nn/index.ts';
import { compileTrainStep } from '../nn/index.ts';
import { stepGraphBytes } from '../runtime/index.ts';
import { type Dataset } from '../data/index.ts';
import { type SgfdConfig } from '../sgfd/index.ts';
import { tableName } from '../sgfd/index.ts';
import { teacherStart, teacherLoss, teacherOptimizer, type TeacherStageOptions } from '../sgfd/index.ts';
import { isStageOneParameter } from '../sgfd/index.ts';
import { graphFile, initialFile, type BuiltGraph } from './graph-file.ts';
import { ARTIFACT_FILES, type Stage1Entry } from './manifest.ts';
import { tableSource } from './sources.ts';

export type Stage1Settings = Pick<TeacherStageOptions, 'epochs' | 'batchSize' | 'lr' | 'weightDecay' | 'seed' | 'heldOut'>;

export interface Stage1Build { step: BuiltGraph; features: BuiltGraph; initial: Uint8Array; entry: Stage1Entry }

/** The stage-1 parameter each frozen stage-2 parameter takes its trained value from (runTraining's remapping). */
export function stage1Handoff(stage2Params: Iterable<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of stage2Params) {
    const at = name.indexOf('sgfd.');
    if (at >= 0 && isStageOneParameter(name.slice(at))) out[name.slice(at)] = name;
  }
  return out;
}

export function buildStage1(ds: Dataset, cfg: SgfdConfig, stage: Stage1Settings, stage2Params: string[], applied: boolean, metadata: Record<string, string>): Stage1Build {
  const start = teacherStart(ds, cfg, stage);
  const optimizer = teacherOptimizer(stage);
  const compiled = compileTrainStep(start.params, teacherLoss(start.model, ds, cfg), optimizer);
  const modalities = ds.modalities.map((m) => m.name);
  const data = (name: string) => {
    if (name === 'items') return { role: 'batch' as const, doc: 'labelled item ids of this step (not held out: stage1.held_out_items), batch_size per step, reshuffled each epoch', source: { kind: 'labelled_items' as const } };
    const t = tableSource(name, modalities);
    if (!t) throw new Error(`artifact: no description of the stage-1 input '${name}'`);
    return { role: 'table' as const, ...t };
  };
  const params = new Set(start.params.keys());
  const stepDoc = `Stage 1 of SGFD (${cfg.profile} profile): one fused training step of the teacher (per-modality deep extractors, shared classifiers`
    + `${cfg.useFusion ? ', fusion' : ''}) on item category labels — forward, cross-entropy, backward and the Adam update.`;
  const step = graphFile(ARTIFACT_FILES.teacherStep, 'teacher_step', stepDoc, stepGraphBytes(compiled),
    { step: true, trainable: new Set(compiled.trainable), params, state: new Set(compiled.state.map((s) => s.name)), derived: compiled.derived, data }, metadata);
  step.entry.initial = ARTIFACT_FILES.teacherInitial;
  step.entry.optimizer = { ...optimizer };
  step.entry.batching = { rows: start.train.length, batch_size: stage.batchSize, steps_per_epoch: Math.ceil(start.train.length / stage.batchSize), epochs: stage.epochs };

  const g = new G.Graph('teacher_features');
  const b = new InputBinder(g);
  const raw = ds.modalities.map((m) => g.input(tableName.raw(m.name), 'float32', [ds.nItems, m.dim]));
  start.model.teacher.features(b, raw).forEach((f, i) => g.output(f, tableName.teacher(modalities[i])));
  const outputDocs = Object.fromEntries(modalities.map((m) => [tableName.teacher(m), `the teacher's ${m} features of every item (LeakyReLU + L2 tail), row i = item i: stage 2's input of the same name`]));
  const features = graphFile(ARTIFACT_FILES.teacherFeatures, 'teacher_features',
    'Stage 1 → stage 2: the teacher\'s features of every item per modality, computed once with stage 1\'s trained parameters (the frozen teacher\'s cache).',
    G.serialize(g), { step: false, trainable: new Set(), params, state: new Set(), derived: [], data, outputDocs }, metadata);

  const handoff = stage1Handoff(stage2Params);
  return {
    step, features,
    initial: initialFile([step.entry], start.values, `stage-1 teacher, teacher seed ${stage.seed}`),
    entry: {
      epochs: stage.epochs, batch_size: stage.batchSize, lr: stage.lr, weight_decay: stage.weightDecay, seed: stage.seed,
      held_out_items: Array.from(start.held), train_items: start.train.length, applied, handoff,
      note: applied
        ? 'initial.safetensors already holds stage 1\'s trained values for the handoff parameters, and teacher_features.safetensors the tables teacher_features.onnx computes from them: run train_step.onnx directly'
        : 'stage 1 not run: the handoff parameters in initial.safetensors hold untrained values. Train teacher_step.onnx for `epochs`, then copy each handoff '
          + 'parameter into initial.safetensors and compute the teacher_features.* tables with teacher_features.onnx before stage 2',
    },
  };
}
