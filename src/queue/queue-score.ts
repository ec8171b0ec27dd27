// `sgfd score … --queue URL --shards N`: the users cut into N contiguous shards (`--shard i/N`),
// one queue job each; every worker writes its shard (an Arrow stream) into a directory of its own
// beside the output, and the shards are then gathered here, in order, into the one file a local
// `sgfd score` writes: the same rows in the same order, the same schema and metadata (`shard` 0/1;
// only `created` differs, as between any two runs). The shard directory is removed afterwards.
import { createReadStream, existsSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { RecordBatch, RecordBatchReader, Schema } from 'apache-arrow';
import { prepareOutFile } from '../score/index.ts';
import { writeBatchFile } from '../score/index.ts';
import type { ScoreRunOptions, ScoreRunResult } from '../score/index.ts';
import type { QueueTarget } from './queue-url.ts';
import { JobSubmitter } from './submitter.ts';
import { writeMarker } from './shared-storage.ts';
import { SCORE_JOB, type ScoreShardPayload } from './score-shard-job.ts';

export interface QueueScoreOptions extends ScoreRunOptions {
  target: QueueTarget;
  shards: number;
  /** Progress and queue lines. */
  log: (line: string) => void;
}

/** Metadata keys allowed to differ between shards: which shard, and when it was written. */
const PER_SHARD = new Set(['sgfd.shard', 'sgfd.created']);

export async function scoreOnQueue(o: QueueScoreOptions): Promise<ScoreRunResult> {
  if (!Number.isInteger(o.shards) || o.shards < 1) throw new Error(`--shards: expected a positive integer, got ${o.shards}`);
  if (o.shard !== undefined) throw new Error('--shard and --shards: choose one (--shards splits the users over the queue)');
  if (!Number.isInteger(o.k) || o.k < 1) throw new Error(`--k must be a positive integer, got ${o.k}`);
  const path = prepareOutFile(o.out, !!o.force);
  const run = resolve(o.run);
  if (!existsSync(run)) throw new Error(`--run ${o.run}: not found`);
  const t0 = performance.now();
  const submitter = await JobSubmitter.open(o.target, { log: o.log });
  const shardRoot = join(dirname(path), `.${basename(path)}.shards-${randomBytes(4).toString('hex')}`);
  const shardFile = (i: number) => join(shardRoot, `shard-${i}`, 'scores.arrows');
  const base: Omit<ScoreShardPayload, 'out' | 'shard'> = {
    run, data: o.data === undefined ? undefined : resolve(o.data), k: o.k,
    users: o.users.startsWith('@') ? `@${resolve(o.users.slice(1))}` : o.users,
    exclude: o.exclude, memoryMb: o.memoryMb, threads: o.threads, engine: o.engine, format: 'stream', allowUnfinished: o.allowUnfinished,
  };
  try {
    const marker = writeMarker(shardRoot);
    const results = await Promise.all(Array.from({ length: o.shards }, (_, i) => submitter.submit<ScoreRunResult>({
      kind: SCORE_JOB, label: `shard ${i}/${o.shards}`, marker, payload: { ...base, out: shardFile(i), shard: `${i}/${o.shards}` },
    })));
    const { rows, unfinished } = await gatherShards(Array.from({ length: o.shards }, (_, i) => shardFile(i)), path, o.format ?? (path.endsWith('.arrows') ? 'stream' : 'file'));
    if (unfinished) o.onUnfinished?.();
    const users = results.reduce((n, r) => n + r.users, 0);
    const seconds = (performance.now() - t0) / 1000;
    return { path, users, rows, seconds, usersPerSecond: users / Math.max(seconds, 1e-9) };
  } finally {
    await submitter.close();
    rmSync(shardRoot, { recursive: true, force: true });
  }
}

/** The shard files' batches, in shard order, written to `path` under the whole run's schema. */
export async function gatherShards(files: readonly string[], path: string, format: 'file' | 'stream'): Promise<{ rows: number; unfinished: boolean }> {
  const first = await openShard(files[0]);
  const metadata = new Map(first.schema.metadata);
  metadata.set('sgfd.shard', '0/1');
  metadata.set('sgfd.created', new Date().toISOString());
  const schema = new Schema(first.schema.fields, metadata);
  async function* batches(): AsyncGenerator<RecordBatch> {
    for (const [i, file] of files.entries()) {
      const shard = i === 0 ? first : await openShard(file);
      checkSameRun(first.schema, shard.schema, file);
      for await (const batch of shard.reader) yield new RecordBatch(schema, batch.data);
    }
  }
  const rows = await writeBatchFile(path, schema, batches(), format);
  return { rows, unfinished: metadata.get('sgfd.run_finished') === 'false' };
}

/** A shard's reader and its schema, taken once right after opening (the reader's own getter does not keep it). */
async function openShard(file: string): Promise<{ reader: AsyncIterable<RecordBatch>; schema: Schema }> {
  const reader = await (await RecordBatchReader.from(createReadStream(file))).open();
  return { reader, schema: reader.schema };
}

/** Shards scored from different runs (retrained in between) or with other settings must not be mixed. */
function checkSameRun(a: Schema, b: Schema, file: string): void {
  const same = (x: Schema, y: Schema) => [...x.metadata.keys()].every((k) => PER_SHARD.has(k) || x.metadata.get(k) === y.metadata.get(k))
    && x.metadata.size === y.metadata.size && x.fields.map(String).join() === y.fields.map(String).join();
  if (!same(a, b)) throw new Error(`${file}: this shard was scored from another run or with other settings than shard 0; score again`);
}
