// `sgfd eval`: re-score a run, optionally with a reference evaluator (`sgfd compare` is in compare.ts).
import type { CommandModule } from 'yargs';
import { loadRun, evaluateRun } from '../run/index.ts';
import { type Compat } from '../eval/index.ts';
import { metricsTable } from './tables.ts';

export const evalCommand: CommandModule<object, { run: string; 'metrics-compat': Compat; data?: string; threads: number; json: boolean; 'allow-unfinished': boolean }> = {
  command: 'eval',
  describe: 'Evaluate a run\'s best parameters on validation and test',
  builder: (y) => y
    .option('run', { type: 'string', demandOption: true, describe: 'run directory (sgfd train --out)' })
    .option('metrics-compat', { choices: ['standard', 'sgfd-grcn', 'sgfd-bm3'] as const, default: 'standard' as Compat, describe: 'reference evaluators, only to compare with the paper' })
    .option('data', { type: 'string', describe: 'dataset directory (default: the one recorded in the run)' })
    .option('threads', { type: 'number', default: 2 })
    .option('json', { type: 'boolean', default: false })
    .option('allow-unfinished', { type: 'boolean', default: false, describe: 'evaluate a run that never finished (no metrics.json): its best parameters so far' }) as never,
  handler: async (a) => {
    const run = loadRun(a.run, a.data, { allowUnfinished: a['allow-unfinished'] });
    if (!run.finished) process.stderr.write(`sgfd: warning: ${a.run} is an unfinished run (--allow-unfinished): evaluating its best parameters so far\n`);
    const { valid, test } = await evaluateRun(run, { compat: a['metrics-compat'], threads: a.threads });
    if (a.json) { process.stdout.write(JSON.stringify({ compat: a['metrics-compat'], best_epoch: run.bestEpoch, finished: run.finished, valid: valid.means, test: test.means }) + '\n'); return; }
    process.stdout.write(`${a.run}: ${run.config.backbone}${run.config.sgfd ? ` + SGFD (${run.config.sgfd.profile})` : ''}, best epoch ${run.bestEpoch}, evaluator ${a['metrics-compat']}\n`);
    process.stdout.write(metricsTable({ valid: valid.means, test: test.means }));
  },
};
