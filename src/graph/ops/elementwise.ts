// Elementwise ops (arithmetic, activations, comparisons, selection) and their gradient rules.
import { type Node, type Value, float } from '../graph.ts';
import { type GradRule, type GradRules, inputOf, inputsOf } from '../grad-rule.ts';
import { defineAttrs } from '../op-attrs.ts';
import { type DType, isFloat, ONNX_DTYPE } from '../dtype.ts';
import { broadcast, sameShape, ShapeError } from '../shape.ts';
import { type Operand, lift, emit1, sumToShape, zerosLike } from './util.ts';

function binary(op: string, a: Operand, b: Operand, outDtype?: DType): Value {
  const like = typeof a === 'number' ? (b as Value) : a;
  const x = lift(a, like);
  const y = lift(b, like);
  if (x.dtype !== y.dtype) throw new ShapeError(`${op}: dtypes differ (${x} vs ${y}); cast one first`);
  return emit1(op, [x, y], outDtype ?? x.dtype, broadcast(op, x.shape, y.shape));
}

export const add = (a: Operand, b: Operand) => binary('Add', a, b);
export const sub = (a: Operand, b: Operand) => binary('Sub', a, b);
export const mul = (a: Operand, b: Operand) => binary('Mul', a, b);
export const div = (a: Operand, b: Operand) => binary('Div', a, b);
export const maximum = (a: Operand, b: Operand) => binary('Max', a, b);
export const minimum = (a: Operand, b: Operand) => binary('Min', a, b);
export const greater = (a: Operand, b: Operand) => binary('Greater', a, b, 'bool');
export const less = (a: Operand, b: Operand) => binary('Less', a, b, 'bool');
export const greaterOrEqual = (a: Operand, b: Operand) => binary('GreaterOrEqual', a, b, 'bool');
export const lessOrEqual = (a: Operand, b: Operand) => binary('LessOrEqual', a, b, 'bool');
export const equal = (a: Operand, b: Operand) => binary('Equal', a, b, 'bool');

const unary = (op: string) => (x: Value) => emit1(op, [x], x.dtype, x.shape);
export const neg = unary('Neg');
export const exp = unary('Exp');
export const log = unary('Log');
export const sqrt = unary('Sqrt');
export const abs = unary('Abs');
export const sign = unary('Sign');
export const relu = unary('Relu');
export const sigmoid = unary('Sigmoid');
export const tanh = unary('Tanh');
export const identity = unary('Identity');
export const not = (x: Value) => emit1('Not', [x], 'bool', x.shape);
export const and = (a: Value, b: Value) => emit1('And', [a, b], 'bool', broadcast('And', a.shape, b.shape));

/** LeakyRelu's slope for x < 0, as the float32 ONNX attribute holds it (the gradient uses the same value). */
export interface LeakyReluAttrs { alpha: number }
const leakyReluAttrs = defineAttrs<LeakyReluAttrs>('LeakyRelu');

export function leakyRelu(x: Value, alpha = 0.01): Value {
  const y = emit1('LeakyRelu', [x], x.dtype, x.shape, { alpha: float(alpha) });
  leakyReluAttrs.set(y.producer!, { alpha: Math.fround(alpha) });
  return y;
}

/** Pow's exponent when it is a build-time constant (only then is Pow differentiable). */
export interface PowAttrs { exponent: number }
const powAttrs = defineAttrs<PowAttrs>('Pow');

/** x ** exponent, with a constant exponent. */
export function pow(x: Value, exponent: number): Value {
  const y = emit1('Pow', [x, x.graph.scalar(exponent, x.dtype)], x.dtype, x.shape);
  powAttrs.set(y.producer!, { exponent });
  return y;
}

export function square(x: Value): Value { return mul(x, x); }

export function where(cond: Value, a: Operand, b: Operand): Value {
  const like = typeof a === 'number' ? (b as Value) : a;
  const x = lift(a, like);
  const y = lift(b, like);
  return emit1('Where', [cond, x, y], x.dtype, broadcast('Where', cond.shape, broadcast('Where', x.shape, y.shape)));
}

/** Clamps to [lo, hi] (either bound may be omitted). */
export function clip(x: Value, lo?: number, hi?: number): Value {
  const g = x.graph;
  return emit1('Clip', [x, lo === undefined ? null : g.scalar(lo, x.dtype), hi === undefined ? null : g.scalar(hi, x.dtype)], x.dtype, x.shape);
}

export function cast(x: Value, dtype: DType): Value {
  if (x.dtype === dtype) return x;
  return emit1('Cast', [x], dtype, x.shape, { to: { kind: 'int', value: ONNX_DTYPE[dtype] } });
}

/** Passes `x` forward unchanged and blocks its gradient. */
export function stopGradient(x: Value): Value {
  const y = identity(x);
  y.producer!.noGrad = true;
  return y;
}

// ---- gradient rules ----
const first = (n: Node) => inputOf(n, 0);

/** Max/Min: the gradient goes to the selected operand; ties go to the first. */
function selectGrad(cmp: (a: Value, b: Value) => Value): GradRule {
  return (n, [dy]) => {
    const [a, b] = inputsOf(n);
    const pickA = cmp(a, b);
    return [sumToShape(where(pickA, dy!, 0), a.shape), sumToShape(where(pickA, 0, dy!), b.shape)];
  };
}

const noGradient: GradRule = (n) => n.inputs.map(() => undefined);


/**
 * A gradient that is an Expand (a reduction's gradient broadcast back over the reduced axes) as the
 * value before it, when its product with `other` has `out`'s shape all the same: the product then
 * broadcasts it, and the full-size copy is never made (the same numbers, one pass fewer).
 */
function unexpanded(dy: Value, other: Value, out: Value): Value {
  const p = dy.producer;
  if (p?.op !== 'Expand' || !p.inputs[0]) return dy;
  const small = p.inputs[0];
  // Both broadcast to `out`, so their broadcast cannot conflict.
  return sameShape(broadcast('Mul', small.shape, other.shape), out.shape) ? small : dy;
}

export const ELEMENTWISE_GRADIENTS: GradRules = {
  Add: (n, [dy]) => [sumToShape(dy!, inputOf(n, 0).shape), sumToShape(dy!, inputOf(n, 1).shape)],
  Sub: (n, [dy]) => [sumToShape(dy!, inputOf(n, 0).shape), sumToShape(neg(dy!), inputOf(n, 1).shape)],
  Mul: (n, [dy]) => {
    const [a, b] = inputsOf(n);
    const y = n.outputs[0];
    return [sumToShape(mul(unexpanded(dy!, b, y), b), a.shape), sumToShape(mul(unexpanded(dy!, a, y), a), b.shape)];
  },
  Div: (n, [dy]) => {
    const [a, b] = inputsOf(n);
    const y = n.outputs[0];
    return [sumToShape(div(unexpanded(dy!, b, y), b), a.shape), sumToShape(neg(div(mul(unexpanded(dy!, y, y), y), b)), b.shape)];
  },
  Neg: (_n, [dy]) => [neg(dy!)],
  Identity: (_n, [dy]) => [dy],
  Exp: (n, [dy]) => [mul(dy!, n.outputs[0])],
  Log: (n, [dy]) => [div(dy!, first(n))],
  Sqrt: (n, [dy]) => [div(mul(dy!, 0.5), n.outputs[0])],
  Abs: (n, [dy]) => [mul(dy!, sign(first(n)))],
  Relu: (n, [dy]) => [where(greater(first(n), 0), dy!, 0)],
  LeakyRelu: (n, [dy]) => [where(greater(first(n), 0), dy!, mul(dy!, leakyReluAttrs.get(n).alpha))],
  Sigmoid: (n, [dy]) => {
    const y = n.outputs[0];
    return [mul(dy!, mul(y, sub(1, y)))];
  },
  Tanh: (n, [dy]) => [mul(dy!, sub(1, square(n.outputs[0])))],
  Pow: (n, [dy]) => {
    const c = powAttrs.find(n)?.exponent;
    if (c === undefined) throw new ShapeError(`Pow (${n.name}): only constant exponents are differentiable`);
    const x = first(n);
    return [mul(dy!, c === 2 ? mul(x, 2) : mul(pow(x, c - 1), c)), undefined];
  },
  Where: (n, [dy]) => {
    const [c, a, b] = inputsOf(n);
    return [undefined, sumToShape(where(c, dy!, 0), a.shape), sumToShape(where(c, 0, dy!), b.shape)];
  },
  Clip: (n, [dy]) => {
    const [x, lo, hi] = [first(n), n.inputs[1], n.inputs[2]];
    let inside: Value | null = null;
    if (lo) inside = greaterOrEqual(x, lo);
    if (hi) inside = inside ? and(inside, lessOrEqual(x, hi)) : lessOrEqual(x, hi);
    return [inside ? where(inside, dy!, 0) : dy, undefined, undefined];
  },
  Max: selectGrad(greaterOrEqual),
  Min: selectGrad(lessOrEqual),
  Cast: (n, [dy]) => {
    const x = first(n);
    return [isFloat(x.dtype) ? cast(dy!, x.dtype) : undefined];
  },
  Sum: (n, [dy]) => inputsOf(n).map((x) => sumToShape(dy!, x.shape)),
  ...Object.fromEntries(['Sign', 'Greater', 'Less', 'GreaterOrEqual', 'LessOrEqual', 'Equal', 'Not', 'And',
    'Shape', 'ConstantOfShape'].map((op) => [op, noGradient])),
};

/** Adds gradient contributions (one Sum node). */
export function sumAll(parts: Value[]): Value {
  if (parts.length === 1) return parts[0];
  const shape = parts.reduce((s, p) => broadcast('Sum', s, p.shape), parts[0].shape);
  return emit1('Sum', parts, parts[0].dtype, shape);
}

export { zerosLike };
