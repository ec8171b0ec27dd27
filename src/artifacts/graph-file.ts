// One artifact graph: serialised bytes → manifest entry (roles, docs, sources) → annotated ONNX
// (doc strings on inputs and outputs, model metadata); and the initial-values file of a step.
import * as G from '../graph/index.ts';
import { encodeSafetensors, type NamedTensor } from '../runtime/index.ts';
import { libraryVersion } from '../run/index.ts';
import { annotate } from './annotate.ts';
import { graphEntry, docsOf, type GraphEntry, type GraphKind, type IoContext } from './manifest.ts';

export interface BuiltGraph { entry: GraphEntry; bytes: Uint8Array }

/** Annotates serialised graph bytes and describes them; `metadata` is the artifact's (model-level) metadata. */
export function graphFile(file: string, kind: GraphKind, doc: string, raw: Uint8Array, ctx: IoContext, metadata: Record<string, string>): BuiltGraph {
  const entry = graphEntry(file, kind, doc, G.decodeModel(raw), ctx);
  const bytes = annotate(raw, { docString: doc, producerVersion: libraryVersion(), metadata: { 'sgfd.graph': kind, ...metadata }, docs: docsOf(entry) });
  return { entry, bytes };
}

/**
 * The initial value of every parameter and optimiser-state input of `graphs` (state starts at zero),
 * in input order, as safetensors; `values` holds the parameters.
 */
export function initialFile(graphs: GraphEntry[], values: ReadonlyMap<string, Float32Array>, what: string): Uint8Array {
  const tensors = new Map<string, NamedTensor>();
  for (const g of graphs) {
    for (const t of g.inputs) {
      if (tensors.has(t.name)) continue;
      const shape = t.shape as number[];
      if (t.role === 'optimizer_state') tensors.set(t.name, { data: new Float32Array(shape.reduce((a, b) => a * b, 1)), shape });
      else if (t.role === 'parameter' || t.role === 'frozen_parameter') {
        const v = values.get(t.name);
        if (!v) throw new Error(`artifact: no initial value for parameter '${t.name}' of ${g.file}`);
        tensors.set(t.name, { data: v, shape });
      }
    }
  }
  return encodeSafetensors(tensors, { format: 'sgfd-initial-values', content: what });
}
