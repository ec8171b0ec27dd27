// The train step's runs as queue jobs (`sgfd pipeline run … --queue`): what RunPool does with local
// processes, done by `sgfd worker`s on any machine (job kind 'train', queue-train-job.ts). A run
// that is already where it is asked to be (finished, or a halving trial at its rung) is read here
// without a job — the same skip rules as a local run (runs.ts `runState`); every other run becomes
// one job, and a halving search's rungs arrive rung by rung (the survivors are enqueued once the
// rung's ranking is known). Scoring the chosen trial's test stays here. The marker file
// (queue/shared-storage.ts) goes into the train step's directory before the first job, so a
// worker that does not share that storage refuses at once.
import { relative } from 'node:path';
import { hashValue } from '../data/index.ts';
import type { Dataset } from '../data/index.ts';
import type { QueueTarget } from '../queue/index.ts';
import { JobSubmitter } from '../queue/index.ts';
import { removeMarker, writeMarker, type SharedMarker } from '../queue/index.ts';
import { bringRun, checkpointEpoch, runState, type RunJob, type RunProgress } from './runs.ts';
import type { RunExecutor } from './run-pool.ts';
import { TRAIN_JOB } from './queue-train-job.ts';

/**
 * A run's job key: its directory, target epoch, data and settings (not its thread count or
 * progress display) — one job per run however often the pipeline is started.
 */
export function runKey(job: RunJob): string {
  const { threads: _t, quiet: _q, worker: _w, ...train } = job.settings.train;
  return `run-${hashValue({ dir: job.dir, untilEpoch: job.untilEpoch ?? null, data: job.dataDigest, settings: { ...job.settings, train } }).slice(0, 32)}`;
}

export interface QueueRunPoolOptions {
  /** The train step's directory (run directories are below it). */
  dir: string;
  ds: Dataset;
  /** Threads for the work done here (the chosen trial's test). */
  threads: number;
  log: (m: string) => void;
}

export class QueueRunPool implements RunExecutor {
  private constructor(private readonly submitter: JobSubmitter, private readonly marker: SharedMarker, private readonly o: QueueRunPoolOptions) {}

  static async open(target: QueueTarget, o: QueueRunPoolOptions): Promise<QueueRunPool> {
    const submitter = await JobSubmitter.open(target, { log: o.log });
    return new QueueRunPool(submitter, writeMarker(o.dir), o);
  }

  /** A job for the run unless it is already finished (or at its rung): then its record, read here. */
  async run(job: RunJob): Promise<RunProgress> {
    const state = runState(job.dir, job.settings, this.o.ds, job.dataDigest);
    const there = state === 'done' || (state === 'resume' && job.untilEpoch !== undefined && checkpointEpoch(job.dir) >= job.untilEpoch);
    if (there) return bringRun(job, this.o.ds, this.o.log);
    const label = `${relative(this.o.dir, job.dir)}${job.untilEpoch === undefined ? '' : ` to epoch ${job.untilEpoch}`}`;
    return this.submitter.submit<RunProgress>({ kind: TRAIN_JOB, label, marker: this.marker, payload: job }, runKey(job));
  }

  withSlot<T>(fn: (threads: number) => Promise<T>): Promise<T> {
    return fn(this.o.threads);
  }

  async close(): Promise<void> {
    await this.submitter.close();
    removeMarker(this.marker);
  }
}
