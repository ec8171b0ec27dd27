// The submitting side of the queue: adds jobs (jobs.ts) and waits for them. Each job's state is
// polled (Redis keeps it; no event can be missed), so `submit` settles with the job's result once a
// worker completed it, or with its error once its retries are spent; retries and stalls (a worker
// that died) are logged as they happen, and a progress line (job-progress.ts) shows done / running
// / waiting / failed per worker. `close` withdraws the jobs no worker has started, and so does
// SIGINT / SIGTERM while jobs are open (then the signal ends the process as usual).
//
// A job submitted with a `key` (the train step keys a run by its directory, target epoch and
// settings) has the id sgfd-<key>: when an earlier submission's job with that id is still waiting
// or running — a pipeline interrupted and run again — it is adopted (its payload refreshed) rather
// than queued twice, so no two workers ever train the same run; a finished one is replaced.
import { randomBytes } from 'node:crypto';
import { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { closeQuietly, connectQueue } from './connection.ts';
import type { QueueTarget } from './queue-url.ts';
import { QUEUE_NAME, fromWire, jobOptions, toWire, type QueueJob } from './jobs.ts';
import { ProgressPrinter, type JobSnapshot } from './job-progress.ts';

interface Tracked {
  id: string;
  label: string;
  snapshot: JobSnapshot;
  attemptsMade: number;
  stalls: number;
  resolve: (r: unknown) => void;
  reject: (e: Error) => void;
}

export interface SubmitterOptions {
  log: (line: string) => void;
  /** Attempts per job (default jobs.ts DEFAULT_ATTEMPTS). */
  attempts?: number;
  /** How often job states are read, ms (default 500). */
  pollMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class JobSubmitter {
  private readonly jobs: Tracked[] = [];
  private readonly batch = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  private readonly progress: ProgressPrinter;
  private closed = false;
  private lost: string | null = null;
  private polling: Promise<void> | null = null;

  private constructor(private readonly queue: Queue, private readonly connection: Redis, readonly target: QueueTarget, private readonly o: SubmitterOptions) {
    this.progress = new ProgressPrinter(o.log);
  }

  /** Connects (a one-line QueueConnectionError when it cannot) and says how many workers listen. */
  static async open(target: QueueTarget, o: SubmitterOptions): Promise<JobSubmitter> {
    let self: JobSubmitter | null = null;
    const connection = await connectQueue(target, { onLost: (why) => self?.fail(why) });
    const queue = new Queue(QUEUE_NAME, { connection });
    queue.on('error', () => { /* connection trouble: the connection's own handler decides when it is lost */ });
    self = new JobSubmitter(queue, connection, target, o);
    process.once('SIGINT', self.onSignal);
    process.once('SIGTERM', self.onSignal);
    await queue.waitUntilReady();
    const workers = await queue.getWorkersCount();
    o.log(workers
      ? `queue ${target.shown}: ${workers} worker${workers > 1 ? 's' : ''} connected`
      : `queue ${target.shown}: no worker connected yet; jobs wait until one runs \`sgfd worker --queue ${target.shown}\``);
    return self;
  }

  /** Enqueues one job; settles with its result, or its error once its attempts are spent. */
  submit<R>(data: QueueJob, key?: string): Promise<R> {
    if (this.lost) return Promise.reject(new Error(this.lost));
    if (this.closed) return Promise.reject(new Error('cancelled: another job failed'));
    const id = key ? `sgfd-${key}` : `sgfd-${this.batch}-${this.jobs.length + 1}`;
    return new Promise<R>((resolve, reject) => {
      const tracked: Tracked = { id, label: data.label, snapshot: { phase: 'waiting' }, attemptsMade: 0, stalls: 0, resolve: (r) => resolve(r as R), reject };
      this.jobs.push(tracked);
      this.enqueue(data, id, tracked).then(() => this.startPolling(), (e: Error) => {
        tracked.snapshot = { phase: 'failed' };
        reject(new Error(this.target.redact(`${data.label}: could not be queued: ${e.message.split('\n')[0]}`)));
      });
    });
  }

  /** Adds the job, or adopts an earlier submission's open job with the same id. */
  private async enqueue(data: QueueJob, id: string, t: Tracked): Promise<void> {
    const earlier = await Job.fromId(this.queue, id);
    const state = earlier ? await earlier.getState() : 'unknown';
    if (earlier && (state === 'completed' || state === 'failed')) await earlier.remove();
    else if (earlier && state !== 'unknown') {
      await earlier.updateData(toWire(data));
      t.attemptsMade = earlier.attemptsMade;
      t.stalls = earlier.stalledCounter;
      this.o.log(`${data.label}: ${state === 'active' ? `already running on ${earlier.processedBy ?? 'a worker'}` : 'already queued'} (an earlier submission); waiting for it`);
      return;
    }
    await this.queue.add(data.kind, toWire(data), jobOptions(id, this.o.attempts));
  }

  /** Stops waiting; jobs no worker has started are withdrawn (running ones finish where they are). */
  async close(): Promise<void> {
    if (this.closed) return;
    const open = await this.withdraw();
    for (const t of open) t.reject(new Error('cancelled: another job failed'));
    await this.queue.close().catch(() => {});
    await closeQuietly(this.connection);
  }

  /** Stops polling and removes this submitter's jobs no worker has started; returns the open ones. */
  private async withdraw(): Promise<Tracked[]> {
    this.closed = true;
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    await this.polling;
    const open = this.jobs.filter((j) => j.snapshot.phase === 'waiting' || j.snapshot.phase === 'running');
    if (this.lost || !open.length) return open;
    let withdrawn = 0;
    for (const t of open) {
      try {
        if (t.snapshot.phase === 'waiting' && (await this.queue.remove(t.id)) === 1) withdrawn++;
      } catch { /* started meanwhile: it is locked by its worker */ }
    }
    this.o.log(`withdrew ${withdrawn} queued job${withdrawn === 1 ? '' : 's'}; ${open.length - withdrawn} running ones finish on their workers (a re-run picks up what they leave)`);
    return open;
  }

  /** Interrupted while waiting: withdraw what no worker has started, then let the signal end the process. */
  private readonly onSignal = (signal: NodeJS.Signals) => {
    this.o.log(`${signal}: withdrawing the queued jobs`);
    const die = () => process.kill(process.pid, signal);
    this.withdraw().then(die, die);
  };

  private fail(why: string): void {
    this.lost = why;
    for (const t of this.jobs) if (t.snapshot.phase === 'waiting' || t.snapshot.phase === 'running') t.reject(new Error(why));
  }

  private startPolling(): void {
    this.polling ??= (async () => {
      while (!this.closed && !this.lost && this.jobs.some((j) => j.snapshot.phase === 'waiting' || j.snapshot.phase === 'running')) {
        try { await this.poll(); } catch { /* a transient Redis error: the next poll retries; a lost queue ends the loop */ }
        this.progress.update(this.jobs.map((j) => j.snapshot));
        await sleep(this.o.pollMs ?? 500);
      }
      this.polling = null;
    })();
  }

  private async poll(): Promise<void> {
    const open = this.jobs.filter((j) => j.snapshot.phase === 'waiting' || j.snapshot.phase === 'running');
    await Promise.all(open.map(async (t) => {
      // The state first: a job read before it completed would lack its result.
      const state = await this.queue.getJobState(t.id);
      const job = state === 'unknown' ? undefined : await Job.fromId(this.queue, t.id);
      if (!job) {
        // Added jobs stay until they expire (a day after they finish); a missing one was removed by hand
        // (or is not added yet: its `add` has not returned).
        if (t.snapshot.phase !== 'waiting' || t.attemptsMade > 0) this.finish(t, new Error(`${t.label}: the job was removed from the queue`));
        return;
      }
      if (state !== 'failed') this.noteRetries(t, job);
      if (state === 'completed') this.finish(t, { value: fromWire(job.returnvalue) }, job.processedBy);
      else if (state === 'failed') {
        const on = job.processedBy ? ` on worker ${job.processedBy}` : '';
        this.finish(t, new Error(this.target.redact(`${t.label}: failed${on} after ${job.attemptsMade} attempt${job.attemptsMade === 1 ? '' : 's'}: ${job.failedReason}`)), job.processedBy);
      } else t.snapshot = state === 'active' ? { phase: 'running', worker: job.processedBy } : { phase: 'waiting' };
    }));
  }

  /** Logs a failed attempt that will be retried, and a stall (its worker stopped answering). */
  private noteRetries(t: Tracked, job: Job): void {
    if (job.attemptsMade > t.attemptsMade && job.failedReason) {
      this.o.log(this.target.redact(`${t.label}: attempt ${job.attemptsMade} failed${job.processedBy ? ` on ${job.processedBy}` : ''}: ${job.failedReason}`));
    }
    if (job.stalledCounter > t.stalls) this.o.log(`${t.label}: its worker${t.snapshot.worker ? ` ${t.snapshot.worker}` : ''} stopped answering; the job is back in the queue`);
    t.attemptsMade = job.attemptsMade;
    t.stalls = job.stalledCounter;
  }

  private finish(t: Tracked, outcome: { value: unknown } | Error, worker?: string): void {
    if (outcome instanceof Error) {
      t.snapshot = { phase: 'failed', worker };
      t.reject(outcome);
    } else {
      t.snapshot = { phase: 'done', worker };
      t.resolve(outcome.value);
    }
  }
}
