// Per-modality feature normalisation applied at import (VGGish features arrive with norms ~1500).
import type { Modality } from './dataset.ts';

export type NormalizeMode = 'l2' | 'standard' | 'none';
const MODES: readonly NormalizeMode[] = ['l2', 'standard', 'none'];

/**
 * Parses `--normalize` values: "l2" applies to every modality, "audio=l2" to one (later wins).
 * Returns the mode of each modality (default none).
 */
export function parseNormalize(specs: readonly string[], modalities: readonly string[]): Map<string, NormalizeMode> {
  const out = new Map<string, NormalizeMode>(modalities.map((m) => [m, 'none']));
  for (const spec of specs) {
    const [name, mode] = spec.includes('=') ? spec.split('=', 2) : [null, spec];
    if (!MODES.includes(mode as NormalizeMode)) throw new Error(`--normalize ${spec}: expected l2, standard or none (optionally as MODALITY=MODE)`);
    if (name !== null && !out.has(name)) throw new Error(`--normalize ${spec}: expected a modality among ${modalities.join(', ') || '(none)'}, got ${name}`);
    for (const m of name === null ? modalities : [name]) out.set(m, mode as NormalizeMode);
  }
  return out;
}

/** Normalises in place: l2 scales each row to unit norm (zero rows stay zero); standard z-scores each column. */
export function normalizeFeatures(m: Modality, mode: NormalizeMode): void {
  const { data, dim } = m;
  const rows = data.length / dim;
  if (mode === 'l2') {
    for (let r = 0; r < rows; r++) {
      const row = data.subarray(r * dim, (r + 1) * dim);
      let s = 0;
      for (let c = 0; c < dim; c++) s += row[c] * row[c];
      if (s > 0) {
        const inv = 1 / Math.sqrt(s);
        for (let c = 0; c < dim; c++) row[c] *= inv;
      }
    }
  } else if (mode === 'standard') {
    const mean = new Float64Array(dim);
    const sq = new Float64Array(dim);
    for (let k = 0; k < data.length; k++) mean[k % dim] += data[k];
    for (let c = 0; c < dim; c++) mean[c] /= Math.max(rows, 1);
    for (let k = 0; k < data.length; k++) { const d = data[k] - mean[k % dim]; sq[k % dim] += d * d; }
    const inv = Array.from(sq, (s) => { const sd = Math.sqrt(s / Math.max(rows, 1)); return sd > 0 ? 1 / sd : 1; });
    for (let k = 0; k < data.length; k++) { const c = k % dim; data[k] = (data[k] - mean[c]) * inv[c]; }
  }
}
