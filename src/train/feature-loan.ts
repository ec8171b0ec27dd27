// Feature tables lent to the train worker. The worker needs the item feature tables at every step;
// copying them there doubles their memory (Toys-sized: +217 MB, and a transient +217 MB more while
// the copy is made). When the main thread's scoring graph does not read them (BM3 scores with ID
// embeddings only), their buffers move to the worker for the run and come back at its end — the
// dataset's views are re-made over the returned buffers, so callers see the same arrays' values.
// openStepper starts the trainer's step this way.
import { type Dataset } from '../data/index.ts';
import { type BatchTensor, type CompiledTrainStep, type SessionOptions, type Stepper, TrainStep, WorkerTrainStep } from '../runtime/index.ts';
import { type Backbone } from '../backbones/index.ts';

/** Smaller buffers may be slices of Node's shared Buffer pool (unrelated bytes): never lent. */
export const MIN_LENT_BYTES = 1 << 20;

export interface FeatureLoan {
  /** The buffers to move to the worker (empty: nothing is lent). */
  buffers: ArrayBuffer[];
  /** Re-points the dataset's modalities at the buffers the worker handed back (same order as `buffers`). */
  restore(back: ArrayBuffer[]): void;
}

/**
 * The buffers behind `ds.modalities` that no input the main thread reads during training needs:
 * `mainReads` holds the scoring graph's input names (null: the main thread reads every fixed input,
 * and nothing is lent).
 */
export function featureLoan(ds: Dataset, fixed: Record<string, BatchTensor>, mainReads: ReadonlySet<string> | null): FeatureLoan {
  if (!mainReads) return { buffers: [], restore: () => {} };
  const kept = new Set(Object.entries(fixed).filter(([name]) => mainReads.has(name)).map(([, t]) => t.data.buffer));
  const buffers = [...new Set(ds.modalities.map((m) => m.data.buffer))]
    .filter((b): b is ArrayBuffer => b instanceof ArrayBuffer && b.byteLength >= MIN_LENT_BYTES && !kept.has(b));
  const views = ds.modalities.map((m) => ({ m, at: buffers.indexOf(m.data.buffer as ArrayBuffer), offset: m.data.byteOffset, length: m.data.length }));
  return {
    buffers,
    restore(back) {
      if (back.length !== buffers.length) throw new Error(`train worker returned ${back.length} of ${buffers.length} lent feature buffers`);
      for (const v of views) if (v.at >= 0) v.m.data = new Float32Array(back[v.at], v.offset, v.length);
    },
  };
}

/**
 * The trainer's train step with the backbone's fixed inputs set: in a worker thread (tables the main
 * thread does not read, `mainReads` as for featureLoan, lent to it) or in-process. `close(failed)`
 * takes lent tables back, then releases the step; a failed hand-back is reported unless a training
 * error (`failed`) is already propagating.
 */
export async function openStepper(
  ds: Dataset, compiled: CompiledTrainStep, values: Map<string, Float32Array>, backbone: Backbone, worker: boolean,
  session: SessionOptions, mainReads: ReadonlySet<string> | null,
): Promise<{ stepper: Stepper; close(failed: boolean): Promise<void> }> {
  const fixed = backbone.fixedFeeds();
  if (!worker) {
    const step = await TrainStep.create(compiled, values, backbone.optimizer, session);
    step.setFixedInputs(fixed);
    return { stepper: step, close: () => step.release() };
  }
  const step = await WorkerTrainStep.create(compiled, values, backbone.optimizer, session);
  const loan = featureLoan(ds, fixed, mainReads);
  await step.setFixedInputs(fixed, loan.buffers);
  return {
    stepper: step,
    async close(failed) {
      if (loan.buffers.length) {
        const back = await step.reclaim().catch((e: Error) => { if (!failed) throw e; return null; });
        if (back) loan.restore(back);
      }
      await step.release();
    },
  };
}
