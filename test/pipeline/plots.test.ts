// Plots: charts render to a valid SVG and a PNG of the expected size; learning curves read the run
// logs. (t-SNE itself: tsne.test.ts.)
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderChart, writeChart, pngSize, svgSize } from '../../src/report/render.ts';
import { variantBarsSpec, learningCurvesSpec, tsneSpec } from '../../src/report/charts.ts';

const bars = variantBarsSpec([
  { variant: 'vanilla', metric: 'recall@20', mean: 0.12, std: 0.01 }, { variant: 'vanilla', metric: 'ndcg@20', mean: 0.06, std: 0.004 },
  { variant: 'sgfd', metric: 'recall@20', mean: 0.14, std: 0.012 }, { variant: 'sgfd', metric: 'ndcg@20', mean: 0.07, std: 0.003 },
], 'bars', { width: 400, height: 250 });

test('a single-view chart renders to exactly its size: SVG width × height, PNG scale × that', async () => {
  for (const scale of [1, 2]) {
    const c = await renderChart(bars, scale);
    assert.deepEqual(svgSize(c.svg), { width: 400, height: 250 });
    assert.deepEqual(pngSize(c.png), { width: 400 * scale, height: 250 * scale });
    assert.match(c.svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(c.svg, /<\/svg>\s*$/);
    assert.ok(c.svg.includes('sgfd') && c.svg.includes('Recall@20'), 'axis and legend labels are text in the SVG');
  }
});

test('PNG is not blank: the bars leave coloured pixels (size check alone would pass an empty canvas)', async () => {
  const c = await renderChart(bars, 1);
  const { Resvg } = await import('@resvg/resvg-js');
  const pixels = new Resvg(c.svg, { background: 'white' }).render().pixels;
  let coloured = 0;
  for (let i = 0; i < pixels.length; i += 4) if (Math.abs(pixels[i] - pixels[i + 2]) > 40) coloured++;
  assert.ok(coloured > 1000, `expected coloured bars, found ${coloured} coloured pixels`);
});

test('faceted charts (curves, t-SNE) write both files; the PNG is the SVG size × scale', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sgfd-plots-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const curves = learningCurvesSpec([1, 2, 3].flatMap((epoch) => [
    { variant: 'vanilla', seed: 1, epoch, panel: 'loss', value: 3 - epoch / 2 }, { variant: 'vanilla', seed: 1, epoch, panel: 'valid recall@20', value: epoch / 10 },
  ]), 'curves');
  const map = tsneSpec([0, 1, 2, 3].flatMap((i) => ['original', 'student'].map((source) => ({ source, x: i, y: i % 2, category: `c${i % 2}` }))), 'map', { panelSize: 120 });
  for (const [name, spec] of [['curves', curves], ['tsne', map]] as const) {
    const files = await writeChart(join(dir, name), spec, 2);
    const svg = readFileSync(files.svg, 'utf8');
    const size = svgSize(svg);
    assert.deepEqual(pngSize(readFileSync(files.png)), { width: Math.round(size.width * 2), height: Math.round(size.height * 2) });
    assert.ok(size.width > 240, `${name}: two panels side by side`);
  }
});

test('pngSize rejects a file that is not a PNG', () => {
  assert.throws(() => pngSize(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>')), /not a PNG/);
});

test('learning curves carry a panel per loss term, the validation metric and each gradient norm of a run log', async () => {
  const { curvePoints, gradPanel } = await import('../../src/pipeline/steps/plots.ts');
  const dir = mkdtempSync(join(tmpdir(), 'sgfd-curves-'));
  try {
    const lines = [1, 2].map((epoch) => JSON.stringify({
      epoch, losses: { loss: 3 - epoch, 'loss.fd': 0.5 / epoch }, valid: { 'recall@20': 0.1 * epoch },
      grad_norms: { fd: { extractor: 0.25 * epoch }, rec: { embeddings: 0.04 } },
    }));
    writeFileSync(join(dir, 'log.jsonl'), lines.join('\n') + '\n');
    const points = curvePoints([{ variant: 'sgfd', runs: [{ seed: 7, dir }] }], 'recall@20');
    const at = (panel: string, epoch: number) => points.find((p) => p.panel === panel && p.epoch === epoch)?.value;
    assert.equal(at(gradPanel('fd', 'extractor'), 2), 0.5);
    assert.equal(at(gradPanel('rec', 'embeddings'), 1), 0.04);
    assert.equal(at('loss.fd', 2), 0.25);
    assert.equal(at('valid recall@20', 2), 0.2);
    assert.equal(new Set(points.map((p) => p.panel)).size, 5);
    assert.ok(points.every((p) => p.seed === 7 && p.variant === 'sgfd'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
