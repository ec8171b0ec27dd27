// Running fused train steps (compiled by nn/train-step-graph.ts: model + loss + backward + optimiser
// in one ONNX graph) with ORT. One run = one step; parameters and optimiser state live in JS typed
// arrays between steps. A step compiled with `native` leaves propagation and Adam's update to the
// native kernels around the run (offload-runner.ts).
import type * as G from '../graph/index.ts';
import { type TypedArray, computeIndexPlan } from '../graph/index.ts';
import { STEP_INPUT, LR_INPUT, nextName, type StateSpec } from './step-io.ts';
import { type NamedTensor } from './checkpoint.ts';
import { createSession, feedsOf, tensor, type SessionOptions, type Feeds, ort } from './session.ts';
import { type OffloadPlan } from './propagation-offload.ts';
import { OffloadRunner } from './offload-runner.ts';
import { StagedSession, type StepSession } from './staged-session.ts';

/** What the runtime needs of a parameter (Parameter satisfies it; so does a plain object). */
export interface ParamShape { shape: number[]; size: number }

/** A compiled train step: the graph and what its runner needs to feed it and read it back. */
export interface CompiledTrainStep {
  /** The step graph; or, when it holds native nodes, `stages`: ORT sessions and native kernels. */
  bytes?: Uint8Array;
  stages?: G.StagePlan;
  params: Map<string, ParamShape>;
  trainable: string[];
  state: StateSpec[];
  terms: string[];
  /** Diagnostic outputs (`gradnorm.<term>.<group>`): reported, never checked or fed back. */
  diagnostics: string[];
  derived: G.DerivedInput[];
  /** Batch inputs the caller feeds each step (everything but parameters, state and scalars). */
  batchInputs: { name: string; dtype: G.DType; shape: G.Shape }[];
  /** What the runner does natively around the graph: propagations, and the update of the parameters the graph does not update. */
  offload?: OffloadPlan;
  /** The step's matrix products, symbolic in the batch's dims (how many threads it gets: step-threads.ts). */
  work: G.ProductWork;
  /** Compiled as a small step, with native kernels that win only there (nn/step-plan.ts). */
  smallStepKernels?: boolean;
}

/** What the runner needs of the optimiser: its initial learning rate (the rest is in the graph). */
export interface StepOptimizer { lr: number }

/** The step's single graph (a step compiled with native edge kernels has none: it runs in stages). */
export function stepGraphBytes(c: CompiledTrainStep): Uint8Array {
  if (!c.bytes) throw new Error('this train step runs as stages around native kernels and has no single graph: compile it without the native option');
  return c.bytes;
}

export class NonFiniteError extends Error {}

/**
 * The non-finite terms of one step, the named terms (`loss.<term>`, in the order the loss declares
 * them) before the total `loss`: a NaN in one term makes the total NaN too, so the term is the cause.
 */
export function nonFiniteTerms(terms: Record<string, number>): string[] {
  const names = Object.keys(terms);
  const ordered = [...names.filter((n) => n !== 'loss'), ...names.filter((n) => n === 'loss')];
  return ordered.filter((n) => !Number.isFinite(terms[n]));
}

/** A batch input: a typed array and its dims. */
export interface BatchTensor { data: TypedArray; dims: number[] }

/** Adds the runtime-derived index-plan inputs for every index input fed in `feeds`. */
export function withDerivedFeeds(derived: G.DerivedInput[], feeds: Feeds): Feeds {
  const plans = new Map<string, ReturnType<typeof computeIndexPlan>>();
  for (const d of derived) {
    const src = feeds[d.source];
    if (!src) throw new Error(`missing feed '${d.source}'`);
    let plan = plans.get(d.source);
    if (!plan) { plan = computeIndexPlan(src.data as BigInt64Array, d.numRows, d.source); plans.set(d.source, plan); }
    const data = plan[d.part];
    feeds[d.name] = tensor(data, d.part === 'uniq' ? [data.length, 1] : [data.length]);
  }
  return feeds;
}

export class TrainStep {
  /** Number of completed steps (Adam's t after the next step is `step + 1`). */
  step = 0;
  lr: number;
  private constructor(
    readonly compiled: CompiledTrainStep,
    private readonly session: StepSession,
    readonly values: Map<string, Float32Array>,
    readonly state: Map<string, Float32Array>,
    optimizer: StepOptimizer,
    private readonly offload: OffloadRunner | null,
  ) {
    this.lr = optimizer.lr;
    const outside = new Set(compiled.offload?.optimizer.state.map((x) => x.name));
    this.graphState = compiled.state.filter((x) => !outside.has(x.name));
  }

  /** The optimiser state the step graph updates (the rest is updated around it: offload-runner.ts). */
  private readonly graphState: StateSpec[];

  static async create(compiled: CompiledTrainStep, values: Map<string, Float32Array>, optimizer: StepOptimizer, o: SessionOptions = {}): Promise<TrainStep> {
    for (const [name, p] of compiled.params) {
      const v = values.get(name);
      if (!v) throw new Error(`no initial value for parameter ${name}`);
      if (v.length !== p.size) throw new Error(`parameter ${name}: ${v.length} values, expected ${p.size} for shape [${p.shape}]`);
    }
    const state = new Map(compiled.state.map((s) => [s.name, new Float32Array(s.shape.reduce((a, b) => a * b, 1))]));
    const session = compiled.stages ? await StagedSession.create(compiled.stages, o) : await createSession(stepGraphBytes(compiled), { memPattern: false, ...o });
    const offload = compiled.offload ? await OffloadRunner.create(compiled.offload, o, !compiled.stages && o.spinning !== false) : null;
    offload?.adopt(values, state);
    return new TrainStep(compiled, session, values, state, optimizer, offload);
  }

  /** Tensors fed at every step unchanged (feature tables, graph structure): wrapped once, zero-copy. */
  private readonly fixed: Feeds = {};
  setFixedInputs(inputs: Record<string, BatchTensor>): void {
    for (const [name, t] of Object.entries(inputs)) this.fixed[name] = tensor(t.data, t.dims);
  }
  /** Forgets the fixed inputs (their buffers are about to leave this thread). */
  dropFixedInputs(): void {
    for (const name of Object.keys(this.fixed)) delete this.fixed[name];
  }

  /** Runs one step on `batch`; returns the loss terms. Non-finite terms abort without updating. */
  async run(batch: Record<string, BatchTensor>): Promise<Record<string, number>> {
    const feeds: Feeds = { ...this.fixed };
    for (const [name, t] of Object.entries(batch)) feeds[name] = tensor(t.data, t.dims);
    for (const [name, p] of this.compiled.params) feeds[name] = tensor(this.values.get(name)!, p.shape);
    for (const s of this.compiled.state) feeds[s.name] = tensor(this.state.get(s.name)!, s.shape);
    feeds[STEP_INPUT] = tensor(new Float32Array([this.step + 1]), []);
    feeds[LR_INPUT] = tensor(new Float32Array([this.lr]), []);
    withDerivedFeeds(this.compiled.derived, feeds);
    this.offload?.feed(this.values, feeds);
    const out = await this.session.run(feedsOf(this.session, feeds));
    const terms: Record<string, number> = {};
    for (const t of this.compiled.terms) terms[t] = (out[t].data as Float32Array)[0];
    const bad = nonFiniteTerms(terms);
    if (bad.length) {
      const [first, ...rest] = bad;
      const also = rest.length ? ` (also non-finite: ${rest.join(', ')})` : '';
      throw new NonFiniteError(`loss term '${first}' is ${terms[first]}${also} at step ${this.step + 1}; parameters left at step ${this.step}`);
    }
    for (const d of this.compiled.diagnostics) terms[d] = (out[d].data as Float32Array)[0];
    await this.offload?.update(out, feeds, this.values, this.state, this.lr);
    for (const name of this.compiled.trainable) this.values.set(name, out[nextName(name)].data as Float32Array);
    for (const s of this.graphState) this.state.set(s.name, out[nextName(s.name)].data as Float32Array);
    this.step++;
    return terms;
  }

  /** Parameters and optimiser state, for a checkpoint (shared arrays: write them before the next step). */
  checkpointTensors(o: { state?: boolean } = {}): Map<string, NamedTensor> {
    const out = new Map<string, NamedTensor>();
    for (const [name, p] of this.compiled.params) out.set(name, { data: this.values.get(name)!, shape: p.shape });
    if (o.state === false) return out;
    for (const s of this.compiled.state) out.set(s.name, { data: this.state.get(s.name)!, shape: s.shape });
    return out;
  }

  /** Restores parameters, optimiser state and the step count written by checkpointTensors(). */
  restore(tensors: Map<string, NamedTensor>, step: number): void {
    const take = (name: string, size: number): Float32Array => {
      const t = tensors.get(name);
      if (!t || !(t.data instanceof Float32Array) || t.data.length !== size) {
        throw new Error(`checkpoint does not match this model: tensor '${name}' is ${t ? `${t.data.constructor.name}[${t.data.length}]` : 'missing'}, expected Float32Array[${size}]`);
      }
      return t.data;
    };
    for (const [name, p] of this.compiled.params) this.values.set(name, take(name, p.size));
    for (const s of this.compiled.state) this.state.set(s.name, take(s.name, s.shape.reduce((a, b) => a * b, 1)));
    this.offload?.adopt(this.values, this.state);
    this.step = step;
  }

  /** Ends ORT's profile (a session created with `profilePrefix`): the JSON file is complete after this. */
  async endProfiling(): Promise<void> { await this.session.endProfiling(); }

  async release(): Promise<void> {
    await this.session.release();
    await this.offload?.release();
  }
}
