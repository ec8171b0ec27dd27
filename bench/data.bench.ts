// Data layer: import (MMRec .inter + .npy → Arrow) and load (Arrow → typed arrays) of a
// Toys-sized synthetic set (19k users, 12k items, 160k interactions, 4096-d + 768-d features).
// Baseline: reading the same bytes with readFileSync. Loading must not copy the feature matrices.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ITEMS_FILE, INTERACTIONS_FILE, readDataset } from '../src/data/arrow-io.ts';
import { importDataset } from '../src/data/import/pipeline.ts';
import { writeNpy } from '../src/data/npy.ts';
import { generateSynthetic } from '../src/data/synth.ts';
import { median, peakRssMb } from './stats.ts';

const TOYS = { users: 19000, items: 12000, density: 160000 / (19000 * 12000), imageDim: 4096, textDim: 768, seed: 1 };
const REPEATS = 3;

function timeIt(fn: () => unknown): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

async function timeItAsync(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

const mb = (bytes: number) => bytes / 2 ** 20;

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sgfd-bench-data-'));
  try {
    let parts: ReturnType<typeof generateSynthetic> | null = null;
    const genMs = timeIt(() => { parts = generateSynthetic(TOYS); });
    const p = parts!;
    const { user, item, split } = p.interactions;
    const lines = ['userID\titemID\trating\tx_label'];
    for (let r = 0; r < user.length; r++) lines.push(`${user[r]}\t${item[r]}\t1\t${split[r]}`);
    const src = { inter: join(dir, 'toys.inter'), image: join(dir, 'image.npy'), text: join(dir, 'text.npy'), labels: join(dir, 'labels.npy') };
    writeFileSync(src.inter, lines.join('\n') + '\n');
    writeNpy(src.image, p.modalities[0].data, [p.nItems, TOYS.imageDim]);
    writeNpy(src.text, p.modalities[1].data, [p.nItems, TOYS.textDim]);
    writeNpy(src.labels, p.labels!, [p.nItems]);
    parts = null;
    const inputBytes = Object.values(src).reduce((s, f) => s + statSync(f).size, 0);
    console.log(`synthetic Toys-size set: ${p.nUsers} users, ${p.nItems} items, ${user.length} interactions, image ${TOYS.imageDim}-d + text ${TOYS.textDim}-d; generated in ${(genMs / 1000).toFixed(1)} s`);

    const out = join(dir, 'toys');
    const importMs: number[] = [];
    for (let k = 0; k < REPEATS; k++) {
      importMs.push(await timeItAsync(() => importDataset({
        format: 'mmrec', inter: src.inter, labels: src.labels,
        features: [{ name: 'image', path: src.image }, { name: 'text', path: src.text }],
      }, out, { force: true })));
    }
    const files = [INTERACTIONS_FILE, ITEMS_FILE].map((f) => join(out, f));
    const datasetBytes = files.reduce((s, f) => s + statSync(f).size, 0);

    const readMs: number[] = [];
    const loadMs: number[] = [];
    let zeroCopy = true;
    for (let k = 0; k < REPEATS; k++) {
      readMs.push(timeIt(() => files.forEach((f) => readFileSync(f))));
      loadMs.push(timeIt(() => {
        const ds = readDataset(out);
        const itemsSize = statSync(files[1]).size;
        zeroCopy &&= ds.modalities.every((m) => m.data.buffer.byteLength === itemsSize);
      }));
    }
    const imp = median(importMs);
    const load = median(loadMs);
    const read = median(readMs);
    console.log(`input ${mb(inputBytes).toFixed(0)} MB (.inter + .npy), dataset ${mb(datasetBytes).toFixed(0)} MB (Arrow)`);
    console.log(`import  median ${imp.toFixed(0)} ms  ${(mb(inputBytes) / (imp / 1000)).toFixed(0)} MB/s  (mmrec → Arrow, validated, atomic write)`);
    console.log(`load    median ${load.toFixed(0)} ms  ${(mb(datasetBytes) / (load / 1000)).toFixed(0)} MB/s  (validated, SHA-256 checked, NaN scan, CSR built)`);
    console.log(`baseline readFileSync median ${read.toFixed(0)} ms; load / read = ${(load / read).toFixed(2)}x`);
    console.log(`feature matrices are views of the file buffer (no copy): ${zeroCopy ? 'yes' : 'NO'}`);
    console.log(`peak RSS ${peakRssMb()} MB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
