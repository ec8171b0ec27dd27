// NeuMF's full-ranking top-K (each validation, `sgfd score`) on its native fused kernel
// (native/tower_scores.h) against the ONNX graph it replaces (pair-kernel-timing.ts), at the Office
// shape (4,874 users × 2,406 items, d = 64 as NeuMF's default, SYNTHETIC rows and weights). The MLP
// tower's second layer ([users·items × 64] · [64 × 32]) is the work neither side can skip.
import { nativeKernels } from '../src/runtime/index.ts';
import { makeDataset } from '../src/data/dataset.ts';
import { generateSynthetic } from '../src/data/synth.ts';
import { timePairKernel } from './pair-kernel-timing.ts';

export async function run(): Promise<void> {
  const { kernels, why } = nativeKernels();
  if (!kernels) { console.log(`tower: skipped (native kernels unavailable: ${why})`); return; }
  const ds = makeDataset(generateSynthetic({ users: 4874, items: 2406, categories: 20, density: 52957 / (4874 * 2406), imageDim: 8, textDim: 8, seed: 3 }));
  const d = 64;
  await timePairKernel({
    name: 'tower', model: 'neumf', ds, userWidth: 2 * d, itemWidth: 2 * d, rounds: Number(process.env.TOWER_BENCH_ROUNDS ?? 3),
    layerFlop: 2 * ds.nUsers * ds.nItems * d * (d / 2), layer: 'second tower layer',
  });
}
