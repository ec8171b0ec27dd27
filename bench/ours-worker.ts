// Our side of a same-run baseline, in its own node process (so its peak RSS is this workload's
// alone), driven over JSON lines like bench/torch_*.py:
//   {"cmd": "setup", "dir", "run", "model", "variant", "config", "threads"}
//       builds the backbone on the dumped data (bench/workload-dump.ts), writes its initial
//       parameters to <dir>/<run>/params and its first batch to <dir>/<run>/check, trains on that
//       batch once and answers the loss terms of that first step (before its update)
//   {"cmd": "epoch"}           -> {"s": wall seconds of one epoch, "steps", "cpu": CPU seconds, all threads,
//                                 "faults": minor page faults of the process meanwhile}
//   {"cmd": "steps", "n": N}   -> {"s": wall seconds of N steps, "ms": per-step, "cpu", "faults"}
//   {"cmd": "gemm"}           -> {"flopsPerStep", "oursGemmGflops", "peak"}: the step's GEMM work from
//                                 ORT's profile of 3 steps, and this core's GEMM peak (bench/gemm-work.ts)
//   {"cmd": "peak", "threads", "samples"} -> this core's GEMM rate sampled now (GemmPeakProbe, kept open
//                                 between requests; needs no setup: compare() asks a worker of its
//                                 own, so the probe's memory is not in the workload's peak RSS)
//   {"cmd": "quit"}
// Epochs and steps run as the trainer (src/train/trainer.ts) runs them: the step in a worker thread
// with the feature tables validation does not read lent to it (openStepper, the trainer's default), the
// validation scoring graph held open, seeded shuffled batches, the next batch's feeds built in JS while
// the current step runs (overlappedSteps) and moved to the step's thread. ORT gets `threads` intra-op threads.
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { backboneSpec, resolveBackboneConfig, type Backbone } from '../src/backbones/index.ts';
import { sgfdConfig, type SgfdConfig, type Profile } from '../src/sgfd/config.ts';
import { initialValues } from '../src/nn/index.ts';
import { compileTrainStep } from '../src/nn/train-step-graph.ts';
import { trainsNatively } from '../src/runtime/native.ts';
import { planBackboneStep } from '../src/train/backbone-step.ts';
import { type Stepper } from '../src/runtime/epoch.ts';
import { openStepper } from '../src/train/feature-loan.ts';
import { scoringGraph } from '../src/run/scoring.ts';
import { overlappedSteps } from '../src/runtime/epoch.ts';
import { batches } from '../src/data/samplers.ts';
import { Rng } from '../src/data/rng.ts';
import { readDump, writeFeeds, writeParams } from './workload-dump.ts';
import { profileGemmWork, gemmPeak, GemmPeakProbe, type GemmPeak } from './gemm-work.ts';

export interface SetupRequest {
  dir: string;
  /** Subdirectory of `dir` for this run's parameters and check batch. */
  run: string;
  model: string;
  /** 'vanilla' (no SGFD) or an SGFD profile. */
  variant: 'vanilla' | Profile;
  config: Record<string, number | string | boolean>;
  threads: number;
}

export interface SetupAnswer {
  config: Record<string, number | string | boolean>;
  sgfd: SgfdConfig | null;
  trainRows: number;
  batchSize: number;
  stepsPerEpoch: number;
  /** ORT threads of the step, out of the request's `threads` (as the trainer picks them). */
  stepThreads: number;
  /** Loss terms of the first step, on the batch written to <run>/check. */
  check: Record<string, number>;
}

interface Current { bb: Backbone; request: SetupRequest; step: Stepper; close(failed: boolean): Promise<void>; scoring: unknown; rng: Rng; order: Generator<Int32Array> | null }
let current: Current | null = null;

/** The request's backbone on its dumped data (fresh arrays: the step's worker holds the first ones). */
function backboneOf(r: SetupRequest) {
  const { ds, teacher } = readDump(r.dir);
  const spec = backboneSpec(r.model);
  const config = resolveBackboneConfig(spec, r.config);
  const d = Number(config.embedding_dim);
  const sgfd = r.variant === 'vanilla' ? null : sgfdConfig(r.variant, { latentDim: d });
  return { ds, config, sgfd, bb: spec.create(ds, config, sgfd, sgfd?.twoStage ? teacher : null) };
}

async function setup(r: SetupRequest): Promise<SetupAnswer> {
  const { ds, config, sgfd, bb } = backboneOf(r);
  const params = bb.model.namedParameters();
  const rng = new Rng(1);
  const values = initialValues(params, rng);
  writeParams(join(r.dir, r.run, 'params'), params, values);
  // As the trainer holds them: the validation scoring graph, and the step in a worker with the feature
  // tables that scoring does not read lent to it (openStepper).
  const scoring = await scoringGraph(bb, params, { threads: r.threads });
  // Compiled, and its share of the threads taken, as the trainer does (train/backbone-step.ts).
  const { compiled, threads } = planBackboneStep(bb, { native: trainsNatively() }, r.threads, rng);
  const { stepper: step, close } = await openStepper(ds, compiled, values, bb, true, { threads }, scoring ? new Set(scoring.session.inputNames) : null);
  const rows = batches(bb.trainRows, bb.batchSize, rng).next().value as Int32Array;
  const feeds = bb.batchFeeds(rows, rng);
  writeFeeds(join(r.dir, r.run, 'check'), feeds);
  const check = await step.run(feeds);
  current = { bb, request: r, step, close, scoring, rng, order: null };
  return { config, sgfd, trainRows: bb.trainRows, batchSize: bb.batchSize, stepsPerEpoch: Math.ceil(bb.trainRows / bb.batchSize), stepThreads: threads, check };
}

/** The next batch of the running epoch (a new shuffled epoch when one ends), as the trainer draws them. */
function nextRows(c: Current): Int32Array {
  for (;;) {
    c.order ??= batches(c.bb.trainRows, c.bb.batchSize, c.rng);
    const n = c.order.next();
    if (!n.done) return n.value;
    c.order = null;
  }
}

/** CPU seconds of this process (every thread: ours, the step's worker, ORT's) since `from`. */
const cpuSince = (from: NodeJS.CpuUsage) => { const u = process.cpuUsage(from); return (u.user + u.system) / 1e6; };
/** Minor page faults of this process so far (every thread): first touches of fresh pages. */
const faults = () => process.resourceUsage().minorPageFault;

async function epoch(): Promise<{ s: number; steps: number; cpu: number; faults: number }> {
  const c = current!;
  const f0 = faults();
  const t0 = performance.now();
  const cpu = process.cpuUsage();
  let steps = 0;
  await overlappedSteps(batches(c.bb.trainRows, c.bb.batchSize, c.rng), (rows) => c.bb.batchFeeds(rows, c.rng), (f) => c.step.run(f, { move: true }), () => { steps++; });
  return { s: (performance.now() - t0) / 1000, steps, cpu: cpuSince(cpu), faults: faults() - f0 };
}

async function steps(n: number): Promise<{ s: number; ms: number[]; cpu: number; faults: number }> {
  const c = current!;
  const ms: number[] = [];
  const f0 = faults();
  const rows = function* () { for (let k = 0; k < n; k++) yield nextRows(c); };
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  let t = t0;
  await overlappedSteps(rows(), (r) => c.bb.batchFeeds(r, c.rng), (f) => c.step.run(f, { move: true }), () => { const now = performance.now(); ms.push(now - t); t = now; });
  return { s: (performance.now() - t0) / 1000, ms, cpu: cpuSince(cpu), faults: faults() - f0 };
}

async function gemm(r: SetupRequest): Promise<unknown> {
  const { bb } = backboneOf(r);
  const compiled = compileTrainStep(bb.model.namedParameters(), (b) => bb.buildLoss(b), bb.optimizer);
  return { ...(await profileGemmWork(bb, compiled, r.threads)), peak: await gemmPeak(r.threads) };
}

let probe: { threads: number; probe: GemmPeakProbe } | null = null;
/** Samples with the probe kept open between requests; a request at other threads opens a new one. */
async function peak(threads: number, samples: number): Promise<GemmPeak> {
  if (probe?.threads !== threads) {
    await probe?.probe.release();
    probe = { threads, probe: await GemmPeakProbe.open(threads) };
  }
  return probe.probe.sample(samples);
}

async function answer(req: { cmd: string } & Record<string, unknown>): Promise<unknown> {
  switch (req.cmd) {
    case 'setup': return setup(req as unknown as SetupRequest);
    case 'epoch': return epoch();
    case 'steps': return steps(Number(req.n));
    case 'gemm': return gemm(current!.request);
    case 'peak': return peak(Number(req.threads), Number(req.samples));
    default: return { error: `unknown cmd ${req.cmd}` };
  }
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const req = JSON.parse(line) as { cmd: string } & Record<string, unknown>;
  if (req.cmd === 'quit') break;
  let out: unknown;
  try { out = await answer(req); } catch (e) { out = { error: (e as Error).stack ?? String(e) }; }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}
await (current as Current | null)?.close(false);
lines.close();
