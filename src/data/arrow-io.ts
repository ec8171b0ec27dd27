// Reads and writes the dataset directory as Arrow IPC files (format in dataset.ts).
// Writing streams each column's own buffer to disk (no concatenated copy of the feature matrices);
// reading wraps the file bytes, so every column — features included — is a view, not a copy.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import {
  Field, FixedSizeList, Float32, Float64, Int32, Int8, makeData, RecordBatch, RecordBatchFileWriter, Schema, Struct,
  Table, Utf8, vectorFromArray, type Data, type DataType,
} from 'apache-arrow';
import { writeDirAtomically, type AtomicDirOptions } from './atomic-dir.ts';
import { FORMAT_VERSION, makeDataset, splitCounts, type Dataset, type DatasetMeta, type DatasetParts, type Interactions, type Modality } from './dataset.ts';
import { dataError, rowLocator } from './errors.ts';
import { checkFinite, validateParts } from './validate.ts';
import { MANIFEST_FILE, readManifest, recordManifest, writeManifest, type ManifestOutcome } from './manifest.ts';
import { fixedSizeListColumn, metaInt, metaJson, optionalColumn, readArrowFile, requireColumn, typedColumn, type FileDigest } from './arrow-columns.ts';

export const INTERACTIONS_FILE = 'interactions.arrow';
export const ITEMS_FILE = 'items.arrow';
export const ID_MAP_FILES = { user: 'user_ids.arrow', item: 'item_ids.arrow' } as const;
/** Sizes and SHA-256 of the Arrow files, so truncation and corruption are caught on load (required: manifest.ts). */
export { MANIFEST_FILE };

/** Original ids of the dense users/items (index = dense id), written beside the dataset. */
export interface IdMaps {
  user?: string[];
  item?: string[];
}

export interface WriteOptions extends AtomicDirOptions {
  idMaps?: IdMaps;
}

/** Validates, then writes the dataset directory atomically (a temp dir renamed into place). */
export async function writeDataset(dir: string, parts: DatasetParts, opts: WriteOptions = {}): Promise<void> {
  validateParts(parts, { interactions: rowLocator(INTERACTIONS_FILE), items: rowLocator(ITEMS_FILE) });
  await writeDirAtomically(dir, async (tmp) => {
    const files: Record<string, FileDigest> = {};
    files[INTERACTIONS_FILE] = await writeTable(join(tmp, INTERACTIONS_FILE), interactionsTable(parts));
    files[ITEMS_FILE] = await writeTable(join(tmp, ITEMS_FILE), itemsTable(parts));
    for (const kind of ['user', 'item'] as const) {
      const ids = opts.idMaps?.[kind];
      if (ids) files[ID_MAP_FILES[kind]] = await writeTable(join(tmp, ID_MAP_FILES[kind]), idMapTable(kind, ids));
    }
    writeManifest(tmp, files);
  }, opts);
}

/** Options of `readDataset`. */
export interface ReadOptions {
  /** Accept users with valid/test interactions but no training interaction (default: error). */
  allowColdUsers?: boolean;
  /** Scan features for NaN/Inf (default true; one read-only pass). */
  checkFinite?: boolean;
  /** Check sizes and SHA-256 against manifest.json, which must exist (default true; ~0.1 s per 200 MB). */
  verify?: boolean;
}

/** Loads and validates a dataset directory. Columns are zero-copy views of the file bytes. */
export function readDataset(dir: string, opts: ReadOptions = {}): Dataset {
  if (!existsSync(dir)) throw dataError(dir, 'a dataset directory', 'no such directory');
  if (!statSync(dir).isDirectory()) throw dataError(dir, 'a dataset directory (written by sgfd data import/synth)', 'a file');
  const digests = opts.verify === false ? null : readManifest(dir);
  const inter = readArrowFile(join(dir, INTERACTIONS_FILE), join(dir, INTERACTIONS_FILE), digests?.[INTERACTIONS_FILE]);
  const items = readArrowFile(join(dir, ITEMS_FILE), join(dir, ITEMS_FILE), digests?.[ITEMS_FILE]);
  const iloc = rowLocator(inter.file);
  const tloc = rowLocator(items.file);
  for (const t of [inter, items]) {
    const v = metaInt(t, 'format_version');
    if (v < 1 || v > FORMAT_VERSION) throw dataError(`${t.file}: schema metadata sgfd.format_version`, `1..${FORMAT_VERSION}`, v);
  }
  const nUsers = metaInt(inter, 'n_users');
  const nItems = metaInt(inter, 'n_items');
  const interactions: Interactions = {
    user: typedColumn(inter, 'user', new Int32(), Int32Array),
    item: typedColumn(inter, 'item', new Int32(), Int32Array),
    split: typedColumn(inter, 'split', new Int8(), Int8Array),
    timestamp: optionalColumn(inter, 'timestamp', new Float64(), Float64Array),
  };
  if (items.table.numRows !== nItems) {
    throw dataError(`${items.file}: rows`, `${nItems} (one per item, n_items in ${INTERACTIONS_FILE} metadata)`, items.table.numRows);
  }
  const itemIds = typedColumn(items, 'item', new Int32(), Int32Array);
  for (let r = 0; r < nItems; r++) {
    if (itemIds[r] !== r) throw dataError(tloc.cell(r, 'item'), `${r} (row i holds item i)`, itemIds[r]);
  }
  const nLabels = metaInt(items, 'n_labels');
  const labelNames = metaJson<string[]>(items, 'label_names');
  const labels = nLabels > 0 ? readLabels(items) : null;
  const modalities: Modality[] = [];
  for (const field of items.table.schema.fields) {
    if (field.name === 'item' || field.name === 'label') continue;
    const { dim, data } = fixedSizeListColumn(items, field.name);
    if (opts.checkFinite !== false) checkFinite(data, dim, (r, c) => `${items.file}: column ${field.name}, row ${r}, component ${c}`);
    modalities.push({ name: field.name, dim, data });
  }
  const parts: DatasetParts = {
    nUsers, nItems, interactions, labels, nLabels, labelNames, modalities, meta: readMeta(inter.table.schema.metadata),
  };
  validateParts(parts, {
    interactions: iloc, items: tloc, allowColdUsers: opts.allowColdUsers,
    coldUserHint: ' (re-import with --cold-users filter)',
  });
  return makeDataset(parts);
}

/** The original ids written by an importer, or null when the dataset has none for that kind. */
export function readIdMap(dir: string, kind: 'user' | 'item', opts: { verify?: boolean } = {}): string[] | null {
  const path = join(dir, ID_MAP_FILES[kind]);
  if (!existsSync(path)) return null;
  const t = readArrowFile(path, path, opts.verify === false ? undefined : readManifest(dir)[ID_MAP_FILES[kind]]);
  const dense = typedColumn(t, kind, new Int32(), Int32Array);
  const ids = requireColumn(t, 'id').toArray() as string[];
  for (let r = 0; r < dense.length; r++) if (dense[r] !== r) throw dataError(rowLocator(t.file).cell(r, kind), String(r), dense[r]);
  return Array.from(ids, (s) => s ?? '');
}

function readLabels(items: ReturnType<typeof readArrowFile>): Int32Array {
  const values = typedColumn(items, 'label', new Int32(), Int32Array, { nullable: true });
  const labels = Int32Array.from(values); // small (one per item); nulls become -1 below
  const vector = requireColumn(items, 'label');
  if (vector.nullCount > 0) for (let r = 0; r < labels.length; r++) if (!vector.isValid(r)) labels[r] = -1;
  return labels;
}

// ---- writing ----

function interactionsTable(p: DatasetParts): Table {
  const { user, item, split, timestamp } = p.interactions;
  const counts = splitCounts(split);
  const cols: [string, Data][] = [
    ['user', makeData({ type: new Int32(), length: user.length, data: user })],
    ['item', makeData({ type: new Int32(), length: item.length, data: item })],
    ['split', makeData({ type: new Int8(), length: split.length, data: split })],
  ];
  if (timestamp) cols.push(['timestamp', makeData({ type: new Float64(), length: timestamp.length, data: timestamp })]);
  return tableOf(cols, {
    ...metaEntries(p.meta),
    n_users: String(p.nUsers),
    n_items: String(p.nItems),
    n_interactions: String(user.length),
    n_train: String(counts.train),
    n_valid: String(counts.valid),
    n_test: String(counts.test),
  }, new Set(['timestamp']));
}

function itemsTable(p: DatasetParts): Table {
  const ids = new Int32Array(p.nItems).map((_, i) => i);
  const cols: [string, Data][] = [['item', makeData({ type: new Int32(), length: p.nItems, data: ids })], ['label', labelData(p)]];
  for (const m of p.modalities) {
    const child = makeData({ type: new Float32(), length: m.data.length, data: m.data });
    const type = new FixedSizeList(m.dim, new Field('value', new Float32(), false));
    cols.push([m.name, makeData({ type, length: p.nItems, nullCount: 0, child })]);
  }
  return tableOf(cols, {
    format_version: String(FORMAT_VERSION),
    n_items: String(p.nItems),
    n_labels: String(p.labels ? p.nLabels : 0),
    ...(p.labelNames ? { label_names: JSON.stringify(p.labelNames) } : {}),
    modalities: JSON.stringify(Object.fromEntries(p.modalities.map((m) => [m.name, m.dim]))),
  }, new Set(['label']));
}

/** Nullable int32 labels: validity bit cleared (and value -1) where the label is missing. */
function labelData(p: DatasetParts): Data {
  const n = p.nItems;
  const values = p.labels ? Int32Array.from(p.labels) : new Int32Array(n).fill(-1);
  const bitmap = new Uint8Array(((n + 63) >> 6) << 3);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    if (values[i] >= 0) bitmap[i >> 3] |= 1 << (i & 7);
    else nulls++;
  }
  return makeData({ type: new Int32(), length: n, nullCount: nulls, nullBitmap: bitmap, data: values });
}

function idMapTable(kind: 'user' | 'item', ids: string[]): Table {
  const dense = new Int32Array(ids.length).map((_, i) => i);
  return tableOf(
    [[kind, makeData({ type: new Int32(), length: ids.length, data: dense })], ['id', vectorFromArray(ids, new Utf8()).data[0]]],
    { format_version: String(FORMAT_VERSION) },
    new Set(),
  );
}

function tableOf(cols: [string, Data][], meta: Record<string, string>, nullable: Set<string>): Table {
  const fields = cols.map(([name, d]) => new Field(name, d.type as DataType, nullable.has(name)));
  const schema = new Schema(fields, new Map(Object.entries(meta).map(([k, v]) => [`sgfd.${k}`, v])));
  const length = cols.length ? cols[0][1].length : 0;
  const struct = makeData({ type: new Struct(fields), length, nullCount: 0, children: cols.map(([, d]) => d) });
  return new Table(schema, new RecordBatch(schema, struct));
}

/** Streams the IPC file chunks (views of the column buffers) straight to disk, hashing them. */
async function writeTable(path: string, table: Table): Promise<FileDigest> {
  const writer = RecordBatchFileWriter.writeAll(table);
  const hash = createHash('sha256');
  let bytes = 0;
  const fd = openSync(path, 'w');
  try {
    for await (const chunk of writer) {
      writeSync(fd, chunk);
      hash.update(chunk);
      bytes += chunk.byteLength;
    }
  } finally {
    closeSync(fd);
  }
  return { bytes, sha256: hash.digest('hex') };
}

function metaEntries(m: DatasetMeta): Record<string, string> {
  const out: Record<string, string> = {
    format_version: String(FORMAT_VERSION), name: m.name, source: m.source, synthetic: String(m.synthetic),
  };
  if (m.created) out.created = m.created;
  for (const [k, v] of Object.entries(m.notes)) out[`note.${k}`] = v;
  return out;
}

function readMeta(md: Map<string, string>): DatasetMeta {
  const notes: Record<string, string> = {};
  for (const [k, v] of md) if (k.startsWith('sgfd.note.')) notes[k.slice('sgfd.note.'.length)] = v;
  return {
    name: md.get('sgfd.name') ?? '',
    source: md.get('sgfd.source') ?? '',
    created: md.get('sgfd.created') ?? null,
    synthetic: md.get('sgfd.synthetic') === 'true',
    notes,
  };
}

/**
 * `sgfd data manifest DIR`: checks that the dataset loads (every structural check, no digests),
 * then records the digests of its files as they are now.
 */
export function recreateManifest(dir: string, opts: { force?: boolean } = {}): { outcome: ManifestOutcome; dataset: Dataset } {
  const dataset = readDataset(dir, { verify: false });
  for (const kind of ['user', 'item'] as const) readIdMap(dir, kind, { verify: false });
  return { outcome: recordManifest(dir, [INTERACTIONS_FILE, ITEMS_FILE, ID_MAP_FILES.user, ID_MAP_FILES.item], opts.force), dataset };
}
