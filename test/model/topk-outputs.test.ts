// Reading the scorer's TopK outputs: int64 ids to int32 (large ids included, −1 where the score is
// −∞), and dropping excluded candidates in order across several exclusion matrices.
import test from 'node:test';
import assert from 'node:assert/strict';
import { topKOutputs, SCORER_IO } from '../../src/model/index.ts';
import { dropExcluded } from '../../src/score/batch-score.ts';
import { tensor } from '../../src/runtime/session.ts';

test('topKOutputs: ids of any int32 size, −1 where the score is −∞', () => {
  const ids = [0, 70000, 2 ** 31 - 1, 5];
  const scores = Float32Array.of(3, 2, 1, -Infinity);
  const top = topKOutputs({ [SCORER_IO.topScores]: tensor(scores, [2, 2]), [SCORER_IO.topItems]: tensor(BigInt64Array.from(ids, BigInt), [2, 2]) });
  assert.deepEqual(Array.from(top.items), [0, 70000, 2 ** 31 - 1, -1]);
  assert.deepEqual(Array.from(top.scores), [3, 2, 1, -Infinity]);
});

test('dropExcluded: first k candidates in neither matrix, in order; −1 / −∞ when too few are left', () => {
  // user 0 excludes 4 (train) and 7 (valid); user 1 excludes nothing in train and 2 in valid
  const train = { indptr: Int32Array.of(0, 1, 1), indices: Int32Array.of(4) };
  const valid = { indptr: Int32Array.of(0, 1, 2), indices: Int32Array.of(7, 2) };
  const top = { items: Int32Array.of(4, 9, 7, 1, 2, 8, -1, 6), scores: Float32Array.of(9, 8, 7, 6, 5, 4, -Infinity, 3) };
  const out = dropExcluded(top, Int32Array.of(0, 1), 4, 3, [train, valid]);
  assert.deepEqual(Array.from(out.items), [9, 1, -1, 8, 6, -1]);
  assert.deepEqual(Array.from(out.scores), [8, 6, -Infinity, 4, 3, -Infinity]);
});
