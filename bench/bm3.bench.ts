// SGFD-BM3 against a plain PyTorch implementation of the same math (bench/torch_bm3.py), in one run:
// seconds per training epoch (no evaluation), 1 thread each side, interleaved rounds (our epoch,
// their epoch, ...), each workload's two sides in their own processes (bench/compare.ts) for a
// per-workload peak RSS. Workloads: vanilla BM3 and SGFD-BM3 (reference profile: joint teacher +
// student per modality, logit and feature distillation) on a Last.fm-sized SYNTHETIC set; SGFD-BM3
// reference and paper profile (stage 2 only: the frozen teacher's features as a table) on the SGFD
// Office split with SYNTHETIC 4096-d image + 768-d text features and 54 synthetic categories. BM3 at
// embedding 128, batch 2048, 1 layer, Adam. Both sides start from our initial parameters, and the
// first step on our first batch (same dropout masks) must give the same loss: printed as a check.
// Ratios are ours / torch, the median of the per-round ratios. BM3_BENCH_ROUNDS sets the rounds.
// Each workload also prints its GEMM floor (bench/gemm-work.ts): the step's GEMM flops at this core's
// measured GEMM peak over torch's epoch, the lowest ratio the same math can reach on this machine.
// Ours runs the reference teacher's linear stack composed (fewer flops than torch's layer-by-layer
// stack, so the floor is of our math); BENCH_TORCH_COMPOSE=1 has torch compose it too.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importParts } from '../src/data/import/pipeline.ts';
import { generateSynthetic } from '../src/data/synth.ts';
import { withSyntheticFeatures } from '../src/data/synth-features.ts';
import { makeDataset, type Dataset } from '../src/data/dataset.ts';
import { median } from './stats.ts';
import { nativeKernels, trainsNatively } from '../src/runtime/native.ts';
import { TORCH_MISSING, torchAvailable } from './torch-runner.ts';
import { writeDump } from './workload-dump.ts';
import { compare, checkLine, cpuLine, cpuRatioOf, gemmLine, gemmFloor, oursOverFloor, torchEnvLine, describeData, lastfmShape, ratioOf, THREADS, f2, f3, na, type Compared, type Workload } from './compare.ts';

const OFFICE = fileURLToPath(new URL('../../shared/data/sgfd-office', import.meta.url));
const ROUNDS = Number(process.env.BM3_BENCH_ROUNDS ?? 3);
const BM3 = { embedding_dim: 128, batch_size: 2048, n_layers: 1 };

export function officeWithSyntheticFeatures(): { ds: Dataset; source: string } {
  const real = existsSync(OFFICE);
  const parts = real
    ? importParts({ format: 'sgfd-csv', dir: OFFICE, validFromTrain: 0.1, seed: 42 }, 'sgfd-office').parts
    : generateSynthetic({ users: 4874, items: 2406, density: 52957 / (4874 * 2406), imageDim: 8, textDim: 8, categories: 54, seed: 1 });
  const ds = makeDataset(withSyntheticFeatures(parts, { dims: { image: 4096, text: 768 }, categories: 54, seed: 7, noise: 1 }));
  return { ds, source: real ? 'SGFD Office split (real interactions, validation carved from train)' : 'Office-sized SYNTHETIC interactions (../shared/data absent)' };
}

const say = (s: string) => process.stdout.write(`${s}\n`);
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

function report(r: Compared): void {
  say(checkLine(r).line);
  const ratio = ratioOf(r);
  say(`  ${r.w.label}: ours ${f2(median(r.ours))} s/epoch, torch ${r.torch.length ? f2(median(r.torch)) : 'na'} s/epoch `
    + `(medians of ${r.ours.length}; ${r.setup.stepsPerEpoch} steps of ${r.setup.batchSize}${r.setup.stepThreads !== THREADS ? `, our step on ${r.setup.stepThreads} of ${THREADS} threads` : ''}); ratio ours/torch ${na(ratio, f3)} `
    + `(per round ${r.ratios.map(f3).join(' ') || 'na'}); peak RSS ours ${na(r.oursRssMb, String)} MB, torch ${na(r.torchRssMb, String)} MB`);
  say(cpuLine(r, 'epoch'));
  say(gemmLine(r, 'epoch'));
}

export async function run(): Promise<void> {
  say(`threads ${THREADS} each side; per workload 1 warm-up epoch each, then ${ROUNDS} interleaved rounds of one epoch each; load avg ${load()}`);
  say(torchEnvLine());
  say(`ours: ${trainsNatively() ? 'propagation and Adam on the native kernels, outside the step graph (as sgfd train runs them)' : `the whole step in ONNX Runtime (${nativeKernels().why})`}`);
  say(`reference profile: ours runs the teacher's linear stack composed (x·(W1·W2·W3), src/nn/layers.ts MLP compose: the same function, fewer flops); torch ${process.env.BENCH_TORCH_COMPOSE === '1' ? 'composes it too (BENCH_TORCH_COMPOSE=1)' : 'runs it layer by layer, as the authors\' code does (BENCH_TORCH_COMPOSE=1: torch composes too)'}`);
  if (!torchAvailable()) say(TORCH_MISSING);
  const dir = mkdtempSync(join(tmpdir(), 'sgfd-bm3-bench-'));
  try {
    const lf = lastfmShape();
    const lfMeta = writeDump(join(dir, 'lastfm'), 'lastfm-shape', lf.source, lf.parts, BM3.embedding_dim);
    const office = officeWithSyntheticFeatures();
    const offMeta = writeDump(join(dir, 'office'), 'office-shape', `${office.source}; features and categories SYNTHETIC`, office.ds, BM3.embedding_dim);
    say(describeData('lastfm shape', lfMeta));
    say(describeData('office shape', offMeta));
    const w = (label: string, data: string, variant: Workload['variant']): Workload => ({
      label, dir: join(dir, data), run: label.replace(/\W+/g, '-'), model: 'bm3', variant, config: BM3, unit: { epoch: true },
    });
    const workloads = [
      w('lastfm bm3', 'lastfm', 'vanilla'),
      w('lastfm sgfd-bm3 reference', 'lastfm', 'reference'),
      w('office sgfd-bm3 reference', 'office', 'reference'),
      w('office sgfd-bm3 paper (stage 2)', 'office', 'paper'),
    ];
    const results: Compared[] = [];
    for (const wl of workloads) {
      const r = await compare(wl, ROUNDS, { info: results.length === 0 });
      if (r.torchInfo) say(`torch ${JSON.stringify(r.torchInfo)}`);
      report(r);
      results.push(r);
    }
    const [, lfRef, offRef, offPaper] = results;
    const floor = (r: Compared) => na(gemmFloor(r)?.ratio, f3);
    const peak = (xs: (number | null)[]) => (xs.some((x) => x === null) ? null : Math.max(...(xs as number[])));
    say(`load avg ${load()}`);
    say(`bm3: lastfm_ratio=${na(ratioOf(lfRef), f3)} office_ratio_reference=${na(ratioOf(offRef), f3)} `
      + `office_ratio_paper=${na(ratioOf(offPaper), f3)} peak_rss_mb=${na(peak(results.map((r) => r.oursRssMb)), String)} `
      + `torch_peak_rss_mb=${na(peak(results.map((r) => r.torchRssMb)), String)} `
      + `gemm_floor_lastfm=${floor(lfRef)} gemm_floor_office_reference=${floor(offRef)} gemm_floor_office_paper=${floor(offPaper)} `
      + `over_floor_office_reference=${na(oursOverFloor(offRef), f2)} over_floor_office_paper=${na(oursOverFloor(offPaper), f2)} `
      + `cpu_ratio_lastfm=${na(cpuRatioOf(lfRef), f3)} cpu_ratio_office_reference=${na(cpuRatioOf(offRef), f3)} cpu_ratio_office_paper=${na(cpuRatioOf(offPaper), f3)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
