// Typed op attributes and the gradient table: an op's emitter attaches its attributes and its rule
// reads them back typed; a node built without them fails naming the node; autodiff works imported
// on its own (no import-time setup: this file does not load src/graph/index.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph } from '../../src/graph/graph.ts';
import { ShapeError } from '../../src/graph/shape.ts';
import { grad } from '../../src/graph/autodiff.ts';
import { GRADIENT_RULES } from '../../src/graph/gradients.ts';
import { defineAttrs } from '../../src/graph/op-attrs.ts';
import { reduceSum } from '../../src/graph/ops/reduce.ts';
import { gemm } from '../../src/graph/ops/matmul.ts';

test('defineAttrs: set then get returns the attributes; a second set, a missing one and a wrong op throw naming the node', () => {
  const g = new Graph();
  const x = g.input('x', 'float32', [2]);
  const attrs = defineAttrs<{ k: number }>('Foo', 'Bar');
  const [foo] = g.emit('Foo', [x], [{ dtype: 'float32', shape: [2] }]);
  const [bar] = g.emit('Bar', [x], [{ dtype: 'float32', shape: [2] }]);
  const [baz] = g.emit('Baz', [x], [{ dtype: 'float32', shape: [2] }]);
  attrs.set(foo.producer!, { k: 3 });
  assert.deepEqual(attrs.get(foo.producer!), { k: 3 });
  assert.equal(attrs.find(bar.producer!), undefined);
  assert.throws(() => attrs.set(foo.producer!, { k: 4 }), /Foo.*set twice/);
  assert.throws(() => attrs.get(bar.producer!), (e: unknown) => e instanceof ShapeError && e.message.includes(bar.producer!.name) && e.message.includes('Foo/Bar'));
  assert.throws(() => attrs.set(baz.producer!, { k: 1 }), new RegExp(`${baz.producer!.name} is a Baz, not a Foo/Bar`));
});

test('a Gemm emitted bare (without its typed attributes) fails its gradient naming the node', () => {
  const g = new Graph();
  const a = g.input('a', 'float32', [2, 3]);
  const b = g.input('b', 'float32', [3, 4]);
  const [y] = g.emit('Gemm', [a, b], [{ dtype: 'float32', shape: [2, 4] }]);
  assert.throws(() => grad(reduceSum(y), [a]), (e: unknown) => e instanceof ShapeError && e.message.includes(y.producer!.name) && e.message.includes('Gemm'));
});

test('autodiff imported directly differentiates through ops that read typed attributes', () => {
  const g = new Graph();
  const a = g.input('a', 'float32', [2, 3]);
  const b = g.input('b', 'float32', [4, 3]);
  const w = g.input('w', 'float32', [5]);
  const [da, db, dw] = grad(reduceSum(gemm(a, b, null, { transB: true, alpha: 0.5 })), [a, b, w]);
  assert.deepEqual([da.shape, db.shape, dw.shape], [[2, 3], [4, 3], [5]]);
  assert.equal(dw.producer?.op, 'ConstantOfShape', 'zeros for an input the loss does not reach');
  assert.ok(g.nodes.some((n) => n.op === 'Gemm' && n.name.includes('grad')));
});

test('the gradient table holds one rule per differentiable op', () => {
  for (const op of ['Add', 'Mul', 'LeakyRelu', 'Pow', 'MatMul', 'Gemm', 'ReduceSum', 'Softmax', 'CumSum',
    'Concat', 'Split', 'Slice', 'Pad', 'Transpose', 'Squeeze', 'Unsqueeze', 'Gather', 'GatherElements', 'ScatterND', 'Sum']) {
    assert.equal(typeof GRADIENT_RULES.get(op), 'function', op);
  }
  assert.equal(GRADIENT_RULES.get('Round'), undefined);
});
