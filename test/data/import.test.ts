import test from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readDataset, readIdMap } from '../../src/data/arrow-io.ts';
import { splitCounts } from '../../src/data/dataset.ts';
import { importDataset, importParts } from '../../src/data/import/pipeline.ts';
import { writeNpy } from '../../src/data/npy.ts';
import { rowCoded, tempDir, writeLines } from './helpers.ts';

test('mmrec: counts, ids, splits, float64 features, string labels with names kept', async (t) => {
  const dir = tempDir(t);
  const inter = writeLines(dir, 'toy.inter', [
    'userID\titemID\trating\tx_label\ttimestamp',
    '0\t0\t1\t0\t100', '0\t2\t1\t0\t101', '0\t1\t1\t2\t102',
    '1\t1\t1\t0\t200', '1\t3\t1\t1\t201',
    '2\t2\t1\t0\t300', '2\t3\t1\t2\t301',
  ]);
  writeNpy(join(dir, 'text.npy'), rowCoded(4, 3), [4, 3]);
  writeNpy(join(dir, 'audio.npy'), Float64Array.from([3, 4, 0, 0, 6, 8, 1, 0]), [4, 2]);
  const labels = writeLines(dir, 'genre.tsv', ['itemID\tartist\tgenre', '0\ta\trock', '1\tb\tjazz', '2\tc\trock', '3\td\tpop']);
  const out = join(dir, 'ds');
  await importDataset({
    format: 'mmrec', inter, labels, labelColumn: 'genre', normalize: ['audio=l2'],
    features: [{ name: 'text', path: join(dir, 'text.npy') }, { name: 'audio', path: join(dir, 'audio.npy') }],
  }, out);
  const ds = readDataset(out);
  assert.equal(ds.nUsers, 3);
  assert.equal(ds.nItems, 4);
  assert.deepEqual(Array.from(ds.interactions.user), [0, 0, 0, 1, 1, 2, 2]);
  assert.deepEqual(Array.from(ds.interactions.item), [0, 2, 1, 1, 3, 2, 3]);
  assert.deepEqual(splitCounts(ds.interactions.split), { train: 4, valid: 1, test: 2 });
  assert.deepEqual(Array.from(ds.interactions.timestamp!), [100, 101, 102, 200, 201, 300, 301]);
  assert.deepEqual(Array.from(ds.csr.train.indices.subarray(ds.csr.train.indptr[0], ds.csr.train.indptr[1])), [0, 2]);
  assert.deepEqual(ds.labelNames, ['jazz', 'pop', 'rock']);
  assert.deepEqual(Array.from(ds.labels!), [2, 0, 2, 1]);
  assert.deepEqual(Array.from(ds.modalities[0].data.subarray(3, 6)), [1, 1.5, 2]);
  assert.deepEqual(Array.from(ds.modalities[1].data), [0.6, 0.8, 0, 0, 0.6, 0.8, 1, 0].map(Math.fround));
  assert.equal(ds.meta.synthetic, false);
  assert.match(ds.meta.source, /^mmrec toy\.inter text=text\.npy audio=audio\.npy labels=genre\.tsv$/);
  assert.equal(JSON.parse(ds.meta.notes.import).normalize.audio, 'l2');
});

test('mmrec: integer labels and .npy labels', (t) => {
  const dir = tempDir(t);
  const inter = writeLines(dir, 'x.inter', ['userID\titemID\tx_label', '0\t0\t0', '0\t1\t2', '1\t2\t0', '1\t0\t1']);
  const tsv = writeLines(dir, 'l.tsv', ['itemID\tlabel', '2\t4', '0\t1', '1\t0']);
  const a = importParts({ format: 'mmrec', inter, labels: tsv }).parts;
  assert.deepEqual(Array.from(a.labels!), [1, 0, 4]);
  assert.equal(a.nLabels, 5);
  assert.equal(a.labelNames, null);
  writeNpy(join(dir, 'l.npy'), BigInt64Array.from([2n, 0n, 1n]), [3]);
  const b = importParts({ format: 'mmrec', inter, labels: join(dir, 'l.npy') }).parts;
  assert.deepEqual(Array.from(b.labels!), [2, 0, 1]);
  assert.equal(b.nLabels, 3);
});

function sgfdFixture(dir: string): void {
  writeLines(dir, 'train.csv', ['itemID,userID,reviewerID,asin', '0,0,RA,B0', '1,0,RA,B1', '1,1,RB,B1', '2,1,RB,B2', '0,2,RC,B0', '3,2,RC,B3']);
  writeLines(dir, 'test.csv', ['itemID,userID,reviewerID,asin', '2,0,RA,B2', '3,1,RB,B3']);
}

test('sgfd-csv: train/test counts, ids and the original ids kept beside the dataset', async (t) => {
  const dir = tempDir(t);
  sgfdFixture(dir);
  writeNpy(join(dir, 'FeatureImage_normal.npy'), rowCoded(6, 2), [6, 2]); // extra rows, as in the release
  writeNpy(join(dir, 'MetaData_normal.npy'), Float32Array.from([1, 0, 0, 1, 0, 1, 1, 0, 0, 0, 1, 0]), [6, 2]);
  const warnings: string[] = [];
  const out = join(dir, 'ds');
  await importDataset({ format: 'sgfd-csv', dir, warn: (m) => warnings.push(m) }, out);
  const ds = readDataset(out);
  assert.equal(ds.nUsers, 3);
  assert.equal(ds.nItems, 4);
  assert.deepEqual(splitCounts(ds.interactions.split), { train: 6, valid: 0, test: 2 });
  assert.deepEqual(Array.from(ds.interactions.item), [0, 1, 1, 2, 0, 3, 2, 3]);
  assert.deepEqual(Array.from(ds.csr.test.indices), [2, 3]);
  assert.deepEqual(readIdMap(out, 'user'), ['RA', 'RB', 'RC']);
  assert.deepEqual(readIdMap(out, 'item'), ['B0', 'B1', 'B2', 'B3']);
  assert.deepEqual(ds.modalities.map((m) => [m.name, m.dim, m.data.length]), [['image', 2, 8]]);
  assert.deepEqual(Array.from(ds.labels!), [0, 1, 1, 0]);
  assert.match(warnings.join('\n'), /FeatureImage_normal\.npy: 6 rows for 4 items; kept the first 4/);
});

test('sgfd-csv: inconsistent original ids are an error naming both places', (t) => {
  const dir = tempDir(t);
  sgfdFixture(dir);
  writeLines(dir, 'test.csv', ['itemID,userID,reviewerID,asin', '2,0,RZ,B2']);
  assert.throws(() => importParts({ format: 'sgfd-csv', dir }), /test\.csv: line 2, column reviewerID: expected one reviewerID per userID \(userID 0 is "RA" at train\.csv: line 2, column reviewerID\), got "RZ"/);
});

test('csv: raw ids become dense ids in order of appearance; seeded split when the file has none', async (t) => {
  const dir = tempDir(t);
  const rows = ['user,item'];
  for (let u = 0; u < 30; u++) for (let k = 0; k < 10; k++) rows.push(`u${u},item-${(u * 7 + k * 3) % 40}`);
  const input = writeLines(dir, 'events.csv', rows);
  const a = await importDataset({ format: 'csv', input, split: '0.8,0.1,0.1', seed: 7 }, join(dir, 'a'));
  const b = importParts({ format: 'csv', input, split: '0.8,0.1,0.1', seed: 7 }).parts;
  const c = importParts({ format: 'csv', input, split: '0.8,0.1,0.1', seed: 8 }).parts;
  assert.equal(a.nUsers, 30);
  assert.equal(a.nItems, 40);
  assert.deepEqual(a.interactions.split, b.interactions.split);
  assert.notDeepEqual(a.interactions.split, c.interactions.split);
  const counts = splitCounts(a.interactions.split);
  assert.ok(counts.train >= 210 && counts.train <= 270, `train ${counts.train}`);
  assert.ok(counts.valid > 10 && counts.test > 10);
  const ds = readDataset(join(dir, 'a'));
  for (let u = 0; u < 30; u++) assert.ok(ds.csr.train.indptr[u + 1] > ds.csr.train.indptr[u], `user ${u} keeps a train item`);
  const users = readIdMap(join(dir, 'a'), 'user')!;
  const items = readIdMap(join(dir, 'a'), 'item')!;
  assert.equal(users[0], 'u0');
  assert.equal(items[ds.interactions.item[1]], 'item-3');
  assert.throws(() => importParts({ format: 'csv', input: writeLines(dir, 's.csv', ['user,item,split', 'a,b,train', 'a,c,later']) }), /s\.csv: line 3, column split: expected 0\/1\/2 or train\/valid\/test, got "later"/);
});

test('--valid-from-train moves a seeded share of each user\'s train rows to valid', (t) => {
  const dir = tempDir(t);
  const rows = ['itemID,userID'];
  for (let u = 0; u < 50; u++) for (let i = 0; i < 20; i++) rows.push(`${(u + i) % 60},${u}`);
  writeLines(dir, 'train.csv', rows);
  writeLines(dir, 'test.csv', ['itemID,userID', ...Array.from({ length: 50 }, (_, u) => `${(u + 30) % 60},${u}`)]);
  const p = importParts({ format: 'sgfd-csv', dir, validFromTrain: 0.1, seed: 3 }).parts;
  const c = splitCounts(p.interactions.split);
  assert.deepEqual([c.train + c.valid, c.test], [1000, 50]);
  assert.ok(c.valid > 70 && c.valid < 130, `valid ${c.valid}`);
  const again = importParts({ format: 'sgfd-csv', dir, validFromTrain: 0.1, seed: 3 }).parts;
  assert.deepEqual(again.interactions.split, p.interactions.split);
  assert.throws(() => importParts({ format: 'sgfd-csv', dir, split: '0.8,0.1,0.1' }), /--split: the data already has a split/);
});

test('--kcore filters iteratively and re-indexes users, items, features and id maps', (t) => {
  const dir = tempDir(t);
  // users a,b,c share items x,y; user d only has z (and z only d): 2-core drops d and z,
  // after which item w (seen by a and d) falls below 2 as well.
  const input = writeLines(dir, 'e.csv', ['user,item,split', 'a,x,0', 'a,y,0', 'a,w,2', 'b,x,0', 'b,y,2', 'c,x,0', 'c,y,2', 'd,z,0', 'd,w,0']);
  const { parts, idMaps } = importParts({ format: 'csv', input, kcore: 2 });
  assert.deepEqual(idMaps.user, ['a', 'b', 'c']);
  assert.deepEqual(idMaps.item, ['x', 'y']);
  assert.equal(parts.interactions.user.length, 6);
  assert.deepEqual(Array.from(parts.interactions.item), [0, 1, 0, 1, 0, 1]);
  assert.throws(() => importParts({ format: 'csv', input, kcore: 9 }), /--kcore 9: no interactions survive/);
});

test('--normalize standard gives zero-mean unit-variance columns', (t) => {
  const dir = tempDir(t);
  const inter = writeLines(dir, 'x.inter', ['userID\titemID\tx_label', '0\t0\t0', '0\t1\t0', '0\t2\t2']);
  writeNpy(join(dir, 'f.npy'), Float32Array.from([1, 10, 2, 10, 3, 10]), [3, 2]);
  const p = importParts({ format: 'mmrec', inter, features: [{ name: 'f', path: join(dir, 'f.npy') }], normalize: ['standard'] }).parts;
  const s = Math.sqrt(1.5);
  assert.deepEqual(Array.from(p.modalities[0].data), [-s, 0, 0, 0, s, 0].map(Math.fround));
  assert.throws(() => importParts({ format: 'mmrec', inter, normalize: ['f=cubic'] }), /--normalize f=cubic: expected l2, standard or none/);
});
