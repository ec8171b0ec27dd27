// Reductions (ReduceSum, ReduceMean, ReduceMax), Softmax/LogSoftmax and CumSum, with gradients.
import { type Value, int } from '../graph.ts';
import { type GradRules, inputOf } from '../grad-rule.ts';
import { defineAttrs } from '../op-attrs.ts';
import { normAxis, ShapeError, type Shape } from '../shape.ts';
import { emit1, constI64, shapeOf } from './util.ts';
import { mul, div, sub, exp, equal, where, cast } from './elementwise.ts';

/** The reduced axes (normalised, ascending) and whether they are kept as size 1. */
export interface ReduceAttrs { axes: number[]; keepdims: boolean }
const reduceAttrs = defineAttrs<ReduceAttrs>('ReduceSum', 'ReduceMean', 'ReduceMax');

function reduce(op: string, x: Value, axes: number[] | undefined, keepdims: boolean): Value {
  const ax = (axes ?? x.shape.map((_, i) => i)).map((a) => normAxis(op, a, x.rank)).sort((p, q) => p - q);
  const shape: Shape = keepdims ? x.shape.map((d, i) => (ax.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !ax.includes(i));
  const y = emit1(op, [x, constI64(x.graph, ax)], x.dtype, shape, { keepdims: int(keepdims ? 1 : 0) });
  reduceAttrs.set(y.producer!, { axes: ax, keepdims });
  return y;
}

/** Sums over `axes` (all axes when omitted). */
export const reduceSum = (x: Value, axes?: number[], keepdims = false) => reduce('ReduceSum', x, axes, keepdims);
export const reduceMean = (x: Value, axes?: number[], keepdims = false) => reduce('ReduceMean', x, axes, keepdims);
export const reduceMax = (x: Value, axes?: number[], keepdims = false) => reduce('ReduceMax', x, axes, keepdims);

/** Broadcasts a reduced gradient back over the reduced axes of `x`. */
function expandBack(dy: Value, x: Value, axes: number[], keepdims: boolean): Value {
  const kept = keepdims ? dy : emit1('Unsqueeze', [dy, constI64(dy.graph, axes)], dy.dtype, x.shape.map((d, i) => (axes.includes(i) ? 1 : d)));
  return emit1('Expand', [kept, shapeOf(x)], dy.dtype, x.shape);
}

/** Number of elements along `axes` of `x`, as a scalar of x's dtype (computed at run time if symbolic). */
function countAlong(x: Value, axes: number[]): Value {
  const dims = axes.map((a) => x.shape[a]);
  if (dims.every((d) => typeof d === 'number')) return x.graph.scalar((dims as number[]).reduce((p, q) => p * q, 1), x.dtype);
  const sizes = emit1('Gather', [shapeOf(x), constI64(x.graph, axes)], 'int64', [axes.length], { axis: int(0) });
  return cast(emit1('ReduceProd', [sizes, constI64(x.graph, [0])], 'int64', [], { keepdims: int(0) }), x.dtype);
}

const reductionRules: GradRules = {
  ReduceSum: (n, [dy]) => {
    const { axes, keepdims } = reduceAttrs.get(n);
    return [expandBack(dy!, inputOf(n, 0), axes, keepdims), undefined];
  },
  ReduceMean: (n, [dy]) => {
    const { axes, keepdims } = reduceAttrs.get(n);
    const x = inputOf(n, 0);
    return [expandBack(div(dy!, countAlong(x, axes)), x, axes, keepdims), undefined];
  },
  ReduceMax: (n, [dy]) => {
    const { axes, keepdims } = reduceAttrs.get(n);
    const x = inputOf(n, 0);
    const hit = cast(equal(x, expandBack(n.outputs[0], x, axes, keepdims)), x.dtype);
    const ties = reduceSum(hit, axes, keepdims);
    return [mul(hit, expandBack(div(dy!, ties), x, axes, keepdims)), undefined];
  },
};

/** The (normalised) axis Softmax/LogSoftmax normalise along. */
export interface SoftmaxAttrs { axis: number }
const softmaxAttrs = defineAttrs<SoftmaxAttrs>('Softmax', 'LogSoftmax');

function softmaxLike(op: 'Softmax' | 'LogSoftmax', x: Value, axis: number): Value {
  const a = normAxis(op, axis, x.rank);
  const y = emit1(op, [x], x.dtype, x.shape, { axis: int(a) });
  softmaxAttrs.set(y.producer!, { axis: a });
  return y;
}
export const softmax = (x: Value, axis = -1) => softmaxLike('Softmax', x, axis);
export const logSoftmax = (x: Value, axis = -1) => softmaxLike('LogSoftmax', x, axis);
const softmaxRules: GradRules = {
  Softmax: (n, [dy]) => {
    const y = n.outputs[0];
    return [mul(y, sub(dy!, reduceSum(mul(dy!, y), [softmaxAttrs.get(n).axis], true)))];
  },
  LogSoftmax: (n, [dy]) => {
    const y = n.outputs[0];
    return [sub(dy!, mul(exp(y), reduceSum(dy!, [softmaxAttrs.get(n).axis], true)))];
  },
};

/** CumSum's (normalised) axis and direction. */
export interface CumSumAttrs { axis: number; reverse: boolean }
const cumsumAttrs = defineAttrs<CumSumAttrs>('CumSum');

/** Running sum along `axis` (reverse: from the end). */
export function cumsum(x: Value, axis = 0, reverse = false): Value {
  const a = normAxis('CumSum', axis, x.rank);
  const y = emit1('CumSum', [x, x.graph.scalar(a, 'int64')], x.dtype, x.shape, { reverse: int(reverse ? 1 : 0) });
  cumsumAttrs.set(y.producer!, { axis: a, reverse });
  return y;
}

/** The rules of this file's ops, collected in gradients.ts. */
export const REDUCE_GRADIENTS: GradRules = {
  ...reductionRules,
  ...softmaxRules,
  CumSum: (n, [dy]) => {
    const { axis, reverse } = cumsumAttrs.get(n);
    return [cumsum(dy!, axis, !reverse), undefined];
  },
};

export function assertRank(op: string, x: Value, rank: number): void {
  if (x.rank !== rank) throw new ShapeError(`${op}: expected rank ${rank}, got ${x}`);
}
