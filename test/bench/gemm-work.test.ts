// The bench's GEMM floor counts matrix-product work from ORT's profile: the flop formula on hand
// cases (transposes, batches, broadcasts), and on a real profile of a two-product graph.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as G from '../../src/graph/index.ts';
import { createSession, tensor } from '../../src/runtime/session.ts';
import { productFlops, gemmWorkOfProfile, isMatrixVector } from '../../bench/gemm-work.ts';

test('productFlops: 2·M·N·K whatever the transposes; batched products count every batch', () => {
  assert.equal(productFlops([64, 32], [32, 16], [64, 16]), 2 * 64 * 16 * 32);
  assert.equal(productFlops([32, 64], [32, 16], [64, 16]), 2 * 64 * 16 * 32, 'transA');
  assert.equal(productFlops([64, 32], [16, 32], [64, 16]), 2 * 64 * 16 * 32, 'transB');
  assert.equal(productFlops([5, 64, 32], [5, 32, 16], [5, 64, 16]), 5 * 2 * 64 * 16 * 32);
  assert.equal(productFlops([64, 32], [5, 32, 16], [5, 64, 16]), 5 * 2 * 64 * 16 * 32, 'A broadcast over the batch');
  assert.equal(productFlops([5, 64, 32], [32, 16], [5, 64, 16]), 5 * 2 * 64 * 16 * 32, 'B broadcast over the batch');
  assert.equal(productFlops([64, 32], null, [64, 16]), 2 * 64 * 16 * 32, 'B pre-packed by ORT');
  assert.equal(productFlops([0, 32], [32, 16], [0, 16]), 0);
});

test('gemmWorkOfProfile reads the products of a real ORT profile, per run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sgfd-gemm-work-test-'));
  try {
    const g = new G.Graph('two_products');
    const a = g.input('a', 'float32', [64, 32]);
    const h = G.matmul(a, g.initializer('w', new Float32Array(32 * 16).fill(0.5), [32, 16]));
    // Aᵀ·h: a transposed Gemm [32, 64] × [64, 16].
    g.output(G.gemm(a, h, null, { transA: true }), 'out');
    const session = await createSession(G.serialize(g), { threads: 1, profilePrefix: join(dir, 'p') });
    const feeds = { a: tensor(new Float32Array(64 * 32).fill(1), [64, 32]) };
    for (let i = 0; i < 3; i++) await session.run(feeds);
    session.endProfiling();
    await session.release();
    const file = readdirSync(dir).find((f) => f.endsWith('.json'));
    assert.ok(file, 'ORT wrote a profile');
    const w = gemmWorkOfProfile(JSON.parse(readFileSync(join(dir, file!), 'utf8')));
    assert.equal(w.runs, 3);
    assert.equal(w.flops, 2 * 64 * 16 * 32 + 2 * 32 * 16 * 64);
    assert.equal(w.matrixVectorFlops, 0);
    assert.ok(w.kernelMs > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('matrix–vector products (a unit M or N, batched or not) are counted apart from GEMM work', async () => {
  assert.ok(isMatrixVector([7, 1, 16]) && isMatrixVector([7, 16, 1]) && isMatrixVector([64, 1]) && isMatrixVector([16]));
  assert.ok(!isMatrixVector([7, 2, 16]) && !isMatrixVector([64, 16]));
  const dir = mkdtempSync(join(tmpdir(), 'sgfd-gemm-work-test-'));
  try {
    const g = new G.Graph('batched_matrix_vector');
    const w = g.input('w', 'float32', [8, 1, 4]);
    const x = g.input('x', 'float32', [8, 4, 16]);
    g.output(G.matmul(w, x), 'rowTimesMatrix'); // [8, 1, 16]
    g.output(G.matmul(x, g.input('v', 'float32', [8, 16, 1])), 'matrixTimesColumn'); // [8, 4, 1]
    const session = await createSession(G.serialize(g), { threads: 1, profilePrefix: join(dir, 'p') });
    await session.run({ w: tensor(new Float32Array(32).fill(1), [8, 1, 4]), x: tensor(new Float32Array(512).fill(1), [8, 4, 16]), v: tensor(new Float32Array(128).fill(1), [8, 16, 1]) });
    session.endProfiling();
    await session.release();
    const work = gemmWorkOfProfile(JSON.parse(readFileSync(join(dir, readdirSync(dir).find((f) => f.endsWith('.json'))!), 'utf8')));
    assert.equal(work.flops, 0);
    assert.equal(work.matrixVectorFlops, 2 * (8 * 2 * 16 * 4));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('gemmWorkOfProfile refuses a profile without runs', () => {
  assert.throws(() => gemmWorkOfProfile([]), /no model_run/);
});
