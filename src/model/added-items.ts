// added_items.arrow — the items POST /v1/items embedded at run time — read so that no stored row can
// stop the server from starting: a row that fails its checks (missing or repeated id, an id a trained
// item has, a non-finite or overflowing embedding) is moved to added_items.quarantine.arrow with a
// warning naming it, and the rest is served. A file that cannot be read at all is renamed aside
// (added_items.arrow.unreadable-<time>) with a warning. Rows are checked the same way before a POST
// stores them (checkItemEmbedding), so a quarantine is for files written by older versions or by hand.
import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fixedSizeListColumn, readArrowFile, requireColumn } from '../data/index.ts';
import { writeFileAtomic } from '../data/index.ts';
import { embeddingsBytes, MODEL_FILES, type EmbeddingTable } from './embeddings-arrow.ts';

export const QUARANTINE_FILE = 'added_items.quarantine.arrow';

/** Receives one-line notices for the operator (the CLI prints them as `sgfd: warning: …`). */
export type ServeWarn = (message: string) => void;

/** Largest |value| an item row may hold: beyond it a dot product with a unit user row overflows float32. */
export const MAX_EMBEDDING_ABS = 1e18;

/**
 * Why `row` cannot be stored as an item row, or null when it can: every value finite and small
 * enough that its squared norm is a finite float32.
 */
export function embeddingProblem(row: Float32Array): string | null {
  let norm2 = 0;
  for (let j = 0; j < row.length; j++) {
    const v = row[j];
    if (!Number.isFinite(v)) return `component ${j} is ${v}`;
    if (Math.abs(v) > MAX_EMBEDDING_ABS) return `component ${j} is ${v.toExponential(3)}, beyond ±${MAX_EMBEDDING_ABS.toExponential()}`;
    norm2 += v * v;
  }
  if (!Number.isFinite(Math.fround(norm2))) return `its squared norm ${norm2} overflows float32`;
  return null;
}


interface Split { kept: EmbeddingTable; bad: { id: string; row: number; why: string }[]; badData: number[] }

/** Sorts the rows of the file into those that can be served and those that cannot (with the reason). */
function splitRows(ids: (string | null)[], data: Float32Array, dim: number, trained: ReadonlySet<string>): Split {
  const keptIds: string[] = [];
  const keptData: number[] = [];
  const bad: Split['bad'] = [];
  const badData: number[] = [];
  const seen = new Set<string>();
  ids.forEach((raw, r) => {
    const row = data.subarray(r * dim, (r + 1) * dim);
    const id = raw ?? '';
    const why = raw === null || raw === undefined || raw === '' ? 'no id'
      : trained.has(id) ? `id '${id}' is a trained item's`
        : seen.has(id) ? `id '${id}' repeats an earlier row`
          : embeddingProblem(row);
    if (why) {
      bad.push({ id, row: r, why });
      badData.push(...row);
      return;
    }
    seen.add(id);
    keptIds.push(id);
    keptData.push(...row);
  });
  return { kept: { ids: keptIds, data: Float32Array.from(keptData), dim }, bad, badData };
}

/** Appends the rejected rows to the quarantine file (kept for the operator; never served). */
function quarantine(dir: string, split: Split, dim: number): void {
  const path = join(dir, QUARANTINE_FILE);
  let ids: string[] = [];
  let data: Float32Array = new Float32Array(0);
  if (existsSync(path)) {
    try {
      const f = readArrowFile(path, QUARANTINE_FILE);
      const old = fixedSizeListColumn(f, 'embedding');
      if (old.dim === dim) ({ ids, data } = { ids: (requireColumn(f, 'id').toArray() as string[]).map((s) => s ?? ''), data: old.data });
    } catch { /* an unreadable quarantine file is replaced */ }
  }
  const all = new Float32Array(data.length + split.badData.length);
  all.set(data);
  all.set(split.badData, data.length);
  writeFileAtomic(path, embeddingsBytes({ ids: [...ids, ...split.bad.map((b) => b.id)], data: all, dim }, 'quarantined added item'));
}

function readRaw(path: string, dim: number): { ids: (string | null)[]; data: Float32Array } {
  const f = readArrowFile(path, MODEL_FILES.added);
  const idColumn = requireColumn(f, 'id');
  if (String(idColumn.type) !== 'Utf8') throw new Error(`column id: expected type Utf8, got ${String(idColumn.type)}`);
  const { dim: width, data } = fixedSizeListColumn(f, 'embedding');
  if (width !== dim) throw new Error(`column embedding: expected width ${dim} (model.json dims.embedding), got ${width}`);
  return { ids: Array.from(idColumn.toArray() as (string | null)[]), data: Float32Array.from(data) };
}

/**
 * The added items of model directory `dir` that can be served (none when there is no file).
 * Rows that cannot are quarantined; an unreadable file is moved aside. Both are warned about.
 */
export function loadAddedItems(dir: string, dim: number, trainedIds: readonly string[], warn: ServeWarn): EmbeddingTable {
  const path = join(dir, MODEL_FILES.added);
  const empty: EmbeddingTable = { ids: [], data: new Float32Array(0), dim };
  if (!existsSync(path)) return empty;
  let raw: ReturnType<typeof readRaw>;
  try {
    raw = readRaw(path, dim);
  } catch (e) {
    const aside = `${MODEL_FILES.added}.unreadable-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    const reason = (e as Error).message.split('\n')[0].replace(`${MODEL_FILES.added}: `, '');
    try {
      renameSync(path, join(dir, aside));
      warn(`${MODEL_FILES.added}: unreadable (${reason}); moved to ${aside}, serving without the items added at run time`);
    } catch {
      warn(`${MODEL_FILES.added}: unreadable (${reason}); serving without the items added at run time`);
    }
    return empty;
  }
  const split = splitRows(raw.ids, raw.data, dim, new Set(trainedIds));
  if (split.bad.length === 0) return split.kept;
  const named = split.bad.slice(0, 5).map((b) => `row ${b.row} (id '${b.id}': ${b.why})`).join('; ');
  const more = split.bad.length > 5 ? `; and ${split.bad.length - 5} more` : '';
  try {
    quarantine(dir, split, dim);
    writeFileAtomic(path, embeddingsBytes(split.kept, 'added item'));
    warn(`${MODEL_FILES.added}: skipped ${split.bad.length} row${split.bad.length === 1 ? '' : 's'} that cannot be served, moved to ${QUARANTINE_FILE}: ${named}${more}`);
  } catch (e) {
    warn(`${MODEL_FILES.added}: skipped ${split.bad.length} row${split.bad.length === 1 ? '' : 's'} that cannot be served (not moved: ${(e as Error).message.split('\n')[0]}): ${named}${more}`);
  }
  return split.kept;
}
