// The plots step's t-SNE at the demo's size: Barnes-Hut (the default) against the exact method on
// the demo's dataset (`sgfd data synth` defaults, seed 42: 1000 items, 12 categories) with the demo's
// settings (perplexity 30, 600 iterations). The input stands in for the vanilla extractor's output:
// each modality through a seeded Linear to 128-d (BM3's embedding_dim), L2-normalised per modality,
// side by side (256-d). Rounds interleave the methods in one process; the machine is shared, so
// the ratio of medians is the result, not the times. Also: the 10-NN same-category share (the
// step's measure, which it takes in the feature space) of each 2-D map, and whether Barnes-Hut
// repeats bit for bit.
import { generateSynthetic, SYNTH_DEFAULTS } from '../src/data/synth.ts';
import { Rng } from '../src/data/rng.ts';
import { tsne, neighbourAgreement, type TsneMethod } from '../src/report/tsne.ts';
import { median } from './stats.ts';

const ROUNDS = 3;
const OUT_DIM = 128;
const SETTINGS = { perplexity: 30, iterations: 600, seed: 1 };

/** Each modality through a seeded Gaussian Linear (xavier scale) to OUT_DIM, rows L2-normalised per block. */
function extractorStandIn(modalities: { dim: number; data: Float32Array }[], items: number): Float32Array {
  const rng = new Rng(7);
  const width = modalities.length * OUT_DIM;
  const out = new Float32Array(items * width);
  modalities.forEach((m, block) => {
    const scale = Math.sqrt(2 / (m.dim + OUT_DIM));
    const w = Float64Array.from({ length: m.dim * OUT_DIM }, () => rng.normal() * scale);
    const row = new Float64Array(OUT_DIM);
    for (let i = 0; i < items; i++) {
      row.fill(0);
      for (let k = 0; k < m.dim; k++) {
        const v = m.data[i * m.dim + k];
        for (let c = 0; c < OUT_DIM; c++) row[c] += v * w[k * OUT_DIM + c];
      }
      const norm = Math.hypot(...row) || 1;
      for (let c = 0; c < OUT_DIM; c++) out[i * width + block * OUT_DIM + c] = row[c] / norm;
    }
  });
  return out;
}

function timed(method: TsneMethod, x: Float32Array, n: number, d: number): { ms: number; y: Float64Array } {
  const t = performance.now();
  const y = tsne(x, n, d, { ...SETTINGS, method });
  return { ms: performance.now() - t, y };
}

export async function run(): Promise<void> {
  const parts = generateSynthetic({ seed: 42 });
  const n = parts.nItems;
  const x = extractorStandIn(parts.modalities, n);
  const d = x.length / n;
  const labels = parts.labels!;
  console.log(`demo data: ${n} items, ${SYNTH_DEFAULTS.categories} categories, ${d}-d input; perplexity ${SETTINGS.perplexity}, ${SETTINGS.iterations} iterations; ${ROUNDS} rounds, methods interleaved`);
  const ms: Record<TsneMethod, number[]> = { exact: [], 'barnes-hut': [] };
  const maps: Record<TsneMethod, Float64Array[]> = { exact: [], 'barnes-hut': [] };
  for (let r = 0; r < ROUNDS; r++) {
    const order: TsneMethod[] = r % 2 ? ['barnes-hut', 'exact'] : ['exact', 'barnes-hut'];
    for (const method of order) {
      const { ms: t, y } = timed(method, x, n, d);
      ms[method].push(t);
      maps[method].push(y);
    }
  }
  const [exact, bh] = [median(ms.exact), median(ms['barnes-hut'])];
  console.log(`exact median ${(exact / 1000).toFixed(1)} s, barnes-hut median ${(bh / 1000).toFixed(1)} s (times shift with the machine's load; the ratio is the result)`);
  const share = (y: Float64Array) => neighbourAgreement(y, n, 2, labels, 10);
  const identical = maps['barnes-hut'].every((y) => Buffer.compare(Buffer.from(y.buffer), Buffer.from(maps['barnes-hut'][0].buffer)) === 0);
  console.log(`10-NN same-category share: input ${neighbourAgreement(x, n, d, labels, 10).toFixed(3)}, exact map ${share(maps.exact[0]).toFixed(3)}, barnes-hut map ${share(maps['barnes-hut'][0]).toFixed(3)}; barnes-hut bit-identical across runs: ${identical ? 'yes' : 'NO'}`);
  console.log(`t-SNE at n=${n}: exact / barnes-hut = ${(exact / bh).toFixed(1)}x`);
}
