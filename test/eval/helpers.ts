// Small builders shared by the evaluation tests.
import { type Csr } from '../../src/data/dataset.ts';

/** A CSR from one item list per user (each list sorted here). */
export function csrOf(rows: number[][]): Csr {
  const indptr = new Int32Array(rows.length + 1);
  rows.forEach((r, u) => { indptr[u + 1] = indptr[u] + r.length; });
  return { indptr, indices: Int32Array.from(rows.flatMap((r) => [...r].sort((a, b) => a - b))) };
}

/** 1/log2(rank + 1): the DCG discount, written out for hand-computed expectations. */
export const disc = (rank: number) => 1 / Math.log2(rank + 1);

export function assertClose(actual: number, expected: number, what: string, tol = 1e-12): void {
  if (!(Math.abs(actual - expected) <= tol)) throw new Error(`${what}: got ${actual}, expected ${expected} (±${tol})`);
}
