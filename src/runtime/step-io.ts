// The names a train-step graph and its runner agree on: the per-step scalar inputs, the output that
// carries a parameter's (or optimiser-state tensor's) next value, and the state tensors a step feeds
// back. nn/ emits graphs with these names; runtime/ runs them.

/** The per-step scalar inputs: Adam's step count t (1-based) and the learning rate. */
export const STEP_INPUT = 'optim.step';
export const LR_INPUT = 'optim.lr';
/**
 * A scalar input only graphs with an epoch schedule declare (e.g. SGFD's λ1 decay): the 1-based epoch
 * the step belongs to, as float32. The trainer feeds it at the start of every epoch when the graph has it.
 */
export const EPOCH_INPUT = 'train.epoch';

/** The output holding the updated value of input `name`. */
export const nextName = (name: string) => `${name}.next`;

/** An optimiser-state tensor (fed each step, updated as `nextName(name)`). */
export interface StateSpec { name: string; shape: number[] }
