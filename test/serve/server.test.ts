// The HTTP endpoint on 127.0.0.1: answers equal a brute-force reference, every malformed request
// class gets its 4xx with a JSON one-line error, concurrent requests (micro-batched) each get their
// own answer, a cold-start item is recommendable at once and survives a restart, SIGTERM is graceful.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { startServer, type RunningServer } from '../../src/serve/http-server.ts';
import { exportModel } from '../../src/export/export.ts';
import { readEmbeddings, MODEL_FILES } from '../../src/model/embeddings-arrow.ts';
import { readDataset } from '../../src/data/arrow-io.ts';
import { type Dataset } from '../../src/data/dataset.ts';
import { writeFixtureData, trainFixtureRun, bruteTopK, dot, itemsOf, assertRanking, userName, itemName } from '../run/fixtures.ts';

let root = '';
let model = '';
let idOnlyModel = '';
let ds: Dataset;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'sgfd-server-'));
  const data = await writeFixtureData(root, true);
  ds = readDataset(data);
  model = join(root, 'model');
  await exportModel({ run: await trainFixtureRun(root, data, 'bm3', 'bm3', true), out: model, threads: 1 });
  idOnlyModel = join(root, 'model-lightgcn');
  await exportModel({ run: await trainFixtureRun(root, data, 'lightgcn', 'lightgcn', false), out: idOnlyModel, threads: 1 });
});
after(() => rmSync(root, { recursive: true, force: true }));

async function withServer<T>(dir: string, fn: (s: RunningServer) => Promise<T>, o: { maxK?: number; maxBodyBytes?: number } = {}): Promise<T> {
  const s = await startServer({ model: dir, port: 0, threads: 1, ...o });
  try { return await fn(s); } finally { await s.close(); }
}

async function call(s: RunningServer, path: string, init: RequestInit = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const r = await fetch(s.url + path, init);
  return { status: r.status, body: await r.json(), headers: r.headers };
}

const post = (body: string, type = 'application/json'): RequestInit => ({ method: 'POST', headers: { 'content-type': type }, body });
const features = (i: number) => Object.fromEntries(ds.modalities.map((m) => [m.name, Array.from(m.data.subarray(i * m.dim, (i + 1) * m.dim))]));

test('answers /healthz, /v1/model and /v1/recommend equal to a brute-force reference (with and without exclude_seen)', async () => {
  const users = readEmbeddings(join(model, MODEL_FILES.users), 'u', 8);
  const items = readEmbeddings(join(model, MODEL_FILES.items), 'i', 8);
  await withServer(model, async (s) => {
    assert.deepEqual((await call(s, '/healthz')).body, { status: 'ok', users: 90, items: 60, added_items: 0, pending: 0 });
    const card = (await call(s, '/v1/model')).body;
    assert.equal(card.model.backbone, 'bm3');
    assert.equal(card.live.items, 60);
    for (const u of [0, 33, 89]) {
      for (const exclude of [false, true]) {
        const r = await call(s, `/v1/recommend?user=${userName(u)}${exclude ? '&exclude_seen=true' : ''}`);
        assert.equal(r.status, 200);
        assert.deepEqual([r.body.user, r.body.k, r.body.exclude_seen], [userName(u), 20, exclude]);
        const seen = exclude ? itemsOf(u, [ds.csr.train, ds.csr.valid, ds.csr.test]) : new Set<number>();
        const want = bruteTopK((i) => dot(users.data, items.data, 8, u, i), 60, 20, seen);
        const got = r.body.items as { id: string; score: number }[];
        assert.ok(got.every((x) => x.id.startsWith('item-')));
        assertRanking({ items: got.map((x) => Number(x.id.slice(5))), scores: got.map((x) => x.score) }, want, 1e-5, `user ${u}, exclude ${exclude}`);
      }
    }
  });
});

test('rejects each malformed request class with its 4xx and a one-line JSON error', async () => {
  const big = JSON.stringify({ id: 'big', ...features(0), pad: 'x'.repeat(5000) });
  const cases: [string, RequestInit, number, RegExp][] = [
    ['/v1/recommend', {}, 400, /'user' is required/],
    ['/v1/recommend?user=', {}, 400, /'user' is required/],
    [`/v1/recommend?user=${userName(1)}&k=0`, {}, 400, /'k': expected an integer in \[1, 30\], got '0'/],
    [`/v1/recommend?user=${userName(1)}&k=31`, {}, 400, /'k': expected an integer in \[1, 30\]/],
    [`/v1/recommend?user=${userName(1)}&k=2.5`, {}, 400, /'k'/],
    [`/v1/recommend?user=${userName(1)}&exclude_seen=maybe`, {}, 400, /'exclude_seen': expected true or false, got 'maybe'/],
    [`/v1/recommend?user=${userName(1)}&user=${userName(2)}`, {}, 400, /'user' is given more than once/],
    [`/v1/recommend?user=${userName(1)}&limit=3`, {}, 400, /unknown query parameter 'limit'/],
    ['/v1/recommend?user=nobody', {}, 404, /unknown user 'nobody'/],
    ['/v2/recommend', {}, 404, /no route \/v2\/recommend/],
    ['/v1/recommend', { method: 'POST' }, 405, /POST \/v1\/recommend: use GET/],
    ['/v1/items', post('{}', 'text/plain'), 415, /content-type: expected application\/json, got 'text\/plain'/],
    ['/v1/items', post(big), 413, /body: at most 4096 bytes/],
    ['/v1/items', post('{"id": "a",'), 400, /body: not valid JSON/],
    ['/v1/items', post('[1, 2]'), 400, /body: expected a JSON object/],
    ['/v1/items', post(JSON.stringify({ ...features(0) })), 400, /field 'id': expected a non-empty string/],
    ['/v1/items', post(JSON.stringify({ id: 'n', ...features(0), colour: [1] })), 400, /unknown field 'colour': expected id, image, text/],
    ['/v1/items', post(JSON.stringify({ id: 'n', image: features(0).image })), 400, /field 'text': expected an array of 12 numbers, got nothing/],
    ['/v1/items', post(JSON.stringify({ id: 'n', ...features(0), text: [1, 2] })), 400, /field 'text': expected 12 numbers, got 2/],
    ['/v1/items', post(JSON.stringify({ id: 'n', ...features(0) }).replace(/"text":\[[^,]+/, '"text":[1e999')), 400, /field 'text', element 0: expected a finite float32, got Infinity/],
    ['/v1/items', post(JSON.stringify({ id: 'n', ...features(0), text: ['1', ...features(0).text.slice(1)] })), 400, /field 'text', element 0: expected a finite float32, got "1"/],
    ['/v1/items', post(JSON.stringify({ id: itemName(3), ...features(0) })), 409, /item 'item-3' exists/],
  ];
  await withServer(model, async (s) => {
    for (const [path, init, status, message] of cases) {
      const r = await call(s, path, init);
      assert.equal(r.status, status, `${init.method ?? 'GET'} ${path}: ${JSON.stringify(r.body)}`);
      assert.match(r.body.error, message, path);
      assert.ok(!r.body.error.includes('\n'));
      if (status === 405) assert.equal(r.headers.get('allow'), 'GET');
    }
    assert.equal((await call(s, '/healthz')).body.items, 60, 'no rejected request added an item');
  }, { maxK: 30, maxBodyBytes: 4096 });
});

test('concurrent requests are batched together and each gets its own answer', async () => {
  await withServer(model, async (s) => {
    const requests = Array.from({ length: 48 }, (_, r) => `/v1/recommend?user=${userName((r * 7) % 90)}&k=${1 + (r % 9)}&exclude_seen=${r % 2 === 0}`);
    const alone: { user: string; k: number; exclude_seen: boolean; items: { id: string; score: number }[] }[] = [];
    for (const p of requests) alone.push((await call(s, p)).body);
    const before = { ...s.recommender.stats };
    const together = await Promise.all(requests.map((p) => call(s, p)));
    const runs = s.recommender.stats.runs - before.runs;
    assert.equal(s.recommender.stats.requests - before.requests, 48);
    assert.ok(runs < 48, `${runs} scorer runs for 48 concurrent requests: some must share a run`);
    const ranking = (b: { items: { id: string; score: number }[] }) => ({ items: b.items.map((x) => Number(x.id.slice(5))), scores: b.items.map((x) => x.score) });
    together.forEach((r, j) => {
      assert.deepEqual([r.body.user, r.body.k, r.body.exclude_seen], [alone[j].user, alone[j].k, alone[j].exclude_seen]);
      // A batch is one GEMM, a lone request a GEMV: the same scores up to float32 rounding.
      assertRanking(ranking(r.body), ranking(alone[j]), 1e-5, requests[j]);
    });
  });
});

test('POST /v1/items embeds a new item with the student, recommendable at once, kept across a restart', async () => {
  const copyOf = 5; // the new item gets item 5's features: same cold embedding, so the same score as item 5 cold
  const body = JSON.stringify({ id: 'fresh-1', ...features(copyOf) });
  let score = NaN;
  await withServer(model, async (s) => {
    const r = await call(s, '/v1/items', post(body));
    assert.deepEqual([r.status, r.body], [201, { id: 'fresh-1', index: 60, items: 61 }]);
    const rec = await call(s, `/v1/recommend?user=${userName(2)}&k=61`);
    const hit = (rec.body.items as { id: string; score: number }[]).find((x) => x.id === 'fresh-1');
    assert.ok(hit, 'the new item is ranked');
    const cold = await s.store.embed(Object.fromEntries(ds.modalities.map((m) => [m.name, m.data.slice(copyOf * m.dim, (copyOf + 1) * m.dim)])));
    const user = s.store.userEmbedding(2);
    assert.ok(Math.abs(hit.score - dot(user, cold, 8, 0, 0)) <= 1e-5);
    score = hit.score;
    assert.equal((await call(s, '/v1/items', post(body))).status, 409);
  }, { maxK: 100 });
  await withServer(model, async (s) => {
    assert.deepEqual((await call(s, '/healthz')).body.added_items, 1);
    const rec = await call(s, `/v1/recommend?user=${userName(2)}&k=61`);
    assert.equal((rec.body.items as { id: string; score: number }[]).find((x) => x.id === 'fresh-1')?.score, score);
    assert.equal((await call(s, '/v1/items', post(body))).status, 409, 'the id stays taken after the restart');
  }, { maxK: 100 });
});

test('a model without a cold-start student answers POST /v1/items with 501', async () => {
  await withServer(idOnlyModel, async (s) => {
    const r = await call(s, '/v1/items', post(JSON.stringify({ id: 'x', ...features(0) })));
    assert.equal(r.status, 501);
    assert.match(r.body.error, /this model cannot embed new items: backbone 'lightgcn' uses no item features/);
    assert.equal((await call(s, `/v1/recommend?user=${userName(0)}&k=3`)).body.items.length, 3);
  });
});

test('sgfd serve binds loopback, answers, and exits 0 on SIGTERM', async () => {
  const bin = fileURLToPath(new URL('../../bin/sgfd.js', import.meta.url));
  const child = spawn(process.execPath, [bin, 'serve', '--model', idOnlyModel, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 90_000; // a generous bound for a loaded machine, not a timing assertion
  while (!/listening on (\S+)/.test(stdout) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
  const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
  try {
    assert.ok(url, `server did not start: ${stdout}`);
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0);
  assert.match(stdout, /stopped\n$/);
});
