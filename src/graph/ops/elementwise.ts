// Elementwise ops (arithmetic, activations, comparisons, selection) and their gradient rules.
import { type Value, float } from '../graph.ts';
import { registerGradient } from '../autodiff.ts';
import { type DType, isFloat } from '../dtype.ts';
import { broadcast, ShapeError } from '../shape.ts';
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

export function leakyRelu(x: Value, alpha = 0.01): Value {
  const y = emit1('LeakyRelu', [x], x.dtype, x.shape, { alpha: float(alpha) });
  y.producer!.meta.alpha = Math.fround(alpha); // the attribute is float32: the gradient must use the same value
  return y;
}

/** x ** exponent, with a constant exponent. */
export function pow(x: Value, exponent: number): Value {
  const y = emit1('Pow', [x, x.graph.scalar(exponent, x.dtype)], x.dtype, x.shape);
  y.producer!.meta.exponent = exponent;
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
  return emit1('Cast', [x], dtype, x.shape, { to: { kind: 'int', value: ({ float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9, float64: 11 } as const)[dtype] } });
}

/** Passes `x` forward unchanged and blocks its gradient. */
export function stopGradient(x: Value): Value {
  const y = identity(x);
  y.producer!.noGrad = true;
  return y;
}

// ---- gradient rules ----
const [A, B] = [0, 1];
const ins = (n: { inputs: (Value | null)[] }) => n.inputs as Value[];

registerGradient('Add', (n, [dy]) => [sumToShape(dy!, ins(n)[A].shape), sumToShape(dy!, ins(n)[B].shape)]);
registerGradient('Sub', (n, [dy]) => [sumToShape(dy!, ins(n)[A].shape), sumToShape(neg(dy!), ins(n)[B].shape)]);
registerGradient('Mul', (n, [dy]) => {
  const [a, b] = ins(n);
  return [sumToShape(mul(dy!, b), a.shape), sumToShape(mul(dy!, a), b.shape)];
});
registerGradient('Div', (n, [dy]) => {
  const [a, b] = ins(n);
  const y = n.outputs[0];
  return [sumToShape(div(dy!, b), a.shape), sumToShape(neg(div(mul(dy!, y), b)), b.shape)];
});
registerGradient('Neg', (_n, [dy]) => [neg(dy!)]);
registerGradient('Identity', (_n, [dy]) => [dy]);
registerGradient('Exp', (n, [dy]) => [mul(dy!, n.outputs[0])]);
registerGradient('Log', (n, [dy]) => [div(dy!, ins(n)[0])]);
registerGradient('Sqrt', (n, [dy]) => [div(mul(dy!, 0.5), n.outputs[0])]);
registerGradient('Abs', (n, [dy]) => [mul(dy!, sign(ins(n)[0]))]);
registerGradient('Relu', (n, [dy]) => [where(greater(ins(n)[0], 0), dy!, 0)]);
registerGradient('LeakyRelu', (n, [dy]) => [where(greater(ins(n)[0], 0), dy!, mul(dy!, n.meta.alpha as number))]);
registerGradient('Sigmoid', (n, [dy]) => {
  const y = n.outputs[0];
  return [mul(dy!, mul(y, sub(1, y)))];
});
registerGradient('Tanh', (n, [dy]) => [mul(dy!, sub(1, square(n.outputs[0])))]);
registerGradient('Pow', (n, [dy]) => {
  const c = n.meta.exponent as number | undefined;
  if (c === undefined) throw new ShapeError(`Pow (${n.name}): only constant exponents are differentiable`);
  const x = ins(n)[0];
  return [mul(dy!, c === 2 ? mul(x, 2) : mul(pow(x, c - 1), c)), undefined];
});
registerGradient('Where', (n, [dy]) => {
  const [c, a, b] = ins(n);
  return [undefined, sumToShape(where(c, dy!, 0), a.shape), sumToShape(where(c, 0, dy!), b.shape)];
});
registerGradient('Clip', (n, [dy]) => {
  const [x, lo, hi] = n.inputs;
  let inside: Value | null = null;
  if (lo) inside = greaterOrEqual(x!, lo);
  if (hi) inside = inside ? and(inside, lessOrEqual(x!, hi)) : lessOrEqual(x!, hi);
  return [inside ? where(inside, dy!, 0) : dy, undefined, undefined];
});
/** Max/Min: the gradient goes to the selected operand; ties go to the first. */
function selectGrad(cmp: (a: Value, b: Value) => Value) {
  return (n: { inputs: (Value | null)[] }, [dy]: (Value | undefined)[]) => {
    const [a, b] = ins(n);
    const pickA = cmp(a, b);
    return [sumToShape(where(pickA, dy!, 0), a.shape), sumToShape(where(pickA, 0, dy!), b.shape)];
  };
}
registerGradient('Max', selectGrad(greaterOrEqual));
registerGradient('Min', selectGrad(lessOrEqual));
registerGradient('Cast', (n, [dy]) => {
  const x = ins(n)[0];
  return [isFloat(x.dtype) ? cast(dy!, x.dtype) : undefined];
});
registerGradient('Sum', (n, [dy]) => ins(n).map((x) => sumToShape(dy!, x.shape)));
for (const op of ['Sign', 'Greater', 'Less', 'GreaterOrEqual', 'LessOrEqual', 'Equal', 'Not', 'And',
  'Shape', 'ConstantOfShape']) {
  registerGradient(op, (n) => n.inputs.map(() => undefined));
}

/** Adds gradient contributions (one Sum node). */
export function sumAll(parts: Value[]): Value {
  if (parts.length === 1) return parts[0];
  const shape = parts.reduce((s, p) => broadcast('Sum', s, p.shape), parts[0].shape);
  return emit1('Sum', parts, parts[0].dtype, shape);
}

export { zerosLike };
