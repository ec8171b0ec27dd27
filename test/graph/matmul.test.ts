// MatMul (2-D, batched, broadcasting batch dims) and Gemm (transposes, C, alpha/beta).
import { test } from 'node:test';
import * as G from '../../src/graph/index.ts';
import * as R from './reference.ts';
import { checkOp, f64, projection, assertClose } from './harness.ts';

const mm = (a: number[], b: number[]) => test(`MatMul [${a}] @ [${b}]`, async () => {
  await checkOp((_g, x) => G.matmul(x.a, x.b), { a: f64(a), b: f64(b) }, { ref: (x) => R.matmul(x.a, x.b) });
});
mm([3, 4], [4, 5]);
mm([2, 3, 4], [2, 4, 2]);
mm([2, 3, 4], [4, 2]); // b broadcasts over the batch: its gradient sums the batch
mm([3, 4], [2, 4, 2]); // a broadcasts over the batch
mm([2, 1, 3, 2], [3, 2, 4]); // batch dims [2,1] vs [3] broadcast to [2,3]
mm([1, 3, 2], [2, 2, 3]); // size-1 batch dim on a

for (const transA of [false, true]) {
  for (const transB of [false, true]) {
    const [m, k, n] = [3, 4, 2];
    const shapeA = transA ? [k, m] : [m, k];
    const shapeB = transB ? [n, k] : [k, n];
    const opts = { transA, transB };
    test(`Gemm transA=${transA} transB=${transB}, no C`, async () => {
      await checkOp((_g, x) => G.gemm(x.a, x.b, null, opts), { a: f64(shapeA), b: f64(shapeB) },
        { ref: (x) => R.gemm(x.a, x.b, null, opts) });
    });
    test(`Gemm transA=${transA} transB=${transB}, full C, alpha=0.7 beta=-1.3`, async () => {
      const o = { ...opts, alpha: 0.7, beta: -1.3 };
      await checkOp((_g, x) => G.gemm(x.a, x.b, x.c, o), { a: f64(shapeA), b: f64(shapeB), c: f64([m, n]) },
        { ref: (x) => R.gemm(x.a, x.b, x.c, o) });
    });
  }
}

test('Gemm with C as a row vector [n] (bias), beta=2', async () => {
  const o = { transB: true, beta: 2 };
  await checkOp((_g, x) => G.gemm(x.a, x.b, x.c, o), { a: f64([3, 4]), b: f64([5, 4]), c: f64([5]) },
    { ref: (x) => R.gemm(x.a, x.b, x.c, o) });
});

test('Gemm with C as [1, n] and as a column [m, 1]', async () => {
  await checkOp((_g, x) => [G.gemm(x.a, x.b, x.r), G.gemm(x.a, x.b, x.c, { alpha: 1.5, beta: 0.5 })],
    { a: f64([3, 4]), b: f64([4, 2]), r: f64([1, 2]), c: f64([3, 1]) },
    { ref: (x) => [R.gemm(x.a, x.b, x.r), R.gemm(x.a, x.b, x.c, { alpha: 1.5, beta: 0.5 })] });
});

test('Gemm gradient of C uses the same (float32) beta as the forward', async () => {
  const r = await checkOp((_g, x) => G.gemm(x.a, x.b, x.c, { beta: 0.3 }), { a: f64([2, 3]), b: f64([3, 2]), c: f64([2, 2], 'any', 3) },
    { ref: (x) => R.gemm(x.a, x.b, x.c, { beta: 0.3 }) });
  assertClose(r.grads.c, projection([2, 2]).map((w) => w * Math.fround(0.3)), 1e-15, 0, 'exact dC');
});
