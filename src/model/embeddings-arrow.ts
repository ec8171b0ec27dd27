// The exported model's tables as Arrow IPC files:
//   user_embeddings.arrow, item_embeddings.arrow, added_items.arrow (cold-start items):
//       id utf8 (original id, or the dense id in decimal), embedding FixedSizeList<Float32>[d]
//       — row r of the user/item file is dense id r; added items follow the trained items. A user
//       row and an item row may differ in width (pairwise models: model.json dims).
//   seen_items.arrow: user int32 (dense), items List<Int32> (every item the user interacted with).
import { Field, FixedSizeList, Float32, Int32, List, makeData, RecordBatch, Schema, Struct, Table, tableToIPC, Utf8, vectorFromArray, type Data } from 'apache-arrow';
import { fixedSizeListColumn, readArrowFile, requireColumn, typedColumn } from '../data/index.ts';
import { dataError, rowLocator } from '../data/index.ts';
import { buildCsr, type Csr, type Dataset } from '../data/index.ts';

export const MODEL_FILES = {
  card: 'model.json',
  student: 'student.onnx',
  scorer: 'scorer.onnx',
  users: 'user_embeddings.arrow',
  items: 'item_embeddings.arrow',
  added: 'added_items.arrow',
  seen: 'seen_items.arrow',
} as const;

/** Ids and their embeddings, row-major [ids.length × dim]. */
export interface EmbeddingTable { ids: string[]; data: Float32Array; dim: number }

function tableBytes(columns: [string, Data, boolean][], metadata: Record<string, string>): Uint8Array {
  const fields = columns.map(([name, d, nullable]) => new Field(name, d.type, nullable));
  const schema = new Schema(fields, new Map(Object.entries(metadata).map(([k, v]) => [`sgfd.${k}`, v])));
  const length = columns.length ? columns[0][1].length : 0;
  const struct = makeData({ type: new Struct(fields), length, nullCount: 0, children: columns.map(([, d]) => d) });
  return tableToIPC(new Table(schema, new RecordBatch(schema, struct)), 'file');
}

/** An embeddings file: `id` and `embedding` columns; `kind` and `dim` in the schema metadata. */
export function embeddingsBytes(t: EmbeddingTable, kind: string): Uint8Array {
  if (t.data.length !== t.ids.length * t.dim) throw new RangeError(`${kind} embeddings: ${t.data.length} values for ${t.ids.length} ids × ${t.dim}`);
  const child = makeData({ type: new Float32(), length: t.data.length, data: t.data });
  const type = new FixedSizeList(t.dim, new Field('value', new Float32(), false));
  return tableBytes([
    ['id', vectorFromArray(t.ids, new Utf8()).data[0], false],
    ['embedding', makeData({ type, length: t.ids.length, nullCount: 0, child }), false],
  ], { kind, dim: String(t.dim) });
}

/** Reads an embeddings file, checking ids (present, distinct), the width (model.json's `dimField`) and finiteness. */
export function readEmbeddings(path: string, name: string, dim: number, dimField = 'dims.embedding'): EmbeddingTable {
  const f = readArrowFile(path, name);
  const idColumn = requireColumn(f, 'id');
  if (String(idColumn.type) !== 'Utf8') throw dataError(`${name}: column id`, 'type Utf8', String(idColumn.type));
  const ids = idColumn.toArray() as string[];
  const { dim: width, data } = fixedSizeListColumn(f, 'embedding');
  if (width !== dim) throw dataError(`${name}: column embedding`, `width ${dim} (model.json ${dimField})`, width);
  const seen = new Set<string>();
  const at = rowLocator(name);
  ids.forEach((id, r) => {
    if (id === null || id === undefined) throw dataError(at.cell(r, 'id'), 'an id', 'null');
    if (seen.has(id)) throw dataError(at.cell(r, 'id'), 'a distinct id', id);
    seen.add(id);
  });
  for (let j = 0; j < data.length; j++) if (!Number.isFinite(data[j])) throw dataError(at.cell(Math.floor(j / dim), 'embedding'), 'finite values', data[j]);
  return { ids: Array.from(ids), data, dim };
}

/** Every item each user interacted with (all splits), sorted and distinct per user. */
export function seenItems(ds: Dataset): Csr {
  const all = buildCsr(ds.nUsers, ds.interactions.user, ds.interactions.item);
  const indptr = new Int32Array(ds.nUsers + 1);
  const kept: number[] = [];
  for (let u = 0; u < ds.nUsers; u++) {
    for (let p = all.indptr[u]; p < all.indptr[u + 1]; p++) if (p === all.indptr[u] || all.indices[p] !== all.indices[p - 1]) kept.push(all.indices[p]);
    indptr[u + 1] = kept.length;
  }
  return { indptr, indices: Int32Array.from(kept) };
}

export function seenBytes(csr: Csr): Uint8Array {
  const n = csr.indptr.length - 1;
  const child = makeData({ type: new Int32(), length: csr.indices.length, data: csr.indices });
  const lists = makeData({ type: new List(new Field('item', new Int32(), false)), length: n, nullCount: 0, valueOffsets: csr.indptr, child });
  return tableBytes([
    ['user', makeData({ type: new Int32(), length: n, data: Int32Array.from({ length: n }, (_, u) => u) }), false],
    ['items', lists, false],
  ], { what: 'items each user interacted with (all splits), excluded by exclude_seen' });
}

export function readSeen(path: string, name: string, nUsers: number, nItems: number): Csr {
  const f = readArrowFile(path, name);
  const users = typedColumn(f, 'user', new Int32(), Int32Array);
  if (users.length !== nUsers) throw dataError(`${name}: rows`, `${nUsers} (one per user)`, users.length);
  const v = requireColumn(f, 'items');
  if (v.data.length !== 1) throw dataError(`${name}: column items`, 'one record batch', v.data.length);
  const d = v.data[0];
  const offsets = (d.valueOffsets as Int32Array).subarray(d.offset, d.offset + nUsers + 1);
  const indptr = Int32Array.from(offsets, (o) => o - offsets[0]);
  const indices = (d.children[0].values as Int32Array).subarray(offsets[0], offsets[nUsers]);
  for (let j = 0; j < indices.length; j++) if (indices[j] < 0 || indices[j] >= nItems) throw dataError(`${name}: column items, entry ${j}`, `an item in [0, ${nItems})`, indices[j]);
  return { indptr, indices };
}
