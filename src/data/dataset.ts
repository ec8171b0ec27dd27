// The in-memory dataset handed to trainers, evaluators and servers. src/data knows nothing of
// graphs: everything here is a typed array, ready to be wrapped by `ort.Tensor` without a copy.
//
// On disk a dataset is a directory (see arrow-io.ts):
//   interactions.arrow  user int32, item int32, split int8 (0 train / 1 valid / 2 test) [, timestamp float64]
//   items.arrow         item int32 (row i is item i), label int32 nullable, one
//                       FixedSizeList<Float32>[dim] column per modality (any names)
//   user_ids.arrow, item_ids.arrow  optional maps dense id -> original id (importers write them)
// with provenance and counts in the schema metadata.

/** Split codes of the `split` column. */
export const TRAIN = 0;
export const VALID = 1;
export const TEST = 2;
export const SPLIT_NAMES = ['train', 'valid', 'test'] as const;
export type SplitName = (typeof SPLIT_NAMES)[number];

/** Version of the on-disk layout written by this code (schema metadata `sgfd.format_version`). */
export const FORMAT_VERSION = 1;

/** One row per interaction; all arrays have the same length. */
export interface Interactions {
  /** Dense user ids in [0, nUsers). */
  user: Int32Array;
  /** Dense item ids in [0, nItems). */
  item: Int32Array;
  /** 0 train, 1 valid, 2 test. */
  split: Int8Array;
  /** Optional event time (whatever unit the source used; float64 holds integers exactly to 2^53). */
  timestamp: Float64Array | null;
}

/**
 * Item features of one modality: row-major nItems × dim float32, row i = item i.
 * In a loaded dataset `data` is a zero-copy view of the Arrow FixedSizeList child buffer.
 */
export interface Modality {
  name: string;
  dim: number;
  data: Float32Array;
}

/**
 * Compressed sparse rows of the user × item matrix for one split: user u's items are
 * `indices[indptr[u] .. indptr[u+1])`, sorted ascending, without duplicates.
 */
export interface Csr {
  /** Length nUsers + 1, indptr[0] = 0, indptr[nUsers] = number of interactions in the split. */
  indptr: Int32Array;
  /** Item ids, sorted within each user's row. */
  indices: Int32Array;
}

/** Provenance kept in the schema metadata. */
export interface DatasetMeta {
  /** Short name, e.g. "lastfm-2k-mm" or "synthetic". */
  name: string;
  /** Where the data came from (format, files, options); free text, one line. */
  source: string;
  /** ISO time of creation; null for deterministic outputs (the synthetic generator). */
  created: string | null;
  /** True for generated data: it must never be mistaken for a real dataset. */
  synthetic: boolean;
  /** Further provenance (import options, generator config as JSON, ...). */
  notes: Record<string, string>;
}

/** Everything a dataset is made of; what importers and the generator produce and the writer takes. */
export interface DatasetParts {
  nUsers: number;
  nItems: number;
  interactions: Interactions;
  /** Label per item, -1 where missing; null when the dataset has no labels. */
  labels: Int32Array | null;
  /** Number of label classes (labels lie in [0, nLabels)); 0 when there are no labels. */
  nLabels: number;
  /** Class names when known (length nLabels), else null. */
  labelNames: string[] | null;
  modalities: Modality[];
  meta: DatasetMeta;
}

/** A dataset ready for use: the parts plus per-split adjacency. */
export interface Dataset extends DatasetParts {
  /** Per-split user → items adjacency (trainers use `train`; evaluators mask `train` and `valid`). */
  csr: Record<SplitName, Csr>;
}

/** Adds the CSR adjacency of every split. The arrays are shared, not copied. */
export function makeDataset(parts: DatasetParts): Dataset {
  const { user, item, split } = parts.interactions;
  const csr = {
    train: buildCsr(parts.nUsers, user, item, split, TRAIN),
    valid: buildCsr(parts.nUsers, user, item, split, VALID),
    test: buildCsr(parts.nUsers, user, item, split, TEST),
  };
  return { ...parts, csr };
}

/**
 * CSR of the interactions whose split equals `only` (or of all of them when `only` is null).
 * Counting sort by user, then each row sorted. O(E + Σ d log d).
 */
export function buildCsr(
  nUsers: number,
  user: Int32Array,
  item: Int32Array,
  split: Int8Array | null = null,
  only: number | null = null,
): Csr {
  const indptr = new Int32Array(nUsers + 1);
  const keep = (r: number) => only === null || split === null || split[r] === only;
  for (let r = 0; r < user.length; r++) if (keep(r)) indptr[user[r] + 1]++;
  for (let u = 0; u < nUsers; u++) indptr[u + 1] += indptr[u];
  const fill = indptr.slice(0, nUsers);
  const indices = new Int32Array(indptr[nUsers]);
  for (let r = 0; r < user.length; r++) if (keep(r)) indices[fill[user[r]]++] = item[r];
  for (let u = 0; u < nUsers; u++) indices.subarray(indptr[u], indptr[u + 1]).sort();
  return { indptr, indices };
}

/** Row ids grouped by user: rows of user u are `rows[indptr[u] .. indptr[u+1])`, in file order. */
export function rowsByUser(nUsers: number, user: Int32Array): Csr {
  const indptr = new Int32Array(nUsers + 1);
  for (let r = 0; r < user.length; r++) indptr[user[r] + 1]++;
  for (let u = 0; u < nUsers; u++) indptr[u + 1] += indptr[u];
  const fill = indptr.slice(0, nUsers);
  const indices = new Int32Array(user.length);
  for (let r = 0; r < user.length; r++) indices[fill[user[r]]++] = r;
  return { indptr, indices };
}

/** The user of every entry of a CSR (expands indptr), e.g. to batch over train interactions. */
export function csrRowIds(csr: Csr): Int32Array {
  const n = csr.indptr.length - 1;
  const rows = new Int32Array(csr.indices.length);
  for (let u = 0; u < n; u++) rows.fill(u, csr.indptr[u], csr.indptr[u + 1]);
  return rows;
}

/** Number of interactions per split code. */
export function splitCounts(split: Int8Array): Record<SplitName, number> {
  const c = [0, 0, 0];
  for (let r = 0; r < split.length; r++) c[split[r]]++;
  return { train: c[0], valid: c[1], test: c[2] };
}

/** Keeps the rows where `keep[r]` is non-zero (a new Interactions; columns copied). */
export function selectRows(inter: Interactions, keep: Uint8Array): Interactions {
  let n = 0;
  for (let r = 0; r < keep.length; r++) if (keep[r]) n++;
  const out: Interactions = {
    user: new Int32Array(n),
    item: new Int32Array(n),
    split: new Int8Array(n),
    timestamp: inter.timestamp ? new Float64Array(n) : null,
  };
  for (let r = 0, w = 0; r < keep.length; r++) {
    if (!keep[r]) continue;
    out.user[w] = inter.user[r];
    out.item[w] = inter.item[r];
    out.split[w] = inter.split[r];
    if (out.timestamp) out.timestamp[w] = inter.timestamp![r];
    w++;
  }
  return out;
}

/** Per user of `users`, the items any of `exclude` lists (each CSR row ascending), ascending and distinct, as CSR offsets + items. */
export function excludedOf(users: Int32Array, exclude: readonly Csr[]): { ptr: Int32Array; items: Int32Array } {
  const ptr = new Int32Array(users.length + 1);
  let total = 0;
  for (let r = 0; r < users.length; r++) for (const c of exclude) total += c.indptr[users[r] + 1] - c.indptr[users[r]];
  const items = new Int32Array(total);
  let w = 0;
  for (let r = 0; r < users.length; r++) {
    const from = w;
    for (const c of exclude) {
      const lo = c.indptr[users[r]], hi = c.indptr[users[r] + 1];
      items.set(c.indices.subarray(lo, hi), w);
      w += hi - lo;
    }
    const own = exclude.length > 1 ? items.subarray(from, w).sort() : items.subarray(from, w);
    let d = 0;
    for (let i = 0; i < own.length; i++) if (i === 0 || own[i] !== own[i - 1]) own[d++] = own[i];
    w = from + d;
    ptr[r + 1] = w;
  }
  return { ptr, items: items.subarray(0, w) };
}
