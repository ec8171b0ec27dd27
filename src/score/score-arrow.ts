// Batch-scoring output: long format, one row per (user, rank), streamed as Arrow record batches
// (IPC file or stream) into a temporary file renamed into place when complete.
//
//   user_id  int32 (dense id) or utf8 (the dataset's original id, when it has an id map)
//   item_id  int32 / utf8, likewise
//   rank     int16, 1-based
//   score    float32
// Slots a user has no rankable item left for (every item excluded) produce no row.
import { createWriteStream, openSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { removeStaleLeftovers } from '../data/index.ts';
import {
  Field, Float32, Int16, Int32, makeData, RecordBatch, RecordBatchFileWriter, RecordBatchStreamWriter, Schema, Struct, Utf8,
  vectorFromArray, type Data, type DataType,
} from 'apache-arrow';

/** One scored chunk: dense user ids [B] and their top-K items and scores, row-major [B × k] (item −1: none). */
export interface ScoredChunk { users: Int32Array; items: Int32Array; scores: Float32Array }

export interface ScoreFileOptions {
  k: number;
  /** 'file' (random access, footer) or 'stream' (append-only). */
  format: 'file' | 'stream';
  /** Original ids by dense id, when the dataset has id maps. */
  userIds: readonly string[] | null;
  itemIds: readonly string[] | null;
  /** Provenance written to the schema metadata (keys get the `sgfd.` prefix). */
  metadata: Record<string, string>;
}

export const SCORE_COLUMNS = ['user_id', 'item_id', 'rank', 'score'] as const;

/** The output schema: id columns are utf8 exactly when the matching id map is given. */
export function scoreSchema(o: Pick<ScoreFileOptions, 'userIds' | 'itemIds' | 'metadata'>): Schema {
  const idType = (map: readonly string[] | null): DataType => (map ? new Utf8() : new Int32());
  const fields = [
    new Field('user_id', idType(o.userIds), false),
    new Field('item_id', idType(o.itemIds), false),
    new Field('rank', new Int16(), false),
    new Field('score', new Float32(), false),
  ];
  return new Schema(fields, new Map(Object.entries(o.metadata).map(([k, v]) => [`sgfd.${k}`, v])));
}

/** The rows of consecutive chunks as one record batch of `schema` (no joined copy of the chunks). */
export function chunksBatch(schema: Schema, chunks: readonly ScoredChunk[], k: number, o: Pick<ScoreFileOptions, 'userIds' | 'itemIds'>): RecordBatch {
  let n = 0;
  for (const c of chunks) for (let j = 0; j < c.items.length; j++) if (c.items[j] >= 0) n++;
  const user = new Int32Array(n);
  const item = new Int32Array(n);
  const rank = new Int16Array(n);
  const score = new Float32Array(n);
  let w = 0;
  for (const c of chunks) {
    for (let r = 0, j = 0; r < c.users.length; r++) {
      const u = c.users[r];
      for (let slot = 1; slot <= k; slot++, j++) {
        if (c.items[j] < 0) continue;
        user[w] = u;
        item[w] = c.items[j];
        rank[w] = slot;
        score[w++] = c.scores[j];
      }
    }
  }
  const ids = (dense: Int32Array, map: readonly string[] | null): Data => (map
    ? vectorFromArray(Array.from(dense, (i) => map[i]), new Utf8()).data[0]
    : makeData({ type: new Int32(), length: n, data: dense }));
  const children = [ids(user, o.userIds), ids(item, o.itemIds), makeData({ type: new Int16(), length: n, data: rank }), makeData({ type: new Float32(), length: n, data: score })];
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children }));
}

/**
 * Writes every chunk of `chunks` to `path` as it arrives; the file appears (by rename) only once
 * complete. Returns the number of rows written.
 */
export async function writeScoreFile(path: string, chunks: AsyncIterable<ScoredChunk>, o: ScoreFileOptions): Promise<number> {
  if (o.userIds === undefined || o.itemIds === undefined) throw new TypeError('writeScoreFile: id maps must be given (null when absent)');
  const schema = scoreSchema(o);
  async function* batches(): AsyncGenerator<RecordBatch> {
    let held: ScoredChunk[] = [];
    let users = 0;
    for await (const chunk of chunks) {
      held.push(chunk);
      users += chunk.users.length;
      if (users < BATCH_USERS) continue;
      yield chunksBatch(schema, held, o.k, o);
      held = [];
      users = 0;
    }
    if (held.length) yield chunksBatch(schema, held, o.k, o);
  }
  return writeBatchFile(path, schema, batches(), o.format);
}

/**
 * Users per record batch: scoring chunks are gathered up to this many before they are written, since
 * each batch costs its writer ≈ 1.5 ms whatever its size (a Toys-sized pass in 256-user chunks:
 * 76 batches, +120 ms), and readers do better with fewer, larger batches too.
 */
export const BATCH_USERS = 1024;

/**
 * Writes `schema`, then every batch of `batches` as it arrives, to `path` (Arrow IPC file or
 * stream); the file appears (by rename) only once complete. Returns the number of rows written.
 */
export async function writeBatchFile(path: string, schema: Schema, batches: AsyncIterable<RecordBatch>, format: 'file' | 'stream'): Promise<number> {
  const writer = format === 'stream' ? new RecordBatchStreamWriter() : new RecordBatchFileWriter();
  removeStaleLeftovers(dirname(path));
  const tmp = join(dirname(path), `.${basename(path)}.partial-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`);
  // Opened here, so a path that cannot be written fails at once with its reason (not as a stream error later).
  let fd: number;
  try { fd = openSync(tmp, 'wx'); } catch (e) {
    throw new Error(`${path}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message.split('\n')[0]})`);
  }
  const sink = pipeline(writer.toNodeStream(), createWriteStream('', { fd }));
  sink.catch(() => {}); // awaited below; never an unhandled rejection while chunks are computed
  let rows = 0;
  try {
    writer.reset(undefined, schema); // the schema goes out first: an empty selection still yields a valid file
    for await (const batch of batches) {
      rows += batch.numRows;
      writer.write(batch);
    }
    writer.close();
    await sink;
    renameSync(tmp, path);
  } catch (e) {
    try { writer.close(); } catch { /* the sink failed first */ }
    await sink.catch(() => {});
    rmSync(tmp, { force: true });
    throw e;
  }
  return rows;
}
