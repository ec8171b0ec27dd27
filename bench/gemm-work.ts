// The GEMM work of a train step and the fastest any implementation of the same math could run it on
// this core: ORT's profile of a few steps gives every matrix product's shapes (GEMM flops per step,
// exactly as executed, distinct-item batches included) and its kernel time; a plain MatMul of a large
// square-ish shape in the same process gives the core's GEMM peak. flops / peak is a floor on a step
// (everything else taking no time at all); floor / torch's step is the smallest ratio ours / torch
// that the same math can reach here.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as G from '../src/graph/index.ts';
import { createSession, tensor } from '../src/runtime/session.ts';
import { TrainStep, type CompiledTrainStep } from '../src/runtime/train-step.ts';
import { type Backbone } from '../src/backbones/index.ts';
import { initialValues } from '../src/nn/index.ts';
import { batches } from '../src/data/samplers.ts';
import { Rng } from '../src/data/rng.ts';
import { median } from './stats.ts';

const PRODUCT_OPS = new Set(['Gemm', 'MatMul', 'FusedMatMul', 'FusedGemm']);

interface ProfileEvent { cat: string; name: string; dur: number; args?: { op_name?: string; input_type_shape?: Record<string, number[]>[]; output_type_shape?: Record<string, number[]>[] } }

const dimsOf = (shapes: Record<string, number[]>[] | undefined, i: number): number[] | null => {
  const s = shapes?.[i];
  return s ? Object.values(s)[0] : null;
};
const sizeOf = (d: number[]) => d.reduce((a, b) => a * b, 1);

/**
 * Multiply-adds × 2 of one product from its shapes: out [..., M, N] and inputs A, B in any transpose.
 * The contraction K is |A|·N/|out| or |B|·M/|out|; a broadcast input makes its estimate too small, so
 * the larger one is taken (both broadcast only gives too little work: still a floor). B is null when
 * ORT pre-packed it (an initializer): the profile then lists A alone.
 */
export function productFlops(a: number[], b: number[] | null, out: number[]): number {
  const n = out[out.length - 1] ?? 1;
  const m = out.length >= 2 ? out[out.length - 2] : 1;
  const o = sizeOf(out);
  if (o === 0) return 0;
  const k = Math.max((sizeOf(a) * n) / o, b ? (sizeOf(b) * m) / o : 0);
  return 2 * o * Math.round(k);
}

/** True for a matrix–vector product (out [..., M, 1], [..., 1, N] or a vector): memory-bound, no GEMM. */
export function isMatrixVector(out: number[]): boolean {
  return out.length < 2 || out[out.length - 1] === 1 || out[out.length - 2] === 1;
}

/**
 * Per run of the profiled session: GEMM flops and GEMM kernel milliseconds (means over runs).
 * Matrix–vector products (GRCN's and DGCF's edge sums: batches of [1, K] · [K, d]) stream their
 * matrix once and cannot run at GEMM peak: they are counted apart (`matrixVectorFlops`), not in the floor.
 */
export function gemmWorkOfProfile(events: ProfileEvent[]): { flops: number; kernelMs: number; runs: number; matrixVectorFlops: number } {
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').length;
  if (runs === 0) throw new Error('profile holds no model_run event');
  let flops = 0;
  let us = 0;
  let matrixVector = 0;
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time') || !PRODUCT_OPS.has(e.args?.op_name ?? '')) continue;
    const [a, b, out] = [dimsOf(e.args?.input_type_shape, 0), dimsOf(e.args?.input_type_shape, 1), dimsOf(e.args?.output_type_shape, 0)];
    if (!a || !out) throw new Error(`profile: ${e.name} lacks its shapes`);
    if (isMatrixVector(out)) {
      matrixVector += productFlops(a, b, out);
      continue;
    }
    flops += productFlops(a, b, out);
    us += e.dur;
  }
  return { flops: flops / runs, kernelMs: us / 1000 / runs, runs, matrixVectorFlops: matrixVector / runs };
}

export interface GemmWork {
  /** GEMM flops of one step (mean over the profiled steps). */
  flopsPerStep: number;
  /** Our GEMM kernels' rate in the profiled steps (ORT's own timing). */
  oursGemmGflops: number;
  /** Flops of one step's matrix–vector products (not in the floor). */
  matrixVectorFlops: number;
}

/** Profiles `steps` train steps of `bb` on its own batches (fresh parameters: shapes are what count). */
export async function profileGemmWork(bb: Backbone, compiled: CompiledTrainStep, threads: number, steps = 3): Promise<GemmWork> {
  const dir = mkdtempSync(join(tmpdir(), 'sgfd-gemm-work-'));
  try {
    const rng = new Rng(2);
    const step = await TrainStep.create(compiled, initialValues(bb.model.namedParameters(), rng), bb.optimizer, { threads, profilePrefix: join(dir, 'step') });
    step.setFixedInputs(bb.fixedFeeds());
    const order = batches(bb.trainRows, bb.batchSize, rng);
    for (let s = 0; s < steps; s++) {
      const rows = order.next();
      if (rows.done) break;
      await step.run(bb.batchFeeds(rows.value, rng));
    }
    await step.endProfiling();
    await step.release();
    const file = readdirSync(dir).find((f) => f.endsWith('.json'));
    if (!file) throw new Error(`ORT wrote no profile into ${dir}`);
    const w = gemmWorkOfProfile(JSON.parse(readFileSync(join(dir, file), 'utf8')) as ProfileEvent[]);
    return { flopsPerStep: w.flops, oursGemmGflops: w.flops / w.kernelMs / 1e6, matrixVectorFlops: w.matrixVectorFlops };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface GemmPeak { bestGflops: number; medianGflops: number; shape: string; ms: number[]; flop: number }

/**
 * The machine's GEMM rate: a plain ORT MatMul 2048×4096 @ 4096×1024 at a fixed thread count. The
 * session and its operands stay open, so a bench can sample the rate several times through a run (the
 * rate of this shared machine moves by a third within minutes) and keep the best (`mergePeaks`).
 */
export class GemmPeakProbe {
  static readonly SHAPE = [2048, 4096, 1024] as const;
  private warm = false;
  private constructor(private readonly session: Awaited<ReturnType<typeof createSession>>, private readonly feeds: Record<string, ReturnType<typeof tensor>>) {}

  static async open(threads: number): Promise<GemmPeakProbe> {
    const [m, k, n] = GemmPeakProbe.SHAPE;
    const g = new G.Graph('gemm_peak');
    g.output(G.matmul(g.input('a', 'float32', [m, k]), g.input('b', 'float32', [k, n])), 'c');
    const rng = new Rng(5);
    const table = (r: number, c: number) => Float32Array.from({ length: r * c }, () => rng.normal() / Math.sqrt(c));
    return new GemmPeakProbe(await createSession(G.serialize(g), { threads }), { a: tensor(table(m, k), [m, k]), b: tensor(table(k, n), [k, n]) });
  }

  /** `samples` timed products (after one warm-up on the probe's first use). */
  async sample(samples: number): Promise<GemmPeak> {
    const ms: number[] = [];
    for (let i = this.warm ? 1 : 0; i <= samples; i++) {
      const t = performance.now();
      await this.session.run(this.feeds);
      if (i > 0) ms.push(performance.now() - t);
    }
    this.warm = true;
    return peakOf(ms);
  }

  release(): Promise<void> { return this.session.release(); }
}

const PEAK_FLOP = 2 * GemmPeakProbe.SHAPE[0] * GemmPeakProbe.SHAPE[1] * GemmPeakProbe.SHAPE[2];

/** Best and median rate of the probe's product over samples of `ms` milliseconds each. */
export function peakOf(ms: number[]): GemmPeak {
  if (ms.length === 0) throw new Error('GEMM peak: no samples');
  const rates = ms.map((x) => PEAK_FLOP / x / 1e6);
  const [m, k, n] = GemmPeakProbe.SHAPE;
  return { bestGflops: Math.max(...rates), medianGflops: median(rates), shape: `${m}×${k} @ ${k}×${n}`, ms, flop: PEAK_FLOP };
}

/** Several samplings of the probe as one: every sample kept, the best and median over all of them. */
export const mergePeaks = (peaks: GemmPeak[]): GemmPeak => peakOf(peaks.flatMap((p) => p.ms));

/** The machine's GEMM rate once: best and median of `samples` (after one warm-up). */
export async function gemmPeak(threads: number, samples = 7): Promise<GemmPeak> {
  const probe = await GemmPeakProbe.open(threads);
  try { return await probe.sample(samples); } finally { await probe.release(); }
}
