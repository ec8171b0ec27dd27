// A train step compiled for its size: its matrix products decide whether it is small, which sets its
// share of the run's threads (runtime/step-threads.ts) and lets a small step leave more to the native
// kernels (Graph.smallStep: NGCF's propagation layers). Only the data and settings decide, never the
// thread count, so threads still never change a result.
import { type Parameter, type Binder } from './module.ts';
import { type OptimizerConfig } from './optim.ts';
import { compileTrainStep, type CompileOptions, type LossSpec } from './train-step-graph.ts';
import { type CompiledTrainStep, isSmallStep, stepThreads } from '../runtime/index.ts';

export interface PlannedStep {
  compiled: CompiledTrainStep;
  /** ORT threads for the step's session, out of the run's. */
  threads: number;
  /** The step's multiply-adds as `workOf` counted them (null: not known). */
  work: number | null;
}

/**
 * Compiles the step as a small one, counts its work with `workOf` (e.g. runtime/step-threads.ts
 * firstBatchWork), compiles it again without the small-step kernels if it is not small after all, and
 * takes its share of `threads`.
 */
export function planTrainStep(
  params: Map<string, Parameter>, build: (b: Binder) => LossSpec, optimizer: OptimizerConfig, o: CompileOptions,
  threads: number | undefined, workOf: (c: CompiledTrainStep) => number | null,
): PlannedStep {
  const small = compileTrainStep(params, build, optimizer, { ...o, smallStep: true });
  const work = workOf(small);
  const compiled = small.smallStepKernels && !isSmallStep(small, work) ? compileTrainStep(params, build, optimizer, { ...o, smallStep: false }) : small;
  return { compiled, threads: stepThreads(compiled, threads, work), work };
}
