// The train-step compiler: model + loss + reverse-mode gradients + optimiser update emitted into one
// ONNX graph (runtime/train-step.ts runs it). Nodes the loss builds outside any module are named
// `loss/…`; gradient nodes `…/grad/…`; updates `optim/<parameter>/…`.
import * as G from '../graph/index.ts';
import { type Value } from '../graph/index.ts';
import { type Parameter, InputBinder, type Binder } from './module.ts';
import { emitGradNorms, type ParamGroup } from './grad-norms.ts';
import { emitOptimizer, type OptimizerConfig } from './optim.ts';
import { propagationsOf, splitUpdates, offloadUpdate } from './offload-step.ts';
import { STEP_INPUT, LR_INPUT } from '../runtime/index.ts';
import { type CompiledTrainStep, BIAS_CORRECTIONS, gradientOf, rowGradientOf } from '../runtime/index.ts';

export interface LossSpec {
  /** The scalar objective minimised. */
  loss: Value;
  /** Named scalar terms reported each step (the loss itself is reported as `loss`). */
  terms?: Record<string, Value>;
}

export interface CompileOptions {
  /** Emit each term's gradient norm per parameter group (true: the default groups). */
  gradNorms?: boolean | ParamGroup;
  /**
   * Leave to the runner's native kernels what they do: LightGCN-style propagations
   * (Binder.offloadPropagation) and, with plain Adam, the parameters' update (OffloadPlan). Not with
   * gradNorms or clipNorm: both need every parameter's whole gradient inside the graph. Edge-valued
   * sums and dot products (G.weightedSumOfRows, G.rowDotsOfEdges) then run on native kernels too,
   * between ORT sessions: the step compiles to `stages` instead of one graph's `bytes`.
   */
  native?: boolean;
  /** The step is small (Graph.smallStep, nn/step-plan.ts): with `native`, NGCF's layers go native too. */
  smallStep?: boolean;
  /**
   * With `native`: a table the native Adam kernel updates and the step reads only through a gather
   * gets its gradient's rows from the graph, not the dense table (OffloadPlan.rowGradients; default
   * true — false gives the dense gradient, the same update to the bit).
   */
  rowGradients?: boolean;
}

/** Builds the fused graph: `build` declares batch inputs on `b.graph` and returns the loss. */
export function compileTrainStep(params: Map<string, Parameter>, build: (b: Binder) => LossSpec, optimizer: OptimizerConfig, o: CompileOptions = {}): CompiledTrainStep {
  const g = new G.Graph('train_step');
  const native = !!o.native && !o.gradNorms && !optimizer.clipNorm;
  g.nativeKernels = native;
  g.smallStep = !!o.smallStep;
  const binder = new InputBinder(g);
  const spec = g.moduleScope('loss', () => build(binder)); // nodes outside any module: `loss/Add`
  const propagated = new Set(binder.offloads.flatMap((x) => x.request.params));
  const used = [...params.values()].filter((p) => binder.values.has(p) || propagated.has(p));
  const { inGraph: trainable, outside, graphGradients } = native
    ? splitUpdates(binder, spec.loss, used.filter((p) => p.trainable), optimizer)
    : { inGraph: used.filter((p) => p.trainable), outside: [], graphGradients: [] };
  const wrt = [...trainable, ...graphGradients].map((p) => binder.values.get(p)!);
  const grads = G.grad(spec.loss, [...wrt, ...binder.offloads.map((x) => x.value)]);
  const { updates, state, biasCorrections } = emitOptimizer(g, trainable.map((p, i) => ({ param: p, value: binder.values.get(p)!, grad: grads[i] })), optimizer);
  g.output(spec.loss, 'loss');
  const terms = Object.entries(spec.terms ?? {});
  for (const [name, v] of terms) g.output(v, `loss.${name}`);
  for (const u of updates) g.output(u.value, u.name);
  const update = outside.length ? offloadUpdate(outside, optimizer) : null;
  const rowGradients: string[] = [];
  graphGradients.forEach((p, i) => {
    const grad = grads[trainable.length + i];
    // A table the native Adam kernel updates, read only through a gather: its gradient's rows, not the dense table.
    const scattered = update?.nativeAdam && o.rowGradients !== false && !propagated.has(p) ? G.scatteredRows(grad) : null;
    if (!scattered) return void g.output(grad, gradientOf(p.name));
    g.output(scattered.rows, rowGradientOf(p.name).rows);
    g.output(scattered.ids, rowGradientOf(p.name).ids);
    rowGradients.push(p.name);
  });
  binder.offloads.forEach((x, i) => g.output(grads[wrt.length + i], gradientOf(x.value.name)));
  const offload = update
    ? { propagations: propagationsOf(binder), graphGradients: graphGradients.map((p) => p.name), ...(rowGradients.length ? { rowGradients } : {}), ...update }
    : undefined;
  if (offload?.nativeAdam) biasCorrections.forEach((v, i) => g.output(v, BIAS_CORRECTIONS[i]));
  const diagnostics = o.gradNorms
    ? emitGradNorms({ loss: spec.loss, ...spec.terms }, trainable.map((p) => ({ param: p, value: binder.values.get(p)! })), o.gradNorms === true ? undefined : o.gradNorms)
    : new Map<string, Value>();
  for (const [name, v] of diagnostics) g.output(v, name);
  const reserved = new Set([...params.keys(), ...state.map((s) => s.name), STEP_INPUT, LR_INPUT, ...g.derived.map((d) => d.name), ...binder.offloads.map((x) => x.value.name)]);
  const info = { docString: 'sgfd fused train step' };
  const staged = native && G.hasNativeNodes(g);
  return {
    ...(staged ? { stages: G.stagePlan(g, info) } : { bytes: G.serialize(g, info) }),
    params: new Map([...params].map(([n, p]) => [n, { shape: p.shape, size: p.size }])),
    trainable: trainable.map((p) => p.name),
    state: [...state, ...offload?.optimizer.state ?? []],
    offload,
    terms: ['loss', ...terms.map(([n]) => `loss.${n}`)],
    diagnostics: [...diagnostics.keys()],
    derived: g.derived.slice(),
    work: G.productWork(g),
    ...(g.smallStepKernels ? { smallStepKernels: true } : {}),
    batchInputs: g.inputs.filter((v) => !reserved.has(v.name)).map((v) => ({ name: v.name, dtype: v.dtype, shape: v.shape })),
  };
}

