// The embedded default dataset: generated deterministically from a seed, no download, with
// planted semantics a model can find. It is SYNTHETIC and says so in its metadata.
//
// Items belong to one of C categories. Each item has a hidden code
//   h = [ category prototype + jitter (16 d) | latent taste factor q (16 d) | nuisance z (32 d) ]
// and every modality sees it through its own random projection into a high-dimensional space
// plus a non-linearity and isotropic noise:  image = relu(A·h + b) + σε  (VGG-like, non-negative
// core), text = tanh(B·h) + σε.  The category (the label) is only a quarter of the code and the
// nuisance half dominates the variance, so a deep extractor trained on labels can isolate it
// while a shallow one on 1024-d inputs and ~1k items over-fits.
// Users prefer 1–3 categories (80 % of their mass) and have a latent vector p; an interaction
// picks a category from the user's preferences, then an item of that category: candidates drawn
// by popularity, the winner by taste exp(1.5 · p·q/√16) (Gumbel top-k, without replacement). Activity is power-law
// (Pareto α = 1.5, ≥ 3 interactions per user); item popularity is power-law too. Each user's
// interactions are split ≈ 80/10/10 (seeded), always keeping ≥ 1 training interaction.
import type { DatasetParts, Modality } from './dataset.ts';
import { Rng } from './rng.ts';
import { assignSplits } from './splits.ts';

/** Knobs of `sgfd data synth` (all optional; defaults run the full demo in about 20 s on 2 idle cores). */
export interface SynthConfig {
  seed: number;
  users: number;
  items: number;
  categories: number;
  /** Fraction of the user × item matrix that is observed (0.005 = 99.5 % sparse). */
  density: number;
  imageDim: number;
  textDim: number;
  /** Scale of the isotropic feature noise (σ = 1.5 · noise). */
  noise: number;
  /** Held-out fractions per user. */
  valid: number;
  test: number;
}

export const SYNTH_DEFAULTS: SynthConfig = {
  seed: 42, users: 1500, items: 1000, categories: 12, density: 0.005, imageDim: 1024, textDim: 384, noise: 1, valid: 0.1, test: 0.1,
};

const SEMANTIC = 16;
const LATENT = 16;
const NUISANCE = 32;
const CODE = SEMANTIC + LATENT + NUISANCE;
const MIN_PER_USER = 3;
const JITTER = 1.0;
const NOISE_SCALE = 1.5;

export function generateSynthetic(partial: Partial<SynthConfig> = {}): DatasetParts {
  const cfg = { ...SYNTH_DEFAULTS, ...partial };
  checkConfig(cfg);
  const root = new Rng(cfg.seed);
  const [itemRng, featureRng, userRng, splitRng] = [root.fork(), root.fork(), root.fork(), root.fork()];

  const category = itemRng.shuffle(Int32Array.from({ length: cfg.items }, (_, i) => i % cfg.categories));
  const protos = gaussian(itemRng, cfg.categories * SEMANTIC, 1);
  const latent = gaussian(itemRng, cfg.items * LATENT, 1);
  const code = new Float32Array(cfg.items * CODE);
  for (let i = 0; i < cfg.items; i++) {
    const c = category[i];
    for (let k = 0; k < SEMANTIC; k++) code[i * CODE + k] = protos[c * SEMANTIC + k] + JITTER * itemRng.normal();
    for (let k = 0; k < LATENT; k++) code[i * CODE + SEMANTIC + k] = 0.7 * latent[i * LATENT + k];
    for (let k = 0; k < NUISANCE; k++) code[i * CODE + SEMANTIC + LATENT + k] = itemRng.normal();
  }
  const logPop = Float64Array.from({ length: cfg.items }, () => Math.min(Math.log(pareto(itemRng, 1.2)), 6));

  const modalities: Modality[] = [
    project('image', cfg.imageDim, code, cfg, featureRng, (v) => Math.max(v, 0)),
    project('text', cfg.textDim, code, cfg, featureRng, Math.tanh),
  ];
  const { user, item } = sampleInteractions(cfg, category, latent, logPop, userRng);
  const split = assignSplits(cfg.users, user, { valid: cfg.valid, test: cfg.test }, splitRng);
  return {
    nUsers: cfg.users, nItems: cfg.items,
    interactions: { user, item, split, timestamp: null },
    labels: category, nLabels: cfg.categories,
    labelNames: Array.from({ length: cfg.categories }, (_, c) => `category_${String(c).padStart(2, '0')}`),
    modalities,
    meta: {
      name: 'synthetic',
      source: `sgfd data synth — SYNTHETIC data (generated, not real), seed ${cfg.seed}`,
      created: null, synthetic: true,
      notes: { generator: JSON.stringify({ generator: 'sgfd-synth-v1', ...cfg }) },
    },
  };
}

/** x = act(W·h / √CODE + b) + σε for every item; W (stored CODE × dim) and b drawn per modality. */
function project(name: string, dim: number, code: Float32Array, cfg: SynthConfig, rng: Rng, act: (v: number) => number): Modality {
  const w = gaussian(rng, CODE * dim, 1 / Math.sqrt(CODE));
  const b = gaussian(rng, dim, 0.5);
  const sigma = NOISE_SCALE * cfg.noise;
  const data = new Float32Array(cfg.items * dim);
  const acc = new Float64Array(dim);
  for (let i = 0; i < cfg.items; i++) {
    acc.set(b);
    for (let k = 0; k < CODE; k++) {
      const hk = code[i * CODE + k];
      const row = k * dim;
      for (let d = 0; d < dim; d++) acc[d] += w[row + d] * hk;
    }
    const out = i * dim;
    for (let d = 0; d < dim; d++) data[out + d] = act(acc[d]) + sigma * rng.normal();
  }
  return { name, dim, data };
}

function sampleInteractions(cfg: SynthConfig, category: Int32Array, latent: Float32Array, logPop: Float64Array, rng: Rng) {
  const byCat: number[][] = Array.from({ length: cfg.categories }, () => []);
  category.forEach((c, i) => byCat[c].push(i));
  const cumPop = byCat.map((pool) => {
    const cum = new Float64Array(pool.length);
    pool.reduce((acc, i, j) => (cum[j] = acc + Math.exp(logPop[i])), 0);
    return cum;
  });
  const target = Math.round(cfg.density * cfg.users * cfg.items);
  const weight = Float64Array.from({ length: cfg.users }, () => pareto(rng, 1.5));
  const scale = (target - MIN_PER_USER * cfg.users) / weight.reduce((a, b) => a + b, 0);
  const maxPerUser = Math.max(MIN_PER_USER, Math.floor(cfg.items / 4));
  const users: number[] = [];
  const items: number[] = [];
  const p = new Float64Array(LATENT);
  const theta = new Float64Array(cfg.categories);
  const want = new Int32Array(cfg.categories);
  for (let u = 0; u < cfg.users; u++) {
    for (let k = 0; k < LATENT; k++) p[k] = rng.normal();
    preferences(rng, theta);
    const n = Math.min(maxPerUser, MIN_PER_USER + Math.floor(weight[u] * scale + rng.nextFloat()));
    want.fill(0);
    for (let j = 0; j < n; j++) want[categorical(rng, theta)]++;
    const chosen: number[] = [];
    for (let c = 0; c < cfg.categories; c++) {
      if (want[c] > 0) chosen.push(...pickInCategory(byCat[c], cumPop[c], want[c], p, latent, rng));
    }
    chosen.sort((a, b) => a - b);
    for (const i of chosen) { users.push(u); items.push(i); }
  }
  return { user: Int32Array.from(users), item: Int32Array.from(items) };
}

/**
 * m distinct items of one category: candidates drawn by popularity (8 per wanted item), then the
 * m best by taste 1.5 · p·q/√LATENT plus Gumbel noise (sampling ∝ exp(taste) among candidates).
 */
function pickInCategory(pool: number[], cum: Float64Array, m: number, p: Float64Array, latent: Float32Array, rng: Rng): number[] {
  if (m >= pool.length) return pool.slice();
  const total = cum[cum.length - 1];
  const cand = new Set<number>();
  for (let t = 0; t < 8 * m; t++) cand.add(firstAbove(cum, rng.nextFloat() * total));
  for (let j = 0; cand.size < m; j++) cand.add(j);
  const list = [...cand];
  const key = list.map((j) => {
    const i = pool[j];
    let dot = 0;
    for (let k = 0; k < LATENT; k++) dot += p[k] * latent[i * LATENT + k];
    return 1.5 * dot / Math.sqrt(LATENT) - Math.log(-Math.log((rng.nextUint32() + 1) / 4294967297));
  });
  const order = list.map((_, x) => x).sort((a, b) => key[b] - key[a] || a - b);
  return order.slice(0, m).map((x) => pool[list[x]]);
}

/** First index j with cum[j] > x (binary search over a cumulative sum). */
function firstAbove(cum: Float64Array, x: number): number {
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid] > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** 80 % of the mass on 1–3 favourite categories (random shares), 20 % spread evenly. */
function preferences(rng: Rng, theta: Float64Array): void {
  const c = theta.length;
  theta.fill(0.2 / c);
  const fav = 1 + rng.nextInt(Math.min(3, c));
  const picks = rng.shuffle(Int32Array.from({ length: c }, (_, i) => i)).subarray(0, fav);
  const shares = Array.from(picks, () => -Math.log(1 - rng.nextFloat()));
  const total = shares.reduce((a, b) => a + b, 0);
  picks.forEach((k, j) => { theta[k] += 0.8 * shares[j] / total; });
}

function categorical(rng: Rng, probs: Float64Array): number {
  let r = rng.nextFloat();
  for (let k = 0; k < probs.length; k++) { r -= probs[k]; if (r < 0) return k; }
  return probs.length - 1;
}

function pareto(rng: Rng, alpha: number): number {
  return Math.pow(1 - rng.nextFloat(), -1 / alpha);
}

function gaussian(rng: Rng, n: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  for (let k = 0; k < n; k++) out[k] = scale * rng.normal();
  return out;
}

function checkConfig(c: SynthConfig): void {
  const ints: (keyof SynthConfig)[] = ['users', 'items', 'categories', 'imageDim', 'textDim'];
  for (const k of ints) if (!Number.isInteger(c[k]) || c[k] < 1) throw new Error(`synth ${k}: expected a positive integer, got ${c[k]}`);
  if (!Number.isSafeInteger(c.seed)) throw new Error(`synth seed: expected an integer, got ${c.seed}`);
  if (c.categories > c.items) throw new Error(`synth categories: expected at most items (${c.items}), got ${c.categories}`);
  if (!(c.noise >= 0)) throw new Error(`synth noise: expected ≥ 0, got ${c.noise}`);
  if (!(c.valid >= 0 && c.test >= 0 && c.valid + c.test < 1)) throw new Error(`synth valid/test: expected fractions with valid + test < 1, got ${c.valid} and ${c.test}`);
  const need = MIN_PER_USER / c.items;
  if (!(c.density >= need && c.density < 0.25)) {
    throw new Error(`synth density: expected a value in [${need.toPrecision(2)}, 0.25) (at least ${MIN_PER_USER} interactions per user), got ${c.density}`);
  }
}
