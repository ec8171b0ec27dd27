// `sgfd teacher`: stage 1 of the paper profile — the SGFD teacher trained on item labels (or reused
// from the teacher cache), its held-out accuracy per modality against the majority-class rate, and
// with --out its files in the layout runs use (teacher.json, teacher.safetensors, teacher_features.safetensors).
import type { CommandModule } from 'yargs';
import { mkdirSync } from 'node:fs';
import { readDataset } from '../data/index.ts';
import { sgfdConfig, type Profile } from '../sgfd/index.ts';
import { TEACHER_STAGE_DEFAULTS } from '../sgfd/index.ts';
import { ensureTeacher, CACHE_ENV, DATASET_CACHE_DIR } from '../sgfd/index.ts';
import { distillDecision, usefulnessWarnings } from '../sgfd/index.ts';
import { keepTeacher } from '../run/index.ts';
import { type Device } from '../runtime/index.ts';
import { checkSetting } from '../data/index.ts';

interface Args {
  data: string; out?: string; profile: Profile; epochs: number; lr: number; seed: number; 'batch-size': number; 'held-out': number;
  'latent-dim': number; delta: number; shallow: boolean; 'cache-dir'?: string; device: Device; threads: number;
}

export const teacherCommand: CommandModule<object, Args> = {
  command: 'teacher',
  describe: 'Train the SGFD teacher on item category labels (paper profile, stage 1), or reuse it from the teacher cache',
  builder: (y) => y
    .option('data', { type: 'string', demandOption: true, describe: 'dataset directory (sgfd data import/synth)' })
    .option('out', { type: 'string', describe: 'also keep the teacher\'s files here (teacher.json, teacher.safetensors, teacher_features.safetensors)' })
    .option('profile', { choices: ['paper', 'reference'] as const, default: 'paper' as Profile })
    .option('epochs', { type: 'number', default: TEACHER_STAGE_DEFAULTS.epochs })
    .option('lr', { type: 'number', default: TEACHER_STAGE_DEFAULTS.lr })
    .option('seed', { type: 'number', alias: 'teacher-seed', default: TEACHER_STAGE_DEFAULTS.seed, describe: 'teacher seed (training runs use 1 unless `sgfd train --teacher-seed`)' })
    .option('batch-size', { type: 'number', default: TEACHER_STAGE_DEFAULTS.batchSize })
    .option('held-out', { type: 'number', default: TEACHER_STAGE_DEFAULTS.heldOut, describe: 'fraction of labelled items held out to measure accuracy' })
    .option('latent-dim', { type: 'number', default: 128, describe: 'd; training runs use their backbone\'s embedding_dim' })
    .option('delta', { type: 'number', default: 4, describe: 'teacher width shrink factor δ ≥ 2' })
    .option('shallow', { type: 'boolean', default: false, describe: 'one-layer teacher (the sgfd-s / teacher-shallow variants)' })
    .option('cache-dir', { type: 'string', describe: `teacher cache root (default: $${CACHE_ENV}, else <data>/${DATASET_CACHE_DIR}; ~/.cache/sgfd when that is read-only)` })
    .option('device', { choices: ['cpu', 'cuda'] as const, default: 'cpu' as Device })
    .option('threads', { type: 'number', default: 2 }) as never,
  handler: async (a) => {
    checkSetting('--epochs', a.epochs, { type: 'int', min: 1 });
    checkSetting('--lr', a.lr, { type: 'number', min: 0, max: 10, minExclusive: true });
    checkSetting('--seed', a.seed, { type: 'int', min: 0 });
    checkSetting('--batch-size', a['batch-size'], { type: 'int', min: 1 });
    checkSetting('--held-out', a['held-out'], { type: 'number', min: 0, max: 1, minExclusive: true, maxExclusive: true });
    checkSetting('--threads', a.threads, { type: 'int', min: 1, max: 1024 });
    const ds = readDataset(a.data);
    const cfg = sgfdConfig(a.profile, { latentDim: a['latent-dim'], delta: a.delta, shallowTeacher: a.shallow });
    const log = (m: string) => process.stderr.write(m + '\n');
    const t = await ensureTeacher(ds, cfg, {
      dataDir: a.data, cacheDir: a['cache-dir'], log, session: { device: a.device, threads: a.threads },
      stage: { epochs: a.epochs, lr: a.lr, seed: a.seed, batchSize: a['batch-size'], heldOut: a['held-out'] },
      onEpoch: (e, loss) => log(`teacher epoch ${e}/${a.epochs} loss ${loss.toFixed(4)}`),
    });
    for (const w of usefulnessWarnings(t.report.usefulness.modalities, distillDecision(t.report.usefulness.modalities, false))) log(w);
    if (a.out) {
      mkdirSync(a.out, { recursive: true });
      keepTeacher(a.out, ds, t, { parameters: true });
    }
    process.stdout.write(JSON.stringify({ key: t.key, cache: t.dir, reused: t.reused, accuracy: t.report.accuracy, usefulness: t.report.usefulness.modalities }) + '\n');
  },
};
