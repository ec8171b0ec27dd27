// Peak memory of a whole `sgfd train` on a Toys-sized SYNTHETIC set (18,748 users × 11,673 items,
// ≈ 160k interactions, 4096-d image + 768-d text features, 19 categories; issue 12's target: SGFD-BM3
// < 1.5 GB). Each run is its own process; its peak RSS is the largest VmHWM read from
// /proc/<pid>/status while it runs (polled every 50 ms; VmHWM only grows). Baseline in the same run:
// vanilla BM3 on the same data. SGFD is measured twice: with stage 1 (the teacher trains on labels)
// and with the teacher cached (stage 2 alone). One epoch each: validation and test are scored once.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSynthetic } from '../src/data/synth.ts';
import { makeDataset } from '../src/data/dataset.ts';
import { writeDataset } from '../src/data/arrow-io.ts';

const TOYS = { users: 18748, items: 11673, density: 160000 / (18748 * 11673), imageDim: 4096, textDim: 768, categories: 19, seed: 1 };
// The shipped launcher (package.json "bin"), with the malloc settings it starts Node with.
const CLI = fileURLToPath(new URL('../bin/sgfd', import.meta.url));
const TARGET_MB = 1536;

function hwmKb(pid: number): number {
  try { return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0); } catch { return 0; }
}

/** Runs `sgfd train …` to completion; returns its peak RSS (MB) and wall seconds. */
function peakOf(args: string[]): Promise<{ mb: number; s: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(CLI, ['train', ...args, '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => { err += String(d); });
    let peak = 0;
    const poll = setInterval(() => { peak = Math.max(peak, hwmKb(child.pid!)); }, 50);
    child.on('exit', (code) => {
      clearInterval(poll);
      if (code !== 0) reject(new Error(`sgfd train ${args.join(' ')} failed (exit ${code}): ${err.trim().split('\n').pop()}`));
      else resolve({ mb: Math.round(peak / 1024), s: (performance.now() - t0) / 1000 });
    });
  });
}

export async function run(): Promise<void> {
  if (process.platform !== 'linux') { console.log('memory: skipped (reads /proc, Linux only)'); return; }
  const dir = mkdtempSync(join(tmpdir(), 'sgfd-bench-memory-'));
  try {
    const data = join(dir, 'toys');
    const ds = makeDataset(generateSynthetic(TOYS));
    await writeDataset(data, ds);
    console.log(`SYNTHETIC Toys-sized set: ${ds.nUsers} users × ${ds.nItems} items, ${ds.interactions.user.length} interactions, `
      + `image ${TOYS.imageDim}-d + text ${TOYS.textDim}-d, ${TOYS.categories} categories; bm3 shipped defaults, 1 epoch, 2 threads`);
    const common = ['--data', data, '--backbone', 'bm3', '--epochs', '1', '--threads', '2'];
    const vanilla = await peakOf([...common, '--out', join(dir, 'bm3')]);
    const withStage1 = await peakOf([...common, '--sgfd', '--out', join(dir, 'sgfd-1')]);
    const stage2 = await peakOf([...common, '--sgfd', '--out', join(dir, 'sgfd-2')]);
    const line = (what: string, r: { mb: number; s: number }) => console.log(`  ${what.padEnd(34)} peak RSS ${r.mb} MB (${(r.mb / vanilla.mb).toFixed(2)}× vanilla BM3), ${r.s.toFixed(0)} s wall`);
    line('bm3 (vanilla)', vanilla);
    line('sgfd-bm3, stage 1 + stage 2', withStage1);
    line('sgfd-bm3, teacher cached (stage 2)', stage2);
    console.log(`memory: toys_bm3_peak_mb=${vanilla.mb} toys_sgfd_bm3_peak_mb=${Math.max(withStage1.mb, stage2.mb)} toys_sgfd_stage2_peak_mb=${stage2.mb} target_mb=${TARGET_MB}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
