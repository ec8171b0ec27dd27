import test from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/data/rng.ts';

test('same seed gives the same stream; different seeds differ', () => {
  const a = new Rng(7);
  const b = new Rng(7);
  const c = new Rng(8);
  const xa = Array.from({ length: 5 }, () => a.nextUint32());
  assert.deepEqual(xa, Array.from({ length: 5 }, () => b.nextUint32()));
  assert.notDeepEqual(xa, Array.from({ length: 5 }, () => c.nextUint32()));
  assert.ok(xa.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32));
});

test('large seeds use their high bits', () => {
  assert.notEqual(new Rng(2 ** 40).nextUint32(), new Rng(2 ** 40 + 2 ** 33).nextUint32());
});

test('state save/restore resumes the exact stream, including the cached normal', () => {
  const r = new Rng(123);
  r.normal(); // leaves a cached second normal
  const saved = JSON.parse(JSON.stringify(r.getState()));
  const expected = [r.normal(), r.nextFloat(), r.nextInt(1000), r.normal()];
  const resumed = Rng.fromState(saved);
  assert.deepEqual([resumed.normal(), resumed.nextFloat(), resumed.nextInt(1000), resumed.normal()], expected);
});

test('nextInt is in range and roughly uniform; nextFloat in [0, 1)', () => {
  const r = new Rng(1);
  const counts = new Array(10).fill(0);
  for (let i = 0; i < 100000; i++) counts[r.nextInt(10)]++;
  for (const c of counts) assert.ok(c > 9500 && c < 10500, `bucket count ${c}`);
  for (let i = 0; i < 1000; i++) { const f = r.nextFloat(); assert.ok(f >= 0 && f < 1); }
  assert.throws(() => r.nextInt(0), /nextInt/);
  assert.throws(() => r.nextInt(2.5), /nextInt/);
});

test('normal has mean ≈ 0 and variance ≈ 1', () => {
  const r = new Rng(5);
  let s = 0;
  let s2 = 0;
  const n = 200000;
  for (let i = 0; i < n; i++) { const z = r.normal(); s += z; s2 += z * z; }
  assert.ok(Math.abs(s / n) < 0.01, `mean ${s / n}`);
  assert.ok(Math.abs(s2 / n - 1) < 0.02, `variance ${s2 / n}`);
});

test('shuffle permutes in place, deterministically per seed', () => {
  const a = new Rng(3).shuffle(Int32Array.from({ length: 50 }, (_, i) => i));
  const b = new Rng(3).shuffle(Int32Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual(a, b);
  assert.deepEqual(Array.from(a).sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i));
  assert.notDeepEqual(Array.from(a), Array.from({ length: 50 }, (_, i) => i));
});

test('fork gives an independent, reproducible stream', () => {
  const p1 = new Rng(9);
  const p2 = new Rng(9);
  const f1 = p1.fork();
  const f2 = p2.fork();
  assert.equal(f1.nextUint32(), f2.nextUint32());
  assert.notEqual(f1.nextUint32(), p1.nextUint32());
});

test('fillKeepMask draws exactly what the nextFloat() ≥ p loop draws, and leaves the same state', () => {
  for (const [seed, p, n] of [[1, 0.5, 1000], [7, 0.1, 4097], [42, 0, 10], [3, 0.999, 333], [9, 0.25, 0]] as const) {
    const a = new Rng(seed);
    const b = new Rng(seed);
    const want = Float32Array.from({ length: n }, () => (a.nextFloat() >= p ? 1 : 0));
    assert.deepEqual(b.fillKeepMask(new Float32Array(n), p), want, `seed ${seed}, p ${p}`);
    assert.deepEqual(b.getState(), a.getState());
    assert.equal(b.nextUint32(), a.nextUint32());
  }
  const kept = new Rng(5).fillKeepMask(new Float32Array(20000), 0.3).reduce((s, v) => s + v, 0) / 20000;
  assert.ok(Math.abs(kept - 0.7) < 0.02, `kept share ${kept}`);
});
