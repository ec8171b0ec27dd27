// Layout ops (Concat, Split, Slice, Pad, Reshape, Transpose, Unsqueeze, Squeeze, Expand) and gradients.
import { type Value, int, str } from '../graph.ts';
import { type GradRules, inputOf, inputsOf, isStaticDim, staticDim } from '../grad-rule.ts';
import { defineAttrs } from '../op-attrs.ts';
import { type Shape, type Dim, normAxis, ShapeError, formatShape, isStatic, sizeOf } from '../shape.ts';
import { emit1, constI64, shapeOf, shapeTensor, sumToShape, zeros } from './util.ts';

/** The (normalised) axis Concat joins along and Split cuts along. */
export interface AxisAttrs { axis: number }
const concatAttrs = defineAttrs<AxisAttrs>('Concat');
const splitAttrs = defineAttrs<AxisAttrs>('Split');
/** Slice: the first kept index on each of `axes` (normalised). */
export interface SliceAttrs { begins: number[]; axes: number[] }
const sliceAttrs = defineAttrs<SliceAttrs>('Slice');
/** Pad: zeros added before/after on each axis. */
export interface PadAttrs { before: number[]; after: number[] }
const padAttrs = defineAttrs<PadAttrs>('Pad');
export interface TransposeAttrs { perm: number[] }
const transposeAttrs = defineAttrs<TransposeAttrs>('Transpose');
/** Unsqueeze: the inserted axes; Squeeze: the removed ones (normalised). */
export interface AxesAttrs { axes: number[] }
const unsqueezeAttrs = defineAttrs<AxesAttrs>('Unsqueeze');
const squeezeAttrs = defineAttrs<AxesAttrs>('Squeeze');

export function concat(xs: Value[], axis: number): Value {
  if (xs.length === 0) throw new ShapeError('Concat: no inputs');
  const a = normAxis('Concat', axis, xs[0].rank);
  let total: Dim = 0;
  for (const x of xs) {
    if (x.rank !== xs[0].rank || x.dtype !== xs[0].dtype) throw new ShapeError(`Concat: inputs differ in rank or dtype: ${xs.join(', ')}`);
    const d = x.shape[a];
    total = typeof total === 'number' && typeof d === 'number' ? total + d : `${total}+${d}`;
  }
  const shape = xs[0].shape.slice();
  shape[a] = total;
  const y = emit1('Concat', xs, xs[0].dtype, shape, { axis: int(a) });
  concatAttrs.set(y.producer!, { axis: a });
  return y;
}

/** Splits along `axis` into pieces of the given static sizes. */
export function split(x: Value, sizes: number[], axis: number): Value[] {
  const a = normAxis('Split', axis, x.rank);
  const d = x.shape[a];
  const sum = sizes.reduce((p, q) => p + q, 0);
  if (typeof d === 'number' && d !== sum) throw new ShapeError(`Split: sizes [${sizes}] add to ${sum}, but ${x} has ${d} along axis ${a}`);
  const outs = x.graph.emit('Split', [x, constI64(x.graph, sizes)],
    sizes.map((s) => ({ dtype: x.dtype, shape: x.shape.map((e, i) => (i === a ? s : e)) })), { axis: int(a) });
  splitAttrs.set(outs[0].producer!, { axis: a });
  return outs;
}

/** x[start:end] along each of `axes` (step 1; negative bounds count from the end). */
export function slice(x: Value, starts: number[], ends: number[], axes: number[]): Value {
  const shape = x.shape.slice();
  const norm = axes.map((ax) => normAxis('Slice', ax, x.rank));
  const begins: number[] = [];
  norm.forEach((ax, k) => {
    const d = x.shape[ax];
    if (typeof d !== 'number') throw new ShapeError(`Slice: axis ${ax} of ${x} is symbolic; slice along static axes only`);
    const clampTo = (v: number) => Math.min(Math.max(v < 0 ? v + d : v, 0), d);
    const s = clampTo(starts[k]);
    const e = clampTo(ends[k]);
    if (e <= s) throw new ShapeError(`Slice: empty range [${starts[k]}, ${ends[k]}) on axis ${ax} of ${x}`);
    shape[ax] = e - s;
    begins.push(s);
  });
  const g = x.graph;
  const y = emit1('Slice', [x, constI64(g, begins), constI64(g, norm.map((ax, k) => begins[k] + (shape[ax] as number))), constI64(g, norm)], x.dtype, shape);
  sliceAttrs.set(y.producer!, { begins, axes: norm });
  return y;
}

/** Zero padding: `before[i]`/`after[i]` elements on axis i. */
export function pad(x: Value, before: number[], after: number[]): Value {
  const shape = x.shape.map((d, i) => (typeof d === 'number' ? d + before[i] + after[i] : (before[i] || after[i] ? `${d}+${before[i] + after[i]}` : d)));
  const y = emit1('Pad', [x, constI64(x.graph, [...before, ...after])], x.dtype, shape, { mode: str('constant') });
  padAttrs.set(y.producer!, { before, after });
  return y;
}

/** Reshape to `shape` (use -1 for at most one inferred dim; symbolic names are read off `x`). */
export function reshape(x: Value, shape: Shape): Value {
  let out = shape.slice();
  const k = out.indexOf(-1);
  if (k >= 0) {
    if (!isStatic(x.shape) || !isStatic(out.filter((_, i) => i !== k))) {
      out[k] = `${x.name}.reshaped`;
      return emit1('Reshape', [x, shapeTensorWithInfer(x, shape)], x.dtype, out);
    }
    const known = sizeOf(out.filter((_, i) => i !== k));
    out[k] = sizeOf(x.shape) / known;
    if (!Number.isInteger(out[k])) throw new ShapeError(`Reshape: ${x} cannot reshape to ${formatShape(shape)}`);
  }
  if (isStatic(x.shape) && isStatic(out) && sizeOf(x.shape) !== sizeOf(out)) {
    throw new ShapeError(`Reshape: ${x} has ${sizeOf(x.shape)} elements, ${formatShape(out)} has ${sizeOf(out)}`);
  }
  out = out as Shape;
  return emit1('Reshape', [x, shapeTensor(x.graph, out, x)], x.dtype, out);
}

function shapeTensorWithInfer(x: Value, shape: Shape): Value {
  const parts = shape.map((d) => (typeof d === 'number' ? d : -2));
  if (!parts.includes(-2)) return constI64(x.graph, parts);
  throw new ShapeError(`Reshape: cannot combine -1 with symbolic dims in ${formatShape(shape)}`);
}

export function transpose(x: Value, perm: number[]): Value {
  if (perm.length !== x.rank) throw new ShapeError(`Transpose: perm [${perm}] does not match ${x}`);
  const y = emit1('Transpose', [x], x.dtype, perm.map((p) => x.shape[p]), { perm: { kind: 'ints', value: perm } });
  transposeAttrs.set(y.producer!, { perm });
  return y;
}

export function unsqueeze(x: Value, axes: number[]): Value {
  const rank = x.rank + axes.length;
  const ax = axes.map((a) => normAxis('Unsqueeze', a, rank)).sort((p, q) => p - q);
  const shape: Shape = [];
  let j = 0;
  for (let i = 0; i < rank; i++) shape.push(ax.includes(i) ? 1 : x.shape[j++]);
  const y = emit1('Unsqueeze', [x, constI64(x.graph, ax)], x.dtype, shape);
  unsqueezeAttrs.set(y.producer!, { axes: ax });
  return y;
}

export function squeeze(x: Value, axes: number[]): Value {
  const ax = axes.map((a) => normAxis('Squeeze', a, x.rank));
  for (const a of ax) if (x.shape[a] !== 1) throw new ShapeError(`Squeeze: axis ${a} of ${x} is not 1`);
  const y = emit1('Squeeze', [x, constI64(x.graph, ax)], x.dtype, x.shape.filter((_, i) => !ax.includes(i)));
  squeezeAttrs.set(y.producer!, { axes: ax });
  return y;
}

/** Broadcasts `x` to `shape` (symbolic dims read off `ref`). */
export function expand(x: Value, shape: Shape, ref?: Value): Value {
  return emit1('Expand', [x, shapeTensor(x.graph, shape, ref)], x.dtype, shape);
}

export const LAYOUT_GRADIENTS: GradRules = {
  Concat: (n, [dy]) => {
    const { axis: a } = concatAttrs.get(n);
    const sizes = inputsOf(n).map((x) => x.shape[a]);
    if (!sizes.every(isStaticDim)) throw new ShapeError(`Concat (${n.name}): gradient needs static sizes along axis ${a}`);
    return split(dy!, sizes, a);
  },
  Split: (n, dys) => {
    const { axis: a } = splitAttrs.get(n);
    const parts = n.outputs.map((o, i) => dys[i] ?? zeros(o.graph, o.dtype, o.shape, inputOf(n, 0)));
    return [concat(parts, a), undefined];
  },
  Slice: (n, [dy]) => {
    const x = inputOf(n, 0);
    const { begins, axes } = sliceAttrs.get(n);
    const before = x.shape.map(() => 0);
    const after = x.shape.map(() => 0);
    axes.forEach((ax, k) => {
      before[ax] = begins[k];
      after[ax] = staticDim(n, x, ax) - begins[k] - staticDim(n, n.outputs[0], ax);
    });
    return [pad(dy!, before, after)];
  },
  Pad: (n, [dy]) => {
    const x = inputOf(n, 0);
    const { before } = padAttrs.get(n);
    const axes = x.shape.map((_, i) => i).filter((i) => isStaticDim(x.shape[i]));
    return [slice(dy!, axes.map((i) => before[i]), axes.map((i) => before[i] + staticDim(n, x, i)), axes), undefined];
  },
  Reshape: (n, [dy]) => {
    const x = inputOf(n, 0);
    return [emit1('Reshape', [dy!, shapeOf(x)], dy!.dtype, x.shape), undefined];
  },
  Transpose: (n, [dy]) => {
    const { perm } = transposeAttrs.get(n);
    const inv = perm.map((_, i) => perm.indexOf(i));
    return [transpose(dy!, inv)];
  },
  Unsqueeze: (n, [dy]) => [squeeze(dy!, unsqueezeAttrs.get(n).axes), undefined],
  Squeeze: (n, [dy]) => [unsqueeze(dy!, squeezeAttrs.get(n).axes), undefined],
  Expand: (n, [dy]) => [sumToShape(dy!, inputOf(n, 0).shape), undefined],
};
