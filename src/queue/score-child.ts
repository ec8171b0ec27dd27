// The child process of one scoring shard job (score-shard-job.ts, started by job-process.ts):
// `scoreRun` with the shard's options, the result or the error sent back, then exit.
import { scoreRun } from '../score/index.ts';
import type { ChildReport } from './job-process.ts';
import type { ScoreShardPayload } from './score-shard-job.ts';

const send = (m: ChildReport, then?: () => void) => process.send!(m, undefined, undefined, then);

// The worker is gone (killed, or it handed the job back): stop at once.
process.on('disconnect', () => process.exit(1));

process.once('message', async (p: ScoreShardPayload) => {
  try {
    const result = await scoreRun({ ...p, quiet: true, force: true, onUnfinished: () => send({ type: 'log', message: `${p.run} is an unfinished run (allowed): its best parameters so far` }) });
    send({ type: 'done', result }, () => process.exit(0));
  } catch (e) {
    send({ type: 'error', message: (e as Error).message }, () => process.exit(1));
  }
});
