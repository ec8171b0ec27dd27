// Matrix products: MatMul (batched, broadcasting) and Gemm, with their gradient rules.
import { type Value, int, float } from '../graph.ts';
import { type GradRules, inputOf } from '../grad-rule.ts';
import { defineAttrs } from '../op-attrs.ts';
import { broadcast, ShapeError, formatShape } from '../shape.ts';
import { emit1, sumToShape } from './util.ts';
import { transpose } from './layout.ts';
import { mul } from './elementwise.ts';

function compatible(a: number | string, b: number | string): boolean {
  return a === b || typeof a === 'string' || typeof b === 'string';
}

/** a[..., m, k] @ b[..., k, n] → [..., m, n]; both operands of rank ≥ 2. */
export function matmul(a: Value, b: Value): Value {
  if (a.rank < 2 || b.rank < 2) throw new ShapeError(`MatMul: operands need rank ≥ 2, got ${formatShape(a.shape)} @ ${formatShape(b.shape)}`);
  const k1 = a.shape[a.rank - 1];
  const k2 = b.shape[b.rank - 2];
  if (!compatible(k1, k2)) throw new ShapeError(`MatMul: inner dims differ: ${formatShape(a.shape)} @ ${formatShape(b.shape)}`);
  if (a.dtype !== b.dtype) throw new ShapeError(`MatMul: dtypes differ (${a} vs ${b})`);
  const batch = broadcast('MatMul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  return emit1('MatMul', [a, b], a.dtype, [...batch, a.shape[a.rank - 2], b.shape[b.rank - 1]]);
}

/** Swaps the last two axes. */
export function transposeLast(x: Value): Value {
  const p = x.shape.map((_, i) => i);
  [p[x.rank - 2], p[x.rank - 1]] = [p[x.rank - 1], p[x.rank - 2]];
  return transpose(x, p);
}

export interface GemmOptions { transA?: boolean; transB?: boolean; alpha?: number; beta?: number }

/** A Gemm node's options, resolved; alpha and beta as the float32 ONNX attributes hold them. */
export interface GemmAttrs { transA: boolean; transB: boolean; alpha: number; beta: number }
const gemmAttrs = defineAttrs<GemmAttrs>('Gemm');

/** alpha · op(a) · op(b) + beta · c, for 2-D a, b (c broadcasts to the result). */
export function gemm(a: Value, b: Value, c: Value | null, o: GemmOptions = {}): Value {
  if (a.rank !== 2 || b.rank !== 2) throw new ShapeError(`Gemm: operands must be 2-D, got ${formatShape(a.shape)}, ${formatShape(b.shape)}`);
  const [m, ka] = o.transA ? [a.shape[1], a.shape[0]] : a.shape;
  const [kb, n] = o.transB ? [b.shape[1], b.shape[0]] : b.shape;
  if (!compatible(ka, kb)) throw new ShapeError(`Gemm: inner dims differ: ${formatShape(a.shape)}${o.transA ? 'ᵀ' : ''} · ${formatShape(b.shape)}${o.transB ? 'ᵀ' : ''}`);
  if (c) broadcast('Gemm', [m, n], c.shape);
  const y = emit1('Gemm', c ? [a, b, c] : [a, b], a.dtype, [m, n], {
    transA: int(o.transA ? 1 : 0), transB: int(o.transB ? 1 : 0), alpha: float(o.alpha ?? 1), beta: float(o.beta ?? 1),
  });
  gemmAttrs.set(y.producer!, { transA: !!o.transA, transB: !!o.transB, alpha: Math.fround(o.alpha ?? 1), beta: Math.fround(o.beta ?? 1) });
  return y;
}

export const MATMUL_GRADIENTS: GradRules = {
  MatMul: (n, [dy]) => {
    const [a, b] = [inputOf(n, 0), inputOf(n, 1)];
    return [sumToShape(matmul(dy!, transposeLast(b)), a.shape), sumToShape(matmul(transposeLast(a), dy!), b.shape)];
  },
  Gemm: (n, [dy]) => {
    const [a, b, c] = [inputOf(n, 0), inputOf(n, 1), n.inputs[2]];
    const { transA, transB, alpha, beta } = gemmAttrs.get(n);
    // Y = α·op(A)·op(B): dA = α·dY·op(B)ᵀ (or its transpose), dB = α·op(A)ᵀ·dY (or its transpose).
    const da = transA ? gemm(b, dy!, null, { transA: transB, transB: true, alpha }) : gemm(dy!, b, null, { transB: !transB, alpha });
    const db = transB ? gemm(dy!, a, null, { transA: true, transB: transA, alpha }) : gemm(a, dy!, null, { transA: !transA, alpha });
    const dc = c ? sumToShape(beta === 1 ? dy! : mul(dy!, beta), c.shape) : undefined;
    return [da, db, dc];
  },
};
