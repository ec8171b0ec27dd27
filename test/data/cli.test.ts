// `sgfd data …` end to end through bin/sgfd.js: exit codes, one-line errors, no partial output.
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sgfd as run } from '../run-cli.ts';
import { tempDir, writeLines } from './helpers.ts';

test('data synth then data stats --json', async (t) => {
  const out = join(tempDir(t), 'synthetic');
  const synth = await run(['data', 'synth', '--out', out, '--users', '200', '--items', '120', '--categories', '4', '--density', '0.04', '--image-dim', '32', '--text-dim', '16', '--seed', '3']);
  assert.equal(synth.code, 0, synth.stderr);
  assert.match(synth.stdout, /SYNTHETIC dataset, 200 users, 120 items/);
  const stats = await run(['data', 'stats', out, '--json']);
  assert.equal(stats.code, 0, stats.stderr);
  const s = JSON.parse(stats.stdout);
  assert.equal(s.users, 200);
  assert.equal(s.items, 120);
  assert.equal(s.synthetic, true);
  assert.equal(s.labels, 4);
  assert.deepEqual(s.modalities, { image: 32, text: 16 });
  assert.equal(s.splits.train + s.splits.valid + s.splits.test, s.interactions);
  const text = await run(['data', 'stats', out]);
  assert.match(text.stdout, /^SYNTHETIC dataset/);
});

test('a failing import exits non-zero with one line naming file, line and column, and leaves nothing', async (t) => {
  const dir = tempDir(t);
  const inter = writeLines(dir, 'bad.inter', ['userID\titemID\tx_label', '0\t0\t0', '1\t-4\t0']);
  const r = await run(['data', 'import', '--format', 'mmrec', '--inter', inter, '--out', join(dir, 'out')]);
  assert.notEqual(r.code, 0); // main.ts exits 2 for errors that reach yargs' fail handler
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /^sgfd: bad\.inter: line 3, column itemID: expected an item id in \[0, 2147483646\], got "-4"\n$/);
  assert.equal(existsSync(join(dir, 'out')), false);
  assert.deepEqual(readdirSync(dir), ['bad.inter']);
});

test('import with flags: csv, duplicates dropped with a warning, stats reads it back', async (t) => {
  const dir = tempDir(t);
  const input = writeLines(dir, 'e.csv', ['user,item,split', 'ann,tea,train', 'ann,cake,test', 'ann,tea,train', 'bob,tea,train', 'bob,jam,valid']);
  const out = join(dir, 'ds');
  const r = await run(['data', 'import', '--format', 'csv', '--input', input, '--duplicates', 'drop', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^sgfd: warning: dropped 1 duplicate \(user, item\) row \(first: e\.csv: line 4/);
  assert.match(r.stdout, /2 users, 3 items, 4 interactions/);
  const s = JSON.parse((await run(['data', 'stats', out, '--json'])).stdout);
  assert.deepEqual(s.splits, { train: 2, valid: 1, test: 1 });
  assert.ok(existsSync(join(out, 'user_ids.arrow')) && existsSync(join(out, 'item_ids.arrow')));
  const again = await run(['data', 'import', '--format', 'csv', '--input', input, '--duplicates', 'drop', '--out', out]);
  assert.notEqual(again.code, 0);
  assert.match(again.stderr, /exists \(pass --force to replace it\)/);
});
