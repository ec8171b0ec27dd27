// DGCF's independence term as a graph (src/backbones/dgcf/independence.ts): distance correlation
// against a plain-JS float64 reference, its gradients against central finite differences, its
// defining properties (1 for a variable with itself or an affine copy, well below 1 for independent
// samples), and the sampling of the batch rows it sees.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as G from '../../src/graph/index.ts';
import { distanceCorrelation, factorIndependence } from '../../src/backbones/dgcf/independence.ts';
import { distinctSample } from '../../src/backbones/dgcf/independence-rows.ts';
import { Rng } from '../../src/data/rng.ts';
import { checkOp, f64, feedsFor, runGraph } from '../graph/harness.ts';
import { type T } from '../graph/reference.ts';
import { dcorReference, factorIndependenceReference, type Rows } from './dcor-reference.ts';

const rows = (x: T): Rows => Array.from({ length: x.shape[0] }, (_, r) => Array.from(x.data.subarray(r * x.shape[1], (r + 1) * x.shape[1])));
const scalar = (v: number): T => ({ data: Float64Array.of(v), shape: [] });

test('distanceCorrelation: value against the float64 reference; gradients against finite differences', async () => {
  const { fetched } = await checkOp((_g, v) => distanceCorrelation(v.x, v.y), { x: f64([6, 3]), y: f64([6, 2]) }, {
    ref: (v) => scalar(dcorReference(rows(v.x), rows(v.y))), fwdTol: 1e-10,
  });
  const d = (fetched.y0.data as Float64Array)[0];
  assert.ok(d > 0.05 && d < 0.999, `a non-trivial dCor to check gradients at (got ${d})`);
});

test('factorIndependence: mean dCor over the 3 factor pairs, against the reference and finite differences', async () => {
  await checkOp((_g, v) => factorIndependence(v.x, 3), { x: f64([5, 6]) }, {
    ref: (v) => scalar(factorIndependenceReference(rows(v.x), 3)), fwdTol: 1e-10,
  });
});

test('dCor is 1 for a variable with itself or an affine copy, and well below 1 for independent samples', async () => {
  const g = new G.Graph('dcor');
  const x = g.input('x', 'float64', [64, 1]);
  const indep = g.input('indep', 'float64', [64, 1]);
  const outs = { self: distanceCorrelation(x, x), affine: distanceCorrelation(x, G.add(G.mul(x, -3), 2)),
    independent: distanceCorrelation(x, indep), square: distanceCorrelation(x, G.square(x)) };
  for (const [name, v] of Object.entries(outs)) g.output(v, name);
  const specs = { x: f64([64, 1], 'any', 11), indep: f64([64, 1], 'any', 12) };
  const out = await runGraph(g, feedsFor(g, specs));
  const val = (n: string) => (out[n].data as Float64Array)[0];
  assert.ok(Math.abs(val('self') - 1) < 1e-6, `dCor(x, x) = ${val('self')}`);
  assert.ok(Math.abs(val('affine') - 1) < 1e-6, `dCor(x, 2 − 3x) = ${val('affine')}`);
  assert.ok(val('independent') < 0.4, `dCor of independent samples = ${val('independent')}`);
  assert.ok(val('square') > val('independent') + 0.1, `dCor(x, x²) = ${val('square')} detects the non-linear dependence (independent: ${val('independent')})`);
});

test('distinctSample: distinct ids of the lists, at most cap, ascending, each id drawn about equally often', () => {
  const lists = [BigInt64Array.from([5n, 3n, 5n, 9n]), BigInt64Array.from([3n, 1n, 7n, 1n])];
  const rng = new Rng(4);
  assert.deepEqual(Array.from(distinctSample(lists, 10, rng)), [1n, 3n, 5n, 7n, 9n], 'all distinct ids when under the cap');
  const counts = new Map<bigint, number>();
  for (let t = 0; t < 2000; t++) {
    const s = Array.from(distinctSample(lists, 2, rng));
    assert.equal(s.length, 2);
    assert.ok(s[0] < s[1], `ascending and distinct: ${s}`);
    for (const id of s) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  assert.deepEqual([...counts.keys()].sort(), [1n, 3n, 5n, 7n, 9n]);
  for (const [id, c] of counts) assert.ok(Math.abs(c - 800) < 120, `id ${id} drawn ${c} times (expected ≈ 800)`);
});
