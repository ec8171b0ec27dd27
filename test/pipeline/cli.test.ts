// `sgfd pipeline` and `sgfd demo` through bin/sgfd.js: a bad file exits 1 with one line naming the
// key; the demo's plan (dry run) lists every step; status reads a tree that does not exist yet.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/sgfd.js', import.meta.url));
function sgfd(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('CLI: a schema error exits 1 with one line naming the file and the key', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sgfd-pipeline-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, 'data: { synth: {} }\ntrain: { backbones: [bm3], variants: [vanila] }\n');
  const r = sgfd(['pipeline', 'run', file, '--out', join(dir, 'runs')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^sgfd: .*bad\.yaml: train\.variants\[0\]: expected one of vanilla, sgfd, .*; got 'vanila'\n$/);
  assert.ok(!existsSync(join(dir, 'runs')), 'nothing written');
});

test('CLI: sgfd demo --dry-run plans all seven steps; status says pending', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sgfd-pipeline-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const plan = sgfd(['demo', '--dry-run', '--out', dir]);
  assert.equal(plan.code, 0, plan.stderr);
  for (const step of ['data', 'teacher', 'train', 'report', 'export', 'score', 'plots']) assert.match(plan.stdout, new RegExp(`^${step} +would run`, 'm'));
  assert.match(plan.stdout, /train: bm3\/sgfd: default × seeds 1, 2/);
  const status = sgfd(['pipeline', 'status', fileURLToPath(new URL('../../pipelines/demo.yaml', import.meta.url)), '--out', dir]);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /^train +pending/m);
  assert.match(status.stdout, /0 of 4 runs finished/);
});
