// Paper profile, one modality pure noise relative to the labels: stage 1 flags it, the run warns
// and drops its LD/FD terms (zero in log.jsonl) while still distilling the other modality; with
// sgfd.distillUninformative=true both are distilled. The second run (another run seed and a stage-2
// setting) reuses the cached teacher instead of training it again.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSynthetic } from '../../src/data/synth.ts';
import { writeDataset } from '../../src/data/arrow-io.ts';
import { Rng } from '../../src/data/rng.ts';
import { runTraining, type RunSettings } from '../../src/train/run.ts';
import { type ResolvedConfig } from '../../src/run/config.ts';
import { TRAIN_DEFAULTS } from '../../src/train/trainer.ts';
import { RUN_FILES, readJson } from '../../src/run/files.ts';
import { TEACHER_FILES, type KeptTeacherReport } from '../../src/run/teacher-files.ts';

/** Synthetic data whose `text` modality is replaced by Gaussian noise: nothing in it predicts the category. */
function noisyText() {
  const parts = generateSynthetic({ users: 150, items: 240, categories: 4, density: 0.05, imageDim: 32, textDim: 16, seed: 9, noise: 0.3 });
  const rng = new Rng(77);
  const modalities = parts.modalities.map((m) => (m.name === 'text' ? { ...m, data: Float32Array.from(m.data, () => rng.normal()) } : m));
  return { ...parts, modalities };
}

const lastLosses = (dir: string): Record<string, number> => {
  const lines = readFileSync(join(dir, RUN_FILES.log), 'utf8').trim().split('\n');
  return (JSON.parse(lines[lines.length - 1]) as { losses: Record<string, number> }).losses;
};

test('a modality whose teacher is no better than the majority class is not distilled by default; forced, it is', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'sgfd-uninformative-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const data = join(root, 'data');
  await writeDataset(data, noisyText());
  const settings = (set: Record<string, string>, seed: number): RunSettings => ({
    data, backbone: 'bm3', sgfd: true, profile: 'paper', set: { embedding_dim: '8', ...set }, teacherEpochs: 600,
    train: { ...TRAIN_DEFAULTS, epochs: 2, patience: 2, seed, quiet: true, worker: false, threads: 1 },
  });

  const logs: string[] = [];
  const dropped = join(root, 'dropped');
  await runTraining(settings({}, 1), dropped, (m) => logs.push(m));
  const report = readJson<KeptTeacherReport>(join(dropped, TEACHER_FILES.report));
  const u = report.usefulness.modalities;
  assert.ok(u.image.informative && u.image.accuracy > u.image.majority + 0.2, `image teacher learns the categories: ${JSON.stringify(u.image)}`);
  assert.ok(!u.text.informative && u.text.p! >= 0.05, `the noise modality is flagged: ${JSON.stringify(u.text)}`);
  assert.deepEqual(report.distillation, { distilled: ['image'], uninformative: ['text'], forced: false, rule: report.usefulness.rule });
  const warning = logs.filter((l) => l.startsWith('warning: stage 1: modality'));
  assert.equal(warning.length, 1);
  assert.match(warning[0], new RegExp(`modality 'text' is uninformative — teacher held-out accuracy ${(100 * u.text.accuracy).toFixed(1)}% vs majority-class rate ${(100 * u.text.majority).toFixed(1)}% on 48 items .*not distilled`));
  const l = lastLosses(dropped);
  assert.equal(l['loss.ld.text'], 0);
  assert.equal(l['loss.fd.text'], 0);
  assert.ok(l['loss.ld.image'] > 0 && l['loss.fd.image'] > 0, `image is distilled: ${JSON.stringify(l)}`);
  assert.ok(Math.abs(l['loss.fd'] - l['loss.fd.image']) <= 1e-6 * l['loss.fd'], 'FD is the image term alone');
  const config = readJson<ResolvedConfig>(join(dropped, RUN_FILES.config));
  assert.equal(config.teacher_seed, 1);
  assert.equal(config.sgfd!.distillUninformative, false);

  // Forced, on another run seed with another λ1: the same cached teacher (no stage-1 training), both modalities distilled.
  const logs2: string[] = [];
  const forced = join(root, 'forced');
  await runTraining(settings({ 'sgfd.distillUninformative': 'true', 'sgfd.kdWeight': '0.5' }, 2), forced, (m) => logs2.push(m));
  assert.ok(logs2.some((m) => m.startsWith(`stage 1: reusing cached teacher ${report.key.slice(0, 12)}`)), logs2.join('\n'));
  assert.ok(!logs2.some((m) => m.startsWith('stage 1: training')), 'stage 1 did not train again');
  assert.match(logs2.find((m) => m.startsWith('warning: stage 1: modality'))!, /'text' is uninformative.*distilled anyway \(sgfd\.distillUninformative=true\)$/);
  const f = lastLosses(forced);
  assert.ok(f['loss.ld.text'] > 0 && f['loss.fd.text'] > 0 && f['loss.ld.image'] > 0 && f['loss.fd.image'] > 0, JSON.stringify(f));
  const forcedReport = readJson<KeptTeacherReport>(join(forced, TEACHER_FILES.report));
  assert.deepEqual(forcedReport.distillation!.distilled, ['image', 'text']);
  assert.equal(forcedReport.distillation!.forced, true);
  assert.equal(readFileSync(join(forced, TEACHER_FILES.features)).equals(readFileSync(join(dropped, TEACHER_FILES.features))), true, 'identical teacher features');
});
