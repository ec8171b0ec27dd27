// The parts of a train step that leaves work to the runner's native kernels (runtime/propagation-
// offload.ts): the step graph takes each propagated table as an input and outputs its gradient, and
// outputs the gradients of the parameters updated outside it (for those a propagation reads, the part
// that does not pass through it); the update runs on the native Adam kernel, or on a graph of its own.
import * as G from '../graph/index.ts';
import { type Value } from '../graph/index.ts';
import { type Parameter, type InputBinder } from './module.ts';
import { emitOptimizer, stateName, type OptimizerConfig } from './optim.ts';
import { gradientOf, type NativeAdamPlan, type OffloadPlan, type PropagationOffload } from '../runtime/index.ts';

/** The propagations the build left to the runner, as the runner reads them. */
export function propagationsOf(binder: InputBinder): PropagationOffload[] {
  return binder.offloads.map(({ request: r, value }) => ({
    input: value.name,
    gradient: gradientOf(value.name),
    params: r.params.map((p) => ({ name: p.name, rows: p.shape[0] })),
    cols: value.shape[1] as number,
    layers: r.layers,
    ptr: r.ptr,
    index: r.index,
    weight: r.weight,
  }));
}

/** Which trainable parameters the step graph updates, and which the runner does (with those the graph outputs a gradient for). */
export function splitUpdates(binder: InputBinder, loss: Value, trainable: Parameter[], cfg: OptimizerConfig) {
  const propagated = new Set(binder.offloads.flatMap((x) => x.request.params));
  const adamOutside = cfg.type === 'adam' && !cfg.clipNorm;
  const outside = trainable.filter((p) => propagated.has(p) || (adamOutside && p.maxRowNorm === undefined));
  const inGraph = trainable.filter((p) => !outside.includes(p));
  // A propagated parameter has a graph gradient only where the loss also reads it directly.
  const graphGradients = outside.filter((p) => !propagated.has(p) || (binder.values.has(p) && G.sourcesReaching(loss, [binder.values.get(p)!]).length > 0));
  return { inGraph, outside, graphGradients };
}

/** The optimiser graph of the offloaded parameters: their values, state and total gradients in. */
export function offloadOptimizer(params: Parameter[], optimizer: OptimizerConfig): OffloadPlan['optimizer'] {
  const g = new G.Graph('offload_optimizer');
  const slots = params.map((p) => ({ param: p, value: g.input(p.name, 'float32', p.shape), grad: g.input(gradientOf(p.name), 'float32', p.shape) }));
  const { updates, state } = emitOptimizer(g, slots, optimizer);
  for (const u of updates) g.output(u.value, u.name);
  return { bytes: G.serialize(g, { docString: 'sgfd optimiser of offloaded parameters' }), params: params.map((p) => p.name), state };
}

/** The update for the native Adam kernel: plain Adam on parameters without a row-norm constraint; else null. */
export function nativeAdamPlan(params: Parameter[], cfg: OptimizerConfig): NativeAdamPlan | null {
  if (cfg.type !== 'adam' || cfg.clipNorm || params.some((p) => p.maxRowNorm !== undefined)) return null;
  return {
    beta1: cfg.beta1 ?? 0.9,
    beta2: cfg.beta2 ?? 0.999,
    eps: cfg.eps ?? 1e-8,
    params: params.map((p) => {
      const group = cfg.groups?.[p.group] ?? {};
      return { name: p.name, m: stateName('m', p.name), v: stateName('v', p.name), lrScale: group.lrScale ?? 1, weightDecay: group.weightDecay ?? cfg.weightDecay ?? 0 };
    }),
  };
}
