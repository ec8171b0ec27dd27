// `sgfd score` (batch top-K to Arrow), `sgfd export` (model directory), `sgfd serve` (HTTP endpoint).
import type { CommandModule } from 'yargs';
import { scoreRun, type ScoreRunOptions } from '../score/index.ts';
import { DEFAULT_EXCLUDE, EXCLUDE_CHOICES, SCORE_ENGINES, type ExcludeSeen, type ScoreEngineChoice } from '../score/index.ts';
import { exportModel } from '../export/index.ts';
import { startServer } from '../serve/index.ts';
import { DEFAULT_LIMITS } from '../serve/index.ts';
import { mallocTuned } from '../runtime/index.ts';

interface ScoreArgs {
  run: string; data?: string; k: number; out: string; users: string; shard?: string; 'exclude-seen': ExcludeSeen;
  'memory-mb': number; threads: number; engine: ScoreEngineChoice; format?: 'file' | 'stream'; quiet: boolean; 'allow-unfinished': boolean; force: boolean;
  queue?: string; shards?: number;
}

const ALLOW_UNFINISHED = { type: 'boolean', default: false, describe: 'accept a run that never finished (no metrics.json): its best parameters so far' } as const;
const unfinishedWarning = (run: string) => process.stderr.write(`sgfd: warning: ${run} is an unfinished run (--allow-unfinished): using its best parameters so far\n`);

export const scoreCommand: CommandModule<object, ScoreArgs> = {
  command: 'score',
  describe: 'Batch top-K for every (or a shard of the) users of a run, streamed to an Arrow file (user_id, item_id, rank, score)',
  builder: (y) => y
    .option('run', { type: 'string', demandOption: true, describe: 'run directory (sgfd train --out)' })
    .option('data', { type: 'string', describe: 'dataset directory (default: the one recorded in the run)' })
    .option('k', { type: 'number', default: 20, describe: 'items per user' })
    .option('out', { type: 'string', demandOption: true, describe: 'output .arrow (IPC file) or .arrows (IPC stream)' })
    .option('users', { type: 'string', default: 'all', describe: "'all', comma-separated user ids (the dataset's original ids when it has user_ids.arrow, else dense ids), or @file with one id per line" })
    .option('shard', { type: 'string', describe: 'i/n: score only the i-th (0-based) of n contiguous slices of the users' })
    .option('queue', { type: 'string', describe: 'with --shards: score on `sgfd worker`s of this Redis queue (redis://[:PASSWORD@]HOST:PORT); --out\'s directory and the run must be on storage every worker sees' })
    .option('shards', { type: 'number', describe: 'with --queue: split the users into N shards, one job each, gathered into --out (the same file a local run writes)' })
    .option('exclude-seen', {
      choices: EXCLUDE_CHOICES, default: DEFAULT_EXCLUDE,
      describe: 'interactions never recommended back; the default is every interaction the run trained or selected on (train and valid: what test evaluation excludes); recorded in the file\'s metadata (sgfd.exclude_seen)',
    })
    .option('memory-mb', { type: 'number', default: 256, describe: "memory for a chunk of users: the ONNX scorer's score matrices, or the native kernel's candidates" })
    .option('threads', { type: 'number', default: 2 })
    .option('engine', {
      choices: SCORE_ENGINES, default: 'auto' as const,
      describe: "dot-product models, CML and MAML: 'native' (sgfd's fused kernel, built by npm install when a C++ compiler is present) or 'onnxruntime'; 'auto' takes native when built. Same results; recorded as sgfd.engine",
    })
    .option('format', { choices: ['file', 'stream'] as const, describe: 'Arrow IPC format (default: by extension)' })
    .option('force', { type: 'boolean', default: false, describe: 'replace an existing output file' })
    .option('allow-unfinished', ALLOW_UNFINISHED)
    .option('quiet', { type: 'boolean', default: false }) as never,
  handler: async (a) => {
    if ((a.queue === undefined) !== (a.shards === undefined)) throw new Error('--queue and --shards go together (one machine: --shard i/n per process)');
    const options = {
      run: a.run, data: a.data, k: a.k, out: a.out, users: a.users, shard: a.shard, exclude: a['exclude-seen'],
      memoryMb: a['memory-mb'], threads: a.threads, engine: a.engine, format: a.format, quiet: a.quiet, force: a.force, allowUnfinished: a['allow-unfinished'], onUnfinished: () => unfinishedWarning(a.run),
    };
    const r = a.queue === undefined ? await scoreRun(options) : await scoreOnQueueFromCli(options, a.queue, a.shards!);
    process.stdout.write(`${r.path}: ${r.rows} rows for ${r.users} users in ${r.seconds.toFixed(2)} s (${r.usersPerSecond.toFixed(0)} users/s)\n`);
  },
};

/** The queue's code loads only when asked for. */
async function scoreOnQueueFromCli(o: ScoreRunOptions, queue: string, shards: number) {
  const { parseQueueUrl } = await import('../queue/queue-url.ts');
  const { scoreOnQueue } = await import('../queue/queue-score.ts');
  const log = (line: string) => { if (!o.quiet) process.stderr.write(`${line}\n`); };
  return scoreOnQueue({ ...o, target: parseQueueUrl(queue), shards, log });
}

interface ExportArgs { run: string; out: string; data?: string; triton: boolean; 'triton-k': number; force: boolean; threads: number; 'model-version': number; 'allow-unfinished': boolean }

export const exportCommand: CommandModule<object, ExportArgs> = {
  command: 'export',
  describe: 'Export a run for serving: student.onnx (cold start), scorer.onnx, embeddings, model.json [, Triton repository]',
  builder: (y) => y
    .option('run', { type: 'string', demandOption: true, describe: 'run directory (sgfd train --out)' })
    .option('out', { type: 'string', demandOption: true, describe: 'model directory to create' })
    .option('data', { type: 'string', describe: 'dataset directory (default: the one recorded in the run)' })
    .option('triton', { type: 'boolean', default: false, describe: 'also write a Triton Inference Server model repository under <out>/triton' })
    .option('triton-k', { type: 'number', default: 20, describe: 'items the Triton scorer returns' })
    .option('model-version', { type: 'number', default: 1, describe: 'ONNX model_version' })
    .option('force', { type: 'boolean', default: false, describe: 'replace an existing model directory' })
    .option('allow-unfinished', { ...ALLOW_UNFINISHED, describe: `${ALLOW_UNFINISHED.describe}; model.json says so (training.finished: false)` })
    .option('threads', { type: 'number', default: 2 }) as never,
  handler: async (a) => {
    const card = await exportModel({ run: a.run, out: a.out, data: a.data, triton: a.triton, tritonK: a['triton-k'], force: a.force, threads: a.threads, modelVersion: a['model-version'], allowUnfinished: a['allow-unfinished'] });
    if (card.training?.finished === false) unfinishedWarning(a.run);
    const cold = card.cold_start.supported ? 'student.onnx (cold start)' : `no student.onnx (${card.cold_start.reason})`;
    const du = card.dims.user_embedding ?? card.dims.embedding;
    const dims = du === card.dims.embedding ? `d = ${du}` : `user rows ${du} wide, item rows ${card.dims.embedding}`;
    process.stdout.write(`${a.out}: ${card.model.backbone}, ${card.dims.users} users × ${card.dims.items} items, ${dims}; ${cold}; `
      + `scores reproduced to ${card.checks!.scorer_max_abs_diff.toExponential(1)} (tolerance ${card.checks!.tolerance})${card.triton.length ? '; Triton repository in triton/' : ''}\n`);
  },
};

interface ServeArgs { model: string; host: string; port: number; threads: number; 'max-k': number; 'max-body-kb': number; 'max-feature-abs': number }

export const serveCommand: CommandModule<object, ServeArgs> = {
  command: 'serve',
  describe: 'Serve recommendations over HTTP from an exported model directory (GET /v1/recommend, POST /v1/items, /healthz, /v1/model)',
  builder: (y) => y
    .option('model', { type: 'string', demandOption: true, describe: 'model directory (sgfd export --out)' })
    .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to bind (loopback by default)' })
    .option('port', { type: 'number', default: 8080, describe: '0 picks a free port' })
    .option('threads', { type: 'number', default: 1, describe: 'ONNX Runtime intra-op threads per run' })
    .option('max-k', { type: 'number', default: DEFAULT_LIMITS.maxK, describe: 'largest k a request may ask for' })
    .option('max-body-kb', { type: 'number', default: DEFAULT_LIMITS.maxBodyBytes / 1024, describe: 'largest request body' })
    .option('max-feature-abs', { type: 'number', default: DEFAULT_LIMITS.maxFeatureAbs, describe: 'POST /v1/items: largest |value| of a raw feature (larger ones are a 400)' }) as never,
  handler: async (a) => {
    if (!Number.isInteger(a.port) || a.port < 0 || a.port > 65535) throw new Error(`--port: expected an integer in [0, 65535], got ${a.port}`);
    if (!Number.isInteger(a['max-k']) || a['max-k'] < 1) throw new Error(`--max-k: expected a positive integer, got ${a['max-k']}`);
    if (!(a['max-body-kb'] > 0)) throw new Error(`--max-body-kb: expected a positive number, got ${a['max-body-kb']}`);
    if (!(a['max-feature-abs'] > 0)) throw new Error(`--max-feature-abs: expected a positive number, got ${a['max-feature-abs']}`);
    const server = await startServer({
      model: a.model, host: a.host, port: a.port, threads: a.threads, maxK: a['max-k'], maxBodyBytes: Math.floor(a['max-body-kb'] * 1024), maxFeatureAbs: a['max-feature-abs'],
    });
    // The handlers are in place before the line that tells a supervisor it may signal us.
    const stopped = new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        process.stderr.write(`${signal}: finishing in-flight requests\n`);
        server.close().then(resolve, (e: unknown) => { process.stderr.write(`sgfd: ${(e as Error).message}\n`); process.exit(1); });
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    process.stdout.write(`listening on ${server.url} (${server.store.itemCount} items, ${server.store.card.dims.users} users; `
      + `${mallocTuned() ? 'tuned malloc, ORT arenas off' : 'default malloc, ORT arenas on'})\n`);
    await stopped;
    process.stdout.write('stopped\n');
  },
};
