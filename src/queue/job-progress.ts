// The submitter's progress display: how many of its jobs are done, running, waiting and failed, and
// per worker how many it finished and runs now — one line, written when it changes (at most once a
// second unless a job finished or failed).

export type JobPhase = 'waiting' | 'running' | 'done' | 'failed';

export interface JobSnapshot {
  phase: JobPhase;
  /** The worker running it (running) or that ran it (done, failed). */
  worker?: string;
}

/** "queue: 3/8 done, 2 running, 3 waiting, 0 failed | host-a/41: 2 done, 1 running; host-b/17: 1 done, 1 running" */
export function progressLine(jobs: readonly JobSnapshot[]): string {
  const count = (p: JobPhase) => jobs.filter((j) => j.phase === p).length;
  const head = `queue: ${count('done')}/${jobs.length} done, ${count('running')} running, ${count('waiting')} waiting, ${count('failed')} failed`;
  const byWorker = new Map<string, { done: number; running: number }>();
  for (const j of jobs) {
    if (!j.worker || (j.phase !== 'done' && j.phase !== 'running')) continue;
    const w = byWorker.get(j.worker) ?? { done: 0, running: 0 };
    w[j.phase]++;
    byWorker.set(j.worker, w);
  }
  const workers = [...byWorker.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, w]) => `${name}: ${w.done} done, ${w.running} running`);
  return workers.length ? `${head} | ${workers.join('; ')}` : head;
}

/** Writes progress lines through `log` when they change. */
export class ProgressPrinter {
  private last = '';
  private lastAt = 0;
  private lastFinished = 0;
  constructor(private readonly log: (line: string) => void, private readonly minGapMs = 1000) {}

  update(jobs: readonly JobSnapshot[]): void {
    const line = progressLine(jobs);
    const finished = jobs.filter((j) => j.phase === 'done' || j.phase === 'failed').length;
    const now = performance.now();
    if (line === this.last) return;
    if (finished === this.lastFinished && now - this.lastAt < this.minGapMs) return;
    this.log(line);
    this.last = line;
    this.lastAt = now;
    this.lastFinished = finished;
  }
}
