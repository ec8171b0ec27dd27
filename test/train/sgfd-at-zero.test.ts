// SGFD at λ1 = 0 is its backbone, bit for bit: the student starts where the vanilla extractor would,
// the teacher and classifiers draw from a side stream, so batches, masks and every backbone value
// match — and a non-zero λ1 does change the run (the comparison can fail).
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSynthetic } from '../../src/data/synth.ts';
import { makeDataset } from '../../src/data/dataset.ts';
import { backboneSpec, resolveBackboneConfig } from '../../src/backbones/index.ts';
import { train, TRAIN_DEFAULTS } from '../../src/train/trainer.ts';
import { sgfdConfig, type SgfdConfig } from '../../src/sgfd/config.ts';
import { Rng } from '../../src/data/rng.ts';
import { type RunMetrics } from '../../src/run/config.ts';

const ds = makeDataset(generateSynthetic({ users: 300, items: 200, categories: 6, density: 0.03, imageDim: 48, textDim: 24, seed: 5 }));
const opts = { ...TRAIN_DEFAULTS, epochs: 3, patience: 20, quiet: true, worker: false };
const d = 16;
const settings: Record<string, Record<string, number>> = {
  bm3: { embedding_dim: d, batch_size: 256, lr: 0.005 },
  grcn: { embedding_dim: d, batch_size: 256, lr: 0.005 },
};

/** A stand-in for stage 1's cached teacher features (the paper profile's stage 2 reads them). */
function teacherCache(): Float32Array[] {
  const rng = new Rng(9);
  return ds.modalities.map(() => Float32Array.from({ length: ds.nItems * d }, () => rng.normal()));
}

interface Outcome { metrics: RunMetrics; rec: number[] }

async function run(backbone: string, sgfd: SgfdConfig | null): Promise<Outcome> {
  const dir = mkdtempSync(join(tmpdir(), 'sgfd-zero-'));
  try {
    const spec = backboneSpec(backbone);
    const cfg = resolveBackboneConfig(spec, settings[backbone]);
    const model = spec.create(ds, cfg, sgfd, sgfd?.twoStage ? teacherCache() : null);
    const metrics = (await train(ds, model, dir, { ...opts, seed: 4 }))!;
    const log = readFileSync(join(dir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    // The backbone's own loss term (BM3: rec, GRCN: bpr — whichever the log names first after `loss`).
    const own = Object.keys(log[0].losses).find((k) => k !== 'loss')!;
    return { metrics, rec: log.map((e) => e.losses[own]) };
  } finally { rmSync(dir, { recursive: true, force: true }); }
}

for (const backbone of ['bm3', 'grcn']) {
  test(`${backbone}: SGFD at λ1 = 0 trains exactly the vanilla backbone (both profiles); λ1 > 0 does not`, async () => {
    const vanilla = await run(backbone, null);
    for (const profile of ['paper', 'reference'] as const) {
      // The reference profile trains its teacher jointly (λ2 > 0): that must not touch the backbone either.
      const zero = await run(backbone, sgfdConfig(profile, { latentDim: d, kdWeight: 0, studentOutput: backbone === 'bm3' ? 'linear' : 'tail' }));
      assert.deepEqual(zero.metrics.valid, vanilla.metrics.valid, `${profile}: validation metrics`);
      assert.deepEqual(zero.metrics.test, vanilla.metrics.test, `${profile}: test metrics`);
      assert.deepEqual(zero.rec, vanilla.rec, `${profile}: the backbone's own loss, epoch by epoch`);
    }
    const distilled = await run(backbone, sgfdConfig('reference', { latentDim: d, kdWeight: 1, studentOutput: backbone === 'bm3' ? 'linear' : 'tail' }));
    assert.notDeepEqual(distilled.rec, vanilla.rec, 'distillation at λ1 = 1 changes training');
  });
}
