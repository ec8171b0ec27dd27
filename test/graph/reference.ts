// Plain-JS float64 reference implementations of the graph ops: one short function per op, on flat
// row-major arrays with shapes. The executable spec the op tests compare ORT's forward against.

export interface T { data: Float64Array; shape: number[] }

export const size = (s: number[]): number => s.reduce((a, b) => a * b, 1);
const norm = (axis: number, rank: number): number => (axis < 0 ? axis + rank : axis);

export function t(shape: number[], data: ArrayLike<number>): T {
  if (data.length !== size(shape)) throw new Error(`reference: ${data.length} values for shape [${shape}]`);
  return { data: Float64Array.from(data), shape: shape.slice() };
}

/** Calls `fn` with every multi-index of `shape` in row-major order. */
export function forEachIndex(shape: number[], fn: (ix: number[], flat: number) => void): void {
  const n = size(shape);
  const ix = shape.map(() => 0);
  for (let flat = 0; flat < n; flat++) {
    fn(ix, flat);
    for (let d = shape.length - 1; d >= 0 && ++ix[d] === shape[d]; d--) ix[d] = 0;
  }
}

/** A tensor of `shape` whose element at multi-index ix is fn(ix). */
export function build(shape: number[], fn: (ix: number[]) => number): T {
  const data = new Float64Array(size(shape));
  forEachIndex(shape, (ix, k) => { data[k] = fn(ix); });
  return { data, shape: shape.slice() };
}

/** x at multi-index ix, numpy-broadcast: ix is right-aligned and size-1 dims read index 0. */
export function at(x: T, ix: number[]): number {
  let k = 0;
  const lead = ix.length - x.shape.length;
  for (let d = 0; d < x.shape.length; d++) k = k * x.shape[d] + (x.shape[d] === 1 ? 0 : ix[lead + d]);
  return x.data[k];
}

export function broadcastShape(a: number[], b: number[]): number[] {
  const n = Math.max(a.length, b.length);
  return Array.from({ length: n }, (_, i) => {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`reference: [${a}] and [${b}] do not broadcast`);
    return da === 1 ? db : da;
  });
}

// ---- elementwise ----
export const map = (x: T, f: (v: number) => number): T => ({ data: x.data.map(f), shape: x.shape.slice() });
export const binary = (a: T, b: T, f: (p: number, q: number) => number): T =>
  build(broadcastShape(a.shape, b.shape), (ix) => f(at(a, ix), at(b, ix)));
export const where = (c: T, a: T, b: T): T =>
  build(broadcastShape(c.shape, broadcastShape(a.shape, b.shape)), (ix) => (at(c, ix) ? at(a, ix) : at(b, ix)));
export const clip = (x: T, lo = -Infinity, hi = Infinity): T => map(x, (v) => Math.min(Math.max(v, lo), hi));
export const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));
export const logSigmoid = (x: T): T => map(x, (v) => Math.min(v, 0) - Math.log1p(Math.exp(-Math.abs(v))));
export const dropout = (x: T, keep: T, p: number): T => binary(x, keep, (v, m) => (v * m) / (1 - p));

// ---- matrix products ----
export function matmul(a: T, b: T): T {
  const [m, k, n] = [a.shape[a.shape.length - 2], a.shape[a.shape.length - 1], b.shape[b.shape.length - 1]];
  const batch = broadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  return build([...batch, m, n], (ix) => {
    const bi = ix.slice(0, -2);
    let s = 0;
    for (let p = 0; p < k; p++) s += at(a, [...bi, ix[ix.length - 2], p]) * at(b, [...bi, p, ix[ix.length - 1]]);
    return s;
  });
}

export function transpose(x: T, perm = x.shape.map((_, i) => x.shape.length - 1 - i)): T {
  return build(perm.map((p) => x.shape[p]), (ix) => {
    const src: number[] = [];
    perm.forEach((p, i) => { src[p] = ix[i]; });
    return at(x, src);
  });
}

export interface GemmOpts { transA?: boolean; transB?: boolean; alpha?: number; beta?: number }
export function gemm(a: T, b: T, c: T | null, o: GemmOpts = {}): T {
  const ab = matmul(o.transA ? transpose(a) : a, o.transB ? transpose(b) : b);
  const [alpha, beta] = [Math.fround(o.alpha ?? 1), Math.fround(o.beta ?? 1)]; // float32 attributes
  const y = map(ab, (v) => v * alpha);
  return c ? binary(y, c, (p, q) => p + beta * q) : y;
}

// ---- reductions ----
export function reduce(x: T, axes: number[] | undefined, keepdims: boolean, kind: 'sum' | 'mean' | 'max'): T {
  const ax = (axes ?? x.shape.map((_, i) => i)).map((a) => norm(a, x.shape.length));
  const kept = x.shape.map((d, i) => (ax.includes(i) ? 1 : d));
  const acc = build(kept, () => (kind === 'max' ? -Infinity : 0));
  forEachIndex(x.shape, (ix, k) => {
    const o = kept.reduce((p, d, i) => p * d + (ax.includes(i) ? 0 : ix[i]), 0);
    acc.data[o] = kind === 'max' ? Math.max(acc.data[o], x.data[k]) : acc.data[o] + x.data[k];
  });
  const count = size(ax.map((a) => x.shape[a]));
  const out = kind === 'mean' ? map(acc, (v) => v / count) : acc;
  return keepdims ? out : { data: out.data, shape: x.shape.filter((_, i) => !ax.includes(i)) };
}

export function softmax(x: T, axis = -1): T {
  const a = norm(axis, x.shape.length);
  const mx = reduce(x, [a], true, 'max');
  const e = binary(x, mx, (v, m) => Math.exp(v - m));
  return binary(e, reduce(e, [a], true, 'sum'), (v, s) => v / s);
}

export function logSoftmax(x: T, axis = -1): T {
  return map(softmax(x, axis), Math.log);
}

export function cumsum(x: T, axis = 0, reverse = false): T {
  const a = norm(axis, x.shape.length);
  return build(x.shape, (ix) => {
    let s = 0;
    const j = ix.slice();
    const [from, to] = reverse ? [ix[a], x.shape[a]] : [0, ix[a] + 1];
    for (j[a] = from; j[a] < to; j[a]++) s += at(x, j);
    return s;
  });
}

// ---- layout ----
export function concat(xs: T[], axis: number): T {
  const a = norm(axis, xs[0].shape.length);
  const shape = xs[0].shape.slice();
  shape[a] = xs.reduce((s, x) => s + x.shape[a], 0);
  return build(shape, (ix) => {
    let r = ix[a];
    for (const x of xs) {
      if (r < x.shape[a]) { const j = ix.slice(); j[a] = r; return at(x, j); }
      r -= x.shape[a];
    }
    throw new Error('unreachable');
  });
}

export function slice(x: T, starts: number[], ends: number[], axes: number[]): T {
  const shape = x.shape.slice();
  const begin = x.shape.map(() => 0);
  axes.forEach((ax0, k) => {
    const ax = norm(ax0, x.shape.length);
    const d = x.shape[ax];
    const c = (v: number) => Math.min(Math.max(v < 0 ? v + d : v, 0), d);
    begin[ax] = c(starts[k]);
    shape[ax] = c(ends[k]) - begin[ax];
  });
  return build(shape, (ix) => at(x, ix.map((v, i) => v + begin[i])));
}

export function split(x: T, sizes: number[], axis: number): T[] {
  const a = norm(axis, x.shape.length);
  let s = 0;
  return sizes.map((n) => { s += n; return slice(x, [s - n], [s], [a]); });
}

export function pad(x: T, before: number[], after: number[]): T {
  return build(x.shape.map((d, i) => d + before[i] + after[i]), (ix) => {
    const j = ix.map((v, i) => v - before[i]);
    return j.every((v, i) => v >= 0 && v < x.shape[i]) ? at(x, j) : 0;
  });
}

export function reshape(x: T, shape: number[]): T {
  const known = size(shape.filter((d) => d !== -1));
  return { data: x.data.slice(), shape: shape.map((d) => (d === -1 ? size(x.shape) / known : d)) };
}

export function unsqueeze(x: T, axes: number[]): T {
  const rank = x.shape.length + axes.length;
  const ax = axes.map((a) => norm(a, rank));
  const shape: number[] = [];
  for (let i = 0, j = 0; i < rank; i++) shape.push(ax.includes(i) ? 1 : x.shape[j++]);
  return { data: x.data.slice(), shape };
}

export const squeeze = (x: T, axes: number[]): T =>
  ({ data: x.data.slice(), shape: x.shape.filter((_, i) => !axes.map((a) => norm(a, x.shape.length)).includes(i)) });
export const expand = (x: T, shape: number[]): T => build(broadcastShape(x.shape, shape), (ix) => at(x, ix));

// ---- indexing ----
export function gather(data: T, idx: T, axis = 0): T {
  const a = norm(axis, data.shape.length);
  const r = idx.shape.length;
  return build([...data.shape.slice(0, a), ...idx.shape, ...data.shape.slice(a + 1)], (ix) =>
    at(data, [...ix.slice(0, a), at(idx, ix.slice(a, a + r)), ...ix.slice(a + r)]));
}

export function gatherElements(data: T, idx: T, axis = -1): T {
  const a = norm(axis, data.shape.length);
  return build(idx.shape, (ix) => at(data, ix.map((v, i) => (i === a ? at(idx, ix) : v))));
}

/** data with rows idx[u, 0] replaced by updates[u] (idx [U, 1]). */
export function scatterND(data: T, idx: T, updates: T): T {
  const out = { data: data.data.slice(), shape: data.shape.slice() };
  const row = size(data.shape.slice(1));
  for (let u = 0; u < idx.shape[0]; u++) out.data.set(updates.data.subarray(u * row, (u + 1) * row), idx.data[u] * row);
  return out;
}

/** out[s] = Σ_{i: ids[i] = s} x[i] (x [N, ...]). */
export function segmentSum(x: T, ids: ArrayLike<number>, numSegments: number): T {
  const row = size(x.shape.slice(1));
  const out = new Float64Array(numSegments * row);
  for (let i = 0; i < ids.length; i++) {
    for (let j = 0; j < row; j++) out[ids[i] * row + j] += x.data[i * row + j];
  }
  return { data: out, shape: [numSegments, ...x.shape.slice(1)] };
}

// ---- composites ----
export function l2Normalize(x: T, axis = -1, eps = 1e-12): T {
  const n = map(reduce(map(x, (v) => v * v), [axis], true, 'sum'), Math.sqrt);
  return binary(x, n, (v, s) => v / Math.max(s, eps));
}

export function cosine(a: T, b: T, axis = -1, eps = 1e-8): T {
  const dot = reduce(binary(a, b, (p, q) => p * q), [axis], false, 'sum');
  const na = reduce(map(a, (v) => v * v), [axis], false, 'sum');
  const nb = reduce(map(b, (v) => v * v), [axis], false, 'sum');
  return build(dot.shape, (ix) => at(dot, ix) / Math.max(Math.sqrt(at(na, ix) * at(nb, ix)), eps));
}

/** Softmax of scores [E] or [E, H] over the edges sharing a target. */
export function segmentSoftmax(s: T, targets: ArrayLike<number>): T {
  const numRows = Math.max(...Array.from(targets)) + 1;
  const e = map(s, Math.exp);
  const sums = segmentSum(e, targets, numRows);
  return build(s.shape, (ix) => at(e, ix) / at(sums, [targets[ix[0]], ...ix.slice(1)]));
}
