// `sgfd worker --queue redis://HOST:PORT`: a long-running process that trains pipeline runs and
// scores shards queued by `sgfd pipeline run --queue` and `sgfd score --queue` (src/queue/worker.ts).
import type { CommandModule } from 'yargs';
import { availableParallelism } from 'node:os';

interface WorkerArgs { queue: string; concurrency: number; threads?: number; name?: string; 'stall-seconds': number }

const positiveInt = (flag: string, v: number) => {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${flag}: expected a positive integer, got ${v}`);
  return v;
};

export const workerCommand: CommandModule<object, WorkerArgs> = {
  command: 'worker',
  describe: 'Take training runs and scoring shards off a Redis queue (BullMQ) and run them; SIGTERM hands running jobs back',
  builder: (y) => y
    .option('queue', { type: 'string', demandOption: true, describe: `redis://[:PASSWORD@]HOST:PORT[/DB] (rediss:// for TLS); or the password in $SGFD_QUEUE_PASSWORD` })
    .option('concurrency', { type: 'number', default: 1, describe: 'jobs at once, each its own process' })
    .option('threads', { type: 'number', describe: 'ONNX Runtime threads per job (default: the machine\'s cores / concurrency); results do not depend on it' })
    .option('name', { type: 'string', describe: 'this worker\'s name in progress lines (default: HOST/PID)' })
    .option('stall-seconds', { type: 'number', default: 30, describe: 'job lock and stalled-check period: a dead worker\'s job is back in the queue after about 2.5 × this' }) as never,
  handler: async (a) => {
    const concurrency = positiveInt('--concurrency', a.concurrency);
    const threads = positiveInt('--threads', a.threads ?? Math.max(1, Math.floor(availableParallelism() / concurrency)));
    if (!(a['stall-seconds'] >= 1)) throw new Error(`--stall-seconds: expected a number ≥ 1, got ${a['stall-seconds']}`);
    const { parseQueueUrl } = await import('../queue/queue-url.ts');
    const { runQueueWorker } = await import('../queue/worker.ts');
    const { TRAIN_JOB, trainRunJob } = await import('../pipeline/queue-train-job.ts');
    const { SCORE_JOB, scoreShardJob } = await import('../queue/score-shard-job.ts');
    const handlers = { [TRAIN_JOB]: trainRunJob, [SCORE_JOB]: scoreShardJob };
    await runQueueWorker({ target: parseQueueUrl(a.queue), concurrency, threads, name: a.name, stallSeconds: a['stall-seconds'], handlers });
  },
};
