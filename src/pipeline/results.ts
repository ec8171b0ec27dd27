// The train step's chosen runs read back as result groups (metrics, per-user test values) for the
// report and the plots.
import { join } from 'node:path';
import { RUN_FILES, readPerUser } from '../run/index.ts';
import type { RunGroup, SeedRun } from '../report/index.ts';
import { readRunMetrics } from './runs.ts';
import type { Selection } from './steps/train.ts';

export function loadRunGroups(selection: Selection, o: { perUser: boolean }): RunGroup[] {
  return selection.groups.map((g) => ({
    backbone: g.backbone,
    variant: g.variant,
    label: g.label,
    config: g.chosen.params,
    runs: g.runs.map(({ seed, dir }): SeedRun => {
      const m = readRunMetrics(dir);
      return {
        seed, valid: m.valid, test: m.test, secondsPerEpoch: m.seconds_per_epoch, bestEpoch: m.best_epoch, epochsRun: m.epochs_run,
        perUserTest: o.perUser ? readPerUser(join(dir, RUN_FILES.perUser('test'))) : undefined,
      };
    }),
  }));
}
