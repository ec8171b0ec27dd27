// Running forward-only graphs over the current parameter values (evaluation, scoring, feature
// extraction); nn/forward-graph.ts builds them.
import type * as G from '../graph/index.ts';
import { createSession, tensor, type SessionOptions, type Feeds, ort } from './session.ts';
import { type BatchTensor, type ParamShape, withDerivedFeeds } from './train-step.ts';

/**
 * A forward graph whose parameters are inputs, so one session serves every epoch's values without
 * rebuilding.
 */
export class ForwardGraph {
  private constructor(readonly session: ort.InferenceSession, readonly params: Map<string, ParamShape>, readonly outputs: string[], private readonly derived: G.DerivedInput[]) {}

  /** A session over `bytes` (outputs `outputs`; `derived` index-plan inputs computed from their sources). */
  static async open(bytes: Uint8Array, params: Map<string, ParamShape>, outputs: string[], derived: G.DerivedInput[], o: SessionOptions = {}): Promise<ForwardGraph> {
    return new ForwardGraph(await createSession(bytes, { arena: false, ...o }), params, outputs, derived);
  }

  /** Runs with the given parameter values; `batch` may hold more tensors than this graph reads. */
  async run(values: ReadonlyMap<string, Float32Array>, batch: Record<string, BatchTensor>): Promise<Record<string, ort.Tensor>> {
    const feeds: Feeds = {};
    // Only what this graph reads (or derives plans from) is wrapped: `batch` may hold tables lent away (empty).
    const reads = new Set([...this.session.inputNames, ...this.derived.map((d) => d.source)]);
    const given: Feeds = Object.fromEntries(Object.entries(batch).filter(([n]) => reads.has(n)).map(([n, t]) => [n, tensor(t.data, t.dims)]));
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
