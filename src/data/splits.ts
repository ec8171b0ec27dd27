// Seeded per-user splits: assign train/valid/test to data without a split, or carve a
// validation split out of train (the SGFD release has none). Every user keeps ≥ 1 train row.
import { rowsByUser, TRAIN, VALID, TEST } from './dataset.ts';
import type { Rng } from './rng.ts';

/** Fractions of each user's rows held out; the rest is train. */
export interface HoldoutFractions {
  valid: number;
  test: number;
}

/** Parses "0.8,0.1,0.1" (train,valid,test; any positive scale) into held-out fractions. */
export function parseSplitRatios(text: string): HoldoutFractions {
  const parts = text.split(',').map((s) => Number(s.trim()));
  const sum = parts.reduce((a, b) => a + b, 0);
  if (parts.length !== 3 || parts.some((x) => !(x >= 0)) || !(parts[0] > 0)) {
    throw new Error(`--split: expected three non-negative ratios train,valid,test with train > 0 (e.g. 0.8,0.1,0.1), got "${text}"`);
  }
  return { valid: parts[1] / sum, test: parts[2] / sum };
}

/**
 * Split codes for every row: each user's rows are shuffled; ≈ test·n go to test, ≈ valid·n to
 * valid (stochastic rounding, so small users get the right expected share), ≥ 1 stays train.
 */
export function assignSplits(nUsers: number, user: Int32Array, f: HoldoutFractions, rng: Rng): Int8Array {
  const split = new Int8Array(user.length).fill(TRAIN);
  const byUser = rowsByUser(nUsers, user);
  for (let u = 0; u < nUsers; u++) {
    const rows = byUser.indices.slice(byUser.indptr[u], byUser.indptr[u + 1]);
    holdOut(rows, [f.test, f.valid], [TEST, VALID], split, rng);
  }
  return split;
}

/** A copy of `split` where ≈ fraction of each user's train rows became valid (≥ 1 train kept). */
export function carveValidFromTrain(nUsers: number, user: Int32Array, split: Int8Array, fraction: number, rng: Rng): Int8Array {
  if (!(fraction >= 0 && fraction < 1)) throw new Error(`--valid-from-train: expected a fraction in [0, 1), got ${fraction}`);
  const out = Int8Array.from(split);
  const byUser = rowsByUser(nUsers, user);
  for (let u = 0; u < nUsers; u++) {
    const rows = byUser.indices.subarray(byUser.indptr[u], byUser.indptr[u + 1]).filter((r) => split[r] === TRAIN);
    holdOut(rows, [fraction], [VALID], out, rng);
  }
  return out;
}

/** Shuffles `rows` and gives the first ≈ fractions[k]·n rows code codes[k]; keeps one row back. */
function holdOut(rows: Int32Array, fractions: number[], codes: number[], out: Int8Array, rng: Rng): void {
  const n = rows.length;
  if (n < 2) return;
  rng.shuffle(rows);
  let at = 0;
  for (let k = 0; k < fractions.length; k++) {
    const take = Math.min(stochasticRound(fractions[k] * n, rng), n - 1 - at);
    for (let j = 0; j < take; j++) out[rows[at + j]] = codes[k];
    at += Math.max(0, take);
  }
}

function stochasticRound(x: number, rng: Rng): number {
  const f = Math.floor(x);
  return f + (rng.nextFloat() < x - f ? 1 : 0);
}
