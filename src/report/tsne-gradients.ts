// The two t-SNE gradients the optimiser (tsne.ts) descends, both without the constant factor 4
// (the learning rate absorbs it): the exact O(n²) one over dense affinities, and Barnes-Hut's
// O(n log n) one — attraction over the sparse kNN affinities, repulsion from a quadtree.
import { QuadTree, type Repulsion } from './quadtree.ts';
import type { SparseRows } from './tsne-affinities.ts';

/** Writes ∂C/∂y (÷4) for embedding y [n, 2], input affinities scaled by `exaggeration`, into grad. */
export type Gradient = (y: Float64Array, exaggeration: number, grad: Float64Array) => void;

/** The exact gradient: Σ_j (e·P_ij − q_ij/Z) q_ij (y_i − y_j) over every pair; P dense, symmetric, [n, n]. */
export function exactGradient(P: Float64Array, n: number): Gradient {
  const num = new Float64Array(n * n);
  return (Y, exag, grad) => {
    let Z = 0;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const dx = Y[2 * i] - Y[2 * j];
        const dy = Y[2 * i + 1] - Y[2 * j + 1];
        const q = 1 / (1 + dx * dx + dy * dy);
        num[i * n + j] = q;
        Z += 2 * q;
      }
    }
    grad.fill(0);
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const q = num[i * n + j];
        const coef = (exag * P[i * n + j] - q / Z) * q;
        const gx = coef * (Y[2 * i] - Y[2 * j]);
        const gy = coef * (Y[2 * i + 1] - Y[2 * j + 1]);
        grad[2 * i] += gx; grad[2 * i + 1] += gy;
        grad[2 * j] -= gx; grad[2 * j + 1] -= gy;
      }
    }
  };
}

/**
 * Barnes-Hut: attraction e·Σ_j P_ij q_ij (y_i − y_j) over P's nonzeros only (each pair once, as P
 * is symmetric), repulsion Σ_j q_ij² (y_i − y_j) / Z with far cells of the quadtree standing in for
 * their points (θ).
 */
export function barnesHutGradient(P: SparseRows, n: number, theta: number): Gradient {
  const tree = new QuadTree();
  const rep: Repulsion = { sumQ: 0, fx: 0, fy: 0 };
  const { from, to, val } = upperEdges(P, n);
  const attract = new Float64Array(2 * n);
  return (Y, exag, grad) => {
    attract.fill(0);
    for (let e = 0; e < val.length; e++) {
      const i = from[e], j = to[e];
      const dx = Y[2 * i] - Y[2 * j], dy = Y[2 * i + 1] - Y[2 * j + 1];
      const pq = val[e] / (1 + dx * dx + dy * dy);
      attract[2 * i] += pq * dx; attract[2 * i + 1] += pq * dy;
      attract[2 * j] -= pq * dx; attract[2 * j + 1] -= pq * dy;
    }
    tree.build(Y, n);
    let Z = 0;
    for (let i = 0; i < n; i++) {
      tree.repulsion(i, theta, rep);
      Z += rep.sumQ;
      grad[2 * i] = rep.fx;
      grad[2 * i + 1] = rep.fy;
    }
    if (!(Z > 0)) Z = 1; // fewer than two points: nothing repels
    for (let k = 0; k < 2 * n; k++) grad[k] = exag * attract[k] - grad[k] / Z;
  };
}

/** The pairs i < j of a symmetric sparse matrix, row by row. */
function upperEdges(P: SparseRows, n: number): { from: Int32Array; to: Int32Array; val: Float64Array } {
  const from: number[] = [];
  const to: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let e = P.start[i]; e < P.start[i + 1]; e++) {
      if (P.cols[e] > i) { from.push(i); to.push(P.cols[e]); val.push(P.vals[e]); }
    }
  }
  return { from: Int32Array.from(from), to: Int32Array.from(to), val: Float64Array.from(val) };
}
