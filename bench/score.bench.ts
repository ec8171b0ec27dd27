// Batch scoring on a Toys-sized set (19,412 users × 11,924 items, d = 128 as BM3's default, ~7
// training items masked per user): the full top-20 pass on the engine `sgfd score` picks (the native
// fused kernel when built, else ONNX Runtime), the same pass streamed to an Arrow file, and the ONNX
// Runtime scorer (Gemm + TopK per chunk, excluded items dropped from an over-fetched top-K), against
// two same-run baselines sampled between the passes so they see the same load: the GEMM
// floor — the scorer's product alone, same shape (every user chunk · the item tableᵀ, nothing else
// computed or fetched) — and the machine's GEMM peak (2048×4096 @ 4096×1024 f32, bench/gemm-work.ts).
// GFLOP/s counts the score matrix only: 2·users·items·d.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as G from '../src/graph/index.ts';
import { createSession, tensor } from '../src/runtime/session.ts';
import { Rng } from '../src/data/rng.ts';
import { buildCsr } from '../src/data/dataset.ts';
import { scoreChunks, chunkUsers, scoreEngine, type ScoreSource, type BatchScoreOptions } from '../src/score/batch-score.ts';
import { writeScoreFile } from '../src/score/score-arrow.ts';
import { NATIVE_CHUNK } from '../src/eval/native-top-k.ts';
import { median } from './stats.ts';
import { gemmPeak } from './gemm-work.ts';

const [USERS, ITEMS, DIM, SEEN, K] = [19412, 11924, 128, 7, 20];
const THREADS = 2;
const ROUNDS = 5;
const MEMORY_MB = 256;

function gaussianTable(rng: Rng, rows: number, dim: number): Float32Array {
  const scale = 1 / Math.sqrt(dim);
  return Float32Array.from({ length: rows * dim }, () => rng.normal() * scale);
}

/** Milliseconds of one pass of the scorer's product alone: every chunk of users · the baked-in item tableᵀ (one score per user fetched). */
async function gemmFloor(source: ScoreSource & { kind: 'dot' }, chunk: number): Promise<number> {
  const g = new G.Graph('gemm_floor');
  // Only one score per user leaves the session: fetching the whole [chunk, items] matrix through the node
  // binding costs several times the product itself, and no scorer does that. The product is the
  // scorer's own (src/model/topk-graph.ts): a transB Gemm on the table as it is, pre-packed by ORT.
  const scores = G.gemm(g.input('u', 'float32', ['n', source.dim]), g.initializer('items', source.items, [source.nItems, source.dim]), null, { transB: true });
  g.output(G.slice(scores, [0], [1], [1]), 'firstColumn');
  const session = await createSession(G.serialize(g), { threads: THREADS });
  const users = source.users.length / source.dim;
  const t = performance.now();
  for (let from = 0; from < users; from += chunk) {
    const to = Math.min(users, from + chunk);
    await session.run({ u: tensor(source.users.subarray(from * source.dim, to * source.dim), [to - from, source.dim]) });
  }
  const ms = performance.now() - t;
  await session.release();
  return ms;
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
  const floorMs: number[] = [];
  const chunk = chunkUsers(ITEMS, MEMORY_MB);
  const engineMs: number[] = [];
  const fileMs: number[] = [];
  const ortMs: number[] = [];
  const engine = scoreEngine(source);
  const ort: BatchScoreOptions = { ...o, engine: 'onnxruntime' };
  let flopPeak = 0;
  try {
    await timePass(source, users.subarray(0, 2048), o, null); // warm-up
    await timePass(source, users.subarray(0, 2048), ort, null);
    for (let r = 0; r < ROUNDS; r++) {
      const p = await gemmPeak(THREADS, 3);
      peakMs.push(...p.ms);
      flopPeak = p.flop;
      floorMs.push(await gemmFloor(source as ScoreSource & { kind: 'dot' }, chunk));
      engineMs.push(await timePass(source, users, o, null));
      fileMs.push(await timePass(source, users, o, join(dir, `scores-${r}.arrow`)));
      ortMs.push(await timePass(source, users, ort, null));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const flop = 2 * USERS * ITEMS * DIM;
  const gflops = (ms: number) => flop / ms / 1e6;
  const peak = flopPeak / median(peakMs) / 1e6;
  const floor = gflops(median(floorMs));
  const f = (x: number) => x.toFixed(1);
  const line = (label: string, ms: number[], note = '') => {
    const x = gflops(median(ms));
    process.stdout.write(`  ${label.padEnd(15)} median ${f(median(ms))} ms  ${f(x)} GFLOP/s  (${(100 * x / floor).toFixed(0)}% of floor, ${(100 * x / peak).toFixed(0)}% of peak)${note}\n`);
  };
  process.stdout.write(`toys-sized: ${USERS} users × ${ITEMS} items, d = ${DIM}, k = ${K}, ${SEEN} masked per user, ${engine === 'native' ? `native chunks of ${NATIVE_CHUNK} users, ONNX Runtime chunks of ${chunk}` : `chunk ${chunk} users`} (--memory-mb ${MEMORY_MB}), ${THREADS} threads, ${ROUNDS} rounds\n`);
  line(`${engine} engine`, engineMs);
  line('+ Arrow file', fileMs);
  if (engine !== 'onnxruntime') line('onnxruntime', ortMs, ` (the ONNX scorer: ${f(median(ortMs) / median(engineMs))}× the ${engine} engine's time)`);
  line('GEMM floor', floorMs, ` (plain Gemm ${chunk}×${DIM} @ (${ITEMS}×${DIM})ᵀ per chunk)`);
  process.stdout.write(`  GEMM peak       median ${f(median(peakMs))} ms  ${f(peak)} GFLOP/s  (2048×4096 @ 4096×1024)\n`);
  const usersPerS = USERS / (median(fileMs) / 1000);
  process.stdout.write(`score: engine=${engine} users_per_s=${usersPerS.toFixed(0)} gflops=${f(gflops(median(fileMs)))} floor_gflops=${f(floor)} of_floor=${(gflops(median(fileMs)) / floor).toFixed(2)} onnxruntime_of_floor=${(gflops(median(ortMs)) / floor).toFixed(2)} peak_gflops=${f(peak)}\n`);
}
