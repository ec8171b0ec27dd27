// Export and serving of the pairwise-scored backbones (MAML, NeuMF, CML): user and item rows of
// their own widths, scorer.onnx = the backbone's pair score + mask + TopK held to independent
// references (plain JS from the parameters, or the run's own scores), chunked runs, metadata read
// back, MAML's cold-start rule through export, Triton and the HTTP server.
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeModel } from '../../src/graph/index.ts';
import { createSession, tensor } from '../../src/runtime/session.ts';
import { exportModel } from '../../src/export/export.ts';
import { readModelCard, type ModelCard } from '../../src/model/model-card.ts';
import { readEmbeddings, MODEL_FILES, type EmbeddingTable } from '../../src/model/embeddings-arrow.ts';
import { ScorerSession, RUN_BUDGET_BYTES } from '../../src/model/scorer-session.ts';
import { startServer } from '../../src/serve/http-server.ts';
import { loadRun, type LoadedRun } from '../../src/run/load-run.ts';
import { tempDir, writeFixtureData, trainFixtureRun, bruteTopK, assertRanking, itemsOf, runScores, linear, assertClose, runStudent } from '../run/fixtures.ts';

const D = 8;
const USERS = [0, 7, 44, 89];

function tables(out: string, card: ModelCard): { users: EmbeddingTable; items: EmbeddingTable } {
  return {
    users: readEmbeddings(join(out, MODEL_FILES.users), 'users', card.dims.user_embedding!),
    items: readEmbeddings(join(out, MODEL_FILES.items), 'items', card.dims.embedding),
  };
}

const rowOf = (t: Float32Array, width: number, r: number) => t.subarray(r * width, (r + 1) * width);

/**
 * scorer.onnx over the exported files for USERS (their training items excluded) = brute force over
 * `reference(u, i)`; the same again with one user per run (the budget split) gives identical output.
 */
async function checkScorer(out: string, card: ModelCard, run: LoadedRun, reference: (u: number, i: number) => number): Promise<void> {
  const { users, items } = tables(out, card);
  const shape = { userDim: card.dims.user_embedding!, itemDim: card.dims.embedding, bytesPerPair: card.scorer.bytes_per_pair! };
  const k = 10;
  const rows = new Float32Array(USERS.flatMap((u) => Array.from(rowOf(users.data, shape.userDim, u))));
  const pairs = BigInt64Array.from(USERS.flatMap((u, r) => [...itemsOf(u, [run.ds.csr.train])].flatMap((i) => [BigInt(r), BigInt(i)])));
  const bytes = readFileSync(join(out, MODEL_FILES.scorer));
  const whole = await ScorerSession.create(bytes, shape, 1);
  const split = await ScorerSession.create(bytes, { ...shape, bytesPerPair: RUN_BUDGET_BYTES / run.ds.nItems }, 1);
  try {
    assert.equal(split.rowsPerRun(run.ds.nItems), 1);
    const top = await whole.topK(rows, USERS.length, items.data, run.ds.nItems, k, pairs);
    USERS.forEach((u, r) => {
      const want = bruteTopK((i) => reference(u, i), run.ds.nItems, k, itemsOf(u, [run.ds.csr.train]));
      assertRanking({ items: top.items.subarray(r * k, (r + 1) * k), scores: top.scores.subarray(r * k, (r + 1) * k) }, want, 1e-5, `${card.model.backbone} user ${u}`);
    });
    assert.deepEqual(await split.topK(rows, USERS.length, items.data, run.ds.nItems, k, pairs), top, 'one user per run ranks as one run for all');
  } finally {
    await whole.release();
    await split.release();
  }
}

/** scorer.onnx's signature, doc string and metadata, read back by our decoder. */
function checkScorerMetadata(out: string, card: ModelCard): void {
  const m = decodeModel(readFileSync(join(out, MODEL_FILES.scorer)));
  assert.deepEqual(m.inputs.map((i) => [i.name, i.dtype, i.shape]), [
    ['user_embedding', 'float32', ['batch', card.dims.user_embedding]],
    ['item_embeddings', 'float32', ['n_items', card.dims.embedding]],
    ['excluded', 'int64', ['pairs', 2]],
    ['k', 'int64', [1]],
  ]);
  assert.deepEqual(m.outputs.map((o) => o.name), ['top_scores', 'top_items']);
  assert.deepEqual(m.inputs, card.scorer.inputs);
  assert.equal(m.producerName, 'sgfd');
  assert.ok(m.docString.includes(card.scorer.score), m.docString);
  assert.deepEqual([m.metadata.backbone, m.metadata.embedding_dim, m.metadata.user_embedding_dim, m.metadata.score],
    [card.model.backbone, String(card.dims.embedding), String(card.dims.user_embedding), card.scorer.score]);
  assert.deepEqual(readModelCard(out), JSON.parse(JSON.stringify(card)));
}

const relu = (v: number[]) => v.map((x) => Math.max(0, x));

test('CML export: rows are the ID embeddings, scorer = −‖u − v‖² (plain JS), metadata; no cold start', async (t) => {
  const root = tempDir(t);
  const runDir = await trainFixtureRun(root, await writeFixtureData(root, false), 'cml', 'cml', false);
  const out = join(root, 'model');
  const card = await exportModel({ run: runDir, out, threads: 1 });
  const run = loadRun(runDir);
  assert.deepEqual([card.dims.user_embedding, card.dims.embedding, card.scorer.bytes_per_pair], [D, D, 16]);
  assert.match(card.scorer.score, /^CML: −‖u − v‖²/);
  assert.ok(card.checks!.users_checked === 90 && card.checks!.scorer_max_abs_diff <= 1e-5);
  assert.deepEqual(card.cold_start, { supported: false, reason: "backbone 'cml' uses no item features (ID-only): a new item cannot be embedded" });
  assert.equal(existsSync(join(out, MODEL_FILES.student)), false);
  const { users, items } = tables(out, card);
  assert.deepEqual(users.data, run.values.get('userEmbedding'));
  assert.deepEqual(items.data, run.values.get('itemEmbedding'));
  const U = run.values.get('userEmbedding')!;
  const V = run.values.get('itemEmbedding')!;
  await checkScorer(out, card, run, (u, i) => -rowOf(U, D, u).reduce((s, x, c) => s + (x - V[i * D + c]) ** 2, 0));
  checkScorerMetadata(out, card);
});

test('NeuMF export: rows are [GMF ‖ MLP] embeddings, scorer = the NeuMF logit (plain JS), metadata', async (t) => {
  const root = tempDir(t);
  const runDir = await trainFixtureRun(root, await writeFixtureData(root, false), 'neumf', 'neumf', false);
  const out = join(root, 'model');
  const card = await exportModel({ run: runDir, out, threads: 1 });
  const run = loadRun(runDir);
  assert.deepEqual([card.dims.user_embedding, card.dims.embedding, card.scorer.bytes_per_pair], [2 * D, 2 * D, 16 * D]);
  assert.match(card.scorer.score, /^NeuMF logit/);
  assert.equal(card.cold_start.supported, false);
  const P = (name: string) => run.values.get(name)!;
  const { items } = tables(out, card);
  for (const i of [0, 31, 59]) {
    assert.deepEqual(Array.from(rowOf(items.data, 2 * D, i)), [...rowOf(P('gmf.itemEmbedding'), D, i), ...rowOf(P('mlp.itemEmbedding'), D, i)], `item row ${i}`);
  }
  const h = P('predict.weight');
  const logit = (u: number, i: number) => {
    const gmf = rowOf(P('gmf.userEmbedding'), D, u).reduce((s, x, c) => s + h[c] * x * P('gmf.itemEmbedding')[i * D + c], 0);
    const first = relu(linear([...rowOf(P('mlp.userEmbedding'), D, u), ...rowOf(P('mlp.itemEmbedding'), D, i)], P('hidden1.weight'), P('hidden1.bias')));
    const tower = relu(linear(first, P('hidden2.weight'), P('hidden2.bias')));
    return gmf + tower.reduce((s, x, c) => s + h[D + c] * x, 0) + P('predict.bias')[0];
  };
  await checkScorer(out, card, run, logit);
  checkScorerMetadata(out, card);
});

test('MAML export: rows [v ‖ proj], scorer = the run\'s attentive scores, student = [proj(f) ‖ proj(f)], Triton; served, and a cold item is recommendable', async (t) => {
  const root = tempDir(t);
  const runDir = await trainFixtureRun(root, await writeFixtureData(root, false), 'maml', 'maml', false);
  const out = join(root, 'model');
  const card = await exportModel({ run: runDir, out, triton: true, tritonK: 5, threads: 1 });
  const run = loadRun(runDir);
  assert.deepEqual([card.dims.user_embedding, card.dims.embedding, card.scorer.bytes_per_pair], [D, 2 * D, 48 * D]);
  assert.match(card.scorer.score, /^MAML: −Σ_k a_k² \(u_k − v_k\)²/);
  assert.ok(card.checks!.scorer_max_abs_diff <= 1e-5 && card.checks!.student_max_abs_diff! <= 1e-5 && card.checks!.items_checked === 60);
  const { users, items } = tables(out, card);
  assert.deepEqual(users.data, run.values.get('userEmbedding'));
  for (const i of [0, 59]) assert.deepEqual(rowOf(items.data, 2 * D, i).slice(0, D), rowOf(run.values.get('itemEmbedding')!, D, i), `item row ${i} starts with v`);

  const all = await runScores(run, USERS);
  await checkScorer(out, card, run, (u, i) => all[USERS.indexOf(u) * 60 + i]);
  checkScorerMetadata(out, card);

  // Cold start: a trained item's own features give [proj ‖ proj], proj = the second half of its exported row.
  assert.ok(card.cold_start.supported && /^MAML: item_embedding = \[proj\(f\) ‖ proj\(f\)\]/.test(card.cold_start.rule));
  assert.deepEqual(card.cold_start.supported && card.cold_start.output, { name: 'item_embedding', dtype: 'float32', shape: ['batch', 2 * D] });
  const picked = [0, 17, 59];
  const cold = await runStudent(out, run, picked);
  picked.forEach((i, r) => {
    const proj = rowOf(items.data, 2 * D, i).slice(D);
    assertClose(rowOf(cold, 2 * D, r), [...proj, ...proj], 1e-5, `cold item ${i}`);
  });

  // Triton: user rows of width du in, the snapshot scorer ranks as scorer.onnx.
  assert.match(readFileSync(join(out, 'triton', 'sgfd_scorer', 'config.pbtxt'), 'utf8'), new RegExp(`name: "user_embedding"\\n    data_type: TYPE_FP32\\n    dims: \\[ ${D} \\]`));
  const triton = await createSession(readFileSync(join(out, 'triton', 'sgfd_scorer', '1', 'model.onnx')));
  const snap = await triton.run({ user_embedding: tensor(users.data.slice(0, 3 * D), [3, D]) });
  await triton.release();
  const scorer = await ScorerSession.create(readFileSync(join(out, MODEL_FILES.scorer)), { userDim: D, itemDim: 2 * D, bytesPerPair: 48 * D }, 1);
  const top5 = await scorer.topK(users.data.slice(0, 3 * D), 3, items.data, 60, 5);
  assert.deepEqual(Array.from(snap.top_items.data as BigInt64Array, Number), Array.from(top5.items));

  // Serving: /v1/recommend = the run's own ranking; a new item (item 5's features) joins the ranking.
  const server = await startServer({ model: out, port: 0, threads: 1 });
  try {
    const call = async (path: string, init?: RequestInit) => { const r = await fetch(server.url + path, init); return { status: r.status, body: await r.json() }; };
    const seen = itemsOf(44, [run.ds.csr.train, run.ds.csr.valid, run.ds.csr.test]);
    const rec = await call('/v1/recommend?user=44&k=10&exclude_seen=true');
    assert.equal(rec.status, 200, JSON.stringify(rec.body));
    const ranking = (list: { id: string; score: number }[]) => ({ items: list.map((x) => Number(x.id)), scores: list.map((x) => x.score) });
    assertRanking(ranking(rec.body.items), bruteTopK((i) => all[2 * 60 + i], 60, 10, seen), 1e-5, 'served user 44');

    const features = Object.fromEntries(run.ds.modalities.map((m) => [m.name, Array.from(m.data.subarray(5 * m.dim, 6 * m.dim))]));
    const added = await call('/v1/items', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'fresh', ...features }) });
    assert.deepEqual([added.status, added.body], [201, { id: 'fresh', index: 60, items: 61 }]);
    const coldRow = await runStudent(out, run, [5]);
    const alone = await scorer.topK(rowOf(users.data, D, 44).slice(), 1, coldRow, 1, 1);
    const withNew = (await call('/v1/recommend?user=44&k=61')).body.items as { id: string; score: number }[];
    assert.equal(withNew.length, 61);
    const hit = withNew.find((x) => x.id === 'fresh');
    assert.ok(hit && Math.abs(hit.score - alone.scores[0]) <= 1e-5, `fresh scores ${hit?.score}, its cold row alone ${alone.scores[0]}`);
    assertRanking(ranking(withNew.filter((x) => x.id !== 'fresh')), bruteTopK((i) => all[2 * 60 + i], 60, 60, new Set()), 1e-5, 'the trained items keep their scores');
    assert.deepEqual(readEmbeddings(join(out, MODEL_FILES.added), 'added', 2 * D).ids, ['fresh']);
  } finally {
    await server.close();
    await scorer.release();
  }
});
