// MAML's full-ranking top-K (what each validation and `sgfd score` run): the native fused kernel
// (eval/attentive-top-k.ts) against the ONNX graph it replaces (MAML's pairScores + ScatterND + TopK,
// one session, 64 MB chunks), measured in the same process, interleaved rounds, at the Last.fm 2K
// shape (1,858 users × 1,425 items, d = 128, SYNTHETIC rows and weights; the work does not depend on
// the values). Prints medians, the ratio native / ONNX, and the output layer's GEMM rate beside this
// core's GEMM peak from the same run: the layer ([users·items × 640] · [640 × 128]) is 2/3 of the
// work and the part neither side can skip.
import { TopKSessions, topK, type Scorer } from '../src/eval/index.ts';
import { nativeKernels } from '../src/runtime/index.ts';
import { Rng } from '../src/data/rng.ts';
import { pairScorer } from '../src/run/scoring.ts';
import { type Backbone, backboneSpec, resolveBackboneConfig } from '../src/backbones/index.ts';
import { makeDataset } from '../src/data/dataset.ts';
import { generateSynthetic } from '../src/data/synth.ts';
import { initialValues } from '../src/nn/index.ts';
import { median } from './stats.ts';
import { gemmPeak } from './gemm-work.ts';
import { THREADS } from './compare.ts';

const ROUNDS = Number(process.env.ATTENTIVE_BENCH_ROUNDS ?? 3);
const K = 50;

export async function run(): Promise<void> {
  const { kernels, why } = nativeKernels();
  if (!kernels) { console.log(`attentive: skipped (native kernels unavailable: ${why})`); return; }
  const ds = makeDataset(generateSynthetic({ users: 1858, items: 1425, categories: 20, density: 0.03, imageDim: 384, textDim: 128, seed: 3 }));
  const spec = backboneSpec('maml');
  const bb = spec.create(ds, resolveBackboneConfig(spec, {}), null, null) as Backbone;
  const values = initialValues(bb.model.namedParameters(), new Rng(5));
  const rng = new Rng(6);
  const d = 128;
  const users = Float32Array.from({ length: ds.nUsers * d }, () => 0.1 * rng.normal());
  const items = Float32Array.from({ length: ds.nItems * 2 * d }, () => 0.1 * rng.normal());
  const native = pairScorer(bb, users, items, ds, values);
  const graph: Scorer = { ...native, attentive: undefined };
  const ids = Int32Array.from({ length: ds.nUsers }, (_, u) => u);
  const threads = THREADS;
  const sessions = new TopKSessions();
  const ms = { native: [] as number[], onnx: [] as number[] };
  try {
    await topK(graph, ids, [ds.csr.train], K, { sessions, threads, chunk: bb.evalChunk }); // warm-up: the session opens
    for (let r = 0; r < ROUNDS; r++) {
      let t = performance.now();
      topK(native, ids, [ds.csr.train], K, { threads });
      ms.native.push(performance.now() - t);
      t = performance.now();
      await topK(graph, ids, [ds.csr.train], K, { sessions, threads, chunk: bb.evalChunk });
      ms.onnx.push(performance.now() - t);
    }
  } finally {
    await sessions.release();
  }
  const flop = 2 * ds.nUsers * ds.nItems * 5 * d * d;
  const peak = await gemmPeak(threads);
  const rate = (x: number) => (flop / (x / 1000) / 1e9).toFixed(0);
  console.log(`attentive: ${ds.nUsers} users × ${ds.nItems} items, d = ${d}, k = ${K}, ${threads} thread(s), ${ROUNDS} rounds; output layer ${(flop / 1e9).toFixed(0)} GFLOP a ranking`);
  console.log(`  native ${ms.native.map((x) => x.toFixed(0)).join(' ')} ms; onnx ${ms.onnx.map((x) => x.toFixed(0)).join(' ')} ms; GEMM peak ${peak.bestGflops.toFixed(0)} GFLOP/s (${peak.shape})`);
  const [n, o] = [median(ms.native), median(ms.onnx)];
  console.log(`attentive: native_ms=${n.toFixed(0)} onnx_ms=${o.toFixed(0)} ratio=${(n / o).toFixed(3)} native_gflops=${rate(n)} onnx_gflops=${rate(o)} gemm_peak_gflops=${peak.bestGflops.toFixed(0)}`);
}
