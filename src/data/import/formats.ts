// The three source formats: MMRec (.inter + .npy), the SGFD release (train.csv/test.csv + npy),
// and a generic user,item[,split] CSV with raw string ids.
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { TEST, TRAIN, VALID } from '../dataset.ts';
import { concatLocator, dataError, DataError } from '../errors.ts';
import { column, hasColumn, intColumn, numberColumn, readTextTable, type TextTable } from '../text-table.ts';
import { readFeatures, readLabelFile, type FeatureSpec, type ItemRows } from './item-files.ts';
import { optionalLabels, type RawImport, type ReaderOptions } from './raw-import.ts';
import { idSpace, sourceNames } from './id-space.ts';

const MAX_ID = 2147483646;

/** An interactions source without a row below its header is an error, not an empty dataset. */
function requireRows(tables: readonly TextTable[]): void {
  if (tables.every((t) => t.nRows === 0)) throw dataError(tables.map((t) => t.file).join(' + '), 'at least one interaction below the header', 'none (header only)');
}

/** MMRec: a header-named TSV `userID itemID [rating] x_label [timestamp]` plus one .npy per modality. */
export function readMmrec(inter: string, features: readonly FeatureSpec[], o: ReaderOptions): RawImport {
  const file = basename(inter);
  const t = readTextTable(inter, file, { required: ['userID', 'itemID'] });
  requireRows([t]);
  const users = idSpace(intColumn(t, 'userID', 0, MAX_ID, 'a user id'), t.loc, 'userID', 'user', !!o.reindex);
  const items = idSpace(intColumn(t, 'itemID', 0, MAX_ID, 'an item id'), t.loc, 'itemID', 'item', !!o.reindex);
  const split = hasColumn(t, 'x_label') ? Int8Array.from(intColumn(t, 'x_label', 0, 2, 'a split code (0 train, 1 valid, 2 test)')) : null;
  const timestamp = hasColumn(t, 'timestamp') ? numberColumn(t, 'timestamp') : null;
  const rows: ItemRows = { n: items.n, source: items.source, from: items.source ? `itemID of ${file}` : `max itemID + 1 in ${file}` };
  return {
    nUsers: users.n, nItems: items.n, user: users.ids, item: items.ids, split, splitColumn: split ? 'x_label' : null, timestamp, loc: t.loc,
    modalities: readFeatures(features, rows, 'error', o.warn),
    labels: optionalLabels(o.labels, rows, o),
    idMaps: { user: users.source ? sourceNames(users.source) : undefined, item: items.source ? sourceNames(items.source) : undefined },
    source: `mmrec ${[file, ...features.map((f) => `${f.name}=${basename(f.path)}`), ...(o.labels ? [`labels=${basename(o.labels)}`] : [])].join(' ')}`,
  };
}

const SGFD_FEATURES = [
  { file: 'FeatureImage_normal.npy', name: 'image' },
  { file: 'FeatureText_normal.npy', name: 'text' },
] as const;
const SGFD_LABELS = 'MetaData_normal.npy';

/**
 * SGFD release: `train.csv` and `test.csv` (header itemID,userID,reviewerID,asin), optional
 * FeatureImage_normal.npy, FeatureText_normal.npy (→ modalities image, text) and
 * MetaData_normal.npy (→ labels). Feature files may have extra rows (the release's loader
 * truncates them); those are dropped with a warning.
 */
export function readSgfdCsv(dir: string, extra: readonly FeatureSpec[], o: ReaderOptions): RawImport {
  const tables = ['train.csv', 'test.csv'].map((f) => readTextTable(join(dir, f), f, { required: ['itemID', 'userID'] }));
  requireRows(tables);
  const loc = concatLocator(tables.map((t) => ({ locator: t.loc, rows: t.nRows })));
  const users = idSpace(concatInts(tables, 'userID', 'a user id'), loc, 'userID', 'user', !!o.reindex);
  const items = idSpace(concatInts(tables, 'itemID', 'an item id'), loc, 'itemID', 'item', !!o.reindex);
  const [user, item, nUsers, nItems] = [users.ids, items.ids, users.n, items.n];
  const split = new Int8Array(user.length).fill(TEST);
  split.fill(TRAIN, 0, tables[0].nRows);
  const rows: ItemRows = { n: nItems, source: items.source, from: items.source ? 'itemID of train.csv/test.csv' : 'max itemID + 1 in train.csv/test.csv' };
  const found = SGFD_FEATURES.filter((f) => existsSync(join(dir, f.file))).map((f) => ({ name: f.name, path: join(dir, f.file) }));
  const specs = [...found, ...extra];
  const labelPath = o.labels ?? (existsSync(join(dir, SGFD_LABELS)) ? join(dir, SGFD_LABELS) : undefined);
  return {
    nUsers, nItems, user, item, split, splitColumn: 'file (train.csv/test.csv)', timestamp: null, loc,
    modalities: readFeatures(specs, rows, 'truncate', o.warn),
    labels: labelPath ? readLabelFile(labelPath, rows, o.labelOptions, o.warn) : null,
    idMaps: {
      user: originalIds(tables, 'userID', 'reviewerID', user, nUsers) ?? (users.source ? sourceNames(users.source) : undefined),
      item: originalIds(tables, 'itemID', 'asin', item, nItems) ?? (items.source ? sourceNames(items.source) : undefined),
    },
    source: `sgfd-csv ${[basename(dir) + '/{train,test}.csv', ...specs.map((f) => `${f.name}=${basename(f.path)}`), ...(labelPath ? [`labels=${basename(labelPath)}`] : [])].join(' ')}`,
  };
}

function concatInts(tables: TextTable[], name: string, what: string): Int32Array {
  const parts = tables.map((t) => intColumn(t, name, 0, MAX_ID, what));
  const out = new Int32Array(parts.reduce((s, p) => s + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

/** Dense id → original id from a companion column (e.g. userID → reviewerID); must be consistent. */
function originalIds(tables: TextTable[], idColumn: string, rawColumn: string, ids: Int32Array, n: number): string[] | undefined {
  if (!tables.every((t) => hasColumn(t, rawColumn))) return undefined;
  const out: string[] = new Array(n).fill('');
  const firstAt: string[] = new Array(n).fill('');
  let r = 0;
  for (const t of tables) {
    const raw = column(t, rawColumn);
    for (let k = 0; k < t.nRows; k++, r++) {
      const id = ids[r];
      if (out[id] === '') { out[id] = raw[k]; firstAt[id] = t.loc.cell(k, rawColumn); }
      else if (out[id] !== raw[k]) {
        throw dataError(t.loc.cell(k, rawColumn), `one ${rawColumn} per ${idColumn} (${idColumn} ${id} is "${out[id]}" at ${firstAt[id]})`, raw[k]);
      }
    }
  }
  return out;
}

const SPLIT_WORDS: Record<string, number> = { '0': TRAIN, '1': VALID, '2': TEST, train: TRAIN, valid: VALID, validation: VALID, test: TEST };

/** Generic CSV/TSV with header `user,item[,split][,timestamp]`; raw string ids become dense ids. */
export function readGenericCsv(path: string, features: readonly FeatureSpec[], o: ReaderOptions): RawImport {
  if (features.length || o.labels) throw new DataError('--format csv: features and labels need dense item ids; convert to mmrec first (--feature/--labels not accepted)');
  if (o.reindex) o.warn('--reindex: --format csv always maps its ids densely (nothing to do)');
  const file = basename(path);
  const t = readTextTable(path, file, { required: ['user', 'item'] });
  requireRows([t]);
  const users = denseIds(t, 'user');
  const items = denseIds(t, 'item');
  let split: Int8Array | null = null;
  if (hasColumn(t, 'split')) {
    const cells = column(t, 'split');
    split = new Int8Array(t.nRows);
    for (let r = 0; r < t.nRows; r++) {
      const v = SPLIT_WORDS[cells[r].toLowerCase()];
      if (v === undefined) throw dataError(t.loc.cell(r, 'split'), '0/1/2 or train/valid/test', cells[r]);
      split[r] = v;
    }
  }
  return {
    nUsers: users.names.length, nItems: items.names.length, user: users.ids, item: items.ids, split,
    splitColumn: split ? 'split' : null, timestamp: hasColumn(t, 'timestamp') ? numberColumn(t, 'timestamp') : null,
    loc: t.loc, modalities: [], labels: null, idMaps: { user: users.names, item: items.names }, source: `csv ${file}`,
  };
}

/** Raw string ids → dense ids in order of first appearance. */
function denseIds(t: TextTable, name: string): { ids: Int32Array; names: string[] } {
  const cells = column(t, name);
  const index = new Map<string, number>();
  const ids = new Int32Array(cells.length);
  for (let r = 0; r < cells.length; r++) {
    if (cells[r] === '') throw dataError(t.loc.cell(r, name), `a non-empty ${name} id`, '');
    let id = index.get(cells[r]);
    if (id === undefined) { id = index.size; index.set(cells[r], id); }
    ids[r] = id;
  }
  return { ids, names: [...index.keys()] };
}
