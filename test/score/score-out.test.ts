// `sgfd score` (issue 13, items 11 and 16): by default every interaction the run trained or selected
// on (train + valid) is excluded, as --help and the file's metadata say; --out refuses an existing
// file without --force, and a directory, a path under a file or a directory it may not write in give
// one-line errors (no stack trace, no unhandled rejection).
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { sgfd } from '../run-cli.ts';
import { readDataset } from '../../src/data/arrow-io.ts';
import { type Dataset } from '../../src/data/dataset.ts';
import { writeFixtureData, trainFixtureRun, itemsOf } from '../run/fixtures.ts';

let root = '';
let run = '';
let ds: Dataset;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'sgfd-score-out-'));
  const data = await writeFixtureData(root, false);
  ds = readDataset(data);
  run = await trainFixtureRun(root, data, 'bm3', 'bm3', false);
});
after(() => rmSync(root, { recursive: true, force: true }));

const score = (out: string, ...extra: string[]) => ['score', '--run', run, '--k', '10', '--out', out, '--threads', '1', '--quiet', ...extra];

test('score excludes train and valid interactions by default, and says so in --help and in the metadata', async () => {
  const out = join(root, 'default.arrow');
  const r = await sgfd(score(out));
  assert.equal(r.code, 0, r.stderr);
  const table = tableFromIPC(readFileSync(out));
  assert.equal(table.schema.metadata.get('sgfd.exclude_seen'), 'train+valid');
  assert.match(table.schema.metadata.get('sgfd.exclude_seen_doc')!, /train and valid interactions \(everything the run trained or selected on; what test evaluation excludes\)/);
  const users = table.getChild('user_id')!.toArray() as Int32Array;
  const items = table.getChild('item_id')!.toArray() as Int32Array;
  const seen = Array.from({ length: ds.nUsers }, (_, u) => itemsOf(u, [ds.csr.train, ds.csr.valid]));
  for (let j = 0; j < users.length; j++) assert.ok(!seen[users[j]].has(items[j]), `user ${users[j]} is recommended item ${items[j]} it trained or validated on`);
  const help = await sgfd(['score', '--help']);
  assert.match(help.stdout.replace(/\s+/g, ' '), /--exclude-seen .*the default is every interaction the run trained or selected on \(train and valid: what test evaluation excludes\).*\[default: "train\+valid"\]/);
});

test('--out: an existing file needs --force; a directory, a path under a file and an unwritable directory are one-line errors', async () => {
  const existing = join(root, 'existing.arrow');
  writeFileSync(existing, 'keep me');
  const refused = await sgfd(score(existing));
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^sgfd: --out .*existing\.arrow: the file exists \(pass --force to replace it\)\n$/);
  assert.equal(readFileSync(existing, 'utf8'), 'keep me');
  const forced = await sgfd(score(existing, '--force'));
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal(tableFromIPC(readFileSync(existing)).schema.metadata.get('sgfd.k'), '10');

  const dir = join(root, 'a-directory.arrow');
  mkdirSync(dir);
  const isDir = await sgfd(score(dir, '--force'));
  assert.equal(isDir.code, 1);
  assert.match(isDir.stderr, /^sgfd: --out .*a-directory\.arrow: expected a file path, got a directory\n$/);

  const underFile = await sgfd(score(join(existing, 'x.arrow')));
  assert.equal(underFile.code, 1);
  assert.match(underFile.stderr, /^sgfd: --out .*existing\.arrow\/x\.arrow: .*existing\.arrow is a file, not a directory\n$/);

  // A directory this user may not write in (as root, the CLI runs as nobody: root may write anywhere).
  const locked = join(root, 'locked');
  mkdirSync(locked);
  chmodSync(locked, 0o555);
  const asRoot = process.getuid?.() === 0;
  if (asRoot) for (const p of [root, run, join(run, 'checkpoint')]) chmodSync(p, statSync(p).mode | 0o755);
  if (asRoot) for (const f of readdirSync(run, { recursive: true }) as string[]) chmodSync(join(run, f), statSync(join(run, f)).mode | 0o444);
  const readOnly = await sgfd(score(join(locked, 's.arrow')), asRoot ? 65534 : undefined);
  assert.equal(readOnly.code, 1, readOnly.stderr);
  assert.match(readOnly.stderr, /^sgfd: --out .*locked\/s\.arrow: cannot write in .*locked \(permission denied\)\n$/);
  assert.deepEqual(readdirSync(locked), []);
});

test('a leftover of a killed score beside --out is removed at the next score there', async () => {
  const dir = join(root, 'leftovers');
  mkdirSync(dir);
  const stale = '.s.arrow.partial-2147483600-k2j3abc-x1y2z3';
  writeFileSync(join(dir, stale), 'half');
  const r = await sgfd(score(join(dir, 's.arrow')));
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readdirSync(dir), ['s.arrow']);
});
