// Serialises a Graph to ONNX ModelProto bytes, and reads the model-level fields back.
import { type Graph, type Value, type Attr } from './graph.ts';
import { ONNX_DTYPE, DTYPE_FROM_ONNX, type TypedArray } from './dtype.ts';
import { ModelProto, ATTR_TYPE } from './onnx-schema.ts';

export const OPSET = 18;
export const IR_VERSION = 8;

export interface ModelInfo {
  producerName?: string;
  producerVersion?: string;
  modelVersion?: number;
  docString?: string;
  metadata?: Record<string, string>;
}

function bytesOf(a: TypedArray): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function valueInfo(v: Value) {
  return {
    name: v.name,
    type: { tensor_type: { elem_type: ONNX_DTYPE[v.dtype], shape: { dim: v.shape.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } },
  };
}

function attribute(name: string, a: Attr) {
  switch (a.kind) {
    case 'int': return { name, type: ATTR_TYPE.int, i: a.value };
    case 'float': return { name, type: ATTR_TYPE.float, f: a.value };
    case 'ints': return { name, type: ATTR_TYPE.ints, ints: a.value };
    case 'floats': return { name, type: ATTR_TYPE.floats, floats: a.value };
    case 'string': return { name, type: ATTR_TYPE.string, s: new TextEncoder().encode(a.value) };
    case 'tensor': {
      const data = a.dtype === 'float32' ? Float32Array.from(a.value) : a.dtype === 'float64' ? Float64Array.from(a.value)
        : a.dtype === 'int64' ? BigInt64Array.from(a.value.map(BigInt)) : a.dtype === 'int32' ? Int32Array.from(a.value) : Uint8Array.from(a.value);
      return { name, type: ATTR_TYPE.tensor, t: { dims: [a.value.length], data_type: ONNX_DTYPE[a.dtype], raw_data: bytesOf(data) } };
    }
  }
}

/**
 * Nodes and initializers that some graph output depends on. Gradient rules emit every input's
 * gradient (e.g. Gemm's dA for a data input); what no output reads must not reach ORT, which would
 * run it anyway. Derived index-plan inputs nothing reads are dropped too; declared inputs are kept
 * (a model's signature stays what its author declared).
 */
export function liveParts(g: Graph): { nodes: Graph['nodes']; initializers: Graph['initializers']; inputs: Value[] } {
  const live = new Set<Value>(g.outputs);
  const derived = new Set(g.derived.map((d) => d.name));
  const nodes = [];
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i];
    if (!n.outputs.some((o) => live.has(o))) continue;
    nodes.push(n);
    for (const x of n.inputs) if (x) live.add(x);
  }
  return { nodes: nodes.reverse(), initializers: g.initializers.filter((t) => live.has(t.value)), inputs: g.inputs.filter((v) => live.has(v) || !derived.has(v.name)) };
}

/** The ModelProto bytes of `g` (opset 18), with the given model-level fields; dead nodes are dropped. */
export function serialize(g: Graph, info: ModelInfo = {}): Uint8Array {
  return serializeParts(g.name, { ...liveParts(g), outputs: g.outputs }, info);
}

/** What a model holds: nodes in topological order, the initializers and inputs they read, its outputs. */
export interface ModelParts { nodes: Graph['nodes']; initializers: Graph['initializers']; inputs: Value[]; outputs: Value[] }

/** The ModelProto bytes of a model made of `parts` (a graph, or a stage of one: graph/stages.ts). */
export function serializeParts(name: string, { nodes, initializers, inputs, outputs }: ModelParts, info: ModelInfo = {}): Uint8Array {
  const model = {
    ir_version: IR_VERSION,
    producer_name: info.producerName ?? 'sgfd',
    producer_version: info.producerVersion ?? '',
    model_version: info.modelVersion ?? 1,
    doc_string: info.docString ?? '',
    opset_import: [{ domain: '', version: OPSET }],
    metadata_props: Object.entries(info.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name,
      node: nodes.map((n) => ({
        name: n.name, op_type: n.op, domain: n.domain,
        input: n.inputs.map((x) => (x ? x.name : '')),
        output: n.outputs.map((o) => o.name),
        attribute: Object.entries(n.attrs).map(([k, a]) => attribute(k, a)),
      })),
      initializer: initializers.map(({ value, data }) => ({
        name: value.name, dims: value.shape as number[], data_type: ONNX_DTYPE[value.dtype], raw_data: bytesOf(data),
      })),
      input: inputs.map(valueInfo),
      output: outputs.map(valueInfo),
    },
  };
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}

export interface DecodedModel extends Required<ModelInfo> {
  irVersion: number;
  opset: number;
  inputs: { name: string; dtype: string; shape: (number | string)[] }[];
  outputs: { name: string; dtype: string; shape: (number | string)[] }[];
}

/** Reads a model's header fields, I/O signatures and metadata_props (which ORT's Node API cannot). */
export function decodeModel(bytes: Uint8Array): DecodedModel {
  const m = ModelProto.toObject(ModelProto.decode(bytes), { longs: Number, defaults: true }) as any;
  const sig = (vs: any[]) => vs.map((v) => ({
    name: v.name,
    dtype: DTYPE_FROM_ONNX[v.type?.tensor_type?.elem_type] ?? 'unknown',
    shape: (v.type?.tensor_type?.shape?.dim ?? []).map((d: any) => (d.dim_param ? d.dim_param : Number(d.dim_value))),
  }));
  return {
    irVersion: m.ir_version,
    opset: m.opset_import?.[0]?.version ?? 0,
    producerName: m.producer_name,
    producerVersion: m.producer_version,
    modelVersion: m.model_version,
    docString: m.doc_string,
    metadata: Object.fromEntries((m.metadata_props ?? []).map((e: any) => [e.key, e.value])),
    inputs: sig(m.graph?.input ?? []),
    outputs: sig(m.graph?.output ?? []),
  };
}
