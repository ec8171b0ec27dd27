// A graph with native nodes (NATIVE_DOMAIN, see NativeCall in graph.ts) as a sequence of steps: ONNX
// Runtime sessions, with the native kernels run between them. Session k holds the nodes k native
// nodes deep (on their longest path from the inputs); a native node runs after the session of its
// inputs' depth. Values read by a later step are outputs of the session that makes them. Two kinds
// of nodes are placed otherwise, so that fewer values cross between sessions:
// - nodes of constants only are copied into every session that reads them (ORT folds them at load);
// - nodes of graph inputs and constants only run in the first session that reads them.
import { type Graph, type Value, type Node, type NativeCall } from './graph.ts';
import { liveParts, serializeParts, type ModelInfo } from './serialize.ts';

export type StageStep =
  | { kind: 'session'; bytes: Uint8Array; inputs: string[]; outputs: string[] }
  /** out = the kernel over inputs [table, per-entry weights] (rowSums) or [table, owner rows] (rowDots), each row `cols` wide. */
  | { kind: 'native'; call: NativeCall; inputs: [string, string]; output: string; cols: number };

export interface StagePlan {
  steps: StageStep[];
  /** Initializers a native node reads. */
  constants: { name: string; data: Float32Array; dims: number[] }[];
  /** The graph's outputs, in order. */
  outputs: string[];
}

/** Whether `g`'s live part holds native nodes (it must then run as a StagePlan). */
export function hasNativeNodes(g: Graph): boolean {
  return liveParts(g).nodes.some((n) => n.native);
}

type Kind = 0 | 1 | 2; // constant, graph inputs and constants, computed
const CONSTANT = 0, FED = 1, COMPUTED = 2;

/** Each node's step (a native node's: the session it follows), and its outputs' kind. */
function placement(g: Graph, nodes: Node[], constants: Set<Value>) {
  const kind = new Map<Value, Kind>(g.inputs.map((v) => [v, FED]));
  for (const v of constants) kind.set(v, CONSTANT);
  const depth = new Map<Value, number>();
  const stage = new Map<Node, number>();
  const readers = new Map<Value, Node[]>();
  for (const n of nodes) {
    const ins = n.inputs.filter((x): x is Value => !!x);
    for (const x of ins) {
      const list = readers.get(x);
      if (list) list.push(n); else readers.set(x, [n]);
    }
    const at = Math.max(0, ...ins.map((x) => depth.get(x) ?? 0));
    const k = n.native ? COMPUTED : (Math.max(CONSTANT, ...ins.map((x) => kind.get(x) ?? COMPUTED)) as Kind);
    for (const o of n.outputs) { kind.set(o, k); depth.set(o, n.native ? at + 1 : at); }
    if (k !== CONSTANT) stage.set(n, at);
  }
  const last = Math.max(0, ...stage.values());
  const outputs = new Set(g.outputs);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i];
    if (n.native || kind.get(n.outputs[0]) !== FED) continue;
    const needed = n.outputs.flatMap((o) => [...(readers.get(o) ?? []).map((r) => stage.get(r)!), ...(outputs.has(o) ? [last] : [])]);
    stage.set(n, Math.min(...needed));
  }
  return { kind, stage, stages: last + 1 };
}

/** `g` as ORT sessions and native kernels in the order they run. */
export function stagePlan(g: Graph, info: ModelInfo = {}): StagePlan {
  const { nodes, initializers } = liveParts(g);
  const constants = new Map(initializers.map((t) => [t.value, t]));
  const { kind, stage, stages } = placement(g, nodes, new Set(constants.keys()));
  const order = new Map(nodes.map((n, i) => [n, i]));
  const sessions = Array.from({ length: stages }, () => ({ nodes: new Set<Node>(), inputs: new Set<Value>(), outputs: new Set<Value>() }));
  const natives: Node[][] = Array.from({ length: stages }, () => []);
  /** Marks `v`, read by a later step, as an output of the session that makes it. */
  const exported = (v: Value) => {
    if (v.producer && !v.producer.native) sessions[stage.get(v.producer)!].outputs.add(v);
  };
  /** Adds n to session k, with the nodes of constants it reads (copied into k). */
  const place = (n: Node, k: number) => {
    const s = sessions[k];
    if (s.nodes.has(n)) return;
    s.nodes.add(n);
    for (const x of n.inputs) {
      if (!x || (x.producer && stage.get(x.producer) === k && !x.producer.native)) continue;
      if (x.producer && kind.get(x) === CONSTANT) place(x.producer, k);
      else s.inputs.add(x);
    }
  };
  for (const n of nodes) {
    const k = stage.get(n);
    if (k === undefined) continue;
    if (n.native) natives[k].push(n);
    else place(n, k);
  }
  for (const s of sessions) for (const x of s.inputs) if (!constants.has(x)) exported(x);
  const read: StagePlan['constants'] = [];
  natives.forEach((list, k) => {
    for (const x of list.flatMap((n) => n.inputs)) {
      if (!x) continue;
      const init = constants.get(x);
      if (init) read.push({ name: x.name, data: init.data as Float32Array, dims: x.shape as number[] });
      else if (kind.get(x) === CONSTANT) { place(x.producer!, k); sessions[k].outputs.add(x); } // computed (folded) by the session before
      else exported(x);
    }
  });
  for (const v of g.outputs) {
    if (kind.get(v) !== CONSTANT) exported(v);
    else { place(v.producer!, stages - 1); sessions[stages - 1].outputs.add(v); } // an output of constants only
  }
  const steps: StageStep[] = [];
  sessions.forEach((s, k) => {
    if (s.nodes.size) {
      const inputs = [...s.inputs].filter((x) => !constants.has(x));
      const parts = {
        nodes: [...s.nodes].sort((a, b) => order.get(a)! - order.get(b)!),
        initializers: [...s.inputs].filter((x) => constants.has(x)).map((x) => constants.get(x)!),
        inputs, outputs: [...s.outputs],
      };
      steps.push({ kind: 'session', bytes: serializeParts(`${g.name}_stage${k}`, parts, info), inputs: inputs.map((x) => x.name), outputs: parts.outputs.map((x) => x.name) });
    }
    for (const n of natives[k]) {
      const [a, b] = n.inputs as [Value, Value];
      steps.push({ kind: 'native', call: n.native!, inputs: [a.name, b.name], output: n.outputs[0].name, cols: a.shape[1] as number });
    }
  });
  return { steps, constants: [...new Map(read.map((c) => [c.name, c])).values()], outputs: g.outputs.map((v) => v.name) };
}
