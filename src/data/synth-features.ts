// Synthetic item features and categories for a real interaction set that has none (e.g. the SGFD
// Office release): categories are k-means clusters of a random projection of each item's training
// users, and features are those categories and projections lifted into high-dimensional modalities
// plus nuisance and noise. The result is SYNTHETIC and says so in the metadata.
import { type DatasetParts, type Modality } from './dataset.ts';
import { Rng } from './rng.ts';

export interface SynthFeatureConfig { dims: Record<string, number>; categories: number; seed: number; noise: number }

const Z = 16;
const NUISANCE = 32;

/** Item embeddings z_i = Σ_{u ∈ train users of i} r_u / √deg(i), r_u ~ N(0, I): items sharing users share directions. */
function projectIncidence(parts: DatasetParts, rng: Rng): Float64Array {
  const r = Float64Array.from({ length: parts.nUsers * Z }, () => rng.normal());
  const z = new Float64Array(parts.nItems * Z);
  const deg = new Float64Array(parts.nItems);
  const { user, item, split } = parts.interactions;
  for (let k = 0; k < user.length; k++) {
    if (split[k] !== 0) continue;
    deg[item[k]]++;
    for (let j = 0; j < Z; j++) z[item[k] * Z + j] += r[user[k] * Z + j];
  }
  for (let i = 0; i < parts.nItems; i++) {
    const s = deg[i] > 0 ? 1 / Math.sqrt(deg[i]) : 0;
    for (let j = 0; j < Z; j++) z[i * Z + j] = deg[i] > 0 ? z[i * Z + j] * s : rng.normal();
  }
  return z;
}

/** Lloyd's k-means with k-means++-style seeding (deterministic from `rng`); returns labels. */
function kmeans(z: Float64Array, n: number, k: number, rng: Rng, iters = 15): Int32Array {
  const cent = new Float64Array(k * Z);
  const dist = (i: number, c: number) => { let s = 0; for (let j = 0; j < Z; j++) s += (z[i * Z + j] - cent[c * Z + j]) ** 2; return s; };
  for (let c = 0; c < k; c++) { const i = rng.nextInt(n); for (let j = 0; j < Z; j++) cent[c * Z + j] = z[i * Z + j]; }
  const label = new Int32Array(n);
  for (let it = 0; it < iters; it++) {
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let c = 1; c < k; c++) if (dist(i, c) < dist(i, best)) best = c;
      label[i] = best;
    }
    const count = new Float64Array(k);
    cent.fill(0);
    for (let i = 0; i < n; i++) { count[label[i]]++; for (let j = 0; j < Z; j++) cent[label[i] * Z + j] += z[i * Z + j]; }
    for (let c = 0; c < k; c++) {
      if (count[c] === 0) { const i = rng.nextInt(n); for (let j = 0; j < Z; j++) cent[c * Z + j] = z[i * Z + j]; continue; }
      for (let j = 0; j < Z; j++) cent[c * Z + j] /= count[c];
    }
  }
  return label;
}

/** `parts` with synthetic modalities and labels added (replacing any it had). */
export function withSyntheticFeatures(parts: DatasetParts, cfg: SynthFeatureConfig): DatasetParts {
  const rng = new Rng(cfg.seed);
  const z = projectIncidence(parts, rng);
  const labels = kmeans(z, parts.nItems, cfg.categories, rng);
  const proto = Float64Array.from({ length: cfg.categories * Z }, () => rng.normal());
  const codeDim = 2 * Z + NUISANCE;
  const code = new Float64Array(parts.nItems * codeDim);
  for (let i = 0; i < parts.nItems; i++) {
    for (let j = 0; j < Z; j++) {
      code[i * codeDim + j] = proto[labels[i] * Z + j] + 0.35 * rng.normal();
      code[i * codeDim + Z + j] = 0.7 * z[i * Z + j];
    }
    for (let j = 0; j < NUISANCE; j++) code[i * codeDim + 2 * Z + j] = rng.normal();
  }
  const modalities: Modality[] = Object.entries(cfg.dims).map(([name, dim]) => {
    const w = Float64Array.from({ length: codeDim * dim }, () => rng.normal() / Math.sqrt(codeDim));
    const data = new Float32Array(parts.nItems * dim);
    const acc = new Float64Array(dim);
    for (let i = 0; i < parts.nItems; i++) {
      acc.fill(0);
      for (let k = 0; k < codeDim; k++) {
        const h = code[i * codeDim + k];
        for (let d = 0; d < dim; d++) acc[d] += w[k * dim + d] * h;
      }
      for (let d = 0; d < dim; d++) data[i * dim + d] = Math.tanh(acc[d]) + 0.5 * cfg.noise * rng.normal();
    }
    return { name, dim, data };
  });
  return {
    ...parts, modalities, labels, nLabels: cfg.categories,
    labelNames: Array.from({ length: cfg.categories }, (_, c) => `cluster_${c}`),
    meta: {
      ...parts.meta, synthetic: true,
      source: `${parts.meta.source}; SYNTHETIC item features and labels (sgfd synth-features, seed ${cfg.seed})`,
      notes: { ...parts.meta.notes, synthetic_features: JSON.stringify(cfg) },
    },
  };
}
