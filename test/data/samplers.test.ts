import test from 'node:test';
import assert from 'node:assert/strict';
import { buildCsr } from '../../src/data/dataset.ts';
import { Rng } from '../../src/data/rng.ts';
import { batches, sampleNegatives } from '../../src/data/samplers.ts';

test('batches cover every index exactly once, shuffled, seeded', () => {
  const got = [...batches(10, 4, new Rng(1))];
  assert.deepEqual(got.map((b) => b.length), [4, 4, 2]);
  const all = got.flatMap((b) => Array.from(b));
  assert.deepEqual([...all].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.notDeepEqual(all, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual([...batches(10, 4, new Rng(1))], got);
  assert.deepEqual([...batches(10, 4, new Rng(1), { dropLast: true })].map((b) => b.length), [4, 4]);
  assert.throws(() => [...batches(10, 0, new Rng(1))], /positive integer batch size/);
});

test('negatives never hit the user\'s training items and are uniform over the rest', () => {
  const nItems = 10;
  const csr = buildCsr(2, Int32Array.from([0, 0, 0, 1]), Int32Array.from([2, 5, 7, 0]));
  const users = new Int32Array(70000); // user 0 only
  const neg = sampleNegatives(users, csr, nItems, new Rng(2));
  const counts = new Array(nItems).fill(0);
  for (const i of neg) counts[i]++;
  for (const i of [2, 5, 7]) assert.equal(counts[i], 0);
  for (const i of [0, 1, 3, 4, 6, 8, 9]) assert.ok(counts[i] > 9500 && counts[i] < 10500, `item ${i}: ${counts[i]}`);
});

test('a user with all but one item always gets that item, without rejection loops', () => {
  const nItems = 5000;
  const items = Int32Array.from({ length: nItems }, (_, i) => i).filter((i) => i !== 3217);
  const csr = buildCsr(1, new Int32Array(items.length), items);
  const neg = sampleNegatives(new Int32Array(1000), csr, nItems, new Rng(3));
  assert.ok(neg.every((i) => i === 3217));
  const full = buildCsr(1, new Int32Array(nItems), Int32Array.from({ length: nItems }, (_, i) => i));
  assert.throws(() => sampleNegatives(Int32Array.of(0), full, nItems, new Rng(3)), /user 0 has interacted with all 5000 items/);
});

test('negatives for a mixed batch match a brute-force complement check and are seeded', () => {
  const rng = new Rng(4);
  const nUsers = 50;
  const nItems = 40;
  const user: number[] = [];
  const item: number[] = [];
  for (let u = 0; u < nUsers; u++) for (let i = 0; i < nItems; i++) if (rng.nextFloat() < u / nUsers) { user.push(u); item.push(i); }
  const csr = buildCsr(nUsers, Int32Array.from(user), Int32Array.from(item));
  const batch = Int32Array.from({ length: 2000 }, (_, k) => k % (nUsers - 1));
  const a = sampleNegatives(batch, csr, nItems, new Rng(9));
  assert.deepEqual(sampleNegatives(batch, csr, nItems, new Rng(9)), a);
  for (let b = 0; b < batch.length; b++) {
    const row = csr.indices.subarray(csr.indptr[batch[b]], csr.indptr[batch[b] + 1]);
    assert.ok(a[b] >= 0 && a[b] < nItems && !row.includes(a[b]), `user ${batch[b]} got ${a[b]}`);
  }
});
