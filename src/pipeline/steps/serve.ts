// Steps `export` and `score`: the chosen run of one backbone × variant (its best-validation seed)
// exported as a serving model directory, and every (selected) user's top-K scored from it.
import { join } from 'node:path';
import { exportModel } from '../../export/index.ts';
import { scoreRun } from '../../score/index.ts';
import { userDim } from '../../model/index.ts';
import { VARIANTS } from '../../train/index.ts';
import { readSelection, bestSeedRun, type SelectedGroup } from './train.ts';
import type { PipelineSpec } from '../spec.ts';
import { artifact, type StepContext, type StepDefinition } from '../step.ts';

/** export.backbone (default: the first trained) × export.variant (default: its first SGFD variant, else its first). */
function exportedGroup(spec: PipelineSpec, groups: SelectedGroup[]): SelectedGroup {
  const backbone = spec.export!.backbone ?? groups[0].backbone;
  const mine = groups.filter((g) => g.backbone === backbone);
  const wanted = spec.export!.variant;
  const group = wanted ? mine.find((g) => g.variant === wanted) : mine.find((g) => VARIANTS[g.preset].sgfd) ?? mine[0];
  if (!group) throw new Error(`export.variant: expected one of ${mine.map((g) => g.variant).join(', ')} (variants of ${backbone}); got '${wanted}'`);
  return group;
}

export const exportStep: StepDefinition = {
  name: 'export',
  config: (spec) => ({ ...spec.export }),
  run: async (ctx: StepContext) => {
    const selection = readSelection(artifact(ctx, 'train', 'root'));
    const group = exportedGroup(ctx.spec, selection.groups);
    const run = bestSeedRun(group, selection.metric);
    const out = join(ctx.dir, 'model');
    ctx.log(`exporting ${group.label} seed ${run.seed} (best validation ${selection.metric} of its seeds)`);
    const card = await exportModel({ run: run.dir, out, force: true, threads: ctx.spec.train!.threads });
    const cold = card.cold_start.supported ? 'with student.onnx for new items' : `no cold-start student (${card.cold_start.reason})`;
    return {
      artifacts: { model: out, run: run.dir },
      digestOf: [join(out, 'user_embeddings.arrow'), join(out, 'item_embeddings.arrow'), join(out, 'scorer.onnx')],
      summary: [`${group.label} seed ${run.seed} → ${out} (${card.dims.users} users × ${card.dims.items} items, ${userDim(card) === card.dims.embedding ? `d = ${card.dims.embedding}` : `user rows ${userDim(card)}-d, item rows ${card.dims.embedding}-d`}; ${cold})`],
    };
  },
};

export const scoreStep: StepDefinition = {
  name: 'score',
  config: (spec) => spec.score,
  run: async (ctx: StepContext) => {
    const s = ctx.spec.score!;
    const out = join(ctx.dir, 'scores.arrow');
    const r = await scoreRun({ run: artifact(ctx, 'export', 'run'), k: s.k, out, users: s.users, exclude: s.exclude, memoryMb: 256, threads: ctx.spec.train!.threads, quiet: ctx.quiet, force: true });
    return {
      artifacts: { scores: out },
      digestOf: [out],
      summary: [`top-${s.k} for ${r.users} users (${r.rows} rows, excluding ${s.exclude}) in ${r.seconds.toFixed(1)} s → ${out}`],
    };
  },
};
