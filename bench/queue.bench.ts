// Issue 15: the wall time of a 12-trial grid search (vanilla BM3, lr × reg_weight = 3 × 4, one seed
// each, d = 16) on a small SYNTHETIC dataset, three ways in the same bench run: locally with
// `sgfd pipeline run --jobs 1` (the baseline), and through the BullMQ queue on a redis-server of
// its own (test/queue/redis-fixture.ts) with 1 and with 2 `sgfd worker --concurrency 1 --threads 1`
// processes. Every run is a whole `sgfd pipeline run` (data + train steps) into a fresh --out
// directory; workers are started (and ready) before the clock starts and stopped after. Rounds are
// interleaved, the order rotating each round; a second round runs only if the first one suggests
// the whole bench stays under ~10 minutes. The machine is small (2 cores) and shared: the load
// average is printed with every run and only medians and ratios within one bench run mean much.
// Every configuration must produce the same metrics (but seconds_per_epoch), which is checked.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { median } from './stats.ts';
import { redisMissing, startRedis, startSgfd, stopProcess, waitFor, type CliProcess, type RedisHandle } from '../test/queue/redis-fixture.ts';

const TRIALS = 12;
const DATA = { users: 400, items: 300, categories: 6, density: 0.1, imageDim: 1024, textDim: 384, seed: 7 };
const EPOCHS = Number(process.env.QUEUE_BENCH_EPOCHS ?? 20);
const MAX_ROUNDS = Number(process.env.QUEUE_BENCH_ROUNDS ?? 2);
/** A second round only if the first, repeated, keeps the bench under this many seconds. */
const BUDGET_S = 600;

const PIPELINE = `name: qbench
data: { synth: { ${Object.entries(DATA).map(([k, v]) => `${k}: ${v}`).join(', ')} } }
train:
  backbones: [bm3]
  variants: [vanilla]
  epochs: ${EPOCHS}
  patience: ${EPOCHS}
  threads: 1
  set: { embedding_dim: 16 }
  search: { method: grid, params: { lr: [0.0005, 0.001, 0.005], reg_weight: [0.01, 0.05, 0.1, 0.3] } }
  seeds: [1]
`;

type Config = 'local' | 'one_worker' | 'two_workers';
const CONFIGS: Config[] = ['local', 'one_worker', 'two_workers'];
const WORKERS: Record<Config, number> = { local: 0, one_worker: 1, two_workers: 2 };
const LABEL: Record<Config, string> = { local: 'local --jobs 1', one_worker: 'queue, 1 worker', two_workers: 'queue, 2 workers' };

interface Sample { config: Config; round: number; wallS: number; trainS: number | null; trialS: number[]; queueLine: string | null; load: [number, number]; metrics: Record<string, unknown> }

const load1 = () => loadavg()[0];
const loadText = () => loadavg().map((x) => x.toFixed(2)).join(' ');
const f1 = (x: number) => x.toFixed(1);
const f3 = (x: number) => x.toFixed(3);

/** Every metrics.json of the train step, keyed by run directory, without its timing. */
function runMetrics(trainDir: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) { if (e.name !== 'checkpoint') walk(p); } else if (e.name === 'metrics.json') {
        const { seconds_per_epoch: _, ...rest } = JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;
        out[relative(trainDir, p)] = rest;
      }
    }
  };
  walk(trainDir);
  return out;
}

/** `sgfd worker` processes for this run, each ready for jobs before the clock starts. */
async function startWorkers(redis: RedisHandle, n: number, round: number): Promise<CliProcess[]> {
  return Promise.all(Array.from({ length: n }, async (_, i) => {
    const name = `qb-r${round}-w${i + 1}`;
    const w = startSgfd(['worker', '--queue', redis.url, '--name', name, '--concurrency', '1', '--threads', '1']);
    await waitFor(() => w.output().includes('waiting for jobs'), 120_000, () => `worker ${name} did not start:\n${w.output()}`);
    return w;
  }));
}

async function runOnce(config: Config, round: number, dir: string, file: string, redis: RedisHandle): Promise<Sample> {
  const out = join(dir, `r${round}-${config}`);
  const workers = await startWorkers(redis, WORKERS[config], round);
  try {
    const args = ['pipeline', 'run', file, '--out', out, ...(config === 'local' ? ['--jobs', '1'] : ['--queue', redis.url])];
    const before = load1();
    const t0 = performance.now();
    const p = startSgfd(args);
    const code = await p.exited;
    const wallS = (performance.now() - t0) / 1000;
    const text = p.output();
    if (code !== 0) throw new Error(`${LABEL[config]} (round ${round}) exited ${code}:\n${text.slice(-3000)}`);
    const metrics = runMetrics(join(out, 'qbench/train'));
    if (Object.keys(metrics).length !== TRIALS) throw new Error(`${LABEL[config]}: expected ${TRIALS} runs, found ${Object.keys(metrics).length}`);
    const trainS = text.match(/^train\s+ran\s.*?([\d.]+)\s*$/m);
    const trialS = [...text.matchAll(/\((?:trained|done) in ([\d.]+) s/g)].map((m) => Number(m[1]));
    const queueLines = text.match(/queue: \d+\/\d+ done[^\n\r]*/g);
    return { config, round, wallS, trainS: trainS ? Number(trainS[1]) : null, trialS, queueLine: queueLines ? queueLines[queueLines.length - 1] : null, load: [before, load1()], metrics };
  } finally {
    await Promise.all(workers.map((w) => stopProcess(w.proc, 'SIGTERM')));
    rmSync(out, { recursive: true, force: true });
  }
}

function describe(s: Sample): string {
  const train = s.trainS === null ? '' : `, train step ${f1(s.trainS)} s`;
  const trial = s.trialS.length ? `, median trial ${f1(median(s.trialS))} s (${s.trialS.length} reported)` : '';
  const q = s.queueLine ? `\n      last progress: ${s.queueLine.trim()}` : '';
  return `  round ${s.round} ${LABEL[s.config].padEnd(17)} ${f1(s.wallS).padStart(6)} s wall${train}${trial}; load 1-min ${s.load[0].toFixed(2)} → ${s.load[1].toFixed(2)}${q}`;
}

export async function run(): Promise<void> {
  const missing = redisMissing();
  if (missing) {
    console.log(`queue: skipped — ${missing}`);
    return;
  }
  console.log(`data: SYNTHETIC (sgfd data synth) ${DATA.users} users × ${DATA.items} items, density ${DATA.density}, ${DATA.categories} categories, image ${DATA.imageDim}-d + text ${DATA.textDim}-d, seed ${DATA.seed}`);
  console.log(`search: bm3 vanilla, grid lr 3 × reg_weight 4 = ${TRIALS} trials, seed 1 each, embedding_dim 16, ${EPOCHS} epochs (no early stop), 1 ONNX thread per trial`);
  console.log(`configurations: local --jobs 1 | queue + 1 worker | queue + 2 workers (each --concurrency 1 --threads 1); wall time of the whole \`sgfd pipeline run\`, workers started beforehand`);
  console.log(`machine: ${availableParallelism()} cores, shared with other work; load average now ${loadText()} — absolute seconds move with the load, compare within this run only`);
  const dir = mkdtempSync(join(tmpdir(), 'sgfd-queue-bench-'));
  const file = join(dir, 'qbench.yaml');
  writeFileSync(file, PIPELINE);
  let redis: RedisHandle | null = null;
  const samples: Sample[] = [];
  const t0 = performance.now();
  try {
    redis = await startRedis();
    console.log(`redis-server: 127.0.0.1:${redis.port} (its own, no persistence, password)`);
    for (let round = 1; round <= MAX_ROUNDS; round++) {
      if (round > 1) {
        const elapsed = (performance.now() - t0) / 1000;
        const perRound = elapsed / (round - 1);
        if (elapsed + perRound > BUDGET_S) {
          console.log(`  (round ${round} skipped: ${f1(elapsed)} s so far, ~${f1(perRound)} s per round would pass the ~${BUDGET_S} s budget)`);
          break;
        }
      }
      const order = CONFIGS.map((_, i) => CONFIGS[(i + round - 1) % CONFIGS.length]);
      for (const config of order) {
        const s = await runOnce(config, round, dir, file, redis);
        samples.push(s);
        console.log(describe(s));
      }
    }
  } finally {
    if (redis) await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  const reference = JSON.stringify(samples[0].metrics);
  const same = samples.every((s) => JSON.stringify(s.metrics) === reference);
  console.log(`metrics (every metrics.json but seconds_per_epoch) identical across all ${samples.length} runs: ${same ? 'yes' : 'NO'}`);
  const rounds = Math.max(...samples.map((s) => s.round));
  const wall = (c: Config) => samples.filter((s) => s.config === c).map((s) => s.wallS);
  const med = Object.fromEntries(CONFIGS.map((c) => [c, median(wall(c))])) as Record<Config, number>;
  const trials = samples.filter((s) => s.config === 'local').flatMap((s) => s.trialS);
  if (trials.length) console.log(`one trial (local, as reported by the train step): median ${f1(median(trials))} s, range ${f1(Math.min(...trials))}–${f1(Math.max(...trials))} s`);
  console.log(`medians over ${rounds} round${rounds > 1 ? 's' : ''} (wall s): local ${f1(med.local)}, 1 worker ${f1(med.one_worker)}, 2 workers ${f1(med.two_workers)}`);
  const perRound = (a: Config, b: Config) => Array.from({ length: rounds }, (_, i) => {
    const x = samples.find((s) => s.config === a && s.round === i + 1);
    const y = samples.find((s) => s.config === b && s.round === i + 1);
    return x && y ? f3(x.wallS / y.wallS) : 'na';
  }).join(' ');
  console.log(`ratios (of medians): 2 workers / 1 worker ${f3(med.two_workers / med.one_worker)} (per round ${perRound('two_workers', 'one_worker')}); 1 worker / local ${f3(med.one_worker / med.local)} (per round ${perRound('one_worker', 'local')}); 2 workers / local ${f3(med.two_workers / med.local)}`);
  console.log(`load average at the end: ${loadText()} (${availableParallelism()} cores; 2 workers can at best halve the time, and only on an idle machine); bench took ${f1((performance.now() - t0) / 1000)} s`);
  console.log(`queue: trials=${TRIALS} local_s=${f1(med.local)} one_worker_s=${f1(med.one_worker)} two_workers_s=${f1(med.two_workers)} speedup_2w=${f3(med.one_worker / med.two_workers)}`);
}
