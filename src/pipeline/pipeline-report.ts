// runs/<pipeline>/report.md: one page that links everything a pipeline run left behind — steps and
// their state, dataset statistics, teacher accuracy, the results table, the search, the exported
// model, the scores and the plots (embedded, each with what it shows).
import { join, relative } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../data/index.ts';
import { markdownTable } from '../report/index.ts';
import type { LoadedPipeline } from './load.ts';
import type { StepName } from './spec.ts';
import type { StepRecord } from './step.ts';

const PLOT_CAPTIONS: [RegExp, string][] = [
  [/^curves-/, 'Learning curves: every training loss term and the validation metric per epoch, one line per variant × seed (dashes = seed).'],
  [/^bars-/, 'Test metrics per variant: bar = mean over seeds, whisker = ± one standard deviation.'],
  [/^tsne-/, 'Item features under t-SNE, coloured by category: the vanilla extractor, the SGFD teacher and the SGFD student (Fig. 4 of the paper).'],
];

export function writePipelineReport(p: LoadedPipeline, root: string, records: Partial<Record<StepName, StepRecord>>): string {
  const link = (path: string, text = relative(root, path)) => `[${text}](${relative(root, path)})`;
  const include = (path: string | undefined) => (path && existsSync(path) ? readFileSync(path, 'utf8') : '');
  const lines = [`# Pipeline ${p.spec.name}`, ''];
  if (p.spec.description) lines.push(p.spec.description.trim(), '');
  lines.push(`Pipeline file: \`${p.file}\`. Every step writes into \`${root}/<step>/\` and records its resolved configuration and input hash in \`step.json\`.`, '');
  const stepRows = Object.values(records).map((r) => [r!.step, r!.finished.replace('T', ' ').slice(0, 19), `${r!.seconds.toFixed(1)} s`, r!.summary[0] ?? '']);
  lines.push('## Steps', '', markdownTable(['step', 'finished', 'took', 'summary'], stepRows, ['l', 'l', 'r', 'l']));
  const { data, teacher, train, report, export: exported, score, plots } = records;
  if (data) lines.push(include(report?.artifacts.dataset) || `## Dataset\n\n${data.summary.join('\n')}\n`);
  if (teacher) lines.push('## Teacher (stage 1)', '', ...teacher.summary, '', `Details: ${link(teacher.artifacts.report)}; features: ${link(teacher.artifacts.features)}.`, '');
  if (report) {
    lines.push(include(report.artifacts.markdown));
    lines.push(`Also as ${link(report.artifacts.csv, 'CSV')} and ${link(report.artifacts.latex, 'LaTeX')}.`, '');
    lines.push(include(report.artifacts.search));
  }
  if (train) lines.push('## Runs', '', ...train.summary, '', `Every run directory (config.json, log.jsonl, checkpoint/, metrics.json, per-user metrics) is under ${link(train.artifacts.root)}; the choice of each configuration is in ${link(train.artifacts.selection)}.`, '');
  if (exported) lines.push('## Export', '', ...exported.summary, '', `Model directory: ${link(exported.artifacts.model)} (model card: ${link(join(exported.artifacts.model, 'model.json'))}).`, '');
  if (score) lines.push('## Scores', '', ...score.summary, '', `Arrow file: ${link(score.artifacts.scores)} (user_id, item_id, rank, score).`, '');
  if (plots) {
    lines.push('## Plots', '', ...plots.summary.map((s) => `- ${s}`), '');
    for (const [name, png] of Object.entries(plots.artifacts)) {
      const caption = PLOT_CAPTIONS.find(([re]) => re.test(name))?.[1] ?? '';
      lines.push(`### ${name}`, '', caption, '', `![${name}](${relative(root, png)})`, '', `SVG: ${link(png.replace(/\.png$/, '.svg'))}`, '');
    }
  }
  const path = join(root, 'report.md');
  writeFileAtomic(path, lines.join('\n'));
  return path;
}
