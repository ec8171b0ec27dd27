// Seconds per epoch of every registered backbone on the SGFD Office split (SYNTHETIC 4096-d image +
// 768-d text features and 54 synthetic categories for the multimodal ones), vanilla and SGFD in both
// profiles for the multimodal backbones. An epoch is extrapolated from the median of timed steps
// (after warm-up steps) × steps per epoch: a full GRCN epoch at d = 128 takes minutes here.
import { backboneSpec, resolveBackboneConfig, BACKBONES } from '../src/backbones/index.ts';
import { sgfdConfig, type SgfdConfig } from '../src/sgfd/config.ts';
import { initialValues } from '../src/nn/index.ts';
import { TrainStep } from '../src/runtime/train-step.ts';
import { compileTrainStep } from '../src/nn/train-step-graph.ts';
import { batches } from '../src/data/samplers.ts';
import { Rng } from '../src/data/rng.ts';
import { type Dataset } from '../src/data/dataset.ts';
import { median, peakRssMb } from './stats.ts';
import { officeWithSyntheticFeatures } from './bm3.bench.ts';

const MULTIMODAL = new Set(['bm3', 'grcn', 'maml']);
const WARMUP = 2;
const TIMED = Number(process.env.BACKBONE_BENCH_STEPS ?? 5);

async function epochSeconds(ds: Dataset, name: string, sgfd: SgfdConfig | null): Promise<{ s: number; stepMs: number; steps: number }> {
  const spec = backboneSpec(name);
  const cache = sgfd?.twoStage ? ds.modalities.map(() => new Float32Array(ds.nItems * sgfd.latentDim).fill(0.01)) : null;
  const bb = spec.create(ds, resolveBackboneConfig(spec, {}), sgfd, cache);
  const params = bb.model.namedParameters();
  const rng = new Rng(1);
  const step = await TrainStep.create(compileTrainStep(params, (b) => bb.buildLoss(b), bb.optimizer), initialValues(params, rng), bb.optimizer);
  step.setFixedInputs(bb.fixedFeeds());
  const times: number[] = [];
  for (const rows of batches(bb.trainRows, bb.batchSize, rng)) {
    const t0 = performance.now();
    await step.run(bb.batchFeeds(rows, rng));
    if (step.step > WARMUP) times.push(performance.now() - t0);
    if (times.length >= TIMED) break;
  }
  await step.release();
  const steps = Math.ceil(bb.trainRows / bb.batchSize);
  const stepMs = median(times);
  return { s: (stepMs * steps) / 1000, stepMs, steps };
}

export async function run(): Promise<void> {
  const { ds, source } = officeWithSyntheticFeatures();
  console.log(`data: ${source}; ${ds.nUsers} users × ${ds.nItems} items; features image 4096-d + text 768-d (SYNTHETIC); ${TIMED} timed steps after ${WARMUP} warm-up, epoch = median step × steps/epoch`);
  const out: Record<string, number> = {};
  for (const name of Object.keys(BACKBONES)) {
    const variants: [string, SgfdConfig | null][] = MULTIMODAL.has(name)
      ? [['vanilla', null], ['sgfd-reference', sgfdConfig('reference', { latentDim: Number(backboneSpec(name).defaults.embedding_dim ?? 128) })], ['sgfd-paper', sgfdConfig('paper', { latentDim: Number(backboneSpec(name).defaults.embedding_dim ?? 128) })]]
      : [['vanilla', null]];
    for (const [label, sg] of variants) {
      const r = await epochSeconds(ds, name, sg);
      if (label === 'vanilla') out[name] = r.s;
      console.log(`${name.padEnd(9)} ${label.padEnd(15)} ${r.s.toFixed(2).padStart(8)} s/epoch  (${r.stepMs.toFixed(0)} ms/step × ${r.steps} steps)`);
    }
  }
  console.log(`peak RSS ${peakRssMb()} MB`);
  const f = (n: string) => (out[n] === undefined ? 'na' : out[n].toFixed(2));
  console.log(`backbones: grcn_epoch_s=${f('grcn')} maml_epoch_s=${f('maml')} lightgcn_epoch_s=${f('lightgcn')}`);
}
