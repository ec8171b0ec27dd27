// `sgfd worker`: takes jobs off the queue (jobs.ts) and runs each with the handler of its kind
// (the CLI passes them: pipeline/queue-train-job.ts, score-shard-job.ts), `concurrency` at a time
// with `threads` ONNX Runtime threads each; every handler runs its job in a child process.
//
// - Heartbeats: BullMQ renews each running job's lock every stall/2 seconds; a worker that dies
//   stops renewing, and after about 2–3 × `stallSeconds` another worker's stalled-job check puts
//   the job back in the queue, where the next worker resumes the run from its checkpoint.
// - SIGTERM / SIGINT: no new jobs; every running job's process is ended and the job handed back to
//   the queue at once (it resumes elsewhere from its last checkpoint); then the worker exits 0.
// - A job that fails is retried (bounded: the job's `attempts`, and a job may stall at most
//   MAX_STALLS times); a job whose files this machine cannot see fails at once, without retries.
import { hostname } from 'node:os';
import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import { closeQuietly, connectQueue } from './connection.ts';
import type { QueueTarget } from './queue-url.ts';
import { QUEUE_NAME, fromWire, toWire, type JobHandler, type QueueJob } from './jobs.ts';
import { checkShared } from './shared-storage.ts';
import { JobAbortedError } from './job-process.ts';

export interface QueueWorkerOptions {
  target: QueueTarget;
  concurrency: number;
  /** ONNX Runtime intra-op threads per job. */
  threads: number;
  /** Shown in the submitter's progress and stored on each job it runs. */
  name?: string;
  /** Lock duration and stalled-check interval, seconds (default 30). */
  stallSeconds?: number;
  /** What runs each kind of job. */
  handlers: Record<string, JobHandler<any, any>>;
  /** Where the worker's lines go (default stdout). */
  print?: (line: string) => void;
}

/** How often a job may lose its worker (die, hang) before it fails for good. */
export const MAX_STALLS = 2;
const HAND_BACK = 'the worker is stopping';

export const defaultWorkerName = () => `${hostname()}/${process.pid}`;

/** Runs until SIGTERM / SIGINT (resolves) or until the queue is lost for good (rejects, one line). */
export async function runQueueWorker(o: QueueWorkerOptions): Promise<void> {
  const print = o.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const name = o.name ?? defaultWorkerName();
  const log = (m: string) => print(`${new Date().toISOString().slice(11, 19)} [worker ${name}] ${o.target.redact(m)}`);
  const stall = (o.stallSeconds ?? 30) * 1000;
  let stopping = false;
  let lost: string | null = null;
  let stop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => { stop = resolve; });
  const connection = await connectQueue(o.target, { onLost: (why) => { lost = why; stop(); } });

  const processor = async (job: Job, token?: string, signal?: AbortSignal) => {
    const data = fromWire<QueueJob>(job.data);
    const tag = `job ${job.id} ${data.kind} ${data.label}`;
    const handler = o.handlers[data.kind];
    if (!handler) throw new UnrecoverableError(`this worker runs ${Object.keys(o.handlers).join(' and ')} jobs, not '${data.kind}' (another sgfd version?)`);
    try { checkShared(data.marker, handler.inputs(data.payload)); } catch (e) {
      log(`${tag}: refused: ${(e as Error).message}`);
      throw new UnrecoverableError((e as Error).message);
    }
    const again = job.attemptsMade + job.stalledCounter > 0 ? ` (attempt ${job.attemptsMade + 1} of ${job.opts.attempts ?? 1}, ${job.stalledCounter} stalled before)` : '';
    log(`${tag}: started${again}`);
    const t0 = performance.now();
    try {
      const result = await handler.run(data.payload, { threads: o.threads, log: (m) => log(`${tag}: ${m}`), signal });
      log(`${tag}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s (${handler.describe(result)})`);
      return toWire(result);
    } catch (e) {
      if (stopping && token) {
        // Handed back: straight to the queue (no attempt counted); the next worker resumes the run.
        await job.moveToWait(token);
        log(`${tag}: handed back to the queue`);
        throw new WaitingError();
      }
      if (e instanceof JobAbortedError) log(`${tag}: ${e.message}; the queue gives it to another worker`);
      else log(`${tag}: failed (attempt ${job.attemptsMade + 1} of ${job.opts.attempts ?? 1}): ${(e as Error).message}`);
      throw e;
    }
  };

  const worker = new Worker(QUEUE_NAME, processor, {
    connection, name, concurrency: o.concurrency, lockDuration: stall, stalledInterval: stall, maxStalledCount: MAX_STALLS,
  });
  let lastError = '';
  worker.on('error', (e) => {
    const line = `queue error: ${(e as Error).message.split('\n')[0]}`;
    if (line !== lastError) log(line);
    lastError = line;
  });
  // A job whose lock could not be renewed may already run elsewhere: end our copy of it.
  worker.on('lockRenewalFailed', (ids: string[]) => { for (const id of ids) worker.cancelJob(id, 'its lock was lost'); });

  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second signal: stop now; the running jobs' locks expire and the queue retries them.
      log(`${signal} again: exiting without handing back`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    stopping = true;
    log(`${signal}: taking no new jobs; handing back the running ones`);
    stop();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  await worker.waitUntilReady();
  log(`waiting for jobs on ${o.target.shown} (queue '${QUEUE_NAME}', ${o.concurrency} at a time, ${o.threads} thread${o.threads > 1 ? 's' : ''} each; `
    + `a job whose worker stops answering goes back to the queue after about ${Math.round((2 * stall + stall / 2) / 1000)} s)`);

  await stopped;
  stopping = true;
  worker.cancelAllJobs(HAND_BACK);
  // With the queue gone nothing can be handed back: do not wait long for it.
  const closed = worker.close().catch(() => {});
  await (lost ? Promise.race([closed, new Promise((r) => setTimeout(r, 3000).unref())]) : closed);
  await closeQuietly(connection);
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  if (lost) throw new Error(`${lost}; running jobs go back to the queue once their locks expire`);
  log('stopped');
}
