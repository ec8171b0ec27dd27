// The options that name a training configuration — dataset, backbone, SGFD, variant, profile,
// defaults, settings, seed, schedule, stage-1 teacher — shared by `sgfd train` and `sgfd graphs`
// (which writes the graphs `train` would run), and `--set` parsing.
import type { Argv } from 'yargs';
import { VARIANTS } from '../train/index.ts';
import { TRAIN_DEFAULTS } from '../train/index.ts';
import { BACKBONES } from '../backbones/index.ts';

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

export function configurationOptions<T>(y: Argv<T>) {
  return y
    .option('data', { type: 'string', demandOption: true, describe: 'dataset directory' })
    .option('backbone', { choices: Object.keys(BACKBONES), default: 'bm3' })
    .option('sgfd', { type: 'boolean', default: false, describe: 'replace the feature extractor with the SGFD student' })
    .option('variant', { choices: Object.keys(VARIANTS), describe: 'preset: ablation (sgfd-l, sgfd-f, sgfd-e, sgfd-s) or extractor variant (shallow, deep, teacher-shallow, teacher-deep)' })
    .option('profile', { choices: ['paper', 'reference'] as const, describe: 'SGFD profile (SGFD-SPEC.md); default: the backbone\'s recommended one (paper for every backbone today)' })
    .option('defaults', { choices: ['tuned', 'plain'] as const, default: 'tuned' as const, describe: 'start from the per-backbone tuned settings (src/train/recommended.ts, docs/RESULTS.md) or the bare library defaults; flags and --set win either way' })
    .option('set', { type: 'string', array: true, default: [] as string[], describe: 'backbone or sgfd.<switch> setting, key=value (repeatable)' })
    .option('seed', { type: 'number', default: TRAIN_DEFAULTS.seed, describe: 'run seed: initial values, batch order, dropout' })
    .option('epochs', { type: 'number', describe: 'epoch cap (default: the backbone\'s recommended schedule)' })
    .option('patience', { type: 'number', describe: 'epochs without validation improvement before stopping (default: recommended)' })
    .option('teacher-epochs', { type: 'number', default: 30, describe: 'paper profile: stage-1 teacher epochs' })
    .option('teacher-seed', { type: 'number', default: 1, describe: 'stage-1 teacher seed (not the run seed: every seed shares one cached teacher)' });
}
