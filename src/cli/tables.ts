// Plain-text tables for the terminal.

/** Rows = metric names, columns = split × K, from `{split: {"recall@20": x, …}}`. */
export function metricsTable(bySplit: Record<string, Record<string, number>>): string {
  const splits = Object.keys(bySplit);
  const keys = Object.keys(bySplit[splits[0]] ?? {});
  const names = [...new Set(keys.map((k) => k.split('@')[0]))];
  const ks = [...new Set(keys.map((k) => Number(k.split('@')[1])))].sort((a, b) => a - b);
  const header = ['metric', ...splits.flatMap((s) => ks.map((k) => `${s}@${k}`))];
  const rows = names.map((n) => [n, ...splits.flatMap((s) => ks.map((k) => (bySplit[s][`${n}@${k}`] ?? NaN).toFixed(4)))]);
  return formatRows([header, ...rows]);
}

export function formatRows(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((x, c) => (c === 0 ? x.padEnd(widths[c]) : x.padStart(widths[c]))).join('  ')).join('\n') + '\n';
}
