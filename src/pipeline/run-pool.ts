// Training runs of the train step, up to `jobs` at once. With one job a run trains in this process,
// as it always has. With more, each run is a child process of its own (run-child.ts): its own RNG,
// ONNX Runtime sessions and memory, so what it computes depends only on its settings and seed (the
// same metrics as with one job), and a crash or a leak stays inside it. Each run gets
// floor(threads / jobs) intra-op threads (at least 1): `train.threads` is the machine's total.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Dataset } from '../data/index.ts';
import { bootSource, siblingModule } from '../runtime/index.ts';
import { bringRun, type RunJob, type RunProgress } from './runs.ts';

/** What a child process sends back: log lines, then its result or its error. */
export type ChildMessage = { type: 'log'; message: string } | { type: 'done'; result: RunProgress } | { type: 'error'; message: string };

// The child runs the compiled build, or the sources through tsx (runtime/code-location.ts).
const CHILD_BOOT = bootSource(siblingModule('./run-child.ts', import.meta.url));

/** What the train step needs of whatever trains its runs: this pool, or a job queue (src/queue/queue-run-pool.ts). */
export interface RunExecutor {
  /** Brings one run forward (runs.ts `bringRun`). */
  run(job: RunJob): Promise<RunProgress>;
  /** Runs `fn` here with a thread count (scoring a chosen trial's test). */
  withSlot<T>(fn: (threads: number) => Promise<T>): Promise<T>;
  /** After the step, or after a failure: stops what has not started. */
  close(): void | Promise<void>;
}

export class RunPool implements RunExecutor {
  readonly threadsPerRun: number;
  private busy = 0;
  private readonly waiting: { go: () => void; stop: (e: Error) => void }[] = [];
  private readonly children = new Set<ChildProcess>();
  private closed = false;

  constructor(readonly jobs: number, totalThreads: number, private readonly ds: Dataset, private readonly log: (m: string) => void) {
    if (!(Number.isInteger(jobs) && jobs >= 1)) throw new Error(`jobs must be a positive integer, got ${jobs}`);
    this.threadsPerRun = Math.max(1, Math.floor(totalThreads / jobs));
  }

  /** Brings one run forward (runs.ts `bringRun`) once a slot is free, with this pool's thread share. */
  run(job: RunJob): Promise<RunProgress> {
    return this.withSlot(async (threads) => {
      // Several runs at once must not draw progress bars over each other: their lines come from here.
      // A child has no main thread to keep live, so its train step needs no worker thread (one less to boot).
      const train = this.jobs === 1 ? { ...job.settings.train, threads } : { ...job.settings.train, threads, quiet: true, worker: false };
      const own: RunJob = { ...job, settings: { ...job.settings, train } };
      return this.jobs === 1 ? bringRun(own, this.ds, this.log) : this.inChild(own);
    });
  }

  /** Runs `fn` (e.g. scoring a chosen trial's test) in a slot, so the machine stays at `jobs` busy runs. */
  async withSlot<T>(fn: (threads: number) => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn(this.threadsPerRun);
    } finally {
      // A released slot passes straight to the next waiter (busy stays the same); only an idle slot is freed.
      const next = this.waiting.shift();
      if (next) next.go();
      else this.busy--;
    }
  }

  /** Stops the pool after a failure: queued runs are refused, running child processes ended (their checkpoints stay). */
  close(): void {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.stop(new Error('cancelled: another run failed'));
    for (const child of this.children) child.kill();
  }

  private acquire(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('cancelled: another run failed'));
    if (this.busy < this.jobs) { this.busy++; return Promise.resolve(); }
    // A released slot passes straight to the next waiter (busy stays the same).
    return new Promise((go, stop) => this.waiting.push({ go, stop }));
  }

  /** One run in a child process; settles when the process has ended (so its slot's cores are free). */
  private inChild(job: RunJob): Promise<RunProgress> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD_BOOT], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
      this.children.add(child);
      let result: RunProgress | null = null;
      let failure: Error | null = null;
      child.on('message', (m: ChildMessage) => {
        if (m.type === 'log') this.log(m.message);
        else if (m.type === 'done') result = m.result;
        else failure = new Error(m.message);
      });
      child.on('error', (e) => { failure ??= e; });
      child.on('exit', (code, signal) => {
        this.children.delete(child);
        if (result) resolve(result);
        else reject(failure ?? new Error(`${job.dir}: the run's process ended (${signal ?? `exit code ${code}`}) before it finished`));
      });
      child.send(job);
    });
  }
}
