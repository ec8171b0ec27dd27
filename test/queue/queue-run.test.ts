// Pipeline trials and batch scoring as BullMQ jobs, against a real redis-server (skipped, with a
// message, where the binary is missing) and real `sgfd worker` processes: a tiny halving search on
// two workers writes every metrics.json as a local run does; `sgfd score --shards 2 --queue` writes
// the local `sgfd score` file; a worker killed with SIGKILL mid-run loses nothing (the run resumes
// on the other worker from its checkpoint, same metrics); a worker that cannot see the run tree
// refuses with one clear line; the queue's password is never printed.
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { tableFromIPC, type Table } from 'apache-arrow';
import { loadPipeline } from '../../src/pipeline/load.ts';
import { runPipeline } from '../../src/pipeline/runner.ts';
import { readSelection } from '../../src/pipeline/steps/train.ts';
import { MARKER_FILE } from '../../src/queue/shared-storage.ts';
import { sgfd } from '../run-cli.ts';
import { redisMissing, startRedis, startSgfd, startWorker, stopProcess, waitFor, waitingJobs, type CliProcess } from './redis-fixture.ts';

const DATA = 'data: { synth: { users: 120, items: 80, categories: 4, density: 0.08, imageDim: 32, textDim: 16, seed: 5 } }';
/** Two learning rates through one halving rung (both to epoch 1, the better one on), then the second seed. */
const TINY = `name: tiny\n${DATA}
train:
  backbones: [bm3]
  variants: [vanilla]
  epochs: 2
  patience: 2
  set: { embedding_dim: 8 }
  search: { method: halving, rungs: [1], reduction_factor: 2, params: { lr: [0.001, 0.01] } }
  seeds: [1, 2]
  threads: 1
export: {}
score: { k: 5, users: all }
`;
/** One run long enough to be killed in the middle. */
const LONG = `name: long\n${DATA}
train: { backbones: [bm3], variants: [vanilla], epochs: 120, patience: 120, set: { embedding_dim: 8 }, seeds: [1], threads: 1 }
`;

/** Every metrics.json below a train step, without its timing (seconds per epoch): the rest must match bit for bit. */
function runMetrics(trainDir: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === 'metrics.json' || e.name === 'halving_cut.json') {
        const { seconds_per_epoch: _, ...rest } = JSON.parse(readFileSync(p, 'utf8'));
        out[relative(trainDir, p)] = rest;
      }
    }
  };
  walk(trainDir);
  return out;
}

/** A score file's columns as raw bytes, and its metadata without the creation time. */
function scoreData(t: Table) {
  const columns = Object.fromEntries(t.schema.fields.map((f) => {
    const v = t.getChild(f.name)!.toArray();
    return [f.name, Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')];
  }));
  const metadata = Object.fromEntries([...t.schema.metadata].filter(([k]) => k !== 'sgfd.created'));
  return { fields: t.schema.fields.map(String), columns, metadata, rows: t.numRows };
}

const skip = redisMissing();

test('pipeline runs and score shards as jobs on a Redis queue with two workers', { skip: skip ?? false }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sgfd-queue-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const redis = await startRedis();
  t.after(() => redis.stop());
  const processes: CliProcess[] = [];
  t.after(async () => { await Promise.all(processes.map((p) => stopProcess(p.proc, 'SIGKILL'))); });
  const worker = async (name: string) => { const w = await startWorker(redis.url, name); processes.push(w); return w; };
  const background = (args: string[]) => { const p = startSgfd(args); processes.push(p); return p; };
  const workers = await Promise.all([worker('w1'), worker('w2')]);
  writeFileSync(join(dir, 'tiny.yaml'), TINY);
  writeFileSync(join(dir, 'long.yaml'), LONG);
  const local = (file: string) => runPipeline(loadPipeline(join(dir, file)), { out: join(dir, 'local'), quiet: true });

  await t.test('every metrics.json of a halving search on two workers equals the local run\'s', async () => {
    await local('tiny.yaml');
    const run = background(['pipeline', 'run', join(dir, 'tiny.yaml'), '--out', join(dir, 'queued'), '--queue', redis.url]);
    assert.equal(await run.exited, 0, run.output());
    const [a, b] = ['local', 'queued'].map((d) => join(dir, d, 'tiny/train'));
    assert.equal(Object.keys(runMetrics(a)).length, 3, 'the trial cut at the rung, the chosen trial (seed 1) and its seed 2');
    assert.deepEqual(runMetrics(b), runMetrics(a));
    assert.equal(readFileSync(join(b, 'selection.json'), 'utf8'), readFileSync(join(a, 'selection.json'), 'utf8'));
    assert.match(run.output(), /queue: 4\/4 done, 0 running, 0 waiting, 0 failed \| w\d: \d done/);
    assert.ok(existsSync(join(dir, 'queued/tiny/score/scores.arrow')), 'export and score ran here afterwards');
    assert.ok(!existsSync(join(b, MARKER_FILE)), 'the marker is removed at the end');
  });

  await t.test('sgfd score --shards 2 --queue writes the file a local sgfd score writes', async () => {
    const chosen = readSelection(join(dir, 'queued/tiny/train')).groups[0].runs[1].dir;
    const plain = await sgfd(['score', '--run', chosen, '--k', '7', '--out', join(dir, 'local.arrow')]);
    assert.equal(plain.code, 0, plain.stderr);
    const sharded = await sgfd(['score', '--run', chosen, '--k', '7', '--out', join(dir, 'sharded.arrow'), '--queue', redis.url, '--shards', '2']);
    assert.equal(sharded.code, 0, sharded.stderr);
    assert.match(sharded.stderr, /queue: 2\/2 done/);
    const [x, y] = ['local.arrow', 'sharded.arrow'].map((f) => scoreData(tableFromIPC(readFileSync(join(dir, f)))));
    assert.equal(x.rows, 120 * 7);
    assert.deepEqual(y, x);
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.shards-')), [], 'the shard directory is gone');
  });

  await t.test('a worker killed with SIGKILL mid-run: the other worker resumes the run; the metrics are the local run\'s', async () => {
    await local('long.yaml');
    const run = background(['pipeline', 'run', join(dir, 'long.yaml'), '--out', join(dir, 'queued'), '--queue', redis.url]);
    const runDir = join(dir, 'queued/long/train/bm3/vanilla/default/seed-1');
    const holder = () => workers.find((w) => w.output().includes('default/seed-1: started'));
    const epoch = () => { try { return JSON.parse(readFileSync(join(runDir, 'checkpoint/manifest.json'), 'utf8')).epoch as number; } catch { return 0; } };
    await waitFor(() => !!holder() && epoch() >= 3, 60_000, () => `the run never started:\n${run.output()}`);
    const victim = holder()!;
    const at = epoch();
    await stopProcess(victim.proc, 'SIGKILL');
    const other = workers.find((w) => w !== victim)!;
    assert.equal(await run.exited, 0, run.output());
    assert.ok(at < 120, 'killed mid-run');
    assert.match(other.output(), /default\/seed-1: started \(attempt 1 of 3, 1 stalled before\)/);
    assert.match(other.output(), /default\/seed-1: done in [\d.]+ s \(resumed: \d+ epochs; 120 epochs in all\)/);
    assert.match(run.output(), /stopped answering; the job is back in the queue/);
    assert.match(run.output(), /seed 1: valid recall@20 [\d.]+ \(resumed in/);
    assert.deepEqual(runMetrics(join(dir, 'queued/long/train')), runMetrics(join(dir, 'local/long/train')));
  });

  await t.test('Ctrl-C on the submitter withdraws its queued jobs; a re-run adopts the open jobs a killed one left', async () => {
    await Promise.all(workers.map((w) => stopProcess(w.proc, 'SIGTERM')));
    const args = ['pipeline', 'run', join(dir, 'tiny.yaml'), '--out', join(dir, 'again'), '--queue', redis.url];
    const queued = (p: CliProcess) => () => p.output().includes('queue: 0/2 done, 0 running, 2 waiting');
    const first = background(args);
    await waitFor(queued(first), 60_000, () => first.output());
    await stopProcess(first.proc, 'SIGINT');
    assert.match(first.output(), /SIGINT: withdrawing the queued jobs\n.*withdrew 2 queued jobs; 0 running ones finish on their workers/);
    assert.deepEqual(await waitingJobs(redis.port, redis.password), 0);
    const second = background(args);
    await waitFor(queued(second), 60_000, () => second.output());
    await stopProcess(second.proc, 'SIGKILL');
    assert.deepEqual(await waitingJobs(redis.port, redis.password), 2, 'a killed submitter leaves its jobs');
    const third = background(args);
    await waitFor(() => (third.output().match(/already queued \(an earlier submission\); waiting for it/g) ?? []).length === 2, 60_000, () => third.output());
    const late = await worker('w3');
    try {
      assert.equal(await third.exited, 0, third.output());
      assert.deepEqual(runMetrics(join(dir, 'again/tiny/train')), runMetrics(join(dir, 'local/tiny/train')));
      assert.equal(late.output().match(/: started/g)?.length, 4, 'each job ran once: the two trials to the rung, the survivor to the end, its second seed');
    } finally {
      await stopProcess(late.proc, 'SIGTERM');
    }
  });

  await t.test('a worker that cannot see the run tree refuses the first job, with one clear line', async () => {
    const run = background(['pipeline', 'run', join(dir, 'tiny.yaml'), '--out', join(dir, 'elsewhere'), '--queue', redis.url]);
    // With no worker listening the jobs wait; a marker this worker cannot read stands for storage it does not share.
    const marker = join(dir, 'elsewhere/tiny/train', MARKER_FILE);
    await waitFor(() => existsSync(marker), 60_000, () => `no marker:\n${run.output()}`);
    rmSync(marker);
    const blind = await worker('w4');
    assert.equal(await run.exited, 1, run.output());
    const refusal = /cannot see \S+\.sgfd-queue-marker\.json, written by the submitter on \S+: run directories and datasets must be on storage every worker sees at the same path \(NFS or similar\)/;
    assert.match(run.output(), new RegExp(`sgfd: step 'train' failed: bm3/vanilla/lr=[\\d.]+/seed-1 to epoch 1: failed on worker w4 after 1 attempt: worker on \\S+ ${refusal.source}`));
    assert.match(blind.output(), refusal);
  });

  await t.test('the password in the queue URL appears in no output; a wrong one is one line without it', async () => {
    const wrong = `wrong-${redis.password.slice(3)}`;
    const r = await sgfd(['worker', '--queue', `redis://:${wrong}@127.0.0.1:${redis.port}`]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `sgfd: cannot connect to the queue at redis://:***@127.0.0.1:${redis.port}: authentication failed (wrong or missing password) (3 attempts)\n`);
    for (const p of processes) {
      assert.ok(p.output().includes('redis://:***@127.0.0.1'), 'the address is shown, masked');
      assert.ok(!p.output().includes(redis.password), p.output());
    }
  });
});

test('an unreachable queue: one line naming the masked address, exit 1, no endless retries', async () => {
  // Nothing listens on port 1 of the loopback (a privileged port no test server takes).
  const url = 'redis://:hunter2-secret@127.0.0.1:1';
  const dir = mkdtempSync(join(tmpdir(), 'sgfd-queue-'));
  try {
    writeFileSync(join(dir, 'tiny.yaml'), TINY);
    const commands = [['worker', '--queue', url], ['pipeline', 'run', join(dir, 'tiny.yaml'), '--out', dir, '--queue', url], ['score', '--run', dir, '--out', join(dir, 's.arrow'), '--queue', url, '--shards', '2']];
    const t0 = performance.now();
    const results = await Promise.all(commands.map((args) => sgfd(args)));
    assert.ok(performance.now() - t0 < 30_000, 'each gave up in time');
    results.forEach((r, i) => {
      assert.equal(r.code, 1, commands[i][0]);
      assert.equal(r.stderr, 'sgfd: cannot connect to the queue at redis://:***@127.0.0.1:1: ECONNREFUSED (3 attempts)\n', commands[i][0]);
      assert.ok(!r.stdout.includes('hunter2'), r.stdout);
    });
    assert.deepEqual(readdirSync(dir).sort(), ['tiny.yaml'], 'nothing was written (no run tree, no shard directory)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
