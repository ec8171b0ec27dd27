// Fixtures for the serving tests: a small synthetic dataset (with original-id maps), tiny trained
// runs per backbone, brute-force JS references for top-K and for embeddings, running student.onnx.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { generateSynthetic } from '../../src/data/synth.ts';
import { writeDataset } from '../../src/data/arrow-io.ts';
import { runTraining } from '../../src/train/run.ts';
import { TRAIN_DEFAULTS } from '../../src/train/trainer.ts';
import { type Csr } from '../../src/data/dataset.ts';
import * as G from '../../src/graph/index.ts';
import { InitializerBinder } from '../../src/nn/index.ts';
import { createSession, tensor } from '../../src/runtime/session.ts';
import { type LoadedRun } from '../../src/run/load-run.ts';
import { MODEL_FILES } from '../../src/model/embeddings-arrow.ts';

export const SYNTH = { users: 90, items: 60, categories: 4, density: 0.08, imageDim: 20, textDim: 12, seed: 11 };
export const userName = (u: number) => `user-${u}`;
export const itemName = (i: number) => `item-${i}`;

/** A temporary directory removed after the test (or suite) ends. */
export function tempDir(t: TestContext | { after(fn: () => void): void }, prefix = 'sgfd-serve-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes the synthetic dataset to `<root>/data`, with id maps (`user-<u>`, `item-<i>`) when asked. */
export async function writeFixtureData(root: string, idMaps: boolean): Promise<string> {
  const parts = generateSynthetic(SYNTH);
  const dir = join(root, idMaps ? 'data-ids' : 'data');
  await writeDataset(dir, parts, idMaps ? { idMaps: { user: Array.from({ length: parts.nUsers }, (_, u) => userName(u)), item: Array.from({ length: parts.nItems }, (_, i) => itemName(i)) } } : {});
  return dir;
}

/** Trains `backbone` (SGFD reference profile when `sgfd`, or a named variant) for two epochs into `<root>/<name>`. */
export async function trainFixtureRun(root: string, data: string, name: string, backbone: string, sgfd: boolean, variant?: string): Promise<string> {
  const out = join(root, name);
  await runTraining({
    data, backbone, sgfd, variant, profile: 'reference', set: { embedding_dim: '8' }, teacherEpochs: 1,
    train: { ...TRAIN_DEFAULTS, epochs: 2, quiet: true, worker: false, threads: 1 },
  }, out);
  return out;
}

/** score(u, i) = ⟨users[u], items[i]⟩ in float64. */
export function dot(users: Float32Array, items: Float32Array, dim: number, u: number, i: number): number {
  let s = 0;
  for (let c = 0; c < dim; c++) s += users[u * dim + c] * items[i * dim + c];
  return s;
}

/** The run's own scores [users.length × nItems] (Backbone.buildUserScores, what evaluation ranks by). */
export async function runScores(run: LoadedRun, users: number[]): Promise<Float32Array> {
  const g = new G.Graph('run_scores');
  const ids = g.input('users', 'int64', ['batch']);
  g.output(run.backbone.buildUserScores!(new InitializerBinder(g, run.values), ids), 'scores');
  const session = await createSession(G.serialize(g), { threads: 1 });
  try {
    const feeds: Record<string, ReturnType<typeof tensor>> = { users: tensor(BigInt64Array.from(users, BigInt), [users.length]) };
    for (const [name, t] of Object.entries(run.backbone.fixedFeeds())) if (session.inputNames.includes(name)) feeds[name] = tensor(t.data, t.dims);
    return (await session.run(feeds)).scores.data as Float32Array;
  } finally {
    await session.release();
  }
}

/**
 * Brute-force top-k: every non-excluded item by score (descending), ties by ascending item id
 * (TopK's order) — the reference the ONNX scorers are held to.
 */
export function bruteTopK(score: (i: number) => number, nItems: number, k: number, excluded: Set<number>): { items: number[]; scores: number[] } {
  const ranked = Array.from({ length: nItems }, (_, i) => i).filter((i) => !excluded.has(i)).map((i) => ({ i, s: score(i) }));
  ranked.sort((a, b) => b.s - a.s || a.i - b.i);
  const top = ranked.slice(0, k);
  return { items: top.map((x) => x.i), scores: top.map((x) => x.s) };
}

/** The items of user `u` in any of `csrs`. */
export function itemsOf(u: number, csrs: readonly Csr[]): Set<number> {
  const out = new Set<number>();
  for (const c of csrs) for (let p = c.indptr[u]; p < c.indptr[u + 1]; p++) out.add(c.indices[p]);
  return out;
}

/**
 * Asserts a computed ranking matches the reference: scores within `tol` (scaled) at every rank, and
 * the same item at every rank whose reference score is not tied (within `tol`) with a neighbour.
 */
export function assertRanking(got: { items: ArrayLike<number>; scores: ArrayLike<number> }, want: { items: number[]; scores: number[] }, tol: number, what: string): void {
  if (got.items.length !== want.items.length) throw new Error(`${what}: ${got.items.length} items, expected ${want.items.length}`);
  const w = want.scores;
  for (let j = 0; j < w.length; j++) {
    if (!(Math.abs(got.scores[j] - w[j]) <= tol * Math.max(1, Math.abs(w[j])))) throw new Error(`${what}, rank ${j + 1}: score ${got.scores[j]}, expected ${w[j]}`);
    const tied = (j > 0 && Math.abs(w[j] - w[j - 1]) <= tol) || (j + 1 < w.length && Math.abs(w[j] - w[j + 1]) <= tol);
    if (!tied && got.items[j] !== want.items[j]) throw new Error(`${what}, rank ${j + 1}: item ${got.items[j]}, expected ${want.items[j]}`);
  }
}

export { sgfd } from '../run-cli.ts';

/** x·W + b for one row (W [in, out] row-major), in float64. */
export function linear(x: ArrayLike<number>, w: Float32Array, b: Float32Array): number[] {
  const out = Array.from(b);
  for (let i = 0; i < x.length; i++) for (let o = 0; o < out.length; o++) out[o] += x[i] * w[i * out.length + o];
  return out;
}

export function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let j = 0; j < want.length; j++) if (!(Math.abs(got[j] - want[j]) <= tol)) assert.fail(`${what}[${j}]: ${got[j]} vs ${want[j]}`);
}

/** The exported student.onnx in `dir` over the raw features of the trained `items`: [items.length × item row width]. */
export async function runStudent(dir: string, run: LoadedRun, items: number[]): Promise<Float32Array> {
  const session = await createSession(readFileSync(join(dir, MODEL_FILES.student)));
  const feeds = Object.fromEntries(run.ds.modalities.map((m) => [`${m.name}_features`, tensor(Float32Array.from(items.flatMap((i) => Array.from(m.data.subarray(i * m.dim, (i + 1) * m.dim)))), [items.length, m.dim])]));
  const out = (await session.run(feeds)).item_embedding;
  assert.deepEqual(out.dims, [items.length, out.dims[1]]);
  await session.release();
  return out.data as Float32Array;
}
