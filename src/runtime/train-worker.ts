// Worker-thread host of a TrainStep: session.run blocks its thread, so training runs here while the
// main thread keeps progress, logs and HTTP live. Messages: init, fixed, run, tensors, restore, lr,
// reclaim, close. Buffers lent with `fixed` (moved here, not copied) go back to the main thread on
// `reclaim`, again without a copy.
import { parentPort } from 'node:worker_threads';
import { TrainStep, type CompiledTrainStep, type BatchTensor, type StepOptimizer } from './train-step.ts';
import { type NamedTensor } from './checkpoint.ts';
import { type SessionOptions } from './session.ts';

export type WorkerRequest =
  | { id: number; type: 'init'; compiled: CompiledTrainStep; values: Map<string, Float32Array>; optimizer: StepOptimizer; options: SessionOptions }
  | { id: number; type: 'fixed'; inputs: Record<string, BatchTensor>; lent: ArrayBuffer[] }
  | { id: number; type: 'run'; batch: Record<string, BatchTensor> }
  | { id: number; type: 'tensors'; state: boolean }
  | { id: number; type: 'restore'; tensors: Map<string, NamedTensor>; step: number }
  | { id: number; type: 'lr'; lr: number }
  | { id: number; type: 'reclaim' }
  | { id: number; type: 'close' };

export type WorkerReply = { id: number; ok: true; result?: unknown; step: number } | { id: number; ok: false; name: string; message: string };

let step: TrainStep | null = null;
/** Buffers the main thread lent with its fixed inputs, in the order lent. */
let lent: ArrayBuffer[] = [];

/** A reply whose buffers move back to the main thread instead of being copied. */
class Moved { constructor(readonly value: unknown, readonly buffers: ArrayBuffer[]) {} }

async function handle(m: WorkerRequest): Promise<unknown> {
  if (m.type === 'init') { step = await TrainStep.create(m.compiled, m.values, m.optimizer, m.options); return undefined; }
  if (!step) throw new Error('train worker used before init');
  switch (m.type) {
    case 'fixed': step.setFixedInputs(m.inputs); lent.push(...m.lent); return undefined;
    case 'reclaim': { step.dropFixedInputs(); const back = lent; lent = []; return new Moved(back, back); }
    case 'run': return step.run(m.batch);
    case 'tensors': return step.checkpointTensors({ state: m.state });
    case 'restore': step.restore(m.tensors, m.step); return undefined;
    case 'lr': step.lr = m.lr; return undefined;
    case 'close': await step.release(); step = null; return undefined;
  }
}

parentPort!.on('message', (m: WorkerRequest) => {
  handle(m).then(
    (result) => {
      const moved = result instanceof Moved ? result : null;
      const reply: WorkerReply = { id: m.id, ok: true, result: moved ? moved.value : result, step: step?.step ?? 0 };
      parentPort!.postMessage(reply, moved?.buffers ?? []);
    },
    (e: Error) => parentPort!.postMessage({ id: m.id, ok: false, name: e.name === 'Error' ? e.constructor.name : e.name, message: e.message } satisfies WorkerReply),
  );
});
