// A graph's matrix products counted symbolically, then for concrete feeds (runtime/step-threads.ts
// sizes a step's thread pool from them): every count below is worked out by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as G from '../../src/graph/index.ts';

function graph() {
  const g = new G.Graph('work');
  const x = g.input('x', 'float32', ['n', 6]);
  const y = g.input('y', 'float32', ['n', 4]);
  const z = g.input('z', 'float32', ['k', 'n', 6]);
  const w = g.initializer('w', new Float32Array(6 * 7), [6, 7]);
  const v = g.initializer('v', new Float32Array(3 * 5), [3, 5]);
  const u = g.initializer('u', new Float32Array(6 * 4), [6, 4]);
  g.output(G.gemm(x, y, null, { transA: true }), 'xty'); // [6, 4] over n: 24n
  g.output(G.matmul(z, w), 'zw'); // [k, n, 7] over 6: 42kn
  g.output(G.matmul(G.reshape(x, [-1, 3]), v), 'rv'); // [2n, 5] over 3: 30n
  g.output(G.matmul(G.pad(x, [1, 0], [1, 0]), u), 'pu'); // [n + 2, 4] over 6: 24(n + 2)
  G.gemm(x, u, null); // not an output: ORT drops it, so it does not count
  return g;
}

test('multiplyAdds: Gemm (transposed), batched MatMul, a Reshape-inferred and a padded dim; dead products left out', () => {
  const work = G.productWork(graph());
  assert.equal(work.steps.filter((s) => 'dims' in s).length, 4);
  const [n, k] = [10, 3];
  const fed = { x: { dims: [n, 6] }, y: { dims: [n, 4] }, z: { dims: [k, n, 6] } };
  assert.equal(G.multiplyAdds(work, fed), 24 * n + 42 * k * n + 30 * n + 24 * (n + 2));
});

test('multiplyAdds: null when a symbolic dim is not fed', () => {
  const work = G.productWork(graph());
  assert.equal(G.multiplyAdds(work, { x: { dims: [10, 6] }, y: { dims: [10, 4] } }), null, "z's k is unbound");
});

test('multiplyAdds: `<input>.numel` is the element count of a fed input of rank > 1', () => {
  const g = new G.Graph('numel');
  const ids = g.input('ids', 'int64', ['b', 5]);
  const table = g.initializer('table', new Float32Array(20 * 8), [20, 8]);
  const rows = G.gather(table, ids); // [b, 5, 8]
  const flat = G.reshape(rows, [-1, 8]); // [<rows>.reshaped, 8] = [5b, 8]
  g.output(G.matmul(flat, g.initializer('m', new Float32Array(8 * 2), [8, 2])), 'out'); // 5b · 2 · 8
  const work = G.productWork(g);
  assert.equal(G.multiplyAdds(work, { ids: { dims: [7, 5] } }), 5 * 7 * 2 * 8);
});
