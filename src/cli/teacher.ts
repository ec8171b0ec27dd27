// `sgfd teacher`: stage 1 of the paper profile — train the SGFD teacher on item labels, report
// held-out accuracy, and save it (checkpoint + report) for stage 2.
import type { CommandModule } from 'yargs';
import { join } from 'node:path';
import { writeFileSync, mkdirSync, renameSync } from 'node:fs';
import { readDataset } from '../data/arrow-io.ts';
import { sgfdConfig, type Profile } from '../sgfd/config.ts';
import { trainTeacher } from '../sgfd/teacher-stage.ts';
import { writeCheckpoint } from '../runtime/checkpoint.ts';
import { type Device } from '../runtime/session.ts';

interface Args { data: string; out: string; profile: Profile; epochs: number; lr: number; seed: number; 'latent-dim': number; delta: number; device: Device; threads: number }

export const teacherCommand: CommandModule<object, Args> = {
  command: 'teacher',
  describe: 'Train the SGFD teacher on item category labels (paper profile, stage 1)',
  builder: (y) => y
    .option('data', { type: 'string', demandOption: true, describe: 'dataset directory (sgfd data import/synth)' })
    .option('out', { type: 'string', demandOption: true, describe: 'output directory for the teacher' })
    .option('profile', { choices: ['paper', 'reference'] as const, default: 'paper' as Profile })
    .option('epochs', { type: 'number', default: 30 })
    .option('lr', { type: 'number', default: 1e-3 })
    .option('seed', { type: 'number', default: 1 })
    .option('latent-dim', { type: 'number', default: 128 })
    .option('delta', { type: 'number', default: 4, describe: 'teacher width shrink factor δ ≥ 2' })
    .option('device', { choices: ['cpu', 'cuda'] as const, default: 'cpu' as Device })
    .option('threads', { type: 'number', default: 2 }) as never,
  handler: async (a) => {
    const ds = readDataset(a.data);
    const cfg = sgfdConfig(a.profile, { latentDim: a['latent-dim'], delta: a.delta });
    const r = await trainTeacher(ds, cfg, {
      epochs: a.epochs, lr: a.lr, seed: a.seed, session: { device: a.device, threads: a.threads },
      onEpoch: (e, loss) => process.stderr.write(`teacher epoch ${e}/${a.epochs} loss ${loss.toFixed(4)}\n`),
    });
    const report = { dataset: ds.meta.name, synthetic: ds.meta.synthetic, config: cfg, heldOutItems: r.heldOutItems.length, accuracy: r.accuracy };
    mkdirSync(a.out, { recursive: true });
    const tensors = new Map([...r.values].map(([k, v]) => [k, { data: v, shape: r.model.namedParameters('sgfd').get(k)!.shape }]));
    writeCheckpoint(join(a.out, 'checkpoint'), tensors, { step: 0, epoch: a.epochs, config: cfg, best: r.accuracy });
    const tmp = join(a.out, `teacher.json.tmp-${process.pid}`);
    writeFileSync(tmp, JSON.stringify(report, null, 2) + '\n');
    renameSync(tmp, join(a.out, 'teacher.json'));
    process.stdout.write(JSON.stringify(r.accuracy) + '\n');
  },
};
