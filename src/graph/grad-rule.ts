// The contract of a gradient rule, and typed accessors rules use to read their node's inputs and
// static sizes (each throws a ShapeError naming the node instead of a rule casting).
import { type Node, type Value } from './graph.ts';
import { type Dim, ShapeError } from './shape.ts';

/**
 * A gradient rule: given the node and the gradient of each of its outputs (undefined where no
 * gradient flows), returns the gradient of each input (undefined for non-differentiable inputs).
 */
export type GradRule = (node: Node, dys: (Value | undefined)[]) => (Value | undefined)[];

/** The gradient rules of one op family, by op type (collected in gradients.ts). */
export type GradRules = Readonly<Record<string, GradRule>>;

/** Input `k` of `node`, which must be present. */
export function inputOf(node: Node, k: number): Value {
  const x = node.inputs[k];
  if (!x) throw new ShapeError(`${node.op} (${node.name}): input ${k} is missing`);
  return x;
}

/** Every input of `node`, each of which must be present. */
export function inputsOf(node: Node): Value[] {
  return node.inputs.map((_, k) => inputOf(node, k));
}

export function isStaticDim(d: Dim): d is number {
  return typeof d === 'number';
}

/** The size of `x` along `axis`, which the gradient of `node` needs to be static. */
export function staticDim(node: Node, x: Value, axis: number): number {
  const d = x.shape[axis];
  if (!isStaticDim(d)) throw new ShapeError(`${node.op} (${node.name}): the gradient needs a static size on axis ${axis} of ${x}`);
  return d;
}
