// Cold start: how a brand-new item — raw modality features, no ID embedding, no interactions — gets
// the representation the backbone scores with, per backbone. The item extractor (SGFD's student, or
// the vanilla Linear/deep extractor) maps raw features to per-modality features f_m; the rule turns
// them into `item_embedding`, the item row scored against the exported user rows. A `teacher-*` run
// scores with the stage-1 teacher's features cached per item; its student runs the teacher network
// kept with the run (teacher.safetensors) on the raw features: the same features, then the rule.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as G from '../graph/index.ts';
import { type Value } from '../graph/index.ts';
import { InitializerBinder, Linear, type Binder } from '../nn/index.ts';
import { FeatureProjection } from '../backbones/maml/networks.ts';
import { ItemExtractor } from '../sgfd/extractor.ts';
import { Sgfd } from '../sgfd/model.ts';
import { type LoadedRun } from '../train/load-run.ts';
import { readTeacherParameters, TEACHER_FILES } from '../train/teacher-files.ts';

/** Graph input and output names of student.onnx. */
export const STUDENT_IO = {
  features: (modality: string) => `${modality}_features`,
  itemEmbedding: 'item_embedding',
} as const;

export interface ColdStartRule {
  /** What the rule computes, for the model card and the ONNX doc_string. */
  description: string;
  /** item_embedding [batch, item row width] from the extractor's per-modality features, each [batch, d]. */
  combine(b: Binder, features: Value[]): Value;
}

/** Thrown (one line) when a run cannot be exported with a cold-start student. */
export class ColdStartUnsupported extends Error {}

type RuleFactory = (run: LoadedRun, extractor: ItemExtractor) => ColdStartRule;

const mean = (xs: Value[]): Value => (xs.length === 1 ? xs[0] : G.mul(G.sumAll(xs), 1 / xs.length));

const RULES: Record<string, RuleFactory> = {
  // BM3 scores ⟨g(u), g(i)⟩ with g the predictor and i = LightGCN(ID) + ID. Its objective aligns
  // both g(u) and g(f_m) (every modality) with the online item representation i, so g(mean_m f_m)
  // lands where the users' g(u) look for items. (Measured on synthetic data: with 20 % of items
  // replaced by their cold embeddings this keeps test recall@20 at 0.193 of 0.214 warm; g(g(f̄))
  // — closer in cosine to the trained g(i) — gives 0.155.)
  bm3: (run) => {
    const predictor = (run.backbone.model as { predictor?: unknown }).predictor;
    if (!(predictor instanceof Linear)) throw new ColdStartUnsupported(`${run.dir}: bm3 model has no predictor Linear`);
    return {
      description: 'BM3: item_embedding = g(mean_m f_m), g the predictor, f_m the extractor\'s features — BM3 trains g(f_m) and the user '
        + 'side g(u) to align with the online item representation i = LightGCN(ID) + ID. Trained items score with g(i) from their ID embedding and graph.',
      combine: (b, f) => predictor.forward(b, mean(f)),
    };
  },
  // GRCN scores [ID branch ‖ content_1 ‖ … ‖ content_M] with content_m = x_m + Σ_neighbours α·x,
  // x_m = L2(f_m) (vanilla features first get GRCN's LeakyReLU tail). A new item has no ID embedding
  // and no neighbours: the ID branch is zero and content_m = x_m.
  grcn: (_run, extractor) => ({
    description: 'GRCN: item_embedding = [0_d ‖ L2(f_1) ‖ … ‖ L2(f_M)] — a new item has no ID embedding (zero ID branch) and no graph '
      + 'neighbours (content_m = its own normalised feature). Trained items add the confidence-weighted ID propagation and neighbour attention.',
    combine: (b, f) => {
      const tail = extractor.normalised ? (x: Value) => x : (x: Value) => G.leakyRelu(x, 0.01);
      const contents = f.map((x) => G.l2Normalize(tail(x), -1));
      return G.concat([G.zeros(b.graph, 'float32', contents[0].shape, contents[0]), ...contents], 1);
    },
  }),
  // MAML's item row is [v ‖ proj(f)]: the ID embedding v and the feature projection, which the
  // attention reads beside the user. A new item has no v; MAML's feature loss ‖v − proj(f)‖² pulls
  // every trained item's v toward its projection, so proj(f) stands in for it.
  maml: (run) => {
    const projection = (run.backbone.model as { projection?: unknown }).projection;
    if (!(projection instanceof FeatureProjection)) throw new ColdStartUnsupported(`${run.dir}: maml model has no feature projection`);
    return {
      description: 'MAML: item_embedding = [proj(f) ‖ proj(f)], proj the feature projection of the extractor\'s features f — the item row is '
        + '[v ‖ proj(f)] and a new item has no ID embedding v; MAML\'s feature loss pulls each trained v toward proj(f), so proj(f) stands in for it.',
      combine: (b, f) => {
        const p = projection.forward(b, f);
        return G.concat([p, p], 1);
      },
    };
  },
};

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
  const factory = RULES[run.config.backbone];
  if (!factory) throw new ColdStartUnsupported(`no cold-start rule for backbone '${run.config.backbone}' yet (defined for ${Object.keys(RULES).join(', ')})`);
  const rule = factory(run, extractor);
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
