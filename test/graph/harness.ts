// Shared machinery of the graph op tests: seeded inputs, feeds for derived index-plan inputs, and
// checkOp — forward against the plain-JS reference, analytic gradients against central differences.
import assert from 'node:assert/strict';
import * as G from '../../src/graph/index.ts';
import { withDerivedFeeds } from '../../src/runtime/train-step.ts';
import { createSession, tensor, type Feeds, type Fetched } from '../../src/runtime/session.ts';
import * as R from './reference.ts';

// ---- seeded data ----
/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

export function uniform(n: number, seed: number, lo = -1, hi = 1): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * r());
}

/**
 * How a float input is filled: 'any' uniform in [-1, 1); 'pos' in [0.5, 2); 'away' |v| in [0.3, 1.5)
 * with a random sign (no kinks at 0); 'distinct' values ≥ 0.2 apart (no ties for max/min).
 */
export type Fill = 'any' | 'pos' | 'away' | 'distinct' | ArrayLike<number>;

export function fill(n: number, how: Fill, seed: number): number[] {
  if (typeof how !== 'string') return Array.from(how);
  const r = rng(seed);
  switch (how) {
    case 'any': return uniform(n, seed);
    case 'pos': return uniform(n, seed, 0.5, 2);
    case 'away': return uniform(n, seed, 0.3, 1.5).map((v) => (r() < 0.5 ? -v : v));
    case 'distinct': {
      const order = Array.from({ length: n }, (_, i) => i).sort(() => r() - 0.5);
      return order.map((k) => (k - n / 2) * 0.25 + 0.05 * r());
    }
  }
}

// ---- input specs and feeds ----
export type IndexMode = 'plan' | 'unique' | 'none';
export type InputSpec =
  | { kind: 'float'; shape: number[]; data: Float64Array }
  | { kind: 'index'; shape: number[]; data: number[]; numRows: number; mode: IndexMode };

let seedCounter = 1;
/** A float64 input of `shape` (seeded; each call gets a fresh seed unless one is given). */
export function f64(shape: number[], how: Fill = 'any', seed = seedCounter++): InputSpec {
  return { kind: 'float', shape, data: Float64Array.from(fill(R.size(shape), how, seed)) };
}

/** An int64 index input: 'plan' = G.indexInput (duplicates), 'unique' = marked distinct, 'none' = plain. */
export function ids(shape: number[], data: number[], numRows: number, mode: IndexMode = 'plan'): InputSpec {
  return { kind: 'index', shape, data, numRows, mode };
}

/** Declares the graph inputs described by `specs`. */
export function declare(g: G.Graph, specs: Record<string, InputSpec>): Record<string, G.Value> {
  const out: Record<string, G.Value> = {};
  for (const [name, s] of Object.entries(specs)) {
    if (s.kind === 'float') out[name] = g.input(name, 'float64', s.shape);
    else if (s.mode === 'plan') out[name] = G.indexInput(g, name, s.shape, s.numRows);
    else {
      out[name] = g.input(name, 'int64', s.shape);
      if (s.mode === 'unique') out[name].index = { unique: true, numRows: s.numRows };
    }
  }
  return out;
}

/** Feeds for the derived inputs of `g` (ids.perm, ids.lasts, …), computed as the runtime does. */
export function planFeeds(g: G.Graph, feeds: Feeds): Feeds {
  const all = withDerivedFeeds(g.derived, { ...feeds });
  return Object.fromEntries(g.derived.map((d) => [d.name, all[d.name]]));
}

/** Feeds for `specs` plus their derived index-plan inputs. */
export function feedsFor(g: G.Graph, specs: Record<string, InputSpec>): Feeds {
  const feeds: Feeds = {};
  for (const [name, s] of Object.entries(specs)) {
    feeds[name] = s.kind === 'float' ? tensor(s.data, s.shape) : tensor(BigInt64Array.from(s.data, BigInt), s.shape);
  }
  return { ...feeds, ...planFeeds(g, feeds) };
}

/** Serialises `g`, opens a session and runs it once. */
export async function runGraph(g: G.Graph, feeds: Feeds, threads = 1): Promise<Fetched> {
  const s = await createSession(G.serialize(g), { threads });
  return s.run({ ...feeds, ...planFeeds(g, feeds) });
}

// ---- comparisons ----
/** Asserts |a − e| ≤ atol + rtol·|e| elementwise, listing the first mismatches. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  const bad: string[] = [];
  for (let i = 0; i < expected.length; i++) {
    const [a, e] = [Number(actual[i]), Number(expected[i])];
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) bad.push(`[${i}] got ${a}, want ${e}`);
  }
  assert.ok(bad.length === 0, `${label}: ${bad.length}/${expected.length} differ: ${bad.slice(0, 5).join('; ')}`);
}

// ---- the op checker ----
/** The fixed weights checkOp projects output k with (so tests can derive exact gradients). */
export const projection = (shape: number[], k = 0): number[] => uniform(R.size(shape), 9000 + k);

export interface CheckOptions {
  /** Reference forward: the expected value of each output of `build`. */
  ref: (x: Record<string, R.T>) => R.T | R.T[];
  /** Gradient tolerance (relative and absolute), default 1e-6. */
  tol?: number;
  /** Finite-difference step, default 1e-6. */
  h?: number;
  /** Forward tolerance against the reference (relative and absolute), default 1e-12. */
  fwdTol?: number;
  /** Float inputs excluded from the gradient check. */
  skipGrad?: string[];
}

export interface CheckResult { outputs: G.Value[]; fetched: Fetched; grads: Record<string, Float64Array> }

/**
 * Builds `build` in float64, checks each output against `opts.ref`, projects the outputs to a scalar
 * with fixed seeded weights, and compares G.grad of that scalar for every float input with central
 * finite differences computed by re-running the same session (fetching only the loss).
 */
export async function checkOp(build: (g: G.Graph, x: Record<string, G.Value>) => G.Value | G.Value[],
  inputs: Record<string, InputSpec>, opts: CheckOptions): Promise<CheckResult> {
  const { tol = 1e-6, h = 1e-6, fwdTol = 1e-12 } = opts;
  const g = new G.Graph('check');
  const vals = declare(g, inputs);
  const outs = [build(g, vals)].flat();
  const terms = outs.map((y, k) => {
    if (!G.isStatic(y.shape)) throw new Error(`checkOp: output ${k} has a symbolic shape ${y}`);
    return G.reduceSum(G.mul(y, g.constant(projection(y.shape as number[], k), 'float64', y.shape)));
  });
  const loss = terms.reduce((a, b) => G.add(a, b));
  const wrt = Object.keys(inputs).filter((n) => inputs[n].kind === 'float' && !opts.skipGrad?.includes(n));
  const dxs = G.grad(loss, wrt.map((n) => vals[n]));
  outs.forEach((y, k) => g.output(y, `y${k}`));
  g.output(loss, 'loss');
  dxs.forEach((d, i) => g.output(d, `d.${wrt[i]}`));

  const session = await createSession(G.serialize(g), { threads: 1 });
  const feeds = feedsFor(g, inputs);
  const fetched = await session.run(feeds);

  const refIn = Object.fromEntries(Object.entries(inputs).map(([n, s]) => [n, R.t(s.shape, s.data)]));
  const expected = [opts.ref(refIn)].flat();
  assert.equal(expected.length, outs.length, 'reference returns one tensor per output');
  expected.forEach((e, k) => {
    assert.deepEqual(Array.from(fetched[`y${k}`].dims), e.shape, `output ${k} shape`);
    assertClose(fetched[`y${k}`].data as Float64Array, e.data, fwdTol, fwdTol, `forward output ${k}`);
  });

  const grads: Record<string, Float64Array> = {};
  for (const name of wrt) {
    const x = (inputs[name] as { data: Float64Array }).data;
    const fd = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const x0 = x[i];
      x[i] = x0 + h;
      const up = ((await session.run(feeds, ['loss'])).loss.data as Float64Array)[0];
      x[i] = x0 - h;
      const down = ((await session.run(feeds, ['loss'])).loss.data as Float64Array)[0];
      x[i] = x0;
      fd[i] = (up - down) / (2 * h);
    }
    grads[name] = fetched[`d.${name}`].data as Float64Array;
    assert.deepEqual(Array.from(fetched[`d.${name}`].dims), inputs[name].shape, `d.${name} shape`);
    assertClose(grads[name], fd, tol, tol, `gradient of ${name} vs finite differences`);
  }
  return { outputs: outs, fetched, grads };
}
