// The train-step compiler: model + loss + reverse-mode gradients + optimiser update emitted into one
// ONNX graph (runtime/train-step.ts runs it). Nodes the loss builds outside any module are named
// `loss/…`; gradient nodes `…/grad/…`; updates `optim/<parameter>/…`.
import * as G from '../graph/index.ts';
import { type Value } from '../graph/index.ts';
import { type Parameter, InputBinder, type Binder } from './module.ts';
import { emitGradNorms, type ParamGroup } from './grad-norms.ts';
import { emitOptimizer, type OptimizerConfig } from './optim.ts';
import { STEP_INPUT, LR_INPUT } from '../runtime/index.ts';
import { type CompiledTrainStep } from '../runtime/index.ts';

export interface LossSpec {
  /** The scalar objective minimised. */
  loss: Value;
  /** Named scalar terms reported each step (the loss itself is reported as `loss`). */
  terms?: Record<string, Value>;
}

export interface CompileOptions {
  /** Emit each term's gradient norm per parameter group (true: the default groups). */
  gradNorms?: boolean | ParamGroup;
}

/** Builds the fused graph: `build` declares batch inputs on `b.graph` and returns the loss. */
export function compileTrainStep(params: Map<string, Parameter>, build: (b: Binder) => LossSpec, optimizer: OptimizerConfig, o: CompileOptions = {}): CompiledTrainStep {
  const g = new G.Graph('train_step');
  const binder = new InputBinder(g);
  const spec = g.moduleScope('loss', () => build(binder)); // nodes outside any module: `loss/Add`
  const used = [...params.values()].filter((p) => binder.values.has(p));
  const trainable = used.filter((p) => p.trainable);
  const grads = G.grad(spec.loss, trainable.map((p) => binder.values.get(p)!));
  const { updates, state } = emitOptimizer(g, trainable.map((p, i) => ({ param: p, value: binder.values.get(p)!, grad: grads[i] })), optimizer);
  g.output(spec.loss, 'loss');
  const terms = Object.entries(spec.terms ?? {});
  for (const [name, v] of terms) g.output(v, `loss.${name}`);
  for (const u of updates) g.output(u.value, u.name);
  const diagnostics = o.gradNorms
    ? emitGradNorms({ loss: spec.loss, ...spec.terms }, trainable.map((p) => ({ param: p, value: binder.values.get(p)! })), o.gradNorms === true ? undefined : o.gradNorms)
    : new Map<string, Value>();
  for (const [name, v] of diagnostics) g.output(v, name);
  const reserved = new Set([...params.keys(), ...state.map((s) => s.name), STEP_INPUT, LR_INPUT, ...g.derived.map((d) => d.name)]);
  return {
    bytes: G.serialize(g, { docString: 'sgfd fused train step' }),
    params: new Map([...params].map(([n, p]) => [n, { shape: p.shape, size: p.size }])),
    trainable: trainable.map((p) => p.name),
    state,
    terms: ['loss', ...terms.map(([n]) => `loss.${n}`)],
    diagnostics: [...diagnostics.keys()],
    derived: g.derived.slice(),
    batchInputs: g.inputs.filter((v) => !reserved.has(v.name)).map((v) => ({ name: v.name, dtype: v.dtype, shape: v.shape })),
  };
}

