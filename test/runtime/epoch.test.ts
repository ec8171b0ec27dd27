// The training loop builds batch k+1's feeds while step k runs: the feeds (and so the RNG stream)
// are exactly those of the one-at-a-time loop, steps run in order one at a time, and a failing
// step fails the epoch.
import test from 'node:test';
import assert from 'node:assert/strict';
import { overlappedSteps } from '../../src/runtime/epoch.ts';
import { batches } from '../../src/data/samplers.ts';
import { Rng } from '../../src/data/rng.ts';

const feedsOf = (rng: Rng) => (rows: Int32Array) => ({ rows: Array.from(rows), mask: Array.from(rng.fillKeepMask(new Float32Array(5), 0.5)) });

test('the same feeds in the same order as building each batch just before its step; one step at a time', async () => {
  const a = new Rng(3);
  const want = [...batches(23, 4, a)].map(feedsOf(a));
  const b = new Rng(3);
  const got: unknown[] = [];
  const events: string[] = [];
  let running = 0;
  await overlappedSteps(batches(23, 4, b), (rows) => { events.push(`feeds ${got.length + running}`); return feedsOf(b)(rows); }, async (f) => {
    running++;
    assert.equal(running, 1, 'one step at a time');
    await new Promise((r) => setTimeout(r, 2));
    running--;
    return f;
  }, (f) => { got.push(f); events.push(`done ${got.length - 1}`); });
  assert.deepEqual(got, want);
  assert.deepEqual(b.getState(), a.getState(), 'the RNG ends where the sequential loop leaves it');
  assert.deepEqual(events.slice(0, 4), ['feeds 0', 'feeds 1', 'done 0', 'feeds 2'], 'batch k+1 is built while step k runs');
});

test('a step that fails fails the epoch with its error; no later step runs', async () => {
  let steps = 0;
  await assert.rejects(overlappedSteps(batches(10, 2, new Rng(1)), (rows) => rows, async () => {
    steps++;
    if (steps === 2) throw new Error('loss term \'loss.x\' is NaN');
    return steps;
  }, () => {}), /loss\.x/);
  assert.equal(steps, 2);
});
