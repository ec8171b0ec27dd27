// What every data input of an artifact graph holds and how to build it from the dataset, without
// sgfd: the `source` of each batch, table and derived input in artifact.json. Batch inputs are named
// by the backbones (bm3.ts, grcn.ts, maml.ts, cf-common.ts, ngcf.ts, dgcf.ts); an input this file
// does not describe is a build error, so a new input cannot ship undocumented.
import { type PlanPart } from '../graph/index.ts';
import { type ConfigValue } from '../backbones/index.ts';
import { tableName } from '../sgfd/index.ts';
import { EPOCH_INPUT } from '../runtime/index.ts';

/**
 * How to build one input. Batch rows are training interactions (rows of interactions.arrow with
 * split = 0, numbered in file order); `offset` is added to every id (node ids [users; items]).
 */
export type InputSource =
  /** Column `column` of the batch's training interactions. */
  | { kind: 'train_interactions'; column: 'user' | 'item'; offset: number }
  /**
   * `per_row` items per batch row, each uniform over the items the row's user has no training
   * interaction with. Inputs with the same `sample` hold the same draw (with their own offset).
   */
  | { kind: 'negative_items'; per_row: number; offset: number; sample: string }
  /** [batch, 1 + negatives]: column 0 the interaction's item, columns 1… its negatives (as negative_items). */
  | { kind: 'positive_and_negatives'; negatives: number }
  /** [2 · batch]: the batch rows' interaction items, then their negatives as item ids (the draw `sample` of negative_items, one per row). */
  | { kind: 'positives_then_negatives'; sample: string }
  /** Inverted-dropout keep mask: each element 1 with probability 1 − p, else 0 (the graph scales by 1/(1 − p)). */
  | { kind: 'dropout_keep_mask'; p: number }
  /**
   * Sorted distinct node ids: up to `cap` distinct users of the batch, then up to `cap` distinct items
   * of `items_from` (offset by the number of users), each drawn uniformly without replacement.
   */
  | { kind: 'distinct_nodes'; cap: number; users_from: string; items_from: string[]; item_offset: number }
  /** The 1-based epoch the step belongs to, a float32 scalar (graphs with an epoch schedule: SGFD's λ1 decay). */
  | { kind: 'epoch' }
  /** Stage 1: labelled items not held out (manifest stage1.held_out_items), shuffled each epoch. */
  | { kind: 'labelled_items' }
  /** Part `part` of the index plan of the int64 input `of` (definitions.index_plan); `rows` = its id range. */
  | { kind: 'index_plan'; of: string; part: PlanPart; rows: number }
  /** Modality `modality` of items.arrow, [nItems, dim], row i = item i. */
  | { kind: 'item_features'; modality: string }
  /** items.arrow `label`, missing labels as 0 (item_labels) or the 0/1 float mask of present labels. */
  | { kind: 'item_labels' } | { kind: 'item_label_mask' }
  /** Output `output` of teacher_features.onnx run on every item with stage 1's parameters. */
  | { kind: 'teacher_features'; modality: string; graph: string; output: string };

export interface InputDoc { source: InputSource; doc: string }

const TRAIN_ROW = 'the batch\'s training interactions (interactions.arrow rows with split = 0)';

/** The batch inputs of a backbone's train step, by name; unknown names are an error. */
export function batchSource(backbone: string, cfg: Record<string, ConfigValue>, nUsers: number, name: string): InputDoc {
  const J = Number(cfg.negatives ?? 1);
  const nodeIds = backbone === 'grcn';
  const offset = nodeIds ? nUsers : 0;
  const neg = (off: number, what: string): InputDoc => ({
    source: { kind: 'negative_items', per_row: J, offset: off, sample: 'neg' },
    doc: `${what}: ${J} per batch row, uniform over the items its user has no training interaction with${off ? `, plus ${off} (node ids: users first)` : ''}`,
  });
  if (name === 'users') return { source: { kind: 'train_interactions', column: 'user', offset: 0 }, doc: `user ids of ${TRAIN_ROW}` };
  if (name === 'items' && backbone === 'maml') {
    return { source: { kind: 'positive_and_negatives', negatives: J }, doc: `per batch row: its interaction's item, then ${J} negatives uniform over the items the user has no training interaction with` };
  }
  if (name === 'items') return { source: { kind: 'train_interactions', column: 'item', offset: 0 }, doc: `item ids of ${TRAIN_ROW}` };
  if (name === 'pos') return { source: { kind: 'train_interactions', column: 'item', offset }, doc: `item ids of ${TRAIN_ROW}${offset ? ` plus ${offset} (node ids: users first)` : ''}` };
  if (name === 'neg') return neg(offset, 'sampled negative items');
  if (name === 'sgfd_items') {
    return { source: { kind: 'positives_then_negatives', sample: 'neg' }, doc: `SGFD's items: the item ids of ${TRAIN_ROW} (= pos − ${nUsers}), then those of 'neg' (= neg − ${nUsers}); 2 × batch rows` };
  }
  if (name === EPOCH_INPUT) return { source: { kind: 'epoch' }, doc: 'the 1-based epoch this step belongs to (float32 scalar); the graph scales SGFD\'s λ1 by max(0, 1 − (epoch − 1)/sgfd.kdDecayEpochs)' };
  const dropout = /^mask\.(user|item|feature\.(.+))$/.exec(name);
  if (dropout && backbone === 'bm3') {
    const p = Number(cfg.dropout);
    return { source: { kind: 'dropout_keep_mask', p }, doc: `BM3's target dropout keep mask on the ${dropout[2] ? `${dropout[2]} feature` : dropout[1]} rows: 1 with probability ${1 - p}, else 0` };
  }
  const layer = /^mask\.layer\.(\d+)$/.exec(name);
  if (layer && backbone === 'ngcf') {
    const p = Number(cfg.message_dropout);
    return { source: { kind: 'dropout_keep_mask', p }, doc: `NGCF message-dropout keep mask of layer ${layer[1]} over every node [users; items]: 1 with probability ${1 - p}, else 0` };
  }
  if (name === 'cor_nodes' && backbone === 'dgcf') {
    const cap = Number(cfg.cor_rows);
    return {
      source: { kind: 'distinct_nodes', cap, users_from: 'users', items_from: ['pos', 'neg'], item_offset: nUsers },
      doc: `DGCF independence rows: up to ${cap} distinct users of 'users' and up to ${cap} distinct items of 'pos' ∪ 'neg' (plus ${nUsers}), drawn without replacement, sorted`,
    };
  }
  throw new Error(`artifact: no description of the ${backbone} batch input '${name}': add one in src/artifacts/sources.ts`);
}

/** The fixed tables (fed unchanged every step), by name; null when `name` is not a table. */
export function tableSource(name: string, modalities: string[]): InputDoc | null {
  for (const m of modalities) {
    if (name === tableName.raw(m)) return { source: { kind: 'item_features', modality: m }, doc: `raw ${m} features of every item: items.arrow column '${m}', row i = item i` };
    if (name === tableName.teacher(m)) {
      return { source: { kind: 'teacher_features', modality: m, graph: 'teacher_features.onnx', output: tableName.teacher(m) }, doc: `the frozen stage-1 teacher's ${m} features of every item: output '${tableName.teacher(m)}' of teacher_features.onnx` };
    }
  }
  if (name === tableName.labels || name === 'labels') return { source: { kind: 'item_labels' }, doc: 'category label of every item: items.arrow column \'label\', missing labels as 0' };
  if (name === tableName.labelMask) return { source: { kind: 'item_label_mask' }, doc: '1 for items with a label, 0 for items without' };
  return null;
}

/** An index plan part of `of` (see DEFINITIONS.index_plan). */
export function planSource(of: string, part: PlanPart, rows: number): InputDoc {
  return { source: { kind: 'index_plan', of, part, rows }, doc: `index plan of '${of}', part '${part}' (artifact.json definitions.index_plan), computed from the ids fed as '${of}'` };
}

/** Text definitions referenced by sources, written once into artifact.json. */
export const DEFINITIONS = {
  index_plan: 'For an int64 index input x with N elements (flattened, row-major) and values in [0, rows): perm = the stable ascending '
    + 'sort order of x (perm[k] = the position in x of the k-th smallest, ties by position); inverse[perm[k]] = k; U = the number of '
    + 'distinct values; for the distinct values v_0 < … < v_{U−1}: runs = [0, 1, …, U−1], uniq = [[v_0], …, [v_{U−1}]] (shape [U, 1]), '
    + 'lasts[r] = the sorted position of the last occurrence of v_r; groups[i] = r such that x[i] = v_r. All int64.',
  batches: 'Each epoch visits every training interaction (interactions.arrow rows with split = 0, numbered in file order) once, in a '
    + 'fresh random order, batch_size rows per step (the last step may be smaller). Row r of every batch input belongs to the r-th interaction of the step.',
  step: `optim.step is the 1-based number of the step being taken (Adam's t), a float32 scalar; optim.lr the learning rate, a float32 scalar.`,
  feedback: 'After a step, every output named in `feedback` is fed back as the input it names at the next step; parameters not '
    + 'updated (frozen) and tables stay as they were.',
};
