// Engine benchmark: the fused ORT train step (forward + backward + Adam in one session.run) on
//   (a) MLP 4096→512→26 (ReLU), batch 1024, softmax CE;
//   (b) one modality of SGFD (reference profile): teacher 4096→1024→256→128 linear stack, student
//       4096→128, each + LeakyReLU(0.01) + row L2-normalise, a classifier 128→26 shared by both;
//       loss = CE(teacher logits) + LD (mean |softmax(z_t/τ) − softmax(z_s/τ)|, τ = 10) + FD
//       (element-mean (f_t − f_s)²), batch 2048, Adam over everything (no stop-gradient);
// against the same steps in PyTorch (bench/torch_engine.py), interleaved round by round in one run,
// and next to the machine's GEMM peak (a plain ORT MatMul 2048×4096 @ 4096×1024).
// FLOPs counted: 2·m·n·k per linear-layer matmul forward, ×3 for forward + backward, i.e.
// 6·batch·Σ(in·out) over every linear application (the shared classifier counts twice), less the
// input gradient of the layers that read x (2·batch·in·out each), which neither side computes.
// Bias adds, activations, losses and Adam are not counted.
import os from 'node:os';
import * as G from '../src/graph/index.ts';
import { MLP, Linear, Module, initialValues, softmaxCrossEntropy, l1Loss, mseLoss, type Binder, type OptimizerConfig, type Parameter } from '../src/nn/index.ts';
import { TrainStep, type BatchTensor } from '../src/runtime/train-step.ts';
import { compileTrainStep, type LossSpec } from '../src/nn/train-step-graph.ts';
import { createSession, tensor, type Feeds, type ort } from '../src/runtime/session.ts';
import { Rng } from '../src/data/rng.ts';
import { median, peakRssMb } from './stats.ts';
import { TorchRunner, blasNote } from './torch-runner.ts';

const THREADS = 2;
const WARMUP = 3;
const ROUNDS = 10;
const STEPS_PER_ROUND = 3; // ROUNDS × STEPS_PER_ROUND = 30 timed steps per side and workload
const GEMM_RUNS = 12;
const [D, C, TAU] = [4096, 26, 10];
const OPTIMIZER: OptimizerConfig = { type: 'adam', lr: 1e-3 };

/**
 * SGFD's per-modality block, reference profile: deep linear teacher, shallow student, shared
 * classifier. The teacher runs layer by layer here, as torch's does: this bench compares engines on
 * the same math (the shipped model composes the linear stack, src/nn/layers.ts; bench `bm3` measures that).
 */
export class TeacherStudent extends Module {
  readonly teacher = new MLP([D, 1024, 256, 128], { activation: 'none', compose: false });
  readonly student = new Linear(D, 128);
  readonly classifier = new Linear(128, C);
}

const tail = (h: G.Value) => G.l2Normalize(G.leakyRelu(h, 0.01), -1);

export interface Workload {
  name: 'mlp' | 'teacher';
  batch: number;
  /** [in, out] of every linear-layer application, for the FLOP count. */
  linears: [number, number][];
  params: Map<string, Parameter>;
  build: (b: Binder) => LossSpec;
}

function inputs(b: Binder) {
  return { x: b.graph.input('x', 'float32', ['B', D]), y: b.graph.input('y', 'int64', ['B']) };
}

export function mlpWorkload(): Workload {
  const model = new MLP([D, 512, C], { activation: 'relu' });
  return {
    name: 'mlp', batch: 1024, linears: [[D, 512], [512, C]], params: model.namedParameters('mlp'),
    build: (b) => {
      const { x, y } = inputs(b);
      return { loss: softmaxCrossEntropy(model.forward(b, x), y) };
    },
  };
}

export function teacherWorkload(): Workload {
  const m = new TeacherStudent();
  return {
    name: 'teacher', batch: 2048,
    linears: [[D, 1024], [1024, 256], [256, 128], [D, 128], [128, C], [128, C]],
    params: m.namedParameters('sgfd.image'),
    build: (b) => {
      const { x, y } = inputs(b);
      const ft = tail(m.teacher.forward(b, x));
      const fs = tail(m.student.forward(b, x));
      const zt = m.classifier.forward(b, ft);
      const zs = m.classifier.forward(b, fs);
      const ce = softmaxCrossEntropy(zt, y);
      const ld = l1Loss(G.softmax(G.div(zt, TAU), -1), G.softmax(G.div(zs, TAU), -1));
      const fd = mseLoss(ft, fs);
      return { loss: G.add(G.add(ce, ld), fd), terms: { ce, ld, fd } };
    },
  };
}

/** A random batch: x ~ N(0, 1) [batch, D], labels uniform in [0, C). */
export function batchOf(n: number, seed: number): Record<string, BatchTensor> {
  const rng = new Rng(seed);
  const x = new Float32Array(n * D);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  const y = new BigInt64Array(n);
  for (let i = 0; i < n; i++) y[i] = BigInt(rng.nextInt(C));
  return { x: { data: x, dims: [n, D] }, y: { data: y, dims: [n] } };
}

export async function createStep(w: Workload, profilePrefix?: string): Promise<TrainStep> {
  const compiled = compileTrainStep(w.params, w.build, OPTIMIZER);
  return TrainStep.create(compiled, initialValues(w.params, new Rng(1)), OPTIMIZER, { threads: THREADS, profilePrefix });
}

async function timeSteps(step: TrainStep, batch: Record<string, BatchTensor>, k: number): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < k; i++) {
    const t = performance.now();
    const terms = await step.run(batch);
    ms.push(performance.now() - t);
    if (!Number.isFinite(terms.loss)) throw new Error(`non-finite loss ${terms.loss}`);
  }
  return ms;
}

/** The torch worker, dropped (→ na everywhere) at its first failure. */
interface Baseline { torch: TorchRunner | null; failed?: string }
async function viaTorch<T>(b: Baseline, f: (t: TorchRunner) => Promise<T>): Promise<T | null> {
  if (!b.torch) return null;
  try { return await f(b.torch); } catch (e) {
    b.failed = (e as Error).message;
    process.stdout.write(`torch failed, its numbers are na: ${b.failed}\n`);
    b.torch = null;
    return null;
  }
}

/**
 * The machine's GEMM peak: a plain MatMul 2048×4096 @ 4096×1024 f32 in its own ORT session (the
 * 8 MB output copy included) and the same product in torch. Sampled in a block up front and once
 * more per round, so it sees the same machine load as the train steps.
 */
class Peak {
  readonly ours: number[] = [];
  readonly torch: number[] = [];
  private constructor(private readonly session: ort.InferenceSession, private readonly feeds: Feeds) {}
  static async create(): Promise<Peak> {
    const [m, k, n] = [2048, D, 1024];
    const g = new G.Graph('gemm_peak');
    g.output(G.matmul(g.input('a', 'float32', [m, k]), g.input('b', 'float32', [k, n])), 'c');
    const rng = new Rng(5);
    const a = Float32Array.from({ length: m * k }, () => rng.nextFloat() - 0.5);
    const b = Float32Array.from({ length: k * n }, () => rng.nextFloat() - 0.5);
    return new Peak(await createSession(G.serialize(g), { threads: THREADS }), { a: tensor(a, [m, k]), b: tensor(b, [k, n]) });
  }
  async sample(runs: number, warmup: number, base: Baseline): Promise<void> {
    for (let i = 0; i < warmup + runs; i++) {
      const t = performance.now();
      await this.session.run(this.feeds);
      if (i >= warmup) this.ours.push(performance.now() - t);
    }
    const theirs = await viaTorch(base, (t) => t.request<{ ms: number[] }>({ cmd: 'gemm', runs, warmup }));
    if (theirs) this.torch.push(...theirs.ms);
  }
  async release(): Promise<void> { await this.session.release(); }
}

const GEMM_FLOP = 2 * 2048 * D * 1024;
const gflops = (flop: number, ms: number) => flop / ms / 1e6;
const f1 = (x: number) => x.toFixed(1);
const f3 = (x: number) => x.toFixed(3);
const na = (x: number | null, f: (v: number) => string) => (x === null ? 'na' : f(x));
const paramCount = (w: Workload) => [...w.params.values()].reduce((s, p) => s + p.size, 0);
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

interface Result { w: Workload; ours: number[]; torch: number[] }

/** Warm-up, then ROUNDS rounds alternating which side goes first, so load drift hits both alike. */
async function measure(w: Workload, base: Baseline, peak: Peak): Promise<Result> {
  const batch = batchOf(w.batch, 7);
  const step = await createStep(w);
  await timeSteps(step, batch, WARMUP);
  await viaTorch(base, (t) => t.time(w.name, WARMUP));
  const r: Result = { w, ours: [], torch: [] };
  const ours = async () => { r.ours.push(...await timeSteps(step, batch, STEPS_PER_ROUND)); };
  const theirs = async () => { r.torch.push(...(await viaTorch(base, (t) => t.time(w.name, STEPS_PER_ROUND))) ?? []); };
  for (let i = 0; i < ROUNDS; i++) {
    if (i % 2 === 0) { await ours(); await theirs(); } else { await theirs(); await ours(); }
    await peak.sample(1, 0, base);
  }
  await step.release();
  return r;
}

function report(r: Result, torchOk: boolean, peakOurs: number, peakTorch: number | null): { ours: number; torch: number | null } {
  const { w } = r;
  // layers reading x (in = D) need no input gradient: 2·batch·in·out less each
  const flop = 6 * w.batch * w.linears.reduce((s, [i, o]) => s + i * o, 0)
    - 2 * w.batch * w.linears.reduce((s, [i, o]) => s + (i === D ? i * o : 0), 0);
  const ours = median(r.ours);
  const torch = torchOk && r.torch.length ? median(r.torch) : null;
  const line = (who: string, xs: number[], m: number, pk: number | null) => `  ${who} ${f1(m)} ms/step (median of ${xs.length}, `
    + `min ${f1(Math.min(...xs))})  ${f1(gflops(flop, m))} GFLOP/s  vs its GEMM peak ${na(pk, f1)} GFLOP/s`;
  process.stdout.write([
    `${w.name}: x ${w.batch} × ${D} f32 (${((w.batch * D * 4) / 2 ** 20).toFixed(0)} MB), ${paramCount(w).toLocaleString('en')} params, `
      + `${(flop / 1e9).toFixed(2)} GFLOP/step`,
    line('ours ', r.ours, ours, peakOurs),
    torch === null ? '  torch na' : line('torch', r.torch, torch, peakTorch),
    `  ratio ours/torch ${torch === null ? 'na' : f3(ours / torch)} (target ≤ 0.5)`,
  ].join('\n') + '\n');
  return { ours, torch };
}

export async function run(): Promise<void> {
  const { runner, dropped } = TorchRunner.start({ threads: THREADS });
  const base: Baseline = { torch: runner };
  const say = (s: string) => process.stdout.write(`${s}\n`);
  say(`threads ${THREADS}; warm-up ${WARMUP}, then ${ROUNDS} interleaved rounds × ${STEPS_PER_ROUND} steps; load avg ${load()}`);
  say(`OpenBLAS env for torch: ${dropped.length ? `unset ${dropped.join(' ')}` : 'OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE not set, nothing to unset'}; ${blasNote(THREADS)}`);
  if (!runner) say('torch: /usr/bin/python3 cannot import torch → baseline na');
  const info = await viaTorch(base, (t) => t.request<Record<string, unknown>>({ cmd: 'info' }));
  if (info) say(`torch ${JSON.stringify(info)}`);
  const peak = await Peak.create();
  await peak.sample(GEMM_RUNS, 2, base);
  const results: Result[] = [];
  try {
    for (const w of [mlpWorkload(), teacherWorkload()]) results.push(await measure(w, base, peak));
  } finally {
    await base.torch?.stop();
    await peak.release();
  }
  const torchOk = base.failed === undefined && runner !== null;
  const peakOurs = gflops(GEMM_FLOP, median(peak.ours));
  const peakTorch = torchOk ? gflops(GEMM_FLOP, median(peak.torch)) : null;
  say(`GEMM peak (2048×4096 @ 4096×1024 f32, median of ${peak.ours.length}): ORT MatMul ${f1(peakOurs)} GFLOP/s, torch ${na(peakTorch, f1)} GFLOP/s`);
  const [mlp, teacher] = results.map((r) => report(r, torchOk, peakOurs, peakTorch));
  say(`load avg ${load()}; peak RSS ${peakRssMb()} MB (this process)`);
  const ratio = (x: { ours: number; torch: number | null }) => na(x.torch === null ? null : x.ours / x.torch, f3);
  say(`engine: mlp_ms=${f1(mlp.ours)} teacher_ms=${f1(teacher.ours)} torch_mlp_ms=${na(mlp.torch, f1)} `
    + `torch_teacher_ms=${na(teacher.torch, f1)} ratio_mlp=${ratio(mlp)} ratio_teacher=${ratio(teacher)}`);
}
