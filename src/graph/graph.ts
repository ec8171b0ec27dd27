// The graph builder: typed values, nodes, inputs/outputs, initializers and naming scopes.
import { type DType, type TypedArray, typedArrayOf, dtypeOfArray } from './dtype.ts';
import { type Shape, formatShape, ShapeError } from './shape.ts';

/** An ONNX attribute value, tagged with its ONNX attribute type. */
export type Attr =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'ints'; value: number[] }
  | { kind: 'floats'; value: number[] }
  | { kind: 'string'; value: string }
  | { kind: 'tensor'; dtype: DType; value: number[] };

/** Precomputed facts about an index tensor, used by the gradients of Gather-like ops. */
export interface IndexInfo {
  /** The indexed axis has this many rows (needed to size gradients). */
  numRows?: number;
  /** Every index is distinct: the gradient may scatter without any reduction. */
  unique?: boolean;
  /** The indices are a permutation; gathering the gradient with `inverse` undoes it. */
  inverse?: Value;
  /** For indices with duplicates: how to group them (created lazily, once). */
  plan?: () => IndexPlan;
}

/**
 * Grouping of an index vector idx[N] with duplicates, for race-free segment sums: sorting idx by
 * `perm` gives contiguous runs of equal ids; run r ends at sorted position lasts[r] and holds id uniq[r].
 */
export interface IndexPlan {
  perm: Value; inverse: Value; lasts: Value; runs: Value; uniq: Value;
  /** groups[i] = the run of element i: gather a per-run tensor [U, …] back to the elements. */
  groups: Value;
  /** The index vector itself, and the number of distinct values it may hold. */
  source: Value;
  numRows: number;
  /** Known at build time: idx is already sorted (perm is the identity). */
  sorted: boolean;
  /** Known at build time: every one of the numRows ids occurs (uniq = 0 … numRows − 1). */
  complete: boolean;
}

/** The parts of an IndexPlan the runtime feeds (or the builder stores) as int64 tensors. */
export const PLAN_PARTS = ['perm', 'inverse', 'lasts', 'runs', 'uniq', 'groups'] as const;
export type PlanPart = (typeof PLAN_PARTS)[number];

/**
 * A composite's own gradient: when autodiff reaches the value carrying it, `fn` maps its gradient to
 * the gradients of `inputs`, and the nodes in `internal` are not differentiated one by one.
 */
export interface GradOverride { inputs: Value[]; internal: Set<Node>; fn: (dy: Value) => (Value | undefined)[] }

/** An input computed by the runtime from the array fed for `source` (see runtime/index-plan.ts). */
export interface DerivedInput { name: string; source: string; part: PlanPart; numRows: number }

export class Value {
  index?: IndexInfo;
  gradOverride?: GradOverride;
  constructor(
    readonly graph: Graph,
    public name: string,
    readonly dtype: DType,
    readonly shape: Shape,
    readonly producer: Node | null,
  ) {}
  get rank(): number { return this.shape.length; }
  toString(): string { return `${this.name}: ${this.dtype}${formatShape(this.shape)}`; }
}

/**
 * What a node in NATIVE_DOMAIN computes: a CSR row kernel of runtime/native.ts over a structure fixed
 * at build time. Such nodes never reach ONNX Runtime: graph/stages.ts runs the graph as ORT sessions
 * with these kernels between them.
 */
export interface NativeCall {
  kernel: 'rowSums' | 'rowDots';
  /** Rows' entries: ptr [rows + 1] into index (rows of the table read); order[k] = the edge at entry k (null: entry k is edge k). */
  csr: { ptr: Int32Array; index: Int32Array; order: Int32Array | null };
}
export const NATIVE_DOMAIN = 'sgfd.native';

export class Node {
  /** True for nodes the gradient must not pass through (stop-gradient). */
  noGrad = false;
  /** Set for nodes of NATIVE_DOMAIN. */
  native?: NativeCall;
  constructor(
    readonly op: string,
    readonly inputs: (Value | null)[],
    readonly outputs: Value[],
    readonly attrs: Record<string, Attr>,
    readonly name: string,
    readonly domain = '',
  ) {}
}

export interface Initializer { value: Value; data: TypedArray }

export class Graph {
  readonly nodes: Node[] = [];
  readonly inputs: Value[] = [];
  readonly outputs: Value[] = [];
  readonly initializers: Initializer[] = [];
  private readonly used = new Set<string>();
  private readonly scopes: string[] = [];
  /** The module whose method is emitting (its dotted path); node names start `path/` (moduleScope). */
  private modulePath = '';
  private readonly scalarCache = new Map<string, Value>();
  /** Inputs the runtime derives from another input (index plans), in creation order. */
  readonly derived: DerivedInput[] = [];
  /** Ops with a native kernel may emit NATIVE_DOMAIN nodes (the graph then runs in stages). */
  nativeKernels = false;
  /**
   * The step is small (runtime/step-threads.ts): ORT runs it on one thread fewer, and with
   * `nativeKernels` kernels that beat ORT's fused graph only on small steps may emit native nodes too
   * (NGCF's propagation layers; backbones/propagation.ts), setting `smallStepKernels`.
   */
  smallStep = false;
  smallStepKernels = false;

  constructor(readonly name = 'sgfd') {}

  /** Runs `fn` with `name` pushed on the naming scope: names become `outer.name.x`. */
  scope<T>(name: string, fn: () => T): T {
    this.scopes.push(name);
    try { return fn(); } finally { this.scopes.pop(); }
  }

  /**
   * Runs `fn` with node names prefixed by a module path (`teacher.image.layers.1/MatMul`), restoring
   * the previous path after: modules set it when one of their methods builds (nn/module.ts).
   */
  moduleScope<T>(path: string, fn: () => T): T {
    const before = this.modulePath;
    this.modulePath = path;
    try { return fn(); } finally { this.modulePath = before; }
  }

  /** The current module path ('' outside any module). */
  get currentModule(): string { return this.modulePath; }

  /** The dotted name `scope.base`, made unique with a numeric suffix when taken. */
  uniqueName(base: string, scoped = true): string {
    const full = scoped && this.scopes.length ? `${this.scopes.join('.')}.${base}` : base;
    let name = full;
    for (let i = 1; this.used.has(name); i++) name = `${full}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Claims an exact name (inputs, parameters): a clash is a build error. */
  claimName(name: string): string {
    if (this.used.has(name)) throw new ShapeError(`name '${name}' is used twice in graph '${this.name}'`);
    this.used.add(name);
    return name;
  }

  input(name: string, dtype: DType, shape: Shape): Value {
    const v = new Value(this, this.claimName(name), dtype, shape, null);
    this.inputs.push(v);
    return v;
  }

  initializer(name: string, data: TypedArray, shape: number[]): Value {
    const v = new Value(this, this.claimName(name), dtypeOfArray(data), shape, null);
    this.initializers.push({ value: v, data });
    return v;
  }

  /** A constant tensor (stored as an initializer). */
  constant(values: ArrayLike<number> | TypedArray, dtype: DType, shape: number[]): Value {
    const data = ArrayBuffer.isView(values) && dtypeOfArray(values as TypedArray) === dtype
      ? (values as TypedArray) : typedArrayOf(dtype, values as ArrayLike<number>);
    const v = new Value(this, this.uniqueName('const', false), dtype, shape, null);
    this.initializers.push({ value: v, data });
    return v;
  }

  /** A scalar constant, shared between uses. */
  scalar(value: number, dtype: DType): Value {
    const key = `${dtype}:${Object.is(value, -0) ? '-0' : value}`;
    let v = this.scalarCache.get(key);
    if (!v) { v = this.constant([value], dtype, []); this.scalarCache.set(key, v); }
    return v;
  }

  /** Runs `build` and gives its result a gradient of its own over `inputs` (see GradOverride). */
  withGradient(inputs: Value[], build: () => Value, fn: GradOverride['fn']): Value {
    const start = this.nodes.length;
    const y = build();
    if (y.producer && this.nodes.indexOf(y.producer) >= start) {
      y.gradOverride = { inputs, internal: new Set(this.nodes.slice(start)), fn };
    }
    return y;
  }

  /** Appends a node; returns its outputs (types and shapes inferred by the caller). */
  emit(op: string, inputs: (Value | null)[], outs: { dtype: DType; shape: Shape }[],
    attrs: Record<string, Attr> = {}, domain = ''): Value[] {
    for (const x of inputs) {
      if (x && x.graph !== this) throw new ShapeError(`${op}: input ${x.name} belongs to another graph`);
    }
    const nodeName = this.modulePath ? this.uniqueName(`${this.modulePath}/${this.scopes.length ? `${this.scopes.join('.')}.` : ''}${op}`, false) : this.uniqueName(op);
    const outputs: Value[] = [];
    const node = new Node(op, inputs, outputs, attrs, nodeName, domain);
    outs.forEach((o, i) => outputs.push(new Value(this, this.uniqueName(`${op}_out${outs.length > 1 ? i : ''}`), o.dtype, o.shape, node)));
    this.nodes.push(node);
    return outputs;
  }

  /** Marks `v` as a graph output called `name` (renaming its producer's output when possible). */
  output(v: Value, name: string = v.name): Value {
    let out = v;
    const renamable = v.producer && !this.outputs.includes(v) && !this.used.has(name);
    if (name !== v.name && renamable) {
      this.used.delete(v.name);
      v.name = this.claimName(name);
    } else if (name !== v.name || !v.producer || this.outputs.includes(v)) {
      out = this.emit('Identity', [v], [{ dtype: v.dtype, shape: v.shape }])[0];
      out.name = this.claimName(name);
    }
    this.outputs.push(out);
    return out;
  }
}

export function int(value: number): Attr { return { kind: 'int', value }; }
export function float(value: number): Attr { return { kind: 'float', value }; }
export function ints(value: number[]): Attr { return { kind: 'ints', value }; }
export function floats(value: number[]): Attr { return { kind: 'floats', value }; }
export function str(value: string): Attr { return { kind: 'string', value }; }
export function tensorAttr(dtype: DType, value: number[]): Attr { return { kind: 'tensor', dtype, value }; }
