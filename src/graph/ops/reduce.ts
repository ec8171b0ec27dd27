// Reductions (ReduceSum, ReduceMean, ReduceMax), Softmax/LogSoftmax and CumSum, with gradients.
import { type Value, int } from '../graph.ts';
import { registerGradient } from '../autodiff.ts';
import { normAxis, ShapeError, type Shape } from '../shape.ts';
import { emit1, constI64, shapeOf } from './util.ts';
import { mul, div, sub, exp, equal, where, cast } from './elementwise.ts';

function reduce(op: string, x: Value, axes: number[] | undefined, keepdims: boolean): Value {
  const ax = (axes ?? x.shape.map((_, i) => i)).map((a) => normAxis(op, a, x.rank)).sort((p, q) => p - q);
  const shape: Shape = keepdims ? x.shape.map((d, i) => (ax.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !ax.includes(i));
  const y = emit1(op, [x, constI64(x.graph, ax)], x.dtype, shape, { keepdims: int(keepdims ? 1 : 0) });
  y.producer!.meta.reduce = { axes: ax, keepdims };
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

type ReduceMeta = { axes: number[]; keepdims: boolean };
registerGradient('ReduceSum', (n, [dy]) => {
  const { axes, keepdims } = n.meta.reduce as ReduceMeta;
  return [expandBack(dy!, n.inputs[0]!, axes, keepdims), undefined];
});
registerGradient('ReduceMean', (n, [dy]) => {
  const { axes, keepdims } = n.meta.reduce as ReduceMeta;
  const x = n.inputs[0]!;
  return [div(expandBack(dy!, x, axes, keepdims), countAlong(x, axes)), undefined];
});
registerGradient('ReduceMax', (n, [dy]) => {
  const { axes, keepdims } = n.meta.reduce as ReduceMeta;
  const x = n.inputs[0]!;
  const hit = cast(equal(x, expandBack(n.outputs[0], x, axes, keepdims)), x.dtype);
  const ties = reduceSum(hit, axes, keepdims);
  return [mul(hit, expandBack(div(dy!, ties), x, axes, keepdims)), undefined];
});

export function softmax(x: Value, axis = -1): Value {
  return emit1('Softmax', [x], x.dtype, x.shape, { axis: int(normAxis('Softmax', axis, x.rank)) });
}
export function logSoftmax(x: Value, axis = -1): Value {
  return emit1('LogSoftmax', [x], x.dtype, x.shape, { axis: int(normAxis('LogSoftmax', axis, x.rank)) });
}
const axisOf = (n: { attrs: Record<string, { value: unknown }> }) => n.attrs.axis.value as number;
registerGradient('Softmax', (n, [dy]) => {
  const y = n.outputs[0];
  return [mul(y, sub(dy!, reduceSum(mul(dy!, y), [axisOf(n)], true)))];
});
registerGradient('LogSoftmax', (n, [dy]) => {
  const y = n.outputs[0];
  return [sub(dy!, mul(exp(y), reduceSum(dy!, [axisOf(n)], true)))];
});

/** Running sum along `axis` (reverse: from the end). */
export function cumsum(x: Value, axis = 0, reverse = false): Value {
  const a = normAxis('CumSum', axis, x.rank);
  const y = emit1('CumSum', [x, x.graph.scalar(a, 'int64')], x.dtype, x.shape, { reverse: int(reverse ? 1 : 0) });
  y.producer!.meta.cumsum = { axis: a, reverse };
  return y;
}
registerGradient('CumSum', (n, [dy]) => {
  const { axis, reverse } = n.meta.cumsum as { axis: number; reverse: boolean };
  return [cumsum(dy!, axis, !reverse), undefined];
});

export function assertRank(op: string, x: Value, rank: number): void {
  if (x.rank !== rank) throw new ShapeError(`${op}: expected rank ${rank}, got ${x}`);
}
