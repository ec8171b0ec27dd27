// Successive halving and parallel runs on the tiny synthetic dataset: halving picks the grid's
// winner while the cut trials train fewer epochs; a re-run of a finished halving search trains
// nothing; `jobs: 2` (child processes) writes the same metrics as one job.
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { loadPipeline } from '../../src/pipeline/load.ts';
import { runPipeline, type StepOutcome } from '../../src/pipeline/runner.ts';
import { readSelection } from '../../src/pipeline/steps/train.ts';
import { RUN_CUT } from '../../src/pipeline/runs.ts';
import type { HalvingTrialRecord } from '../../src/pipeline/halving-search.ts';
import { RUN_FILES, readJson } from '../../src/run/files.ts';
import type { RunMetrics } from '../../src/run/config.ts';

// Learning rates far apart: after two epochs the ranking already points at the final winner.
const pipeline = (name: string, search: string, seeds: string, extra = '') => `
name: ${name}
data: { synth: { users: 120, items: 80, categories: 4, density: 0.08, imageDim: 32, textDim: 16, seed: 5 } }
train:
  backbones: [bm3]
  variants: [vanilla]
  epochs: 6
  patience: 6
  set: { embedding_dim: 16 }
  search: { ${search}, params: { lr: [0.00001, 0.0001, 0.01, 0.05] } }
  seeds: ${seeds}
${extra}`;

const actions = (outcomes: StepOutcome[]) => Object.fromEntries(outcomes.map((o) => [o.step, o.action]));
const logEpochs = (dir: string) => readFileSync(join(dir, RUN_FILES.log), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { epoch: number; valid?: Record<string, number> });
/** What must not depend on how the run was scheduled: every metric, the best epoch, the epochs run (not the timing). */
const results = (m: RunMetrics) => ({ valid: m.valid, test: m.test, best_epoch: m.best_epoch, epochs_run: m.epochs_run });

/** Every run directory below a train step (relative), with what it recorded. */
function runRecords(trainDir: string, runDirs: string[]) {
  return Object.fromEntries(runDirs.map((d) => [relative(trainDir, d), {
    metrics: existsSync(join(d, RUN_FILES.metrics)) ? results(readJson<RunMetrics>(join(d, RUN_FILES.metrics))) : null,
    valid: logEpochs(d).map((l) => l.valid ?? null),
  }]));
}

test('successive halving on the tiny dataset', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sgfd-halving-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'grid.yaml'), pipeline('grid', 'method: grid', '[1]'));
  writeFileSync(join(dir, 'halving.yaml'), pipeline('halving', 'method: halving, rungs: [2], reduction_factor: 2', '[1, 2]', 'report: {}\n'));
  const out = join(dir, 'runs');
  const logs: string[] = [];
  const run = (file: string, jobs?: number, into = out) => runPipeline(loadPipeline(join(dir, file)), { out: into, quiet: true, jobs, log: (m) => logs.push(m) });
  const trialDir = (root: string, id: string) => join(root, 'train/bm3/vanilla', id, 'seed-1');
  const halvingRoot = join(out, 'halving');
  const trialDirs = (root: string) => readSelection(join(root, 'train')).groups[0].trials.map((x) => trialDir(root, x.id));

  await t.test('halving picks the grid\'s winner; the cut trials trained fewer epochs than the survivors', async () => {
    await run('grid.yaml');
    await run('halving.yaml');
    const grid = readSelection(join(out, 'grid/train')).groups[0];
    const halving = readSelection(join(halvingRoot, 'train')).groups[0];
    assert.equal(halving.chosen.id, grid.chosen.id);
    assert.equal(halving.chosen.id, 'lr=0.05', 'the case is built so: the largest lr wins');
    assert.deepEqual(halving.halving, { reduction_factor: 2, rungs: [2] });
    // Stopping at the rung and resuming continues the same run: the winner's metrics are the grid's.
    assert.deepEqual(readJson<RunMetrics>(join(trialDir(halvingRoot, halving.chosen.id), RUN_FILES.metrics)).valid,
      readJson<RunMetrics>(join(trialDir(join(out, 'grid'), grid.chosen.id), RUN_FILES.metrics)).valid);
    const trials = halving.trials as HalvingTrialRecord[];
    const cut = trials.filter((x) => x.cut);
    const survivors = trials.filter((x) => !x.cut);
    assert.equal(cut.length, 2, '4 trials, η = 2: two cut at the rung');
    for (const x of trials) assert.equal(x.rung_valid.length, 1);
    const survivorEpochs = survivors.map((x) => logEpochs(trialDir(halvingRoot, x.id)).at(-1)!.epoch);
    for (const x of cut) {
      const d = trialDir(halvingRoot, x.id);
      assert.equal(logEpochs(d).at(-1)!.epoch, 2, `${x.id} stopped at the 2-epoch rung`);
      assert.ok(survivorEpochs.every((e) => e > 2), `survivors trained on (${survivorEpochs})`);
      assert.equal(x.epochs, 2);
      assert.ok(!existsSync(join(d, RUN_FILES.metrics)), 'a cut trial never finished');
      assert.deepEqual(readJson(join(d, RUN_CUT)), { rung: 1, epoch: 2, valid: x.rung_valid[0] });
      for (const s of survivors) assert.ok(s.rung_valid[0]! >= x.rung_valid[0]!, `${s.id} ranked above ${x.id} at the rung`);
    }
    // Test is scored for the chosen trial only, once it is chosen.
    for (const s of survivors) {
      const test = readJson<RunMetrics>(join(trialDir(halvingRoot, s.id), RUN_FILES.metrics)).test;
      assert.equal(Object.keys(test).length > 0, s.id === halving.chosen.id, s.id);
    }
    assert.ok(existsSync(join(halvingRoot, 'train/bm3/vanilla/lr=0.05/seed-2', RUN_FILES.metrics)), 'the chosen configuration ran its other seed');
    assert.match(readFileSync(join(halvingRoot, 'report/search.md'), 'utf8'), /\| \*\*lr=0\.05\*\* \(chosen\) \|.*\| finished \|[\s\S]*\| cut at rung 1 \|/);
  });

  await t.test('a re-run of a finished halving pipeline trains nothing', async () => {
    const before = readFileSync(join(halvingRoot, 'train', 'selection.json'), 'utf8');
    const stamps = trialDirs(halvingRoot).map((d) => statSync(join(d, RUN_FILES.log)).mtimeMs);
    assert.equal(actions(await run('halving.yaml')).train, 'skipped');
    // Even with the step's record gone, the search replays from the runs' logs without training.
    rmSync(join(halvingRoot, 'train/step.json'));
    logs.length = 0;
    assert.equal(actions(await run('halving.yaml', undefined)).train, 'ran');
    assert.ok(!logs.some((l) => /\b(trained|resumed)\b/.test(l)), logs.join('\n'));
    assert.equal(logs.filter((l) => l.includes('already there')).length, 4, logs.join('\n'));
    assert.equal(readFileSync(join(halvingRoot, 'train', 'selection.json'), 'utf8'), before);
    assert.deepEqual(trialDirs(halvingRoot).map((d) => statSync(join(d, RUN_FILES.log)).mtimeMs), stamps);
  });

  await t.test('--jobs 2 gives every run the same metrics and validation curve as one job', async () => {
    const parallelOut = join(dir, 'parallel');
    logs.length = 0;
    await run('halving.yaml', 2, parallelOut);
    assert.ok(logs.some((l) => l.includes('up to 2 runs at once (each its own process), 1 thread each')), logs.join('\n'));
    const parallelRoot = join(parallelOut, 'halving');
    const dirsOf = (root: string) => [...trialDirs(root), join(root, 'train/bm3/vanilla/lr=0.05/seed-2')];
    const one = runRecords(join(halvingRoot, 'train'), dirsOf(halvingRoot));
    const two = runRecords(join(parallelRoot, 'train'), dirsOf(parallelRoot));
    assert.equal(Object.values(one).filter((r) => r.metrics).length, 3, 'two survivors and the other seed finished');
    assert.deepEqual(two, one);
    assert.equal(readFileSync(join(parallelRoot, 'train', 'selection.json'), 'utf8'), readFileSync(join(halvingRoot, 'train', 'selection.json'), 'utf8'));
  });
});
