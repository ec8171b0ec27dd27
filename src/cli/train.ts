// `sgfd train`: one training run (vanilla or SGFD) into a run directory.
import type { CommandModule } from 'yargs';
import { runTraining, VARIANTS } from '../train/index.ts';
import { TRAIN_DEFAULTS } from '../train/index.ts';
import { withRecommended } from '../train/index.ts';
import { type Profile } from '../sgfd/index.ts';
import { type Device } from '../runtime/index.ts';
import { metricsTable } from './tables.ts';
import { configurationOptions, parseSets } from './configuration-options.ts';
import { exitOnInterrupt, trainResumeHint } from './interrupt.ts';
import { saveRunGraphs, RUN_GRAPHS_DIR } from '../artifacts/index.ts';

interface Args {
  data: string; backbone: string; sgfd: boolean; profile?: Profile; seed: number; epochs?: number; patience?: number; 'eval-every'?: number; defaults: 'tuned' | 'plain';
  metric: string; device: Device; threads: number; set: string[]; out: string; resume: boolean; force: boolean; quiet: boolean;
  'teacher-epochs': number; 'teacher-seed': number; worker: boolean; variant?: string; 'min-epochs'?: number; 'grad-norms': boolean; 'save-graphs': boolean;
}


export const trainCommand: CommandModule<object, Args> = {
  command: 'train',
  describe: 'Train a backbone (optionally with SGFD), select on validation, score test once',
  builder: (y) => configurationOptions(y)
    .option('min-epochs', { type: 'number', describe: 'patience counts only after this many epochs (outlasts validation plateaus; best parameters are kept)' })
    .option('grad-norms', { type: 'boolean', default: false, describe: 'log every loss term\'s gradient norm per parameter group (extractor, embeddings) each epoch' })
    .option('eval-every', { type: 'number', describe: 'validate every N epochs (and after the last); patience still counts epochs (default: recommended)' })
    .option('metric', { type: 'string', default: TRAIN_DEFAULTS.metric, describe: 'validation metric to select on' })
    .option('device', { choices: ['cpu', 'cuda'] as const, default: 'cpu' as Device })
    .option('threads', { type: 'number', default: TRAIN_DEFAULTS.threads, describe: 'cores for the run; a train step with small matrix products leaves one to the batch builder (metrics.json step_threads); results do not depend on it' })
    .option('worker', { type: 'boolean', default: true, describe: 'train in a worker thread' })
    .option('out', { type: 'string', demandOption: true, describe: 'run directory' })
    .option('resume', { type: 'boolean', default: false, describe: 'continue from the run directory\'s checkpoint' })
    .option('force', { type: 'boolean', default: false, describe: 'replace a run already in --out (otherwise an error)' })
    .option('save-graphs', { type: 'boolean', default: false, describe: `also write the run's ONNX training artifacts (as sgfd graphs, stage 1 applied, with the first batch) to <out>/graphs` })
    .option('quiet', { type: 'boolean', default: false }) as never,
  handler: async (a) => {
    exitOnInterrupt(() => trainResumeHint(a.out));
    const sgfd = a.sgfd || (a.variant !== undefined && VARIANTS[a.variant].sgfd);
    const r = withRecommended(a.backbone, { sgfd, profile: a.profile, set: parseSets(a.set), epochs: a.epochs, patience: a.patience, minEpochs: a['min-epochs'], evalEvery: a['eval-every'] }, a.defaults === 'plain');
    const schedule = { epochs: r.train.epochs, patience: r.train.patience, ...(r.train.evalEvery !== 1 ? { evalEvery: r.train.evalEvery } : {}), ...(r.train.minEpochs ? { minEpochs: r.train.minEpochs } : {}) };
    const settings = {
      data: a.data, backbone: a.backbone, sgfd: a.sgfd, variant: a.variant, profile: r.profile, set: r.set, teacherEpochs: a['teacher-epochs'], teacherSeed: a['teacher-seed'], force: a.force,
      train: { ...TRAIN_DEFAULTS, seed: a.seed, ...schedule, gradNorms: a['grad-norms'], metric: a.metric, device: a.device, threads: a.threads, worker: a.worker, quiet: a.quiet, resume: a.resume },
    };
    const log = (m: string) => { if (!a.quiet) process.stderr.write(m + '\n'); };
    if (r.note) log(`note: ${r.note}`);
    const metrics = await runTraining(settings, a.out, log);
    if (a['save-graphs']) log(`${a.out}/${RUN_GRAPHS_DIR}: ${Object.keys((await saveRunGraphs(a.out, settings, { threads: a.threads, log })).files).join(', ')}, artifact.json`);
    if (!metrics) return;
    process.stdout.write(`${a.out}: best epoch ${metrics.best_epoch} of ${metrics.epochs_run}, ${metrics.seconds_per_epoch.toFixed(2)} s/epoch${metrics.step_threads !== undefined ? `, step on ${metrics.step_threads} of ${a.threads} threads` : ''}${metrics.native_kernels && metrics.native_kernels !== 'none' ? ` (native kernels: ${metrics.native_kernels})` : ''}\n`);
    process.stdout.write(metricsTable({ valid: metrics.valid, test: metrics.test }));
  },
};
