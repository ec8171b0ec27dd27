// Module/Parameter: parameters register themselves by being properties of a module; names are the
// dotted property paths (`teacher.image.layers.0.weight`), stable across builds.
import { Graph, type Value, type DType, type Shape, ShapeError } from '../graph/index.ts';
import { type Init, type RandomSource } from './init.ts';

export interface ParameterOptions {
  /** Optimiser parameter group (own lr scale / weight decay); default 'default'. */
  group?: string;
  /** False for frozen parameters (fed, never updated). */
  trainable?: boolean;
  /** After every update, rescale each row (last axis) to L2 norm ≤ this (e.g. MAML/CML's unit ball). */
  maxRowNorm?: number;
  /**
   * Initialised from a side stream after the others (see initialValues): adding auxiliary parameters
   * to a model leaves every other parameter's initial value, and the stream that goes on to order
   * batches, exactly as they were. SGFD's teacher and classifiers are auxiliary inside a backbone.
   */
  auxiliary?: boolean;
}

export class Parameter {
  /** Set when the owning module tree is named (see Module.namedParameters). */
  name = '';
  readonly group: string;
  trainable: boolean;
  readonly maxRowNorm?: number;
  auxiliary: boolean;
  constructor(readonly shape: number[], readonly init: Init, o: ParameterOptions = {}) {
    this.group = o.group ?? 'default';
    this.auxiliary = o.auxiliary ?? false;
    this.trainable = o.trainable ?? true;
    this.maxRowNorm = o.maxRowNorm;
  }
  get size(): number { return this.shape.reduce((a, b) => a * b, 1); }
}

/**
 * A propagation c · Σ_{l = 0..layers} Aˡ [p₀; p₁; …] (c = 1 / (layers + 1)) that a train step may
 * compute outside its graph: A one symmetric layer as CSR (runtime/propagation-offload.ts).
 */
export interface PropagationRequest { params: Parameter[]; layers: number; ptr: Int32Array; index: Int32Array; weight: Float32Array }

/** How a build turns parameters into graph values: inputs (training) or initializers (export). */
export interface Binder {
  graph: Graph;
  param(p: Parameter): Value;
  /**
   * A train step compiled with offloaded propagation: the propagated table as a graph input (the
   * runner computes it); otherwise undefined, and the caller builds the propagation in the graph.
   */
  offloadPropagation?(r: PropagationRequest): Value | undefined;
}

/** Each named module's dotted path (set by namedParameters): the prefix of the node names it emits. */
const modulePaths = new WeakMap<object, string>();
/** The scope of the root module's own nodes (its path is ''): `model/CumSum`. */
const ROOT_SCOPE = 'model';
/** Prototypes whose methods already open their module's naming scope. */
const scopedPrototypes = new WeakSet<object>();

/** The graph a module method builds into: its first argument, a Graph or a Binder. */
function graphOf(arg: unknown): Graph | null {
  if (arg instanceof Graph) return arg;
  const g = (arg as { graph?: unknown } | null)?.graph;
  return g instanceof Graph ? g : null;
}

/**
 * Wraps every method declared below Module on `proto`'s chain (once per class) so that a call
 * building into a graph names its nodes after the module (`teacher.extractors.0.layers.1/Gemm`),
 * like onnxscript's module call: a naming scope, nothing else changes.
 */
function scopeMethods(proto: object | null): void {
  for (; proto && proto !== Module.prototype && !scopedPrototypes.has(proto); proto = Object.getPrototypeOf(proto)) {
    scopedPrototypes.add(proto);
    for (const key of Object.getOwnPropertyNames(proto)) {
      const d = Object.getOwnPropertyDescriptor(proto, key)!;
      if (key === 'constructor' || typeof d.value !== 'function') continue;
      const method = d.value as (...args: unknown[]) => unknown;
      Object.defineProperty(proto, key, {
        ...d,
        value: function scoped(this: Module, ...args: unknown[]) {
          const g = graphOf(args[0]);
          const path = modulePaths.get(this);
          return g && path !== undefined ? g.moduleScope(path || ROOT_SCOPE, () => method.apply(this, args)) : method.apply(this, args);
        },
      });
    }
  }
}

export abstract class Module {
  constructor() { scopeMethods(Object.getPrototypeOf(this)); }

  /**
   * Every parameter below this module, keyed by dotted path under `prefix`; also (re)sets their names,
   * so call it on the root of the model before building graphs.
   */
  namedParameters(prefix = ''): Map<string, Parameter> {
    const out = new Map<string, Parameter>();
    const visit = (obj: unknown, path: string, seen: Set<unknown>) => {
      if (obj instanceof Parameter) {
        if (seen.has(obj)) return; // shared: keeps the first path's name
        seen.add(obj);
        obj.name = path;
        out.set(path, obj);
        return;
      }
      if (seen.has(obj)) return;
      if (obj instanceof Module || Array.isArray(obj)) {
        seen.add(obj);
        if (obj instanceof Module) modulePaths.set(obj, path);
        for (const [k, v] of Object.entries(obj as object)) visit(v, path ? `${path}.${k}` : k, seen);
      }
    };
    modulePaths.set(this, prefix);
    for (const [k, v] of Object.entries(this)) visit(v, prefix ? `${prefix}.${k}` : k, new Set([this]));
    return out;
  }

  parameters(prefix = ''): Parameter[] { return [...this.namedParameters(prefix).values()]; }

  /** Freezes (or unfreezes) every parameter below this module. */
  setTrainable(trainable: boolean): this {
    for (const p of this.parameters()) p.trainable = trainable;
    return this;
  }

  /** Marks every parameter below this module auxiliary (initialised from the side stream). */
  setAuxiliary(): this {
    for (const p of this.parameters()) p.auxiliary = true;
    return this;
  }
}

/** Binder for training graphs: each parameter becomes a float32 graph input named after it. */
export class InputBinder implements Binder {
  readonly values = new Map<Parameter, Value>();
  /** Propagations left to the runner (only in a graph built with `nativeKernels`), with their graph inputs. */
  readonly offloads: { request: PropagationRequest; value: Value }[] = [];
  constructor(readonly graph: Graph, readonly dtype: DType = 'float32') {}
  offloadPropagation(r: PropagationRequest): Value | undefined {
    if (!this.graph.nativeKernels) return undefined;
    const rows = r.params.reduce((n, p) => n + p.shape[0], 0);
    const value = this.graph.input(`offload.propagation.${this.offloads.length}`, this.dtype, [rows, r.params[0].shape[1]]);
    this.offloads.push({ request: r, value });
    return value;
  }
  param(p: Parameter): Value {
    if (!p.name) throw new ShapeError('parameter used before its module tree was named (call namedParameters())');
    let v = this.values.get(p);
    if (!v) { v = this.graph.input(p.name, this.dtype, p.shape as Shape); this.values.set(p, v); }
    return v;
  }
}

/** Binder for inference/export graphs: parameters become initializers holding their current values. */
export class InitializerBinder implements Binder {
  private readonly values = new Map<Parameter, Value>();
  constructor(readonly graph: Graph, readonly store: ReadonlyMap<string, Float32Array>) {}
  param(p: Parameter): Value {
    let v = this.values.get(p);
    if (!v) {
      const data = this.store.get(p.name);
      if (!data) throw new ShapeError(`no value for parameter ${p.name}`);
      v = this.graph.initializer(p.name, data, p.shape);
      this.values.set(p, v);
    }
    return v;
  }
}

/** A random source that can also hand out a stream derived from its state without advancing it. */
export interface SplittableSource extends RandomSource { sideStream(): RandomSource }

/**
 * Draws every parameter's initial value, in name order, from `rng`; auxiliary parameters come after
 * the others, in name order, from `rng.sideStream()`, so they change neither the other parameters'
 * values nor where `rng` stands afterwards. (SGFD at λ = 0 starts bit for bit where its backbone does.)
 */
export function initialValues(params: Map<string, Parameter>, rng: RandomSource | SplittableSource): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  const names = [...params.keys()].sort();
  const auxiliary = names.filter((n) => params.get(n)!.auxiliary);
  const side = auxiliary.length ? sideOf(rng) : null;
  for (const name of names) if (!params.get(name)!.auxiliary) out.set(name, params.get(name)!.init(params.get(name)!.shape, rng));
  for (const name of auxiliary) out.set(name, params.get(name)!.init(params.get(name)!.shape, side!));
  return new Map(names.map((n) => [n, out.get(n)!]));
}

function sideOf(rng: RandomSource | SplittableSource): RandomSource {
  if (!('sideStream' in rng)) throw new Error('auxiliary parameters need a random source with sideStream() (data/rng.ts Rng)');
  return rng.sideStream();
}
