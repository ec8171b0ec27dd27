// The parts of a train step with offloaded propagation (runtime/propagation-offload.ts): the step
// graph takes each propagated table as an input and outputs its gradient, plus the direct gradient of
// every offloaded parameter the loss also reads; a second graph applies the optimiser to those
// parameters once the runner has added the propagation's share of their gradients.
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

/** Offloaded parameters the loss also reads directly (their own graph inputs reach it). */
export function directlyRead(binder: InputBinder, loss: Value, params: Parameter[]): Parameter[] {
  return params.filter((p) => binder.values.has(p) && G.sourcesReaching(loss, [binder.values.get(p)!]).length > 0);
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
