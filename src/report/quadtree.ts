// A 2-D quadtree over t-SNE's embedding for the Barnes-Hut approximation of the repulsive forces
// (van der Maaten 2014): every cell keeps its point count and centre of mass, and a cell that looks
// small from a point (half-side / distance < θ) acts on it as one point of that mass. Built by
// inserting the points in index order, then laid out in depth-first order without empty cells, each
// cell knowing where its subtree ends — the walk for a point is a forward scan, no stack. Arrays are
// reused across rebuilds; the sums are deterministic.

/** Below this depth cells split; at it (or for coincident points) a leaf holds several points. */
const MAX_DEPTH = 48;

export interface Repulsion {
  /** Σ_j q_ij with q_ij = 1 / (1 + ‖y_i − y_j‖²), over j ≠ i (its sum over i is t-SNE's Z). */
  sumQ: number;
  /** Σ_j q_ij² (y_i − y_j), x and y. */
  fx: number;
  fy: number;
}

const grow = <T extends Float64Array | Int32Array>(a: T, size: number): T => {
  if (a.length >= size) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(64, 2 * a.length, size));
  b.set(a);
  return b;
};

export class QuadTree {
  private y: Float64Array = new Float64Array(0);
  // While building, per node: centre and half-side of the square, point count and coordinate sums,
  // the first of its four (contiguous) children or −1, and a leaf's first point or −1.
  private nodes = 0;
  private centreX = new Float64Array(0);
  private centreY = new Float64Array(0);
  private half = new Float64Array(0);
  private count = new Int32Array(0);
  private sumX = new Float64Array(0);
  private sumY = new Float64Array(0);
  private firstChild = new Int32Array(0);
  private leafPoint = new Int32Array(0);
  /** Per point: the next point of its leaf, or −1. */
  private nextPoint = new Int32Array(0);
  // The walk's layout, per non-empty cell in depth-first order: centre of mass, half-side², count,
  // the index just past its subtree, and a leaf's first point (−1 for an inner cell).
  private cells = 0;
  private comX = new Float64Array(0);
  private comY = new Float64Array(0);
  private half2 = new Float64Array(0);
  private mass = new Int32Array(0);
  private end = new Int32Array(0);
  private point = new Int32Array(0);
  /** Per point: the depth-first index of its leaf (its cell holds it iff cell ≤ leaf < end). */
  private leafOf = new Int32Array(0);

  /** Rebuilds the tree over the n points of y [n, 2]. */
  build(y: Float64Array, n: number): void {
    this.y = y;
    this.nextPoint = grow(this.nextPoint, n);
    this.leafOf = grow(this.leafOf, n);
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (let i = 0; i < n; i++) {
      const px = y[2 * i], py = y[2 * i + 1];
      if (px < minX) minX = px;
      if (px > maxX) maxX = px;
      if (py < minY) minY = py;
      if (py > maxY) maxY = py;
    }
    this.nodes = 0;
    this.reserve(1);
    const span = Math.max(maxX - minX, maxY - minY);
    this.addNode((minX + maxX) / 2, (minY + maxY) / 2, span / 2 + 1e-9 * (span + 1));
    for (let i = 0; i < n; i++) this.insert(i, y[2 * i], y[2 * i + 1]);
    for (const a of ['comX', 'comY', 'half2'] as const) this[a] = grow(this[a], this.nodes);
    for (const a of ['mass', 'end', 'point'] as const) this[a] = grow(this[a], this.nodes);
    this.cells = 0;
    this.layOut(0);
  }

  /**
   * The repulsion on point i from every other point; a cell whose half-side over the distance from
   * i to its centre of mass is below θ counts as one point there (θ as in van der Maaten's
   * reference implementation, bhtsne; on the full side that is side / distance < 2θ). Cells that
   * hold i itself are always opened, so i never repels itself through a centre of mass.
   */
  repulsion(i: number, theta: number, out: Repulsion): void {
    const { y, comX, comY, half2, mass, end, point, nextPoint, cells } = this;
    const xi = y[2 * i], yi = y[2 * i + 1];
    const theta2 = theta * theta;
    const own = this.leafOf[i];
    let sumQ = 0, fx = 0, fy = 0;
    for (let k = 0; k < cells; ) {
      const first = point[k];
      if (first >= 0 && (mass[k] > 1 || first === i)) {
        // A leaf of several points (coincident, or at the depth limit), or holding i: point by point.
        for (let j = first; j >= 0; j = nextPoint[j]) {
          if (j === i) continue;
          const dx = xi - y[2 * j], dy = yi - y[2 * j + 1];
          const q = 1 / (1 + dx * dx + dy * dy);
          sumQ += q; fx += q * q * dx; fy += q * q * dy;
        }
        k++;
        continue;
      }
      const dx = xi - comX[k], dy = yi - comY[k];
      const d2 = dx * dx + dy * dy;
      // A single-point leaf acts exactly; an inner cell acts as one point when far enough.
      if (first >= 0 || ((own < k || own >= end[k]) && half2[k] < theta2 * d2)) {
        const q = 1 / (1 + d2);
        const m = mass[k] * q * q;
        sumQ += mass[k] * q; fx += m * dx; fy += m * dy;
        k = end[k];
      } else {
        k++;
      }
    }
    out.sumQ = sumQ; out.fx = fx; out.fy = fy;
  }

  private insert(p: number, px: number, py: number): void {
    // Room for a full-depth descent first, so the arrays below stay the ones in use.
    this.reserve(this.nodes + 4 * (MAX_DEPTH + 1));
    const { y, count, sumX, sumY, firstChild, leafPoint, nextPoint } = this;
    let node = 0;
    for (let depth = 0; ; depth++) {
      count[node]++;
      sumX[node] += px;
      sumY[node] += py;
      if (count[node] === 1) { leafPoint[node] = p; nextPoint[p] = -1; return; }
      if (firstChild[node] < 0) {
        const q = leafPoint[node];
        const qx = y[2 * q], qy = y[2 * q + 1];
        if (depth >= MAX_DEPTH || (qx === px && qy === py)) {
          nextPoint[p] = nextPoint[q];
          nextPoint[q] = p;
          return;
        }
        // Split: the leaf's points (one, or several at q's position) move down to q's quadrant.
        this.split(node);
        const to = this.childFor(node, qx, qy);
        count[to] = count[node] - 1;
        sumX[to] = sumX[node] - px;
        sumY[to] = sumY[node] - py;
        leafPoint[to] = q;
        leafPoint[node] = -1;
      }
      node = this.childFor(node, px, py);
    }
  }

  private childFor(node: number, px: number, py: number): number {
    return this.firstChild[node] + (px >= this.centreX[node] ? 1 : 0) + (py >= this.centreY[node] ? 2 : 0);
  }

  private split(node: number): void {
    const h = this.half[node] / 2;
    const cx = this.centreX[node], cy = this.centreY[node];
    this.firstChild[node] = this.nodes;
    // Order matches childFor: bit 0 = right half, bit 1 = upper half.
    this.addNode(cx - h, cy - h, h);
    this.addNode(cx + h, cy - h, h);
    this.addNode(cx - h, cy + h, h);
    this.addNode(cx + h, cy + h, h);
  }

  private reserve(nodes: number): void {
    if (nodes <= this.centreX.length) return;
    for (const a of ['centreX', 'centreY', 'half', 'sumX', 'sumY'] as const) this[a] = grow(this[a], nodes);
    for (const a of ['count', 'firstChild', 'leafPoint'] as const) this[a] = grow(this[a], nodes);
  }

  private addNode(cx: number, cy: number, half: number): void {
    const k = this.nodes++;
    this.centreX[k] = cx; this.centreY[k] = cy; this.half[k] = half;
    this.count[k] = 0; this.sumX[k] = 0; this.sumY[k] = 0;
    this.firstChild[k] = -1; this.leafPoint[k] = -1;
  }

  /** Appends the non-empty subtree of `node` in depth-first order (children in quadrant order). */
  private layOut(node: number): void {
    const c = this.count[node];
    if (c === 0) return;
    const k = this.cells++;
    this.comX[k] = c > 1 ? this.sumX[node] / c : this.sumX[node];
    this.comY[k] = c > 1 ? this.sumY[node] / c : this.sumY[node];
    this.half2[k] = this.half[node] * this.half[node];
    this.mass[k] = c;
    this.point[k] = this.leafPoint[node];
    const first = this.firstChild[node];
    if (first < 0) {
      for (let j = this.leafPoint[node]; j >= 0; j = this.nextPoint[j]) this.leafOf[j] = k;
    } else {
      for (let q = 0; q < 4; q++) this.layOut(first + q);
    }
    this.end[k] = this.cells;
  }
}
