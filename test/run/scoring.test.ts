// A pairwise run's scorer (src/run/scoring.ts): its serving rows come from the scoring graph once per
// evaluation, and its pair network reads its weights as graph inputs — so a run's validations, each
// with new parameter values, build one graph and open one session, and still rank exactly as the
// run's own score graph (parameters baked in) does. MAML and NeuMF rank on their native kernels and CML
// on the dot kernel where they are built (no session at all): the same rankings, scores to float rounding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadRun } from '../../src/run/load-run.ts';
import { scorer, scoringGraph, scoresPairs } from '../../src/run/scoring.ts';
import { TopKSessions, topK } from '../../src/eval/index.ts';
import { nativeKernels } from '../../src/runtime/native.ts';
import { tempDir, writeFixtureData, trainFixtureRun, runScores, bruteTopK, itemsOf, assertRanking } from './fixtures.ts';

const K = 5;

for (const backbone of ['maml', 'neumf', 'cml']) {
  test(`${backbone}: validations with new values share one ranking session and rank as the run's own score graph`, async (t) => {
    const root = tempDir(t);
    const run = loadRun(await trainFixtureRun(root, await writeFixtureData(root, false), backbone, backbone, false));
    assert.ok(scoresPairs(run.backbone), `${backbone} scores pairs`);
    const users = Int32Array.from({ length: run.ds.nUsers }, (_, u) => u);
    const fwd = await scoringGraph(run.backbone, run.backbone.model.namedParameters(), { threads: 1 });
    const sessions = new TopKSessions();
    try {
      for (const shift of [0, 0.05]) {
        // Another "epoch": every parameter moved (shift 0: the run's own values).
        const values = new Map([...run.values].map(([k, v]) => [k, v.map((x, j) => x * (1 + shift * Math.sin(j + 1)))]));
        const got = await topK(await scorer(fwd, run.ds, values, run.backbone), users, [run.ds.csr.train], K, { sessions, threads: 1 });
        const scores = await runScores({ ...run, values }, [...users]);
        for (let u = 0; u < run.ds.nUsers; u++) {
          const row = scores.subarray(u * run.ds.nItems, (u + 1) * run.ds.nItems);
          const want = bruteTopK((i) => row[i], run.ds.nItems, K, itemsOf(u, [run.ds.csr.train]));
          assertRanking({ items: got.items.subarray(u * K, (u + 1) * K), scores: got.scores.subarray(u * K, (u + 1) * K) }, want, 1e-5, `shift ${shift}, user ${u}`);
        }
      }
      const native = nativeKernels().kernels !== null;
      assert.equal(sessions.opened, native ? 0 : 1, native ? `${backbone} ranks on a native kernel` : 'new values change the feeds, not the graph');
    } finally {
      await sessions.release();
      await fwd.release();
    }
  });
}
