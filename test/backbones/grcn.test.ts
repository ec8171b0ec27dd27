// GRCN learns on the synthetic default (vanilla and with SGFD), beating random and popularity;
// its routing switch changes the model (the reference's no-op is not the default).
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSynthetic } from '../../src/data/synth.ts';
import { makeDataset } from '../../src/data/dataset.ts';
import { backboneSpec, resolveBackboneConfig } from '../../src/backbones/index.ts';
import { train, TRAIN_DEFAULTS } from '../../src/train/trainer.ts';
import { sgfdConfig } from '../../src/sgfd/config.ts';
import { popularityRecall } from './baselines.ts';
import { initialValues } from '../../src/nn/index.ts';
import { compileForward } from '../../src/nn/forward-graph.ts';
import { Rng } from '../../src/data/rng.ts';

const ds = makeDataset(generateSynthetic({ users: 600, items: 400, categories: 8, density: 0.02, imageDim: 64, textDim: 32, seed: 3 }));
const grcn = backboneSpec('grcn');
const cfg = resolveBackboneConfig(grcn, { embedding_dim: 32, batch_size: 512, lr: 0.005 });
const opts = { ...TRAIN_DEFAULTS, epochs: 8, quiet: true, worker: false };

for (const [name, sg] of [['vanilla', null], ['SGFD (reference profile)', sgfdConfig('reference', { latentDim: 32 })]] as const) {
  test(`GRCN ${name} learns: validation Recall@20 above random and popularity`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sgfd-grcn-'));
    try {
      const m = (await train(ds, grcn.create(ds, cfg, sg), dir, opts))!;
      const pop = await popularityRecall(ds);
      const random = 20 / ds.nItems;
      assert.ok(m.valid['recall@20'] > 3 * random, `recall@20 ${m.valid['recall@20']} vs random ${random}`);
      assert.ok(m.valid['recall@20'] > pop * 1.2, `recall@20 ${m.valid['recall@20']} vs popularity ${pop}`);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
}

test('GRCN routing: users aggregating their items changes the representations; the reference no-op does not route', async () => {
  const reps = async (routing: string) => {
    const bb = grcn.create(ds, resolveBackboneConfig(grcn, { embedding_dim: 8, routing }), null);
    const params = bb.model.namedParameters();
    const fwd = await compileForward(params, (b) => bb.buildScoring!(b));
    const out = await fwd.run(initialValues(params, new Rng(4)), bb.fixedFeeds());
    return { users: out.users.data as Float32Array, items: out.items.data as Float32Array };
  };
  const [routed, noop] = [await reps('users'), await reps('reference-noop')];
  assert.notDeepEqual(routed.users, noop.users, 'routing refines user preferences');
  assert.throws(() => grcn.create(ds, resolveBackboneConfig(grcn, { routing: 'items' }), null), /setting 'grcn.routing' must be one of users, reference-noop, got 'items'/);
});
