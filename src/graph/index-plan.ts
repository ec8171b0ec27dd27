// Pure-JS grouping of index vectors with duplicates, the data behind race-free segment sums.
// Used at build time for constant indices and by the runtime for indices fed each step.
import { idsInRange, int64From } from './int64.ts';

export interface IndexPlanData {
  /** Stable sort order of the indices (int64). */
  perm: BigInt64Array;
  /** inverse[perm[i]] = i. */
  inverse: BigInt64Array;
  /** Sorted position of the last element of run r of equal ids (runs are contiguous when sorted). */
  lasts: BigInt64Array;
  /** 0, 1, …, U − 1 (the run numbers). */
  runs: BigInt64Array;
  /** The id of run r, shaped [U, 1] for ScatterND. */
  uniq: BigInt64Array;
  /** groups[i] = the run of element i (uniq[groups[i]] = ids[i]). */
  groups: BigInt64Array;
}

/** Groups `ids` (each in [0, numRows)) by value with a counting sort: O(N + numRows). */
export function computeIndexPlan(ids: ArrayLike<number | bigint>, numRows: number, source = 'indices'): IndexPlanData {
  const n = ids.length;
  const vals = idsInRange(ids, numRows, (i, v) => { throw new RangeError(`${source}[${i}] = ${v} is outside [0, ${numRows})`); });
  const counts = new Int32Array(numRows + 1);
  for (let i = 0; i < n; i++) counts[vals[i] + 1]++;
  let u = 0;
  for (let r = 1; r <= numRows; r++) { if (counts[r] > 0) u++; counts[r] += counts[r - 1]; }
  const perm = new Int32Array(n);
  const inverse = new Int32Array(n);
  const fill = counts.slice(0, numRows);
  for (let i = 0; i < n; i++) {
    const pos = fill[vals[i]]++;
    perm[pos] = i;
    inverse[i] = pos;
  }
  const lasts = new Int32Array(u);
  const uniq = new Int32Array(u);
  const runOf = new Int32Array(numRows);
  let k = 0;
  for (let r = 0; r < numRows; r++) {
    if (counts[r + 1] > counts[r]) {
      lasts[k] = counts[r + 1] - 1;
      uniq[k] = r;
      runOf[r] = k++;
    }
  }
  const groups = new Int32Array(n);
  for (let i = 0; i < n; i++) groups[i] = runOf[vals[i]];
  const runs = new Int32Array(u);
  for (let r = 0; r < u; r++) runs[r] = r;
  return { perm: int64From(perm), inverse: int64From(inverse), lasts: int64From(lasts), runs: int64From(runs), uniq: int64From(uniq), groups: int64From(groups) };
}

/** True when `perm` is the identity (the indices were already sorted). */
export function isIdentity(perm: BigInt64Array): boolean {
  for (let i = 0; i < perm.length; i++) if (perm[i] !== BigInt(i)) return false;
  return true;
}
