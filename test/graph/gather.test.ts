// Indexing ops: Gather (unique, permutation, duplicates; 1-D and 2-D indices), GatherElements,
// GatherND, ScatterND, and the race-free segment sums (segmentSum / segmentSumBy).
import { test } from 'node:test';
import * as G from '../../src/graph/index.ts';
import * as R from './reference.ts';
import { checkOp, f64, ids, runGraph } from './harness.ts';
import assert from 'node:assert/strict';
import { tensor } from '../../src/runtime/session.ts';

const gatherRef = (x: Record<string, R.T>) => R.gather(x.data, x.ids);
const gather0 = (_g: G.Graph, x: Record<string, G.Value>) => G.gather(x.data, x.ids);

test('Gather with unique 1-D indices (marked unique: scatter gradient)', async () => {
  await checkOp(gather0, { data: f64([5, 3]), ids: ids([3], [4, 0, 2], 5, 'unique') }, { ref: gatherRef });
});

test('Gather with unique 2-D indices (marked unique)', async () => {
  await checkOp(gather0, { data: f64([5, 3]), ids: ids([2, 2], [3, 0, 4, 1], 5, 'unique') }, { ref: gatherRef });
});

test('Gather with a permutation (gradient gathers with the inverse permutation)', async () => {
  const perm = [2, 0, 3, 1];
  const inv = perm.map((_, i) => perm.indexOf(i));
  await checkOp((g, x) => {
    const p = g.constant(perm, 'int64', [4]);
    p.index = { inverse: g.constant(inv, 'int64', [4]), unique: true };
    return G.gather(x.data, p);
  }, { data: f64([4, 3]) }, { ref: (x) => R.gather(x.data, R.t([4], perm)) });
});

test('Gather with duplicate 1-D indices via indexInput (segment-sum gradient; row 3 unused)', async () => {
  await checkOp(gather0, { data: f64([5, 2]), ids: ids([8], [1, 4, 1, 0, 4, 4, 2, 1], 5) }, { ref: gatherRef });
});

test('Gather with duplicate 2-D indices via indexInput', async () => {
  await checkOp(gather0, { data: f64([4, 3]), ids: ids([2, 3], [2, 0, 2, 2, 3, 0], 4) }, { ref: gatherRef });
});

test('Gather with duplicates from rank-3 data, the same indices used twice', async () => {
  await checkOp((_g, x) => G.mul(G.gather(x.data, x.ids), G.gather(x.data, x.ids)),
    { data: f64([3, 2, 2]), ids: ids([5], [0, 2, 2, 0, 0], 3) },
    { ref: (x) => { const y = R.gather(x.data, x.ids); return R.binary(y, y, (p, q) => p * q); } });
});

test('Gather with duplicate constant indices (indexConstant: plan computed at build time)', async () => {
  const idx = [3, 3, 0, 1, 3, 0];
  await checkOp((g, x) => G.gather(x.data, G.indexConstant(g, idx, 4)), { data: f64([4, 2]) },
    { ref: (x) => R.gather(x.data, R.t([6], idx)) });
});

test('Gather along axis 1 (forward only: the gradient is defined for axis 0)', async () => {
  await checkOp((_g, x) => G.gather(x.data, x.ids, 1), { data: f64([2, 4]), ids: ids([3], [3, 1, 1], 4, 'none') },
    { ref: (x) => R.gather(x.data, x.ids, 1), skipGrad: ['data'] });
});

test('GatherElements: one index per row (the label logit of each row)', async () => {
  await checkOp((_g, x) => G.gatherElements(x.logits, x.labels, 1), { logits: f64([4, 5]), labels: ids([4, 1], [2, 0, 4, 2], 5, 'none') },
    { ref: (x) => R.gatherElements(x.logits, x.labels, 1) });
});

test('GatherElements along axis 0 (one row picked per column)', async () => {
  await checkOp((_g, x) => G.gatherElements(x.logits, x.rows, 0), { logits: f64([3, 4]), rows: ids([1, 4], [2, 0, 0, 1], 3, 'none') },
    { ref: (x) => R.gatherElements(x.logits, x.rows, 0) });
});

test('GatherND with distinct row indices', async () => {
  await checkOp((_g, x) => G.gatherND(x.data, x.idx), { data: f64([5, 3]), idx: ids([3, 1], [4, 1, 2], 5, 'unique') },
    { ref: (x) => R.gather(x.data, R.t([3], x.idx.data)) });
});

test('ScatterND: rows replaced by updates (gradients of data and updates)', async () => {
  await checkOp((_g, x) => G.scatterND(x.data, x.idx, x.updates),
    { data: f64([5, 3]), idx: ids([2, 1], [3, 1], 5, 'none'), updates: f64([2, 3]) },
    { ref: (x) => R.scatterND(x.data, x.idx, x.updates) });
});

// ---- segment sums ----
const segIds = [5, 0, 2, 0, 5, 5, 2, 0, 5]; // segments 1, 3, 4 are empty
const segRef = (x: Record<string, R.T>) => R.segmentSum(x.x, x.seg.data, 6);

test('segmentSumBy with duplicates and empty segments (float64)', async () => {
  await checkOp((_g, x) => G.segmentSumBy(x.x, x.seg), { x: f64([9, 3]), seg: ids([9], segIds, 6) }, { ref: segRef });
});

test('segmentSum with an explicit plan, 1-D values', async () => {
  await checkOp((_g, x) => G.segmentSum(x.x, x.seg.index!.plan!(), 6), { x: f64([9]), seg: ids([9], segIds, 6) }, { ref: segRef });
});

test('segmentSum with constant segment ids (indexConstant)', async () => {
  await checkOp((g, x) => G.segmentSumBy(x.x, G.indexConstant(g, segIds, 6)), { x: f64([9, 2]) },
    { ref: (x) => R.segmentSum(x.x, segIds, 6) });
});

// float32 values: central differences need h = 1e-3 (float32 rounding), so tolerances are float32-sized.
const f32Ref = (wide: boolean) => (x: Record<string, R.T>) => {
  const s = R.segmentSum(R.map(x.x, Math.fround), x.seg.data, 6);
  return wide ? R.map(s, Math.fround) : s;
};
for (const precision of ['float32', 'float64'] as const) {
  test(`segmentSumBy on float32 values, precision=${precision}`, async () => {
    await checkOp((_g, x) => G.cast(G.segmentSumBy(G.cast(x.x, 'float32'), x.seg, { precision }), 'float64'),
      { x: f64([9, 3]), seg: ids([9], segIds, 6) },
      { ref: f32Ref(precision === 'float64'), fwdTol: precision === 'float64' ? 0 : 1e-6, h: 1e-3, tol: 2e-3 });
  });
}

test('segment sums of narrow float32 rows accumulate in float64 by default: small segments after a long run stay exact', async () => {
  // 200,000 ones in segment 0, then segment 1 = [0.1, 0.2, 0.3]: a float32 running sum is near 2e5
  // (spacing 0.0156) when segment 1 starts, so its difference of running sums is off by ~1e-2.
  const n = 200_000;
  const seg = Int32Array.from({ length: n + 3 }, (_, i) => (i < n ? 0 : 1));
  const x = Float32Array.from({ length: n + 3 }, (_, i) => (i < n ? 1 : [0.1, 0.2, 0.3][i - n]));
  const sums = async (precision?: 'float32' | 'float64', width = 1) => {
    const g = new G.Graph();
    const v = g.input('x', 'float32', [n + 3, width]);
    g.output(G.segmentSumBy(v, G.indexConstant(g, seg, 2), precision ? { precision } : {}), 'y');
    const wide = Float32Array.from({ length: (n + 3) * width }, (_, i) => x[Math.floor(i / width)]);
    return Array.from((await runGraph(g, { x: tensor(wide, [n + 3, width]) })).y.data as Float32Array);
  };
  const exact = Math.fround(Math.fround(0.1) + Math.fround(0.2) + Math.fround(0.3));
  assert.equal((await sums())[1], exact, 'default, one value per row');
  assert.equal((await sums(undefined, G.WIDE_SUM_MAX_WIDTH))[G.WIDE_SUM_MAX_WIDTH], exact, 'default, the widest rows summed in float64');
  assert.ok(Math.abs((await sums('float32'))[1] - 0.6) > 1e-3, 'float32 running sums lose segment 1 (the case the default avoids)');
});

test('gatherRuns: a per-distinct-id tensor spread back to the elements; gradient = per-run sums', async () => {
  // ids [1, 4, 1, 0, 4, 4]: runs (ascending ids) 0 → id 0, 1 → id 1, 2 → id 4
  const idList = [1, 4, 1, 0, 4, 4];
  const runOf = [1, 2, 1, 0, 2, 2];
  await checkOp((_g, x) => {
    const plan = x.ids.index!.plan!();
    return G.gatherRuns(G.mul(x.perRun, 1), plan);
  }, { perRun: f64([3, 2]), ids: ids([6], idList, 5) }, { ref: (x) => gatherRef({ data: x.perRun, ids: R.t([6], Float64Array.from(runOf)) }) });
});

test('distinctIds lists the distinct ids of a planned index in ascending order', async () => {
  const g = new G.Graph();
  const v = G.indexInput(g, 'ids', [6], 5);
  g.output(G.distinctIds(v.index!.plan!()), 'u');
  const r = await runGraph(g, { ids: tensor(BigInt64Array.from([3n, 1n, 3n, 0n, 1n, 1n]), [6]) });
  assert.deepEqual(Array.from(r.u.data as BigInt64Array, Number), [0, 1, 3]);
});

test('runCounts: how many elements each run (distinct id, ascending) holds, for 1-D and 2-D planned ids', async () => {
  const g = new G.Graph();
  const flat = G.indexInput(g, 'flat', [6], 5);
  const grid = G.indexInput(g, 'grid', [2, 3], 5);
  g.output(G.runCounts(flat.index!.plan!()), 'flatCounts');
  g.output(G.runCounts(G.flattenIndex(grid).index!.plan!()), 'gridCounts');
  const ids = BigInt64Array.from([3n, 1n, 3n, 0n, 1n, 1n]);
  const r = await runGraph(g, { flat: tensor(ids, [6]), grid: tensor(ids.slice(), [2, 3]) });
  assert.deepEqual(Array.from(r.flatCounts.data as Float32Array), [1, 3, 2]);
  assert.deepEqual(Array.from(r.gridCounts.data as Float32Array), [1, 3, 2]);
});
