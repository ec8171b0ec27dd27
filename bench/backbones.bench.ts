// Seconds per epoch of every registered backbone on the SGFD Office split (SYNTHETIC 4096-d image +
// 768-d text features and 54 synthetic categories for the multimodal ones), vanilla and SGFD in both
// profiles for the multimodal backbones, each at the settings `sgfd train` starts from (the tuned
// defaults of src/train/recommended.ts, resolved as the CLI resolves them). An epoch is extrapolated
// from the median of timed steps (after warm-up steps, run as `sgfd train` runs them at its default of
// 2 threads: the step's share of them, in a worker, batches built beside it) × steps per epoch: a full
// GRCN epoch takes minutes here. Beside it, one validation as the trainer runs it after each epoch
// (every validation user ranked on the scoring graph or native kernel, metrics computed; median of
// VALIDATIONS after a warm one): an epoch as a user waits for it is the two together.
// BACKBONE_BENCH_DEFAULTS=plain measures the bare library defaults instead (as sessions ≤ 23 did).
// Then BM3, LightGCN and NGCF at a Last.fm-sized SYNTHETIC shape, where their propagation goes dense
// (printed). Then vanilla GRCN at that shape against a plain PyTorch GRCN (bench/torch_grcn.py:
// index_add segment sums, no PyG) in the same run: both from our initial parameters (first-step loss
// checked on our first batch), 1 thread each, interleaved rounds of GRCN_BENCH_STEPS steps
// (bench/compare.ts); grcn_ratio = ours / torch, median per-round ratio.
import { backboneSpec, BACKBONES } from '../src/backbones/index.ts';
import { type Profile } from '../src/sgfd/config.ts';
import { artifactSettings } from '../src/artifacts/settings.ts';
import { resolveSettings } from '../src/train/run.ts';
import { scorer, scoringGraph } from '../src/run/index.ts';
import { evaluate, TopKSessions } from '../src/eval/index.ts';
import { initialValues } from '../src/nn/index.ts';
import { nativeWork } from '../src/runtime/propagation-offload.ts';
import { planBackboneStep } from '../src/train/backbone-step.ts';
import { overlappedSteps } from '../src/runtime/epoch.ts';
import { openStepper } from '../src/train/feature-loan.ts';
import { TRAIN_DEFAULTS } from '../src/train/trainer.ts';
import { trainsNatively } from '../src/runtime/native.ts';
import { batches } from '../src/data/samplers.ts';
import { Rng } from '../src/data/rng.ts';
import { type Dataset, makeDataset } from '../src/data/dataset.ts';
import { trainInteractions } from '../src/backbones/backbone.ts';
import { normalisedBipartite, chooseKind } from '../src/backbones/propagation.ts';
import { median, peakRssMb } from './stats.ts';
import { officeWithSyntheticFeatures } from './bm3.bench.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDump } from './workload-dump.ts';
import { TORCH_MISSING, torchAvailable } from './torch-runner.ts';
import { compare, checkLine, cpuLine, gemmLine, torchEnvLine, describeData, lastfmShape, ratioOf, THREADS, f3, na } from './compare.ts';

const MULTIMODAL = new Set(['bm3', 'grcn', 'maml']);
const WARMUP = 3;
const TIMED = Number(process.env.BACKBONE_BENCH_STEPS ?? 12); // 5 until session 19: single runs read 20–40 % apart
const GRCN_STEPS = Number(process.env.GRCN_BENCH_STEPS ?? 5);
const GRCN_ROUNDS = Number(process.env.GRCN_BENCH_ROUNDS ?? 3);
const VALIDATIONS = Number(process.env.BACKBONE_BENCH_VALIDATIONS ?? 3);
const DEFAULTS = process.env.BACKBONE_BENCH_DEFAULTS === 'plain' ? 'plain' : 'tuned';

/** Ours / torch for vanilla GRCN at the Last.fm shape (null without torch). */
async function grcnAgainstTorch(): Promise<number | null> {
  const dir = mkdtempSync(join(tmpdir(), 'sgfd-grcn-bench-'));
  try {
    const lf = lastfmShape();
    const meta = writeDump(dir, 'lastfm-shape', lf.source, lf.parts, 128);
    console.log(`grcn vs torch: ${describeData('lastfm shape', meta)}`);
    console.log(torchAvailable() ? torchEnvLine() : TORCH_MISSING);
    const r = await compare({ label: 'lastfm grcn', dir, run: 'grcn', model: 'grcn', variant: 'vanilla', config: {}, unit: { steps: GRCN_STEPS } }, GRCN_ROUNDS);
    console.log(checkLine(r).line);
    const per = (xs: number[]) => (xs.length ? `${(median(xs) * 1000 / GRCN_STEPS).toFixed(0)} ms/step` : 'na');
    console.log(`  lastfm grcn (${THREADS} thread each, ${GRCN_ROUNDS} rounds × ${GRCN_STEPS} steps of ${r.setup.batchSize}): ours ${per(r.ours)}, torch ${per(r.torch)}; `
      + `ratio ours/torch ${na(ratioOf(r), f3)} (per round ${r.ratios.map(f3).join(' ') || 'na'}); peak RSS ours ${na(r.oursRssMb, String)} MB, torch ${na(r.torchRssMb, String)} MB`);
    console.log(cpuLine(r, `${GRCN_STEPS} steps`));
    console.log(gemmLine(r, `${GRCN_STEPS} steps`));
    return ratioOf(r);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What `sgfd train --backbone <name> [--sgfd --profile <profile>] --defaults <DEFAULTS>` trains, and how often it validates. */
function trainedAs(ds: Dataset, name: string, profile: Profile | null) {
  const settings = artifactSettings({ data: `<${ds.meta.name}>`, backbone: name, defaults: DEFAULTS, ...(profile ? { sgfd: true, profile } : {}) });
  const { backbone_config: config, sgfd } = resolveSettings(settings, ds);
  return { config, sgfd, evalEvery: settings.train.evalEvery ?? 1 };
}

/** Seconds of one validation as the trainer runs it (median of VALIDATIONS after a warm one). */
async function validationSeconds(ds: Dataset, bb: ReturnType<ReturnType<typeof backboneSpec>['create']>, values: Map<string, Float32Array>): Promise<number> {
  const scoring = await scoringGraph(bb, bb.model.namedParameters(), { threads: TRAIN_DEFAULTS.threads });
  const sessions = new TopKSessions();
  const times: number[] = [];
  try {
    for (let i = 0; i <= VALIDATIONS; i++) {
      const t = performance.now();
      await evaluate(await scorer(scoring, ds, values, bb), ds, 'valid', { threads: TRAIN_DEFAULTS.threads, chunk: bb.evalChunk, sessions });
      if (i > 0) times.push(performance.now() - t);
    }
  } finally {
    await sessions.release();
    await scoring.release();
  }
  return median(times) / 1000;
}

async function epochSeconds(ds: Dataset, name: string, profile: Profile | null): Promise<{ s: number; validS: number; evalEvery: number; stepMs: number; steps: number; batch: number; threads: number; offloaded: boolean; native: string }> {
  const spec = backboneSpec(name);
  const { config, sgfd, evalEvery } = trainedAs(ds, name, profile);
  const cache = sgfd?.twoStage ? ds.modalities.map(() => new Float32Array(ds.nItems * sgfd.latentDim).fill(0.01)) : null;
  const bb = spec.create(ds, config, sgfd, cache);
  const params = bb.model.namedParameters();
  const rng = new Rng(1);
  const values = initialValues(params, rng);
  // As `sgfd train` runs it: compiled for its share of the training default's threads (nn/step-plan.ts),
  // in its worker, the next batch built on this thread while a step runs. A step's time is the
  // interval between two steps' ends.
  const { compiled, threads } = planBackboneStep(bb, { native: trainsNatively() }, TRAIN_DEFAULTS.threads, rng);
  const { stepper, close } = await openStepper(ds, compiled, values, bb, true, { threads }, null);
  const ends: number[] = [];
  try {
    const rows = [...batches(bb.trainRows, bb.batchSize, rng)].slice(0, WARMUP + TIMED);
    await overlappedSteps(rows, (r) => bb.batchFeeds(r, rng), (f) => stepper.run(f, { move: true }), () => { ends.push(performance.now()); });
  } finally { await close(false); }
  const times = ends.slice(WARMUP).map((t, i) => t - ends[WARMUP - 1 + i]);
  const steps = Math.ceil(bb.trainRows / bb.batchSize);
  const stepMs = median(times);
  const validS = await validationSeconds(ds, bb, values);
  return { s: (stepMs * steps) / 1000, validS, evalEvery, stepMs, steps, batch: bb.batchSize, threads, offloaded: !!compiled.offload?.propagations.length, native: nativeWork(compiled) };
}

export async function run(): Promise<void> {
  const { ds, source } = officeWithSyntheticFeatures();
  console.log(`data: ${source}; ${ds.nUsers} users × ${ds.nItems} items; features image 4096-d + text 768-d (SYNTHETIC); ${DEFAULTS} defaults (as sgfd train --defaults ${DEFAULTS}); ${TIMED} timed steps after ${WARMUP} warm-up, epoch = median step × steps/epoch`);
  const out: Record<string, number> = {};
  const valid: Record<string, number> = {};
  const secs = (x: number) => x.toFixed(2);
  const every = (n: number) => (n === 1 ? '' : ` every ${n} epochs`);
  for (const name of Object.keys(BACKBONES)) {
    const variants: [string, Profile | null][] = MULTIMODAL.has(name) ? [['vanilla', null], ['sgfd-reference', 'reference'], ['sgfd-paper', 'paper']] : [['vanilla', null]];
    for (const [label, profile] of variants) {
      const r = await epochSeconds(ds, name, profile);
      if (label === 'vanilla') { out[name] = r.s; valid[name] = r.validS; }
      console.log(`${name.padEnd(9)} ${label.padEnd(15)} ${r.s.toFixed(2).padStart(8)} s/epoch + ${secs(r.validS).padStart(5)} s validation${every(r.evalEvery)}  (${r.stepMs.toFixed(0)} ms/step × ${r.steps} steps of ${r.batch} on ${r.threads} of ${TRAIN_DEFAULTS.threads} threads${r.native !== 'none' ? `; native: ${r.native}` : ''})`);
    }
  }
  const lf = makeDataset(lastfmShape().parts);
  const train = trainInteractions(lf);
  const kind = chooseKind(normalisedBipartite(lf.nUsers, lf.nItems, train.users, train.items));
  for (const name of ['bm3', 'lightgcn', 'ngcf']) {
    const r = await epochSeconds(lf, name, null);
    console.log(`${name.padEnd(9)} lastfm shape    ${r.s.toFixed(2).padStart(8)} s/epoch + ${secs(r.validS).padStart(5)} s validation${every(r.evalEvery)}  (${r.stepMs.toFixed(0)} ms/step × ${r.steps} steps of ${r.batch} on ${r.threads} of ${TRAIN_DEFAULTS.threads} threads; propagation: ${r.offloaded ? 'native' : r.native.includes('edges') ? 'native edges' : kind})`);
  }
  console.log(`peak RSS ${peakRssMb()} MB`);
  const grcnRatio = await grcnAgainstTorch();
  const f = (n: string) => (out[n] === undefined ? 'na' : out[n].toFixed(2));
  const v = (n: string) => (valid[n] === undefined ? 'na' : valid[n].toFixed(2));
  console.log(`backbones: grcn_epoch_s=${f('grcn')} maml_epoch_s=${f('maml')} lightgcn_epoch_s=${f('lightgcn')} grcn_valid_s=${v('grcn')} maml_valid_s=${v('maml')} neumf_valid_s=${v('neumf')} grcn_ratio=${na(grcnRatio, f3)}`);
}
