// The SGFD objective, assembled here and nowhere else: L_CE = L_TCE + L_FCE (teacher and fusion
// classification) and L_KD = L_LD + L_FD (logit and feature distillation, distances from nn/losses);
// stage 1 minimises L_CE, stage 2 of the paper profile λ1·L_KD, the one-stage reference λ1·L_KD + λ2·L_CE.
import * as G from '../graph/index.ts';
import { type Value } from '../graph/index.ts';
import { type Binder, l1Loss, mseLoss, squaredL2Loss } from '../nn/index.ts';
import { type Sgfd, type StudentOutputs } from './model.ts';
import { type SgfdConfig } from './config.ts';
import { EPOCH_INPUT } from '../runtime/index.ts';

export interface SgfdTerms {
  tce: Value;
  fce: Value;
  ld: Value;
  fd: Value;
  /** Student features per modality (what the backbone consumes). */
  student: Value[];
  /** Teacher features per modality. */
  teacher: Value[];
  /** With a distillation mask (cfg.distilled): `ld.<modality>`, `fd.<modality>`; else empty. */
  perModality: Record<string, Value>;
  /**
   * For the relation term: the batch's distinct item ids (the rows' ids without an index plan) and
   * the distilled modalities' teacher features on them. Set by the item extractor.
   */
  distinct?: { ids: Value; teacher: Value[] };
}

/** Indices of the modalities that get LD/FD terms: those in cfg.distilled (all when absent). */
export function distilledModalities(model: Sgfd): number[] {
  const cfg = model.cfg;
  return model.modalities.map((_, i) => i).filter((i) => !cfg.distilled || cfg.distilled.includes(model.modalities[i].name));
}

/**
 * Cross-entropy of integer labels [B] under `logits` [B, C], averaged over rows whose `mask` is 1
 * (items without a label carry mask 0). With `onProbs`, the logits are first turned into
 * probabilities and fed to the cross-entropy again, as the reference code does.
 */
export function maskedCrossEntropy(logits: Value, labels: Value, mask: Value, onProbs: boolean): Value {
  const z = onProbs ? G.softmax(logits, -1) : logits;
  const picked = G.squeeze(G.gatherElements(G.logSoftmax(z, -1), G.unsqueeze(labels, [1]), 1), [1]);
  return G.div(G.neg(G.reduceSum(G.mul(picked, mask))), G.maximum(G.reduceSum(mask), 1));
}

/** Mean over modalities (reference) or sum (paper). */
function combine(terms: Value[], how: 'mean' | 'sum'): Value {
  const s = G.sumAll(terms);
  return how === 'mean' && terms.length > 1 ? G.mul(s, 1 / terms.length) : s;
}

/**
 * The batch distance of rows a and b. With `weights` [n] (rows computed once per distinct item, each
 * standing for weights[r] batch rows), the same mean taken over the batch rows they stand for.
 */
function distance(a: Value, b: Value, kind: 'l1-mean' | 'mse' | 'squared-l2', weights?: Value): Value {
  if (!weights) return kind === 'l1-mean' ? l1Loss(a, b) : kind === 'mse' ? mseLoss(a, b) : squaredL2Loss(a, b);
  const diff = G.sub(a, b);
  const perRow = G.reduceSum(kind === 'l1-mean' ? G.abs(diff) : G.square(diff), [-1]);
  const width = kind === 'squared-l2' ? 1 : Number(a.shape[a.rank - 1]);
  return G.div(G.reduceSum(G.mul(perRow, weights)), G.mul(G.reduceSum(weights), width));
}

/**
 * L_TCE (each modality's teacher features through its shared classifier C_m, averaged over
 * modalities) and L_FCE (the fused representation through its own classifier; 0 without fusion),
 * with the teacher's logits per modality.
 */
export function classificationTerms(b: Binder, model: Sgfd, teacher: Value[], labels: Value, mask: Value): { tce: Value; fce: Value; logits: Value[] } {
  const cfg = model.cfg;
  const logits = teacher.map((f, i) => model.classifiers[i].forward(b, f));
  const tce = combine(logits.map((z) => maskedCrossEntropy(z, labels, mask, cfg.ceOnProbs)), 'mean');
  const fce = cfg.useFusion
    ? maskedCrossEntropy(model.teacher.fusedClassifier.forward(b, model.teacher.fuse(b, teacher)), labels, mask, cfg.ceOnProbs)
    : b.graph.scalar(0, 'float32');
  return { tce, fce, logits };
}

/** λ1's scale at epoch `epoch` (1-based): 1 without a schedule, else max(0, 1 − (epoch − 1)/N). */
export function kdScale(cfg: Pick<SgfdConfig, 'kdDecayEpochs'>, epoch: number): number {
  const n = cfg.kdDecayEpochs;
  return n > 0 ? Math.max(0, 1 - (epoch - 1) / n) : 1;
}

/** λ1·L_KD; with a schedule, times kdScale computed in the graph from the fed epoch (EPOCH_INPUT). */
function distillation(t: Pick<SgfdTerms, 'ld' | 'fd'>, cfg: SgfdConfig): Value {
  const kd = G.mul(G.add(t.ld, t.fd), cfg.kdWeight);
  const n = cfg.kdDecayEpochs;
  if (!(n > 0)) return kd;
  const epoch = t.ld.graph.input(EPOCH_INPUT, 'float32', []);
  return G.mul(kd, G.relu(G.div(G.sub(n + 1, epoch), n)));
}

/** λ1·L_KD + λ2·L_CE: the one-stage (reference) objective. */
export function jointObjective(t: Pick<SgfdTerms, 'tce' | 'fce' | 'ld' | 'fd'>, cfg: SgfdConfig): Value {
  return G.add(distillation(t, cfg), G.mul(G.add(t.tce, t.fce), cfg.ceWeight));
}

/** What SGFD adds to a backbone's loss: λ1·L_KD when the teacher is frozen (stage 2), else the joint objective. */
export function sgfdObjective(t: Pick<SgfdTerms, 'tce' | 'fce' | 'ld' | 'fd'>, cfg: SgfdConfig): Value {
  return cfg.twoStage ? distillation(t, cfg) : jointObjective(t, cfg);
}

/** Stage 1's objective: L_CE alone (the teacher and its classifiers on labels). */
export function teacherObjective(t: { tce: Value; fce: Value }): Value {
  return G.add(t.tce, t.fce);
}

/**
 * The SGFD loss on a batch of items. `raw[m]` are the modality rows [B, D_m]; `labels` int64 [B]
 * (0 where missing) with `mask` float [B]. `given.teacher`, when present, replaces the teacher's
 * forward pass (the paper profile's frozen teacher, features cached per item; or the joint teacher
 * run once per distinct item), `given.student` the student's (likewise run once per distinct item).
 * `given.weights` [n]: the rows (teacher, distilled student, labels, mask) are the batch's distinct
 * items and each stands for weights[r] batch rows — every term is the batch mean all the same.
 * (`given.student.backbone`, what the backbone consumes, is passed through as it is.)
 */
export function sgfdLoss(b: Binder, model: Sgfd, raw: Value[], labels: Value, mask: Value, given: { teacher?: Value[]; student?: StudentOutputs; weights?: Value } = {}): SgfdTerms {
  const cfg = model.cfg;
  const { distilled: student, backbone: consumed } = given.student ?? model.student.outputs(b, raw);
  const teacher = given.teacher ?? model.teacher.features(b, raw);
  const classify = (i: number, f: Value) => model.classifiers[i].forward(b, f);
  const w = given.weights;
  const { tce, fce, logits: teacherLogits } = classificationTerms(b, model, teacher, labels, w ? G.mul(mask, w) : mask);
  const detach = (v: Value) => (cfg.detachTeacher ? G.stopGradient(v) : v);
  const zero = b.graph.scalar(0, 'float32');
  // Only the modalities in cfg.distilled (all when absent) get LD/FD terms: stage 1 found the others'
  // teachers uninformative. With every modality kept, the graph is exactly the unmasked one.
  const kept = distilledModalities(model);
  const ldTerms = cfg.useLd ? kept.map((i) => {
    const pt = G.softmax(G.mul(detach(teacherLogits[i]), 1 / cfg.tau), -1);
    const ps = G.softmax(G.mul(classify(i, student[i]), 1 / cfg.tau), -1);
    return distance(pt, ps, cfg.ldDistance === 'l1-mean' ? 'l1-mean' : 'squared-l2', w);
  }) : [];
  const fdTerms = cfg.useFd ? kept.map((i) => distance(detach(teacher[i]), student[i], cfg.fdDistance, w)) : [];
  const ld = ldTerms.length ? combine(ldTerms, cfg.modalityReduction) : zero;
  const fd = fdTerms.length ? combine(fdTerms, cfg.modalityReduction) : zero;
  const perModality: Record<string, Value> = {};
  if (cfg.distilled) {
    // Each modality's distance before the modality reduction; 0 for a modality not distilled.
    model.modalities.forEach((m, i) => {
      const k = kept.indexOf(i);
      if (cfg.useLd) perModality[`ld.${m.name}`] = k >= 0 ? ldTerms[k] : zero;
      if (cfg.useFd) perModality[`fd.${m.name}`] = k >= 0 ? fdTerms[k] : zero;
    });
  }
  return { tce, fce, ld, fd, student: consumed, teacher, perModality };
}
