// Shared by the pair-kernel benches (attentive.bench.ts: MAML, tower.bench.ts: NeuMF): a backbone's
// full-ranking top-K (what each validation and `sgfd score` run) on its native fused kernel
// (eval/pair-kernel-top-k.ts) against the ONNX graph it replaces (pairScores + ScatterND + TopK, one
// session), in the same process, interleaved rounds; medians, the ratio native / ONNX, and the rate of
// the layer neither side can skip beside this core's GEMM peak from the same run.
import { TopKSessions, topK, type Scorer } from '../src/eval/index.ts';
import { Rng } from '../src/data/rng.ts';
import { pairScorer } from '../src/run/scoring.ts';
import { type Backbone, backboneSpec, resolveBackboneConfig } from '../src/backbones/index.ts';
import { type Dataset } from '../src/data/dataset.ts';
import { initialValues } from '../src/nn/index.ts';
import { median } from './stats.ts';
import { gemmPeak } from './gemm-work.ts';
import { THREADS } from './compare.ts';

const K = 50;

export interface PairKernelCase {
  /** The summary line's name. */
  name: string;
  model: string;
  ds: Dataset;
  /** Widths of the serving rows (random values: the work does not depend on them). */
  userWidth: number;
  itemWidth: number;
  /** The layer neither side can skip: its flops over every (user, item) pair, and what it is. */
  layerFlop: number;
  layer: string;
  rounds: number;
}

export async function timePairKernel(c: PairKernelCase): Promise<void> {
  const spec = backboneSpec(c.model);
  const bb = spec.create(c.ds, resolveBackboneConfig(spec, {}), null, null) as Backbone;
  const values = initialValues(bb.model.namedParameters(), new Rng(5));
  const rng = new Rng(6);
  const users = Float32Array.from({ length: c.ds.nUsers * c.userWidth }, () => 0.1 * rng.normal());
  const items = Float32Array.from({ length: c.ds.nItems * c.itemWidth }, () => 0.1 * rng.normal());
  const native = pairScorer(bb, users, items, c.ds, values);
  if (!native.pairKernel) throw new Error(`${c.model} has no native pair kernel`);
  const graph: Scorer = { ...native, pairKernel: undefined };
  const ids = Int32Array.from({ length: c.ds.nUsers }, (_, u) => u);
  const sessions = new TopKSessions();
  const ms = { native: [] as number[], onnx: [] as number[] };
  try {
    await topK(graph, ids, [c.ds.csr.train], K, { sessions, threads: THREADS, chunk: bb.evalChunk }); // warm-up: the session opens
    for (let r = 0; r < c.rounds; r++) {
      let t = performance.now();
      await topK(native, ids, [c.ds.csr.train], K, { threads: THREADS });
      ms.native.push(performance.now() - t);
      t = performance.now();
      await topK(graph, ids, [c.ds.csr.train], K, { sessions, threads: THREADS, chunk: bb.evalChunk });
      ms.onnx.push(performance.now() - t);
    }
  } finally {
    await sessions.release();
  }
  const peak = await gemmPeak(THREADS);
  const rate = (x: number) => (c.layerFlop / (x / 1000) / 1e9).toFixed(0);
  console.log(`${c.name}: ${c.model}, ${c.ds.nUsers} users × ${c.ds.nItems} items, k = ${K}, ${THREADS} thread(s), ${c.rounds} rounds; ${c.layer} ${(c.layerFlop / 1e9).toFixed(0)} GFLOP a ranking`);
  console.log(`  native ${ms.native.map((x) => x.toFixed(0)).join(' ')} ms; onnx ${ms.onnx.map((x) => x.toFixed(0)).join(' ')} ms; GEMM peak ${peak.bestGflops.toFixed(0)} GFLOP/s (${peak.shape})`);
  const [n, o] = [median(ms.native), median(ms.onnx)];
  console.log(`${c.name}: native_ms=${n.toFixed(0)} onnx_ms=${o.toFixed(0)} ratio=${(n / o).toFixed(3)} native_gflops=${rate(n)} onnx_gflops=${rate(o)} gemm_peak_gflops=${peak.bestGflops.toFixed(0)}`);
}
