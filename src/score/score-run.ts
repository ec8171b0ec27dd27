// `sgfd score`: a run's top-K for a selection (or shard) of users, streamed to an Arrow file.
import { loadRun } from '../run/index.ts';
import { readIdMap } from '../data/index.ts';
import { scoreChunks, scoreEngine, type ScoreEngineChoice } from './batch-score.ts';
import { runScoreSource } from './run-source.ts';
import { writeScoreFile, type ScoredChunk } from './score-arrow.ts';
import { excludedSplits, parseShard, selectUsers, shardOf, EXCLUDE_DOCS, type ExcludeSeen } from './user-selection.ts';
import { prepareOutFile } from './out-file.ts';
import { datasetProvenance, runProvenance } from '../run/index.ts';
import { ProgressBar } from '../data/index.ts';

export interface ScoreRunOptions {
  run: string;
  /** Dataset directory (default: the one recorded in the run). */
  data?: string;
  k: number;
  out: string;
  /** 'all', comma-separated ids, or @file. */
  users: string;
  /** 'i/n' (0-based). */
  shard?: string;
  exclude: ExcludeSeen;
  memoryMb: number;
  /** Replace an existing output file (otherwise that is an error). */
  force?: boolean;
  threads?: number;
  /** Which scorer runs dot-product models, MAML and CML (default 'auto': the native kernel when built); recorded as sgfd.engine. */
  engine?: ScoreEngineChoice;
  /** Default: 'stream' for a `.arrows` path, else 'file'. */
  format?: 'file' | 'stream';
  quiet?: boolean;
  /** Score a run that never finished (no metrics.json); the file's metadata says so. Default: refuse. */
  allowUnfinished?: boolean;
  /** Called when the run is unfinished (and allowed), before scoring. */
  onUnfinished?: () => void;
}

export interface ScoreRunResult { path: string; users: number; rows: number; seconds: number; usersPerSecond: number }

export async function scoreRun(o: ScoreRunOptions): Promise<ScoreRunResult> {
  if (!Number.isInteger(o.k) || o.k < 1) throw new Error(`--k must be a positive integer, got ${o.k}`);
  const shard = parseShard(o.shard ?? '0/1');
  const path = prepareOutFile(o.out, !!o.force);
  const run = loadRun(o.run, o.data, { allowUnfinished: o.allowUnfinished });
  if (!run.finished) o.onUnfinished?.();
  const dataDir = o.data ?? run.config.dataset.path;
  const userIds = readIdMap(dataDir, 'user');
  const itemIds = readIdMap(dataDir, 'item');
  const selection = selectUsers(o.users, run.ds.nUsers, userIds);
  const users = shardOf(selection, shard);
  const exclude = excludedSplits(run.ds, o.exclude);
  const source = await runScoreSource(run, o.threads);
  const engine = scoreEngine(source, o.engine);
  const progress = new ProgressBar(!!o.quiet, 24);
  async function* tracked(): AsyncGenerator<ScoredChunk> {
    let done = 0;
    for await (const chunk of scoreChunks(source, users, { k: o.k, exclude, memoryMb: o.memoryMb, threads: o.threads, engine })) {
      done += chunk.users.length;
      progress.draw('', users.length ? done / users.length : 1, `${done}/${users.length} users ${(done / Math.max(progress.seconds, 1e-9)).toFixed(0)} users/s`);
      yield chunk;
    }
  }
  const rows = await writeScoreFile(path, tracked(), {
    k: o.k,
    format: o.format ?? (path.endsWith('.arrows') ? 'stream' : 'file'),
    userIds,
    itemIds,
    metadata: {
      model: JSON.stringify(runProvenance(run)),
      dataset: JSON.stringify(datasetProvenance(run, dataDir)),
      k: String(o.k),
      exclude_seen: o.exclude,
      exclude_seen_doc: EXCLUDE_DOCS[o.exclude],
      ...(run.finished ? {} : { run_finished: 'false' }),
      users: o.users === 'all' ? 'all' : `${selection.length} listed`,
      shard: `${shard.index}/${shard.count}`,
      engine,
      ids: userIds || itemIds ? `original (${[userIds ? 'user' : '', itemIds ? 'item' : ''].filter(Boolean).join(', ')} id map)` : 'dense',
      created: new Date().toISOString(),
    },
  });
  progress.done();
  const seconds = progress.seconds;
  return { path, users: users.length, rows, seconds, usersPerSecond: users.length / Math.max(seconds, 1e-9) };
}
