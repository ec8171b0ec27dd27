// Elementwise ops: forward against the reference, gradients against central finite differences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as G from '../../src/graph/index.ts';
import { tensor } from '../../src/runtime/session.ts';
import * as R from './reference.ts';
import { checkOp, f64, fill, uniform, projection, runGraph, assertClose, type InputSpec, type CheckOptions } from './harness.ts';

type Case = [string, (g: G.Graph, x: Record<string, G.Value>) => G.Value | G.Value[], Record<string, InputSpec>, CheckOptions];
const un = (f: (v: number) => number) => ({ ref: (x: Record<string, R.T>) => R.map(x.x, f) });
const bin = (f: (p: number, q: number) => number) => ({ ref: (x: Record<string, R.T>) => R.binary(x.a, x.b, f) });
const plus = (p: number, q: number) => p + q;
const minus = (p: number, q: number) => p - q;
const times = (p: number, q: number) => p * q;
const over = (p: number, q: number) => p / q;

// ONNX float attributes (LeakyRelu alpha, Gemm alpha/beta) are float32: the references round them.
const cases: Case[] = [
  ['Add [3,4]+[3,4]', (_g, x) => G.add(x.a, x.b), { a: f64([3, 4]), b: f64([3, 4]) }, bin(plus)],
  ['Add [3,4]+[4] broadcasts the row', (_g, x) => G.add(x.a, x.b), { a: f64([3, 4]), b: f64([4]) }, bin(plus)],
  ['Add [2,3,4]+[3,1] broadcasts two axes', (_g, x) => G.add(x.a, x.b), { a: f64([2, 3, 4]), b: f64([3, 1]) }, bin(plus)],
  ['Add scalar input + [3,4]', (_g, x) => G.add(x.a, x.b), { a: f64([]), b: f64([3, 4]) }, bin(plus)],
  ['Add number constant', (_g, x) => G.add(x.x, 2.5), { x: f64([3, 4]) }, un((v) => v + 2.5)],
  ['Sub [4]-[3,4] (left operand broadcasts)', (_g, x) => G.sub(x.a, x.b), { a: f64([4]), b: f64([3, 4]) }, bin(minus)],
  ['Sub [3,4]-[3,1]', (_g, x) => G.sub(x.a, x.b), { a: f64([3, 4]), b: f64([3, 1]) }, bin(minus)],
  ['Mul [3,1]*[1,4] (outer product)', (_g, x) => G.mul(x.a, x.b), { a: f64([3, 1]), b: f64([1, 4]) }, bin(times)],
  ['Mul [3,4]*[4]', (_g, x) => G.mul(x.a, x.b), { a: f64([3, 4]), b: f64([4]) }, bin(times)],
  ['Mul [3,4]*scalar input', (_g, x) => G.mul(x.a, x.b), { a: f64([3, 4]), b: f64([]) }, bin(times)],
  ['Div [3,4]/[3,4]', (_g, x) => G.div(x.a, x.b), { a: f64([3, 4]), b: f64([3, 4], 'pos') }, bin(over)],
  ['Div [3,1]/[1,4]', (_g, x) => G.div(x.a, x.b), { a: f64([3, 1]), b: f64([1, 4], 'pos') }, bin(over)],
  ['Div number / [3,4]', (_g, x) => G.div(3, x.x), { x: f64([3, 4], 'pos') }, un((v) => 3 / v)],
  ['Neg', (_g, x) => G.neg(x.x), { x: f64([3, 4]) }, un((v) => -v)],
  ['Exp', (_g, x) => G.exp(x.x), { x: f64([3, 4]) }, un(Math.exp)],
  ['Log', (_g, x) => G.log(x.x), { x: f64([3, 4], 'pos') }, un(Math.log)],
  ['Sqrt', (_g, x) => G.sqrt(x.x), { x: f64([3, 4], 'pos') }, un(Math.sqrt)],
  ['Pow 2', (_g, x) => G.pow(x.x, 2), { x: f64([3, 4]) }, un((v) => v ** 2)],
  ['Pow 3', (_g, x) => G.pow(x.x, 3), { x: f64([3, 4]) }, un((v) => v ** 3)],
  ['Pow 0.5', (_g, x) => G.pow(x.x, 0.5), { x: f64([3, 4], 'pos') }, un(Math.sqrt)],
  ['square', (_g, x) => G.square(x.x), { x: f64([3, 4]) }, un((v) => v * v)],
  ['Abs', (_g, x) => G.abs(x.x), { x: f64([3, 4], 'away') }, un(Math.abs)],
  ['Relu', (_g, x) => G.relu(x.x), { x: f64([3, 4], 'away') }, un((v) => Math.max(v, 0))],
  ['LeakyRelu default alpha', (_g, x) => G.leakyRelu(x.x), { x: f64([3, 4], 'away') }, un((v) => (v > 0 ? v : Math.fround(0.01) * v))],
  ['LeakyRelu alpha 0.2', (_g, x) => G.leakyRelu(x.x, 0.2), { x: f64([3, 4], 'away') }, un((v) => (v > 0 ? v : Math.fround(0.2) * v))],
  ['Sigmoid', (_g, x) => G.sigmoid(x.x), { x: f64([3, 4]) }, un(R.sigmoid)],
  ['Tanh', (_g, x) => G.tanh(x.x), { x: f64([3, 4]) }, un(Math.tanh)],
  ['Identity', (_g, x) => G.identity(x.x), { x: f64([3, 4]) }, un((v) => v)],
  ['Max elementwise [3,4] vs [4]', (_g, x) => G.maximum(x.a, x.b), { a: f64([3, 4], 'distinct'), b: f64([4], 'distinct') }, bin(Math.max)],
  ['Min elementwise [3,4] vs [3,4]', (_g, x) => G.minimum(x.a, x.b), { a: f64([3, 4], 'distinct'), b: f64([3, 4], 'distinct') }, bin(Math.min)],
  ['Clip both bounds', (_g, x) => G.clip(x.x, -0.6, 0.7), { x: f64([4, 5], 'distinct') }, { ref: (x) => R.clip(x.x, -0.6, 0.7) }],
  ['Clip lower bound only', (_g, x) => G.clip(x.x, -0.3), { x: f64([4, 5], 'distinct') }, { ref: (x) => R.clip(x.x, -0.3) }],
  ['Clip upper bound only', (_g, x) => G.clip(x.x, undefined, 0.4), { x: f64([4, 5], 'distinct') }, { ref: (x) => R.clip(x.x, -Infinity, 0.4) }],
  ['Sum of three (broadcasting)', (_g, x) => G.sumAll([x.a, x.b, x.c]), { a: f64([3, 4]), b: f64([4]), c: f64([3, 1]) },
    { ref: (x) => R.binary(R.binary(x.a, x.b, plus), x.c, plus) }],
  ['input used twice accumulates gradients', (_g, x) => G.mul(G.exp(x.x), x.x), { x: f64([3, 4]) },
    un((v) => Math.exp(v) * v)],
  // float32 rounding makes central differences noisy at h = 1e-6: use h = 1e-3 and a float32-sized tolerance.
  ['Cast float64→float32→float64', (_g, x) => G.mul(G.cast(G.cast(x.x, 'float32'), 'float64'), 3), { x: f64([3, 4]) },
    { ref: (x) => R.map(x.x, (v) => 3 * Math.fround(v)), fwdTol: 0, h: 1e-3, tol: 1e-3 }],
];

for (const [name, build, inputs, opts] of cases) test(name, () => checkOp(build, inputs, opts).then(() => undefined));

test('LeakyRelu gradient uses the same (float32) alpha as the forward', async () => {
  const r = await checkOp((_g, x) => G.leakyRelu(x.x, 0.1), { x: f64([3, 4], 'away', 11) },
    { ref: (x) => R.map(x.x, (v) => (v > 0 ? v : Math.fround(0.1) * v)) });
  const x = fill(12, 'away', 11);
  const want = projection([3, 4]).map((w, i) => (x[i] > 0 ? w : w * Math.fround(0.1)));
  assertClose(r.grads.x, want, 1e-15, 0, 'exact LeakyRelu gradient');
});

test('comparisons, Sign, Not and And: forward values, zero gradient', async () => {
  const f = (v: G.Value) => G.cast(v, 'float64');
  const cmp = (p: number, q: number, k: number) => [p > q, p < q, p >= q, p <= q, p === p, !(p > q), p > 0 && q < 0][k] ? 1 : 0;
  await checkOp((_g, x) => [
    f(G.greater(x.a, x.b)), f(G.less(x.a, x.b)), f(G.greaterOrEqual(x.a, x.b)), f(G.lessOrEqual(x.a, x.b)),
    f(G.equal(x.a, x.a)), f(G.not(G.greater(x.a, x.b))), f(G.and(G.greater(x.a, 0), G.less(x.b, 0))), G.sign(x.a),
  ], { a: f64([3, 4], 'distinct'), b: f64([4], 'distinct') }, {
    ref: (x) => [...Array.from({ length: 7 }, (_, k) => R.binary(x.a, x.b, (p, q) => cmp(p, q, k))), R.map(x.a, Math.sign)],
  });
});

const cond = fill(12, 'any', 77).map((v) => (v > 0 ? 1 : 0));
test('Where (condition [3,4], a [3,4], b broadcast [4])', async () => {
  await checkOp((g, x) => G.where(G.greater(g.constant(cond, 'float64', [3, 4]), 0), x.a, x.b),
    { a: f64([3, 4]), b: f64([4]) }, { ref: (x) => R.where(R.t([3, 4], cond), x.a, x.b) });
});

test('Where with a number branch', async () => {
  await checkOp((g, x) => G.where(G.greater(g.constant(cond, 'float64', [3, 4]), 0), -2, x.b),
    { b: f64([3, 4]) }, { ref: (x) => R.where(R.t([3, 4], cond), R.t([], [-2]), x.b) });
});

test('stopGradient passes the value and blocks the gradient', async () => {
  const g = new G.Graph();
  const x = g.input('x', 'float64', [3, 4]);
  const w = uniform(12, 5);
  const W = g.constant(w, 'float64', [3, 4]);
  const sg = G.stopGradient(x);
  // loss1 = Σ W·x·sg(x): only the first factor carries gradient, so d/dx = W·x (not 2·W·x).
  const [d1] = G.grad(G.reduceSum(G.mul(G.mul(x, sg), W)), [x]);
  const [d2] = G.grad(G.reduceSum(G.mul(sg, W)), [x]);
  g.output(sg, 'y'); g.output(d1, 'd1'); g.output(d2, 'd2');
  const xs = Float64Array.from(uniform(12, 6));
  const r = await runGraph(g, { x: tensor(xs, [3, 4]) });
  assert.deepEqual(Array.from(r.y.data as Float64Array), Array.from(xs));
  assertClose(r.d1.data as Float64Array, xs.map((v, i) => v * w[i]), 1e-15, 0, 'd/dx through one stopped factor');
  assert.deepEqual(Array.from(r.d2.data as Float64Array), new Array(12).fill(0));
});
