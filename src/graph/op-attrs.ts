// Typed build-time attributes of an op's nodes: declared once next to the op (an interface and a
// defineAttrs call), attached by its emitter and read back, typed, by its gradient rule. They are
// never serialised — the ONNX attributes a node writes to the file are its `attrs`, set separately.
import { type Node } from './graph.ts';
import { ShapeError } from './shape.ts';

/** The attributes of type T carried by nodes of `ops`. */
export interface OpAttrs<T extends object> {
  /** The op types whose nodes carry these attributes. */
  readonly ops: readonly string[];
  /** Attaches `attrs` to `node` (once; its op must be one of `ops`). */
  set(node: Node, attrs: T): void;
  /** The attributes of `node`; throws naming the node when it carries none. */
  get(node: Node): Readonly<T>;
  /** The attributes of `node`, or undefined when it carries none. */
  find(node: Node): Readonly<T> | undefined;
}

/**
 * Declares the attributes T for nodes of `op` (and of `more` ops sharing them, e.g. the ReduceX
 * family). Each declaration keeps its own node → attributes table, so nothing untyped sits on Node.
 */
export function defineAttrs<T extends object>(op: string, ...more: string[]): OpAttrs<T> {
  const ops = [op, ...more];
  const label = ops.join('/');
  const table = new WeakMap<Node, T>();
  const check = (node: Node) => {
    if (!ops.includes(node.op)) throw new Error(`node ${node.name} is a ${node.op}, not a ${label}: it has no ${label} attributes`);
  };
  return {
    ops,
    set(node, attrs) {
      check(node);
      if (table.has(node)) throw new Error(`node ${node.name} (${node.op}): ${label} attributes set twice`);
      table.set(node, attrs);
    },
    get(node) {
      check(node);
      const attrs = table.get(node);
      if (!attrs) {
        throw new ShapeError(`node ${node.name} (${node.op}) carries no ${label} attributes: `
          + `its gradient needs them — build it with the op's emitter in src/graph/ops/, not a bare emit`);
      }
      return attrs;
    },
    find(node) {
      check(node);
      return table.get(node);
    },
  };
}
