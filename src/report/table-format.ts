// Results tables as Markdown (report.md), CSV (raw fractions, full precision) and LaTeX (booktabs),
// and small generic Markdown tables. Metrics print as percentages like the paper; `*` marks a
// user-level paired-test p (per-user values averaged over seeds) below alpha against the row's
// baseline; the test over seeds and the pooled (seed, user) test have their own columns.
import { metricTitle, significant, type ResultsTable, type ResultRow, type Stat } from './results-table.ts';
import type { SeedComparison } from '../eval/index.ts';

const pct = (x: number) => (Number.isFinite(x) ? (100 * x).toFixed(2) : '—');
const signedPct = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${(100 * x).toFixed(2)}%` : '—');

const pValueText = (p: number | null | undefined) => (p === undefined || p === null || !Number.isFinite(p) ? '—' : p.toPrecision(2));

/** The three p-values of a row against its baseline: '—' without a baseline (or per-user values), 'n/a' for a seed test with < 2 seeds a side. */
function pCells(c: SeedComparison | undefined, welchMark: string, none: string): { user: string; seed: string; pooled: string } {
  if (!c) return { user: none, seed: none, pooled: none };
  const seed = c.seed ? `${pValueText(c.seed.p)}${c.seed.kind === 'welch' ? welchMark : ''}` : 'n/a';
  return { user: c.user ? pValueText(c.user.p) : none, seed, pooled: c.pooled === null ? none : pValueText(c.pooled) };
}

function cellText(s: Stat, star: boolean, plusMinus: string, starMark: string): string {
  const spread = s.n > 1 ? `${plusMinus}${pct(s.std)}` : '';
  return `${pct(s.mean)}${spread}${star ? starMark : ''}`;
}

function configText(c: ResultRow['config']): string {
  const parts = Object.entries(c).map(([k, v]) => `${k}=${v}`);
  return parts.length ? parts.join(', ') : 'defaults';
}

const seedList = (seeds: readonly number[]) => seeds.join(', ');

/** Notes for rows whose baseline ran other seeds, and for users left out of the user-level test. */
function rowNotes(t: ResultsTable): string[] {
  const notes: string[] = [];
  for (const r of t.rows) {
    if (!r.tests || !r.baselineSeeds) continue;
    const first = Object.values(r.tests)[0];
    if (first && !first.sameSeeds) {
      notes.push(`${r.label} ran seeds ${seedList(r.seeds)} and ${r.baseline} seeds ${seedList(r.baselineSeeds)}: each row's per-user values are averaged over its own seeds, and the test over seeds is Welch's.`);
    }
    const dropped = Math.max(0, ...Object.values(r.tests).map((c) => c.user?.dropped ?? 0));
    if (dropped > 0) notes.push(`${r.label} against ${r.baseline}: ${dropped} user(s) missing from some run left out of the user-level test.`);
  }
  return notes;
}

function footnotes(t: ResultsTable): string[] {
  return [
    `Test metrics in %, mean ± std over seeds (sample std). Δ = relative improvement over the backbone's \`${t.baseline}\` row.`,
    `\\* = two-tailed paired t-test over users against that row, p < ${t.alpha}: each user's metric is averaged over the row's seeds and over the baseline's seeds, and the per-user differences are tested (users are the independent unit); "p … (users)" columns give its p-value.`,
    `"p … (seeds)": the per-seed mean metric against the baseline's — a paired t-test by seed when both rows ran the same seeds, else Welch's t-test (marked Welch); n/a with fewer than 2 seeds a row.`,
    `"pooled (seed,user) p": a paired t-test over (seed, user) pairs of the seeds both rows ran; every user counts once per seed (pseudo-replication), so it understates p — for reference only, not the \\*.`,
    ...rowNotes(t),
    's/epoch = training seconds per epoch (mean over seeds).',
  ];
}

/** A Markdown table from a header and rows of cells. */
export function markdownTable(header: string[], rows: string[][], align: ('l' | 'r')[] = header.map((_, i) => (i === 0 ? 'l' : 'r'))): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const line = (cells: string[]) => `| ${cells.map(esc).join(' | ')} |`;
  return [line(header), `|${align.map((a) => (a === 'l' ? ':---' : '---:')).join('|')}|`, ...rows.map(line)].join('\n') + '\n';
}

export function resultsMarkdown(t: ResultsTable): string {
  const titles = t.metrics.map(metricTitle);
  const header = ['Model', ...titles.map((m) => `${m} (%)`), ...titles.map((m) => `Δ ${m}`), ...titles.map((m) => `p ${m} (users)`), ...titles.map((m) => `p ${m} (seeds)`),
    ...titles.map((m) => `pooled (seed,user) p ${m}`), `valid ${titles[0]} (%)`, 's/epoch', 'best epochs', 'seeds'];
  const rows = t.rows.map((r) => {
    const ps = t.metrics.map((m) => pCells(r.tests?.[m], ' (Welch)', '—'));
    return [
      r.label,
      ...t.metrics.map((m) => cellText(r.test[m], significant(t, r, m), ' ± ', '\\*')),
      ...t.metrics.map((m) => (r.improvement ? signedPct(r.improvement[m]) : '—')),
      ...ps.map((p) => p.user), ...ps.map((p) => p.seed), ...ps.map((p) => p.pooled),
      pct(r.valid[t.metrics[0]].mean),
      r.secondsPerEpoch.mean.toFixed(2),
      r.bestEpochs.join(', '),
      String(r.seeds.length),
    ];
  });
  const configs = t.rows.map((r) => `- ${r.label}: ${configText(r.config)}`);
  return [`## ${t.title}`, '', markdownTable(header, rows), ...footnotes(t).map((l) => `${l}  `), '', 'Chosen configurations (validation only):', '', ...configs, ''].join('\n');
}

function csvCell(v: string | number): string {
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : v;
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function resultsCsv(t: ResultsTable): string {
  const header = ['backbone', 'variant', 'label', 'seeds', 'n_seeds', 'baseline_seeds'];
  for (const m of t.metrics) {
    header.push(`${m}_mean`, `${m}_std`, `${m}_improvement`, `${m}_p_users`, `${m}_significant`, `${m}_users`, `${m}_users_dropped`,
      `${m}_p_seeds`, `${m}_seed_test`, `${m}_p_pooled`, `valid_${m}_mean`);
  }
  header.push('seconds_per_epoch', 'best_epochs', 'config');
  const rows = t.rows.map((r) => {
    const cells: (string | number)[] = [r.backbone, r.variant, r.label, r.seeds.join(' '), r.seeds.length, r.baselineSeeds?.join(' ') ?? ''];
    for (const m of t.metrics) {
      const c = r.tests?.[m];
      cells.push(r.test[m].mean, r.test[m].std, r.improvement?.[m] ?? '', c?.user?.p ?? '', c?.user ? String(significant(t, r, m)) : '', c?.user?.n ?? '', c?.user?.dropped ?? '',
        c?.seed?.p ?? '', c ? (c.seed?.kind ?? 'n/a') : '', c?.pooled ?? '', r.valid[m].mean);
    }
    cells.push(r.secondsPerEpoch.mean, r.bestEpochs.join(' '), configText(r.config));
    return cells.map(csvCell).join(',');
  });
  return [header.join(','), ...rows].join('\n') + '\n';
}

const texEscape = (s: string) => s.replace(/\\/g, '\\textbackslash{}').replace(/([&%$#_{}])/g, '\\$1').replace(/~/g, '\\textasciitilde{}').replace(/\^/g, '\\textasciicircum{}');

export function resultsLatex(t: ResultsTable): string {
  const titles = t.metrics.map(metricTitle);
  const cols = `l${'r'.repeat(t.metrics.length * 5 + 2)}`;
  const header = ['Model', ...titles.map((m) => `${m} (\\%)`), ...titles.map((m) => `$\\Delta$ ${m}`), ...titles.map((m) => `$p_{\\mathrm{users}}$ ${m}`),
    ...titles.map((m) => `$p_{\\mathrm{seeds}}$ ${m}`), ...titles.map((m) => `pooled $(s,u)$ $p$ ${m}`), 's/epoch', 'seeds'];
  const rows = t.rows.map((r) => {
    const ps = t.metrics.map((m) => pCells(r.tests?.[m], '$^{\\dagger}$', '--'));
    return [
      texEscape(r.label),
      ...t.metrics.map((m) => cellText(r.test[m], significant(t, r, m), '\\,$\\pm$\\,', '$^{*}$')),
      ...t.metrics.map((m) => (r.improvement ? texEscape(signedPct(r.improvement[m])) : '--')),
      ...ps.map((p) => p.user), ...ps.map((p) => p.seed), ...ps.map((p) => p.pooled),
      r.secondsPerEpoch.mean.toFixed(2),
      String(r.seeds.length),
    ].join(' & ') + ' \\\\';
  });
  const caption = `${texEscape(t.title)}. Mean $\\pm$ std over seeds; $^{*}$: two-tailed paired t-test over users (each user's metric averaged over seeds) $p < ${t.alpha}$ against ${texEscape(t.baseline)}; `
    + `$p_{\\mathrm{seeds}}$: per-seed means, paired by seed ($^{\\dagger}$: Welch's, seeds differ); pooled $(s,u)$: over (seed, user) pairs, pseudo-replicated, for reference only`;
  return [
    '% Generated by sgfd pipeline; needs \\usepackage{booktabs}.',
    '\\begin{table}[t]', '\\centering', `\\caption{${caption}.}`,
    `\\begin{tabular}{${cols}}`, '\\toprule', header.join(' & ') + ' \\\\', '\\midrule', ...rows, '\\bottomrule', '\\end{tabular}', '\\end{table}', '',
  ].join('\n');
}
