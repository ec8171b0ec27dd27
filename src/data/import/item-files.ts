// Per-item side files shared by the importers: feature matrices (.npy, one per modality) and
// labels (a TSV/CSV with an item-id column and a label column, or an .npy vector).
import { basename } from 'node:path';
import type { Modality } from '../dataset.ts';
import { dataError, type Warn } from '../errors.ts';
import { npyFeatures, npyIntVector, readNpy, type NpyArray } from '../npy.ts';
import { column, isIntegerText, readTextTable } from '../text-table.ts';
import { indexOfSorted } from './id-space.ts';

/** A modality name and the .npy file holding its features (row i = item i). */
export interface FeatureSpec {
  name: string;
  path: string;
}

/**
 * Which rows of a per-item file become the dataset's items: row i is item i, or — after --reindex —
 * row o is the item whose source id is o (`source[j]` for dense item j, ascending).
 */
export interface ItemRows {
  /** Items of the dataset. */
  n: number;
  source: Int32Array | null;
  /** Where the items come from, for messages (e.g. "max itemID + 1 in lfm.inter"). */
  from: string;
}

/** Rows a per-item file must have: one per item, or up to the largest source id after --reindex. */
const rowsNeeded = (items: ItemRows) => (items.source ? items.source[items.source.length - 1] + 1 : items.n);

/** Rows `source` of a row-major [rows × dim] matrix. */
function gatherRows<A extends Float32Array | Int32Array>(data: A, dim: number, source: Int32Array, make: (n: number) => A): A {
  const out = make(source.length * dim);
  source.forEach((o, j) => out.set(data.subarray(o * dim, (o + 1) * dim) as never, j * dim));
  return out;
}

/** Parses `--feature text=path.npy`. */
export function parseFeatureSpec(spec: string): FeatureSpec {
  const eq = spec.indexOf('=');
  const name = spec.slice(0, eq);
  if (eq <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || ['item', 'label'].includes(name)) {
    throw new Error(`--feature ${spec}: expected NAME=FILE.npy with NAME a word other than item/label (e.g. text=text.npy)`);
  }
  return { name, path: spec.slice(eq + 1) };
}

/**
 * Reads each feature file as float32 and checks it has one row per item. With `extraRows:
 * 'truncate'` a file with more rows keeps the first nItems (what the SGFD release's own loader
 * does) and a warning is given; otherwise any mismatch is an error. After --reindex the rows of the
 * items' source ids are kept (the file needs a row up to the largest one).
 */
export function readFeatures(specs: readonly FeatureSpec[], items: ItemRows, extraRows: 'error' | 'truncate', warn: Warn): Modality[] {
  const seen = new Set<string>();
  const { n: nItems, from: itemsFrom } = items;
  return specs.map(({ name, path }) => {
    if (seen.has(name)) throw new Error(`--feature: modality ${name} given twice`);
    seen.add(name);
    const f = npyFeatures(readNpy(path, basename(path)));
    const file = basename(path);
    if (items.source) {
      const need = rowsNeeded(items);
      if (f.rows < need) throw dataError(`${file}: rows`, `at least ${need} (row i = item id i; --reindex keeps the rows of the ${nItems} items in ${itemsFrom})`, f.rows);
      return { name, dim: f.dim, data: gatherRows(f.data, f.dim, items.source, (n) => new Float32Array(n)) };
    }
    if (f.rows > nItems && extraRows === 'truncate') {
      warn(`${file}: ${f.rows} rows for ${nItems} items; kept the first ${nItems}`);
      return { name, dim: f.dim, data: f.data.subarray(0, nItems * f.dim) };
    }
    if (f.rows !== nItems) throw dataError(`${file}: rows`, `${nItems} (one per item, ${itemsFrom})`, f.rows);
    return { name, dim: f.dim, data: f.data };
  });
}

export interface ItemLabels {
  /** Label per item, -1 where missing. */
  labels: Int32Array;
  nLabels: number;
  /** Class names when the file held strings (sorted; label k is names[k]). */
  labelNames: string[] | null;
}

export interface LabelFileOptions {
  /** Label column of a TSV/CSV (default "label"). */
  column?: string;
  /** Item id column of a TSV/CSV (default "itemID"). */
  itemColumn?: string;
  /** Keep items without a label as missing (-1) instead of failing. */
  allowMissing?: boolean;
}

/**
 * Reads labels from .npy (int vector, or one-hot rows → argmax; row i = item i, or source id i after
 * --reindex) or a delimited text table (item ids as in the interactions; after --reindex, rows of
 * items that are not in the interactions are ignored with a warning).
 */
export function readLabelFile(path: string, items: ItemRows, opts: LabelFileOptions = {}, warn: Warn = () => {}): ItemLabels {
  const file = basename(path);
  const nItems = items.n;
  const labelColumn = opts.column ?? 'label';
  let raw: ItemLabels;
  if (path.endsWith('.npy')) {
    raw = npyLabels(readNpy(path, file), rowsNeeded(items), warn);
    if (items.source) raw = { ...raw, labels: gatherRows(raw.labels, 1, items.source, (n) => new Int32Array(n)) };
  } else {
    raw = tableLabels(path, file, items, labelColumn, opts.itemColumn ?? 'itemID', warn);
  }
  let missing = 0;
  let first = -1;
  for (let i = 0; i < nItems; i++) if (raw.labels[i] < 0) { missing++; if (first < 0) first = i; }
  if (missing > 0 && !opts.allowMissing) {
    throw dataError(`${file}: column ${path.endsWith('.npy') ? 'label' : labelColumn}`, `a label for each of the ${nItems} items (or pass --allow-missing-labels)`, `${missing} items without (first: item ${first})`);
  }
  return raw;
}

function tableLabels(path: string, file: string, items: ItemRows, labelColumn: string, itemColumn: string, warn: Warn): ItemLabels {
  const nItems = items.n;
  const t = readTextTable(path, file, { required: [itemColumn, labelColumn] });
  const ids = column(t, itemColumn);
  const values = column(t, labelColumn);
  const labels = new Int32Array(nItems).fill(-1);
  const rowOf = new Int32Array(nItems).fill(-1);
  const present = values.filter((v) => v !== '');
  const numeric = present.every(isIntegerText);
  const names = numeric ? null : [...new Set(present)].sort();
  const code = new Map(names?.map((n, k) => [n, k]));
  let max = -1;
  let ignored = 0;
  for (let r = 0; r < t.nRows; r++) {
    const parsed = isIntegerText(ids[r]) ? Number(ids[r]) : NaN;
    const id = items.source && parsed <= 2147483647 ? indexOfSorted(items.source, parsed) : parsed;
    if (items.source && id < 0 && parsed >= 0) { ignored++; continue; }
    if (!(id >= 0 && id < nItems)) throw dataError(t.loc.cell(r, itemColumn), `an item id in [0, ${nItems})`, ids[r]);
    if (rowOf[id] >= 0) throw dataError(t.loc.cell(r, itemColumn), 'one row per item', `item ${id} again (first at ${t.loc.cell(rowOf[id], itemColumn)})`);
    rowOf[id] = r;
    if (values[r] === '') continue;
    const v = numeric ? Number(values[r]) : code.get(values[r])!;
    if (!(v >= 0 && v <= 2147483646)) throw dataError(t.loc.cell(r, labelColumn), 'a non-negative integer label or a class name', values[r]);
    labels[id] = v;
    if (v > max) max = v;
  }
  if (ignored) warn(`${file}: ${ignored} row${ignored === 1 ? '' : 's'} name items that are not in the interactions (--reindex keeps only those); ignored`);
  return { labels, nLabels: names ? names.length : max + 1, labelNames: names };
}

/** 1-D ints (-1 = missing) or 2-D one-/multi-hot rows (argmax; an all-zero row = missing). */
function npyLabels(a: NpyArray, nItems: number, warn: Warn): ItemLabels {
  const rows = a.shape[0] ?? 0;
  if (rows < nItems) throw dataError(`${a.file}: rows`, `${nItems} (one per item)`, rows);
  if (rows > nItems) warn(`${a.file}: ${rows} rows for ${nItems} items; kept the first ${nItems}`);
  let labels: Int32Array;
  let nLabels: number;
  if (a.shape.length === 2) {
    const width = a.shape[1];
    nLabels = width;
    labels = new Int32Array(nItems).fill(-1);
    for (let i = 0; i < nItems; i++) {
      let best = 0;
      for (let c = 0; c < width; c++) {
        const v = Number(a.data[i * width + c]);
        if (v - v !== 0) throw dataError(`${a.file}: row ${i}, column ${c}`, 'a finite number', String(v));
        if (v > best) { best = v; labels[i] = c; }
      }
    }
  } else {
    labels = npyIntVector(a).subarray(0, nItems);
    nLabels = 0;
    for (let i = 0; i < nItems; i++) {
      if (labels[i] < -1) throw dataError(`${a.file}: row ${i}`, 'a label ≥ 0 (or -1 for missing)', labels[i]);
      nLabels = Math.max(nLabels, labels[i] + 1);
    }
  }
  return { labels, nLabels, labelNames: null };
}
