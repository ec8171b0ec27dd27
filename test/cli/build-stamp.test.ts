// The compiled build (dist/, `npm run build`) runs only while it is current: its stamp must hash
// the sources as they are (bin/build-stamp.js); an edited, added or removed source makes it stale and
// the CLI runs the sources through tsx. When the repository's build is current, a run on it gives
// the same metrics as the same run on the sources (SGFD_LOADER=tsx), its train worker and the child
// processes of a `--jobs 2` pipeline included.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { currentBuild, sourceHash } from '../../bin/build-stamp.js';
import { SGFD_BIN } from '../run-cli.ts';

test('a build is current only while its stamp hashes the sources: an edit, a new file or a missing stamp makes it stale', () => {
  const root = mkdtempSync(join(tmpdir(), 'sgfd-stamp-'));
  try {
    const put = (path: string, text: string) => { mkdirSync(join(root, path, '..'), { recursive: true }); writeFileSync(join(root, path), text); };
    put('src/cli/main.ts', 'export const a = 1;\n');
    put('bench/x.ts', 'export {};\n');
    put('tsconfig.json', '{}\n');
    assert.equal(currentBuild(root), null, 'no dist/');
    const stamp = () => put('dist/stamp.json', JSON.stringify({ sources: sourceHash(root) }));
    stamp();
    const build = currentBuild(root);
    assert.ok(build, 'stamped just now');
    assert.match(build.cli, /\/dist\/src\/cli\/main\.js$/);
    put('src/cli/main.ts', 'export const a = 2;\n');
    assert.equal(currentBuild(root), null, 'a source edited after the build');
    stamp();
    put('src/extra.ts', 'export {};\n');
    assert.equal(currentBuild(root), null, 'a source added after the build');
    stamp();
    put('tsconfig.json', '{"compilerOptions":{}}\n');
    assert.equal(currentBuild(root), null, 'the compiler settings changed');
    stamp();
    put('dist/src/cli/main.js', 'compiled output is not an input\n');
    assert.ok(currentBuild(root), 'dist/ itself is not hashed');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

const skip = currentBuild() ? false : 'dist/ is absent or stale (npm run build; npm install runs it): the compiled CLI is not tested here';

/** Runs the CLI on the compiled build, or with loader 'tsx' on the sources; it must succeed. */
function sgfd(args: string[], loader?: string): void {
  const r = spawnSync(process.execPath, [SGFD_BIN, ...args], { env: { ...process.env, SGFD_LOADER: loader ?? '' }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

test('the compiled CLI trains (in its worker) to the same metrics as the sources through tsx', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sgfd-compiled-'));
  try {
    sgfd(['data', 'synth', '--out', join(dir, 'data'), '--users', '80', '--items', '60', '--density', '0.1', '--image-dim', '16', '--text-dim', '8', '--categories', '4']);
    const run = (out: string, loader?: string) => {
      sgfd(['train', '--data', join(dir, 'data'), '--backbone', 'bm3', '--sgfd', '--epochs', '3', '--threads', '1', '--out', join(dir, out)], loader);
      const { valid, test: tested, best_epoch: best } = JSON.parse(readFileSync(join(dir, out, 'metrics.json'), 'utf8'));
      return { valid, tested, best };
    };
    const compiled = run('compiled');
    const sources = run('sources', 'tsx');
    assert.ok(compiled.tested['recall@20'] > 0, 'it learned something');
    assert.deepEqual(compiled, sources);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a compiled --jobs 2 pipeline boots its run processes from the build and matches the sources', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sgfd-compiled-jobs-'));
  try {
    const file = join(dir, 'tiny.yaml');
    writeFileSync(file, 'name: tiny\ndata: { synth: { users: 80, items: 60, categories: 4, density: 0.1, imageDim: 16, textDim: 8, seed: 3 } }\n'
      + 'train: { backbones: [bm3], variants: [vanilla], epochs: 3, seeds: [1, 2] }\n');
    const metrics = (out: string, loader?: string) => {
      sgfd(['pipeline', 'run', file, '--jobs', '2', '--only', 'data', '--out', join(dir, out)], loader);
      sgfd(['pipeline', 'run', file, '--jobs', '2', '--only', 'train', '--quiet', '--out', join(dir, out)], loader);
      const runs = join(dir, out, 'tiny', 'train', 'bm3', 'vanilla', 'default');
      return readdirSync(runs).sort().map((seed) => {
        const { valid, test: tested } = JSON.parse(readFileSync(join(runs, seed, 'metrics.json'), 'utf8'));
        return { seed, valid, tested };
      });
    };
    const compiled = metrics('compiled');
    assert.equal(compiled.length, 2, 'two seeds ran');
    assert.deepEqual(compiled, metrics('sources', 'tsx'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
