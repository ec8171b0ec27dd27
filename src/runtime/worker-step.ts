// The main-thread handle of a TrainStep running in a worker thread (see train-worker.ts).
import { Worker } from 'node:worker_threads';
import { NonFiniteError, type CompiledTrainStep, type BatchTensor, type StepOptimizer } from './train-step.ts';
import { type NamedTensor } from './checkpoint.ts';
import { type SessionOptions } from './session.ts';
import { bootSource, siblingModule } from './code-location.ts';
import type { WorkerRequest, WorkerReply } from './train-worker.ts';

type Body<T> = T extends { id: number } ? Omit<T, 'id'> : never;

/**
 * The buffers of `batch` that can move to the worker: each array that alone spans its whole
 * ArrayBuffer (a view into a larger buffer is copied, as are two views of one buffer).
 */
export function movableBuffers(batch: Record<string, BatchTensor>): ArrayBuffer[] {
  const seen = new Map<ArrayBufferLike, number>();
  for (const { data } of Object.values(batch)) seen.set(data.buffer, (seen.get(data.buffer) ?? 0) + 1);
  return Object.values(batch).map(({ data }) => data)
    .filter((d) => d.buffer instanceof ArrayBuffer && seen.get(d.buffer) === 1 && d.byteOffset === 0 && d.byteLength === d.buffer.byteLength)
    .map((d) => d.buffer as ArrayBuffer);
}

export class WorkerTrainStep {
  /** Completed steps, as last reported by the worker. */
  step = 0;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(private readonly worker: Worker) {
    worker.on('message', (r: WorkerReply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (r.ok) { this.step = r.step; p.resolve(r.result); return; }
      const err = r.name === 'NonFiniteError' ? new NonFiniteError(r.message) : new Error(r.message);
      p.reject(err);
    });
    worker.on('error', (e) => { for (const p of this.pending.values()) p.reject(e); this.pending.clear(); });
  }

  static async create(compiled: CompiledTrainStep, values: Map<string, Float32Array>, optimizer: StepOptimizer, options: SessionOptions = {}): Promise<WorkerTrainStep> {
    // Compiled, or the sources with tsx's loader registered inside the worker (code-location.ts).
    const worker = new Worker(bootSource(siblingModule('./train-worker.ts', import.meta.url)), { eval: true });
    const handle = new WorkerTrainStep(worker);
    await handle.call({ type: 'init', compiled, values, optimizer, options });
    return handle;
  }

  private call(body: Body<WorkerRequest>, transfer: ArrayBuffer[] = []): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...body, id }, transfer);
    });
  }

  /**
   * Copies `inputs` to the worker, except the ArrayBuffers in `lend`: those move there (this thread's
   * views of them go empty) until reclaim() hands them back, also without a copy.
   */
  setFixedInputs(inputs: Record<string, BatchTensor>, lend: ArrayBuffer[] = []): Promise<void> {
    return this.call({ type: 'fixed', inputs, lent: lend }, lend) as Promise<void>;
  }
  /** The buffers lent with setFixedInputs, in the order lent (the worker forgets its fixed inputs). */
  reclaim(): Promise<ArrayBuffer[]> { return this.call({ type: 'reclaim' }) as Promise<ArrayBuffer[]>; }
  /** One step in the worker; with `move` the batch's buffers go there instead of being copied (see movableBuffers). */
  run(batch: Record<string, BatchTensor>, o: { move?: boolean } = {}): Promise<Record<string, number>> {
    return this.call({ type: 'run', batch }, o.move ? movableBuffers(batch) : []) as Promise<Record<string, number>>;
  }
  /** A copy of parameters and optimiser state (for checkpoints), or of the parameters alone (`state: false`: for evaluation). */
  checkpointTensors(o: { state?: boolean } = {}): Promise<Map<string, NamedTensor>> { return this.call({ type: 'tensors', state: o.state !== false }) as Promise<Map<string, NamedTensor>>; }
  restore(tensors: Map<string, NamedTensor>, step: number): Promise<void> { return this.call({ type: 'restore', tensors, step }) as Promise<void>; }
  setLr(lr: number): Promise<void> { return this.call({ type: 'lr', lr }) as Promise<void>; }

  async release(): Promise<void> {
    await this.call({ type: 'close' });
    await this.worker.terminate();
  }
}
