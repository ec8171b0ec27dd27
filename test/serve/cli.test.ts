// `sgfd score` and `sgfd export` through bin/sgfd.js: success lines, exit codes, one-line errors,
// no output left behind on failure.
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { tempDir, writeFixtureData, trainFixtureRun, sgfd } from '../run/fixtures.ts';

test('sgfd score and sgfd export: outputs, exit codes and one-line errors', async (t) => {
  const root = tempDir(t);
  const run = await trainFixtureRun(root, await writeFixtureData(root, false), 'bm3', 'bm3', true);
  const out = join(root, 'out', 'top.arrow');
  const ok = await sgfd(['score', '--run', run, '--k', '4', '--out', out, '--shard', '1/2', '--exclude-seen', 'none', '--threads', '1']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /top\.arrow: 180 rows for 45 users in [\d.]+ s \(\d+ users\/s\)\n$/);
  const table = tableFromIPC(readFileSync(out));
  assert.equal(table.getChild('user_id')!.get(0), 45, 'shard 1/2 starts at the 46th user');
  assert.equal(table.schema.metadata.get('sgfd.shard'), '1/2');

  const failures: [string[], RegExp][] = [
    [['score', '--run', run, '--out', join(root, 'x.arrow'), '--shard', '2/2'], /^sgfd: --shard: expected i\/n with 0 ≤ i < n \(e\.g\. 0\/4\), got '2\/2'\n$/],
    [['score', '--run', run, '--out', join(root, 'x.arrow'), '--k', '61'], /^sgfd: --k must be an integer in \[1, 60\] \(the number of items\), got 61\n$/],
    [['score', '--run', run, '--out', join(root, 'x.arrow'), '--users', '3,999'], /^sgfd: --users, entry 2: unknown user '999' \(expected a dense id in \[0, 90\)\)\n$/],
    [['score', '--run', join(root, 'nope'), '--out', join(root, 'x.arrow')], /^sgfd: .*nope\/config\.json: not found\n$/],
    [['export', '--run', run, '--out', join(root, 'out')], /^sgfd: .*out: expected a new or empty output directory, it exists \(pass --force to replace it\)\n$/],
  ];
  for (const [args, message] of failures) {
    const r = await sgfd(args);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  assert.equal(existsSync(join(root, 'x.arrow')), false);
  assert.deepEqual(readdirSync(join(root, 'out')), ['top.arrow']);

  const exported = await sgfd(['export', '--run', run, '--out', join(root, 'model'), '--threads', '1']);
  assert.equal(exported.code, 0, exported.stderr);
  assert.match(exported.stdout, /model: bm3, 90 users × 60 items, d = 8; student\.onnx \(cold start\); scores reproduced to [\d.e+-]+ \(tolerance 0\.00001\)\n$/);
});
