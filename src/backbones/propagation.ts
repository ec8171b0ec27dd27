// LightGCN-style propagation over the symmetric-normalised user–item graph, with race-free segment sums.
import * as G from '../graph/index.ts';
import { type Value, type Graph, computeIndexPlan } from '../graph/index.ts';

/** Edges of the bipartite graph over nodes [users; items], both directions, with D^-1/2 A D^-1/2 weights, sorted by destination. */
export interface NormalisedGraph {
  src: Int32Array; dst: Int32Array; weight: Float32Array; nodes: number;
  /** For each directed edge, the training interaction (undirected edge) it comes from. */
  pair: Int32Array;
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
  return sortByDestination({ src, dst, weight, nodes, pair });
}

/** Edges reordered by destination (stable), so segment sums over destinations need no sort at run time. */
function sortByDestination(a: NormalisedGraph): NormalisedGraph {
  const plan = computeIndexPlan(a.dst, a.nodes);
  const order = Array.from(plan.perm, Number);
  const pick = <T extends Int32Array | Float32Array>(x: T) => x.map((_, j) => x[order[j]]) as T;
  return { nodes: a.nodes, src: pick(a.src), dst: pick(a.dst), weight: pick(a.weight), pair: pick(a.pair) };
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

/** One propagation layer: out[v] = Σ_{(u→v)} w_uv · x[u]. */
export function propagate(x: Value, c: ReturnType<typeof graphConstants>): Value {
  return G.segmentSumBy(G.mul(G.gather(x, c.src), c.weight), c.dst);
}

/** Mean of layers 0..L of LightGCN propagation from `ego`. */
export function lightGcn(ego: Value, c: ReturnType<typeof graphConstants>, layers: number): Value {
  const all = [ego];
  let h = ego;
  for (let l = 0; l < layers; l++) { h = propagate(h, c); all.push(h); }
  return meanOfLayers(all);
}

/** Element-wise mean of the layer outputs (the layer-combination step of LightGCN-style models). */
export function meanOfLayers(layers: Value[]): Value {
  return layers.length === 1 ? layers[0] : G.mul(G.sumAll(layers), 1 / layers.length);
}
