// Helpers shared by the op families: lifting numbers to constants, shape tensors, zeros, and
// reducing broadcast gradients back to an input's shape.
import { type Value, type Graph, type Attr, tensorAttr, int } from '../graph.ts';
import { type DType } from '../dtype.ts';
import { type Shape, type Dim, isStatic, sameShape, ShapeError, formatShape } from '../shape.ts';

export type Operand = Value | number;

/** `x` as a Value; numbers become scalar constants of `like`'s dtype. */
export function lift(x: Operand, like: Value): Value {
  return typeof x === 'number' ? like.graph.scalar(x, like.dtype) : x;
}

/** Emits a one-output node. */
export function emit1(op: string, inputs: (Value | null)[], dtype: DType, shape: Shape, attrs: Record<string, Attr> = {}): Value {
  const g = inputs.find((x) => x)!.graph;
  return g.emit(op, inputs, [{ dtype, shape }], attrs)[0];
}

export function constI64(g: Graph, values: number[], shape: number[] = [values.length]): Value {
  return g.constant(values, 'int64', shape);
}

/** The int64 shape tensor of `x`: a constant when static, a Shape node otherwise. */
export function shapeOf(x: Value): Value {
  if (isStatic(x.shape)) return constI64(x.graph, x.shape);
  return emit1('Shape', [x], 'int64', [x.rank]);
}

/** The int64 shape tensor for `shape`, reading symbolic dims off `ref` (whose dim names match). */
export function shapeTensor(g: Graph, shape: Shape, ref?: Value): Value {
  if (isStatic(shape)) return constI64(g, shape);
  if (ref && sameShape(ref.shape, shape)) return shapeOf(ref);
  const parts = shape.map((d) => dimTensor(g, d, ref));
  return emit1('Concat', parts, 'int64', [shape.length], { axis: int(0) });
}

function dimTensor(g: Graph, d: Dim, ref?: Value): Value {
  if (typeof d === 'number') return constI64(g, [d]);
  const k = ref ? ref.shape.indexOf(d) : -1;
  if (k < 0) throw new ShapeError(`cannot build a shape with symbolic dim '${d}' without a tensor that carries it`);
  return emit1('Gather', [shapeOf(ref!), constI64(g, [k])], 'int64', [1], { axis: int(0) });
}

/** Zeros of `shape` (ConstantOfShape: cheap in the model file however large). */
export function zeros(g: Graph, dtype: DType, shape: Shape, ref?: Value): Value {
  if (shape.length === 0) return g.scalar(0, dtype);
  return emit1('ConstantOfShape', [shapeTensor(g, shape, ref)], dtype, shape, { value: tensorAttr(dtype, [0]) });
}

export function zerosLike(x: Value): Value {
  return zeros(x.graph, x.dtype, x.shape, x);
}

/** Sums a broadcast gradient `dy` down to `target` (leading axes and size-1 axes). */
export function sumToShape(dy: Value, target: Shape): Value {
  if (sameShape(dy.shape, target)) return dy;
  const lead = dy.rank - target.length;
  if (lead < 0) throw new ShapeError(`gradient of shape ${formatShape(dy.shape)} cannot reduce to ${formatShape(target)}`);
  const axes: number[] = [];
  for (let i = 0; i < dy.rank; i++) {
    if (i < lead || (target[i - lead] === 1 && dy.shape[i] !== 1)) axes.push(i);
  }
  if (axes.length === 0) return dy;
  const kept = dy.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  let r = emit1('ReduceSum', [dy, constI64(dy.graph, axes)], dy.dtype, kept, { keepdims: int(1) });
  if (lead > 0) {
    const leadAxes = Array.from({ length: lead }, (_, i) => i);
    r = emit1('Squeeze', [r, constI64(dy.graph, leadAxes)], dy.dtype, kept.slice(lead));
  }
  return r;
}
