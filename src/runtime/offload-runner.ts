// The runner's side of a train step that leaves work to the native kernels (nn/offload-step.ts
// compiles it): the propagated tables fed to the step graph, then the gradients of the parameters
// updated outside it (through their propagations, plus what the graph gives back) and their update —
// on the native Adam kernel when the optimiser is plain Adam, otherwise on the plan's optimiser graph.
import { type Feeds, type SessionOptions, createSession, feedsOf, ort, tensor } from './session.ts';
import { type OffloadPlan, BIAS_CORRECTIONS, OffloadedPropagation, gradientOf, rowGradientOf, updatedNames } from './propagation-offload.ts';
import { type NativeKernels, kernelThreads, nativeKernels } from './native.ts';

export class OffloadRunner {
  private constructor(
    readonly plan: OffloadPlan,
    private readonly kernels: NativeKernels,
    private readonly propagations: OffloadedPropagation[],
    private readonly optimizer: ort.InferenceSession | null,
    /** Threads of the native Adam update (kernelThreads). */
    private readonly adamThreads: number,
  ) {}

  /** `besideSpinning`: the step's ORT session spins after a run (a fused step): see kernelThreads. */
  static async create(plan: OffloadPlan, o: SessionOptions, besideSpinning: boolean): Promise<OffloadRunner> {
    const { kernels, why } = nativeKernels();
    if (!kernels) throw new Error(`train step: this step was compiled to leave work to the native kernels, which are not in use (${why}); compile it without the native option`);
    const propagations = plan.propagations.map((p) => new OffloadedPropagation(kernels, p, kernelThreads(o.threads, besideSpinning, p.index.length * p.cols)));
    const optimizer = plan.optimizer.bytes ? await createSession(plan.optimizer.bytes, { memPattern: false, ...o }) : null;
    return new OffloadRunner(plan, kernels, propagations, optimizer, kernelThreads(o.threads, besideSpinning));
  }

  /**
   * Makes the offloaded parameters and their optimiser state arrays of this runner's own (copies),
   * since the native update writes them in place: call on every set of values the step adopts.
   */
  adopt(values: Map<string, Float32Array>, state: Map<string, Float32Array>): void {
    if (!this.plan.nativeAdam) return;
    for (const [name] of updatedNames(this.plan.optimizer)) {
      const map = values.has(name) ? values : state;
      map.set(name, Float32Array.from(map.get(name)!));
    }
  }

  /** Feeds each propagated table, computed from the current parameter values. */
  feed(values: ReadonlyMap<string, Float32Array>, feeds: Feeds): void {
    for (const p of this.propagations) feeds[p.p.input] = tensor(p.forward(values), [p.rows, p.p.cols]);
  }

  /** After the step graph ran (`out`): the offloaded parameters' gradients and their update, into `values` / `state`. */
  async update(out: ort.InferenceSession.OnnxValueMapType, feeds: Feeds, values: Map<string, Float32Array>, state: Map<string, Float32Array>, lr: number): Promise<void> {
    const grads = new Map<string, Float32Array>();
    for (const p of this.propagations) {
      for (const [name, g] of p.gradient(out[p.p.gradient].data as Float32Array)) {
        const total = grads.get(name);
        if (total) for (let j = 0; j < g.length; j++) total[j] += g[j];
        else grads.set(name, g);
      }
    }
    const fromGraph = (name: string) => (this.plan.graphGradients.includes(name) ? out[gradientOf(name)].data as Float32Array : null);
    const adam = this.plan.nativeAdam;
    if (adam) {
      const [bc1, bc2] = BIAS_CORRECTIONS.map((n) => (out[n].data as Float32Array)[0]);
      const sqrtBc2 = Math.fround(Math.sqrt(bc2));
      for (const q of adam.params) {
        const plr = q.lrScale === 1 ? Math.fround(lr) : Math.fround(Math.fround(lr) * Math.fround(q.lrScale));
        const hyper = Float64Array.of(adam.beta1, 1 - adam.beta1, adam.beta2, 1 - adam.beta2, sqrtBc2, adam.eps, Math.fround(plr / bc1), q.weightDecay);
        const through = grads.get(q.name);
        if (!through && this.plan.rowGradients?.includes(q.name)) {
          const { rows, ids } = rowGradientOf(q.name);
          const param = values.get(q.name)!;
          this.kernels.adamRows(param, state.get(q.m)!, state.get(q.v)!, out[rows].data as Float32Array, rowIndex(out[ids].data as BigInt64Array, param.length / (out[rows].dims[1] as number), q.name), hyper, this.adamThreads);
          continue;
        }
        this.kernels.adam(values.get(q.name)!, state.get(q.m)!, state.get(q.v)!, through ?? fromGraph(q.name)!, through ? fromGraph(q.name) : null, hyper, this.adamThreads);
      }
      return;
    }
    for (const name of this.plan.graphGradients) {
      const d = fromGraph(name)!;
      const g = grads.get(name);
      if (!g) { grads.set(name, d); continue; }
      for (let j = 0; j < g.length; j++) g[j] = d[j] + g[j];
    }
    const optFeeds: Feeds = { ...feeds }; // with the step's scalars (Adam's t, the learning rate)
    for (const name of this.plan.optimizer.params) optFeeds[gradientOf(name)] = tensor(grads.get(name)!, feeds[name].dims as number[]);
    const next = await this.optimizer!.run(feedsOf(this.optimizer!, optFeeds));
    for (const [name, to] of updatedNames(this.plan.optimizer)) (values.has(name) ? values : state).set(name, next[to].data as Float32Array);
  }

  async release(): Promise<void> { await this.optimizer?.release(); }
}

/** Each row of a table [rows] → its index among the gradient's row ids (−1: none); the ids must be distinct rows. */
function rowIndex(ids: BigInt64Array, rows: number, name: string): Int32Array {
  const at = new Int32Array(rows).fill(-1);
  ids.forEach((id, k) => {
    const r = Number(id);
    if (!(r >= 0 && r < rows) || at[r] !== -1) throw new Error(`${name}: gradient row id ${id} (entry ${k}) is out of range or repeated (rows: ${rows})`);
    at[r] = k;
  });
  return at;
}
