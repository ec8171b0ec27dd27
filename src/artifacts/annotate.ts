// Adds what a reader of a serialised graph needs beside its nodes: the model doc string, producer,
// metadata_props and a doc string on every graph input and output. The nodes are untouched, so an
// annotated train step is byte for byte the graph `sgfd train` runs, plus documentation.
import { ModelProto } from '../graph/index.ts';

export interface Annotation {
  docString: string;
  producerVersion: string;
  metadata: Record<string, string>;
  /** Graph input/output name → doc string. */
  docs: Record<string, string>;
}

interface ValueInfo { name: string; doc_string?: string }
interface DecodedProto {
  doc_string?: string; producer_name?: string; producer_version?: string;
  metadata_props?: unknown[];
  graph: { input: ValueInfo[]; output: ValueInfo[] };
}

const Entry = ModelProto.lookupType('onnx.StringStringEntryProto');

export function annotate(bytes: Uint8Array, a: Annotation): Uint8Array {
  const m = ModelProto.decode(bytes) as unknown as DecodedProto;
  m.doc_string = a.docString;
  m.producer_name = 'sgfd';
  m.producer_version = a.producerVersion;
  m.metadata_props = Object.entries(a.metadata).map(([key, value]) => Entry.create({ key, value }));
  for (const v of [...m.graph.input, ...m.graph.output]) {
    const doc = a.docs[v.name];
    if (doc) v.doc_string = doc;
  }
  return ModelProto.encode(m as never).finish();
}

/** The doc strings of a model's graph inputs and outputs (for tests and inspection). */
export function ioDocs(bytes: Uint8Array): Record<string, string> {
  const m = ModelProto.decode(bytes) as unknown as DecodedProto;
  return Object.fromEntries([...m.graph.input, ...m.graph.output].map((v) => [v.name, v.doc_string ?? '']));
}
