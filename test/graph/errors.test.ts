// Build-time errors: they name the op and the shapes, and say what to do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as G from '../../src/graph/index.ts';
import { tensor } from '../../src/runtime/session.ts';
import { runGraph } from './harness.ts';

/** Asserts `fn` throws an instance of `cls` whose message contains every one of `parts`. */
function throwsWith(fn: () => unknown, cls: new (...a: never[]) => Error, parts: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    for (const p of parts) assert.ok(e.message.includes(p), `message lacks '${p}': ${e.message}`);
    return true;
  });
}

test('matmul [2,3] @ [4,5] names MatMul and both shapes', () => {
  const g = new G.Graph();
  throwsWith(() => G.matmul(g.input('a', 'float32', [2, 3]), g.input('b', 'float32', [4, 5])), G.ShapeError, ['MatMul', '[2, 3]', '[4, 5]']);
});

test('batched matmul with non-broadcastable batch dims names MatMul', () => {
  const g = new G.Graph();
  throwsWith(() => G.matmul(g.input('a', 'float32', [2, 3, 4]), g.input('b', 'float32', [3, 4, 5])), G.ShapeError, ['MatMul', '[2]', '[3]']);
});

test('gemm with mismatched inner dims names Gemm', () => {
  const g = new G.Graph();
  throwsWith(() => G.gemm(g.input('a', 'float32', [2, 3]), g.input('b', 'float32', [2, 5]), null), G.ShapeError, ['Gemm', '[2, 3]', '[2, 5]']);
});

test('add of non-broadcastable shapes names Add and both shapes', () => {
  const g = new G.Graph();
  throwsWith(() => G.add(g.input('a', 'float32', [3, 4]), g.input('b', 'float32', [3])), G.ShapeError, ['Add', '[3, 4]', '[3]']);
});

test('binary op of different dtypes asks for a cast', () => {
  const g = new G.Graph();
  throwsWith(() => G.mul(g.input('a', 'float32', [3]), g.input('b', 'float64', [3])), G.ShapeError, ['Mul', 'cast']);
});

test('concat of inputs with different ranks names Concat', () => {
  const g = new G.Graph();
  throwsWith(() => G.concat([g.input('a', 'float32', [2, 3]), g.input('b', 'float32', [2, 3, 1])], 0), G.ShapeError, ['Concat', 'rank']);
});

test('reshape to a different element count and split with wrong sizes are rejected', () => {
  const g = new G.Graph();
  const x = g.input('x', 'float32', [3, 4]);
  throwsWith(() => G.reshape(x, [5, 2]), G.ShapeError, ['Reshape', '12', '10']);
  throwsWith(() => G.split(x, [1, 1], 0), G.ShapeError, ['Split', '[1,1]']);
  throwsWith(() => G.softmax(x, 2), G.ShapeError, ['Softmax', 'axis 2']);
});

test('an op without a gradient rule between a parameter and the loss throws MissingGradientError naming it', () => {
  const g = new G.Graph();
  const w = g.input('w', 'float32', [3]);
  const [r] = g.emit('Round', [G.mul(w, 2)], [{ dtype: 'float32', shape: [3] }]);
  throwsWith(() => G.grad(G.reduceSum(r), [w]), G.MissingGradientError, ["'Round'"]);
});

test('an op without a gradient rule behind stopGradient is fine (its gradient is not needed)', async () => {
  const g = new G.Graph();
  const w = g.input('w', 'float64', [3]);
  const [r] = g.emit('Round', [w], [{ dtype: 'float64', shape: [3] }]);
  const [d] = G.grad(G.reduceSum(G.mul(G.stopGradient(r), w)), [w]);
  g.output(d, 'd');
  const out = await runGraph(g, { w: tensor(new Float64Array([0.4, 1.6, -2.3]), [3]) });
  assert.deepEqual(Array.from(out.d.data as Float64Array), [0, 2, -2]);
});

test('Gather gradient on plain int64 indices says to use indexInput', () => {
  const g = new G.Graph();
  const table = g.input('table', 'float32', [10, 4]);
  const y = G.gather(table, g.input('ids', 'int64', [6]));
  throwsWith(() => G.grad(G.reduceSum(y), [table]), G.ShapeError, ['Gather', 'indexInput']);
});

test('Gather gradient along axis 1 is refused naming Gather and the axis', () => {
  const g = new G.Graph();
  const x = g.input('x', 'float32', [3, 5]);
  const y = G.gather(x, G.indexInput(g, 'ids', [4], 5), 1);
  throwsWith(() => G.grad(G.reduceSum(y), [x]), G.ShapeError, ['Gather', 'axis 0']);
});

test('segmentSumBy without an index plan says how to create one', () => {
  const g = new G.Graph();
  throwsWith(() => G.segmentSumBy(g.input('x', 'float32', [6, 2]), g.input('ids', 'int64', [6])), G.ShapeError, ['indexInput']);
});

test('GatherElements gradient with several indices per row is refused (a scatter-add would race)', () => {
  const g = new G.Graph();
  const x = g.input('x', 'float32', [4, 5]);
  const y = G.gatherElements(x, g.input('k', 'int64', [4, 2]), 1);
  throwsWith(() => G.grad(G.reduceSum(y), [x]), G.ShapeError, ['GatherElements', 'race']);
});

test('grad of a non-scalar loss is rejected', () => {
  const g = new G.Graph();
  const x = g.input('x', 'float32', [3]);
  throwsWith(() => G.grad(G.mul(x, x), [x]), G.ShapeError, ['scalar']);
});

test('grad of an integer loss is rejected', () => {
  const g = new G.Graph();
  const x = g.input('x', 'int64', [3]);
  throwsWith(() => G.grad(G.reduceSum(x), [x]), G.ShapeError, ['floating point']);
});

test('an input name used twice is rejected', () => {
  const g = new G.Graph();
  g.input('x', 'float32', [3]);
  throwsWith(() => g.input('x', 'float32', [3]), G.ShapeError, ["'x'", 'twice']);
});
