// Layout ops: Concat, Split, Slice, Pad, Reshape, Transpose, Unsqueeze, Squeeze, Expand.
import { test } from 'node:test';
import * as G from '../../src/graph/index.ts';
import * as R from './reference.ts';
import { checkOp, f64 } from './harness.ts';

const one = (name: string, shape: number[], op: (x: G.Value) => G.Value, ref: (x: R.T) => R.T) =>
  test(name, async () => { await checkOp((_g, x) => op(x.x), { x: f64(shape) }, { ref: (x) => ref(x.x) }); });

test('Concat three inputs along axis 1', async () => {
  await checkOp((_g, x) => G.concat([x.a, x.b, x.c], 1), { a: f64([2, 3]), b: f64([2, 1]), c: f64([2, 2]) },
    { ref: (x) => R.concat([x.a, x.b, x.c], 1) });
});
test('Concat along axis 0 and axis -1 of rank-3 inputs', async () => {
  await checkOp((_g, x) => [G.concat([x.a, x.b], 0), G.concat([x.b, x.a], -1)], { a: f64([2, 2, 3]), b: f64([2, 2, 3]) },
    { ref: (x) => [R.concat([x.a, x.b], 0), R.concat([x.b, x.a], -1)] });
});
test('Concat of an input with itself (gradients accumulate)', async () => {
  await checkOp((_g, x) => G.concat([x.a, x.a], 0), { a: f64([2, 3]) }, { ref: (x) => R.concat([x.a, x.a], 0) });
});

test('Split [5,3] into [2,3] along axis 0', async () => {
  await checkOp((_g, x) => G.split(x.x, [2, 3], 0), { x: f64([5, 3]) }, { ref: (x) => R.split(x.x, [2, 3], 0) });
});
test('Split along axis -1 with an unused piece (its gradient is zero)', async () => {
  await checkOp((_g, x) => { const [p, , q] = G.split(x.x, [1, 2, 3], -1); return [p, q]; }, { x: f64([2, 6]) },
    { ref: (x) => { const [p, , q] = R.split(x.x, [1, 2, 3], -1); return [p, q]; } });
});

one('Slice [1:3] on axis 1', [3, 5], (x) => G.slice(x, [1], [3], [1]), (x) => R.slice(x, [1], [3], [1]));
one('Slice two axes with negative bounds', [4, 5], (x) => G.slice(x, [-3, 1], [-1, 100], [0, -1]),
  (x) => R.slice(x, [-3, 1], [-1, 100], [0, -1]));
one('Slice the middle axis of rank 3', [2, 4, 3], (x) => G.slice(x, [1], [3], [1]), (x) => R.slice(x, [1], [3], [1]));

one('Pad before and after on both axes', [2, 3], (x) => G.pad(x, [1, 0], [2, 1]), (x) => R.pad(x, [1, 0], [2, 1]));
one('Pad one axis of rank 3', [2, 2, 2], (x) => G.pad(x, [0, 0, 2], [0, 0, 1]), (x) => R.pad(x, [0, 0, 2], [0, 0, 1]));

one('Reshape [3,4] → [2,6]', [3, 4], (x) => G.reshape(x, [2, 6]), (x) => R.reshape(x, [2, 6]));
one('Reshape [3,4] → [-1,2]', [3, 4], (x) => G.reshape(x, [-1, 2]), (x) => R.reshape(x, [-1, 2]));
one('Reshape [2,3,2] → [-1]', [2, 3, 2], (x) => G.reshape(x, [-1]), (x) => R.reshape(x, [-1]));
// Reshape is a no-op on data: multiply afterwards so a wrong gradient layout would show.
test('Reshape then a broadcast multiply (gradient layout matters)', async () => {
  await checkOp((_g, x) => G.mul(G.reshape(x.x, [4, 3]), x.w), { x: f64([3, 4]), w: f64([3]) },
    { ref: (x) => R.binary(R.reshape(x.x, [4, 3]), x.w, (p, q) => p * q) });
});

one('Transpose 2-D', [3, 4], (x) => G.transpose(x, [1, 0]), (x) => R.transpose(x, [1, 0]));
one('Transpose rank 3 perm [2,0,1]', [2, 3, 4], (x) => G.transpose(x, [2, 0, 1]), (x) => R.transpose(x, [2, 0, 1]));
one('Transpose rank 3 perm [1,2,0]', [2, 3, 2], (x) => G.transpose(x, [1, 2, 0]), (x) => R.transpose(x, [1, 2, 0]));

one('Unsqueeze axis 0', [3, 4], (x) => G.unsqueeze(x, [0]), (x) => R.unsqueeze(x, [0]));
one('Unsqueeze axes [1,3]', [3, 4], (x) => G.unsqueeze(x, [1, 3]), (x) => R.unsqueeze(x, [1, 3]));
one('Unsqueeze axis -1', [3, 4], (x) => G.unsqueeze(x, [-1]), (x) => R.unsqueeze(x, [-1]));
one('Squeeze axes [1,3]', [3, 1, 4, 1], (x) => G.squeeze(x, [1, 3]), (x) => R.squeeze(x, [1, 3]));
one('Squeeze axis -1', [3, 4, 1], (x) => G.squeeze(x, [-1]), (x) => R.squeeze(x, [-1]));

one('Expand [3,1] → [3,4]', [3, 1], (x) => G.expand(x, [3, 4]), (x) => R.expand(x, [3, 4]));
one('Expand [4] → [2,3,4]', [4], (x) => G.expand(x, [2, 3, 4]), (x) => R.expand(x, [2, 3, 4]));
one('Expand [1,3] → [2,2,3]', [1, 3], (x) => G.expand(x, [2, 2, 3]), (x) => R.expand(x, [2, 2, 3]));
