// Step `data`: the dataset every later step reads — generated (synth), imported from source files
// (import), or an existing dataset directory used in place (path).
import { join, resolve } from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { readDataset, writeDataset, MANIFEST_FILE } from '../../data/index.ts';
import { importDataset } from '../../data/index.ts';
import { generateSynthetic, SYNTH_DEFAULTS } from '../../data/index.ts';
import { digestFiles } from '../../data/index.ts';
import type { DataSpec, PipelineSpec } from '../spec.ts';
import type { StepContext, StepDefinition, StepResult } from '../step.ts';

/** The source files an import reads (their contents enter the step's hash). */
function importSources(i: NonNullable<DataSpec['import']>): string[] {
  return [i.inter, i.dir, i.input, i.labels, ...Object.values(i.features)].filter((p): p is string => !!p).map((p) => resolve(p));
}

function describeDataset(dir: string): string[] {
  const ds = readDataset(dir);
  const counts = `${ds.nUsers} users, ${ds.nItems} items, ${ds.interactions.user.length} interactions, ${ds.nLabels} label classes`;
  return [`${ds.meta.synthetic ? 'SYNTHETIC dataset' : 'dataset'} ${ds.meta.name}: ${counts}; modalities ${ds.modalities.map((m) => `${m.name} ${m.dim}-d`).join(', ') || 'none'}`];
}

export const dataStep: StepDefinition = {
  name: 'data',
  config: (spec: PipelineSpec) => {
    const d = spec.data!;
    if (d.synth) return { synth: { ...SYNTH_DEFAULTS, ...d.synth } };
    if (d.import) return { import: { ...d.import, sources: importSources(d.import) } };
    return { path: resolve(d.path!) };
  },
  external: (spec) => {
    const d = spec.data!;
    if (d.import) {
      const missing = importSources(d.import).find((p) => !existsSync(p));
      if (missing) throw new Error(`data.import: ${missing}: not found`);
      return digestFiles(importSources(d.import));
    }
    if (d.path) {
      const manifest = join(resolve(d.path), MANIFEST_FILE);
      if (!existsSync(manifest)) throw new Error(`data.path: ${d.path}: not a dataset directory (no ${MANIFEST_FILE}); create one with sgfd data import/synth`);
      return digestFiles([manifest]);
    }
    return null;
  },
  run: async (ctx: StepContext): Promise<StepResult> => {
    const d = ctx.spec.data!;
    let dir = join(ctx.dir, 'dataset');
    if (d.synth) {
      const parts = generateSynthetic({ ...SYNTH_DEFAULTS, ...d.synth });
      await writeDataset(dir, parts, { force: true });
    } else if (d.import) {
      const i = d.import;
      await importDataset({
        format: i.format, inter: i.inter, dir: i.dir, input: i.input, features: Object.entries(i.features).map(([name, path]) => ({ name, path })),
        labels: i.labels, labelColumn: i.label_column, allowMissingLabels: i.allow_missing_labels, normalize: i.normalize,
        validFromTrain: i.valid_from_train, kcore: i.kcore, split: i.split, seed: i.seed, name: ctx.spec.name, reindex: i.reindex,
        warn: (m) => ctx.log(`warning: ${m}`),
      }, dir, { force: true });
    } else {
      dir = resolve(d.path!);
      if (!statSync(dir).isDirectory()) throw new Error(`data.path: ${d.path}: not a directory`);
    }
    return { artifacts: { dataset: dir }, digestOf: [join(dir, MANIFEST_FILE)], summary: describeDataset(dir) };
  },
};
