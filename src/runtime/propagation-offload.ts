// LightGCN-style propagation run outside the fused train step, on the native row-sums kernel: the
// step graph takes the propagated table as an input and gives back its gradient (nn/train-step-graph.ts
// compiles it so), and the runner computes both sides here. Inside ONNX Runtime the same layer is a
// padded gather per neighbour and a sum over them (row-lists.ts), which writes every neighbour's row
// to memory first; the kernel reads rows in place.
import { type NativeKernels } from './native.ts';
import { nextName, type StateSpec } from './step-io.ts';

/**
 * out = c · Σ_{l = 0..layers} Aˡ x, c = 1 / (layers + 1): x the named parameters' rows stacked in
 * order, A one propagation layer as CSR (output row r sums weight[e] · x[index[e]], e in
 * [ptr[r], ptr[r + 1])). A must be symmetric (A = Aᵀ), so the gradient is the same operator.
 */
export interface PropagationOffload {
  /** The step graph's input carrying `out`, and the output carrying d loss / d out. */
  input: string;
  gradient: string;
  params: { name: string; rows: number }[];
  cols: number;
  layers: number;
  ptr: Int32Array;
  index: Int32Array;
  weight: Float32Array;
}

/**
 * What a train step with work left to the runner adds to a fused one (see CompiledTrainStep): the
 * propagations, and the update of the parameters the step graph does not update itself — those the
 * propagations read and, when the optimiser is plain Adam, every parameter without a row-norm
 * constraint (the native Adam kernel is one pass over each parameter; the graph's update is about a
 * dozen elementwise kernels, and its outputs are copied out of ORT each step).
 */
export interface OffloadPlan {
  propagations: PropagationOffload[];
  /**
   * The parameters updated outside the step graph and their optimiser state; `bytes`: the graph that
   * updates them, fed `gradientOf(param)` (null when the native Adam kernel does).
   */
  optimizer: { bytes: Uint8Array | null; params: string[]; state: StateSpec[] };
  /**
   * Parameters updated outside whose gradient (all of it, or for those a propagation reads, the part
   * that does not pass through it) the step graph outputs as `gradientOf(name)`.
   */
  graphGradients: string[];
  /**
   * Of graphGradients, those the step graph outputs as rows (rowGradientOf): tables read only through
   * a gather, whose gradient is zero but in the batch's rows; the native Adam kernel takes the rows.
   */
  rowGradients?: string[];
  /**
   * The same update as `optimizer`'s graph, for the native kernel: plain Adam (L2 weight decay, per-group
   * learning-rate scales, no row-norm constraint); null otherwise, and the graph runs.
   */
  nativeAdam: NativeAdamPlan | null;
}

/** Adam's settings (as the graph's float32 constants) and each offloaded parameter's own. */
export interface NativeAdamPlan {
  beta1: number; beta2: number; eps: number;
  /** Each parameter with its optimiser-state tensors (first and second moments). */
  params: { name: string; m: string; v: string; lrScale: number; weightDecay: number }[];
}

/**
 * The step graph's outputs of Adam's bias corrections 1 − β1ᵗ and 1 − β2ᵗ, for the native update: its
 * own float32 exp, so that the update is the graph's to the last bit.
 */
export const BIAS_CORRECTIONS = ['optim.bias_correction1', 'optim.bias_correction2'] as const;

/** What a compiled step leaves to the native kernels, for reports: e.g. 'propagation + Adam', 'edges + Adam', or 'none'. */
export function nativeWork(c: { offload?: OffloadPlan; stages?: unknown }): string {
  const plan = c.offload;
  return [c.stages ? 'edges' : '', plan?.propagations.length ? 'propagation' : '', plan?.nativeAdam ? 'Adam' : ''].filter(Boolean).join(' + ') || 'none';
}

/** The name of a parameter's gradient, as the step graph outputs it and the optimiser graph takes it. */
export const gradientOf = (name: string) => `grad.${name}`;

/** The outputs of a gradient given as rows: the rows [U, cols] and their distinct row ids [U, 1] (int64). */
export const rowGradientOf = (name: string) => ({ rows: `grad.${name}.rows`, ids: `grad.${name}.ids` });

/** The state names an optimiser graph updates (their next values are `nextName(name)`). */
export const updatedNames = (o: OffloadPlan['optimizer']) => [...o.params, ...o.state.map((s) => s.name)].map((n) => [n, nextName(n)] as const);

/**
 * One offloaded propagation's two sides, with their working memory kept from step to step (fresh
 * pages cost ≈ 10 µs each on this project's machines: new tables every step would cost more than
 * the kernel). The arrays it returns are its own, valid until its next call.
 */
export class OffloadedPropagation {
  readonly rows: number;
  private readonly x: Float32Array;
  private readonly out: Float32Array;
  private readonly grad: Float32Array;
  /** Intermediate layers' tables, for two layers or more. */
  private readonly scratch: Float32Array[];
  private readonly c: number;
  constructor(private readonly k: NativeKernels, readonly p: PropagationOffload, private readonly threads: number) {
    if (!(p.layers >= 1)) throw new RangeError(`offloaded propagation '${p.input}': ${p.layers} layers, expected at least 1`);
    this.rows = p.params.reduce((n, q) => n + q.rows, 0);
    const size = this.rows * p.cols;
    [this.x, this.out, this.grad] = [new Float32Array(size), new Float32Array(size), new Float32Array(size)];
    this.scratch = p.layers > 1 ? [new Float32Array(size), new Float32Array(size)] : [];
    this.c = Math.fround(1 / (p.layers + 1));
  }

  private rowSums(x: Float32Array, out: Float32Array, plus: Float32Array | null, scale: number): void {
    const { p } = this;
    this.k.rowSums(x, p.cols, p.ptr, p.index, p.weight, this.threads, out, plus, scale, null);
  }

  /** c · Σ_l Aˡ x for x the parameters' rows stacked: float32 sums in layer order, then the scaling (as the graph's Sum and Mul). */
  forward(values: ReadonlyMap<string, Float32Array>): Float32Array {
    const { x, out, p } = this;
    let at = 0;
    for (const q of p.params) { const v = values.get(q.name)!; x.set(v, at); at += v.length; }
    if (p.layers === 1) { this.rowSums(x, out, x, this.c); return out; } // c · (A x + x) in one pass
    out.set(x);
    let h = x;
    for (let l = 1; l < p.layers; l++) { // all but the last layer: h = A h, out += h
      const next = this.scratch[l % 2];
      this.rowSums(h, next, null, 1);
      for (let j = 0; j < out.length; j++) out[j] += next[j];
      h = next;
    }
    this.rowSums(h, out, out, this.c); // the last layer, added and scaled in the kernel
    return out;
  }

  /**
   * d loss / dx from dy = d loss / d out, per parameter (views): with u_L = dy, u_l = A u_{l+1} + dy,
   * dx = c · u_0 (A symmetric) — the graph's g_l = A g_{l+1} + c·dy scaled by 1/c, the scaling applied
   * once, by the last kernel call.
   */
  gradient(dy: Float32Array): Map<string, Float32Array> {
    const { grad, p } = this;
    let g = dy;
    for (let l = 0; l < p.layers; l++) {
      const last = l === p.layers - 1;
      const next = last ? grad : this.scratch[l % 2];
      this.rowSums(g, next, dy, last ? this.c : 1);
      g = next;
    }
    const parts = new Map<string, Float32Array>();
    let at = 0;
    for (const q of p.params) { parts.set(q.name, grad.subarray(at, at + q.rows * p.cols)); at += q.rows * p.cols; }
    return parts;
  }
}
