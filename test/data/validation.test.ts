// Every validation error of the issue, provoked on load (Arrow) and on import (text/npy sources).
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Int64, Schema, Table, tableFromArrays, tableFromIPC, tableToIPC } from 'apache-arrow';
import { INTERACTIONS_FILE, ITEMS_FILE, readDataset, writeDataset, type ReadOptions } from '../../src/data/arrow-io.ts';
import { recordManifest } from '../../src/data/manifest.ts';
import type { DatasetParts } from '../../src/data/dataset.ts';
import { importDataset, type ImportOptions } from '../../src/data/import/pipeline.ts';
import { writeNpy } from '../../src/data/npy.ts';
import { tempDir, writeLines } from './helpers.ts';

function tinyParts(): DatasetParts {
  return {
    nUsers: 3, nItems: 4,
    interactions: {
      user: Int32Array.from([0, 0, 1, 1, 2, 2]), item: Int32Array.from([0, 1, 1, 2, 3, 0]),
      split: Int8Array.from([0, 2, 0, 1, 0, 2]), timestamp: null,
    },
    labels: Int32Array.from([0, 1, 1, 0]), nLabels: 2, labelNames: null,
    modalities: [{ name: 'image', dim: 3, data: new Float32Array(12).map((_, k) => k) }],
    meta: { name: 'tiny', source: 'test', created: null, synthetic: false, notes: {} },
  };
}

async function savedTiny(t: import('node:test').TestContext): Promise<string> {
  const dir = join(tempDir(t), 'ds');
  await writeDataset(dir, tinyParts());
  return dir;
}

/** Mutates a column in place inside the file bytes (columns are views of them) and saves. */
function patchColumn(dir: string, file: string, column: string, patch: (values: any) => void): void {
  const path = join(dir, file);
  const bytes = readFileSync(path);
  const values = tableFromIPC(bytes).getChild(column)!.data[0];
  patch(values.type.listSize ? values.children[0].values : values.values);
  writeFileSync(path, bytes);
  refreshManifest(dir);
}

/** Records the files' current digests (what `sgfd data manifest --force` does), so the checks below the digest are reached. */
const refreshManifest = (dir: string) => recordManifest(dir, [INTERACTIONS_FILE, ITEMS_FILE], true);

const loadFails = (dir: string, re: RegExp, opts: ReadOptions = {}) => assert.throws(() => readDataset(dir, opts), (e: Error) => e.name === 'DataError' && re.test(e.message) && !e.message.includes('\n'));

test('load: truncated Arrow file (caught by the manifest, and structurally without it)', async (t) => {
  const dir = await savedTiny(t);
  const path = join(dir, ITEMS_FILE);
  writeFileSync(path, readFileSync(path).subarray(0, 300));
  loadFails(dir, /items\.arrow: expected \d+ bytes \(as written, see manifest\.json\), got "300 bytes \(truncated\)"/);
  loadFails(dir, /items\.arrow: expected an Arrow IPC file ending with "ARROW1", got "300 bytes without it \(truncated\)"/, { verify: false });
});

test('load: corrupt Arrow file (manifest digest; message layout without it) and a non-Arrow file', async (t) => {
  const dir = await savedTiny(t);
  const path = join(dir, INTERACTIONS_FILE);
  const bytes = readFileSync(path);
  bytes.fill(0xff, 8, 200); // smash the first message (apache-arrow alone would loop forever here)
  writeFileSync(path, bytes);
  loadFails(dir, /interactions\.arrow: expected the SHA-256 recorded in manifest\.json, got "different bytes \(corrupt file\)"/);
  assert.throws(() => readDataset(dir, { verify: false }), /interactions\.arrow: expected a readable Arrow IPC file, got "a corrupt one \(message length -1 out of bounds at byte 16\)"/);
  writeFileSync(path, 'user,item\n1,2\n');
  loadFails(dir, /interactions\.arrow: expected an Arrow IPC file starting with "ARROW1"/, { verify: false });
});

test('load: a footer pointing at the wrong kind of message is rejected, not looped on', async (t) => {
  const dir = await savedTiny(t);
  const path = join(dir, INTERACTIONS_FILE);
  const bytes = readFileSync(path);
  bytes[30] = 60; // a byte of the record batch header: changes its message type
  writeFileSync(path, bytes);
  assert.throws(() => readDataset(dir, { verify: false }), (e: Error) => e.name === 'DataError' && /interactions\.arrow: expected a readable Arrow IPC file/.test(e.message));
});

test('load: feature row count differs from the number of items', async (t) => {
  const dir = await savedTiny(t);
  const path = join(dir, INTERACTIONS_FILE);
  const table = tableFromIPC(readFileSync(path));
  const meta = new Map(table.schema.metadata);
  meta.set('sgfd.n_items', '5');
  writeFileSync(path, tableToIPC(new Table(new Schema(table.schema.fields, meta), table.batches), 'file'));
  refreshManifest(dir);
  loadFails(dir, /items\.arrow: rows: expected 5 \(one per item, n_items in interactions\.arrow metadata\), got 4/);
});

test('load: wrong column dtype', async (t) => {
  const dir = await savedTiny(t);
  const path = join(dir, INTERACTIONS_FILE);
  const table = tableFromIPC(readFileSync(path));
  const t64 = tableFromArrays({ user: BigInt64Array.from([0n, 0n, 1n, 1n, 2n, 2n]), item: Int32Array.from([0, 1, 1, 2, 3, 0]), split: Int8Array.from([0, 2, 0, 1, 0, 2]) });
  writeFileSync(path, tableToIPC(new Table(new Schema(t64.schema.fields, table.schema.metadata), t64.batches), 'file'));
  refreshManifest(dir);
  loadFails(dir, /interactions\.arrow: column user: expected type Int32, got "Int64"/);
  assert.equal(new Int64().toString(), 'Int64');
});

test('load: NaN / Inf in features names row and component', async (t) => {
  const dir = await savedTiny(t);
  patchColumn(dir, ITEMS_FILE, 'image', (v: Float32Array) => { v[2 * 3 + 1] = NaN; });
  loadFails(dir, /items\.arrow: column image, row 2, component 1: expected a finite number, got "NaN"/);
  patchColumn(dir, ITEMS_FILE, 'image', (v: Float32Array) => { v[7] = 0; v[11] = Infinity; });
  loadFails(dir, /column image, row 3, component 2: expected a finite number, got "Infinity"/);
});

test('load: negative and out-of-range ids', async (t) => {
  const dir = await savedTiny(t);
  patchColumn(dir, INTERACTIONS_FILE, 'item', (v: Int32Array) => { v[3] = 4; });
  loadFails(dir, /interactions\.arrow: column item, row 3: expected a item id in \[0, 4\), got 4/);
  patchColumn(dir, INTERACTIONS_FILE, 'item', (v: Int32Array) => { v[3] = 2; });
  patchColumn(dir, INTERACTIONS_FILE, 'user', (v: Int32Array) => { v[5] = -1; });
  loadFails(dir, /column user, row 5: expected a user id in \[0, 3\), got -1/);
});

test('load: duplicate (user, item) pairs', async (t) => {
  const dir = await savedTiny(t);
  patchColumn(dir, INTERACTIONS_FILE, 'item', (v: Int32Array) => { v[3] = 1; });
  loadFails(dir, /column user\/item, row 3: expected unique \(user, item\) pairs \(1 duplicate row\), got "\(user 1, item 1\) again, first at .*row 2"/);
});

test('load: labels out of range', async (t) => {
  const dir = await savedTiny(t);
  patchColumn(dir, ITEMS_FILE, 'label', (v: Int32Array) => { v[2] = 7; });
  loadFails(dir, /items\.arrow: column label, row 2: expected a label in \[0, 2\) or missing, got 7/);
});

test('load: split value outside {0, 1, 2}', async (t) => {
  const dir = await savedTiny(t);
  patchColumn(dir, INTERACTIONS_FILE, 'split', (v: Int8Array) => { v[4] = 5; });
  loadFails(dir, /column split, row 4: expected 0 \(train\), 1 \(valid\) or 2 \(test\), got 5/);
});

test('load: held-out user without training interactions (count reported, allowed by option)', async (t) => {
  const dir = await savedTiny(t);
  patchColumn(dir, INTERACTIONS_FILE, 'split', (v: Int8Array) => { v[4] = 2; });
  loadFails(dir, /column split: expected every user with valid\/test interactions to have a training interaction.*got "1 user without \(first: user 2\)"/);
  assert.equal(readDataset(dir, { allowColdUsers: true }).csr.train.indptr[3], 2);
});

// ---- import ----

function mmrecFixture(dir: string, inter: string[], rows = 4): ImportOptions {
  writeNpy(join(dir, 'img.npy'), new Float32Array(rows * 2).fill(1), [rows, 2]);
  return { format: 'mmrec', inter: writeLines(dir, 'x.inter', ['userID\titemID\trating\tx_label', ...inter]), features: [{ name: 'image', path: join(dir, 'img.npy') }] };
}
const GOOD = ['0\t0\t1\t0', '0\t1\t1\t2', '1\t1\t1\t0', '1\t2\t1\t1', '2\t3\t1\t0', '2\t0\t1\t2'];

/** Import must fail with a one-line message and leave nothing in the parent directory. */
async function importFails(t: import('node:test').TestContext, o: (dir: string) => ImportOptions, re: RegExp): Promise<void> {
  const dir = tempDir(t);
  const opts = o(dir);
  const before = readdirSync(dir).sort();
  await assert.rejects(importDataset(opts, join(dir, 'out')), (e: Error) => re.test(e.message) && !e.message.includes('\n'));
  assert.equal(existsSync(join(dir, 'out')), false);
  assert.deepEqual(readdirSync(dir).sort(), before, 'no partial output left behind');
}

test('import: the good fixture imports (control for the failures below)', async (t) => {
  const dir = tempDir(t);
  const parts = await importDataset(mmrecFixture(dir, GOOD), join(dir, 'out'));
  assert.equal(parts.interactions.user.length, 6);
  assert.equal(readDataset(join(dir, 'out')).nItems, 4);
});

test('import: truncated npy', async (t) => {
  await importFails(t, (d) => {
    const o = mmrecFixture(d, GOOD);
    writeFileSync(join(d, 'img.npy'), readFileSync(join(d, 'img.npy')).subarray(0, 140));
    return o;
  }, /^img\.npy: expected 32 bytes of data for shape \(4, 2\) <f4, got "12 bytes \(truncated\)"$/);
});

test('import: feature rows ≠ number of items', async (t) => {
  await importFails(t, (d) => mmrecFixture(d, GOOD, 5), /^img\.npy: rows: expected 4 \(one per item, max itemID \+ 1 in x\.inter\), got 5$/);
});

test('import: wrong feature dtype', async (t) => {
  await importFails(t, (d) => {
    const o = mmrecFixture(d, GOOD);
    writeNpy(join(d, 'img.npy'), new Int32Array(8), [4, 2]);
    return o;
  }, /^img\.npy: dtype: expected float32 or float64 features, got "<i4"$/);
});

test('import: NaN in features', async (t) => {
  await importFails(t, (d) => {
    const o = mmrecFixture(d, GOOD);
    writeNpy(join(d, 'img.npy'), Float64Array.from([0, 0, 0, 0, 0, NaN, 0, 0]), [4, 2]);
    return o;
  }, /^img\.npy: row 2, column 1: expected a finite number, got "NaN"$/);
});

test('import: negative id and non-integer id', async (t) => {
  await importFails(t, (d) => mmrecFixture(d, [...GOOD, '-1\t0\t1\t0']), /^x\.inter: line 8, column userID: expected a user id in \[0, 2147483646\], got "-1"$/);
  await importFails(t, (d) => mmrecFixture(d, [...GOOD, '2\tabc\t1\t0']), /^x\.inter: line 8, column itemID: expected an item id/);
});

test('import: duplicate pairs fail by default, are dropped with a warning by flag', async (t) => {
  const dup = [...GOOD, '1\t1\t1\t2'];
  await importFails(t, (d) => mmrecFixture(d, dup), /^x\.inter: line 8, column user\/item: expected unique \(user, item\) pairs \(1 duplicate row; pass --duplicates drop.*first at x\.inter: line 4/);
  const dir = tempDir(t);
  const warnings: string[] = [];
  const parts = await importDataset({ ...mmrecFixture(dir, dup), duplicates: 'drop', warn: (m) => warnings.push(m) }, join(dir, 'out'));
  assert.equal(parts.interactions.user.length, 6);
  assert.match(warnings[0], /dropped 1 duplicate \(user, item\) row \(first: x\.inter: line 8/);
});

test('import: split value outside {0, 1, 2}', async (t) => {
  await importFails(t, (d) => mmrecFixture(d, [...GOOD, '2\t2\t1\t3']), /^x\.inter: line 8, column x_label: expected a split code \(0 train, 1 valid, 2 test\) in \[0, 2\], got "3"$/);
});

test('import: labels out of range or missing', async (t) => {
  await importFails(t, (d) => ({ ...mmrecFixture(d, GOOD), labels: writeLines(d, 'l.tsv', ['itemID\tlabel', '0\t1', '1\t-2', '2\t0', '3\t1']) }),
    /^l\.tsv: line 3, column label: expected a non-negative integer label or a class name, got "-2"$/);
  await importFails(t, (d) => ({ ...mmrecFixture(d, GOOD), labels: writeLines(d, 'l.tsv', ['itemID\tlabel', '0\t1', '1\t0', '9\t1']) }),
    /^l\.tsv: line 4, column itemID: expected an item id in \[0, 4\), got "9"$/);
  await importFails(t, (d) => ({ ...mmrecFixture(d, GOOD), labels: writeLines(d, 'l.tsv', ['itemID\tlabel', '0\t1', '1\t0', '3\t1']) }),
    /^l\.tsv: column label: expected a label for each of the 4 items \(or pass --allow-missing-labels\), got "1 items without \(first: item 2\)"$/);
  const dir = tempDir(t);
  const ok = await importDataset({ ...mmrecFixture(dir, GOOD), labels: writeLines(dir, 'l.tsv', ['itemID\tlabel', '0\t1', '1\t0', '3\t1']), allowMissingLabels: true }, join(dir, 'out'));
  assert.deepEqual(Array.from(ok.labels!), [1, 0, -1, 1]);
  assert.deepEqual(Array.from(readDataset(join(dir, 'out')).labels!), [1, 0, -1, 1]);
});

test('import: held-out user without training interactions — count reported, filtered by flag', async (t) => {
  const cold = ['0\t0\t1\t0', '0\t1\t1\t2', '1\t1\t1\t2', '1\t2\t1\t1', '2\t3\t1\t0', '3\t0\t1\t2'];
  await importFails(t, (d) => mmrecFixture(d, cold), /^x\.inter: column split: expected every user .* \(pass --cold-users filter .*\), got "2 users without \(first: user 1\)"$/);
  const dir = tempDir(t);
  const warnings: string[] = [];
  const parts = await importDataset({ ...mmrecFixture(dir, cold), coldUsers: 'filter', warn: (m) => warnings.push(m) }, join(dir, 'out'));
  assert.deepEqual(Array.from(parts.interactions.user), [0, 0, 2]);
  assert.match(warnings[0], /of 2 users without training/);
});
