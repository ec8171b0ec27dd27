// Job kind 'train' on a worker (src/queue/): bring one pipeline run forward in its run directory —
// the child process of the local run pool (run-child.ts, runs.ts `bringRun`), so a queued run
// takes the very code path of a local one, resuming from the directory's checkpoint when there is
// one. The worker sets its own thread count (results do not depend on it), no progress bars, and
// no train-step worker thread (the child's main thread has nothing else to do).
import type { JobHandler } from '../queue/index.ts';
import { runInChild } from '../queue/index.ts';
import type { RunJob, RunProgress } from './runs.ts';
import { siblingModule } from '../runtime/index.ts';

export const TRAIN_JOB = 'train';

const RUN_CHILD = siblingModule('./run-child.ts', import.meta.url);

export const trainRunJob: JobHandler<RunJob, RunProgress> = {
  inputs: (job) => [job.settings.data],
  run: (job, o) => {
    const train = { ...job.settings.train, threads: o.threads, quiet: true, worker: false };
    return runInChild<RunProgress>(RUN_CHILD, { ...job, settings: { ...job.settings, train } }, o);
  },
  describe: (p) => {
    const how = p.state === 'done' ? 'already finished' : `${p.state === 'resume' ? 'resumed' : 'trained'}: ${p.trained} epoch${p.trained === 1 ? '' : 's'}`;
    return `${how}; ${p.epochs} epochs in all${p.metrics ? '' : ' (stopped at its rung)'}`;
  },
};
