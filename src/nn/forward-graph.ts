// Building forward-only graphs over parameters fed as inputs (evaluation, scoring, feature
// extraction): `build` declares its own inputs and returns named outputs; runtime/forward.ts runs it.
import * as G from '../graph/index.ts';
import { type Value } from '../graph/index.ts';
import { type Parameter, InputBinder, type Binder } from './module.ts';
import { ForwardGraph } from '../runtime/index.ts';
import { type SessionOptions } from '../runtime/index.ts';

export async function compileForward(params: Map<string, Parameter>, build: (b: Binder) => Record<string, Value>, o: SessionOptions = {}): Promise<ForwardGraph> {
  const g = new G.Graph('forward');
  const b = new InputBinder(g);
  const outs = build(b);
  for (const [name, v] of Object.entries(outs)) g.output(v, name);
  return ForwardGraph.open(G.serialize(g), params, Object.keys(outs), g.derived.slice(), o);
}
