// Cold start: the student graph of an exported model — a brand-new item's raw modality features →
// the item extractor (SGFD's student, or the vanilla Linear/deep extractor) → per-modality features
// f_m → the backbone's own cold-start rule (its `coldStart` method) → `item_embedding`, the item
// row scored against the exported user rows. A `teacher-*` run
// scores with the stage-1 teacher's features cached per item; its student runs the teacher network
// kept with the run (teacher.safetensors) on the raw features: the same features, then the rule.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as G from '../graph/index.ts';
import { type Value } from '../graph/index.ts';
import { InitializerBinder, type Binder } from '../nn/index.ts';
import { type ColdStartRule, ColdStartUnsupported } from '../backbones/index.ts';
import { STUDENT_IO } from '../model/index.ts';
import { ItemExtractor } from '../sgfd/index.ts';
import { Sgfd } from '../sgfd/index.ts';
import { type LoadedRun } from '../run/index.ts';
import { readTeacherParameters, TEACHER_FILES } from '../run/index.ts';


/** The run's item extractor, or a one-line reason why a new item cannot be embedded. */
export function itemExtractor(run: LoadedRun): ItemExtractor {
  const { backbone } = run.config;
  const extractor = (run.backbone.model as { extractor?: unknown }).extractor;
  if (!(extractor instanceof ItemExtractor)) throw new ColdStartUnsupported(`backbone '${backbone}' uses no item features (ID-only): a new item cannot be embedded`);
  if (extractor.kind === 'cached' && !existsSync(join(run.dir, TEACHER_FILES.parameters))) {
    throw new ColdStartUnsupported(`variant '${run.config.variant}' scores with stage-1 teacher features cached per item; the teacher is not part of the run (no ${TEACHER_FILES.parameters}: trained before teacher weights were kept), so a new item cannot be embedded`);
  }
  return extractor;
}

/**
 * What maps a new item's raw features to the features the run scores with: the extractor itself,
 * or — for a cached teacher — the stage-1 teacher network (its parameters become initializers).
 */
function rawToFeatures(run: LoadedRun, extractor: ItemExtractor, b: Binder, raw: Value[]): Value[] {
  if (extractor.kind !== 'cached') {
    // Only `raw` is read for these extractors (linear, deep, sgfd); labels/teacher are training inputs.
    return extractor.allItems(b, { raw, labels: raw[0], labelMask: raw[0], teacher: null });
  }
  const path = join(run.dir, TEACHER_FILES.parameters);
  if (!run.config.teacher) throw new ColdStartUnsupported(`${join(run.dir, 'config.json')}: field teacher: expected the stage-1 teacher's settings, got null`);
  // The same network stage 1 trained and cached its features from (runTraining → ensureTeacher).
  const teacher = new Sgfd(extractor.modalities, run.ds.nLabels, run.config.teacher);
  const values = readTeacherParameters(run.dir)!;
  // Only the teacher network is run here (kept files hold the stage-1 parameters: teacher and classifiers).
  for (const [name, p] of [...teacher.namedParameters('sgfd')].filter(([n]) => n.startsWith('sgfd.teacher.'))) {
    const got = values.get(name)?.length;
    if (got !== p.size) throw new Error(`${path}: tensor '${name}': expected ${p.size} values (the teacher config.json describes), got ${got ?? 'none'}`);
  }
  // Its names (sgfd.teacher.…) are not the backbone's: a cached-teacher backbone has no SGFD parameters.
  return teacher.teacher.features(new InitializerBinder(b.graph, values), raw);
}

/** The cold-start rule of the run's backbone. */
export function coldStartRule(run: LoadedRun): { rule: ColdStartRule; extractor: ItemExtractor } {
  const extractor = itemExtractor(run);
  if (!run.backbone.coldStart) throw new ColdStartUnsupported(`no cold-start rule for backbone '${run.config.backbone}' yet (a backbone defines one as its coldStart method)`);
  const rule = run.backbone.coldStart(extractor);
  if (extractor.kind !== 'cached') return { rule, extractor };
  const teacher = `f_m = the stage-1 teacher's features of the raw features (its network from ${TEACHER_FILES.parameters}: what the run cached per item). `;
  return { rule: { ...rule, description: teacher + rule.description }, extractor };
}

/**
 * The student graph: one input per modality, `<modality>_features` [batch, D_m] float32, → the
 * extractor (or the stage-1 teacher) → the cold-start rule → `item_embedding` [batch, item row
 * width]. Parameters become initializers.
 */
export function studentGraph(run: LoadedRun): { graph: G.Graph; rule: ColdStartRule } {
  const { rule, extractor } = coldStartRule(run);
  const g = new G.Graph('sgfd_student');
  const b = new InitializerBinder(g, run.values);
  const raw = extractor.modalities.map((m) => g.input(STUDENT_IO.features(m.name), 'float32', ['batch', m.dim]));
  const features = rawToFeatures(run, extractor, b, raw);
  g.output(g.moduleScope('cold_start', () => rule.combine(b, features)), STUDENT_IO.itemEmbedding);
  return { graph: g, rule };
}
