// `sgfd graphs`: a configuration's training graphs as on-disk ONNX artifacts (train_step.onnx,
// eval.onnx, stage 1 for two-stage SGFD, student.onnx, initial values, artifact.json).
import type { CommandModule } from 'yargs';
import { TRAIN_DEFAULTS } from '../train/index.ts';
import { type Profile } from '../sgfd/index.ts';
import { writeArtifacts } from '../artifacts/index.ts';
import { artifactSettings } from '../artifacts/index.ts';
import { configurationOptions, parseSets } from './configuration-options.ts';

interface Args {
  data: string; backbone: string; sgfd: boolean; variant?: string; profile?: Profile; defaults: 'tuned' | 'plain'; set: string[]; seed: number; epochs?: number; patience?: number;
  'teacher-epochs': number; 'teacher-seed': number; 'trained-teacher': boolean; 'first-batch': boolean; 'grad-norms': boolean;
  out: string; force: boolean; threads: number; quiet: boolean;
}

export const graphsCommand: CommandModule<object, Args> = {
  command: 'graphs',
  describe: 'Write a configuration\'s training graphs as ONNX artifacts (train step, eval, stage 1, student, initial values, artifact.json) runnable by any ONNX Runtime binding',
  builder: (y) => configurationOptions(y)
    .option('trained-teacher', { type: 'boolean', default: false, describe: 'apply stage 1 (the cached teacher, trained on a miss): initial.safetensors is then exactly sgfd train\'s stage-2 start' })
    .option('first-batch', { type: 'boolean', default: false, describe: 'also write first_batch.safetensors: the batch inputs of sgfd train\'s first step' })
    .option('grad-norms', { type: 'boolean', default: false, describe: 'the train step with --grad-norms\' diagnostic outputs' })
    .option('out', { type: 'string', demandOption: true, describe: 'output directory (e.g. models/NAME)' })
    .option('force', { type: 'boolean', default: false, describe: 'replace an existing output directory' })
    .option('threads', { type: 'number', default: TRAIN_DEFAULTS.threads, describe: 'stage-1 training threads (--trained-teacher)' })
    .option('quiet', { type: 'boolean', default: false }) as never,
  handler: async (a) => {
    const settings = artifactSettings({
      data: a.data, backbone: a.backbone, sgfd: a.sgfd, variant: a.variant, profile: a.profile, defaults: a.defaults, set: parseSets(a.set), seed: a.seed, epochs: a.epochs, patience: a.patience,
      teacherEpochs: a['teacher-epochs'], teacherSeed: a['teacher-seed'], gradNorms: a['grad-norms'], threads: a.threads,
    });
    const log = (m: string) => { if (!a.quiet) process.stderr.write(m + '\n'); };
    const m = await writeArtifacts(a.out, settings, { trainedTeacher: a['trained-teacher'], firstBatch: a['first-batch'], gradNorms: a['grad-norms'], threads: a.threads, log, force: a.force });
    const total = Object.values(m.files).reduce((s, f) => s + f.bytes, 0);
    process.stdout.write(`${a.out}: ${Object.keys(m.files).join(', ')} and artifact.json (${(total / 1e6).toFixed(2)} MB)\n`);
  },
};
