// Step `report`: the results table (Markdown, CSV, LaTeX), every search trial with its validation
// value, and the dataset's statistics.
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { readDataset } from '../../data/index.ts';
import { datasetStats, type DatasetStats } from '../../data/index.ts';
import { writeJson } from '../../run/index.ts';
import { writeFileAtomic } from '../../data/index.ts';
import { buildResultsTable, metricTitle } from '../../report/index.ts';
import { resultsMarkdown, resultsCsv, resultsLatex, markdownTable } from '../../report/index.ts';
import { loadRunGroups } from '../results.ts';
import { readSelection, type Selection, type SelectedGroup } from './train.ts';
import type { HalvingTrialRecord } from '../halving-search.ts';
import type { PipelineSpec } from '../spec.ts';
import { artifact, type StepContext, type StepDefinition } from '../step.ts';

export const REPORT_FILES = { markdown: 'results.md', csv: 'results.csv', latex: 'results.tex', search: 'search.md', dataset: 'dataset.md' };

function searchMarkdown(s: Selection): string {
  const parts = [`## Search (selection on validation ${metricTitle(s.metric)}; test never read)`, ''];
  for (const g of s.groups) {
    parts.push(`### ${g.label}`, '');
    if (g.trials.length <= 1) { parts.push(`One configuration (${g.chosen.id}); no search.`, ''); continue; }
    if (g.halving) { parts.push(...halvingMarkdown(g, g.halving, s.metric)); continue; }
    const rows = [...g.trials].sort((a, b) => b.valid - a.valid).map((t) => [t.id === g.chosen.id ? `**${t.id}** (chosen)` : t.id, (100 * t.valid).toFixed(2)]);
    parts.push(markdownTable(['trial', `valid ${metricTitle(s.metric)} (%), seed ${g.search_seed}`], rows));
  }
  return parts.join('\n');
}

const percent = (v: number | null) => (v === null || Number.isNaN(v) ? '–' : (100 * v).toFixed(2));

/** A halving search: each trial's value at every rung it reached, its epochs, and where it stopped; best first. */
function halvingMarkdown(g: SelectedGroup, h: NonNullable<SelectedGroup['halving']>, metric: string): string[] {
  const trials = g.trials as HalvingTrialRecord[];
  // Survivors first, then by the rung reached, then by the value there.
  const order = [...trials].sort((a, b) => Number(a.cut) - Number(b.cut) || b.rung - a.rung || (b.valid ?? -Infinity) - (a.valid ?? -Infinity));
  const rows = order.map((t) => [
    t.id === g.chosen.id ? `**${t.id}** (chosen)` : t.id,
    ...h.rungs.map((_, k) => (k < t.rung_valid.length ? percent(t.rung_valid[k]) : '')),
    t.cut ? '' : percent(t.valid), String(t.epochs), t.cut ? `cut at rung ${t.rung}` : 'finished',
  ]);
  const header = ['trial', ...h.rungs.map((r, k) => `rung ${k + 1} (${r} ep.)`), `final valid ${metricTitle(metric)} (%)`, 'epochs', 'outcome'];
  const about = `Successive halving, η = ${h.reduction_factor}, seed ${g.search_seed}: validation ${metricTitle(metric)} (%) — the best up to each rung; the best 1/η of the trials at a rung went on.`;
  return [about, '', markdownTable(header, rows)];
}

export function datasetMarkdown(st: DatasetStats): string {
  const q = (d: DatasetStats['userDegree']) => `median ${d.p50}, mean ${d.mean.toFixed(1)}, max ${d.max}`;
  const rows = [
    ['users', String(st.users)], ['items', String(st.items)], ['interactions', String(st.interactions)],
    ['train / valid / test', `${st.splits.train} / ${st.splits.valid} / ${st.splits.test}`],
    ['density', st.density.toPrecision(3)], ['interactions per user', q(st.userDegree)], ['interactions per item', q(st.itemDegree)],
    ['label classes', String(st.labels)], ['modalities', Object.entries(st.modalities).map(([m, d]) => `${m} (${d}-d)`).join(', ') || 'none'],
  ];
  const banner = st.synthetic ? ['**SYNTHETIC dataset** — generated data, not real users.', ''] : [];
  return [`## Dataset ${st.name}`, '', ...banner, markdownTable(['statistic', 'value'], rows, ['l', 'l'])].join('\n');
}

const titleOf = (spec: PipelineSpec, datasetName: string) => spec.report!.title ?? `${spec.name}: test results on ${datasetName}`;

export const reportStep: StepDefinition = {
  name: 'report',
  config: (spec) => spec.report,
  run: async (ctx: StepContext) => {
    const r = ctx.spec.report!;
    const ds = readDataset(artifact(ctx, 'data', 'dataset'));
    const selection = readSelection(artifact(ctx, 'train', 'root'));
    const table = buildResultsTable(loadRunGroups(selection, { perUser: true }), { title: titleOf(ctx.spec, ds.meta.name), metrics: r.metrics, baseline: r.baseline, alpha: r.alpha });
    mkdirSync(ctx.dir, { recursive: true });
    const files = {
      markdown: resultsMarkdown(table), csv: resultsCsv(table), latex: resultsLatex(table),
      search: searchMarkdown(selection), dataset: datasetMarkdown(datasetStats(ds)),
    };
    const artifacts: Record<string, string> = {};
    for (const [key, text] of Object.entries(files)) {
      artifacts[key] = join(ctx.dir, REPORT_FILES[key as keyof typeof REPORT_FILES]);
      writeFileAtomic(artifacts[key], text);
    }
    artifacts.table = join(ctx.dir, 'table.json');
    writeJson(artifacts.table, table);
    return { artifacts, digestOf: [artifacts.csv], summary: table.rows.map((row) => `${row.label}: ${r.metrics.map((m) => `${m} ${(100 * row.test[m].mean).toFixed(2)}`).join(', ')}`) };
  },
};
