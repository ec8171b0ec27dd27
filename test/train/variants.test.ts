// Named presets: each ablation / extractor variant resolves to the documented switches, and the
// stage-1 teacher used directly as the extractor trains, saves and re-evaluates end to end.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSynthetic } from '../../src/data/synth.ts';
import { makeDataset } from '../../src/data/dataset.ts';
import { writeDataset } from '../../src/data/arrow-io.ts';
import { resolveSettings, runTraining, type RunSettings } from '../../src/train/run.ts';
import { loadRun, evaluateRun } from '../../src/run/load-run.ts';
import { TRAIN_DEFAULTS } from '../../src/train/trainer.ts';

const parts = generateSynthetic({ users: 300, items: 200, categories: 5, density: 0.03, imageDim: 48, textDim: 24, seed: 5 });
const ds = makeDataset(parts);
const settings = (variant: string, extra: Partial<RunSettings> = {}): RunSettings => ({
  data: '', backbone: 'grcn', sgfd: false, variant, profile: 'reference', set: { embedding_dim: '16' }, teacherEpochs: 3,
  train: { ...TRAIN_DEFAULTS, epochs: 2, quiet: true, worker: false }, ...extra,
});

test('ablation presets switch exactly one SGFD component off', () => {
  const r = (v: string) => resolveSettings(settings(v), ds).sgfd!;
  assert.deepEqual([r('sgfd-l').useLd, r('sgfd-l').useFd], [true, false]);
  assert.deepEqual([r('sgfd-f').useLd, r('sgfd-f').useFd], [false, true]);
  assert.equal(r('sgfd-e').useFusion, false);
  assert.equal(r('sgfd-s').shallowTeacher, true);
  assert.deepEqual([r('sgfd').useLd, r('sgfd').useFd, r('sgfd').useFusion, r('sgfd').shallowTeacher], [true, true, true, false]);
  assert.equal(resolveSettings(settings('vanilla'), ds).sgfd, null);
  assert.equal(resolveSettings(settings('deep'), ds).extractor, 'deep');
  const t = resolveSettings(settings('teacher-shallow'), ds);
  assert.deepEqual([t.extractor, t.sgfd, t.teacher!.shallowTeacher], ['cached', null, true]);
  assert.throws(() => resolveSettings(settings('sgfd-x'), ds), /unknown variant 'sgfd-x': valid variants are vanilla, sgfd, sgfd-l/);
  assert.throws(() => resolveSettings(settings('deep', { sgfd: true }), ds), /does not use SGFD/);
});

for (const variant of ['teacher-deep', 'deep', 'sgfd-e']) {
  test(`variant ${variant} trains on GRCN and re-evaluates from its run directory`, async () => {
    const root = mkdtempSync(join(tmpdir(), 'sgfd-variant-'));
    try {
      await writeDataset(join(root, 'data'), parts);
      const m = (await runTraining({ ...settings(variant), data: join(root, 'data') }, join(root, 'run')))!;
      assert.ok(m.valid['recall@20'] > 0);
      assert.equal(existsSync(join(root, 'run', 'teacher_features.safetensors')), variant === 'teacher-deep');
      // Only the teacher-* extractors keep the teacher's weights (their cold start runs it); SGFD runs hold theirs in the checkpoint.
      assert.equal(existsSync(join(root, 'run', 'teacher.safetensors')), variant === 'teacher-deep');
      const again = await evaluateRun(loadRun(join(root, 'run')));
      assert.deepEqual(again.test.means, m.test, 'the saved run scores exactly as it did at the end of training');
    } finally { rmSync(root, { recursive: true, force: true }); }
  });
}
