// What a careless or hostile user must not achieve with `sgfd data` (issue 13, items 2, 10, 12, 13):
// giant or sparse ids are refused (or --reindex'ed) before anything is allocated from them; a
// dataset without manifest.json is refused until `sgfd data manifest` recreates it; a header-only
// interactions file is an error; leftovers of killed writes are cleaned up; a directory, a 0-column
// .npy and an --out that is a file get clear one-line messages.
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sgfd } from '../run-cli.ts';
import { MANIFEST_FILE, readDataset, readIdMap, writeDataset } from '../../src/data/arrow-io.ts';
import { importDataset, importParts } from '../../src/data/import/pipeline.ts';
import { writeNpy } from '../../src/data/npy.ts';
import { generateSynthetic } from '../../src/data/synth.ts';
import { rowCoded, tempDir, writeLines } from './helpers.ts';

const oneLine = (re: RegExp) => (e: Error) => e.name === 'DataError' && re.test(e.message) && !e.message.includes('\n');

/** A small MMRec .inter (three users, four items) with `extra` rows appended. */
function inter(dir: string, extra: string[] = [], name = 'x.inter'): string {
  return writeLines(dir, name, ['userID\titemID\tx_label', '0\t0\t0', '0\t1\t2', '1\t1\t0', '1\t2\t1', '2\t2\t0', '2\t3\t2', ...extra]);
}

test('a typo\'d giant id is refused at once, naming file, line, column, id and bound; nothing is allocated from it', (t) => {
  const dir = tempDir(t);
  const path = inter(dir, ['2000000000\t0\t0']);
  assert.throws(() => importParts({ format: 'mmrec', inter: path }), oneLine(
    /^x\.inter: line 8, column userID: expected user ids below 1008 \(2 × 4 distinct user ids \+ 1000: a larger id would create 1999999997 empty users; pass --reindex to map the ids that occur densely\), got 2000000000$/,
  ));
  assert.throws(() => importParts({ format: 'mmrec', inter: inter(dir, ['0\t10000000\t0'], 'y.inter') }), oneLine(/^y\.inter: line 8, column itemID: expected item ids below 1010 .*got 10000000$/));
});

test('--reindex maps sparse ids densely, keeps the originals in the id maps and takes feature and label rows by original id', async (t) => {
  const dir = tempDir(t);
  const path = writeLines(dir, 's.inter', ['userID\titemID\tx_label', '5\t3000\t0', '5\t7\t2', '900000\t7\t0', '900000\t12\t1', '17\t12\t0', '17\t3000\t2']);
  writeNpy(join(dir, 'text.npy'), rowCoded(3001, 2), [3001, 2]);
  const labels = writeLines(dir, 'l.tsv', ['itemID\tlabel', '7\t1', '12\t0', '3000\t2', '99\t1']);
  const warnings: string[] = [];
  const out = join(dir, 'ds');
  await importDataset({ format: 'mmrec', inter: path, reindex: true, features: [{ name: 'text', path: join(dir, 'text.npy') }], labels, warn: (m) => warnings.push(m) }, out);
  const ds = readDataset(out);
  assert.deepEqual([ds.nUsers, ds.nItems], [3, 3]);
  assert.deepEqual(readIdMap(out, 'user'), ['5', '17', '900000']);
  assert.deepEqual(readIdMap(out, 'item'), ['7', '12', '3000']);
  assert.deepEqual(Array.from(ds.modalities[0].data), [7, 7.5, 12, 12.5, 3000, 3000.5]);
  assert.deepEqual(Array.from(ds.labels!), [1, 0, 2]);
  assert.deepEqual(warnings, ['l.tsv: 1 row name items that are not in the interactions (--reindex keeps only those); ignored']);
  assert.equal(JSON.parse(ds.meta.notes.import).reindex, true);
  // Without --reindex the same file is refused, and a feature file too short for the original ids is named.
  assert.throws(() => importParts({ format: 'mmrec', inter: path }), oneLine(/^s\.inter: line 4, column userID: expected user ids below 1006 .*got 900000$/));
  writeNpy(join(dir, 'short.npy'), rowCoded(100, 2), [100, 2]);
  assert.throws(() => importParts({ format: 'mmrec', inter: path, reindex: true, features: [{ name: 'text', path: join(dir, 'short.npy') }] }),
    oneLine(/^short\.npy: rows: expected at least 3001 \(row i = item id i; --reindex keeps the rows of the 3 items in itemID of s\.inter\), got 100$/));
});

test('sgfd-csv: sparse ids refused; --reindex through the CLI writes id maps from reviewerID/asin', async (t) => {
  const dir = tempDir(t);
  writeLines(dir, 'train.csv', ['itemID,userID,reviewerID,asin', '0,0,RA,B0', '50000,0,RA,B5', '0,70000,RB,B0', '50000,70000,RB,B5']);
  writeLines(dir, 'test.csv', ['itemID,userID,reviewerID,asin', '7,0,RA,B7', '7,70000,RB,B7']);
  const refused = await sgfd(['data', 'import', '--format', 'sgfd-csv', '--dir', dir, '--out', join(dir, 'a')]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^sgfd: train\.csv: line 4, column userID: expected user ids below 1004 .*got 70000\n$/);
  assert.ok(!existsSync(join(dir, 'a')));
  const ok = await sgfd(['data', 'import', '--format', 'sgfd-csv', '--dir', dir, '--out', join(dir, 'b'), '--reindex']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual([readIdMap(join(dir, 'b'), 'user'), readIdMap(join(dir, 'b'), 'item')], [['RA', 'RB'], ['B0', 'B7', 'B5']]);
});

test('a header-only interactions file is an error (exit 1), not a 0 × 0 dataset', async (t) => {
  const dir = tempDir(t);
  const path = writeLines(dir, 'empty.inter', ['userID\titemID\tx_label']);
  assert.throws(() => importParts({ format: 'mmrec', inter: path }), oneLine(/^empty\.inter: expected at least one interaction below the header, got "none \(header only\)"$/));
  const csv = writeLines(dir, 'empty.csv', ['user,item']);
  const r = await sgfd(['data', 'import', '--format', 'csv', '--input', csv, '--out', join(dir, 'out')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^sgfd: empty\.csv: expected at least one interaction below the header/);
  assert.ok(!existsSync(join(dir, 'out')));
});

test('a dataset without manifest.json is refused until `sgfd data manifest` recreates it explicitly', async (t) => {
  const dir = join(tempDir(t), 'ds');
  await writeDataset(dir, generateSynthetic({ users: 40, items: 30, categories: 3, density: 0.1, imageDim: 4, textDim: 3, seed: 2 }));
  const manifest = readFileSync(join(dir, MANIFEST_FILE), 'utf8');
  rmSync(join(dir, MANIFEST_FILE));
  assert.throws(() => readDataset(dir), oneLine(/manifest\.json: expected the dataset's manifest .*got no such file; to trust the files as they are now, recreate it with: sgfd data manifest .*ds$/));
  const stats = await sgfd(['data', 'stats', dir]);
  assert.equal(stats.code, 1);
  const made = await sgfd(['data', 'manifest', dir]);
  assert.equal(made.code, 0, made.stderr);
  assert.match(made.stdout, /manifest\.json written; 40 users, 30 items\n$/);
  assert.equal(readFileSync(join(dir, MANIFEST_FILE), 'utf8'), manifest, 'the same digests the writer recorded');
  assert.match((await sgfd(['data', 'manifest', dir])).stdout, /already up to date/);
  // A file changed since (another dataset's items of the same shape): the manifest is not silently rewritten.
  const other = join(dir, '..', 'other');
  await writeDataset(other, generateSynthetic({ users: 40, items: 30, categories: 3, density: 0.1, imageDim: 4, textDim: 3, seed: 3 }));
  writeFileSync(join(dir, 'items.arrow'), readFileSync(join(other, 'items.arrow')));
  const changed = await sgfd(['data', 'manifest', dir]);
  assert.equal(changed.code, 1);
  assert.match(changed.stderr, /^sgfd: .*manifest\.json: records other bytes for items\.arrow than the files have now .*pass --force/);
});

test('leftovers of killed writes are removed at the next import into the same parent, unless their process lives', async (t) => {
  const parent = tempDir(t);
  const dead = 2147483600; // no such pid
  const leftovers = [`.ds.partial-${dead}-abc123-x1y2z3`, `.other.partial-${dead}-abc123-x1y2z3`, `.scores.arrow.partial-${dead}-k2j3`];
  for (const l of leftovers.slice(0, 2)) mkdirSync(join(parent, l, 'sub'), { recursive: true });
  writeFileSync(join(parent, leftovers[2]), 'half');
  const live = `.ds.partial-${process.pid}-abc123-x1y2z3`; // a write of a running process
  mkdirSync(join(parent, live));
  const orphanOld = `.gone.old-${dead}-abc123-x1y2z3`; // the only copy of 'gone' (killed between renames)
  mkdirSync(join(parent, orphanOld));
  await importDataset({ format: 'mmrec', inter: inter(parent) }, join(parent, 'ds'));
  assert.deepEqual(readdirSync(parent).filter((n) => n.startsWith('.')).sort(), [live, orphanOld].sort());
});

test('messages: a directory where a file is expected (and a file where a directory is), a 0-column .npy, --out pointing at a file', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'adir.inter'));
  assert.throws(() => importParts({ format: 'mmrec', inter: join(dir, 'adir.inter') }), oneLine(/^adir\.inter: expected a readable text file, got "a directory"$/));
  mkdirSync(join(dir, 'feat.npy'));
  assert.throws(() => importParts({ format: 'mmrec', inter: inter(dir), features: [{ name: 'text', path: join(dir, 'feat.npy') }] }), oneLine(/^feat\.npy: expected a \.npy file, got "a directory"$/));
  writeNpy(join(dir, 'zero.npy'), new Float32Array(0), [4, 0]);
  assert.throws(() => importParts({ format: 'mmrec', inter: inter(dir), features: [{ name: 'text', path: join(dir, 'zero.npy') }] }),
    oneLine(/^zero\.npy: shape: expected a 2-D array \(items × dim\) with at least one column, got "\(4, 0\)"$/));
  const file = writeLines(dir, 'occupied', ['x']);
  assert.throws(() => readDataset(file), oneLine(/occupied: expected a dataset directory \(written by sgfd data import\/synth\), got "a file"$/));
  assert.throws(() => readDataset(join(dir, 'nowhere')), oneLine(/nowhere: expected a dataset directory, got "no such directory"$/));
  for (const out of [file, join(file, 'sub')]) {
    const r = await sgfd(['data', 'import', '--format', 'mmrec', '--inter', inter(dir), '--out', out]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^sgfd: .*occupied(\/sub)?: expected an output directory, (got an existing file|but .*occupied is a file, not a directory)\n$/);
  }
});

/**
 * A random MMRec source (.inter rows, a feature .npy, maybe a label table): half of them clean (with
 * boundary values such as 3e38 and 1e-45 in the features), half with a few broken cells or files.
 */
function fuzzSource(dir: string, seed: number): { inter: string; features: { name: string; path: string }[]; labels?: string } {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
  const broken = rand() < 0.5;
  const spoil = (clean: () => string, bad: string[]) => () => (broken && rand() < 0.08 ? pick(bad) : clean());
  const id = spoil(() => String(Math.floor(rand() * 6)), ['-1', '2147483647', '2000000000', '1e3', '3.5', '', 'abc', '0x10', '99999999999', '4000']);
  const split = spoil(() => pick(['0', '0', '0', '1', '2']), ['3', '-1', 'train', '']);
  const rows = Array.from({ length: Math.floor(rand() * 25) }, () => [id(), id(), split()].join('\t') + (broken && rand() < 0.02 ? '\textra' : ''));
  const inter = writeLines(dir, `f${seed}.inter`, ['userID\titemID\tx_label', ...rows]);
  const maxItem = Math.max(-1, ...rows.map((r) => Number(r.split('\t')[1])).filter((v) => Number.isInteger(v) && v >= 0 && v < 10000));
  const nRows = broken && rand() < 0.3 ? pick([0, 3, maxItem + 2]) : maxItem + 1;
  const dim = broken && rand() < 0.2 ? 0 : pick([1, 3]);
  const value = () => (rand() < 0.9 ? rand() * 2 - 1 : broken ? pick([NaN, Infinity, -Infinity, 3e38, 1e-45]) : pick([3e38, -3e38, 1e-45, 0, -0]));
  writeNpy(join(dir, `f${seed}.npy`), Float32Array.from({ length: Math.max(0, nRows) * dim }, value), [Math.max(0, nRows), dim]);
  const label = spoil(() => pick(['0', '1', '2']), ['x', '', '-3', '2147483648']);
  const labels = rand() < 0.5 ? writeLines(dir, `f${seed}.tsv`, ['itemID\tlabel', ...Array.from({ length: maxItem + 1 }, (_, i) => `${spoil(() => String(i), ['-1', 'abc', '70000'])()}\t${label()}`)]) : undefined;
  return { inter, features: [{ name: 'text', path: join(dir, `f${seed}.npy`) }], labels };
}

test('fuzz: random and boundary import sources give a one-line DataError or a dataset that loads with finite features', async (t) => {
  const dir = tempDir(t);
  let imported = 0;
  for (let seed = 1; seed <= 120; seed++) {
    const src = fuzzSource(dir, seed);
    const out = join(dir, `out-${seed}`);
    for (const reindex of [false, true]) {
      try {
        await importDataset({ format: 'mmrec', ...src, reindex, allowMissingLabels: seed % 3 === 0, duplicates: 'drop', coldUsers: 'filter' }, out, { force: true });
      } catch (e) {
        assert.ok(e instanceof Error, String(e));
        assert.ok(!e.message.includes('\n'), `seed ${seed}: ${e.message}`);
        assert.match(e.message, /^(f\d+\.(inter|npy|tsv)|interactions\.arrow|items\.arrow|--\w+)/, `seed ${seed}: names the file or flag: ${e.message}`);
        assert.ok(!existsSync(out) || reindex, `seed ${seed}: nothing written on error`);
        continue;
      }
      const ds = readDataset(out);
      assert.ok(ds.nUsers > 0 && ds.nItems > 0 && ds.interactions.user.length > 0);
      assert.ok(ds.modalities.every((m) => m.dim > 0 && m.data.every(Number.isFinite)));
      imported++;
    }
  }
  assert.ok(imported > 0, 'some sources import');
  assert.deepEqual(readdirSync(dir).filter((n) => n.includes('.partial-')), [], 'no leftovers');
});
