// Plain-JS (float64) sample distance correlation, written from its definition (Székely et al. 2007)
// with DGCF's ε: the reference the graph version (src/backbones/dgcf/independence.ts) is checked
// against. Distances are taken directly as ‖x_i − x_j‖, not via the graph's r_i + r_j − 2⟨x_i, x_j⟩.
export type Rows = number[][];

const EPS = 1e-8;
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

/** a_ij = √(‖x_i − x_j‖² + ε), double-centred. */
function centred(x: Rows): Rows {
  const a = x.map((xi) => x.map((xj) => Math.sqrt(xi.reduce((s, v, k) => s + (v - xj[k]) ** 2, 0) + EPS)));
  const rows = a.map(mean);
  const cols = a[0].map((_, j) => mean(a.map((r) => r[j])));
  const all = mean(rows);
  return a.map((r, i) => r.map((v, j) => v - rows[i] - cols[j] + all));
}

const dcov = (A: Rows, B: Rows) => Math.sqrt(Math.max(mean(A.flatMap((r, i) => r.map((v, j) => v * B[i][j]))), 0) + EPS);

/** dCor(x, y) = dCov(x, y) / √(dCov(x, x)·dCov(y, y) + ε) for row sets of equal length. */
export function dcorReference(x: Rows, y: Rows): number {
  const [A, B] = [centred(x), centred(y)];
  return dcov(A, B) / Math.sqrt(dcov(A, A) * dcov(B, B) + EPS);
}

/** Mean dCor over all pairs k < k' of the K column chunks of the rows x. */
export function factorIndependenceReference(x: Rows, K: number): number {
  const c = x[0].length / K;
  const chunk = (k: number) => x.map((r) => r.slice(k * c, (k + 1) * c));
  const pairs: number[] = [];
  for (let k = 0; k < K; k++) for (let l = k + 1; l < K; l++) pairs.push(dcorReference(chunk(k), chunk(l)));
  return mean(pairs);
}
