// `sgfd eval` (re-score a run, optionally with a reference evaluator) and `sgfd compare` (paired test).
import type { CommandModule } from 'yargs';
import { join } from 'node:path';
import { loadRun, evaluateRun } from '../train/load-run.ts';
import { readPerUser, RUN_FILES } from '../train/files.ts';
import { pairedTTest, type Compat } from '../eval/index.ts';
import { metricsTable, formatRows } from './tables.ts';

export const evalCommand: CommandModule<object, { run: string; 'metrics-compat': Compat; data?: string; threads: number; json: boolean }> = {
  command: 'eval',
  describe: 'Evaluate a run\'s best parameters on validation and test',
  builder: (y) => y
    .option('run', { type: 'string', demandOption: true, describe: 'run directory (sgfd train --out)' })
    .option('metrics-compat', { choices: ['standard', 'sgfd-grcn', 'sgfd-bm3'] as const, default: 'standard' as Compat, describe: 'reference evaluators, only to compare with the paper' })
    .option('data', { type: 'string', describe: 'dataset directory (default: the one recorded in the run)' })
    .option('threads', { type: 'number', default: 2 })
    .option('json', { type: 'boolean', default: false }) as never,
  handler: async (a) => {
    const run = loadRun(a.run, a.data);
    const { valid, test } = await evaluateRun(run, { compat: a['metrics-compat'], threads: a.threads });
    if (a.json) { process.stdout.write(JSON.stringify({ compat: a['metrics-compat'], best_epoch: run.bestEpoch, valid: valid.means, test: test.means }) + '\n'); return; }
    process.stdout.write(`${a.run}: ${run.config.backbone}${run.config.sgfd ? ` + SGFD (${run.config.sgfd.profile})` : ''}, best epoch ${run.bestEpoch}, evaluator ${a['metrics-compat']}\n`);
    process.stdout.write(metricsTable({ valid: valid.means, test: test.means }));
  },
};

export const compareCommand: CommandModule<object, { a: string; b: string; metric: string; split: string }> = {
  command: 'compare <a> <b>',
  describe: 'Compare two runs: means, relative improvement of B over A, two-tailed paired t-test over users',
  builder: (y) => y
    .positional('a', { type: 'string', demandOption: true, describe: 'baseline run directory' })
    .positional('b', { type: 'string', demandOption: true, describe: 'run directory compared with it' })
    .option('metric', { type: 'string', default: 'ndcg@20' })
    .option('split', { choices: ['test', 'valid'], default: 'test' }) as never,
  handler: (a) => {
    const read = (dir: string) => readPerUser(join(dir, RUN_FILES.perUser(a.split)));
    const [ra, rb] = [read(a.a), read(a.b)];
    const rows = [['metric', 'A', 'B', 'rel. impr.', 't', 'p', 'users']];
    const metrics = a.metric === 'all' ? Object.keys(ra.perUser) : [a.metric];
    for (const m of metrics) {
      if (!ra.perUser[m] || !rb.perUser[m]) throw new Error(`metric '${m}' not in both runs: available ${Object.keys(ra.perUser).join(', ')}`);
      const t = pairedTTest({ users: rb.users, values: rb.perUser[m] }, { users: ra.users, values: ra.perUser[m] });
      const [meanA, meanB] = [t.meanB, t.meanA];
      rows.push([m, meanA.toFixed(4), meanB.toFixed(4), `${(((meanB - meanA) / meanA) * 100).toFixed(2)}%`, t.t.toFixed(3), t.p.toPrecision(3), String(t.n)]);
    }
    process.stdout.write(`A = ${a.a}\nB = ${a.b}\n${formatRows(rows)}`);
  },
};
