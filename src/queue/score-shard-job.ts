// Job kind 'score': one shard i/n of `sgfd score`, written by a worker into its own directory beside
// the output (queue-score.ts gathers the shards). The payload is `sgfd score`'s options with
// absolute paths; the worker sets its own thread count.
import type { ScoreRunOptions, ScoreRunResult } from '../score/index.ts';
import type { JobHandler } from './jobs.ts';
import { runInChild } from './job-process.ts';
import { siblingModule } from '../runtime/index.ts';

export const SCORE_JOB = 'score';

/** The options of `sgfd score` a shard job carries (paths absolute; no callbacks). */
export type ScoreShardPayload = Omit<ScoreRunOptions, 'onUnfinished' | 'quiet' | 'force'>;

const SCORE_CHILD = siblingModule('./score-child.ts', import.meta.url);

export const scoreShardJob: JobHandler<ScoreShardPayload, ScoreRunResult> = {
  inputs: (p) => [p.run, ...(p.data ? [p.data] : [])],
  run: (p, o) => runInChild<ScoreRunResult>(SCORE_CHILD, { ...p, threads: o.threads }, o),
  describe: (r) => `${r.rows} rows for ${r.users} users`,
};
