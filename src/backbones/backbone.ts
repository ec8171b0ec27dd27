// What every backbone provides to the trainer and the evaluator, and its configuration keys.
import { type SettingRange } from '../data/index.ts';
import * as G from '../graph/index.ts';
import { type Value } from '../graph/index.ts';
import { type Module, type Binder, type OptimizerConfig } from '../nn/index.ts';
import { type BatchTensor } from '../runtime/index.ts';
import { type LossSpec } from '../nn/index.ts';
import { type Dataset } from '../data/index.ts';
import { type Rng } from '../data/index.ts';
import { type SgfdConfig } from '../sgfd/index.ts';
import { type ExtractorKind, type ItemExtractor } from '../sgfd/index.ts';
import { type ColdStartRule } from './cold-start-rule.ts';
import { type PairKernelWeights } from '../eval/index.ts';

export type ConfigValue = number | string | boolean;

export interface BackboneSpec {
  name: string;
  description: string;
  /** Every configuration key with its default; `--set key=value` may change only these. */
  defaults: Record<string, ConfigValue>;
  /** Declared ranges of this backbone's own keys, and narrower ones of shared keys (settings.ts SHARED_SETTINGS). */
  settings?: Record<string, SettingRange>;
  /** A rule across settings, checked after each passed its range: the problem in one line, or null. */
  checkConfig?(config: Record<string, ConfigValue>): string | null;
  /** True when its loss hands SGFD's relation term (sgfd.relationWeight) the representation it ranks items with. */
  rankingRelation?: boolean;
  /**
   * `teacherCache`: the frozen teacher's features per modality (paper profile's stage 2, or the
   * `cached` extractor). `extractor`: what extracts item features when `sgfd` is null.
   */
  create(ds: Dataset, config: Record<string, ConfigValue>, sgfd: SgfdConfig | null, teacherCache?: Float32Array[] | null, extractor?: ExtractorKind): Backbone;
}

export interface Backbone {
  readonly model: Module;
  readonly batchSize: number;
  readonly optimizer: OptimizerConfig;
  /** Declares the batch and table inputs on `b.graph`; returns the objective and its named terms. */
  buildLoss(b: Binder): LossSpec;
  /** Inputs fed unchanged at every step (feature tables, labels, cached teacher features). */
  fixedFeeds(): Record<string, BatchTensor>;
  /**
   * Feeds for one batch of training-interaction rows (indices into the train split), in arrays made
   * for this call: the trainer moves them to the step's thread (runtime/epoch.ts). A function of
   * `rows` and `rng` alone: the trainer also builds one sample batch, from a copy of its rng, to count
   * the step's work (runtime/step-threads.ts).
   */
  batchFeeds(rows: Int32Array, rng: Rng): Record<string, BatchTensor>;
  /** Number of training rows batches are drawn from. */
  readonly trainRows: number;
  /** Dot-product models: final user and item representations; score(u, i) = ⟨users[u], items[i]⟩. */
  buildScoring?(b: Binder): { users: Value; items: Value };
  /**
   * Other models (MAML, NeuMF, CML): scores [B, nItems] for the int64 user ids `users` [B], higher =
   * better (distance models return the negated distance). May read the inputs of fixedFeeds().
   * Pairwise models implement it as `pairwiseUserScores` (one implementation of the score).
   */
  buildUserScores?(b: Binder, users: Value): Value;
  /**
   * Pairwise models: one row per user [nUsers, du] and per item [nItems, di] — what an exported
   * model stores (a new item needs only its row). May read the inputs of fixedFeeds().
   */
  buildServingTables?(b: Binder): { users: Value; items: Value };
  /**
   * Pairwise models: scores [B, N] of user rows [B, du] against item rows [N, di] (N may be
   * symbolic), higher = better. Reads parameters only, so an exported scorer needs nothing else.
   */
  pairScores?(b: Binder, users: Value, items: Value): Value;
  /**
   * Pairwise models: what a score is (model card) and the peak bytes of pairScores' intermediates
   * per (user, item) pair, by which servers size their user batches.
   */
  readonly pairScoring?: { score: string; bytesPerPair: number };
  /**
   * Pairwise models whose pair score a native fused kernel computes (MAML's attentive score, NeuMF's
   * tower): which kernel, and the pair network's weights among `values` (eval/pair-kernel-top-k.ts;
   * the serving rows are the rest of its input).
   */
  pairKernel?(values: ReadonlyMap<string, Float32Array>): PairKernelWeights;
  /**
   * Pairwise models whose pair score is a dot product of rows derived from the serving rows (CML):
   * those rows, [nUsers, dim] and [nItems, dim], so the native dot kernel can rank it.
   */
  dotRows?(users: Float32Array, items: Float32Array): { users: Float32Array; items: Float32Array; dim: number };
  /** Users per scoring chunk when per-pair scoring needs more memory than the evaluator's default. */
  readonly evalChunk?: number;
  /** Multimodal models: how a new item's extracted features become its scored row (cold-start-rule.ts). */
  coldStart?(extractor: ItemExtractor): ColdStartRule;
}

/** A parameter's trained value among `values` (a pair kernel's weights); `model` names the backbone in the error. */
export function parameterValue(values: ReadonlyMap<string, Float32Array>, model: string, p: { name: string }): Float32Array {
  const v = values.get(p.name);
  if (!v) throw new Error(`${model}: no value for parameter '${p.name}'`);
  return v;
}

/** buildUserScores of a pairwise model: the rows of `users` against every item row. */
export function pairwiseUserScores(bb: Backbone, b: Binder, users: Value): Value {
  const tables = bb.buildServingTables!(b);
  return bb.pairScores!(b, G.gather(tables.users, users), tables.items);
}

/** Train-split interactions as parallel arrays. */
export function trainInteractions(ds: Dataset): { users: Int32Array; items: Int32Array } {
  const { user, item, split } = ds.interactions;
  let n = 0;
  for (let i = 0; i < split.length; i++) if (split[i] === 0) n++;
  const users = new Int32Array(n);
  const items = new Int32Array(n);
  for (let i = 0, k = 0; i < split.length; i++) {
    if (split[i] !== 0) continue;
    users[k] = user[i];
    items[k++] = item[i];
  }
  return { users, items };
}

/** Ids as an int64 tensor's data (graph/int64.ts). */
export const asInt64: (ids: ArrayLike<number>) => BigInt64Array = G.int64From;

/** An inverted-dropout keep mask scaled later by the graph: 1 with probability 1 − p. */
export function keepMask(n: number, p: number, rng: Rng): Float32Array {
  return rng.fillKeepMask(new Float32Array(n), p);
}
