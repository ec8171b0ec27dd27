// Imports of the real datasets in ../shared/data (research-use only: read from there, never copied
// into the repository). Skipped with a message when the folder is absent (e.g. a user's machine).
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDataset } from '../../src/data/arrow-io.ts';
import { splitCounts } from '../../src/data/dataset.ts';
import { importDataset } from '../../src/data/import/pipeline.ts';
import { datasetStats } from '../../src/data/stats.ts';
import { tempDir } from './helpers.ts';

const shared = fileURLToPath(new URL('../../../shared/data', import.meta.url));
const lastfm = join(shared, 'lastfm-2k-mm');
const office = join(shared, 'sgfd-office');

test('lastfm-2k-mm (MMRec: MiniLM text, VGGish audio, genre labels)', async (t) => {
  if (!existsSync(join(lastfm, 'lfm2k.inter'))) return t.skip(`${lastfm} absent`);
  const out = join(tempDir(t), 'lastfm');
  await importDataset({
    format: 'mmrec', inter: join(lastfm, 'lfm2k.inter'),
    features: [{ name: 'text', path: join(lastfm, 'text_all-MiniLM-L6-v2.npy') }, { name: 'audio', path: join(lastfm, 'audio_vggish.npy') }],
    labels: join(lastfm, 'item_genre.tsv'), labelColumn: 'genre', normalize: ['audio=l2'],
  }, out);
  const ds = readDataset(out);
  assert.equal(ds.nUsers, 1858);
  assert.equal(ds.nItems, 1425);
  assert.equal(ds.interactions.user.length, 56345);
  assert.deepEqual(splitCounts(ds.interactions.split), { train: 44327, valid: 4799, test: 7219 });
  assert.equal(ds.nLabels, 11);
  assert.equal(ds.labelNames!.length, 11);
  const s = datasetStats(ds);
  assert.equal(s.labelCounts.rock, 517);
  assert.equal(s.labelCounts.jazz_blues, 29);
  assert.deepEqual(s.modalities, { text: 384, audio: 128 });
  assert.ok(Math.abs(s.featureNorms.audio.mean - 1) < 1e-5, 'VGGish (norms ~1500) was L2-normalised');
  assert.equal(s.usersWithoutTrain, 0);
});

test('sgfd-office (SGFD release csv, train/test only)', async (t) => {
  if (!existsSync(join(office, 'train.csv'))) return t.skip(`${office} absent`);
  const out = join(tempDir(t), 'office');
  await importDataset({ format: 'sgfd-csv', dir: office }, out);
  const ds = readDataset(out);
  assert.equal(ds.nUsers, 4874);
  assert.equal(ds.nItems, 2406);
  assert.equal(ds.interactions.user.length, 52957);
  assert.deepEqual(splitCounts(ds.interactions.split), { train: 37027, valid: 0, test: 15930 });
  const s = datasetStats(ds);
  assert.equal(s.users - s.usersWithoutTest, 4512);
  assert.equal(s.coldItemsInHeldOut, 1);
  assert.equal(s.labels, 0);
});
