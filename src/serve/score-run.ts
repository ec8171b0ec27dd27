// `sgfd score`: a run's top-K for a selection (or shard) of users, streamed to an Arrow file.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadRun } from '../train/load-run.ts';
import { readIdMap } from '../data/arrow-io.ts';
import { scoreChunks } from './batch-score.ts';
import { runScoreSource } from './run-source.ts';
import { writeScoreFile, type ScoredChunk } from './score-arrow.ts';
import { excludedSplits, parseShard, selectUsers, shardOf, type ExcludeSeen } from './user-selection.ts';
import { datasetProvenance, runProvenance } from './provenance.ts';
import { RateProgress } from './progress.ts';

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
  threads?: number;
  /** Default: 'stream' for a `.arrows` path, else 'file'. */
  format?: 'file' | 'stream';
  quiet?: boolean;
}

export interface ScoreRunResult { path: string; users: number; rows: number; seconds: number; usersPerSecond: number }

export async function scoreRun(o: ScoreRunOptions): Promise<ScoreRunResult> {
  if (!Number.isInteger(o.k) || o.k < 1) throw new Error(`--k must be a positive integer, got ${o.k}`);
  const shard = parseShard(o.shard ?? '0/1');
  const run = loadRun(o.run, o.data);
  const dataDir = o.data ?? run.config.dataset.path;
  const userIds = readIdMap(dataDir, 'user');
  const itemIds = readIdMap(dataDir, 'item');
  const selection = selectUsers(o.users, run.ds.nUsers, userIds);
  const users = shardOf(selection, shard);
  const exclude = excludedSplits(run.ds, o.exclude);
  const source = await runScoreSource(run, o.threads);
  const progress = new RateProgress('users', !!o.quiet);
  async function* tracked(): AsyncGenerator<ScoredChunk> {
    let done = 0;
    for await (const chunk of scoreChunks(source, users, { k: o.k, exclude, memoryMb: o.memoryMb, threads: o.threads })) {
      done += chunk.users.length;
      progress.update(done, users.length);
      yield chunk;
    }
  }
  const path = resolve(o.out);
  mkdirSync(dirname(path), { recursive: true });
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
      users: o.users === 'all' ? 'all' : `${selection.length} listed`,
      shard: `${shard.index}/${shard.count}`,
      ids: userIds || itemIds ? `original (${[userIds ? 'user' : '', itemIds ? 'item' : ''].filter(Boolean).join(', ')} id map)` : 'dense',
      created: new Date().toISOString(),
    },
  });
  progress.done();
  const seconds = progress.seconds;
  return { path, users: users.length, rows, seconds, usersPerSecond: users.length / Math.max(seconds, 1e-9) };
}
