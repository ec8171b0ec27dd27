// A train step compiled for the threads it runs on: its matrix products decide its share of the run's
// threads (runtime/step-threads.ts), and a step that gets one ORT thread leaves more to the native
// kernels (Graph.singleThreaded: NGCF's propagation layers).
import { type Parameter, type Binder } from './module.ts';
import { type OptimizerConfig } from './optim.ts';
import { compileTrainStep, type CompileOptions, type LossSpec } from './train-step-graph.ts';
import { type CompiledTrainStep, stepThreads } from '../runtime/index.ts';

export interface PlannedStep {
  compiled: CompiledTrainStep;
  /** ORT threads for the step's session, out of the run's. */
  threads: number;
  /** The step's multiply-adds as `workOf` counted them (null: not known). */
  work: number | null;
}

/**
 * Compiles the step for one ORT thread, counts its work with `workOf` (e.g. runtime/step-threads.ts
 * firstBatchWork) and takes its share of `threads`; when that is more than one thread and the graph
 * used kernels that win only on one, compiles it again without them.
 */
export function planTrainStep(
  params: Map<string, Parameter>, build: (b: Binder) => LossSpec, optimizer: OptimizerConfig, o: CompileOptions,
  threads: number | undefined, workOf: (c: CompiledTrainStep) => number | null,
): PlannedStep {
  const single = compileTrainStep(params, build, optimizer, { ...o, singleThreaded: true });
  const work = workOf(single);
  const n = stepThreads(single, threads, work);
  const compiled = n > 1 && single.singleThreadOnly ? compileTrainStep(params, build, optimizer, { ...o, singleThreaded: false }) : single;
  return { compiled, threads: n, work };
}
