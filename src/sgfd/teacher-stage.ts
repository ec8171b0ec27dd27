// Stage 1 of the paper profile: train the SGFD teacher (extractors, shared classifiers, fusion) on
// item category labels alone, report held-out accuracy, and compute its features per item. Callers
// go through ensureTeacher (teacher-cache.ts), which trains only when no cached teacher matches.
import * as G from '../graph/index.ts';
import { type Value } from '../graph/index.ts';
import { type Binder, initialValues, type OptimizerConfig } from '../nn/index.ts';
import { TrainStep, trainsNatively } from '../runtime/index.ts';
import { runEpoch } from '../runtime/index.ts';
import { compileTrainStep, type LossSpec } from '../nn/index.ts';
import { compileForward } from '../nn/index.ts';
import { type SessionOptions } from '../runtime/index.ts';
import { Sgfd } from './model.ts';
import { classificationTerms, teacherObjective } from './losses.ts';
import { type SgfdConfig } from './config.ts';
import { Rng } from '../data/index.ts';
import { type Dataset } from '../data/index.ts';

export interface TeacherStageOptions {
  epochs: number;
  batchSize: number;
  lr: number;
  weightDecay: number;
  /** The teacher seed (held-out split, initialisation, batch order): a teacher setting, not a run's seed. */
  seed: number;
  /** Fraction of labelled items held out to measure accuracy. */
  heldOut: number;
  session?: SessionOptions;
  onEpoch?: (epoch: number, loss: number) => void;
}

export const TEACHER_STAGE_DEFAULTS: TeacherStageOptions = { epochs: 30, batchSize: 256, lr: 1e-3, weightDecay: 0, seed: 1, heldOut: 0.2 };

export interface TeacherResult {
  model: Sgfd;
  values: Map<string, Float32Array>;
  /** Held-out accuracy per modality (teacher + shared classifier) and of the fused classifier. */
  accuracy: { modalities: Record<string, number>; fused: number; chance: number };
  heldOutItems: Int32Array;
}

/** Features as fixed graph inputs named after the modality; items gathered inside the graph. */
function rawRows(b: Binder, ds: Dataset, ids: Value): Value[] {
  return ds.modalities.map((m) => G.gather(b.graph.input(`features.${m.name}`, 'float32', [ds.nItems, m.dim]), ids));
}
const featureFeeds = (ds: Dataset) => Object.fromEntries(ds.modalities.map((m) => [`features.${m.name}`, { data: m.data, dims: [ds.nItems, m.dim] }]));

/** Stage 1's start for a teacher seed: the held-out split, the model, its initial values and the RNG that goes on to order batches. */
export function teacherStart(ds: Dataset, cfg: SgfdConfig, o: Pick<TeacherStageOptions, 'seed' | 'heldOut'>) {
  if (!ds.labels || ds.nLabels < 2) throw new Error(`dataset '${ds.meta.name}' has no category labels: the SGFD teacher needs them`);
  const labels = ds.labels;
  const rng = new Rng(o.seed);
  const labelled = rng.shuffle(Int32Array.from({ length: ds.nItems }, (_, i) => i).filter((i) => labels[i] >= 0));
  const nHeld = Math.round(labelled.length * o.heldOut);
  const model = new Sgfd(ds.modalities.map((m) => ({ name: m.name, dim: m.dim })), ds.nLabels, cfg);
  const params = model.namedParameters('sgfd');
  return { rng, model, params, held: labelled.slice(0, nHeld), train: labelled.slice(nHeld), values: initialValues(params, rng) };
}

/**
 * Stage 1's objective over the batch input `items` (labelled items) and the fixed inputs `labels`
 * [nItems] and `features.<modality>`: CE of each modality's teacher + shared classifier (and of the fusion).
 */
export function teacherLoss(model: Sgfd, ds: Dataset, cfg: SgfdConfig): (b: Binder) => LossSpec {
  return (b) => {
    const ids = b.graph.input('items', 'int64', ['B']);
    const y = G.gather(b.graph.input('labels', 'int64', [ds.nItems]), ids);
    const ones = G.expand(b.graph.scalar(1, 'float32'), ['B'], ids); // training items are all labelled
    const { tce, fce } = classificationTerms(b, model, model.teacher.features(b, rawRows(b, ds, ids)), y, ones);
    const terms: Record<string, Value> = cfg.useFusion ? { tce, fce } : { tce };
    return { loss: teacherObjective({ tce, fce }), terms };
  };
}

/** Stage 1's optimiser. */
export const teacherOptimizer = (o: Pick<TeacherStageOptions, 'lr' | 'weightDecay'>): OptimizerConfig => ({ type: 'adam', lr: o.lr, weightDecay: o.weightDecay });

export async function trainTeacher(ds: Dataset, cfg: SgfdConfig, partial: Partial<TeacherStageOptions> = {}): Promise<TeacherResult> {
  const o = { ...TEACHER_STAGE_DEFAULTS, ...partial };
  const { rng, model, params, held, train, values } = teacherStart(ds, cfg, o);
  const labels = ds.labels!;
  const optimizer = teacherOptimizer(o);
  // Adam on the native kernel when it is built: the graph's update to the last bit (a 4096-d teacher
  // layer's update is a dozen passes over its weights in the graph, one natively).
  const compiled = compileTrainStep(params, teacherLoss(model, ds, cfg), optimizer, { native: trainsNatively(o.session?.device) });
  const step = await TrainStep.create(compiled, values, optimizer, o.session);
  const labels64 = BigInt64Array.from(labels, (l) => BigInt(Math.max(l, 0)));
  step.setFixedInputs({ ...featureFeeds(ds), labels: { data: labels64, dims: [ds.nItems] } });
  // The trainer's epoch loop over the labelled training items (batches of positions into `train`).
  const feeds = (rows: Int32Array) => ({ items: { data: BigInt64Array.from(rows, (r) => BigInt(train[r])), dims: [rows.length] } });
  for (let e = 0; e < o.epochs; e++) {
    const { sums, steps } = await runEpoch(step, train.length, o.batchSize, rng, feeds);
    o.onEpoch?.(e + 1, sums.loss / steps);
  }
  await step.release();
  const accuracy = await heldOutAccuracy(model, step.values, ds, held);
  return { model, values: step.values, accuracy, heldOutItems: held };
}

async function teacherLogits(model: Sgfd, values: Map<string, Float32Array>, ds: Dataset, items: Int32Array) {
  const fwd = await compileForward(model.namedParameters('sgfd'), (b) => {
    const ids = b.graph.input('items', 'int64', ['B']);
    const feats = model.teacher.features(b, rawRows(b, ds, ids));
    const outs: Record<string, Value> = Object.fromEntries(feats.map((f, i) => [`logits.${i}`, model.classifiers[i].forward(b, f)]));
    outs.fused = model.teacher.fusedClassifier.forward(b, model.teacher.fuse(b, feats));
    return outs;
  });
  const out = await fwd.run(values, { ...featureFeeds(ds), items: { data: BigInt64Array.from(items, BigInt), dims: [items.length] } });
  await fwd.release();
  return out;
}

function argmaxAccuracy(logits: Float32Array, C: number, items: Int32Array, labels: Int32Array): number {
  let right = 0;
  items.forEach((item, r) => {
    let best = 0;
    for (let c = 1; c < C; c++) if (logits[r * C + c] > logits[r * C + best]) best = c;
    if (best === labels[item]) right++;
  });
  return items.length ? right / items.length : Number.NaN;
}

export async function heldOutAccuracy(model: Sgfd, values: Map<string, Float32Array>, ds: Dataset, items: Int32Array): Promise<TeacherResult['accuracy']> {
  const out = await teacherLogits(model, values, ds, items);
  const C = ds.nLabels;
  const counts = new Array(C).fill(0);
  items.forEach((i) => counts[ds.labels![i]]++);
  return {
    modalities: Object.fromEntries(ds.modalities.map((m, i) => [m.name, argmaxAccuracy(out[`logits.${i}`].data as Float32Array, C, items, ds.labels!)])),
    fused: argmaxAccuracy(out.fused.data as Float32Array, C, items, ds.labels!),
    chance: Math.max(...counts) / Math.max(items.length, 1),
  };
}

/** The frozen teacher's features for every item, per modality ([nItems, d] each): stage 2's cache. */
export async function cacheTeacherFeatures(model: Sgfd, values: Map<string, Float32Array>, ds: Dataset): Promise<Float32Array[]> {
  const fwd = await compileForward(model.namedParameters('sgfd'), (b) => {
    const raw = ds.modalities.map((m) => b.graph.input(`features.${m.name}`, 'float32', [ds.nItems, m.dim]));
    return Object.fromEntries(model.teacher.features(b, raw).map((f, i) => [`teacher.${i}`, f]));
  });
  const out = await fwd.run(values, featureFeeds(ds));
  await fwd.release();
  return ds.modalities.map((_, i) => out[`teacher.${i}`].data as Float32Array);
}
