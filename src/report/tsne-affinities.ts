// t-SNE input affinities: Gaussian conditionals p_{j|i} calibrated per point to a perplexity by
// bisection on the precision, either over every other point (dense n × n, for the exact method) or
// over each point's 3·perplexity nearest neighbours (sparse, symmetrised, for Barnes-Hut; exact
// kNN by brute force, O(n²·d) once, memory O(n·k)).

/** Squared Euclidean distances between the rows of x [n, d], as a dense n × n matrix. */
export function squaredDistances(x: ArrayLike<number>, n: number, d: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) {
        const diff = x[i * d + k] - x[j * d + k];
        s += diff * diff;
      }
      out[i * n + j] = s;
      out[j * n + i] = s;
    }
  }
  return out;
}

/**
 * p ∝ exp(−β·dist) over the first `len` candidates, β found by bisection so the row's entropy
 * (nats) equals ln(perplexity); writes the normalised row to `out`.
 */
export function calibrateRow(dist: Float64Array, len: number, perplexity: number, out: Float64Array): void {
  const target = Math.log(perplexity);
  let beta = 1;
  let lo = 0;
  let hi = Infinity;
  let minD = Infinity;
  for (let j = 0; j < len; j++) if (dist[j] < minD) minD = dist[j];
  for (let step = 0; step < 100; step++) {
    // Shifting by the nearest distance keeps exp() from underflowing for far-apart data.
    let sum = 0;
    let weighted = 0;
    for (let j = 0; j < len; j++) {
      const e = Math.exp(-beta * (dist[j] - minD));
      out[j] = e;
      sum += e;
      weighted += e * (dist[j] - minD);
    }
    const entropy = Math.log(sum) + (beta * weighted) / sum;
    for (let j = 0; j < len; j++) out[j] /= sum;
    const gap = entropy - target;
    if (Math.abs(gap) < 1e-5) break;
    if (gap > 0) { lo = beta; beta = hi === Infinity ? beta * 2 : (beta + hi) / 2; } else { hi = beta; beta = (beta + lo) / 2; }
  }
}

function checkPerplexity(n: number, perplexity: number): void {
  if (!(perplexity < n)) throw new RangeError(`t-SNE: perplexity ${perplexity} must be below the number of points ${n}`);
}

/** The dense conditional affinities p_{j|i} (row i over every j ≠ i; p_{i|i} = 0), row-normalised. */
export function conditionalAffinities(dist: Float64Array, n: number, perplexity: number): Float64Array {
  checkPerplexity(n, perplexity);
  const p = new Float64Array(n * n);
  const others = new Float64Array(n - 1);
  const row = new Float64Array(n - 1);
  for (let i = 0; i < n; i++) {
    for (let j = 0, k = 0; j < n; j++) if (j !== i) others[k++] = dist[i * n + j];
    calibrateRow(others, n - 1, perplexity, row);
    for (let j = 0, k = 0; j < n; j++) if (j !== i) p[i * n + j] = row[k++];
  }
  return p;
}

/** Entropy (nats) of row i of a row-stochastic matrix. */
export function rowEntropy(p: Float64Array, n: number, i: number): number {
  let h = 0;
  for (let j = 0; j < n; j++) { const v = p[i * n + j]; if (v > 0) h -= v * Math.log(v); }
  return h;
}

/** A sparse symmetric matrix in compressed rows: row i's entries are cols/vals[start[i] .. start[i+1]). */
export interface SparseRows { start: Int32Array; cols: Int32Array; vals: Float64Array }

/** Inserts (j, s) into the sorted list at `base` (length k, `filled` used); returns the new fill. */
function offer(index: Int32Array, dist: Float64Array, base: number, k: number, filled: number, j: number, s: number): number {
  if (filled === k && !(s < dist[base + k - 1])) return filled;
  // A farther-or-equal entry keeps its place: ties go to whoever came first (the lower index).
  let at = filled < k ? filled++ : k - 1;
  while (at > 0 && s < dist[base + at - 1]) {
    dist[base + at] = dist[base + at - 1];
    index[base + at] = index[base + at - 1];
    at--;
  }
  dist[base + at] = s;
  index[base + at] = j;
  return filled;
}

/**
 * The k nearest neighbours of every row of x [n, d] (squared Euclidean, brute force over each pair
 * once), nearest first; ties go to the lower index. Returns indices and distances, [n, k] each.
 */
export function nearestNeighbours(x: ArrayLike<number>, n: number, d: number, k: number): { index: Int32Array; dist: Float64Array } {
  const index = new Int32Array(n * k);
  const dist = new Float64Array(n * k);
  const filled = new Int32Array(n);
  const v = Float64Array.from(x);
  for (let i = 0; i < n; i++) {
    const a = i * d;
    for (let j = i + 1; j < n; j++) {
      const b = j * d;
      let s = 0;
      for (let c = 0; c < d; c++) {
        const diff = v[a + c] - v[b + c];
        s += diff * diff;
      }
      filled[i] = offer(index, dist, i * k, k, filled[i], j, s);
      filled[j] = offer(index, dist, j * k, k, filled[j], i, s);
    }
  }
  return { index, dist };
}

/**
 * The symmetric joint affinities P_ij = (p_{j|i} + p_{i|j}) / 2n, each p_{·|i} calibrated over i's
 * min(n − 1, ⌊3·perplexity⌋) nearest neighbours (van der Maaten 2014); zero elsewhere. Row i lists
 * i's own neighbours (nearest first), then the points that have i among theirs but are not among i's.
 */
export function sparseAffinities(x: ArrayLike<number>, n: number, d: number, perplexity: number): SparseRows {
  checkPerplexity(n, perplexity);
  const k = Math.min(n - 1, Math.floor(3 * perplexity));
  const nn = nearestNeighbours(x, n, d, k);
  const cond = new Float64Array(n * k);
  for (let i = 0; i < n; i++) calibrateRow(nn.dist.subarray(i * k, (i + 1) * k), k, perplexity, cond.subarray(i * k, (i + 1) * k));
  // The reverse lists: for each j, the entries e = (i, j) of the other rows, by i.
  const revStart = new Int32Array(n + 1);
  for (let e = 0; e < n * k; e++) revStart[nn.index[e] + 1]++;
  for (let j = 0; j < n; j++) revStart[j + 1] += revStart[j];
  const revFill = revStart.slice(0, n);
  const rev = new Int32Array(n * k);
  for (let e = 0; e < n * k; e++) rev[revFill[nn.index[e]]++] = e;
  const start = new Int32Array(n + 1);
  const cols = new Int32Array(2 * n * k);
  const vals = new Float64Array(2 * n * k);
  const slot = new Int32Array(n).fill(-1);
  let out = 0;
  for (let i = 0; i < n; i++) {
    for (let e = i * k; e < (i + 1) * k; e++) {
      slot[nn.index[e]] = out;
      cols[out] = nn.index[e]; vals[out++] = cond[e];
    }
    for (let r = revStart[i]; r < revStart[i + 1]; r++) {
      const e = rev[r];
      const j = Math.floor(e / k);
      if (slot[j] >= 0) { vals[slot[j]] += cond[e]; continue; }
      cols[out] = j; vals[out++] = cond[e];
    }
    for (let e = i * k; e < (i + 1) * k; e++) slot[nn.index[e]] = -1;
    start[i + 1] = out;
  }
  for (let e = 0; e < out; e++) vals[e] /= 2 * n;
  return { start, cols: cols.slice(0, out), vals: vals.slice(0, out) };
}
