// Sums of lists of rows known at build time — out[o] = Σ_{r ∈ list(o)} data[r] — as padded gathers:
// outputs are grouped by list length into buckets of width K (1, 2, 3, 4, 6, 8, 12, …: at most 1.5×
// padding), each bucket one Gather [n, K, …] from the data plus a zero row (the padding's target) and
// one ReduceSum over K. Race-free and deterministic like the CumSum formulation of segment sums. Graph
// propagation uses it to sum neighbours' node rows with no [E, …] edge tensor at all (Office, one
// layer forward + gradient: 9.9 → 5.0 ms). Sums with a value per edge (GRCN) use the same buckets
// with the edges' values gathered alongside (edge-lists.ts).
// A large bucket is gathered and summed in pieces of at most PIECE_BYTES, so each piece's [n, K, …]
// copy is summed while it is still in cache (Last.fm-shaped layer, one thread: 4.0 → 3.0 ms).
import { type Value, type Graph, int } from '../graph.ts';
import { bytesPerElement } from '../dtype.ts';
import { ShapeError } from '../shape.ts';
import { emit1, zeros } from './util.ts';
import { concat } from './layout.ts';
import { reduceSum } from './reduce.ts';

/** CSR lists: output o sums data rows `rows[offsets[o] … offsets[o + 1])`, each in [0, dataRows). */
export interface RowLists { offsets: Int32Array; rows: Int32Array; dataRows: number }

/** Output `owner[k]` lists data row `row[k]` (pairs in order; each owner in [0, numOut)). */
export function listsOfPairs(owner: ArrayLike<number>, row: ArrayLike<number>, numOut: number, dataRows: number): RowLists {
  const offsets = new Int32Array(numOut + 1);
  for (let k = 0; k < owner.length; k++) {
    const o = owner[k];
    if (!(o >= 0 && o < numOut)) throw new RangeError(`row lists: owner[${k}] = ${o} is outside [0, ${numOut})`);
    offsets[o + 1]++;
  }
  for (let o = 0; o < numOut; o++) offsets[o + 1] += offsets[o];
  const fill = offsets.slice(0, numOut);
  const rows = new Int32Array(owner.length);
  for (let k = 0; k < owner.length; k++) {
    const r = row[k];
    if (!(r >= 0 && r < dataRows)) throw new RangeError(`row lists: row[${k}] = ${r} is outside [0, ${dataRows})`);
    rows[fill[owner[k]]++] = r;
  }
  return { offsets, rows, dataRows };
}

/** The bucket width for a list of `n` ≥ 1 rows: the smallest of 1, 2, 3, 4, 6, 8, 12, 16, … ≥ n. */
export function bucketWidth(n: number): number {
  let w = 1;
  while (w < n) w = w >= 2 && (w & (w - 1)) === 0 ? (w * 3) / 2 : 2 ** Math.ceil(Math.log2(w + 1));
  return w;
}

/** One padded gather per width: the outputs it holds and their row table [outputs × width]. */
interface Bucket { width: number; outputs: number[]; table: BigInt64Array }

/** Outputs with a non-empty list (CSR `offsets`), grouped by bucket width, widths ascending. */
export function outputsByWidth(offsets: Int32Array): [number, number[]][] {
  const byWidth = new Map<number, number[]>();
  for (let o = 0; o + 1 < offsets.length; o++) {
    const n = offsets[o + 1] - offsets[o];
    if (n === 0) continue;
    const w = bucketWidth(n);
    const list = byWidth.get(w);
    if (list) list.push(o); else byWidth.set(w, [o]);
  }
  return [...byWidth.entries()].sort((a, b) => a[0] - b[0]);
}

export function bucketsOf(l: RowLists): Bucket[] {
  const pad = BigInt(l.dataRows);
  return outputsByWidth(l.offsets).map(([width, outputs]) => {
    const table = new BigInt64Array(outputs.length * width).fill(pad);
    outputs.forEach((o, j) => {
      for (let k = l.offsets[o]; k < l.offsets[o + 1]; k++) table[j * width + k - l.offsets[o]] = BigInt(l.rows[k]);
    });
    return { width, outputs, table };
  });
}

/**
 * Where each output's row sits in the concatenation of the buckets' results (`order`: the outputs in
 * that concatenation), empty outputs pointing one past it (at a zero row); absent when that is
 * already output order.
 */
export function outputPositions(order: Iterable<number>, offsets: Int32Array): BigInt64Array | undefined {
  const outputs = offsets.length - 1;
  const position = new BigInt64Array(outputs);
  let next = 0;
  for (const o of order) position[o] = BigInt(next++);
  if (next === outputs && position.every((p, o) => p === BigInt(o))) return undefined;
  for (let o = 0; o < outputs; o++) if (offsets[o + 1] === offsets[o]) position[o] = BigInt(next);
  return position;
}

/** The buckets' results `parts` (rows in bucket order) as rows in output order, zeros for empty outputs. */
export function inOutputOrder(parts: Value[], position: Value | undefined, zeroRow: Value): Value {
  if (!position) return parts.length === 1 ? parts[0] : concat(parts, 0);
  const stacked = concat([...parts, zeroRow], 0);
  return emit1('Gather', [stacked, position], stacked.dtype, [position.shape[0], ...stacked.shape.slice(1)], { axis: int(0) });
}

/**
 * out[o] = Σ_{r ∈ list(o)} data[r] for data [dataRows, …] → [outputs, …]; an empty list gives zeros.
 * Forward only: the caller gives it a gradient (graph propagation, whose matrix is symmetric: the
 * same sum over dy).
 */
export function sumOfRows(data: Value, l: RowLists): Value {
  const g = data.graph;
  if (data.shape[0] !== l.dataRows) throw new ShapeError(`sumOfRows: ${data} must have ${l.dataRows} rows, the lists' data`);
  const rest = data.shape.slice(1);
  const zeroRow = zeros(g, data.dtype, [1, ...rest], data);
  const padded = concat([data, zeroRow], 0);
  const width = rest.reduce<number>((a, d) => (typeof d === 'number' ? a * d : NaN), 1);
  const t = tablesOf(g, l, width * bytesPerElement(data.dtype));
  const gatherRows = (idx: Value) => emit1('Gather', [padded, idx], data.dtype, [...idx.shape, ...rest], { axis: int(0) });
  const parts = t.tables.map((idx) => (idx.rank === 1 ? gatherRows(idx) : reduceSum(gatherRows(idx), [1])));
  return inOutputOrder(parts, t.position, zeroRow);
}

/** Largest padded copy [n, K, …] gathered at once (bytes): small enough to be summed from cache. */
export const PIECE_BYTES = 1 << 20;

/** Outputs per piece of a bucket of width `width` over rows of `rowBytes`, pieces of at most `budget` bytes (all of them for 1-wide buckets, which sum nothing). */
export function piecesOf(outputs: number, width: number, rowBytes: number, budget = PIECE_BYTES): number[] {
  if (width === 1 || !(rowBytes > 0)) return [outputs];
  const per = Math.max(1, Math.floor(budget / (width * rowBytes)));
  const n = Math.ceil(outputs / per);
  return Array.from({ length: n }, (_, i) => Math.min(per, outputs - i * per));
}

/** The lists' index constants in `g` — row tables per bucket piece, and where each output sits in
 * their concatenation (absent when that is already output order) — made once per graph and row size. */
interface Tables { graph: Graph; rowBytes: number; tables: Value[]; position?: Value }
const made = new WeakMap<RowLists, Tables>();

function tablesOf(g: Graph, l: RowLists, rowBytes: number): Tables {
  const cached = made.get(l);
  if (cached?.graph === g && cached.rowBytes === rowBytes) return cached;
  const buckets = bucketsOf(l);
  const tables = buckets.flatMap((b) => {
    if (b.width === 1) return [g.constant(b.table, 'int64', [b.outputs.length])];
    let from = 0;
    return piecesOf(b.outputs.length, b.width, rowBytes).map((n) => {
      const piece = b.table.subarray(from * b.width, (from += n) * b.width);
      return g.constant(piece, 'int64', [n, b.width]);
    });
  });
  const position = outputPositions(buckets.flatMap((b) => b.outputs), l.offsets);
  const t: Tables = { graph: g, rowBytes, tables, position: position && g.constant(position, 'int64', [position.length]) };
  made.set(l, t);
  return t;
}
