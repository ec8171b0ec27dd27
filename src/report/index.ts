// src/report/ — results tables, charts and t-SNE.
// Its public surface: other folders import from here only (scripts/check-layout.ts); dynamic import()
// may reach a file directly, which keeps heavy modules lazily loaded.
export { type CurvePoint, type MapPoint, learningCurvesSpec, tsneSpec, variantBarsSpec } from './charts.ts';
export { writeChart } from './render.ts';
export { type RunGroup, type SeedRun, buildResultsTable, metricTitle, rowLabel, stat } from './results-table.ts';
export { markdownTable, resultsCsv, resultsLatex, resultsMarkdown } from './table-format.ts';
export { TSNE_METHODS, type TsneMethod, neighbourAgreement, tsne } from './tsne.ts';
