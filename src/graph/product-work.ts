// The multiply-adds of a graph's matrix products (Gemm, MatMul), kept symbolic: a runner counts them
// for a concrete batch before it opens the graph's session, to size the session's thread pool
// (runtime/step-threads.ts). Only live nodes count: ORT drops the rest (e.g. an unused input gradient).
import { type Graph } from './graph.ts';
import { type Dim, type Shape } from './shape.ts';
import { liveParts } from './serialize.ts';

export interface ProductWork {
  /**
   * In the graph's order: each product's multiply-adds as the product of `dims` (its output's, then the
   * contracted one), and each dim a Reshape inferred (`<x>.reshaped`: the product of `of` over that of
   * `over`; a later Reshape may reuse a name, hence the order).
   */
  steps: ({ dims: Dim[] } | { name: string; of: Dim[]; over: Dim[] })[];
  /** The graph's inputs with a symbolic dim: their fed sizes bind the names. */
  inputs: { name: string; shape: Shape }[];
}

/** The live Gemm and MatMul nodes of `g` as symbolic multiply-add counts. */
export function productWork(g: Graph): ProductWork {
  const steps: ProductWork['steps'] = [];
  for (const n of liveParts(g).nodes) {
    if (n.op === 'Reshape') {
      const out = n.outputs[0].shape;
      const k = out.findIndex((d) => typeof d === 'string' && d.endsWith('.reshaped'));
      if (k >= 0) steps.push({ name: out[k] as string, of: n.inputs[0]!.shape.slice(), over: out.filter((_, i) => i !== k) });
    }
    if (n.op !== 'Gemm' && n.op !== 'MatMul') continue;
    const a = n.inputs[0]!;
    const transA = n.op === 'Gemm' && n.attrs.transA?.kind === 'int' && n.attrs.transA.value === 1;
    const contracted = n.op === 'Gemm' ? a.shape[transA ? 0 : 1] : a.shape[a.rank - 1];
    steps.push({ dims: [...n.outputs[0].shape, contracted] });
  }
  const inputs = g.inputs.filter((v) => v.shape.some((d) => typeof d === 'string')).map((v) => ({ name: v.name, shape: v.shape.slice() }));
  return { steps, inputs };
}

/**
 * The products' multiply-adds for one set of feeds: each symbolic dim takes the size it has in the
 * fed inputs (`<input>.numel` an input's element count; Pad's `<dim>+<n>` n more). Null when a dim
 * stays unbound.
 */
export function multiplyAdds(work: ProductWork, fed: Readonly<Record<string, { dims: readonly number[] }>>): number | null {
  const size = new Map<string, number>();
  for (const { name, shape } of work.inputs) {
    const dims = fed[name]?.dims;
    if (!dims || dims.length !== shape.length) continue;
    shape.forEach((d, i) => { if (typeof d === 'string') size.set(d, dims[i]); });
    size.set(`${name}.numel`, dims.reduce((a, b) => a * b, 1));
  }
  const dimSize = (d: Dim): number | undefined => {
    if (typeof d === 'number' || size.has(d)) return typeof d === 'number' ? d : size.get(d);
    const padded = /^(.*)\+(\d+)$/.exec(d);
    const base = padded ? dimSize(padded[1]) : undefined;
    return base === undefined ? undefined : base + Number(padded![2]);
  };
  const product = (dims: Dim[]): number | undefined => dims.reduce<number | undefined>((p, d) => { const v = dimSize(d); return p === undefined || v === undefined ? undefined : p * v; }, 1);
  let total = 0;
  for (const step of work.steps) {
    if ('name' in step) {
      const [of, over] = [product(step.of), product(step.over)];
      if (of !== undefined && over) size.set(step.name, of / over);
      continue;
    }
    const p = product(step.dims);
    if (p === undefined) return null;
    total += p;
  }
  return total;
}
