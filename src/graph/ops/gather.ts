// Indexing ops: Gather (embedding lookup), GatherElements, GatherND/ScatterND, race-free segment
// sums, and index inputs that carry the grouping their gradients need.
import { type Value, type Graph, type IndexPlan, type PlanPart, int } from '../graph.ts';
import { type GradRules, inputOf, inputsOf } from '../grad-rule.ts';
import { defineAttrs } from '../op-attrs.ts';
import { type Shape, type Dim, ShapeError, normAxis } from '../shape.ts';
import { emit1, zeros, zerosLike } from './util.ts';
import { sub, cast, greaterOrEqual } from './elementwise.ts';
import { concat, reshape, squeeze, unsqueeze } from './layout.ts';
import { cumsum } from './reduce.ts';
import { computeIndexPlan, isIdentity } from '../index-plan.ts';

/** The (normalised) axis Gather/GatherElements index along. */
export interface GatherAttrs { axis: number }
const gatherAttrs = defineAttrs<GatherAttrs>('Gather');
const gatherElementsAttrs = defineAttrs<GatherAttrs>('GatherElements');

/** data[idx] along `axis` → idx.shape spliced into data.shape. */
export function gather(data: Value, idx: Value, axis = 0): Value {
  const a = normAxis('Gather', axis, data.rank);
  if (idx.dtype !== 'int64' && idx.dtype !== 'int32') throw new ShapeError(`Gather: indices must be int64, got ${idx}`);
  const shape = [...data.shape.slice(0, a), ...idx.shape, ...data.shape.slice(a + 1)];
  const y = emit1('Gather', [data, idx], data.dtype, shape, { axis: int(a) });
  gatherAttrs.set(y.producer!, { axis: a });
  return y;
}

/** out[i][j] = data[i][idx[i][j]] along `axis` (idx has data's rank). */
export function gatherElements(data: Value, idx: Value, axis = -1): Value {
  const a = normAxis('GatherElements', axis, data.rank);
  if (idx.rank !== data.rank) throw new ShapeError(`GatherElements: indices ${idx} must have the rank of ${data}`);
  const y = emit1('GatherElements', [data, idx], data.dtype, idx.shape, { axis: int(a) });
  gatherElementsAttrs.set(y.producer!, { axis: a });
  return y;
}

/** Rows `idx[:, 0]` of `data` (idx [U, 1]). */
export function gatherND(data: Value, idx: Value): Value {
  return emit1('GatherND', [data, idx], data.dtype, [idx.shape[0], ...data.shape.slice(1)]);
}

/** `data` with rows `idx[:, 0]` replaced by `updates` (indices must be distinct: no reduction). */
export function scatterND(data: Value, idx: Value, updates: Value): Value {
  return emit1('ScatterND', [data, idx, updates], data.dtype, data.shape);
}

/**
 * When `v` [rows, cols] is zeros with some rows written by a plain ScatterND — the gradient of a table
 * read only through a gather of planned ids — those rows [U, cols] and their distinct ids [U, 1];
 * else null. A consumer that can take the rows (the native Adam kernel) skips the dense table.
 */
export function scatteredRows(v: Value): { rows: Value; ids: Value } | null {
  const n = v.producer;
  if (!n || n.op !== 'ScatterND' || v.rank !== 2 || n.attrs.reduction !== undefined) return null;
  const [data, ids, rows] = n.inputs;
  const fill = data?.producer;
  if (!fill || fill.op !== 'ConstantOfShape' || !ids || !rows) return null;
  const value = fill.attrs.value;
  if (value?.kind !== 'tensor' || value.value.some((x) => x !== 0)) return null;
  if (ids.rank !== 2 || ids.shape[1] !== 1 || rows.rank !== 2 || rows.shape[1] !== v.shape[1]) return null;
  return { rows, ids };
}

/** Declares an int64 index input of `numRows` possible values; its gradient grouping is fed by the runtime. */
export function indexInput(g: Graph, name: string, shape: Shape, numRows: number): Value {
  const v = g.input(name, 'int64', shape);
  let plan: IndexPlan | undefined;
  v.index = {
    numRows,
    plan: () => {
      if (plan) return plan;
      const n = shape.length === 1 ? shape[0] : `${name}.numel`;
      const u = `${name}.unique`;
      const part = (p: PlanPart, s: Shape) => {
        g.derived.push({ name: `${name}.${p}`, source: name, part: p, numRows });
        return g.input(`${name}.${p}`, 'int64', s);
      };
      plan = {
        perm: part('perm', [n]), inverse: part('inverse', [n]), lasts: part('lasts', [u]), runs: part('runs', [u]), uniq: part('uniq', [u, 1]), groups: part('groups', [n]),
        source: v, numRows, sorted: false, complete: false,
      };
      markPlan(plan);
      return plan;
    },
  };
  return v;
}

/** A constant index vector whose grouping is computed now, at build time. */
export function indexConstant(g: Graph, ids: ArrayLike<number>, numRows: number): Value {
  const v = g.constant(BigInt64Array.from(Array.from(ids, (x) => BigInt(x))), 'int64', [ids.length]);
  let plan: IndexPlan | undefined;
  v.index = {
    numRows,
    plan: () => {
      if (plan) return plan;
      const d = computeIndexPlan(ids, numRows);
      const c = (a: BigInt64Array, s: number[]) => g.constant(a, 'int64', s);
      const u = d.uniq.length;
      plan = {
        perm: c(d.perm, [ids.length]), inverse: c(d.inverse, [ids.length]), lasts: c(d.lasts, [u]), runs: c(d.runs, [u]), uniq: c(d.uniq, [u, 1]), groups: c(d.groups, [ids.length]),
        source: v, numRows, sorted: isIdentity(d.perm), complete: u === numRows,
      };
      markPlan(plan);
      return plan;
    },
  };
  return v;
}

function markPlan(p: IndexPlan): void {
  p.perm.index = { inverse: p.inverse, unique: true };
  p.inverse.index = { inverse: p.perm, unique: true };
  p.lasts.index = { unique: true };
  p.runs.index = { unique: true };
  p.uniq.index = { unique: true };
}

export interface SegmentSumOptions {
  /**
   * What the running sums accumulate in. Default: float64 for rows of at most WIDE_SUM_MAX_WIDTH
   * values (edge scores, softmax terms, degrees — cheap to widen, and the ones that run over whole
   * graphs), float32 for wider rows (embedding gradients over a batch).
   */
  precision?: 'float32' | 'float64';
}

/**
 * Widest rows whose running sums are float64 by default. A float32 running sum over many rows loses
 * the small segments at its end: segment sums of Last.fm GRCN's 89,640 exp-scores came out up to
 * 1.7e-3 relative off (mean 1.7e-4); in float64 5.9e-8 (the float32 rounding of the result).
 */
export const WIDE_SUM_MAX_WIDTH = 16;

function sumsInFloat64(x: Value, o: SegmentSumOptions): boolean {
  if (x.dtype !== 'float32') return false;
  if (o.precision) return o.precision === 'float64';
  const width = x.shape.slice(1).reduce<number>((a, d) => (typeof d === 'number' ? a * d : Infinity), 1);
  return width <= WIDE_SUM_MAX_WIDTH;
}

/**
 * Race-free segment sum: out[s] = Σ_{i: ids[i] = s} x[i] for x[N, ...], the ids described by `plan`
 * (from indexInput/indexConstant). Rows are sorted by id, summed by CumSum, and each run's total is
 * the difference of the running sums at consecutive run ends; distinct rows are then written with a
 * plain ScatterND — never a reducing scatter (racy with > 1 thread in ORT). Its gradient is its own:
 * d out / d x = Gather(dy, ids).
 */
export function segmentSum(x: Value, plan: IndexPlan, numSegments: Dim, o: SegmentSumOptions = {}): Value {
  const g = x.graph;
  return g.withGradient([x], () => {
    const sums = runSums(x, plan, o);
    if (plan.complete && numSegments === plan.numRows) return sums;
    return scatterND(zeros(g, x.dtype, [numSegments, ...x.shape.slice(1)], x), plan.uniq, sums);
  }, (dy) => [gather(dy, plan.source.rank === 1 ? plan.source : reshape(plan.source, [-1]))]);
}

/** Σ of the rows of x[N, …] in each run of equal ids: [U, …] in run (= ascending id) order. */
export function runSums(x: Value, plan: IndexPlan, o: SegmentSumOptions = {}): Value {
  const wide = sumsInFloat64(x, o);
  const sorted = plan.sorted ? x : gather(x, plan.perm);
  const running = cumsum(wide ? cast(sorted, 'float64') : sorted, 0);
  const atLast = gather(running, plan.lasts);
  const before = gather(concat([zeros(x.graph, atLast.dtype, [1, ...x.shape.slice(1)], x), atLast], 0), plan.runs);
  const sums = sub(atLast, before);
  return wide ? cast(sums, 'float32') : sums;
}

/** How many elements of the planned ids fall in each run ([U] float32, run order): Σ of ones per run. */
export function runCounts(plan: IndexPlan): Value {
  const ids = plan.source.rank === 1 ? plan.source : reshape(plan.source, [-1]);
  const ones = unsqueeze(cast(greaterOrEqual(ids, 0), 'float32'), [1]);
  return reshape(runSums(ones, plan), [-1]);
}

/**
 * Per-element rows from per-run rows: out[i] = xRuns[groups[i]] for xRuns [U, …] (e.g. a network
 * evaluated once per distinct id). Its gradient sums each run's rows (runSums), race-free.
 */
export function gatherRuns(xRuns: Value, plan: IndexPlan): Value {
  return xRuns.graph.withGradient([xRuns], () => gather(xRuns, plan.groups), (dy) => [runSums(dy, plan)]);
}

/**
 * An index tensor [B, K, …] as the vector [B·K·…] of the same ids, keeping its repetition info: a
 * plan already describes the flattened elements, so gathers from the flat ids keep race-free
 * gradients and consumers can still run work once per distinct id (distinctIds / gatherRuns).
 */
export function flattenIndex(ids: Value): Value {
  if (ids.rank === 1) return ids;
  const flat = reshape(ids, [-1]);
  if (ids.index) flat.index = ids.index;
  return flat;
}

/** The distinct ids of a planned index vector, in run order ([U] int64). */
export function distinctIds(plan: IndexPlan): Value {
  const ids = squeeze(plan.uniq, [1]);
  ids.index = { unique: true };
  return ids;
}

/** Segment sum keyed by an index value that carries a plan (see indexInput). */
export function segmentSumBy(x: Value, ids: Value, o: SegmentSumOptions = {}): Value {
  if (!ids.index?.plan || ids.index.numRows === undefined) throw new ShapeError(`segmentSum: ${ids} carries no index plan; create it with indexInput or indexConstant`);
  return segmentSum(x, ids.index.plan(), ids.index.numRows, o);
}

export const GATHER_GRADIENTS: GradRules = {
  Gather: (n, [dy]) => {
    const [data, idx] = inputsOf(n);
    if (gatherAttrs.get(n).axis !== 0) throw new ShapeError(`Gather (${n.name}): only axis 0 is differentiable`);
    const info = idx.index;
    const rows = dy!.rank - idx.rank + 1;
    const flat = idx.rank === 1 ? dy! : reshape(dy!, [-1, ...dy!.shape.slice(dy!.rank - rows + 1)]);
    if (info?.inverse && data.shape[0] === idx.shape[0]) return [gather(flat, info.inverse), undefined];
    if (info?.unique) return [scatterND(zerosLike(data), reshape(idx, [-1, 1]), flat), undefined];
    if (info?.plan) return [segmentSum(flat, info.plan(), data.shape[0]), undefined];
    throw new ShapeError(`Gather (${n.name}): the gradient needs to know how indices ${idx.name} repeat; `
      + 'declare them with indexInput()/indexConstant() (race-free segment sum) or mark them unique');
  },
  GatherElements: (n, [dy]) => {
    const [data, idx] = inputsOf(n);
    const { axis: a } = gatherElementsAttrs.get(n);
    if (idx.shape[a] !== 1 && !idx.index?.unique) {
      throw new ShapeError(`GatherElements (${n.name}): differentiable only with one index per slice along axis ${a} (a scatter with reduction would race)`);
    }
    return [emit1('ScatterElements', [zerosLike(data), idx, dy!], data.dtype, data.shape, { axis: int(a) }), undefined];
  },
  GatherND: (n, [dy]) => {
    const [data, idx] = inputsOf(n);
    if (!idx.index?.unique) throw new ShapeError(`GatherND (${n.name}): differentiable only with distinct indices`);
    return [scatterND(zerosLike(data), idx, dy!), undefined];
  },
  ScatterND: (n, [dy]) => {
    const idx = inputOf(n, 1);
    const updates = inputOf(n, 2);
    return [scatterND(dy!, idx, zerosLike(updates)), undefined, gatherND(dy!, idx)];
  },
};
