// Item feature extraction inside a backbone: the vanilla extractor (one Linear per modality over raw
// features) or SGFD's student, which replaces it and brings the SGFD loss with it.
import * as G from '../graph/index.ts';
import { type Value } from '../graph/index.ts';
import { Module, Linear, MLP, init, type Binder } from '../nn/index.ts';
import { Sgfd, type ModalitySpec } from './model.ts';
import { distilledModalities, sgfdLoss, sgfdObjective, type SgfdTerms } from './losses.ts';
import { relationLoss } from './relation.ts';
import { type SgfdConfig, teacherWidths } from './config.ts';
import { type Dataset } from '../data/index.ts';

/** Graph inputs an extractor reads: whole tables fed once per run, gathered by item id inside. */
export interface ExtractorTables {
  /** Raw features per modality, [nItems, D_m]. */
  raw: Value[];
  /** Item labels (0 where missing) and their mask (1 labelled, 0 not), [nItems]. */
  labels: Value;
  labelMask: Value;
  /** Paper profile: the frozen teacher's cached features per modality, [nItems, d]. */
  teacher: Value[] | null;
}

export const tableName = {
  raw: (m: string) => `features.${m}`,
  teacher: (m: string) => `teacher_features.${m}`,
  labels: 'item_labels',
  labelMask: 'item_label_mask',
};

/**
 * Without SGFD, what extracts item features (Fig. 3's variants): `linear` — the backbone's own Linear
 * (vanilla); `deep` — a teacher-shaped deep network (δ = 4) trained end to end with the backbone, no
 * labels; `cached` — a label-trained teacher used directly: its features, computed once, are fixed.
 */
export type ExtractorKind = 'linear' | 'deep' | 'cached';

/** The vanilla extractor's initialisers over `inputDim` raw features (BM3's and GRCN's: xavier-normal, PyTorch's bias). */
const vanillaInit = (inputDim: number) => ({ weightInit: init.xavierNormal(), biasInit: init.torchLinear(inputDim) });

export class ItemExtractor extends Module {
  readonly vanilla: (Linear | MLP)[] | null;
  readonly sgfd: Sgfd | null;
  readonly kind: ExtractorKind | 'sgfd';
  constructor(readonly modalities: ModalitySpec[], readonly outDim: number, nLabels: number, readonly cfg: SgfdConfig | null, kind: ExtractorKind = 'linear') {
    super();
    this.kind = cfg ? 'sgfd' : kind;
    // The vanilla extractor as BM3/GRCN build it: xavier-normal weight, PyTorch's default bias.
    const linear = (m: ModalitySpec) => new Linear(m.dim, outDim, vanillaInit(m.dim));
    const deep = (m: ModalitySpec) => new MLP(teacherWidths(m.dim, outDim, 4), { activation: 'leaky_relu', weightInit: init.xavierNormal() });
    this.vanilla = this.kind === 'linear' ? modalities.map(linear) : this.kind === 'deep' ? modalities.map(deep) : null;
    // The student takes the extractor's place and starts where it would; the teacher and classifiers
    // draw from a side stream. So SGFD at λ1 = 0 trains exactly the vanilla backbone (same initial
    // values, same batches and masks), and a difference between the two is distillation's alone.
    this.sgfd = cfg ? new Sgfd(modalities, nLabels, { ...cfg, latentDim: outDim }, vanillaInit) : null;
    this.sgfd?.teacher.setAuxiliary();
    for (const c of this.sgfd?.classifiers ?? []) c.setAuxiliary();
    if (this.sgfd && cfg!.twoStage) {
      // Stage 2 of the paper profile: the label-trained teacher and its classifiers stay frozen.
      this.sgfd.teacher.setTrainable(false);
      for (const c of this.sgfd.classifiers) c.setTrainable(false);
    }
  }

  /** True when the features already end in LeakyReLU + L2 (SGFD's tailed student, a cached teacher). */
  get normalised(): boolean { return this.kind === 'cached' || (this.kind === 'sgfd' && this.cfg!.studentOutput !== 'linear'); }

  /** Declares the tables on the graph (names from `tableName`). */
  tables(g: G.Graph, nItems: number): ExtractorTables {
    const raw = this.modalities.map((m) => g.input(tableName.raw(m.name), 'float32', [nItems, m.dim]));
    const cached = () => this.modalities.map((m) => g.input(tableName.teacher(m.name), 'float32', [nItems, this.outDim]));
    if (!this.sgfd) return { raw, labels: raw[0], labelMask: raw[0], teacher: this.kind === 'cached' ? cached() : null };
    return {
      raw,
      labels: g.input(tableName.labels, 'int64', [nItems]),
      labelMask: g.input(tableName.labelMask, 'float32', [nItems]),
      teacher: this.cfg!.twoStage ? cached() : null,
    };
  }

  /**
   * Features of the items `ids` per modality, and (SGFD) the loss terms on those items; with an index
   * plan on `ids`, also `perItem`: the same features once per distinct item (in run order), for a
   * backbone that runs further row-wise work before spreading them to the rows itself. The row-wise
   * networks (the vanilla extractor, the student, the joint teacher) run once per distinct item of the
   * batch and are spread back to its rows (gatherRuns): the same values for a fraction of the work when
   * items repeat — a BM3 batch of 2048 holds ≈ 1,000 distinct items on Last.fm and Office.
   */
  forward(b: Binder, t: ExtractorTables, ids: Value): { features: Value[]; sgfd: SgfdTerms | null; perItem?: Value[] } {
    if (this.kind === 'cached') return { features: t.teacher!.map((f) => G.gather(f, ids)), sgfd: null };
    const plan = ids.index?.plan?.();
    const raw = t.raw.map((r) => G.gather(r, plan ? G.distinctIds(plan) : ids));
    const toRows = (vs: Value[]): Value[] => (plan ? vs.map((v) => G.gatherRuns(v, plan)) : vs);
    if (!this.sgfd) {
      const perItem = raw.map((x, i) => this.vanilla![i].forward(b, x));
      return { features: toRows(perItem), sgfd: null, ...(plan ? { perItem } : {}) };
    }
    const out = this.sgfd.student.outputs(b, raw);
    // The SGFD terms, too, are computed once per distinct item, each weighted by how many batch rows
    // it stands for (the same batch means); only what the backbone consumes is spread to the rows.
    const rows = plan ? G.distinctIds(plan) : ids;
    const teacher = t.teacher ? t.teacher.map((f) => G.gather(f, rows)) : this.sgfd.teacher.features(b, raw);
    const student = { distilled: out.distilled, backbone: toRows(out.backbone) };
    const weights = plan ? G.runCounts(plan) : undefined;
    const terms = sgfdLoss(b, this.sgfd, raw, G.gather(t.labels, rows), G.gather(t.labelMask, rows), { teacher, student, weights });
    const perItem = plan ? { perItem: out.backbone } : {};
    if (!(this.cfg!.relationWeight > 0)) return { features: terms.student, sgfd: terms, ...perItem };
    const distinct = { ids: rows, teacher: distilledModalities(this.sgfd).map((m) => teacher[m]) };
    return { features: terms.student, sgfd: { ...terms, distinct }, ...perItem };
  }

  /** The tables' feeds: raw features, and for SGFD the labels with their mask and the teacher cache. */
  feeds(ds: Dataset, teacherCache: Float32Array[] | null): Record<string, { data: Float32Array | BigInt64Array; dims: number[] }> {
    const feeds: Record<string, { data: Float32Array | BigInt64Array; dims: number[] }> = {};
    ds.modalities.forEach((m) => { feeds[tableName.raw(m.name)] = { data: m.data, dims: [ds.nItems, m.dim] }; });
    if (this.kind === 'cached') {
      if (!teacherCache) throw new Error('the cached-teacher extractor needs the teacher\'s features (stage 1)');
      teacherCache.forEach((t, m) => { feeds[tableName.teacher(ds.modalities[m].name)] = { data: t, dims: [ds.nItems, this.outDim] }; });
    }
    if (!this.sgfd) return feeds;
    const labels = ds.labels ?? new Int32Array(ds.nItems).fill(-1);
    feeds[tableName.labels] = { data: BigInt64Array.from(labels, (l) => BigInt(Math.max(l, 0))), dims: [ds.nItems] };
    feeds[tableName.labelMask] = { data: Float32Array.from(labels, (l) => (l >= 0 ? 1 : 0)), dims: [ds.nItems] };
    teacherCache?.forEach((t, m) => { feeds[tableName.teacher(ds.modalities[m].name)] = { data: t, dims: [ds.nItems, this.outDim] }; });
    return feeds;
  }

  /** Features of every item (for scoring/export): [nItems, outDim] per modality. */
  allItems(b: Binder, t: ExtractorTables): Value[] {
    if (this.kind === 'cached') return t.teacher!;
    if (!this.sgfd) return t.raw.map((x, i) => this.vanilla![i].forward(b, x));
    return this.sgfd.student.outputs(b, t.raw).backbone;
  }
}

/**
 * Adds the SGFD objective (when present) to a backbone's loss, and its parts to the reported terms.
 * `ranking(ids)`, from a backbone that can say what it ranks items with, enables the relation term
 * (λ3 = cfg.relationWeight > 0): the representation of the items `ids` that the backbone scores with.
 */
export function withSgfd(loss: Value, terms: Record<string, Value>, sgfd: SgfdTerms | null, cfg: SgfdConfig | null, ranking?: (ids: Value) => Value): { loss: Value; terms: Record<string, Value> } {
  if (!sgfd || !cfg) return { loss, terms };
  let objective = sgfdObjective(sgfd, cfg);
  const extra: Record<string, Value> = {};
  if (cfg.relationWeight > 0) {
    if (!ranking || !sgfd.distinct) throw new Error('sgfd.relationWeight > 0 needs a backbone whose ranking representation the relation term can reach (bm3)');
    extra.rel = relationLoss(ranking(sgfd.distinct.ids), sgfd.distinct.teacher, cfg.relationTau);
    objective = G.add(objective, G.mul(extra.rel, cfg.relationWeight));
  }
  return { loss: G.add(loss, objective), terms: { ...terms, sgfd: objective, tce: sgfd.tce, fce: sgfd.fce, ld: sgfd.ld, fd: sgfd.fd, ...sgfd.perModality, ...extra } };
}
