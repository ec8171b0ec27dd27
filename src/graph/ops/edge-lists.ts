// Sums and dot products over the edges of a graph known at build time, with per-edge values, without
// any [E, …] edge tensor: edges are grouped by owner into padded buckets (row-lists.ts), gathered and
// reduced in pieces of at most EDGE_PIECE_BYTES so each piece is reduced while still in cache.
//   weightedSumOfRows: out[o] = Σ_{e: owner e = o} w[e] · data[row e]            (SpMM, edge values)
//   rowDotsOfEdges:    s[e]   = ⟨a[row e], b[owner e]⟩                           (SDDMM)
// Each is the other's gradient (with the edges' roles swapped where needed), so both are race-free
// and deterministic. GRCN's routing, edge attention and confidence-weighted propagation run on them.
// In a graph with `nativeKernels` (float32) each is one NATIVE_DOMAIN node instead, run by the native
// CSR kernels between ORT sessions (graph/stages.ts).
import { type Value, type Graph, type NativeCall, NATIVE_DOMAIN, int } from '../graph.ts';
import { type Shape, ShapeError } from '../shape.ts';
import { type DType, bytesPerElement } from '../dtype.ts';
import { emit1, zeros } from './util.ts';
import { concat, reshape } from './layout.ts';
import { mul } from './elementwise.ts';
import { matmul } from './matmul.ts';
import { reduceSum } from './reduce.ts';
import { piecesOf, outputsByWidth, outputPositions, inOutputOrder } from './row-lists.ts';

/**
 * Largest padded copy [n, K, d] one batched product reads (bytes). Larger than row-lists' pieces: with
 * 2 threads each op also pays ORT's thread hand-off. Last.fm GRCN step, medians of 2 runs of 15 steps:
 * 1 thread 218 / 227 / 227 ms and 2 threads 181 / 166 / 167 ms for pieces of 1 / 4 / 16 MB.
 */
export const EDGE_PIECE_BYTES = 4 << 20;

/** Edges e = 0 … E−1, each from data row `row[e]` to output `owner[e]`. */
export interface EdgeLists {
  owner: Int32Array; row: Int32Array; numOwners: number; numRows: number;
  /** The same edges with owners and rows swapped (built on first use). */
  transposed?: EdgeLists;
}

export function edgeLists(owner: ArrayLike<number>, row: ArrayLike<number>, numOwners: number, numRows: number): EdgeLists {
  if (owner.length !== row.length) throw new RangeError(`edge lists: ${owner.length} owners but ${row.length} rows`);
  if (owner.length === 0) throw new RangeError('edge lists: no edges');
  for (let e = 0; e < owner.length; e++) {
    if (!(owner[e] >= 0 && owner[e] < numOwners)) throw new RangeError(`edge lists: owner[${e}] = ${owner[e]} is outside [0, ${numOwners})`);
    if (!(row[e] >= 0 && row[e] < numRows)) throw new RangeError(`edge lists: row[${e}] = ${row[e]} is outside [0, ${numRows})`);
  }
  return { owner: Int32Array.from(owner), row: Int32Array.from(row), numOwners, numRows };
}

export function transposedEdges(l: EdgeLists): EdgeLists {
  l.transposed ??= { owner: l.row, row: l.owner, numOwners: l.numRows, numRows: l.numOwners, transposed: l };
  return l.transposed;
}

/** One piece of a bucket: its owners [n], and per owner `width` data rows and edge ids (padding: numRows, E). */
interface Piece { width: number; owners: BigInt64Array; rows: BigInt64Array; edges: BigInt64Array }

/** The pieces of every bucket in order; where each owner's result sits in their concatenation (absent: in order); each edge's slot. */
interface Layout { pieces: Piece[]; position?: BigInt64Array; slot: BigInt64Array }

function layoutOf(l: EdgeLists, rowBytes: number): Layout {
  const E = l.owner.length;
  const count = new Int32Array(l.numOwners + 1);
  for (let e = 0; e < E; e++) count[l.owner[e] + 1]++;
  const start = Int32Array.from(count);
  for (let o = 0; o < l.numOwners; o++) start[o + 1] += start[o];
  const byOwner = new Int32Array(E);
  const fill = start.slice(0, l.numOwners);
  for (let e = 0; e < E; e++) byOwner[fill[l.owner[e]]++] = e;
  const pieces: Piece[] = [];
  const slot = new BigInt64Array(E);
  let slots = 0;
  for (const [width, owners] of outputsByWidth(start)) {
    let from = 0;
    for (const n of piecesOf(owners.length, width, rowBytes, EDGE_PIECE_BYTES)) {
      const p: Piece = { width, owners: new BigInt64Array(n), rows: new BigInt64Array(n * width).fill(BigInt(l.numRows)), edges: new BigInt64Array(n * width).fill(BigInt(E)) };
      for (let j = 0; j < n; j++) {
        const o = owners[from + j];
        p.owners[j] = BigInt(o);
        for (let k = start[o]; k < start[o + 1]; k++) {
          const e = byOwner[k];
          const at = j * width + k - start[o];
          p.rows[at] = BigInt(l.row[e]);
          p.edges[at] = BigInt(e);
          slot[e] = BigInt(slots + at);
        }
      }
      slots += n * width;
      from += n;
      pieces.push(p);
    }
  }
  const position = outputPositions(pieces.flatMap((p) => Array.from(p.owners, Number)), start);
  return { pieces, position, slot };
}

/**
 * The layout's index constants in `g`, made once per graph and row size, shaped so each piece's ops
 * need no Unsqueeze or Reshape of their own: rows [n, K], owners [n] (K > 1, for a [rows, d, 1] table)
 * or [n, 1] (K = 1), edges [n, 1, K].
 */
interface Tables { graph: Graph; rowBytes: number; widths: number[]; owners: Value[]; rows: Value[]; edges: Value[]; position?: Value; slot: Value }
const made = new WeakMap<EdgeLists, Tables[]>();

function tablesOf(g: Graph, l: EdgeLists, rowBytes: number): Tables {
  const list = (made.get(l) ?? []).filter((t) => t.graph === g);
  const cached = list.find((t) => t.rowBytes === rowBytes);
  if (cached) return cached;
  const layout = layoutOf(l, rowBytes);
  const t: Tables = {
    graph: g, rowBytes,
    widths: layout.pieces.map((p) => p.width),
    owners: layout.pieces.map((p) => g.constant(p.owners, 'int64', p.width === 1 ? [p.owners.length, 1] : [p.owners.length])),
    rows: layout.pieces.map((p) => g.constant(p.rows, 'int64', [p.owners.length, p.width])),
    edges: layout.pieces.map((p) => g.constant(p.edges, 'int64', [p.owners.length, 1, p.width])),
    position: layout.position && g.constant(layout.position, 'int64', [l.numOwners]),
    slot: g.constant(layout.slot, 'int64', [l.owner.length]),
  };
  made.set(l, [...list, t]);
  return t;
}

const csrs = new WeakMap<EdgeLists, NativeCall['csr']>();

/** The edges grouped by owner (stable: edge order within an owner), for the native kernels; made once per lists. */
export function edgeCsr(l: EdgeLists): NativeCall['csr'] {
  let c = csrs.get(l);
  if (c) return c;
  const E = l.owner.length;
  const ptr = new Int32Array(l.numOwners + 1);
  for (let e = 0; e < E; e++) ptr[l.owner[e] + 1]++;
  for (let o = 0; o < l.numOwners; o++) ptr[o + 1] += ptr[o];
  const fill = ptr.slice(0, l.numOwners);
  const order = new Int32Array(E);
  for (let e = 0; e < E; e++) order[fill[l.owner[e]]++] = e;
  const index = Int32Array.from(order, (e) => l.row[e]);
  c = { ptr, index, order: order.every((e, k) => e === k) ? null : order };
  csrs.set(l, c);
  return c;
}

/** The op as one native node, when the graph allows it and the values are float32 (else null). */
function nativeNode(kernel: NativeCall['kernel'], inputs: Value[], out: { dtype: DType; shape: Shape }, l: EdgeLists): Value | null {
  const g = inputs[0].graph;
  if (!g.nativeKernels || inputs.some((x) => x.dtype !== 'float32')) return null;
  const [y] = g.emit(kernel === 'rowSums' ? 'EdgeSum' : 'EdgeDots', inputs, [out], {}, NATIVE_DOMAIN);
  y.producer!.native = { kernel, csr: edgeCsr(l) };
  return y;
}

const gatherRows = (x: Value, idx: Value) => emit1('Gather', [x, idx], x.dtype, [...idx.shape, ...x.shape.slice(1)], { axis: int(0) });

/** The width d of a [rows, d] table (a static d), else a ShapeError. */
function tableWidth(x: Value, rows: number, what: string): number {
  if (x.rank !== 2 || x.shape[0] !== rows || typeof x.shape[1] !== 'number') throw new ShapeError(`${what}: ${x} must be [${rows}, d] with a static d`);
  return x.shape[1];
}

/** A [rows, d] table with a zero row appended (the padding's target), and its row size in bytes. */
function padded(x: Value, rows: number, what: string): { table: Value; rowBytes: number } {
  const d = tableWidth(x, rows, what);
  return { table: concat([x, zeros(x.graph, x.dtype, [1, d], x)], 0), rowBytes: d * bytesPerElement(x.dtype) };
}

/** Per-edge values as a vector [E] (from [E] or [E, 1]). */
function edgeVector(w: Value, E: number, what: string): Value {
  if (w.shape[0] !== E || w.rank > 2 || (w.rank === 2 && w.shape[1] !== 1)) throw new ShapeError(`${what}: ${w} must be [${E}] or [${E}, 1], one value per edge`);
  return w.rank === 1 ? w : reshape(w, [E]);
}

/** out[o] = Σ_{e: owner e = o} w[e] · data[row e] for data [numRows, d] and w [E] or [E, 1] → [numOwners, d]. */
export function weightedSumOfRows(data: Value, w: Value, l: EdgeLists): Value {
  const g = data.graph;
  const E = l.owner.length;
  const wv = edgeVector(w, E, 'weightedSumOfRows');
  return g.withGradient([data, w], () => {
    const d = tableWidth(data, l.numRows, 'weightedSumOfRows');
    const native = nativeNode('rowSums', [data, wv], { dtype: data.dtype, shape: [l.numOwners, d] }, l);
    if (native) return native;
    const { table, rowBytes } = padded(data, l.numRows, 'weightedSumOfRows');
    const weights = concat([wv, zeros(g, wv.dtype, [1], wv)], 0);
    const t = tablesOf(g, l, rowBytes);
    // A piece's weighted sum is a batch of [1, K] · [K, d] products: no [n, K, d] product is made.
    const parts = t.rows.map((rows, i) => {
      const x = gatherRows(table, rows);
      const we = gatherRows(weights, t.edges[i]);
      return t.widths[i] === 1 ? mul(x, we) : matmul(we, x);
    });
    return reshape(inOutputOrder(parts, t.position, zeros(g, data.dtype, [1, 1, d], data)), [l.numOwners, d]);
  }, (dy) => {
    const dw = rowDotsOfEdges(data, dy, l);
    return [weightedSumOfRows(dy, wv, transposedEdges(l)), w.rank === 1 ? dw : reshape(dw, [E, 1])];
  });
}

/** s[e] = ⟨a[row e], b[owner e]⟩ for a [numRows, d], b [numOwners, d] → [E]. */
export function rowDotsOfEdges(a: Value, b: Value, l: EdgeLists): Value {
  const g = a.graph;
  if (b.rank !== 2 || b.shape[0] !== l.numOwners || b.shape[1] !== a.shape[1]) throw new ShapeError(`rowDotsOfEdges: ${b} must be [${l.numOwners}, ${a.shape[1]}]`);
  return g.withGradient([a, b], () => {
    tableWidth(a, l.numRows, 'rowDotsOfEdges');
    const native = nativeNode('rowDots', [a, b], { dtype: a.dtype, shape: [l.owner.length] }, l);
    if (native) return native;
    const { table, rowBytes } = padded(a, l.numRows, 'rowDotsOfEdges');
    const t = tablesOf(g, l, rowBytes);
    const columns = t.widths.some((w) => w > 1) ? reshape(b, [l.numOwners, b.shape[1], 1]) : b;
    const parts = t.rows.map((rows, i) => {
      const x = gatherRows(table, rows);
      if (t.widths[i] === 1) return reshape(reduceSum(mul(x, gatherRows(b, t.owners[i])), [2]), [-1]);
      return reshape(matmul(x, gatherRows(columns, t.owners[i])), [-1]);
    });
    return gatherRows(parts.length === 1 ? parts[0] : concat(parts, 0), t.slot);
  }, (ds) => [weightedSumOfRows(b, ds, transposedEdges(l)), weightedSumOfRows(a, ds, l)]);
}
