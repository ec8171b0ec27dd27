// What a hostile client or a damaged model directory must not achieve (issue 13, items 1 and 14):
// huge feature values are a 400 and store nothing; a student embedding that is not finite is a 400;
// a bad stored row of added_items.arrow is quarantined with a warning instead of blocking the start;
// /v1/model and 500 errors show no absolute paths. Plus a bounded fuzz of POST /v1/items.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { tableFromIPC } from 'apache-arrow';
import { join } from 'node:path';
import { startServer, type RunningServer, type ServeOptions } from '../../src/serve/http-server.ts';
import { exportModel } from '../../src/export/export.ts';
import { embeddingsBytes, readEmbeddings, MODEL_FILES } from '../../src/model/embeddings-arrow.ts';
import { QUARANTINE_FILE } from '../../src/model/added-items.ts';
import { readDataset } from '../../src/data/arrow-io.ts';
import { type Dataset } from '../../src/data/dataset.ts';
import { Rng } from '../../src/data/rng.ts';
import { writeFixtureData, trainFixtureRun, itemName } from '../run/fixtures.ts';

let root = '';
let model = '';
let ds: Dataset;
const DIM = 8;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'sgfd-hostile-'));
  const data = await writeFixtureData(root, true);
  ds = readDataset(data);
  model = join(root, 'model');
  await exportModel({ run: await trainFixtureRun(root, data, 'bm3', 'bm3', true), out: model, threads: 1 });
});
after(() => rmSync(root, { recursive: true, force: true }));

/** A private copy of the exported model (each test may damage its own). */
function modelCopy(name: string): string {
  const dir = join(root, name);
  cpSync(model, dir, { recursive: true });
  return dir;
}

async function withServer<T>(dir: string, fn: (s: RunningServer, warnings: string[]) => Promise<T>, o: Partial<ServeOptions> = {}): Promise<T> {
  const warnings: string[] = [];
  const s = await startServer({ model: dir, host: '127.0.0.1', port: 0, threads: 1, warn: (m) => warnings.push(m), ...o });
  try { return await fn(s, warnings); } finally { await s.close(); }
}

async function post(s: RunningServer, body: string): Promise<{ status: number; body: any }> {
  const r = await fetch(`${s.url}/v1/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: r.status, body: await r.json() };
}

const features = (i: number, map: (x: number) => number = (x) => x) =>
  Object.fromEntries(ds.modalities.map((m) => [m.name, Array.from(m.data.subarray(i * m.dim, (i + 1) * m.dim), map)]));

const allFinite = (a: Float32Array) => a.every(Number.isFinite);

test('POST /v1/items with huge finite features is a 400 naming the element; nothing stored; the next start works', async () => {
  const dir = modelCopy('huge');
  await withServer(dir, async (s) => {
    const r = await post(s, JSON.stringify({ id: 'huge-1', ...features(0, () => 1e38) }));
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.match(r.body.error, /^body: field '\w+', element 0: expected a value within ±1000000 \(sgfd serve --max-feature-abs\), got 1e\+38$/);
    assert.equal(s.store.addedCount, 0);
  });
  assert.ok(!existsSync(join(dir, MODEL_FILES.added)), 'nothing was written');
  await withServer(dir, async (s, warnings) => assert.deepEqual([s.store.itemCount, warnings], [60, []]));
});

test('a student embedding that is not finite is a 400 and is not stored (input bound lifted)', async () => {
  const dir = modelCopy('nonfinite');
  await withServer(dir, async (s) => {
    const r = await post(s, JSON.stringify({ id: 'nan-1', ...features(0, () => 3e38) }));
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.match(r.body.error, /^body: the student's embedding of item 'nan-1' cannot be stored \(.+\): its features are outside what the model can embed; nothing was stored$/);
    assert.equal(s.store.addedCount, 0);
    assert.equal((await post(s, JSON.stringify({ id: 'ok-1', ...features(1) }))).status, 201);
  }, { maxFeatureAbs: Infinity });
  await withServer(dir, async (s, warnings) => assert.deepEqual([s.store.addedCount, warnings], [1, []]));
});

test('a bad stored row is quarantined with a warning naming it; the good rows are served; the next start is quiet', async () => {
  const dir = modelCopy('bad-rows');
  const rows = [
    { id: 'good-1', v: 0.5 },
    { id: 'nan-1', v: NaN },
    { id: itemName(3), v: 0.25 }, // a trained item's id
    { id: 'huge-1', v: 1e30 }, // finite, but no score with it would be
    { id: 'good-1', v: 0.1 }, // repeated id
    { id: 'good-2', v: -0.5 },
  ];
  const data = new Float32Array(rows.length * DIM);
  rows.forEach((r, k) => data.fill(r.v, k * DIM, (k + 1) * DIM));
  writeFileSync(join(dir, MODEL_FILES.added), embeddingsBytes({ ids: rows.map((r) => r.id), data, dim: DIM }, 'added item'));
  await withServer(dir, async (s, warnings) => {
    assert.equal(s.store.itemCount, 62);
    assert.ok(s.store.hasItem('good-1') && s.store.hasItem('good-2') && !s.store.hasItem('nan-1'));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /^added_items\.arrow: skipped 4 rows that cannot be served, moved to added_items\.quarantine\.arrow: row 1 \(id 'nan-1': component 0 is NaN\); row 2 \(id 'item-3': id 'item-3' is a trained item's\); row 3 \(id 'huge-1': component 0 is 1\.000e\+30, beyond ±1e\+18\); row 4 \(id 'good-1': id 'good-1' repeats an earlier row\)$/);
    const rec = await fetch(`${s.url}/v1/recommend?user=user-0&k=62`);
    assert.equal(rec.status, 200);
  });
  const quarantined = tableFromIPC(readFileSync(join(dir, QUARANTINE_FILE)));
  assert.deepEqual(quarantined.getChild('id')!.toArray(), ['nan-1', 'item-3', 'huge-1', 'good-1']);
  await withServer(dir, async (s, warnings) => assert.deepEqual([s.store.addedCount, warnings], [2, []]));
});

test('an unreadable added_items.arrow is moved aside with a warning; the server starts', async () => {
  const dir = modelCopy('unreadable');
  writeFileSync(join(dir, MODEL_FILES.added), 'not arrow');
  await withServer(dir, async (s, warnings) => {
    assert.equal(s.store.itemCount, 60);
    assert.match(warnings.join('\n'), /^added_items\.arrow: unreadable \(.*\); moved to added_items\.arrow\.unreadable-[\dTZ-]+, serving without the items added at run time$/);
    assert.equal((await post(s, JSON.stringify({ id: 'after', ...features(2) }))).status, 201);
  });
});

test('/v1/model and a 500 error show no absolute path', async () => {
  const dir = modelCopy('paths');
  await withServer(dir, async (s, warnings) => {
    const text = await (await fetch(`${s.url}/v1/model`)).text();
    assert.ok(!text.includes(root), 'the card names no absolute path');
    const card = JSON.parse(text);
    assert.equal(card.model.run, 'bm3');
    assert.equal(card.dataset.path, 'data-ids');
    // A directory where added_items.arrow goes: the write fails inside the server (a 500).
    mkdirSync(join(dir, MODEL_FILES.added, 'blocker'), { recursive: true });
    const r = await post(s, JSON.stringify({ id: 'blocked', ...features(0) }));
    assert.equal(r.status, 500);
    assert.match(r.body.error, /^internal error: .*added_items\.arrow/);
    assert.ok(!r.body.error.includes(root), r.body.error);
    assert.ok(!/(^|[\s'"])\//.test(r.body.error), r.body.error);
    assert.ok(warnings.some((w) => w.includes(root)), 'the operator log keeps the full message');
    rmSync(join(dir, MODEL_FILES.added), { recursive: true });
  });
});

/** A random body for POST /v1/items: valid, or broken in one of many ways. */
function fuzzBody(rng: Rng, n: number): string {
  const pick = <T>(xs: T[]): T => xs[rng.nextInt(xs.length)];
  const number = (): unknown => pick<() => unknown>([
    () => rng.normal(), () => 1e38, () => -3.4e38, () => 1e-45, () => 5e-324, () => 0, () => -0, () => 1e6, () => 1e6 + 1, () => 1e20,
    () => 'NaN', () => null, () => true, () => '1', () => [], () => ({}), () => Number.MAX_SAFE_INTEGER, () => 2 ** 128,
  ])();
  const vector = (d: number): unknown => (rng.nextFloat() < 0.6 ? Array.from({ length: d }, () => rng.normal()) : pick<() => unknown>([
    () => Array.from({ length: d }, number),
    () => Array.from({ length: d }, () => (rng.nextFloat() < 0.2 ? number() : rng.normal())),
    () => Array.from({ length: d }, () => pick([1e38, -1e38, 3e38, 1e20, 1e-40, rng.normal() * 1e6])),
    () => Array.from({ length: pick([0, d - 1, d + 1, 3 * d]) }, () => rng.normal()),
    () => pick<unknown>(['', 'x', 1, null, true, {}, [[1]]]),
  ])());
  const id = rng.nextFloat() < 0.6 ? `fuzz-${n}` : pick<unknown>(['', 'x'.repeat(300), 1.5, -7, n, null, [], itemName(1), '😀', 'a/../b']);
  const body: Record<string, unknown> = { id };
  for (const m of ds.modalities) if (rng.nextFloat() > 0.05) body[m.name] = vector(m.dim);
  if (rng.nextFloat() < 0.05) body.extra = 1;
  const text = JSON.stringify(body);
  return pick([text, text, text, text, text.replace(/null/, 'NaN'), text.replace(/\d+\.\d+/, '1e999'), text.slice(0, Math.floor(text.length / 2)), '[]', '"x"']);
}

for (const maxFeatureAbs of [undefined, Infinity]) {
  test(`fuzz POST /v1/items (${maxFeatureAbs === undefined ? 'default input bound' : 'no input bound'}): a 4xx with a one-line error or a finite stored row; the next start is clean`, async () => {
    const dir = modelCopy(`fuzz-${maxFeatureAbs ?? 'default'}`);
    const rng = new Rng(maxFeatureAbs === undefined ? 13 : 31);
    const created: string[] = [];
    const errors: string[] = [];
    await withServer(dir, async (s, warnings) => {
      for (let n = 0; n < 150; n++) {
        const r = await post(s, fuzzBody(rng, n));
        assert.ok([201, 400, 409].includes(r.status), `status ${r.status}: ${JSON.stringify(r.body)}`);
        if (r.status === 201) {
          created.push(String(r.body.id));
          assert.ok(allFinite(s.store.items.subarray(r.body.index * DIM, (r.body.index + 1) * DIM)), `item ${r.body.id} is finite`);
        } else {
          assert.equal(typeof r.body.error, 'string');
          assert.ok(!r.body.error.includes('\n'));
          errors.push(r.body.error);
        }
      }
      assert.deepEqual(warnings, []);
    }, { maxFeatureAbs });
    assert.ok(created.length > 0, 'some valid bodies were stored');
    const caughtBy = maxFeatureAbs === undefined ? /expected a value within ±1000000/ : /the student's embedding .* cannot be stored/;
    assert.ok(errors.some((e) => caughtBy.test(e)), `some bodies were refused by ${caughtBy}`);
    await withServer(dir, async (s, warnings) => {
      assert.deepEqual([s.store.addedCount, warnings], [created.length, []]);
      const stored = readEmbeddings(join(dir, MODEL_FILES.added), MODEL_FILES.added, DIM);
      assert.deepEqual(stored.ids, created);
      assert.ok(allFinite(stored.data));
    });
    assert.ok(!existsSync(join(dir, QUARANTINE_FILE)));
    assert.ok(readFileSync(join(dir, MODEL_FILES.added)).length > 0);
  });
}
