// Shared by the artifact tests: the tiny synthetic dataset and a float comparison.
import assert from 'node:assert/strict';

export const TINY = { users: 60, items: 60, categories: 4, density: 0.08, imageDim: 16, textDim: 8, seed: 5 };

/** Largest |a − b| / max(1, |b|) over two float arrays. */
export function maxScaledDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return worst;
}
