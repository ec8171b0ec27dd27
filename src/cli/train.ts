// `sgfd train`: one training run (vanilla or SGFD) into a run directory.
import type { CommandModule } from 'yargs';
import { runTraining, VARIANTS } from '../train/run.ts';
import { TRAIN_DEFAULTS } from '../train/trainer.ts';
import { withRecommended } from '../train/recommended.ts';
import { type Profile } from '../sgfd/config.ts';
import { type Device } from '../runtime/session.ts';
import { BACKBONES } from '../backbones/index.ts';
import { metricsTable } from './tables.ts';
import { exitOnInterrupt, trainResumeHint } from './interrupt.ts';
import { saveRunGraphs, RUN_GRAPHS_DIR } from '../artifacts/write.ts';

interface Args {
  data: string; backbone: string; sgfd: boolean; profile?: Profile; seed: number; epochs?: number; patience?: number; 'eval-every'?: number; defaults: 'tuned' | 'plain';
  metric: string; device: Device; threads: number; set: string[]; out: string; resume: boolean; force: boolean; quiet: boolean;
  'teacher-epochs': number; 'teacher-seed': number; worker: boolean; variant?: string; 'min-epochs'?: number; 'grad-norms': boolean; 'save-graphs': boolean;
}

/** `key=value` pairs → object; a malformed pair is an error naming it. */
export function parseSets(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new Error(`--set '${p}': expected key=value`);
    out[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
  }
  return out;
}

export const trainCommand: CommandModule<object, Args> = {
  command: 'train',
  describe: 'Train a backbone (optionally with SGFD), select on validation, score test once',
  builder: (y) => y
    .option('data', { type: 'string', demandOption: true, describe: 'dataset directory' })
    .option('backbone', { choices: Object.keys(BACKBONES), default: 'bm3' })
    .option('sgfd', { type: 'boolean', default: false, describe: 'replace the feature extractor with the SGFD student' })
    .option('variant', { choices: Object.keys(VARIANTS), describe: 'preset: ablation (sgfd-l, sgfd-f, sgfd-e, sgfd-s) or extractor variant (shallow, deep, teacher-shallow, teacher-deep)' })
    .option('profile', { choices: ['paper', 'reference'] as const, describe: 'SGFD profile (SGFD-SPEC.md); default: the backbone\'s recommended one (paper for every backbone today)' })
    .option('defaults', { choices: ['tuned', 'plain'] as const, default: 'tuned' as const, describe: 'start from the per-backbone tuned settings (src/train/recommended.ts, docs/RESULTS.md) or the bare library defaults; flags and --set win either way' })
    .option('seed', { type: 'number', default: TRAIN_DEFAULTS.seed })
    .option('epochs', { type: 'number', describe: 'epoch cap (default: the backbone\'s recommended schedule)' })
    .option('patience', { type: 'number', describe: 'epochs without validation improvement before stopping (default: recommended)' })
    .option('min-epochs', { type: 'number', describe: 'patience counts only after this many epochs (outlasts validation plateaus; best parameters are kept)' })
    .option('grad-norms', { type: 'boolean', default: false, describe: 'log every loss term\'s gradient norm per parameter group (extractor, embeddings) each epoch' })
    .option('eval-every', { type: 'number', describe: 'validate every N epochs (and after the last); patience still counts epochs (default: recommended)' })
    .option('metric', { type: 'string', default: TRAIN_DEFAULTS.metric, describe: 'validation metric to select on' })
    .option('teacher-epochs', { type: 'number', default: 30, describe: 'paper profile: stage-1 teacher epochs' })
    .option('teacher-seed', { type: 'number', default: 1, describe: 'stage-1 teacher seed (not the run seed: every seed shares one cached teacher)' })
    .option('device', { choices: ['cpu', 'cuda'] as const, default: 'cpu' as Device })
    .option('threads', { type: 'number', default: TRAIN_DEFAULTS.threads })
    .option('worker', { type: 'boolean', default: true, describe: 'train in a worker thread' })
    .option('set', { type: 'string', array: true, default: [] as string[], describe: 'backbone or sgfd.<switch> setting, key=value (repeatable)' })
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
    const metrics = await runTraining(settings, a.out, log);
    if (a['save-graphs']) log(`${a.out}/${RUN_GRAPHS_DIR}: ${Object.keys((await saveRunGraphs(a.out, settings, { threads: a.threads, log })).files).join(', ')}, artifact.json`);
    if (!metrics) return;
    process.stdout.write(`${a.out}: best epoch ${metrics.best_epoch} of ${metrics.epochs_run}, ${metrics.seconds_per_epoch.toFixed(2)} s/epoch\n`);
    process.stdout.write(metricsTable({ valid: metrics.valid, test: metrics.test }));
  },
};
