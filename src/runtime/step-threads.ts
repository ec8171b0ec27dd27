// How many of a run's threads its train step's ORT session takes. The trainer builds batch k + 1 on
// its own thread while step k runs (epoch.ts overlappedSteps), so a session that takes every thread
// shares a core with that builder; when the step's products are small, the parallel kernels gain less
// than the shared core costs. Threads never change a step's results (test/backbones/thread-count.test.ts),
// so this only moves time.
import * as G from '../graph/index.ts';
import { batches, Rng } from '../data/index.ts';
import { type BatchTensor, type CompiledTrainStep, withDerivedFeeds } from './train-step.ts';
import { type Feeds, tensor } from './session.ts';
import { PARALLEL_KERNEL_WORK, nativeThreads } from './native.ts';

/**
 * Multiply-adds of a step's matrix products (first batch, tuned defaults) from which its session
 * takes every thread. On this project's 2-core machine, `sgfd train` at 1 vs 2 ORT threads (median
 * s/epoch; docs/performance-history/sessions-19-21.md, *Session 21*): below it, Last.fm BM3 (0.27 G) 0.27 vs 0.37, SGFD-BM3
 * (0.30 G) 0.34 vs 0.49, LightGCN (0) 0.21 vs 0.42, Office DGCF (0.05 G) 0.69 vs 1.14, GRCN on Last.fm
 * (0.19 G) and NGCF (0.24–0.54 G) even; above, Office BM3 (1.6 G) 0.63 vs 0.56, SGFD-BM3 (1.7 G)
 * 0.76 vs 0.64, Last.fm MAML (6.2 G) 6.7 vs 4.8.
 */
export const PARALLEL_STEP_WORK = 1e9;

/** The multiply-adds of one step fed `feeds` (with the fixed inputs), or null when a dim stays unbound. */
export function stepMultiplyAdds(c: CompiledTrainStep, feeds: Record<string, BatchTensor>): number | null {
  const fed: Feeds = {};
  for (const [name, t] of Object.entries(feeds)) fed[name] = tensor(t.data, t.dims);
  withDerivedFeeds(c.derived.filter((d) => fed[d.source]), fed);
  return G.multiplyAdds(c.work, fed);
}

/**
 * The step's multiply-adds for the first batch an epoch would draw with `rng`'s current state (a copy
 * of it draws; `rng` itself is untouched), with the fixed inputs `fixed`.
 */
export function firstBatchWork(c: CompiledTrainStep, rows: number, batchSize: number, rng: Rng, feeds: (rows: Int32Array, rng: Rng) => Record<string, BatchTensor>, fixed: Record<string, BatchTensor>): number | null {
  const copy = Rng.fromState(rng.getState());
  const first = batches(rows, batchSize, copy).next();
  if (first.done) return null;
  return stepMultiplyAdds(c, { ...fixed, ...feeds(first.value, copy) });
}

/**
 * Whether train step `c` is small: its products' `work` is known and under PARALLEL_STEP_WORK, and no
 * offloaded propagation is big enough to run its native kernel on several threads (PARALLEL_KERNEL_WORK).
 */
export function isSmallStep(c: Pick<CompiledTrainStep, 'offload'>, work: number | null): boolean {
  return work !== null && work < PARALLEL_STEP_WORK && !(c.offload?.propagations ?? []).some((p) => p.index.length * p.cols >= PARALLEL_KERNEL_WORK);
}

/**
 * ORT threads for train step `c` out of a run's `threads` (as ORT reads them: default 2, 0 every
 * core): one fewer (at least one) for a small step, leaving a core to the batch builder; else all.
 */
export function stepThreads(c: Pick<CompiledTrainStep, 'offload'>, threads: number | undefined, work: number | null): number {
  const all = nativeThreads(threads);
  return isSmallStep(c, work) ? Math.max(1, all - 1) : all;
}
