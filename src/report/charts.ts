// The plots people look at, as Vega-Lite specs built from plain rows: learning curves (loss terms
// and the validation metric per epoch), per-variant bars with ± std whiskers (ablations, Fig. 3),
// and t-SNE maps of item features coloured by category (Fig. 4).
import type { TopLevelSpec } from 'vega-lite';
import { metricTitle } from './results-table.ts';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** One point of a learning curve: `panel` is a loss term (`loss`, `ld`, …) or `valid <metric>`. */
export interface CurvePoint { variant: string; seed: number; epoch: number; panel: string; value: number }

export function learningCurvesSpec(points: CurvePoint[], title: string, o: { columns?: number; panelWidth?: number; panelHeight?: number } = {}): TopLevelSpec {
  // The validation metric first (what selection watches), then the loss terms as they appear.
  const panels = [...new Set(points.map((p) => p.panel))].sort((a, b) => Number(b.startsWith('valid ')) - Number(a.startsWith('valid ')));
  return {
    $schema: SCHEMA,
    title,
    data: { values: points.map((p) => ({ ...p, run: `${p.variant} · seed ${p.seed}` })) },
    facet: { field: 'panel', type: 'nominal', title: null, sort: panels },
    columns: o.columns ?? 3,
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: o.panelWidth ?? 240,
      height: o.panelHeight ?? 150,
      mark: { type: 'line', strokeWidth: 1.5 },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', title: 'epoch' },
        y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
        color: { field: 'variant', type: 'nominal', title: 'variant' },
        detail: { field: 'run', type: 'nominal' },
        strokeDash: { field: 'seed', type: 'nominal', title: 'seed' },
      },
    },
  } as TopLevelSpec;
}

/** One bar: a variant's mean test metric with its standard deviation over seeds (fractions). */
export interface BarRow { variant: string; metric: string; mean: number; std: number }

/** Grouped bars (variants on x, one bar per metric), percent scale, whiskers at mean ± std; a single view, so width × height is exact. */
export function variantBarsSpec(rows: BarRow[], title: string, o: { width?: number; height?: number } = {}): TopLevelSpec {
  const variants = [...new Set(rows.map((r) => r.variant))];
  const metrics = [...new Set(rows.map((r) => metricTitle(r.metric)))];
  const values = rows.map((r) => ({
    variant: r.variant, metric: metricTitle(r.metric), mean: 100 * r.mean, lo: 100 * (r.mean - r.std), hi: 100 * (r.mean + r.std),
  }));
  const x = { field: 'variant', type: 'nominal', sort: variants, title: null, axis: { labelAngle: variants.some((v) => v.length > 8) ? -30 : 0 } };
  return {
    $schema: SCHEMA,
    title,
    width: o.width ?? 560,
    height: o.height ?? 320,
    autosize: { type: 'fit', contains: 'padding' },
    data: { values },
    encoding: { x, xOffset: { field: 'metric', type: 'nominal', sort: metrics } },
    layer: [
      { mark: 'bar', encoding: { y: { field: 'mean', type: 'quantitative', title: 'test metric (%)' }, color: { field: 'metric', type: 'nominal', title: 'test metric', sort: metrics } } },
      { mark: { type: 'rule', color: 'black' }, encoding: { y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
    ],
  } as TopLevelSpec;
}

/** One item in a t-SNE map: which feature source (original extractor, teacher, student) and its category. */
export interface MapPoint { source: string; x: number; y: number; category: string }

export function tsneSpec(points: MapPoint[], title: string, o: { panelSize?: number } = {}): TopLevelSpec {
  const sources = [...new Set(points.map((p) => p.source))];
  const categories = new Set(points.map((p) => p.category)).size;
  const noAxis = { title: null, axis: null, scale: { zero: false } };
  return {
    $schema: SCHEMA,
    title,
    data: { values: points },
    facet: { field: 'source', type: 'nominal', title: null, sort: sources },
    columns: sources.length,
    resolve: { scale: { x: 'independent', y: 'independent' } },
    spec: {
      width: o.panelSize ?? 300,
      height: o.panelSize ?? 300,
      mark: { type: 'circle', size: 14, opacity: 0.75 },
      encoding: {
        x: { field: 'x', type: 'quantitative', ...noAxis },
        y: { field: 'y', type: 'quantitative', ...noAxis },
        color: { field: 'category', type: 'nominal', title: 'category', scale: { scheme: categories > 10 ? 'category20' : 'tableau10' } },
      },
    },
  } as TopLevelSpec;
}
