// The names a train-step graph and its runner agree on: the per-step scalar inputs, the output that
// carries a parameter's (or optimiser-state tensor's) next value, and the state tensors a step feeds
// back. nn/ emits graphs with these names; runtime/ runs them.

/** The per-step scalar inputs: Adam's step count t (1-based) and the learning rate. */
export const STEP_INPUT = 'optim.step';
export const LR_INPUT = 'optim.lr';

/** The output holding the updated value of input `name`. */
export const nextName = (name: string) => `${name}.next`;

/** An optimiser-state tensor (fed each step, updated as `nextName(name)`). */
export interface StateSpec { name: string; shape: number[] }
