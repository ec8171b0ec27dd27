// What an export must pass before it is renamed into place: the exported scorer, fed the exported
// embedding files, reproduces the run's own evaluation scores; student.onnx reproduces the run's
// extractor + cold-start rule on the trained items' features. Plus how cold embeddings of trained
// items compare with their trained embeddings (for the model card).
import * as G from '../graph/index.ts';
import { InitializerBinder } from '../nn/index.ts';
import { createSession, tensor, type Feeds } from '../runtime/index.ts';
import { topK } from '../eval/index.ts';
import { evaluate } from '../eval/index.ts';
import { scorer, scoringGraph } from '../run/index.ts';
import { type LoadedRun } from '../run/index.ts';
import { STUDENT_IO } from '../model/index.ts';
import { type ColdStartRule } from '../backbones/index.ts';
import { type ItemExtractor } from '../sgfd/index.ts';
import { type EmbeddingTable } from '../model/index.ts';
import { userRows } from '../eval/index.ts';
import { ScorerSession, type ScorerShape } from '../model/index.ts';
import { tableScorer, type ServingTables } from '../score/index.ts';

export const TOLERANCE = 1e-5;
const CHECK_USERS = 256;
const CHECK_K = 20;

/** Largest |a − b| / max(1, |b|); throws naming `what` and the position when it exceeds TOLERANCE. */
export function maxScaledDiff(a: Float32Array, b: Float32Array, what: string, width: number): number {
  if (a.length !== b.length) throw new Error(`export check: ${what}: ${a.length} values, the run has ${b.length}`);
  let worst = 0;
  for (let j = 0; j < a.length; j++) {
    const d = Math.abs(a[j] - b[j]) / Math.max(1, Math.abs(b[j]));
    if (!(d <= TOLERANCE)) throw new Error(`export check: ${what}, row ${Math.floor(j / width)}, column ${j % width}: ${a[j]} vs the run's ${b[j]} (tolerance ${TOLERANCE})`);
    worst = Math.max(worst, d);
  }
  return worst;
}

/** Up to CHECK_USERS users spread evenly over [0, nUsers). */
function sampleUsers(nUsers: number): Int32Array {
  const n = Math.min(nUsers, CHECK_USERS);
  return Int32Array.from({ length: n }, (_, r) => Math.floor((r * nUsers) / n));
}

/** scorer.onnx over the exported tables vs the run's evaluation top-K for a sample of users. */
export async function checkScorer(run: LoadedRun, scorerModel: Uint8Array, users: EmbeddingTable, items: EmbeddingTable, shape: ScorerShape, threads?: number): Promise<{ usersChecked: number; maxAbsDiff: number }> {
  const sample = sampleUsers(run.ds.nUsers);
  const k = Math.min(CHECK_K, run.ds.nItems);
  const fwd = await scoringGraph(run.backbone, run.backbone.model.namedParameters(), { threads });
  const reference = await topK(await scorer(fwd, run.ds, run.values, run.backbone), sample, [], k, { threads, chunk: run.backbone.evalChunk });
  await fwd.release();
  const session = await ScorerSession.create(scorerModel, shape, threads);
  try {
    const got = await session.topK(userRows(users.data, users.dim, sample), sample.length, items.data, run.ds.nItems, k);
    const maxAbsDiff = maxScaledDiff(got.scores, reference.scores, 'scorer.onnx top_scores', k);
    for (let j = 0; j < got.items.length; j++) {
      if (got.items[j] === reference.items[j]) continue;
      const r = reference.scores;
      const tied = (j % k > 0 && Math.abs(r[j] - r[j - 1]) <= TOLERANCE) || (j % k < k - 1 && Math.abs(r[j] - r[j + 1]) <= TOLERANCE);
      if (!tied) throw new Error(`export check: scorer.onnx top_items, user ${sample[Math.floor(j / k)]}, rank ${(j % k) + 1}: item ${got.items[j]}, the run ranks item ${reference.items[j]} there`);
    }
    return { usersChecked: sample.length, maxAbsDiff };
  } finally {
    await session.release();
  }
}

/** student.onnx over every trained item's raw features: [nItems, dim]. */
export async function studentEmbeddings(run: LoadedRun, studentModel: Uint8Array, threads?: number): Promise<Float32Array> {
  const session = await createSession(studentModel, threads === undefined ? {} : { threads });
  try {
    const feeds: Feeds = {};
    for (const m of run.ds.modalities) feeds[STUDENT_IO.features(m.name)] = tensor(m.data, [run.ds.nItems, m.dim]);
    return (await session.run(feeds))[STUDENT_IO.itemEmbedding].data as Float32Array;
  } finally {
    await session.release();
  }
}

/** The same through the run's own training-time tables (`features.<m>`, whole table at once). */
export async function referenceColdEmbeddings(run: LoadedRun, extractor: ItemExtractor, rule: ColdStartRule, threads?: number): Promise<Float32Array> {
  const g = new G.Graph('cold_reference');
  const b = new InitializerBinder(g, run.values);
  g.output(rule.combine(b, extractor.allItems(b, extractor.tables(g, run.ds.nItems))), 'cold');
  const session = await createSession(G.serialize(g), threads === undefined ? {} : { threads });
  try {
    const feeds: Feeds = {};
    for (const [name, t] of Object.entries(run.backbone.fixedFeeds())) if (session.inputNames.includes(name)) feeds[name] = tensor(t.data, t.dims);
    return (await session.run(feeds)).cold.data as Float32Array;
  } finally {
    await session.release();
  }
}

/** Cold item rows of trained items against their trained rows: direction, size, and ranking use. */
export async function coldAgreement(run: LoadedRun, tables: ServingTables, cold: Float32Array, threads?: number) {
  const n = run.ds.nItems;
  const { users, items: trained, itemDim: dim } = tables;
  let cosines = 0;
  const ratios: number[] = [];
  for (let i = 0; i < n; i++) {
    let ab = 0, aa = 0, bb = 0;
    for (let c = i * dim; c < (i + 1) * dim; c++) { ab += cold[c] * trained[c]; aa += cold[c] ** 2; bb += trained[c] ** 2; }
    cosines += aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
    ratios.push(bb > 0 ? Math.sqrt(aa / bb) : 0);
  }
  ratios.sort((a, b) => a - b);
  const recall = async (items: Float32Array) => (await evaluate(tableScorer(tables, users, items, run.ds.nUsers, n), run.ds, 'test', { threads, chunk: run.backbone.evalChunk })).means['recall@20'] ?? NaN;
  const round = (x: number) => Math.round(x * 1e4) / 1e4;
  return {
    mean_cosine: round(cosines / n),
    median_norm_ratio: round(ratios[n >> 1]),
    test_recall_at_20_warm: round(await recall(trained)),
    test_recall_at_20_all_items_cold: round(await recall(cold)),
  };
}
