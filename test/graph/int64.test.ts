// int64 tensors through int32 words (src/graph/int64.ts) against BigInt, and the index plan built on
// them against a plain reference (sort, group) on random and edge-case ids.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as G from '../../src/graph/index.ts';
import { idsInRange, indicesAsInt32 } from '../../src/graph/int64.ts';
import { Rng } from '../../src/data/rng.ts';

test('int64From: the same int64 values as BigInt, negatives and the int32 limits included', () => {
  const vals = [0, 1, -1, 7, -123456, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, -(2 ** 31) - 1, 2 ** 40 + 3];
  assert.deepEqual([...G.int64From(vals)], vals.map(BigInt));
  assert.deepEqual([...G.int64From(Int32Array.of(5, -5))], [5n, -5n]);
  assert.throws(() => G.int64From([1.5]), RangeError);
});

test('idsInRange: int64 and number ids read as int32; anything outside [0, limit) or not an integer goes to bad()', () => {
  const bad = (i: number, v: number): never => { throw new Error(`bad ${i} ${v}`); };
  assert.deepEqual([...idsInRange(BigInt64Array.of(0n, 3n, 9n), 10, bad)], [0, 3, 9]);
  assert.deepEqual([...idsInRange([0, 3, 9], 10, bad)], [0, 3, 9]);
  assert.throws(() => idsInRange(BigInt64Array.of(0n, 10n), 10, bad), /bad 1 10/);
  assert.throws(() => idsInRange(BigInt64Array.of(-1n), 10, bad), /bad 0 -1/);
  assert.throws(() => idsInRange(BigInt64Array.of(2n ** 32n + 1n), 10, bad), /bad 0 4294967297/, 'a high word is not ignored');
  assert.throws(() => idsInRange([2.5], 10, bad), /bad 0 2.5/);
  assert.deepEqual([...indicesAsInt32(BigInt64Array.of(0n, 7n, 2n ** 31n - 1n))], [0, 7, 2 ** 31 - 1]);
  assert.throws(() => indicesAsInt32(BigInt64Array.of(3n, -1n)), /^RangeError: indicesAsInt32: element 1 = -1 is outside \[0, 2\^31\)$/);
});

/** The plan from its definition: a stable sort of the ids, then runs of equal ids. */
function referencePlan(ids: number[], numRows: number) {
  const perm = ids.map((_, i) => i).sort((a, b) => ids[a] - ids[b] || a - b);
  const inverse = new Array<number>(ids.length);
  perm.forEach((p, pos) => { inverse[p] = pos; });
  const uniq = [...new Set(ids)].sort((a, b) => a - b);
  const lasts = uniq.map((u) => perm.map((p) => ids[p]).lastIndexOf(u));
  assert.ok(uniq.every((u) => u < numRows));
  return { perm, inverse, lasts, runs: uniq.map((_, r) => r), uniq, groups: ids.map((v) => uniq.indexOf(v)) };
}

test('computeIndexPlan equals the sort-and-group reference (random ids with repeats, one id, empty)', () => {
  const rng = new Rng(5);
  const cases: [number[], number][] = [[[], 4], [[3], 4], [[2, 2, 2], 3]];
  for (const n of [17, 300]) cases.push([Array.from({ length: n }, () => rng.nextInt(40)), 40]);
  for (const [ids, rows] of cases) {
    const want = referencePlan(ids, rows);
    for (const input of [ids, BigInt64Array.from(ids, BigInt)]) {
      const got = G.computeIndexPlan(input, rows);
      for (const k of Object.keys(want) as (keyof typeof want)[]) assert.deepEqual([...got[k]].map(Number), want[k], `${k} of ${ids.length} ids`);
      for (const k of Object.keys(want) as (keyof typeof want)[]) assert.ok(got[k] instanceof BigInt64Array, k);
    }
  }
  assert.throws(() => G.computeIndexPlan(BigInt64Array.of(1n, 4n), 4, 'items'), /^RangeError: items\[1\] = 4 is outside \[0, 4\)$/);
});
