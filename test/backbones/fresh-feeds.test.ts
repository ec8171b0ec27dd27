// The trainer moves each batch's feeds to the step's worker thread (runtime/epoch.ts, `move`), which
// detaches them here: so every backbone's batchFeeds must build new arrays on every call, each alone in
// its buffer. A cached or shared array would be detached under the next batch (or copied, if shared).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeDataset } from '../../src/data/dataset.ts';
import { generateSynthetic } from '../../src/data/synth.ts';
import { BACKBONES, resolveBackboneConfig } from '../../src/backbones/index.ts';
import { sgfdConfig } from '../../src/sgfd/config.ts';
import { movableBuffers } from '../../src/runtime/worker-step.ts';
import { Rng } from '../../src/data/rng.ts';

const ds = makeDataset(generateSynthetic({ users: 60, items: 40, categories: 4, density: 0.1, imageDim: 8, textDim: 8, seed: 2 }));

/** The backbones SGFD distils into (the rest are ID-only baselines). */
const MULTIMODAL = new Set(['bm3', 'grcn', 'maml']);

for (const [name, spec] of Object.entries(BACKBONES)) {
  for (const profile of [null, 'reference'] as const) {
    if (profile && !MULTIMODAL.has(name)) continue;
    test(`${name}${profile ? ' + SGFD' : ''}: batchFeeds builds new arrays, each alone in its buffer, on every call`, () => {
      const sgfd = profile ? sgfdConfig(profile, { latentDim: 8 }) : null;
      const bb = spec.create(ds, resolveBackboneConfig(spec, { embedding_dim: 8 }), sgfd, null);
      const rng = new Rng(1);
      const rows = Int32Array.from({ length: 16 }, (_, i) => i);
      const first = bb.batchFeeds(rows, rng);
      const second = bb.batchFeeds(rows, rng);
      for (const feeds of [first, second]) assert.equal(movableBuffers(feeds).length, Object.keys(feeds).length, `${name}: every feed movable`);
      const before = new Set(Object.values(first).map((t) => t.data.buffer));
      for (const [k, t] of Object.entries(second)) assert.ok(!before.has(t.data.buffer), `${name}: '${k}' reuses an array of the previous call`);
    });
  }
}
