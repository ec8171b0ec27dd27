// The run pool never runs more than `jobs` things at once, however many wait, and runs them all.
import test from 'node:test';
import assert from 'node:assert/strict';
import { RunPool } from '../../src/pipeline/run-pool.ts';
import type { Dataset } from '../../src/data/dataset.ts';

test('a pool of 2 slots runs two waves of 6 queued tasks at most 2 at a time, each with its thread share', async () => {
  const pool = new RunPool(2, 4, {} as Dataset, () => {});
  let running = 0;
  let peak = 0;
  const done: number[] = [];
  const threads = new Set<number>();
  const task = (i: number) => pool.withSlot(async (t) => {
    threads.add(t);
    running++;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, 2 + (i % 3)));
    running--;
    done.push(i);
  });
  // Two waves: slots handed from one task to a waiting one must still be counted when later work
  // arrives (a halving rung's survivors, the chosen configuration's seeds).
  await Promise.all(Array.from({ length: 6 }, (_, i) => task(i)));
  await Promise.all(Array.from({ length: 6 }, (_, i) => task(6 + i)));
  assert.equal(peak, 2);
  assert.equal(done.length, 12);
  assert.deepEqual([...threads], [2]);
});
