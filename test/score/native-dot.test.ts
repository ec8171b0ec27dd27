// The native fused dot-product top-K (native/, src/score/native-dot.ts): hand-computed rankings,
// ties by item id, exclusions from several splits, users with fewer than k items left, every kernel
// tail (partial user blocks, item tiles, panels), k past the counting path, and the same results as
// the ONNX Runtime scorer on random data. Skips, saying why, when the module is not built — unless
// SGFD_REQUIRE_NATIVE=1 (CI builds it), where a missing module fails.
import test from 'node:test';
import assert from 'node:assert/strict';
import { scoreChunks, scoreEngine, type ScoreSource, type ScoreEngineChoice } from '../../src/score/batch-score.ts';
import { assertFiniteRows, nativeChunkUsers, NATIVE_CHUNK } from '../../src/eval/native-top-k.ts';
import { excludedOf } from '../../src/data/dataset.ts';
import { nativeKernels, packItemPanels, PANEL } from '../../src/runtime/native.ts';
import { type ScoredChunk } from '../../src/score/score-arrow.ts';
import { Rng } from '../../src/data/rng.ts';
import { csrOf } from '../eval/helpers.ts';
import { bruteTopK, dot, itemsOf } from '../run/fixtures.ts';

const { kernels, why } = nativeKernels();
const required = process.env.SGFD_REQUIRE_NATIVE === '1';
const skip = kernels || required ? false : `native kernels unavailable: ${why}`;

async function topK(source: ScoreSource & { kind: 'dot' }, users: Int32Array, k: number, exclude: Parameters<typeof scoreChunks>[2]['exclude'], engine: ScoreEngineChoice, threads = 2): Promise<ScoredChunk[]> {
  const out: ScoredChunk[] = [];
  for await (const c of scoreChunks(source, users, { k, exclude, memoryMb: 64, threads, engine })) out.push(c);
  return out;
}

const rowsOf = (chunks: ScoredChunk[], k: number) => chunks.flatMap((c) => Array.from(c.users, (u, r) => ({ u, items: Array.from(c.items.subarray(r * k, (r + 1) * k)), scores: Array.from(c.scores.subarray(r * k, (r + 1) * k)) })));

function gaussian(rng: Rng, rows: number, dim: number): Float32Array {
  return Float32Array.from({ length: rows * dim }, () => rng.normal());
}

test('native kernels load where CI builds them', { skip: required ? false : 'SGFD_REQUIRE_NATIVE is not set' }, () => {
  assert.ok(kernels, `native kernels: ${why}`);
});

test('native top-K, hand-computed: order, ties to the lower item, exclusions, −1 past the rankable items', { skip }, async () => {
  // Users (1, 1) and (0, 1); items (1, 2) (1, 0) (2, 1) (0, 0) (−1, −1): user 0 scores them
  // [3, 1, 3, 0, −2], user 1 [2, 0, 1, 0, −1].
  const users = Float32Array.of(1, 1, 0, 1);
  const items = Float32Array.of(1, 2, 1, 0, 2, 1, 0, 0, -1, -1);
  const source = { kind: 'dot' as const, users, items, dim: 2, nItems: 5 };
  let [r0, r1] = rowsOf(await topK(source, Int32Array.of(0, 1), 3, [], 'native'), 3);
  assert.deepEqual(r0, { u: 0, items: [0, 2, 1], scores: [3, 3, 1] });
  assert.deepEqual(r1, { u: 1, items: [0, 2, 1], scores: [2, 1, 0] }, 'items 1 and 3 tie at 0: the lower first');
  // Exclusions from two splits (overlapping), and a user left with fewer than k items.
  const train = csrOf([[0], [0, 1, 2]]);
  const valid = csrOf([[0, 2], [3]]);
  [r0, r1] = rowsOf(await topK(source, Int32Array.of(0, 1), 4, [train, valid], 'native'), 4);
  assert.deepEqual(r0, { u: 0, items: [1, 3, 4, -1], scores: [1, 0, -2, -Infinity] });
  assert.deepEqual(r1, { u: 1, items: [4, -1, -1, -1], scores: [-1, -Infinity, -Infinity, -Infinity] });
});

for (const isa of ['widest', 'avx2', 'sse2']) test(`native top-K (${isa} kernel) equals the brute-force reference at every kernel tail, any thread count, k up to every item`, { skip }, async (t) => {
  if (isa !== 'widest') process.env.SGFD_NATIVE_ISA = isa;
  t.after(() => { delete process.env.SGFD_NATIVE_ISA; });
  const rng = new Rng(3);
  for (const [nUsers, nItems, dim, k, threads] of [[13, 37, 3, 5, 1], [29, 64, 16, 10, 3], [9, 301, 7, 301, 2], [17, 150, 33, 140, 2], [6, 1000, 5, 200, 2], [1, 1, 1, 1, 2]]) {
    // Integer-valued rows: exact products, so many exact ties that must break by item id.
    const users = Float32Array.from(gaussian(rng, nUsers, dim), (v) => Math.round(v * 2));
    const items = Float32Array.from(gaussian(rng, nItems, dim), (v) => Math.round(v * 2));
    const source = { kind: 'dot' as const, users, items, dim, nItems };
    const seen = csrOf(Array.from({ length: nUsers }, (_, u) => [...new Set([u % nItems, (u * 7) % nItems])].sort((a, b) => a - b)));
    const order = Int32Array.from({ length: nUsers }, (_, r) => (r * 5) % nUsers).filter((u, i, a) => a.indexOf(u) === i);
    for (const row of rowsOf(await topK(source, order, k, [seen], 'native', threads), k)) {
      const want = bruteTopK((i) => dot(users, items, dim, row.u, i), nItems, k, itemsOf(row.u, [seen]));
      const what = `${nUsers}×${nItems}, d ${dim}, k ${k}, user ${row.u}`;
      assert.deepEqual(row.items.slice(0, want.items.length), want.items, what);
      assert.deepEqual(row.scores.slice(0, want.items.length), want.scores, what);
      assert.ok(row.items.slice(want.items.length).every((i) => i === -1), `${what}: −1 past the rankable items`);
    }
  }
});

test('native and ONNX Runtime scorers give the same top-K on random data, across chunk boundaries', { skip }, async () => {
  const rng = new Rng(11);
  const [nUsers, nItems, dim, k] = [NATIVE_CHUNK + 77, 530, 24, 20];
  const source = { kind: 'dot' as const, users: gaussian(rng, nUsers, dim), items: gaussian(rng, nItems, dim), dim, nItems };
  const train = csrOf(Array.from({ length: nUsers }, () => [...new Set(Array.from({ length: 6 }, () => rng.nextInt(nItems)))].sort((a, b) => a - b)));
  const users = Int32Array.from({ length: nUsers }, (_, u) => u);
  const native = rowsOf(await topK(source, users, k, [train], 'native'), k);
  const ort = rowsOf(await topK(source, users, k, [train], 'onnxruntime'), k);
  assert.equal(native.length, nUsers);
  for (let r = 0; r < nUsers; r++) {
    assert.deepEqual(native[r].items, ort[r].items, `user ${r}`);
    native[r].scores.forEach((s, j) => assert.ok(Math.abs(s - ort[r].scores[j]) <= 1e-5 * Math.max(1, Math.abs(s)), `user ${r}, rank ${j + 1}: ${s} vs ${ort[r].scores[j]}`));
  }
});

test('a NaN or ±∞ representation stops scoring, naming the row, on either engine', { skip }, async () => {
  const users = Float32Array.of(1, 0, 0, NaN);
  const items = Float32Array.of(1, 0, 0, 1, 1, 1);
  for (const engine of ['native', 'onnxruntime'] as const) {
    await assert.rejects(topK({ kind: 'dot', users, items, dim: 2, nItems: 3 }, Int32Array.of(0, 1), 2, [], engine), /^Error: score: user 1 \(dense id\): its representation holds NaN \(dimension 1\)/);
    await assert.rejects(topK({ kind: 'dot', users: Float32Array.of(1, 0), items: Float32Array.of(1, 0, Infinity, 1), dim: 2, nItems: 2 }, Int32Array.of(0), 1, [], engine), /^Error: score: item 1 \(dense id\): its representation holds Infinity \(dimension 0\)/);
  }
  assert.doesNotThrow(() => assertFiniteRows(Float32Array.of(1, NaN), 1, 'user', Int32Array.of(0)), 'only the listed rows are checked');
  // Finite rows whose products overflow: (1e30, 1e30) · (1e30, −1e30) = ∞ − ∞ = NaN where products
  // are rounded before they are summed (SSE2; a fused multiply-add gives +∞, which ranks visibly).
  const overflow = { kind: 'dot' as const, users: Float32Array.of(1e30, 1e30), items: Float32Array.of(1, 1, 1e30, -1e30), dim: 2, nItems: 2 };
  process.env.SGFD_NATIVE_ISA = 'sse2';
  try {
    await assert.rejects(topK(overflow, Int32Array.of(0), 2, [], 'native'), /^Error: score: user 0 \(dense id\): 1 of its top 2 scores are NaN \(a product of its representation overflows float32\)$/);
  } finally {
    delete process.env.SGFD_NATIVE_ISA;
  }
});

test('engine choice: auto takes native for dot sources and the pair kernels (MAML, NeuMF) when built; native is refused for the other per-user graphs', { skip }, () => {
  const dotSource = { kind: 'dot' as const, users: new Float32Array(2), items: new Float32Array(2), dim: 1, nItems: 2 };
  assert.equal(scoreEngine(dotSource, 'auto'), 'native');
  assert.equal(scoreEngine(dotSource, 'onnxruntime'), 'onnxruntime');
  const perUser = { kind: 'per-user' as const, scorer: {} as never, nItems: 2 };
  assert.equal(scoreEngine(perUser, 'auto'), 'onnxruntime');
  assert.throws(() => scoreEngine(perUser, 'native'), /^Error: --engine native: this run scores with its own per-user graph/);
  const maml = { ...perUser, scorer: { pairKernel: {} } as never };
  assert.equal(scoreEngine(maml, 'auto'), 'native', 'a pair kernel (MAML\'s, NeuMF\'s) scores natively');
  assert.equal(scoreEngine(maml, 'onnxruntime'), 'onnxruntime');
});

test('the kernel checks its arguments', { skip }, () => {
  const k = kernels!;
  const out = () => [new Int32Array(2), new Float32Array(2)] as const;
  assert.throws(() => k.dotTopK(new Float32Array(2), new Float32Array(PANEL), 1, 2, 2, Int32Array.of(0, 0), new Int32Array(0), 1, ...out()), /^Error: dotTopK: panels must hold ceil\(nItems \/ 16\) × dim × 16 floats$/);
  assert.throws(() => k.dotTopK(new Float32Array(2), new Float32Array(2 * PANEL), 1, 2, 2, Int32Array.of(0, 1), new Int32Array(0), 1, ...out()), /excludedPtr must be \[nUsers \+ 1\] offsets/);
  assert.throws(() => k.dotTopK(new Float32Array(2), new Float32Array(2 * PANEL), 1, 2, 3, Int32Array.of(0, 0), new Int32Array(0), 1, ...out()), /outputs must hold nUsers × k values/);
});

test('native chunks follow --memory-mb: k = 20 takes 512 users, k = every Toys item fewer, never none', () => {
  assert.equal(nativeChunkUsers(20, 256), NATIVE_CHUNK);
  assert.equal(nativeChunkUsers(11924, 64), 233, "64 MiB / ((3 · 11,924 + 80) · 8 bytes)");
  assert.equal(nativeChunkUsers(11924, 0.001), 1);
});

test('packed item panels and merged exclusions', () => {
  const items = Float32Array.from({ length: 17 * 2 }, (_, j) => j); // item i = (2i, 2i + 1)
  const panels = packItemPanels(items, 17, 2);
  assert.equal(panels.length, 2 * 2 * PANEL);
  assert.deepEqual([panels[0], panels[1], panels[PANEL], panels[PANEL + 1]], [0, 2, 1, 3], 'panel 0: dimension 0 of items 0, 1…, then dimension 1');
  assert.deepEqual([panels[2 * PANEL], panels[3 * PANEL], panels[2 * PANEL + 1]], [32, 33, 0], 'panel 1 holds item 16, zero after it');
  const a = csrOf([[1, 5], [], [0, 2]]);
  const b = csrOf([[5, 7], [3], []]);
  const { ptr, items: ex } = excludedOf(Int32Array.of(2, 0, 1), [a, b]);
  assert.deepEqual(Array.from(ptr), [0, 2, 5, 6]);
  assert.deepEqual(Array.from(ex), [0, 2, 1, 5, 7, 3], 'per user ascending, without repeats');
});
