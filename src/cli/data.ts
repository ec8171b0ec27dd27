// `sgfd data import|synth|stats`: thin wrappers over src/data (parse, validate, call).
import type { Argv, CommandModule } from 'yargs';
import { readDataset, recreateManifest, writeDataset } from '../data/index.ts';
import { importDataset, IMPORT_FORMATS, type ImportFormat } from '../data/index.ts';
import { parseFeatureSpec } from '../data/index.ts';
import { datasetStats, formatStats } from '../data/index.ts';
import { withSyntheticFeatures } from '../data/index.ts';
import { generateSynthetic, SYNTH_DEFAULTS } from '../data/index.ts';

const warn = (m: string) => process.stderr.write(`sgfd: warning: ${m}\n`);

interface ImportArgs {
  format: ImportFormat; out: string; inter?: string; dir?: string; input?: string; feature: string[]; labels?: string;
  'label-column': string; 'allow-missing-labels': boolean; normalize: string[]; 'valid-from-train'?: number; kcore?: number;
  split?: string; seed: number; duplicates: 'fail' | 'drop'; 'cold-users': 'fail' | 'filter'; name?: string; force: boolean; reindex: boolean;
}

const importCommand: CommandModule<object, ImportArgs> = {
  command: 'import',
  describe: 'Import a dataset from mmrec (.inter + .npy), sgfd-csv (SGFD release) or csv (user,item[,split]) into Arrow',
  builder: (y) => y
    .usage('$0 data import --format mmrec --inter FILE.inter [--feature NAME=FILE.npy ...] [--labels FILE] --out DIR\n'
      + '$0 data import --format sgfd-csv --dir DIR --out DIR\n$0 data import --format csv --input FILE.csv --out DIR')
    .option('format', { choices: IMPORT_FORMATS, demandOption: true, describe: 'source format' })
    .option('out', { type: 'string', demandOption: true, describe: 'output dataset directory (written atomically)' })
    .option('inter', { type: 'string', describe: 'mmrec: the .inter TSV (userID itemID [rating] x_label [timestamp])' })
    .option('dir', { type: 'string', describe: 'sgfd-csv: directory with train.csv, test.csv [, Feature*_normal.npy, MetaData_normal.npy]' })
    .option('input', { type: 'string', describe: 'csv: file with header user,item[,split][,timestamp]' })
    .option('feature', { type: 'string', array: true, default: [], describe: 'modality features NAME=FILE.npy (repeatable; row i = item i)' })
    .option('labels', { type: 'string', describe: 'item labels: TSV/CSV with itemID and a label column, or an .npy int vector' })
    .option('label-column', { type: 'string', default: 'label', describe: 'label column of the --labels table' })
    .option('allow-missing-labels', { type: 'boolean', default: false, describe: 'keep items without a label (as null) instead of failing' })
    .option('normalize', { type: 'string', array: true, default: [], describe: 'l2|standard|none for all modalities, or NAME=MODE (repeatable)' })
    .option('valid-from-train', { type: 'number', describe: 'move this fraction of each user\'s train interactions to valid (seeded)' })
    .option('kcore', { type: 'number', describe: 'iterative k-core: drop users/items with fewer than K interactions' })
    .option('split', { type: 'string', describe: 'train,valid,test ratios per user for data without a split (default 0.8,0.1,0.1)' })
    .option('seed', { type: 'number', default: 42, describe: 'seed of every random step (splits)' })
    .option('duplicates', { choices: ['fail', 'drop'] as const, default: 'fail' as const, describe: 'repeated (user, item) pairs' })
    .option('cold-users', { choices: ['fail', 'filter'] as const, default: 'fail' as const, describe: 'users with valid/test but no train interactions' })
    .option('name', { type: 'string', describe: 'dataset name in the metadata (default: output directory name)' })
    .option('reindex', { type: 'boolean', default: false, describe: 'mmrec/sgfd-csv: map the user and item ids that occur densely (ascending; the original ids go to user_ids.arrow/item_ids.arrow; feature and label rows are taken by original id). Without it, ids beyond 2 × the distinct ids + 1000 are an error' })
    .option('force', { type: 'boolean', default: false, describe: 'replace an existing output directory' }) as Argv<ImportArgs>,
  handler: async (a) => {
    const parts = await importDataset({
      format: a.format, inter: a.inter, dir: a.dir, input: a.input, features: a.feature.map(parseFeatureSpec),
      labels: a.labels, labelColumn: a['label-column'], allowMissingLabels: a['allow-missing-labels'], normalize: a.normalize,
      validFromTrain: a['valid-from-train'], kcore: a.kcore, split: a.split, seed: a.seed, duplicates: a.duplicates,
      coldUsers: a['cold-users'], name: a.name, reindex: a.reindex, warn,
    }, a.out, { force: a.force });
    process.stdout.write(`${a.out}: ${parts.nUsers} users, ${parts.nItems} items, ${parts.interactions.user.length} interactions\n`);
  },
};

type SynthArgs = typeof SYNTH_DEFAULTS & { out: string; force: boolean; 'image-dim': number; 'text-dim': number };

const synthCommand: CommandModule<object, SynthArgs> = {
  command: 'synth',
  describe: 'Generate the deterministic SYNTHETIC default dataset (planted categories; no download)',
  builder: (y) => y
    .option('out', { type: 'string', demandOption: true, describe: 'output dataset directory' })
    .option('seed', { type: 'number', default: SYNTH_DEFAULTS.seed })
    .option('users', { type: 'number', default: SYNTH_DEFAULTS.users })
    .option('items', { type: 'number', default: SYNTH_DEFAULTS.items })
    .option('categories', { type: 'number', default: SYNTH_DEFAULTS.categories, describe: 'item categories (= label classes)' })
    .option('density', { type: 'number', default: SYNTH_DEFAULTS.density, describe: 'observed fraction of the user × item matrix' })
    .option('image-dim', { type: 'number', default: SYNTH_DEFAULTS.imageDim })
    .option('text-dim', { type: 'number', default: SYNTH_DEFAULTS.textDim })
    .option('noise', { type: 'number', default: SYNTH_DEFAULTS.noise, describe: 'feature noise scale (0 = none)' })
    .option('valid', { type: 'number', default: SYNTH_DEFAULTS.valid, describe: 'held-out validation fraction per user' })
    .option('test', { type: 'number', default: SYNTH_DEFAULTS.test, describe: 'held-out test fraction per user' })
    .option('force', { type: 'boolean', default: false, describe: 'replace an existing output directory' }) as Argv<SynthArgs>,
  handler: async (a) => {
    const parts = generateSynthetic({
      seed: a.seed, users: a.users, items: a.items, categories: a.categories, density: a.density,
      imageDim: a['image-dim'], textDim: a['text-dim'], noise: a.noise, valid: a.valid, test: a.test,
    });
    await writeDataset(a.out, parts, { force: a.force });
    process.stdout.write(`${a.out}: SYNTHETIC dataset, ${parts.nUsers} users, ${parts.nItems} items, ${parts.interactions.user.length} interactions\n`);
  },
};

type FeatureArgs = { data: string; out: string; feature: string[]; categories: number; seed: number; noise: number; force: boolean };

const synthFeaturesCommand: CommandModule<object, FeatureArgs> = {
  command: 'synth-features',
  describe: 'Add SYNTHETIC item features and categories to a dataset that has none (e.g. the SGFD Office release)',
  builder: (y) => y
    .option('data', { type: 'string', demandOption: true, describe: 'input dataset directory' })
    .option('out', { type: 'string', demandOption: true, describe: 'output dataset directory' })
    .option('feature', { type: 'string', array: true, default: ['image=4096', 'text=768'], describe: 'modality NAME=DIM (repeatable)' })
    .option('categories', { type: 'number', default: 54, describe: 'number of synthetic categories (labels)' })
    .option('seed', { type: 'number', default: 7 })
    .option('noise', { type: 'number', default: 1 })
    .option('force', { type: 'boolean', default: false, describe: 'replace an existing output directory' }) as Argv<FeatureArgs>,
  handler: async (a) => {
    const dims: Record<string, number> = {};
    for (const f of a.feature) {
      const m = /^([A-Za-z_][\w-]*)=(\d+)$/.exec(f);
      if (!m || Number(m[2]) < 1) throw new Error(`--feature '${f}': expected NAME=DIM with a positive integer DIM`);
      dims[m[1]] = Number(m[2]);
    }
    const ds = readDataset(a.data);
    const parts = withSyntheticFeatures(ds, { dims, categories: a.categories, seed: a.seed, noise: a.noise });
    await writeDataset(a.out, parts, { force: a.force });
    process.stdout.write(`${a.out}: ${ds.nItems} items with SYNTHETIC features ${Object.entries(dims).map(([k, v]) => `${k} ${v}-d`).join(', ')} and ${a.categories} synthetic categories\n`);
  },
};

const statsCommand: CommandModule<object, { dir: string; json: boolean }> = {
  command: 'stats <dir>',
  describe: 'Print dataset statistics (validates the dataset on load)',
  builder: (y) => y
    .positional('dir', { type: 'string', demandOption: true, describe: 'dataset directory' })
    .option('json', { type: 'boolean', default: false, describe: 'machine-readable JSON' }) as Argv<{ dir: string; json: boolean }>,
  handler: (a) => {
    const stats = datasetStats(readDataset(a.dir));
    process.stdout.write((a.json ? JSON.stringify(stats, null, 2) : formatStats(stats)) + '\n');
  },
};

const manifestCommand: CommandModule<object, { dir: string; force: boolean }> = {
  command: 'manifest <dir>',
  describe: "Recreate a dataset's manifest.json (sizes and SHA-256 of its files) from the files as they are, after checking they load",
  builder: (y) => y
    .positional('dir', { type: 'string', demandOption: true, describe: 'dataset directory' })
    .option('force', { type: 'boolean', default: false, describe: 'replace a manifest that records other bytes than the files have now' }) as Argv<{ dir: string; force: boolean }>,
  handler: (a) => {
    const { outcome, dataset } = recreateManifest(a.dir, { force: a.force });
    const what = { created: 'written', unchanged: 'already up to date', replaced: 'replaced (the files had changed since it was written)' }[outcome];
    process.stdout.write(`${a.dir}: manifest.json ${what}; ${dataset.nUsers} users, ${dataset.nItems} items\n`);
  },
};

export const dataCommand: CommandModule<object, object> = {
  command: 'data',
  describe: 'Datasets: import, generate the synthetic default, statistics, recreate a manifest',
  builder: (y) => y.command(importCommand).command(synthCommand).command(synthFeaturesCommand).command(statsCommand).command(manifestCommand)
    .demandCommand(1, 'Name a data command: import, synth, synth-features, stats or manifest.'),
  handler: () => {},
};
