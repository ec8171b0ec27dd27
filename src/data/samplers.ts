// Seeded samplers used by trainers: shuffled mini-batches and uniform negative items.
import type { Csr } from './dataset.ts';
import type { Rng } from './rng.ts';

/**
 * Yields the indices 0..n-1 in a fresh seeded random order, `batchSize` at a time (the last
 * batch may be smaller unless dropLast). Each yielded array is a new Int32Array.
 */
export function* batches(n: number, batchSize: number, rng: Rng, opts: { dropLast?: boolean } = {}): Generator<Int32Array> {
  if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new Error(`batches: expected a positive integer batch size, got ${batchSize}`);
  const order = rng.shuffle(Int32Array.from({ length: n }, (_, i) => i));
  for (let at = 0; at < n; at += batchSize) {
    const end = Math.min(n, at + batchSize);
    if (opts.dropLast && end - at < batchSize) return;
    yield order.slice(at, end);
  }
}

/**
 * One negative item per entry of `users`, uniform over the items the user has NOT interacted
 * with in `exclude` (usually the train CSR). Never rejects: draws r in [0, nItems − deg(u)) and
 * maps it to the r-th non-excluded item by binary search over the user's sorted excluded items,
 * so a user with all but one item costs O(log deg), like any other.
 * Throws when a user has interacted with every item (no negative exists).
 */
export function sampleNegatives(users: Int32Array, exclude: Csr, nItems: number, rng: Rng, out = new Int32Array(users.length)): Int32Array {
  const { indptr, indices } = exclude;
  for (let b = 0; b < users.length; b++) {
    const u = users[b];
    const lo = indptr[u];
    const deg = indptr[u + 1] - lo;
    if (deg >= nItems) throw new Error(`sampleNegatives: user ${u} has interacted with all ${nItems} items; no negative exists`);
    const r = rng.nextInt(nItems - deg);
    // k = number of excluded items e with e − (their rank) ≤ r, i.e. excluded items below the answer.
    let a = 0;
    let z = deg;
    while (a < z) {
      const mid = (a + z) >> 1;
      if (indices[lo + mid] - mid <= r) a = mid + 1;
      else z = mid;
    }
    out[b] = r + a;
  }
  return out;
}
