// Forward-only graphs over the current parameter values (evaluation, scoring, feature extraction).
import * as G from '../graph/index.ts';
import { type Value } from '../graph/index.ts';
import { type Parameter, InputBinder, type Binder } from '../nn/module.ts';
import { createSession, tensor, type SessionOptions, type Feeds, ort } from './session.ts';
import { type BatchTensor, withDerivedFeeds } from './train-step.ts';

/**
 * A compiled forward graph whose parameters are inputs, so one session serves every epoch's values
 * without rebuilding. `build` declares its own inputs and returns named outputs.
 */
export class ForwardGraph {
  private constructor(readonly session: ort.InferenceSession, readonly params: Map<string, Parameter>, readonly outputs: string[], private readonly derived: G.DerivedInput[]) {}

  static async create(params: Map<string, Parameter>, build: (b: Binder) => Record<string, Value>, o: SessionOptions = {}): Promise<ForwardGraph> {
    const g = new G.Graph('forward');
    const b = new InputBinder(g);
    const outs = build(b);
    for (const [name, v] of Object.entries(outs)) g.output(v, name);
    const session = await createSession(G.serialize(g), o);
    return new ForwardGraph(session, params, Object.keys(outs), g.derived.slice());
  }

  /** Runs with the given parameter values; `batch` may hold more tensors than this graph reads. */
  async run(values: ReadonlyMap<string, Float32Array>, batch: Record<string, BatchTensor>): Promise<Record<string, ort.Tensor>> {
    const feeds: Feeds = {};
    const given: Feeds = Object.fromEntries(Object.entries(batch).map(([n, t]) => [n, tensor(t.data, t.dims)]));
    const derived = withDerivedFeeds(this.derived.filter((d) => given[d.source]), given);
    for (const name of this.session.inputNames) {
      if (derived[name]) { feeds[name] = derived[name]; continue; }
      const t = batch[name];
      if (t) { feeds[name] = tensor(t.data, t.dims); continue; }
      const p = this.params.get(name);
      if (!p) throw new Error(`forward graph: missing input '${name}'`);
      feeds[name] = tensor(values.get(name)!, p.shape);
    }
    return this.session.run(feeds);
  }

  async release(): Promise<void> { await this.session.release(); }
}
