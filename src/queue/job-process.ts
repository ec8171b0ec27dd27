// Runs one job in a child process of its own and settles when that process has ended: with its
// result, its error, or — when `signal` aborts (the worker hands the job back, or lost its lock) —
// after ending it with SIGTERM (a killed training run keeps its last checkpoint, at most 10 epochs or ~10 s old).
// A child module receives one message (the job's payload), sends { type: 'log' } lines and then
// { type: 'done', result } or { type: 'error', message }, and exits — the protocol of
// pipeline/run-child.ts, which the train jobs use as it is. A process per job keeps the worker's
// event loop free for BullMQ's lock renewals (its heartbeats) and gives each job its own RNG,
// ONNX Runtime sessions and memory.
import { spawn } from 'node:child_process';
import { bootSource } from '../runtime/index.ts';

export type ChildReport = { type: 'log'; message: string } | { type: 'done'; result: unknown } | { type: 'error'; message: string };

/** The job ended because it was aborted (handed back, or its lock lost), not by its own failure. */
export class JobAbortedError extends Error {}


export function runInChild<R>(module: URL, payload: object, o: { log: (m: string) => void; signal?: AbortSignal }): Promise<R> {
  return new Promise((resolve, reject) => {
    // Structured clone over IPC: the payload's numbers (±Infinity too) arrive as sent. A process
    // group of its own: Ctrl-C at the worker's terminal reaches the worker, which hands the job
    // back, not the child (which ends with its worker all the same: it exits when IPC closes).
    const child = spawn(process.execPath, ['--input-type=module', '-e', bootSource(module)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced', detached: true });
    let result: { value: R } | null = null;
    let failure: Error | null = null;
    const abort = () => { child.kill('SIGTERM'); };
    if (o.signal?.aborted) abort();
    o.signal?.addEventListener('abort', abort, { once: true });
    child.on('message', (m: ChildReport) => {
      if (m.type === 'log') o.log(m.message);
      else if (m.type === 'done') result = { value: m.result as R };
      else failure = new Error(m.message.split('\n')[0]);
    });
    child.on('error', (e) => { failure ??= e; });
    child.on('exit', (code, signal) => {
      o.signal?.removeEventListener('abort', abort);
      if (result) resolve(result.value);
      else if (o.signal?.aborted) reject(new JobAbortedError(`stopped (${String(o.signal.reason ?? 'aborted')})`));
      else reject(failure ?? new Error(`the job's process ended (${signal ?? `exit code ${code}`}) before it finished`));
    });
    child.send(payload);
  });
}
