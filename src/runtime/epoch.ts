// The one training loop under every stage: an epoch of shuffled batches through a fused train step.
// The trainer (backbone + SGFD stage 2) and stage 1 (the teacher on labels) both run their epochs here.
import { type BatchTensor } from './train-step.ts';
import { type NamedTensor } from './checkpoint.ts';
import { batches } from '../data/index.ts';
import { type Rng } from '../data/index.ts';

/** What runs a fused train step: the in-process TrainStep and its worker-thread host both are. */
export interface Stepper {
  step: number;
  /**
   * `move`: the caller never reads `batch` again, so a stepper in another thread may take its
   * buffers instead of copying them (they are detached here afterwards).
   */
  run(batch: Record<string, BatchTensor>, o?: { move?: boolean }): Promise<Record<string, number>>;
  setFixedInputs(i: Record<string, BatchTensor>): unknown;
  /** Parameters and optimiser state; `state: false`: the parameters alone. */
  checkpointTensors(o?: { state?: boolean }): Map<string, NamedTensor> | Promise<Map<string, NamedTensor>>;
  restore(t: Map<string, NamedTensor>, step: number): unknown;
  release(): Promise<void>;
}

export interface EpochResult {
  /** Each step output summed over the epoch's steps. */
  sums: Record<string, number>;
  steps: number;
}

/**
 * One epoch: `rows` training rows shuffled with `rng` into batches of `batchSize`, each turned into
 * feeds by `feeds` (which may draw from `rng` too: dropout masks, negatives) and run by `stepper`.
 * The feeds move to the stepper (`move`): `feeds` must build new arrays on every call.
 * `onStep` sees the running sums after every step (progress bars).
 */
export async function runEpoch(
  stepper: Pick<Stepper, 'run'>, rows: number, batchSize: number, rng: Rng,
  feeds: (rows: Int32Array) => Record<string, BatchTensor>,
  onStep?: (sums: Record<string, number>, done: number, total: number) => void,
): Promise<EpochResult> {
  const sums: Record<string, number> = {};
  let steps = 0;
  const total = Math.ceil(rows / batchSize);
  await overlappedSteps(batches(rows, batchSize, rng), feeds, (f) => stepper.run(f, { move: true }), (terms) => {
    for (const [k, x] of Object.entries(terms)) sums[k] = (sums[k] ?? 0) + x;
    steps++;
    onStep?.(sums, steps, total);
  });
  return { sums, steps };
}

/**
 * One epoch's steps, with the next batch's feeds built while the current step runs (in the worker
 * thread, or ORT's): the same feeds in the same order, so the RNG stream — and every result — is
 * exactly that of building each batch just before its step.
 */
export async function overlappedSteps<F, T>(rows: Iterable<Int32Array>, feeds: (rows: Int32Array) => F, step: (f: F) => Promise<T>, done: (t: T) => void): Promise<void> {
  const it = rows[Symbol.iterator]();
  const nextFeeds = () => { const r = it.next(); return r.done ? null : feeds(r.value); };
  let current = nextFeeds();
  while (current !== null) {
    const running = step(current);
    const upcoming = nextFeeds();
    done(await running);
    current = upcoming;
  }
}
