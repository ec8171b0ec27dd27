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

/** Whether the native Adam kernel updates `p` (plain Adam; a row-norm constraint stays in the graph). */
const nativeAdamUpdates = (p: Parameter, cfg: OptimizerConfig) => cfg.type === 'adam' && !cfg.clipNorm && p.maxRowNorm === undefined;

/** Which trainable parameters the step graph updates, and which the runner does (with those the graph outputs a gradient for). */
export function splitUpdates(binder: InputBinder, loss: Value, trainable: Parameter[], cfg: OptimizerConfig) {
  const propagated = new Set(binder.offloads.flatMap((x) => x.request.params));
  const outside = trainable.filter((p) => propagated.has(p) || nativeAdamUpdates(p, cfg));
  const inGraph = trainable.filter((p) => !outside.includes(p));
  // A propagated parameter has a graph gradient only where the loss also reads it directly.
  const graphGradients = outside.filter((p) => !propagated.has(p) || (binder.values.has(p) && G.sourcesReaching(loss, [binder.values.get(p)!]).length > 0));
  return { inGraph, outside, graphGradients };
}

/**
 * The update of the parameters outside the step graph: on the native Adam kernel when it can update
 * them all, else an optimiser graph of its own (values, state and total gradients in). Its state
 * tensors are named as the fused step's.
 */
export function offloadUpdate(params: Parameter[], cfg: OptimizerConfig): Pick<OffloadPlan, 'optimizer' | 'nativeAdam'> {
  const g = new G.Graph('offload_optimizer');
  const slots = params.map((p) => ({ param: p, value: g.input(p.name, 'float32', p.shape), grad: g.input(gradientOf(p.name), 'float32', p.shape) }));
  const { updates, state } = emitOptimizer(g, slots, cfg);
  for (const u of updates) g.output(u.value, u.name);
  const nativeAdam = params.every((p) => nativeAdamUpdates(p, cfg)) ? nativeAdamPlan(params, cfg) : null;
  const bytes = nativeAdam ? null : G.serialize(g, { docString: 'sgfd optimiser of offloaded parameters' });
  return { optimizer: { bytes, params: params.map((p) => p.name), state }, nativeAdam };
}

/** Adam's settings for the native kernel (as the graph's float32 constants), per parameter its own. */
function nativeAdamPlan(params: Parameter[], cfg: OptimizerConfig): NativeAdamPlan {
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
