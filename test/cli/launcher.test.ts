// The CLI's launcher (bin/sgfd, package.json "bin"): on Linux/glibc it starts Node with the malloc
// settings under which ORT runs without its arena (TUNED_MALLOC), keeps one process (exec: same pid,
// signals and exit status are Node's), keeps a user's own GLIBC_TUNABLES, and SGFD_MALLOC=default
// opts out. A run under the tuned malloc (arena off) gives the same metrics as one under the default.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TUNED_MALLOC, mallocTuned, onGlibc } from '../../src/runtime/index.ts';

const LAUNCHER = fileURLToPath(new URL('../../bin/sgfd', import.meta.url));
const skip = onGlibc() ? false : 'the launcher\'s malloc settings apply on Linux with glibc only';

test('package.json runs the launcher, and the launcher sets exactly TUNED_MALLOC', () => {
  const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { bin: Record<string, string> };
  assert.equal(pkg.bin.sgfd, 'bin/sgfd');
  const set = /glibc\.malloc[^"]*/.exec(readFileSync(LAUNCHER, 'utf8'))?.[0];
  assert.deepEqual(set?.split(':'), TUNED_MALLOC);
});

test('mallocTuned needs every setting', { skip }, () => {
  assert.equal(mallocTuned({ GLIBC_TUNABLES: TUNED_MALLOC.join(':') }), true);
  assert.equal(mallocTuned({ GLIBC_TUNABLES: ['glibc.cpu.x86_avx=0', ...TUNED_MALLOC].join(':') }), true);
  assert.equal(mallocTuned({ GLIBC_TUNABLES: TUNED_MALLOC.slice(1).join(':') }), false);
  assert.equal(mallocTuned({}), false);
});

/** Starts `sgfd serve` on `model` through the launcher, reads its pid's name, stops it with SIGTERM; its output and exit status. */
async function serve(model: string, env: NodeJS.ProcessEnv): Promise<{ stdout: string; comm: string; exit: number | null }> {
  const child = spawn(LAUNCHER, ['serve', '--model', model, '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 90_000; // a generous bound for a loaded machine, not a timing assertion
  while (!/listening on /.test(stdout) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
  try {
    assert.match(stdout, /listening on /, stderr);
    return {
      stdout,
      comm: readFileSync(`/proc/${child.pid}/comm`, 'utf8').trim(),
      exit: await (child.kill('SIGTERM'), exited),
    };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

test('through the launcher: the tuned malloc gives the same metrics as the default; Node is exec\'d with it (one process)', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sgfd-launcher-'));
  try {
    const sgfd = (args: string[], malloc: string) => {
      const r = spawnSync(LAUNCHER, args, { env: { ...process.env, SGFD_MALLOC: malloc }, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    };
    sgfd(['data', 'synth', '--out', join(dir, 'data'), '--users', '80', '--items', '60', '--density', '0.1', '--image-dim', '16', '--text-dim', '8', '--categories', '4'], 'default');
    const metrics = (malloc: string) => {
      sgfd(['train', '--data', join(dir, 'data'), '--backbone', 'bm3', '--sgfd', '--epochs', '3', '--quiet', '--out', join(dir, malloc)], malloc);
      const { seconds_per_epoch: _, ...metrics } = JSON.parse(readFileSync(join(dir, malloc, 'metrics.json'), 'utf8')) as Record<string, unknown>;
      const losses = readFileSync(join(dir, malloc, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { losses: unknown }).losses);
      return { metrics, losses };
    };
    assert.deepEqual(metrics('tuned'), metrics('default'), 'ORT without its arena computes the same run');
    const bad = spawnSync(LAUNCHER, ['train', '--data', join(dir, 'missing'), '--backbone', 'bm3', '--out', join(dir, 'x')], { encoding: 'utf8' });
    assert.notEqual(bad.status, 0, 'a failing command\'s exit status comes through the launcher');
    assert.match(bad.stderr, /missing/);

    const model = join(dir, 'model');
    sgfd(['export', '--run', join(dir, 'tuned'), '--out', model], 'tuned');
    const tuned = await serve(model, { ...process.env, GLIBC_TUNABLES: 'glibc.cpu.x86_avx=1' });
    assert.equal(tuned.comm, 'node', 'the launched pid is Node itself, not a shell around it');
    assert.equal(tuned.exit, 0, 'SIGTERM reached the server: a graceful stop');
    assert.match(tuned.stdout, /tuned malloc, ORT arenas off/, 'ours are added to a user\'s own tunables');
    const plain = await serve(model, { ...process.env, SGFD_MALLOC: 'default' });
    assert.equal(plain.exit, 0);
    assert.match(plain.stdout, /default malloc, ORT arenas on/, 'SGFD_MALLOC=default starts Node as is');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
