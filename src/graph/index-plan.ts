// Pure-JS grouping of index vectors with duplicates, the data behind race-free segment sums.
// Used at build time for constant indices and by the runtime for indices fed each step.

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
  const counts = new Int32Array(numRows + 1);
  const vals = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = Number(ids[i]);
    if (!(v >= 0 && v < numRows) || !Number.isInteger(v)) {
      throw new RangeError(`${source}[${i}] = ${v} is outside [0, ${numRows})`);
    }
    vals[i] = v;
    counts[v + 1]++;
  }
  let u = 0;
  for (let r = 1; r <= numRows; r++) { if (counts[r] > 0) u++; counts[r] += counts[r - 1]; }
  const perm = new BigInt64Array(n);
  const inverse = new BigInt64Array(n);
  const fill = counts.slice(0, numRows);
  for (let i = 0; i < n; i++) {
    const pos = fill[vals[i]]++;
    perm[pos] = BigInt(i);
    inverse[i] = BigInt(pos);
  }
  const lasts = new BigInt64Array(u);
  const runs = new BigInt64Array(u);
  const uniq = new BigInt64Array(u);
  const runOf = new Int32Array(numRows);
  let k = 0;
  for (let r = 0; r < numRows; r++) {
    if (counts[r + 1] > counts[r]) {
      lasts[k] = BigInt(counts[r + 1] - 1);
      runs[k] = BigInt(k);
      uniq[k] = BigInt(r);
      runOf[r] = k++;
    }
  }
  const groups = BigInt64Array.from(vals, (v) => BigInt(runOf[v]));
  return { perm, inverse, lasts, runs, uniq, groups };
}

/** True when `perm` is the identity (the indices were already sorted). */
export function isIdentity(perm: BigInt64Array): boolean {
  for (let i = 0; i < perm.length; i++) if (perm[i] !== BigInt(i)) return false;
  return true;
}
