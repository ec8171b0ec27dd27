// MAML's full-ranking top-K on its native fused kernel against the ONNX graph it replaces
// (pair-kernel-timing.ts) at the Last.fm 2K shape (1,858 users × 1,425 items, d = 128, SYNTHETIC rows
// and weights). The output layer ([users·items × 640] · [640 × 128]) is 2/3 of the work.
import { nativeKernels } from '../src/runtime/index.ts';
import { makeDataset } from '../src/data/dataset.ts';
import { generateSynthetic } from '../src/data/synth.ts';
import { timePairKernel } from './pair-kernel-timing.ts';

export async function run(): Promise<void> {
  const { kernels, why } = nativeKernels();
  if (!kernels) { console.log(`attentive: skipped (native kernels unavailable: ${why})`); return; }
  const ds = makeDataset(generateSynthetic({ users: 1858, items: 1425, categories: 20, density: 0.03, imageDim: 384, textDim: 128, seed: 3 }));
  const d = 128;
  await timePairKernel({
    name: 'attentive', model: 'maml', ds, userWidth: d, itemWidth: 2 * d, rounds: Number(process.env.ATTENTIVE_BENCH_ROUNDS ?? 3),
    layerFlop: 2 * ds.nUsers * ds.nItems * 5 * d * d, layer: 'output layer',
  });
}
