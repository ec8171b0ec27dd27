// The key property of the training artifacts: a plain onnxruntime-node InferenceSession, fed only
// what artifact.json describes (the dataset's Arrow files, initial.safetensors, first_batch.safetensors,
// index plans computed from the manifest's definition), takes exactly the step `sgfd train` takes.
// The consumer side lives in plain-ort.ts and imports nothing from src/.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSynthetic } from '../../src/data/synth.ts';
import { writeDataset } from '../../src/data/arrow-io.ts';
import { runTraining, type RunSettings } from '../../src/train/run.ts';
import { TRAIN_DEFAULTS } from '../../src/train/trainer.ts';
import { saveRunGraphs } from '../../src/artifacts/write.ts';
import { readManifest, graphOf, readSafetensors, readArrowDataset, feedsFor, session, type Tensor } from './plain-ort.ts';
import { TINY, maxScaledDiff } from './fixtures.ts';

test('plain ORT runs train_step.onnx of sgfd train --save-graphs and takes sgfd train\'s first step (SGFD-BM3, paper profile)', async () => {
  const root = mkdtempSync(join(tmpdir(), 'sgfd-artifact-step-'));
  try {
    const data = join(root, 'data');
    await writeDataset(data, generateSynthetic(TINY));
    const run = join(root, 'run');
    // One epoch of one step: the batch covers every training interaction.
    const settings: RunSettings = {
      data, backbone: 'bm3', sgfd: true, profile: 'paper', set: { embedding_dim: '8', batch_size: '4096' }, teacherEpochs: 1,
      train: { ...TRAIN_DEFAULTS, epochs: 1, patience: 1, quiet: true, worker: false, threads: 1 },
    };
    await runTraining(settings, run);
    await saveRunGraphs(run, settings, { threads: 1 });

    // The consumer: manifest, dataset and safetensors only.
    const dir = join(run, 'graphs');
    const m = readManifest(dir);
    const g = graphOf(m, 'train_step.onnx');
    assert.equal(m.stage1?.applied, true);
    const ds = readArrowDataset(data, m);
    const values = readSafetensors(join(dir, g.initial!));
    const batch = Object.fromEntries(readSafetensors(join(dir, 'first_batch.safetensors')));
    const teacher = readSafetensors(join(dir, 'teacher_features.safetensors'));
    // The first batch is what the manifest says: training interactions, row by row.
    const pairs = new Set(Array.from(ds.trainUsers, (u, k) => `${u}:${ds.trainItems[k]}`));
    const users = batch.users.data as BigInt64Array;
    const items = batch.items.data as BigInt64Array;
    assert.equal(users.length, ds.trainUsers.length);
    users.forEach((u, r) => assert.ok(pairs.has(`${u}:${items[r]}`), `row ${r} is a training interaction`));

    const s = await session(join(dir, g.file));
    const out = await s.run(feedsFor(g, ds, batch as Record<string, Tensor>, values, 1, teacher));
    await s.release();

    const log = JSON.parse(readFileSync(join(run, 'log.jsonl'), 'utf8').trim().split('\n')[0]) as { step: number; losses: Record<string, number> };
    assert.equal(log.step, 1, 'the run took exactly one step');
    for (const t of g.outputs.filter((o) => o.role === 'loss' || o.role === 'loss_term')) {
      const got = (out[t.name].data as Float32Array)[0];
      assert.ok(Math.abs(got - log.losses[t.name]) <= 1e-5 * Math.max(1, Math.abs(got)), `${t.name}: plain ORT ${got}, sgfd train ${log.losses[t.name]}`);
    }
    const ckpt = readSafetensors(join(run, 'checkpoint', 'tensors.safetensors'));
    const fed = Object.entries(g.feedback!);
    assert.ok(fed.length > 10);
    for (const [output, input] of fed) {
      const diff = maxScaledDiff(out[output].data as Float32Array, ckpt.get(input)!.data as Float32Array);
      assert.ok(diff <= 1e-5, `${output} vs the checkpoint's ${input}: ${diff}`);
    }
    for (const e of g.inputs.filter((x) => x.role === 'frozen_parameter')) {
      assert.deepEqual(values.get(e.name)!.data, ckpt.get(e.name)!.data, `frozen ${e.name} unchanged`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
