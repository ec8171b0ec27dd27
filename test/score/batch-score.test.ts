// Batch scoring: the ONNX top-K equals a brute-force JS reference (ids, order, scores, masking)
// chunk by chunk; user selection and shards; the Arrow output of a real run (original ids,
// provenance, masking), shards concatenating to the whole; per-user backbones; no partial files.
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC, type Table } from 'apache-arrow';
import { scoreChunks, chunkUsers, MAX_CHUNK, type ScoreSource } from '../../src/score/batch-score.ts';
import { selectUsers, parseShard, shardOf } from '../../src/score/user-selection.ts';
import { scoreRun } from '../../src/score/score-run.ts';
import { runEmbeddings } from '../../src/score/run-source.ts';
import { writeScoreFile, chunksBatch, scoreSchema, BATCH_USERS, type ScoredChunk } from '../../src/score/score-arrow.ts';
import { loadRun } from '../../src/run/load-run.ts';
import { nativeKernels } from '../../src/runtime/native.ts';
import { scorer } from '../../src/run/scoring.ts';
import { topK } from '../../src/eval/ranking.ts';
import { csrOf } from '../eval/helpers.ts';
import * as G from '../../src/graph/index.ts';
import { tempDir, writeFixtureData, trainFixtureRun, bruteTopK, itemsOf, dot, assertRanking, userName, itemName } from '../run/fixtures.ts';

/** Small integers: every dot product is exact in float32, so ties are real and must break by item id. */
function integerTable(n: number, dim: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n * dim }, () => { s = (s * 1103515245 + 12345) % 2147483648; return (s % 7) - 3; });
}

async function collect(chunks: AsyncIterable<ScoredChunk>): Promise<ScoredChunk[]> {
  const out: ScoredChunk[] = [];
  for await (const c of chunks) out.push(c);
  return out;
}

test('ONNX Runtime top-K equals the brute-force reference: ids, order (ties by item id), scores, masking', async () => {
  const [nUsers, nItems, dim, k] = [23, 37, 5, 7];
  const source: ScoreSource = { kind: 'dot', users: integerTable(nUsers, dim, 1), items: integerTable(nItems, dim, 2), dim, nItems };
  const train = csrOf(Array.from({ length: nUsers }, (_, u) => [u % nItems, (u * 5) % nItems, 3]));
  const valid = csrOf(Array.from({ length: nUsers }, (_, u) => (u === 4 ? Array.from({ length: nItems - 3 }, (_, i) => i + 3) : [3, (u + 1) % nItems])));
  const users = Int32Array.from([5, 0, 4, 22, 7, 8, 9, 10, 1]); // out of order, non-consecutive: row copies
  const budgetMb = (3 * 4 * nItems * 4) / (1024 * 1024); // 4 users per chunk
  assert.equal(chunkUsers(nItems, budgetMb), 4);
  const chunks = await collect(scoreChunks(source, users, { k, exclude: [train, valid], memoryMb: budgetMb, threads: 1, engine: 'onnxruntime' }));
  assert.deepEqual(chunks.map((c) => c.users.length), [4, 4, 1]);
  let ties = 0;
  chunks.flatMap((c) => Array.from(c.users, (u, r) => ({ u, items: c.items.subarray(r * k, (r + 1) * k), scores: c.scores.subarray(r * k, (r + 1) * k) }))).forEach(({ u, items, scores }) => {
    const want = bruteTopK((i) => dot(source.users, source.items, dim, u, i), nItems, k, itemsOf(u, [train, valid]));
    const n = want.items.length;
    assert.deepEqual(Array.from(items.subarray(0, n)), want.items, `user ${u}: items`);
    assert.deepEqual(Array.from(scores.subarray(0, n)), want.scores, `user ${u}: scores`);
    assert.ok(items.subarray(n).every((i) => i === -1), `user ${u}: slots past the rankable items are −1`);
    for (let j = 1; j < n; j++) if (want.scores[j] === want.scores[j - 1]) ties++;
  });
  assert.ok(ties > 0, 'the fixture has tied scores');
  const user4 = chunks[0].items.subarray(2 * k, 3 * k);
  assert.deepEqual(Array.from(user4.subarray(0, 3)).sort(), [0, 1, 2], 'user 4 has only items 0–2 left');
});

test('chunk size follows the memory budget, within [1, MAX_CHUNK]', () => {
  assert.equal(chunkUsers(1000, 1e-6), 1);
  assert.equal(chunkUsers(1000, 1e6), MAX_CHUNK);
  assert.equal(chunkUsers(100_000, 12), Math.floor((12 * 1024 * 1024) / (12 * 100_000)));
  assert.throws(() => chunkUsers(10, 0), /--memory-mb must be a positive number, got 0/);
});

test('user selection: all, listed ids (original or dense), @file; unknown and repeated ids are errors', (t) => {
  const names = ['a', 'b', 'c', 'd'];
  assert.deepEqual(Array.from(selectUsers('all', 4, null)), [0, 1, 2, 3]);
  assert.deepEqual(Array.from(selectUsers('c, a', 4, names)), [2, 0]);
  assert.deepEqual(Array.from(selectUsers('3,1', 4, null)), [3, 1]);
  const file = join(tempDir(t), 'users.txt');
  writeFileSync(file, 'd\n\nb\n');
  assert.deepEqual(Array.from(selectUsers(`@${file}`, 4, names)), [3, 1]);
  assert.throws(() => selectUsers('a,zz', 4, names), /^Error: --users, entry 2: unknown user 'zz' \(expected an id from the dataset's user_ids.arrow\)$/);
  assert.throws(() => selectUsers('4', 4, null), /unknown user '4' \(expected a dense id in \[0, 4\)\)/);
  assert.throws(() => selectUsers('1,1', 4, null), /entry 2: user '1' is listed twice/);
  writeFileSync(file, 'a\nq\n');
  assert.throws(() => selectUsers(`@${file}`, 4, names), /users\.txt, line 2: unknown user 'q'/);
});

test('shards i/n are contiguous slices that concatenate to the selection; bad specs are errors', () => {
  const users = Int32Array.from({ length: 10 }, (_, i) => 100 + i);
  for (const n of [1, 3, 4, 10, 13]) {
    const parts = Array.from({ length: n }, (_, i) => Array.from(shardOf(users, parseShard(`${i}/${n}`))));
    assert.deepEqual(parts.flat(), Array.from(users), `n = ${n}`);
  }
  for (const bad of ['3/3', '1', 'a/b', '-1/2', '0/0']) assert.throws(() => parseShard(bad), /--shard: expected i\/n with 0 ≤ i < n/);
});

function rowsOf(t: Table): { user: unknown; item: unknown; rank: number; score: number }[] {
  return t.toArray().map((r) => ({ user: r.user_id, item: r.item_id, rank: r.rank, score: r.score }));
}

test('sgfd score on a trained run: original ids, provenance, masking, brute-force equal; shards concatenate to the whole', async (t) => {
  const root = tempDir(t);
  const data = await writeFixtureData(root, true);
  const runDir = await trainFixtureRun(root, data, 'bm3', 'bm3', true);
  const base = { run: runDir, k: 6, users: 'all', exclude: 'train+valid' as const, memoryMb: 0.01, threads: 1, quiet: true };
  const whole = await scoreRun({ ...base, out: join(root, 'all.arrow') });
  const table = tableFromIPC(readFileSync(whole.path));
  assert.deepEqual(table.schema.fields.map((f) => `${f.name}: ${f.type}`), ['user_id: Utf8', 'item_id: Utf8', 'rank: Int16', 'score: Float32']);
  const meta = table.schema.metadata;
  assert.equal(meta.get('sgfd.k'), '6');
  assert.equal(meta.get('sgfd.exclude_seen'), 'train+valid');
  assert.equal(JSON.parse(meta.get('sgfd.model')!).backbone, 'bm3');
  assert.equal(JSON.parse(meta.get('sgfd.dataset')!).users, 90);
  assert.ok(!Number.isNaN(Date.parse(meta.get('sgfd.created')!)));
  assert.equal(meta.get('sgfd.engine'), nativeKernels().kernels ? 'native' : 'onnxruntime');
  const run = loadRun(runDir);
  const emb = (await runEmbeddings(run))!;
  const rows = rowsOf(table);
  assert.equal(rows.length, run.ds.nUsers * 6);
  for (let u = 0; u < run.ds.nUsers; u++) {
    const mine = rows.slice(u * 6, (u + 1) * 6);
    assert.ok(mine.every((r, j) => r.user === userName(u) && r.rank === j + 1), `user ${u}: rows in rank order`);
    const want = bruteTopK((i) => dot(emb.users, emb.items, emb.dim, u, i), run.ds.nItems, 6, itemsOf(u, [run.ds.csr.train, run.ds.csr.valid]));
    assertRanking({ items: mine.map((r) => Number(String(r.item).slice(5))), scores: mine.map((r) => r.score) }, want, 1e-5, `user ${u}`);
    assert.ok(mine.every((r) => String(r.item).startsWith('item-')));
  }
  const viaOrt = rowsOf(tableFromIPC(readFileSync((await scoreRun({ ...base, engine: 'onnxruntime', out: join(root, 'ort.arrow') })).path)));
  assert.deepEqual(viaOrt.map((r) => [r.user, r.item, r.rank]), rows.map((r) => [r.user, r.item, r.rank]), 'either engine: the same rows');
  viaOrt.forEach((r, j) => assert.ok(Math.abs(r.score - rows[j].score) <= 1e-5 * Math.max(1, Math.abs(r.score)), `row ${j}: score ${r.score} vs ${rows[j].score}`));
  const shards = [];
  for (let i = 0; i < 3; i++) shards.push(await scoreRun({ ...base, shard: `${i}/3`, out: join(root, `part-${i}.arrows`) }));
  assert.deepEqual(shards.map((s) => s.users), [30, 30, 30]);
  const joined = shards.flatMap((s) => rowsOf(tableFromIPC(readFileSync(s.path))));
  assert.deepEqual(joined, rows, 'shards 0/3 + 1/3 + 2/3 = the unsharded output, row for row');
  const some = await scoreRun({ ...base, users: `${userName(7)},${userName(2)}`, out: join(root, 'two.arrow'), data });
  assert.deepEqual(rowsOf(tableFromIPC(readFileSync(some.path))), [...rows.slice(42, 48), ...rows.slice(12, 18)]);
});

test('per-user backbones (NeuMF) score through their own graph on ONNX Runtime, equal to the evaluator\'s top-K on it', async (t) => {
  const root = tempDir(t);
  const data = await writeFixtureData(root, false);
  const runDir = await trainFixtureRun(root, data, 'neumf', 'neumf', false);
  const r = await scoreRun({ run: runDir, k: 5, users: 'all', exclude: 'train', memoryMb: 0.005, out: join(root, 'neumf.arrow'), quiet: true, engine: 'onnxruntime' });
  const table = tableFromIPC(readFileSync(r.path));
  assert.equal(String(table.schema.fields[0].type), 'Int32', 'dense ids without id maps');
  const run = loadRun(runDir);
  const users = Int32Array.from({ length: run.ds.nUsers }, (_, u) => u);
  const ref = await topK({ ...(await scorer(null, run.ds, run.values, run.backbone)), pairKernel: undefined }, users, [run.ds.csr.train], 5);
  const rows = rowsOf(table);
  for (let u = 0; u < run.ds.nUsers; u++) {
    const mine = rows.slice(u * 5, (u + 1) * 5);
    assert.ok(mine.every((x) => x.user === u));
    assertRanking({ items: mine.map((x) => Number(x.item)), scores: mine.map((x) => x.score) },
      { items: Array.from(ref.items.subarray(u * 5, u * 5 + 5)), scores: Array.from(ref.scores.subarray(u * 5, u * 5 + 5)) }, 1e-5, `user ${u}`);
  }
});

for (const [backbone, kernel] of [['maml', 'attentive'], ['neumf', 'tower'], ['cml', 'dot']]) {
  test(`${backbone} scores on the native ${kernel} kernel: the ONNX engine's rankings, scores to float rounding`, { skip: nativeKernels().kernels ? false : 'native kernels unavailable' }, async (t) => {
    const root = tempDir(t);
    const runDir = await trainFixtureRun(root, await writeFixtureData(root, false), backbone, backbone, false);
    const base = { run: runDir, k: 5, users: 'all', exclude: 'train' as const, memoryMb: 64, quiet: true };
    const nativeTable = tableFromIPC(readFileSync((await scoreRun({ ...base, out: join(root, 'native.arrow') })).path));
    assert.equal(nativeTable.schema.metadata.get('sgfd.engine'), 'native');
    const native = rowsOf(nativeTable);
    const onnx = rowsOf(tableFromIPC(readFileSync((await scoreRun({ ...base, engine: 'onnxruntime', out: join(root, 'onnx.arrow') })).path)));
    assert.equal(native.length, onnx.length);
    for (let at = 0; at < onnx.length; at += 5) {
      const [mine, want] = [native.slice(at, at + 5), onnx.slice(at, at + 5)];
      assert.ok(mine.every((x, j) => x.user === want[j].user), `rows ${at}…: the same users`);
      assertRanking({ items: mine.map((x) => Number(x.item)), scores: mine.map((x) => x.score) }, { items: want.map((x) => Number(x.item)), scores: want.map((x) => x.score) }, 1e-5, `user ${want[0].user}`);
    }
  });
}

test('a failure while scoring leaves no output and no temporary file; bad k is a one-line error', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'scores.arrow');
  async function* failing(): AsyncGenerator<ScoredChunk> {
    yield { users: Int32Array.of(0), items: Int32Array.of(1, 2), scores: Float32Array.of(2, 1) };
    throw new Error('disk on fire');
  }
  await assert.rejects(writeScoreFile(out, failing(), { k: 2, format: 'file', userIds: null, itemIds: null, metadata: {} }), /disk on fire/);
  assert.deepEqual(readdirSync(dir), []);
  const source: ScoreSource = { kind: 'dot', users: new Float32Array(4), items: new Float32Array(6), dim: 2, nItems: 3 };
  await assert.rejects(collect(scoreChunks(source, Int32Array.of(0), { k: 4, exclude: [], memoryMb: 1 })), /^RangeError: --k must be an integer in \[1, 3\] \(the number of items\), got 4$/);
  assert.equal(existsSync(out), false);
});

test('per-user sources run at most the backbone\'s chunk of users at once, ranking as the dot product of the same table', async () => {
  const [nUsers, nItems] = [20, 9];
  const table = integerTable(nUsers, nItems, 3); // scores[u, i] read straight from a table
  const perUser: ScoreSource = { kind: 'per-user', nItems, maxChunk: 6, scorer: { build: (g, users) => G.gather(g.constant(table, 'float32', [nUsers, nItems]), users), feeds: {} } };
  const users = Int32Array.from({ length: nUsers }, (_, u) => nUsers - 1 - u);
  const chunks = await collect(scoreChunks(perUser, users, { k: 4, exclude: [], memoryMb: 64 }));
  assert.deepEqual(chunks.map((c) => c.users.length), [6, 6, 6, 2]);
  chunks.forEach((c) => c.users.forEach((u, r) => {
    const want = bruteTopK((i) => table[u * nItems + i], nItems, 4, new Set());
    assert.deepEqual([Array.from(c.items.subarray(r * 4, r * 4 + 4)), Array.from(c.scores.subarray(r * 4, r * 4 + 4))], [want.items, want.scores], `user ${u}`);
  }));
});

test('the score file gathers scoring chunks into record batches of at least BATCH_USERS users, rows in order', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'scores.arrow');
  const k = 2;
  const sizes = [400, 400, 300, 500, 50]; // batches: 400+400+300 = 1100, then 500+50 at the end
  const chunks: ScoredChunk[] = [];
  let next = 0;
  for (const n of sizes) {
    const users = Int32Array.from({ length: n }, () => next++);
    // user u ranks items u and −1 (none: that slot gives no row) when u is a multiple of 7
    chunks.push({ users, items: Int32Array.from({ length: n * k }, (_, j) => (j % k === 1 && users[j >> 1] % 7 === 0 ? -1 : users[j >> 1] + j % k)), scores: Float32Array.from({ length: n * k }, (_, j) => users[j >> 1] - (j % k)) });
  }
  assert.ok(BATCH_USERS >= 1024 && 400 + 400 < BATCH_USERS && 400 + 400 + 300 >= BATCH_USERS, 'the sizes above straddle BATCH_USERS');
  async function* all(): AsyncGenerator<ScoredChunk> { for (const c of chunks) yield c; }
  const rows = await writeScoreFile(out, all(), { k, format: 'file', userIds: null, itemIds: null, metadata: {} });
  const table = tableFromIPC(readFileSync(out));
  assert.deepEqual(table.batches.map((b) => b.numRows), [1100 * k - Math.ceil(1100 / 7), 550 * k - (Math.ceil(1650 / 7) - Math.ceil(1100 / 7))]);
  assert.equal(rows, table.numRows);
  const joined: ScoredChunk = { users: Int32Array.from(chunks.flatMap((c) => [...c.users])), items: Int32Array.from(chunks.flatMap((c) => [...c.items])), scores: Float32Array.from(chunks.flatMap((c) => [...c.scores])) };
  const want = chunksBatch(scoreSchema({ userIds: null, itemIds: null, metadata: {} }), [joined], k, { userIds: null, itemIds: null });
  for (const col of ['user_id', 'item_id', 'rank', 'score']) {
    assert.deepEqual(Array.from(table.getChild(col)!.toArray() as ArrayLike<number>), Array.from(want.getChild(col)!.toArray() as ArrayLike<number>), col);
  }
});
