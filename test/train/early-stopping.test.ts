// Early stopping: the best value, epoch and a copy of its parameters; patience counted from the last
// best, over validated and unvalidated epochs alike, and only from minEpochs on.
import test from 'node:test';
import assert from 'node:assert/strict';
import { EarlyStopping } from '../../src/train/early-stopping.ts';

test('keeps a copy of the best parameters and stops after `patience` epochs without a better value', () => {
  const s = new EarlyStopping(2);
  const w = new Float32Array([1, 2]);
  assert.equal(s.describe('recall@20'), '');
  assert.equal(s.observe(1, 0.1, () => new Map([['w', w]])), true);
  w[0] = 99; // training goes on changing the live tensor: the kept copy must not follow
  assert.equal(s.observe(2, 0.05, () => { throw new Error('not a new best: values must not be read'); }), false);
  assert.equal(s.stop(2), false);
  s.unvalidated(3);
  assert.equal(s.stop(3), true);
  assert.deepEqual([s.best.epoch, s.best.since, s.best.value, [...s.best.values!.get('w')!]], [1, 2, 0.1, [1, 2]]);
  assert.equal(s.describe('recall@20'), 'best recall@20 0.1000');
});

test('patience counts only from minEpochs on (a plateau before it never stops the run)', () => {
  const s = new EarlyStopping(3, 10);
  s.observe(1, 0.2, () => new Map());
  for (let e = 2; e <= 9; e++) s.observe(e, 0.1, () => new Map());
  assert.equal(s.best.since, 8);
  assert.equal(s.stop(9), false, 'epoch 9 < minEpochs 10');
  assert.equal(s.stop(10), true);
  assert.equal(s.observe(11, 0.3, () => new Map()), true);
  assert.equal(s.stop(11), false, 'a new best resets the count');
});
