// Batch scoring on a Toys-sized set (19,412 users × 11,924 items, d = 128 as BM3's default, ~7
// training items masked per user): the full top-20 pass through the ONNX scorer (MatMul + ScatterND
// mask + TopK per chunk) and the same pass streamed to an Arrow file, against the machine's GEMM
// peak — a plain MatMul 2048×4096 @ 4096×1024 f32 in its own session, sampled between the passes so
// it sees the same load. GFLOP/s counts the score matrix only: 2·users·items·d.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as G from '../src/graph/index.ts';
import { createSession, tensor } from '../src/runtime/session.ts';
import { Rng } from '../src/data/rng.ts';
import { buildCsr } from '../src/data/dataset.ts';
import { scoreChunks, chunkUsers, type ScoreSource, type BatchScoreOptions } from '../src/score/batch-score.ts';
import { writeScoreFile } from '../src/score/score-arrow.ts';
import { median } from './stats.ts';

const [USERS, ITEMS, DIM, SEEN, K] = [19412, 11924, 128, 7, 20];
const THREADS = 2;
const ROUNDS = 3;
const MEMORY_MB = 256;

function gaussianTable(rng: Rng, rows: number, dim: number): Float32Array {
  const scale = 1 / Math.sqrt(dim);
  return Float32Array.from({ length: rows * dim }, () => rng.normal() * scale);
}

/** Milliseconds of one plain MatMul run per sample (after one warm-up). */
async function gemmPeak(samples: number): Promise<{ ms: number[]; flop: number }> {
  const [m, k, n] = [2048, 4096, 1024];
  const g = new G.Graph('gemm_peak');
  g.output(G.matmul(g.input('a', 'float32', [m, k]), g.input('b', 'float32', [k, n])), 'c');
  const rng = new Rng(5);
  const feeds = { a: tensor(gaussianTable(rng, m, k), [m, k]), b: tensor(gaussianTable(rng, k, n), [k, n]) };
  const session = await createSession(G.serialize(g), { threads: THREADS });
  const ms: number[] = [];
  for (let i = 0; i <= samples; i++) {
    const t = performance.now();
    await session.run(feeds);
    if (i > 0) ms.push(performance.now() - t);
  }
  await session.release();
  return { ms, flop: 2 * m * k * n };
}

async function timePass(source: ScoreSource, users: Int32Array, o: BatchScoreOptions, toFile: string | null): Promise<number> {
  const t = performance.now();
  if (toFile) {
    await writeScoreFile(toFile, scoreChunks(source, users, o), { k: K, format: 'file', userIds: null, itemIds: null, metadata: { bench: 'score' } });
  } else {
    for await (const chunk of scoreChunks(source, users, o)) void chunk;
  }
  return performance.now() - t;
}

export async function run(): Promise<void> {
  const rng = new Rng(7);
  const source: ScoreSource = { kind: 'dot', users: gaussianTable(rng, USERS, DIM), items: gaussianTable(rng, ITEMS, DIM), dim: DIM, nItems: ITEMS };
  const seenUser = Int32Array.from({ length: USERS * SEEN }, (_, j) => Math.floor(j / SEEN));
  const seenItem = Int32Array.from({ length: USERS * SEEN }, () => rng.nextInt(ITEMS));
  const train = buildCsr(USERS, seenUser, seenItem);
  const users = Int32Array.from({ length: USERS }, (_, u) => u);
  const o: BatchScoreOptions = { k: K, exclude: [train], memoryMb: MEMORY_MB, threads: THREADS };
  const dir = mkdtempSync(join(tmpdir(), 'sgfd-bench-score-'));
  const peakMs: number[] = [];
  const engineMs: number[] = [];
  const fileMs: number[] = [];
  let flopPeak = 0;
  try {
    await timePass(source, users.subarray(0, 2048), o, null); // warm-up
    for (let r = 0; r < ROUNDS; r++) {
      const p = await gemmPeak(3);
      peakMs.push(...p.ms);
      flopPeak = p.flop;
      engineMs.push(await timePass(source, users, o, null));
      fileMs.push(await timePass(source, users, o, join(dir, `scores-${r}.arrow`)));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const flop = 2 * USERS * ITEMS * DIM;
  const gflops = (ms: number) => flop / ms / 1e6;
  const peak = flopPeak / median(peakMs) / 1e6;
  const f = (x: number) => x.toFixed(1);
  process.stdout.write(`toys-sized: ${USERS} users × ${ITEMS} items, d = ${DIM}, k = ${K}, ${SEEN} masked per user, chunk ${chunkUsers(ITEMS, MEMORY_MB)} users (--memory-mb ${MEMORY_MB}), ${THREADS} threads, ${ROUNDS} rounds\n`);
  process.stdout.write(`  scoring engine  median ${f(median(engineMs))} ms  ${f(gflops(median(engineMs)))} GFLOP/s  (${(100 * gflops(median(engineMs)) / peak).toFixed(0)}% of peak)\n`);
  process.stdout.write(`  + Arrow file    median ${f(median(fileMs))} ms  ${f(gflops(median(fileMs)))} GFLOP/s  (${(100 * gflops(median(fileMs)) / peak).toFixed(0)}% of peak)\n`);
  process.stdout.write(`  GEMM peak       median ${f(median(peakMs))} ms  ${f(peak)} GFLOP/s  (2048×4096 @ 4096×1024)\n`);
  const usersPerS = USERS / (median(fileMs) / 1000);
  process.stdout.write(`score: users_per_s=${usersPerS.toFixed(0)} gflops=${f(gflops(median(fileMs)))} peak_gflops=${f(peak)}\n`);
}
