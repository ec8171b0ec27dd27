// LightGCN-style propagation over the symmetric-normalised user–item graph: race-free segment sums over
// the edges, or dense products with the user × item block where the graph is small and dense enough.
import * as G from '../graph/index.ts';
import { type Value, type Graph, computeIndexPlan } from '../graph/index.ts';
import { type Binder, type Parameter } from '../nn/index.ts';

/** Edges of the bipartite graph over nodes [users; items], both directions, with D^-1/2 A D^-1/2 weights, sorted by destination. */
export interface NormalisedGraph {
  src: Int32Array; dst: Int32Array; weight: Float32Array; nodes: number;
  /** Nodes [0, users) are users, [users, nodes) items. */
  users: number;
  /** For each directed edge, the training interaction (undirected edge) it comes from. */
  pair: Int32Array;
  /** Per node, (degree + 1e-7)^-1/2: weight[e] = scale[src] · scale[dst]. */
  scale: Float32Array;
}

export function normalisedBipartite(nUsers: number, nItems: number, users: Int32Array, items: Int32Array): NormalisedGraph {
  const nodes = nUsers + nItems;
  const deg = new Float64Array(nodes);
  for (let k = 0; k < users.length; k++) { deg[users[k]]++; deg[nUsers + items[k]]++; }
  const E = users.length * 2;
  const src = new Int32Array(E);
  const dst = new Int32Array(E);
  const weight = new Float32Array(E);
  for (let k = 0; k < users.length; k++) {
    const u = users[k];
    const i = nUsers + items[k];
    const w = 1 / Math.sqrt((deg[u] + 1e-7) * (deg[i] + 1e-7));
    src[2 * k] = u; dst[2 * k] = i; weight[2 * k] = w;
    src[2 * k + 1] = i; dst[2 * k + 1] = u; weight[2 * k + 1] = w;
  }
  const pair = Int32Array.from({ length: E }, (_, e) => e >> 1);
  const scale = Float32Array.from(deg, (x) => 1 / Math.sqrt(x + 1e-7));
  return sortByDestination({ src, dst, weight, nodes, users: nUsers, pair, scale });
}

/** Edges reordered by destination (stable), so segment sums over destinations need no sort at run time. */
function sortByDestination(a: NormalisedGraph): NormalisedGraph {
  const plan = computeIndexPlan(a.dst, a.nodes);
  const order = Array.from(plan.perm, Number);
  const pick = <T extends Int32Array | Float32Array>(x: T) => x.map((_, j) => x[order[j]]) as T;
  return { nodes: a.nodes, users: a.users, src: pick(a.src), dst: pick(a.dst), weight: pick(a.weight), pair: pick(a.pair), scale: a.scale };
}

/** The graph as constants of `g` (index plans computed now, once). */
export function graphConstants(g: Graph, a: NormalisedGraph) {
  return {
    src: G.indexConstant(g, a.src, a.nodes),
    dst: G.indexConstant(g, a.dst, a.nodes),
    weight: g.constant(a.weight, 'float32', [a.weight.length, 1]),
    nodes: a.nodes,
  };
}

/**
 * One propagation layer: out[v] = Σ_{(u→v)} w_uv · x[u] with w_uv = s_u · s_v (the symmetric
 * normalisation factors per node), computed as s ⊙ Σ_{u→v} (s ⊙ x)[u]: node-sized scalings instead
 * of an edge-sized product, and the neighbours' rows summed straight from the nodes' (padded
 * gathers per in-degree, row-lists.ts) without an [E × d] edge tensor. The matrix is symmetric (both
 * directions of every edge, w_uv = w_vu), so the gradient is the same layer applied to dy.
 */
function edgeLayer(g: Graph, a: NormalisedGraph): (x: Value) => Value {
  if (g.nativeKernels && g.smallStep) {
    // Σ w_uv · x[u] on the native row-sum kernel, between the step's ORT sessions: faster than the
    // fused step's padded gathers when ORT runs on one thread (a small step at 2 threads), slower when
    // it has two (sessions that do not spin wake for every kernel; docs/performance-history/, sessions 18 and 21).
    g.smallStepKernels = true;
    const lists = G.edgeLists(a.dst, a.src, a.nodes, a.nodes);
    const weight = g.constant(a.weight, 'float32', [a.weight.length]);
    return (x) => G.weightedSumOfRows(x, weight, lists);
  }
  const scale = g.constant(a.scale, 'float32', [a.nodes, 1]);
  const neighbours = G.listsOfPairs(a.dst, a.src, a.nodes, a.nodes);
  const layer = (v: Value) => G.mul(G.sumOfRows(G.mul(v, scale), neighbours), scale);
  return (x) => x.graph.withGradient([x], () => layer(x), (dy) => [layer(dy)]);
}

/** The users × items block R of D^-1/2 A D^-1/2, dense (A = [[0, R], [Rᵀ, 0]]). */
export function denseBlock(a: NormalisedGraph): Float32Array {
  const items = a.nodes - a.users;
  const r = new Float32Array(a.users * items);
  for (let e = 0; e < a.src.length; e++) if (a.src[e] < a.users) r[a.src[e] * items + a.dst[e] - a.users] = a.weight[e];
  return r;
}

/** How a layer propagates: over the edge list, or as two dense products with the users × items block. */
export type PropagationKind = 'edges' | 'dense';

/** Largest dense users × items block (floats): 64 MB. */
const DENSE_MAX_ENTRIES = 16 * 2 ** 20;
/** Interactions / (users · items) from which dense products beat the edge list (measured, see below). */
const DENSE_MIN_DENSITY = 0.04;

/**
 * Edges: padded neighbour gathers and sums between node scalings, memory-bound. Dense: R·x_items and
 * Rᵀ·x_users, 8·users·items·d flop a layer forward plus gradient, GEMM at ≈ 100 GFLOP/s a core. One
 * layer forward plus gradient at d = 128, one thread, under bin/sgfd's malloc (medians of 15, issue 12):
 * the Last.fm 2K shape (1.7 % dense) 3.7 ms over edges against 7.8 ms dense; the Office split (0.3 %)
 * 5.0 ms over edges (the CumSum segment sum before it: 9.9). Dense is ∝ users·items and edges ∝
 * interactions, so they break even near 4 % density.
 */
export function chooseKind(a: NormalisedGraph): PropagationKind {
  const entries = a.users * (a.nodes - a.users);
  return entries <= DENSE_MAX_ENTRIES && a.src.length / 2 >= DENSE_MIN_DENSITY * entries ? 'dense' : 'edges';
}

/** One propagation layer as a function of the node embeddings [users; items]: out = (D^-1/2 A D^-1/2) · x. */
export function propagator(g: Graph, a: NormalisedGraph, kind: PropagationKind = chooseKind(a)): (x: Value) => Value {
  if (kind === 'edges') return edgeLayer(g, a);
  const items = a.nodes - a.users;
  const r = g.constant(denseBlock(a), 'float32', [a.users, items]);
  const rt = G.transposeLast(r);
  return (x) => {
    const [u, i] = G.split(x, [a.users, items], 0);
    return G.concat([G.matmul(r, i), G.matmul(rt, u)], 0);
  };
}

/** Mean of layers 0..L of LightGCN propagation from `ego`. */
export function lightGcn(ego: Value, step: (x: Value) => Value, layers: number): Value {
  const all = [ego];
  let h = ego;
  for (let l = 0; l < layers; l++) { h = step(h); all.push(h); }
  return meanOfLayers(all);
}

/** Element-wise mean of the layer outputs (the layer-combination step of LightGCN-style models). */
export function meanOfLayers(layers: Value[]): Value {
  return layers.length === 1 ? layers[0] : G.mul(G.sumAll(layers), 1 / layers.length);
}

/**
 * LightGCN propagation of the node table [tables stacked by rows] (mean of layers 0..L): left to the
 * train step's runner when the step is compiled to offload it (a native kernel, the same math),
 * otherwise built into the graph.
 */
export function propagatedNodes(b: Binder, tables: Parameter[], a: NormalisedGraph, layers: number): Value {
  const offloaded = layers > 0 ? b.offloadPropagation?.({ params: tables, layers, ...csrOf(a) }) : undefined;
  return offloaded ?? lightGcn(G.concat(tables.map((t) => b.param(t)), 0), propagator(b.graph, a), layers);
}

/** The layer as CSR over destinations: row v sums weight · x[src] over its edges. */
function csrOf(a: NormalisedGraph): { ptr: Int32Array; index: Int32Array; weight: Float32Array } {
  const { ptr, index, order } = G.edgeCsr(G.edgeLists(a.dst, a.src, a.nodes, a.nodes));
  return { ptr, index, weight: order ? Float32Array.from(order, (e) => a.weight[e]) : a.weight };
}
