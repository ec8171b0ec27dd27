// Reductions (ReduceSum/Mean/Max over several axes, keepdims both ways), Softmax, LogSoftmax, CumSum.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as G from '../../src/graph/index.ts';
import * as R from './reference.ts';
import { checkOp, f64, runGraph, assertClose } from './harness.ts';

const reducers = {
  sum: G.reduceSum,
  mean: G.reduceMean,
  max: G.reduceMax,
} as const;

const axesCases: (number[] | undefined)[] = [[1], [-1], [0, 2], [0, 1, 2], undefined];
for (const [kind, op] of Object.entries(reducers) as [keyof typeof reducers, typeof G.reduceSum][]) {
  for (const axes of axesCases) {
    for (const keepdims of [false, true]) {
      test(`Reduce${kind} axes=${axes ? `[${axes}]` : 'all'} keepdims=${keepdims}`, async () => {
        // distinct values: no ties, so ReduceMax is differentiable at the test point
        await checkOp((_g, x) => op(x.x, axes, keepdims), { x: f64([2, 3, 4], 'distinct') },
          { ref: (x) => R.reduce(x.x, axes, keepdims, kind) });
      });
    }
  }
}

test('ReduceMax splits the gradient evenly between tied maxima', async () => {
  // ties are a kink for finite differences, so check the tie rule exactly: row 0 has two maxima
  // (each gets half of its upstream gradient 2), row 1 a single one (gets all of -4).
  const g = new G.Graph();
  const x = g.constant([1, 3, 3, 0, 2, 5, 4, 1], 'float64', [2, 4]);
  const m = G.reduceMax(x, [1]);
  const [d] = G.grad(G.reduceSum(G.mul(m, g.constant([2, -4], 'float64', [2]))), [x]);
  g.output(m, 'm'); g.output(d, 'd');
  const r = await runGraph(g, {});
  assertClose(r.m.data as Float64Array, [3, 5], 0, 0, 'ReduceMax forward');
  assertClose(r.d.data as Float64Array, [0, 1, 1, 0, 0, -4, 0, 0], 0, 0, 'ReduceMax tie gradient');
});

for (const axis of [-1, 0, 1]) {
  test(`Softmax axis=${axis} on [3,4]`, async () => {
    await checkOp((_g, x) => G.softmax(x.x, axis), { x: f64([3, 4]) }, { ref: (x) => R.softmax(x.x, axis) });
  });
  test(`LogSoftmax axis=${axis} on [3,4]`, async () => {
    await checkOp((_g, x) => G.logSoftmax(x.x, axis), { x: f64([3, 4]) }, { ref: (x) => R.logSoftmax(x.x, axis) });
  });
}

test('Softmax and LogSoftmax on a rank-3 tensor, middle axis', async () => {
  await checkOp((_g, x) => [G.softmax(x.x, 1), G.logSoftmax(x.x, 1)], { x: f64([2, 3, 2]) },
    { ref: (x) => [R.softmax(x.x, 1), R.logSoftmax(x.x, 1)] });
});

for (const reverse of [false, true]) {
  for (const axis of [0, 1, -1]) {
    test(`CumSum axis=${axis} reverse=${reverse} on [4,3]`, async () => {
      await checkOp((_g, x) => G.cumsum(x.x, axis, reverse), { x: f64([4, 3]) }, { ref: (x) => R.cumsum(x.x, axis, reverse) });
    });
  }
}

// A reduction's gradient is broadcast back with an Expand; a product consuming it takes the value
// before the Expand when its other factor has the product's shape (the full-size copy is never made).
const expands = (build: (g: G.Graph) => { loss: G.Value; wrt: G.Value[] }): number => {
  const g = new G.Graph();
  const { loss, wrt } = build(g);
  G.grad(loss, wrt).forEach((d, i) => g.output(d, `d${i}`));
  return G.liveParts(g).nodes.filter((n) => n.op === 'Expand').length;
};

for (const [label, bShape, wantExpands] of [['same shape', [3, 4], 0], ['b broadcast along the reduced axis', [3, 1], 1]] as const) {
  test(`ReduceSum/ReduceMean of a product, ${label}: exact gradients, ${wantExpands} Expand left`, async () => {
    await checkOp((_g, x) => [G.reduceSum(G.mul(x.a, x.b), [1]), G.reduceMean(G.div(x.a, x.b), [1], true)],
      { a: f64([3, 4]), b: f64([...bShape], 'away') },
      { ref: (x) => [R.reduce(R.binary(x.a, x.b, (p, q) => p * q), [1], false, 'sum'), R.reduce(R.binary(x.a, x.b, (p, q) => p / q), [1], true, 'mean')] });
    const n = expands((g) => {
      const a = g.input('a', 'float64', [3, 4]);
      const b = g.input('b', 'float64', [...bShape]);
      return { loss: G.reduceSum(G.mul(G.reduceSum(G.mul(a, b), [1]), g.constant([1, 2, 3], 'float64', [3]))), wrt: [a, b] };
    });
    assert.equal(n, wantExpands, 'Expand nodes in the gradient graph');
  });
}
