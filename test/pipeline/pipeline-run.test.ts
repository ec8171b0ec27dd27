// A tiny pipeline on synthetic data end to end: every step runs and leaves its files; a re-run skips
// finished steps (also runs written before later SGFD settings existed); --force redoes one; a config change makes a step stale; the search picks on
// validation even when test disagrees; an interrupted run resumes; a run on other data retrains.
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { loadPipeline, type LoadedPipeline } from '../../src/pipeline/load.ts';
import { runPipeline, pipelineStatus, type StepOutcome } from '../../src/pipeline/runner.ts';
import { readSelection } from '../../src/pipeline/steps/train.ts';
import { RUN_INPUTS } from '../../src/pipeline/runs.ts';
import { pngSize, svgSize } from '../../src/report/render.ts';
import { RUN_FILES, readJson, writeJson } from '../../src/run/files.ts';
import type { RunMetrics } from '../../src/run/config.ts';
import { SGFD_LATER_SETTINGS } from '../../src/sgfd/config.ts';

const TINY = `
name: tiny
data: { synth: { users: 120, items: 80, categories: 4, density: 0.08, imageDim: 32, textDim: 16, seed: 5 } }
teacher: { epochs: 2, latent_dim: 16 }
train:
  backbones: [bm3]
  variants: [vanilla, sgfd]
  epochs: 2
  patience: 2
  set: { embedding_dim: 16 }
  search: { params: { lr: [0.001, 0.01] } }
  seeds: [1, 2]
report: {}
export: {}
score: { k: 5 }
plots: { tsne: { iterations: 60, perplexity: 5 } }
`;

const actions = (outcomes: StepOutcome[]) => Object.fromEntries(outcomes.map((o) => [o.step, o.action]));

test('tiny pipeline: run, skip, force, stale, selection on validation, resume', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sgfd-pipeline-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'tiny.yaml'), TINY);
  const p = loadPipeline(join(dir, 'tiny.yaml'));
  const out = join(dir, 'runs');
  const root = join(out, 'tiny');
  const logs: string[] = [];
  const run = (o: { only?: 'train'; force?: ('report' | 'train')[] } = {}, pipeline: LoadedPipeline = p) => runPipeline(pipeline, { out, quiet: true, log: (m) => logs.push(m), ...o });

  await t.test('first run: every step runs and leaves its files', async () => {
    const first = await run();
    assert.deepEqual(actions(first), { data: 'ran', teacher: 'ran', train: 'ran', report: 'ran', export: 'ran', score: 'ran', plots: 'ran' });
    for (const f of ['report.md', 'pipeline.json', 'report/results.md', 'report/results.csv', 'report/results.tex', 'report/search.md', 'report/dataset.md',
      'teacher/teacher.json', 'teacher/teacher_features.safetensors', 'export/model/model.json', 'train/selection.json']) {
      assert.ok(existsSync(join(root, f)), `${f} exists`);
    }
    const csv = readFileSync(join(root, 'report/results.csv'), 'utf8').trim().split('\n');
    assert.equal(csv.length, 3, 'header + BM3 + SGFD-BM3');
    assert.match(readFileSync(join(root, 'report.md'), 'utf8'), /\| SGFD-BM3 \|[\s\S]*!\[tsne-bm3\]\(plots\/tsne-bm3\.png\)/);
    for (const name of ['curves-bm3', 'bars-bm3', 'tsne-bm3']) {
      const size = svgSize(readFileSync(join(root, 'plots', `${name}.svg`), 'utf8'));
      assert.deepEqual(pngSize(readFileSync(join(root, 'plots', `${name}.png`))), { width: Math.round(size.width * 2), height: Math.round(size.height * 2) });
    }
    assert.deepEqual(pngSize(readFileSync(join(root, 'plots/bars-bm3.png'))), { width: 1120, height: 640 });
    const scores = tableFromIPC(readFileSync(join(root, 'score/scores.arrow')));
    assert.deepEqual(scores.schema.fields.map((f) => f.name), ['user_id', 'item_id', 'rank', 'score']);
    assert.ok(scores.numRows > 100 * 5 && scores.numRows <= 120 * 5, `${scores.numRows} rows of top-5`);
    const selection = readSelection(join(root, 'train'));
    assert.deepEqual(selection.groups.map((g) => [g.variant, g.trials.length, g.runs.length]), [['vanilla', 2, 2], ['sgfd', 2, 2]]);
    for (const g of selection.groups) {
      const best = g.trials.reduce((a, b) => (b.valid > a.valid ? b : a));
      assert.equal(g.chosen.id, best.id, `${g.variant}: the trial with the best validation recall@20`);
    }
  });

  await t.test('a re-run skips every finished step and touches no run', async () => {
    const metrics = join(readSelection(join(root, 'train')).groups[0].runs[0].dir, RUN_FILES.metrics);
    const before = statSync(metrics).mtimeMs;
    const again = await run();
    assert.deepEqual(new Set(Object.values(actions(again))), new Set(['skipped']));
    assert.equal(statSync(metrics).mtimeMs, before);
  });

  await t.test('--force report redoes that step only', async () => {
    const stamp = readJson<{ finished: string }>(join(root, 'report/step.json')).finished;
    const forced = await run({ force: ['report'] });
    assert.deepEqual(actions(forced), { data: 'skipped', teacher: 'skipped', train: 'skipped', report: 'ran', export: 'skipped', score: 'skipped', plots: 'skipped' });
    assert.notEqual(readJson<{ finished: string }>(join(root, 'report/step.json')).finished, stamp);
  });

  await t.test('a changed setting makes its step stale (status, dry run) and leaves the others done', async () => {
    assert.deepEqual(pipelineStatus(p, out).map((s) => s.state), Array(7).fill('done'));
    const changed = { ...p, spec: { ...p.spec, report: { ...p.spec.report!, alpha: 0.01 } } };
    assert.equal(pipelineStatus(changed, out).find((s) => s.step === 'report')!.state, 'stale');
    const dry = await runPipeline(changed, { out, dryRun: true, quiet: true });
    assert.deepEqual(actions(dry), { data: 'up to date', teacher: 'up to date', train: 'up to date', report: 'would run', export: 'up to date', score: 'up to date', plots: 'up to date' });
    assert.equal(dry.find((o) => o.step === 'report')!.reason, 'inputs changed');
    assert.equal(readJson<{ config: { alpha: number } }>(join(root, 'report/step.json')).config.alpha, 0.05, 'a dry run changes nothing');
  });

  await t.test('the search picks by validation even when test says otherwise', async () => {
    const selection = readSelection(join(root, 'train'));
    const vanilla = selection.groups.find((g) => g.variant === 'vanilla')!;
    const loser = vanilla.trials.find((x) => x.id !== vanilla.chosen.id)!;
    const trialMetrics = (id: string) => join(root, 'train/bm3/vanilla', id, 'seed-1', RUN_FILES.metrics);
    const doctor = (id: string, valid: number, test: number) => {
      const m = readJson<RunMetrics>(trialMetrics(id));
      writeJson(trialMetrics(id), { ...m, valid: { ...m.valid, 'recall@20': valid }, test: { ...m.test, 'recall@20': test } });
    };
    doctor(loser.id, 0.9, 0.01); // best on validation, worst on test
    doctor(vanilla.chosen.id, 0.1, 0.99); // the reverse
    rmSync(join(root, 'train/step.json'));
    await run({ only: 'train' });
    const after = readSelection(join(root, 'train')).groups.find((g) => g.variant === 'vanilla')!;
    assert.equal(after.chosen.id, loser.id);
    assert.ok(existsSync(join(root, 'train/bm3/vanilla', loser.id, 'seed-2', RUN_FILES.metrics)), 'the newly chosen trial ran its other seed');
  });

  await t.test('an interrupted run (checkpoint, no metrics) is resumed, not restarted', async () => {
    const sgfd = readSelection(join(root, 'train')).groups.find((g) => g.variant === 'sgfd')!;
    const interrupted = sgfd.runs[1].dir;
    rmSync(join(interrupted, RUN_FILES.metrics));
    rmSync(join(root, 'train/step.json'));
    logs.length = 0;
    await run({ only: 'train' });
    assert.ok(existsSync(join(interrupted, RUN_FILES.metrics)));
    assert.ok(logs.some((l) => l.includes(`sgfd ${sgfd.chosen.id} seed 2`) && l.includes('resumed')), logs.join('\n'));
    assert.ok(logs.filter((l) => l.includes('already finished')).length >= 5, 'the other runs were kept');
  });

  await t.test('a run trained on other data (digest) is retrained', async () => {
    const vanilla = readSelection(join(root, 'train')).groups.find((g) => g.variant === 'vanilla')!;
    const run0 = vanilla.runs[0].dir;
    writeJson(join(run0, RUN_INPUTS), { data: 'another dataset' });
    rmSync(join(root, 'train/step.json'));
    logs.length = 0;
    await run({ only: 'train' });
    assert.ok(logs.some((l) => l.includes(`${run0}: trained with other settings or data; retraining`)), logs.join('\n'));
    assert.equal(readJson<{ data: string }>(join(run0, RUN_INPUTS)).data, readJson<{ digest: string }>(join(root, 'data/step.json')).digest);
  });

  await t.test('runs written before later SGFD settings existed are still done (read with the values they ran with)', async () => {
    const sgfd = readSelection(join(root, 'train')).groups.find((g) => g.variant === 'sgfd')!;
    const path = join(sgfd.runs[0].dir, RUN_FILES.config);
    const saved = readJson<{ sgfd: Record<string, unknown>; teacher: Record<string, unknown> }>(path);
    const strip = (c: Record<string, unknown>) => Object.fromEntries(Object.entries(c).filter(([k]) => !Object.keys(SGFD_LATER_SETTINGS).includes(k)));
    const metrics = join(sgfd.runs[0].dir, RUN_FILES.metrics);
    const before = statSync(metrics).mtimeMs;
    const retrain = async () => { rmSync(join(root, 'train/step.json')); await run({ only: 'train' }); return statSync(metrics).mtimeMs !== before; };
    writeJson(path, { ...saved, sgfd: strip(saved.sgfd), teacher: strip(saved.teacher) });
    assert.equal(await retrain(), false, 'the run is done, not stale');
    writeJson(path, { ...saved, sgfd: { ...strip(saved.sgfd), kdDecayEpochs: 5 } });
    assert.equal(await retrain(), true, 'a later setting at another value is another run: retrained');
    assert.equal(readJson<{ sgfd: { kdDecayEpochs: number } }>(path).sgfd.kdDecayEpochs, 0);
  });

  await t.test('a run `sgfd train` wrote (gradNorms: false) is done; one logging gradient norms is another run', async () => {
    const vanilla = readSelection(join(root, 'train')).groups.find((g) => g.variant === 'vanilla')!;
    const path = join(vanilla.runs[1].dir, RUN_FILES.config);
    const saved = readJson<{ train: Record<string, unknown> }>(path);
    const metrics = join(vanilla.runs[1].dir, RUN_FILES.metrics);
    const before = statSync(metrics).mtimeMs;
    const retrain = async () => { rmSync(join(root, 'train/step.json')); await run({ only: 'train' }); return statSync(metrics).mtimeMs !== before; };
    writeJson(path, { ...saved, train: { ...saved.train, gradNorms: false } });
    assert.equal(await retrain(), false, 'gradNorms false is the pipeline default: done');
    writeJson(path, { ...saved, train: { ...saved.train, gradNorms: true } });
    assert.equal(await retrain(), true, 'a run with gradient-norm outputs is not the pipeline\'s: retrained');
  });
});

test('a variant or backbone may run its own seeds: the plan lists them and counts the runs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sgfd-pipeline-seeds-'));
  try {
    writeFileSync(join(dir, 'seeds.yaml'), `
name: seeds
data: { synth: { users: 60, items: 40 } }
train:
  backbones:
    - { name: bm3, variants: [vanilla, { name: sgfd-l, variant: sgfd-l, seeds: [1] }] }
    - { name: lightgcn, variants: [vanilla], seeds: [4, 5] }
  seeds: [1, 2, 3]
`);
    const dry = await runPipeline(loadPipeline(join(dir, 'seeds.yaml')), { out: join(dir, 'runs'), dryRun: true, quiet: true });
    assert.deepEqual(dry.find((o) => o.step === 'train')!.details, [
      'bm3/vanilla: default × seeds 1, 2, 3', 'bm3/sgfd-l: default × seeds 1', 'lightgcn/vanilla: default × seeds 4, 5', '0 of 6 runs finished',
    ]);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('a search may vary the SGFD profile: each trial runs the profile it names, the selection records the chosen one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sgfd-pipeline-profile-'));
  try {
    writeFileSync(join(dir, 'profile.yaml'), `
name: profile
data: { synth: { users: 60, items: 80, categories: 3, density: 0.1, imageDim: 16, textDim: 8 } }
train:
  backbones: [bm3]
  variants: [sgfd]
  epochs: 1
  teacher_epochs: 1
  set: { embedding_dim: 8 }
  search: { method: grid, params: { sgfd.profile: [paper, reference] } }
  seeds: [1]
`);
    const out = join(dir, 'runs');
    await runPipeline(loadPipeline(join(dir, 'profile.yaml')), { out, quiet: true });
    for (const profile of ['paper', 'reference']) {
      const config = readJson<{ sgfd: { profile: string } }>(join(out, 'profile/train/bm3/sgfd', `sgfd.profile=${profile}`, 'seed-1', RUN_FILES.config));
      assert.equal(config.sgfd.profile, profile);
    }
    const group = readSelection(join(out, 'profile/train')).groups[0];
    assert.equal(group.profile, group.chosen.params['sgfd.profile']);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
