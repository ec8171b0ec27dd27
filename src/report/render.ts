// Charts: a Vega-Lite spec compiled to Vega, rendered headlessly to SVG by Vega's own renderer, and
// the SVG rasterised to PNG by resvg. Both files written atomically beside each other.
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { Resvg } from '@resvg/resvg-js';
import { writeFileAtomic } from '../data/index.ts';

/** One font for measuring (Vega) and drawing (resvg) so labels fit; DejaVu ships with most Linux systems. */
export const CHART_FONT = 'DejaVu Sans';

export const CHART_CONFIG = {
  font: CHART_FONT,
  background: 'white',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  header: { labelFontSize: 12, titleFontSize: 12 },
  title: { fontSize: 14 },
};

export interface RenderedChart { svg: string; png: Uint8Array; width: number; height: number; scale: number }

/** The size an SVG declares on its root element. */
export function svgSize(svg: string): { width: number; height: number } {
  const root = /<svg\b[^>]*>/.exec(svg)?.[0];
  const attr = (name: string) => Number(new RegExp(`\\b${name}="([0-9.]+)"`).exec(root ?? '')?.[1]);
  const width = attr('width');
  const height = attr('height');
  if (!root || !(width > 0) || !(height > 0)) throw new Error('chart: the renderer produced no sized <svg> root');
  return { width, height };
}

/** Renders a Vega-Lite spec: SVG at its natural size, PNG at `scale` × that size. */
export async function renderChart(spec: TopLevelSpec, scale = 2): Promise<RenderedChart> {
  const withConfig = { ...spec, config: { ...CHART_CONFIG, ...(spec.config ?? {}) } } as TopLevelSpec;
  const view = new vega.View(vega.parse(compile(withConfig).spec), { renderer: 'none', logLevel: vega.Error });
  const svg = await view.toSVG();
  view.finalize();
  const { width, height } = svgSize(svg);
  const png = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: CHART_FONT },
  }).render().asPng();
  return { svg, png, width, height, scale };
}

/** Writes `<base>.svg` and `<base>.png`; returns both paths. */
export async function writeChart(base: string, spec: TopLevelSpec, scale = 2): Promise<{ svg: string; png: string }> {
  const chart = await renderChart(spec, scale);
  writeFileAtomic(`${base}.svg`, chart.svg);
  writeFileAtomic(`${base}.png`, chart.png);
  return { svg: `${base}.svg`, png: `${base}.png` };
}

/** Width and height from a PNG's IHDR chunk (after the 8-byte signature); throws if not a PNG. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 24 || signature.some((b, i) => bytes[i] !== b) || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') {
    throw new Error('not a PNG file (signature or IHDR missing)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}
