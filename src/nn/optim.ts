// Optimisers emitted into the train-step graph: Adam, AdamW, SGD (momentum), L2 weight decay,
// global-norm gradient clipping and per-group learning-rate scales. Semantics follow PyTorch's.
import * as G from '../graph/index.ts';
import { type Graph, type Value } from '../graph/index.ts';
import { type Parameter } from './module.ts';
import { STEP_INPUT, LR_INPUT, nextName, type StateSpec } from '../runtime/index.ts';

export interface GroupOptions { lrScale?: number; weightDecay?: number }

export interface OptimizerConfig {
  type: 'adam' | 'adamw' | 'sgd';
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Adam/SGD: L2 added to the gradient; AdamW: decoupled decay. */
  weightDecay?: number;
  momentum?: number;
  /** Clip the global gradient norm to this value (PyTorch clip_grad_norm_). */
  clipNorm?: number;
  groups?: Record<string, GroupOptions>;
}

export interface ParamSlot { param: Parameter; value: Value; grad: Value }
export interface EmittedUpdate {
  updates: { name: string; value: Value }[];
  state: StateSpec[];
  /** Adam's bias corrections 1 − β1ᵗ and 1 − β2ᵗ as the graph computes them (float32). */
  biasCorrections: [Value, Value];
}


/** The optimiser-state tensors a parameter may have. */
export type OptimizerState = 'm' | 'v' | 'momentum';
/** The name of a parameter's optimiser-state tensor (a graph input, and a checkpoint entry). */
export const stateName = (kind: OptimizerState, param: string) => `optim.${kind}.${param}`;

/** Emits the update of every slot; returns the new values (named `<param>.next`) and the state it keeps. */
export function emitOptimizer(g: Graph, slots: ParamSlot[], cfg: OptimizerConfig): EmittedUpdate {
  const step = g.input(STEP_INPUT, 'float32', []);
  const lr = g.input(LR_INPUT, 'float32', []);
  const grads = g.moduleScope('optim', () => clipGrads(slots.map((s) => s.grad), cfg.clipNorm));
  const state: StateSpec[] = [];
  const updates: EmittedUpdate['updates'] = [];
  const stateInput = (kind: OptimizerState, p: Parameter) => {
    const name = stateName(kind, p.name);
    state.push({ name, shape: p.shape });
    return { name, value: g.input(name, 'float32', p.shape) };
  };
  const b1 = cfg.beta1 ?? 0.9;
  const b2 = cfg.beta2 ?? 0.999;
  // Bias corrections 1 − β^t computed in the graph from the step input: 1 − exp(t·ln β).
  const [bc1, bc2] = g.moduleScope('optim', () => [b1, b2].map((b) => G.sub(1, G.exp(G.mul(step, Math.log(b))))));
  // Node names: `optim/<parameter>/<op>` (one naming scope per parameter's update).
  slots.forEach((s, i) => g.moduleScope(`optim/${s.param.name}`, () => {
    const group = cfg.groups?.[s.param.group] ?? {};
    const wd = group.weightDecay ?? cfg.weightDecay ?? 0;
    const plr = group.lrScale === undefined || group.lrScale === 1 ? lr : G.mul(lr, group.lrScale);
    let grad = grads[i];
    let p = s.value;
    if (wd > 0 && cfg.type !== 'adamw') grad = G.add(grad, G.mul(p, wd));
    if (wd > 0 && cfg.type === 'adamw') p = G.mul(p, G.sub(1, G.mul(plr, wd)));
    if (cfg.type === 'sgd') {
      const mu = cfg.momentum ?? 0;
      let dir = grad;
      if (mu > 0) {
        const buf = stateInput('momentum', s.param);
        dir = G.add(G.mul(buf.value, mu), grad);
        updates.push({ name: nextName(buf.name), value: dir });
      }
      updates.push({ name: nextName(s.param.name), value: constrain(G.sub(p, G.mul(dir, plr)), s.param) });
      return;
    }
    const m = stateInput('m', s.param);
    const v = stateInput('v', s.param);
    const m2 = G.add(G.mul(m.value, b1), G.mul(grad, 1 - b1));
    const v2 = G.add(G.mul(v.value, b2), G.mul(G.square(grad), 1 - b2));
    const denom = G.add(G.div(G.sqrt(v2), G.sqrt(bc2)), cfg.eps ?? 1e-8);
    const stepSize = G.div(plr, bc1);
    updates.push({ name: nextName(s.param.name), value: constrain(G.sub(p, G.mul(G.div(m2, denom), stepSize)), s.param) });
    updates.push({ name: nextName(m.name), value: m2 });
    updates.push({ name: nextName(v.name), value: v2 });
  }));
  return { updates, state, biasCorrections: [bc1, bc2] };
}

/** Applies the parameter's constraint to its updated value (row-norm clipping). */
function constrain(x: Value, p: Parameter): Value {
  if (p.maxRowNorm === undefined) return x;
  const norm = G.sqrt(G.reduceSum(G.square(x), [-1], true));
  return G.div(x, G.maximum(G.div(norm, p.maxRowNorm), 1));
}

function clipGrads(grads: Value[], maxNorm?: number): Value[] {
  if (!maxNorm) return grads;
  const sq = grads.map((d) => G.reduceSum(G.square(d)));
  const total = G.sqrt(sq.length === 1 ? sq[0] : G.sumAll(sq));
  const coef = G.minimum(G.div(total.graph.scalar(maxNorm, total.dtype), G.add(total, 1e-6)), 1);
  return grads.map((d) => G.mul(d, coef));
}
