// Step `plots`: per backbone, learning curves of the chosen runs, bars of the test metrics per
// variant, and the t-SNE maps of item features (original extractor, teacher, student) by category.
import { join } from 'node:path';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { RUN_FILES, writeJson } from '../../run/index.ts';
import { VARIANTS } from '../../train/index.ts';
import { Rng } from '../../data/index.ts';
import { stat } from '../../report/index.ts';
import { learningCurvesSpec, variantBarsSpec, tsneSpec, type CurvePoint, type MapPoint } from '../../report/index.ts';
import { writeChart } from '../../report/index.ts';
import { tsne, neighbourAgreement } from '../../report/index.ts';
import { loadRunGroups } from '../results.ts';
import { itemMatrix, runItemFeatures } from '../item-features.ts';
import { readSelection, bestSeedRun, type Selection, type SelectedGroup } from './train.ts';
import type { TsneSpec } from '../spec.ts';
import { artifact, type StepContext, type StepDefinition } from '../step.ts';

const DEFAULT_METRICS = ['recall@20', 'ndcg@20'];

/** Panel title of a gradient norm: ‖∇ term‖ over the group's parameters. */
export const gradPanel = (term: string, group: string) => `‖∇ ${term}‖ on ${group}`;

export function curvePoints(groups: Pick<SelectedGroup, 'variant' | 'runs'>[], metric: string): CurvePoint[] {
  const points: CurvePoint[] = [];
  for (const g of groups) {
    for (const { seed, dir } of g.runs) {
      const path = join(dir, RUN_FILES.log);
      if (!existsSync(path)) continue;
      for (const line of readFileSync(path, 'utf8').split('\n').filter((l) => l.trim())) {
        const e = JSON.parse(line) as { epoch: number; losses: Record<string, number>; grad_norms?: Record<string, Record<string, number>>; valid?: Record<string, number> };
        for (const [term, value] of Object.entries(e.losses)) points.push({ variant: g.variant, seed, epoch: e.epoch, panel: term, value });
        // With grad_norms: one panel per term and parameter group, so the plot shows whether
        // distillation dominates the backbone's own gradient on the extractor, or vanishes.
        for (const [term, groups] of Object.entries(e.grad_norms ?? {})) {
          for (const [group, value] of Object.entries(groups)) points.push({ variant: g.variant, seed, epoch: e.epoch, panel: gradPanel(term, group), value });
        }
        if (e.valid?.[metric] !== undefined) points.push({ variant: g.variant, seed, epoch: e.epoch, panel: `valid ${metric}`, value: e.valid[metric] });
      }
    }
  }
  return points;
}

/** Up to `max` labelled items, the same for every feature source (seeded when subsampling). */
function pickItems(labels: Int32Array, max: number, seed: number): Int32Array {
  const labelled = Int32Array.from({ length: labels.length }, (_, i) => i).filter((i) => labels[i] >= 0);
  if (labelled.length <= max) return labelled;
  return new Rng(seed).shuffle(labelled).slice(0, max).sort();
}

interface TsneResult { files: { svg: string; png: string }; agreement: Record<string, number> }

async function tsnePlot(ctx: StepContext, backbone: string, selection: Selection, o: TsneSpec, scale: number): Promise<TsneResult | string> {
  const groups = selection.groups.filter((g) => g.backbone === backbone);
  const vanilla = groups.find((g) => g.preset === 'vanilla');
  const sgfd = groups.find((g) => g.preset === 'sgfd') ?? groups.find((g) => VARIANTS[g.preset].sgfd);
  if (!vanilla || !sgfd) return `${backbone}: t-SNE needs a vanilla and an SGFD variant`;
  const threads = ctx.spec.train!.threads;
  const original = await runItemFeatures(bestSeedRun(vanilla, selection.metric).dir, threads);
  const distilled = await runItemFeatures(bestSeedRun(sgfd, selection.metric).dir, threads);
  if (!original || !distilled?.teacher) return `${backbone}: no item extractor (ID-only backbone)`;
  const ds = original.ds;
  if (!ds.labels || ds.nLabels < 2) return `${backbone}: the dataset has no category labels to colour by`;
  const items = pickItems(ds.labels, o.max_items, o.seed);
  const sources: [string, Float32Array[]][] = [['original extractor', original.extractor], [`teacher (${sgfd.variant})`, distilled.teacher], [`student (${sgfd.variant})`, distilled.extractor]];
  const points: MapPoint[] = [];
  const agreement: Record<string, number> = {};
  const itemLabels = Int32Array.from(items, (i) => ds.labels![i]);
  for (const [source, features] of sources) {
    const full = itemMatrix(features, ds, o.modality, original.dim);
    const x = new Float32Array(items.length * full.dim);
    items.forEach((item, r) => x.set(full.data.subarray(item * full.dim, (item + 1) * full.dim), r * full.dim));
    agreement[source] = neighbourAgreement(x, items.length, full.dim, itemLabels, 10);
    ctx.log(`t-SNE (${o.method}) ${backbone} ${source}: ${items.length} items, ${o.iterations} iterations`);
    const y = tsne(x, items.length, full.dim, { perplexity: Math.min(o.perplexity, (items.length - 1) / 3), iterations: o.iterations, seed: o.seed, method: o.method });
    items.forEach((item, r) => points.push({ source, x: y[2 * r], y: y[2 * r + 1], category: ds.labelNames?.[ds.labels![item]] ?? String(ds.labels![item]) }));
  }
  const title = `${backbone.toUpperCase()}: t-SNE of item features (${o.modality === 'all' ? 'all modalities' : o.modality}), coloured by category`;
  const files = await writeChart(join(ctx.dir, `tsne-${backbone}`), tsneSpec(points, title), scale);
  writeJson(join(ctx.dir, `tsne-${backbone}.json`), { items: items.length, modality: o.modality, method: o.method, neighbour_label_agreement_at_10: agreement });
  return { files, agreement };
}

export const plotsStep: StepDefinition = {
  name: 'plots',
  config: (spec) => ({ ...spec.plots, metrics: spec.report?.metrics ?? DEFAULT_METRICS }),
  run: async (ctx: StepContext) => {
    const p = ctx.spec.plots!;
    const selection = readSelection(artifact(ctx, 'train', 'root'));
    mkdirSync(ctx.dir, { recursive: true });
    const metrics = ctx.spec.report?.metrics ?? DEFAULT_METRICS;
    const artifacts: Record<string, string> = {};
    const summary: string[] = [];
    const backbones = [...new Set(selection.groups.map((g) => g.backbone))];
    const results = loadRunGroups(selection, { perUser: false });
    for (const backbone of backbones) {
      const groups = selection.groups.filter((g) => g.backbone === backbone);
      if (p.curves) {
        const spec = learningCurvesSpec(curvePoints(groups, selection.metric), `${backbone.toUpperCase()}: training loss terms and validation ${selection.metric} per epoch`);
        artifacts[`curves-${backbone}`] = (await writeChart(join(ctx.dir, `curves-${backbone}`), spec, p.scale)).png;
      }
      if (p.bars) {
        const rows = results.filter((g) => g.backbone === backbone).flatMap((g) => metrics.map((m) => ({ variant: g.variant, metric: m, ...stat(g.runs.map((r) => r.test[m])) })));
        const spec = variantBarsSpec(rows, `${backbone.toUpperCase()}: test metrics per variant (mean ± std over seeds)`);
        artifacts[`bars-${backbone}`] = (await writeChart(join(ctx.dir, `bars-${backbone}`), spec, p.scale)).png;
      }
      if (p.tsne) {
        const r = await tsnePlot(ctx, backbone, selection, p.tsne, p.scale);
        if (typeof r === 'string') { summary.push(`t-SNE skipped — ${r}`); continue; }
        artifacts[`tsne-${backbone}`] = r.files.png;
        summary.push(`${backbone} t-SNE, share of 10 nearest neighbours with the same category: ${Object.entries(r.agreement).map(([s, a]) => `${s} ${a.toFixed(3)}`).join(', ')}`);
      }
    }
    summary.unshift(`${Object.keys(artifacts).length} plots (PNG + SVG) in ${ctx.dir}`);
    return { artifacts, digestOf: [], summary };
  },
};
