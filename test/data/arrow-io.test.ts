import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readDataset, readIdMap, writeDataset, ITEMS_FILE } from '../../src/data/arrow-io.ts';
import { buildCsr, csrRowIds, makeDataset, rowsByUser, type DatasetParts } from '../../src/data/dataset.ts';
import { generateSynthetic } from '../../src/data/synth.ts';
import { tempDir } from './helpers.ts';

const small = { users: 120, items: 90, categories: 5, density: 0.06, imageDim: 16, textDim: 8 };

test('synth → write → read gives identical arrays and metadata', async (t) => {
  const dir = join(tempDir(t), 'ds');
  const parts = generateSynthetic(small);
  await writeDataset(dir, parts);
  const ds = readDataset(dir);
  assert.equal(ds.nUsers, 120);
  assert.equal(ds.nItems, 90);
  assert.deepEqual(ds.interactions.user, parts.interactions.user);
  assert.deepEqual(ds.interactions.item, parts.interactions.item);
  assert.deepEqual(ds.interactions.split, parts.interactions.split);
  assert.equal(ds.interactions.timestamp, null);
  assert.deepEqual(ds.labels, parts.labels);
  assert.equal(ds.nLabels, 5);
  assert.deepEqual(ds.labelNames, parts.labelNames);
  assert.deepEqual(ds.modalities.map((m) => [m.name, m.dim]), [['image', 16], ['text', 8]]);
  for (let k = 0; k < 2; k++) assert.deepEqual(ds.modalities[k].data, parts.modalities[k].data);
  assert.deepEqual(ds.meta, parts.meta);
});

test('loaded feature matrices are views of the file bytes, not copies', async (t) => {
  const dir = join(tempDir(t), 'ds');
  await writeDataset(dir, generateSynthetic(small));
  const ds = readDataset(dir);
  const fileSize = statSync(join(dir, ITEMS_FILE)).size;
  for (const m of ds.modalities) {
    assert.equal(m.data.buffer.byteLength, fileSize, `${m.name} is backed by the whole items.arrow buffer`);
    assert.equal(m.data.length, ds.nItems * m.dim);
  }
  assert.equal(ds.modalities[0].data.buffer, ds.modalities[1].data.buffer);
});

test('CSR per split matches the interactions, rows sorted', async (t) => {
  const dir = join(tempDir(t), 'ds');
  await writeDataset(dir, generateSynthetic(small));
  const ds = readDataset(dir);
  const { user, item, split } = ds.interactions;
  for (const [code, name] of [[0, 'train'], [1, 'valid'], [2, 'test']] as const) {
    const csr = ds.csr[name];
    assert.equal(csr.indptr.length, ds.nUsers + 1);
    const expected = new Set<string>();
    for (let r = 0; r < user.length; r++) if (split[r] === code) expected.add(`${user[r]}:${item[r]}`);
    const rows = csrRowIds(csr);
    const got = new Set(Array.from(csr.indices, (i, k) => `${rows[k]}:${i}`));
    assert.deepEqual(got, expected);
    for (let u = 0; u < ds.nUsers; u++) {
      for (let k = csr.indptr[u] + 1; k < csr.indptr[u + 1]; k++) assert.ok(csr.indices[k - 1] < csr.indices[k]);
    }
  }
});

test('buildCsr and rowsByUser on a hand example', () => {
  const user = Int32Array.from([1, 0, 1, 2, 1]);
  const item = Int32Array.from([5, 3, 2, 0, 4]);
  const csr = buildCsr(3, user, item);
  assert.deepEqual(Array.from(csr.indptr), [0, 1, 4, 5]);
  assert.deepEqual(Array.from(csr.indices), [3, 2, 4, 5, 0]);
  const rows = rowsByUser(3, user);
  assert.deepEqual(Array.from(rows.indices), [1, 0, 2, 4, 3]);
});

test('missing labels round-trip as -1 (null in Arrow); timestamps and id maps are kept', async (t) => {
  const dir = join(tempDir(t), 'ds');
  const parts: DatasetParts = {
    nUsers: 2, nItems: 3,
    interactions: { user: Int32Array.from([0, 0, 1, 1]), item: Int32Array.from([0, 1, 1, 2]), split: Int8Array.from([0, 2, 0, 1]), timestamp: Float64Array.from([10, 20, 30, 1.7e12]) },
    labels: Int32Array.from([1, -1, 0]), nLabels: 2, labelNames: ['a', 'b'],
    modalities: [{ name: 'audio', dim: 2, data: Float32Array.from([1, 2, 3, 4, 5, 6]) }],
    meta: { name: 'tiny', source: 'hand', created: '2024-01-01T00:00:00.000Z', synthetic: false, notes: { k: 'v' } },
  };
  await writeDataset(dir, parts, { idMaps: { user: ['alice', 'bob'], item: ['x', 'y', 'z'] } });
  const ds = readDataset(dir);
  assert.deepEqual(Array.from(ds.labels!), [1, -1, 0]);
  assert.deepEqual(Array.from(ds.interactions.timestamp!), [10, 20, 30, 1.7e12]);
  assert.deepEqual(ds.meta, parts.meta);
  assert.deepEqual(readIdMap(dir, 'user'), ['alice', 'bob']);
  assert.deepEqual(readIdMap(dir, 'item'), ['x', 'y', 'z']);
  assert.deepEqual(ds.csr.valid.indices, Int32Array.from([2]));
  const bytes = readFileSync(join(dir, ITEMS_FILE));
  assert.ok(bytes.includes('sgfd.label_names'));
  assert.ok(bytes.includes('{"audio":2}'));
});

test('a dataset without labels or features round-trips', async (t) => {
  const dir = join(tempDir(t), 'ds');
  const p = generateSynthetic(small);
  await writeDataset(dir, { ...p, labels: null, nLabels: 0, labelNames: null, modalities: [] });
  const ds = readDataset(dir);
  assert.equal(ds.labels, null);
  assert.equal(ds.nLabels, 0);
  assert.deepEqual(ds.modalities, []);
  assert.deepEqual(makeDataset(ds).csr.train, ds.csr.train);
});

test('writing refuses an existing directory unless forced, then replaces it whole', async (t) => {
  const dir = join(tempDir(t), 'ds');
  await writeDataset(dir, generateSynthetic({ ...small, seed: 1 }));
  await assert.rejects(writeDataset(dir, generateSynthetic({ ...small, seed: 2 })), /exists \(pass --force to replace it\)/);
  assert.equal(readDataset(dir).meta.source.includes('seed 1'), true);
  await writeDataset(dir, generateSynthetic({ ...small, seed: 2 }), { force: true });
  assert.equal(readDataset(dir).meta.source.includes('seed 2'), true);
});
