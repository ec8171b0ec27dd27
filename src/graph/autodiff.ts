// Reverse-mode differentiation over the recorded graph: emits the backward pass in standard ONNX ops,
// using the rules of gradients.ts (the ops files do not import this one: no cycle).
import { type Node, type Value, Graph } from './graph.ts';
import { isFloat } from './dtype.ts';
import { ShapeError } from './shape.ts';
import { GRADIENT_RULES } from './gradients.ts';
import { sumAll } from './ops/elementwise.ts';
import { zerosLike } from './ops/util.ts';

export class MissingGradientError extends Error {}

/** Values on some path from one of `sources` forward to `target`. */
function valuesBetween(graph: Graph, sources: Value[], target: Value): Set<Value> {
  const fromSources = new Set<Value>(sources);
  for (const n of graph.nodes) {
    if (n.noGrad) continue;
    if (n.inputs.some((x) => x && fromSources.has(x))) n.outputs.forEach((o) => fromSources.add(o));
  }
  const between = new Set<Value>();
  if (!fromSources.has(target)) return between;
  between.add(target);
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const n = graph.nodes[i];
    if (n.noGrad || !n.outputs.some((o) => between.has(o))) continue;
    for (const x of n.inputs) if (x && fromSources.has(x)) between.add(x);
  }
  return between;
}

/** The `sources` that `target` depends on through differentiable paths (order kept). */
export function sourcesReaching(target: Value, sources: Value[]): Value[] {
  return sources.filter((s) => valuesBetween(target.graph, [s], target).size > 0);
}

/**
 * Gradients of the scalar `loss` with respect to each of `wrt` (zeros where `loss` does not depend
 * on it). Appends the backward nodes to the loss's graph.
 */
export function grad(loss: Value, wrt: Value[], seed?: Value): Value[] {
  const g = loss.graph;
  if (loss.rank !== 0 && !seed) throw new ShapeError(`grad: the loss must be a scalar, got ${loss}`);
  if (!isFloat(loss.dtype)) throw new ShapeError(`grad: the loss must be floating point, got ${loss}`);
  const between = valuesBetween(g, wrt, loss);
  const parts = new Map<Value, Value[]>();
  const add = (v: Value, d: Value) => { const l = parts.get(v); if (l) l.push(d); else parts.set(v, [d]); };
  const total = (v: Value): Value | undefined => {
    const l = parts.get(v);
    if (!l || l.length === 0) return undefined;
    if (l.length > 1) parts.set(v, [sumAll(l)]);
    return parts.get(v)![0];
  };
  add(loss, seed ?? g.scalar(1, loss.dtype));
  const forward = g.nodes.slice();
  const skip = new Set<Node>();
  for (let i = forward.length - 1; i >= 0; i--) {
    const node = forward[i];
    if (skip.has(node) || node.noGrad || !node.outputs.some((o) => between.has(o))) continue;
    // Backward nodes are named after their forward node's module: `teacher.extractors.0/grad/MatMul`.
    const at = node.name.lastIndexOf('/');
    const scope = at > 0 ? `${node.name.slice(0, at)}/grad` : 'grad';
    const dys = g.moduleScope(scope, () => node.outputs.map(total));
    if (dys.every((d) => d === undefined)) continue;
    const override = node.outputs[0].gradOverride;
    if (override && dys[0]) {
      const dxs = g.moduleScope(scope, () => override.fn(dys[0]!));
      override.inputs.forEach((x, k) => { if (dxs[k] && between.has(x) && isFloat(x.dtype)) add(x, dxs[k]!); });
      override.internal.forEach((n) => skip.add(n));
      continue;
    }
    const rule = GRADIENT_RULES.get(node.op);
    if (!rule) {
      throw new MissingGradientError(`no gradient rule for op '${node.op}' (node ${node.name}); `
        + `it lies between the parameters and the loss — add one to its ops file's rule table (collected in `
        + `src/graph/gradients.ts) or stop the gradient`);
    }
    const dxs = g.moduleScope(scope, () => rule(node, dys));
    node.inputs.forEach((x, k) => {
      const d = dxs[k];
      if (x && d && between.has(x) && isFloat(x.dtype)) add(x, d);
    });
  }
  return g.moduleScope('grad', () => wrt.map((w) => total(w) ?? zerosLike(w)));
}
