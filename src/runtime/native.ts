// sgfd's optional native kernels (native/, built by `npm run build:native`, which `npm install`
// runs). Absent — no compiler, another CPU architecture, SGFD_NATIVE=0 — callers use their ONNX
// Runtime path, which gives the same results.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { projectFile } from './code-location.ts';
import { type Device } from './session.ts';

export interface NativeKernels {
  /**
   * Each user's best k items by dot product, fused (the score matrix is never stored): users
   * [n·dim], the item table packed by packItemPanels, excluded items per user as CSR offsets [n + 1]
   * into ascending item lists; fills outItems / outScores [n·k] best first (ties: lower item first;
   * item −1 and score −∞ where fewer than k items are left). Runs on `threads` threads.
   */
  dotTopK(users: Float32Array, panels: Float32Array, nItems: number, dim: number, k: number,
    excludedPtr: Int32Array, excludedItems: Int32Array, threads: number, outItems: Int32Array, outScores: Float32Array): void;
  /**
   * Weighted sums of rows of x [·, cols] (a sparse × dense product, CSR): out[r] = scale · (Σ w_e ·
   * x[index[e]] + plus[r]) over e in [ptr[r], ptr[r + 1]), each row summed in entry order whatever the
   * thread count; w_e = weight[e], or weight[weightAt[e]] (a permutation); `plus` null adds nothing,
   * and may be `out` itself. Float32 throughout.
   */
  rowSums(x: Float32Array, cols: number, ptr: Int32Array, index: Int32Array, weight: Float32Array, threads: number, out: Float32Array, plus: Float32Array | null, scale: number, weightAt: Int32Array | null): void;
  /**
   * Dot products of rows along the same CSR structure: ⟨x[index[e]], y[r]⟩ for e in [ptr[r], ptr[r + 1]),
   * y [rows, cols] (a sampled dense × denseᵀ product), written to out[e], or out[outAt[e]] (a
   * permutation). Float32.
   */
  rowDots(x: Float32Array, y: Float32Array, cols: number, ptr: Int32Array, index: Int32Array, threads: number, out: Float32Array, outAt: Int32Array | null): void;
  /**
   * MAML's pair score (native/attentive_scores.h) of every user row u [d] against every item row
   * [v ‖ p] [2d], fused (no [users × items × H] intermediate): out [nUsers · nItems] = −Σ_k a_k²
   * (u_k − v_k)², a the attention over [u; v; p]; weights row-major [in, out] (hidden [3d, H], out
   * [H, d]). Runs on `threads` threads; the same bits on any number of them.
   */
  attentiveScores(users: Float32Array, items: Float32Array, d: number, hiddenWeight: Float32Array, hiddenBias: Float32Array,
    outWeight: Float32Array, outBias: Float32Array, eps: number, threads: number, out: Float32Array): void;
  /**
   * NeuMF's pair score (native/tower_scores.h) of every user row [p ‖ p′] [2d] against every item row
   * [q ‖ q′] [2d], fused: out [nUsers · nItems] = Σ h_k p_k q_k + h[d:]·relu(relu(p′W1[:d] + b1 +
   * q′W1[d:])·W2 + b2) + bias; weights row-major [in, out] (w1 [2d, d], w2 [d, d2], predict [d + d2]).
   * Runs on `threads` threads; the same bits on any number of them.
   */
  towerScores(users: Float32Array, items: Float32Array, d: number, w1: Float32Array, b1: Float32Array, w2: Float32Array, b2: Float32Array,
    predict: Float32Array, bias: number, threads: number, out: Float32Array): void;
  /**
   * Each row's best k items of scores [rows, n] (a pair kernel's output) outside its excluded items
   * (excludedItems[excludedPtr[r] .. excludedPtr[r + 1]), ascending), best first, ties to the lower
   * item, −1 / −∞ where fewer are left, into outItems / outScores [rows × k]. Returns −1, or the flat
   * index (row · n + item) of the first NaN score (that row's outputs are then not written).
   */
  rankRows(scores: Float32Array, n: number, k: number, excludedPtr: Int32Array, excludedItems: Int32Array, threads: number, outItems: Int32Array, outScores: Float32Array): number;
  /**
   * One Adam step on param, m and v in place (float32, in the train-step graph's order), the gradient
   * grad + extra (extra may be null); hyper: β1, 1 − β1, β2, 1 − β2, √(1 − β2ᵗ), ε, lr / (1 − β1ᵗ),
   * L2 weight decay; vectorised (the scalar order's bits), split over up to `threads` threads when large.
   */
  adam(param: Float32Array, m: Float32Array, v: Float32Array, grad: Float32Array, extra: Float32Array | null, hyper: Float64Array, threads: number): void;
  /**
   * The same Adam step on a table param [rows, cols] whose gradient is zero but in the rows gradRows
   * holds: row r's gradient is gradRows[rowOf[r]], zeros where rowOf[r] = −1. Every row is updated
   * (m and v decay where the gradient is zero): adam()'s bits on the dense gradient.
   */
  adamRows(param: Float32Array, m: Float32Array, v: Float32Array, gradRows: Float32Array, rowOf: Int32Array, hyper: Float64Array, threads: number): void;
}

/** Threads for a native kernel from a session's `threads` setting: as ORT reads it (default 2; 0: every core). */
export function nativeThreads(threads: number | undefined): number {
  return threads === undefined ? 2 : threads > 0 ? threads : availableParallelism();
}

/**
 * Multiply-adds from which a kernel run beside spinning ORT workers takes the session's threads:
 * Toys-sized BM3's propagation layer (2.6 × 10⁵ edges × 128) gains from a second thread, Office's
 * and Last.fm's (0.7–0.9 × 10⁵ × 128) lose.
 */
export const PARALLEL_KERNEL_WORK = 1 << 24;

/**
 * Threads for a native kernel run between a step's ORT runs. A fused step's session keeps its
 * intra-op workers spinning for a while after each run (`besideSpinning`), holding the other cores
 * right when the kernel runs: there it stays on the calling thread unless its `work` (multiply-adds)
 * reaches PARALLEL_KERNEL_WORK. Measured at 2 threads: Last.fm LightGCN 10.2–11.2 → 6.4–6.5 ms a step,
 * Office SGFD-BM3 reference 66–68 → 62–63, Toys-sized BM3's Adam 10.8–11.7 → 8.0–9.1 ms. Threads
 * never change a kernel's results.
 */
export function kernelThreads(threads: number | undefined, besideSpinning: boolean, work = 0): number {
  return besideSpinning && work < PARALLEL_KERNEL_WORK ? 1 : nativeThreads(threads);
}

/** Items per panel of the packed item table (native/dot_top_k.h PANEL). */
export const PANEL = 16;

export const NATIVE_MODULE = 'native/build/Release/sgfd_native.node';

/** Every function NativeKernels declares: a module built from older sources lacks some and is not used. */
export const KERNEL_FUNCTIONS = ['dotTopK', 'rowSums', 'rowDots', 'attentiveScores', 'towerScores', 'rankRows', 'adam', 'adamRows'] as const satisfies readonly (keyof NativeKernels)[];

let loaded: { kernels: NativeKernels | null; why: string } | null = null;

/** A loaded module as the kernels, or null with the reason: one built from older sources lacks some functions. */
export function kernelsOf(module: Record<string, unknown>): { kernels: NativeKernels | null; why: string } {
  const missing = KERNEL_FUNCTIONS.filter((f) => typeof module[f] !== 'function');
  if (missing.length) return { kernels: null, why: `${NATIVE_MODULE} is older than this code (it lacks ${missing.join(', ')}: npm run build:native)` };
  return { kernels: module as unknown as NativeKernels, why: 'loaded' };
}

/** The native kernels, or null with the reason they are not in use. */
export function nativeKernels(): { kernels: NativeKernels | null; why: string } {
  if (loaded) return loaded;
  const path = projectFile(NATIVE_MODULE);
  if (process.env.SGFD_NATIVE === '0') loaded = { kernels: null, why: 'SGFD_NATIVE=0' };
  else if (!existsSync(path)) loaded = { kernels: null, why: `${NATIVE_MODULE} is not built (npm run build:native)` };
  else {
    try {
      loaded = kernelsOf(createRequire(import.meta.url)(path) as Record<string, unknown>);
    } catch (e) {
      loaded = { kernels: null, why: `${NATIVE_MODULE} does not load (${(e as Error).message.split('\n')[0]})` };
    }
  }
  return loaded;
}

/**
 * The item table [nItems, dim] as the native kernels read it: panels of PANEL items, each stored
 * dimension by dimension ([panel][dim][PANEL]), zero past the last item.
 */
export function packItemPanels(items: Float32Array, nItems: number, dim: number): Float32Array {
  if (items.length !== nItems * dim) throw new RangeError(`packItemPanels: expected ${nItems}×${dim} values, got ${items.length}`);
  const panels = new Float32Array(Math.ceil(nItems / PANEL) * dim * PANEL);
  for (let i = 0; i < nItems; i++) {
    const base = (i - (i % PANEL)) * dim + (i % PANEL);
    const row = items.subarray(i * dim, (i + 1) * dim);
    for (let j = 0; j < dim; j++) panels[base + j * PANEL] = row[j];
  }
  return panels;
}

/**
 * Whether train steps on `device` leave to the native kernels what they do — LightGCN-style
 * propagation and Adam's update around the step graph (runtime/propagation-offload.ts), edge-valued
 * sums and dot products inside it (runtime/staged-session.ts) — on the CPU, when they are built.
 * The same math either way.
 */
export function trainsNatively(device: Device = 'cpu'): boolean {
  return device === 'cpu' && nativeKernels().kernels !== null;
}
