// Same-run comparison of our train steps with a plain PyTorch implementation of the same model
// (bench/torch_bm3.py, bench/torch_grcn.py): per workload, our side in its own node process
// (bench/ours-worker.ts) and torch's in its own python process, so each side's peak RSS is that
// workload's; both start from our initial parameters, the first step on our first batch checks that
// they compute the same loss, then a warm-up unit each and interleaved rounds (alternating who goes
// first), 1 thread each. A unit is one epoch or N steps; a round's ratio is ours / torch. The torch
// child runs without the OpenBLAS overrides and with TORCH_MALLOC (see torch-runner.ts); ours inherits the
// runner's malloc settings (bin/sgfd's, unless SGFD_MALLOC=default; bench/run.ts).
import { currentBuild } from '../bin/build-stamp.js';
import { fileURLToPath } from 'node:url';
import { generateSynthetic } from '../src/data/synth.ts';
import { type DatasetParts } from '../src/data/dataset.ts';
import { median } from './stats.ts';
import { JsonWorker, TorchRunner, OPENBLAS_VARS, TORCH_MALLOC, blasNote } from './torch-runner.ts';
import { type SetupAnswer, type SetupRequest } from './ours-worker.ts';
import { type DumpMeta } from './workload-dump.ts';
import { type GemmWork, type GemmPeak, mergePeaks } from './gemm-work.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OURS = fileURLToPath(new URL('./ours-worker.ts', import.meta.url));
/** Which code our side runs, for the bench's first lines. */
export const oursCodeLine = () => `ours: ${currentBuild() ? 'the compiled build (dist/, current)' : 'the TypeScript sources through tsx (dist/ absent or stale: npm run build)'}`;
export const TORCH_SCRIPT = {
  bm3: fileURLToPath(new URL('./torch_bm3.py', import.meta.url)),
  grcn: fileURLToPath(new URL('./torch_grcn.py', import.meta.url)),
};
/** The first-step losses must agree to this relative difference. */
export const CHECK_TOLERANCE = 1e-4;

/**
 * A Last.fm-sized SYNTHETIC set (the real lastfm-2k-mm: 1,858 users × 1,425 items, 56,345
 * interactions, text 384-d and audio 128-d features, 11 genre labels): the embedded generator at that
 * shape, with the 128-d modality in the 'image' slot.
 */
export function lastfmShape(): { parts: DatasetParts; source: string } {
  const parts = generateSynthetic({ users: 1858, items: 1425, density: 0.024, imageDim: 128, textDim: 384, categories: 11, seed: 3 });
  return { parts, source: 'Last.fm-sized SYNTHETIC interactions and features (embedded generator)' };
}

export interface Workload {
  label: string;
  dir: string;
  run: string;
  model: 'bm3' | 'grcn';
  variant: SetupRequest['variant'];
  config: SetupRequest['config'];
  /** What one timed unit is: an epoch, or N train steps. */
  unit: { epoch: true } | { steps: number };
}

export interface Compared {
  w: Workload;
  setup: SetupAnswer;
  torchCheck: Record<string, number> | null;
  ours: number[];
  torch: number[];
  ratios: number[];
  /** CPU seconds of every thread of each side's process over the same units (per round; empty when not reported). */
  oursCpu: number[];
  torchCpu: number[];
  /** Minor page faults of each side's process over the same units (per round; empty when not reported). */
  oursFaults: number[];
  torchFaults: number[];
  oursRssMb: number | null;
  torchRssMb: number | null;
  /** Why torch's numbers are na (not installed, or its first failure). */
  torchNa: string | null;
  torchInfo: Record<string, unknown> | null;
  /**
   * The step's GEMM work (our side, after the rounds) and this core's GEMM peak: the best of samples
   * taken before every round (by a worker of its own) and after the rounds.
   */
  gemm: (GemmWork & { peak: GemmPeak }) | null;
}

/** GEMM-rate samples before each round (the 'gemm' request adds 7 after the rounds). */
const PEAK_SAMPLES_PER_ROUND = 3;

/** Threads each side (BENCH_THREADS; 1 unless set: the issue's same-run protocol). */
export const THREADS = benchThreads(process.env.BENCH_THREADS);

export function benchThreads(v: string | undefined): number {
  if (v === undefined || v === '') return 1;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`BENCH_THREADS: expected a whole number of threads ≥ 1, got '${v}'`);
  return n;
}

/** One timed unit: wall seconds, the CPU seconds its process spent (all threads) and its minor page faults. */
interface Unit { s: number; cpu: number; faults?: number }
async function unit(worker: JsonWorker, u: Workload['unit']): Promise<Unit> {
  return worker.request<Unit>('epoch' in u ? { cmd: 'epoch' } : { cmd: 'steps', n: u.steps });
}

export async function compare(w: Workload, rounds: number, o: { info?: boolean } = {}): Promise<Compared> {
  // Ours as the CLI runs it: the compiled build when it is current (bin/build-stamp.js), else the sources through tsx.
  const build = currentBuild();
  const worker = (label: string) => JsonWorker.spawn(label, process.execPath, build ? [build.benchWorker] : ['--import', 'tsx', OURS], { cwd: ROOT });
  const ours = worker('ours');
  // This machine's GEMM rate moves by a third within minutes: sampled before every round, in a process
  // of its own (its operands are not in our peak RSS), so the floor is the rate the run could have had.
  const peaker = worker('gemm-peak');
  const peaks: GemmPeak[] = [];
  const samplePeak = async () => { peaks.push(await peaker.request<GemmPeak>({ cmd: 'peak', threads: THREADS, samples: PEAK_SAMPLES_PER_ROUND })); };
  let { runner: torch } = TorchRunner.start({ script: TORCH_SCRIPT[w.model], threads: THREADS, env: TORCH_MALLOC });
  let torchNa: string | null = torch ? null : 'python3-torch not installed';
  const viaTorch = async <T>(f: (t: TorchRunner) => Promise<T>): Promise<T | null> => {
    if (!torch) return null;
    try { return await f(torch); } catch (e) {
      torchNa = (e as Error).message;
      process.stdout.write(`torch failed on ${w.label}, its numbers are na: ${torchNa}\n`);
      await torch.stop().catch(() => undefined);
      torch = null;
      return null;
    }
  };
  try {
    const req: SetupRequest = { dir: w.dir, run: w.run, model: w.model, variant: w.variant, config: w.config, threads: THREADS };
    const setup = await ours.request<SetupAnswer>({ cmd: 'setup', ...req });
    const torchInfo = o.info ? await viaTorch((t) => t.request<Record<string, unknown>>({ cmd: 'info' })) : null;
    const torchCheck = (await viaTorch((t) => t.request<{ check: Record<string, number> }>({
      cmd: 'setup', dir: w.dir, run: w.run, config: setup.config, sgfd: setup.sgfd,
    })))?.check ?? null;
    await unit(ours, w.unit);
    await viaTorch((t) => unit(t, w.unit));
    const r: Compared = { w, setup, torchCheck, ours: [], torch: [], ratios: [], oursCpu: [], torchCpu: [], oursFaults: [], torchFaults: [], oursRssMb: null, torchRssMb: null, torchNa, torchInfo, gemm: null };
    for (let i = 0; i < rounds; i++) {
      await samplePeak().catch((e: Error) => process.stdout.write(`GEMM peak sample before round ${i + 1} failed: ${e.message.split('\n')[0]}\n`));
      let a: Unit = { s: 0, cpu: 0 };
      let b: Unit | null = null;
      if (i % 2 === 0) { a = await unit(ours, w.unit); b = await viaTorch((t) => unit(t, w.unit)); }
      else { b = await viaTorch((t) => unit(t, w.unit)); a = await unit(ours, w.unit); }
      r.ours.push(a.s);
      r.oursCpu.push(a.cpu);
      if (a.faults !== undefined) r.oursFaults.push(a.faults);
      if (b !== null) { r.torch.push(b.s); r.torchCpu.push(b.cpu); r.ratios.push(a.s / b.s); }
      if (b?.faults !== undefined) r.torchFaults.push(b.faults);
    }
    r.oursRssMb = ours.peakRssMb();
    r.torchRssMb = torch ? (torch as TorchRunner).peakRssMb() : null;
    r.torchNa = torchNa;
    if (torchNa) { r.torch = []; r.torchCpu = []; r.torchFaults = []; r.ratios = []; }
    // After the peak RSS is read: the profiled session is a second copy of the step.
    r.gemm = await ours.request<GemmWork & { peak: GemmPeak }>({ cmd: 'gemm' }).catch((e: Error) => {
      process.stdout.write(`GEMM work of ${w.label} not measured (its floor is na): ${e.message.split('\n')[0]}\n`);
      return null;
    });
    if (r.gemm) r.gemm.peak = mergePeaks([...peaks, r.gemm.peak]);
    return r;
  } finally {
    await ours.stop();
    await peaker.stop();
    await (torch as TorchRunner | null)?.stop();
  }
}

/** What the torch child's environment differs in. */
export function torchEnvLine(): string {
  const dropped = OPENBLAS_VARS.filter((k) => process.env[k] !== undefined).map((k) => `${k}=${process.env[k]}`);
  return `torch env: ${dropped.length ? `unset ${dropped.join(' ')}` : 'no OpenBLAS override to unset'}; OMP/OPENBLAS threads ${THREADS}; ${blasNote(THREADS)}; `
    + `GLIBC_TUNABLES=${TORCH_MALLOC.GLIBC_TUNABLES} (freed memory reused, see bench/torch-runner.ts); ours with the runner's malloc (the first line)`;
}

export const f2 = (x: number) => x.toFixed(2);
export const f3 = (x: number) => x.toFixed(3);
export const na = (x: number | null | undefined, f: (v: number) => string) => (x === null || x === undefined || !Number.isFinite(x) ? 'na' : f(x));
/** Median per-round ratio ours / torch, or null without torch. */
export const ratioOf = (r: Compared): number | null => (r.ratios.length ? median(r.ratios) : null);
/**
 * Ours / torch in CPU seconds (every thread of each process), the median of the per-round ratios.
 * At "1 thread each side" ours still builds the next batch on a second thread while ORT runs the
 * step (runtime/epoch.ts), and torch does all on one: this ratio counts that work too.
 */
export const cpuRatioOf = (r: Compared): number | null => (r.torchCpu.length ? median(r.torchCpu.map((t, i) => r.oursCpu[i] / t)) : null);
/**
 * The CPU line of a workload: what each process spent per unit, all its threads; and each side's
 * minor page faults per unit (medians): on a virtual machine a first touch of a fresh page can cost
 * ≈ 10 µs (docs/PERFORMANCE.md), so a side that faults a lot in one round runs slower in it.
 */
export const cpuLine = (r: Compared, unit: string): string => `  ${r.w.label} CPU (all threads of each process): ours ${f2(median(r.oursCpu))} s/${unit}, `
  + `torch ${r.torchCpu.length ? f2(median(r.torchCpu)) : 'na'} s/${unit}; ratio ours/torch ${na(cpuRatioOf(r), f3)} (ours also builds the next batch on a second thread while the step runs); `
  + `minor page faults/${unit} ours ${faultsOf(r.oursFaults)}, torch ${faultsOf(r.torchFaults)}`;
const faultsOf = (xs: number[]) => (xs.length ? `${Math.round(median(xs))} (per round ${xs.join(' ')})` : 'na');

/** Steps in one timed unit of `r`. */
const unitSteps = (r: Compared) => ('epoch' in r.w.unit ? r.setup.stepsPerEpoch : r.w.unit.steps);

/**
 * The GEMM floor of a unit — its GEMM flops at this core's best measured GEMM rate, everything else
 * free — and that floor over torch's median unit: no implementation of this math reaches a lower
 * ratio ours / torch on this machine.
 */
export function gemmFloor(r: Compared): { seconds: number; ratio: number | null } | null {
  if (!r.gemm) return null;
  const seconds = (r.gemm.flopsPerStep * unitSteps(r)) / (r.gemm.peak.bestGflops * 1e9);
  return { seconds, ratio: r.torch.length ? seconds / median(r.torch) : null };
}

/**
 * Our median unit over its GEMM floor (≥ 1): how far ours is from the same math at this core's GEMM
 * peak. Unlike the ratio to torch it does not move with the baseline's memory-bound part, which
 * varies from machine to machine (docs/PERFORMANCE.md, *Targets*).
 */
export function oursOverFloor(r: Compared): number | null {
  const floor = gemmFloor(r);
  return floor && r.ours.length ? median(r.ours) / floor.seconds : null;
}

/** "  <label> GEMM work: 21.96 GFLOP/step; …": the floor line under a workload's timing line. */
export function gemmLine(r: Compared, unitName: string): string {
  const floor = gemmFloor(r);
  if (!floor || !r.gemm) return `  ${r.w.label} GEMM work: na`;
  const g = r.gemm;
  const rate = (x: number) => `${x.toFixed(0)} GFLOP/s`;
  const oursUnit = median(r.ours);
  return `  ${r.w.label} GEMM work: ${(g.flopsPerStep / 1e9).toFixed(2)} GFLOP/step (ORT profile of 3 steps); this core's GEMM peak `
    + `${rate(g.peak.bestGflops)} (best of ${g.peak.ms.length} samples through the run, median ${rate(g.peak.medianGflops)}, ${g.peak.shape}) → GEMM floor ${floor.seconds.toFixed(3)} s/${unitName} `
    + `= ${na(floor.ratio, f3)} of torch's (the lowest ratio this math allows here); our GEMM kernels ${rate(g.oursGemmGflops)}, `
    + `ours overall ${rate((g.flopsPerStep * unitSteps(r)) / oursUnit / 1e9)} of GEMM work (ours = ${na(oursOverFloor(r), f2)} × the floor)`
    + (g.matrixVectorFlops > 0 ? `; not counted: ${(g.matrixVectorFlops / 1e9).toFixed(2)} GFLOP/step of matrix–vector products (memory-bound)` : '');
}

/** "lastfm: 1,858 users × 1,425 items, 56,075 interactions (44,820 train), image 128-d + text 384-d, 11 classes; <source>" */
export function describeData(label: string, m: DumpMeta): string {
  const n = (x: number) => x.toLocaleString('en');
  return `${label}: ${n(m.nUsers)} users × ${n(m.nItems)} items, ${n(m.interactions)} interactions (${n(m.train)} train), `
    + `${m.modalities.map((x) => `${x.name} ${x.dim}-d`).join(' + ')}, ${m.nLabels} classes; ${m.source}`;
}

/** The first-step check: both losses, their relative difference, and whether it is within tolerance. */
export function checkLine(r: Compared): { line: string; rel: number | null } {
  const ours = r.setup.check.loss;
  const theirs = r.torchCheck?.loss;
  if (theirs === undefined) return { line: `first-step loss check ${r.w.label}: ours ${ours.toPrecision(8)}, torch na`, rel: null };
  const rel = Math.abs(ours - theirs) / Math.max(Math.abs(ours), 1e-12);
  const terms = Object.keys(r.torchCheck!).filter((k) => k !== 'loss').map((k) => {
    const o = r.setup.check[`loss.${k}`] ?? r.setup.check[k];
    return `${k} ${o === undefined ? 'na' : o.toPrecision(6)}/${r.torchCheck![k].toPrecision(6)}`;
  });
  return {
    line: `first-step loss check ${r.w.label}: ours ${ours.toPrecision(8)} torch ${theirs.toPrecision(8)} rel ${rel.toExponential(1)} `
      + `${rel <= CHECK_TOLERANCE ? 'ok' : 'MISMATCH'} (≤ ${CHECK_TOLERANCE}); terms ours/torch: ${terms.join(', ')}`,
    rel,
  };
}
