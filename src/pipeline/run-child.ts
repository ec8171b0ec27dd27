// A child process of the train step's run pool (run-pool.ts, `--jobs N` > 1): receives one run,
// brings it forward as the parent would in-process, reports log lines and the result, and exits.
import { readDataset } from '../data/index.ts';
import { bringRun, type RunJob } from './runs.ts';
import type { ChildMessage } from './run-pool.ts';

const send = (m: ChildMessage, then?: () => void) => process.send!(m, undefined, undefined, then);

// The parent is gone (it failed or was interrupted): stop; the run's checkpoint stays for a resume.
process.on('disconnect', () => process.exit(1));

process.once('message', async (job: RunJob) => {
  try {
    const result = await bringRun(job, readDataset(job.settings.data), (message) => send({ type: 'log', message }));
    send({ type: 'done', result }, () => process.exit(0));
  } catch (e) {
    send({ type: 'error', message: (e as Error).message }, () => process.exit(1));
  }
});
