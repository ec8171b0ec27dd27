// Successive halving without training: the rung ladder, who survives a rung (η, ties, at least one),
// the value at a rung from a run's log, the search's bookkeeping with made-up values, and schema
// errors for bad halving settings naming their key path.
import test from 'node:test';
import assert from 'node:assert/strict';
import { bestValidUpTo, defaultFirstRung, halvingRungs, rungSurvivors, survivorCount } from '../../src/pipeline/halving.ts';
import { halvingSearch } from '../../src/pipeline/halving-search.ts';
import type { RunProgress } from '../../src/pipeline/runs.ts';
import { searchTrials, type Trial } from '../../src/pipeline/search.ts';
import { parsePipelineText } from '../../src/pipeline/load.ts';
import { toPipelineSpec } from '../../src/pipeline/spec.ts';
import { SchemaError } from '../../src/pipeline/schema-check.ts';

test('a rung keeps the best 1/η, at least one, in trial order', () => {
  assert.deepEqual([survivorCount(9, 3), survivorCount(8, 3), survivorCount(2, 3), survivorCount(1, 3), survivorCount(4, 2)], [3, 2, 1, 1, 2]);
  //                       0    1    2    3    4    5    6    7    8
  assert.deepEqual(rungSurvivors([0.1, 0.9, 0.3, 0.8, 0.2, 0.7, 0.4, 0.5, 0.6], 3), [1, 3, 5]);
  assert.deepEqual(rungSurvivors([0.1, 0.9, 0.3, 0.8, 0.2, 0.7, 0.4, 0.5, 0.6], 2), [1, 3, 5, 8]);
  assert.deepEqual(rungSurvivors([0.2, 0.1], 3), [0], 'at least one survives');
  assert.deepEqual(rungSurvivors([0.5], 3), [0]);
});

test('ties go to the earlier trial; a trial never validated ranks last', () => {
  assert.deepEqual(rungSurvivors([0.5, 0.7, 0.7, 0.7], 2), [1, 2]);
  assert.deepEqual(rungSurvivors([0.3, 0.3, 0.3], 3), [0]);
  assert.deepEqual(rungSurvivors([null, 0.01, NaN, 0.02], 2), [1, 3]);
  assert.deepEqual(rungSurvivors([null, null], 2), [0]);
});

test('rungs: explicit, or first_rung × η^k below the budget, on validation epochs', () => {
  assert.deepEqual(halvingRungs({ reduction_factor: 3, rungs: [10, 30] }, 100, 1), [10, 30]);
  assert.deepEqual(halvingRungs({ reduction_factor: 3, first_rung: 10 }, 100, 1), [10, 30, 90]);
  assert.deepEqual(halvingRungs({ reduction_factor: 3, first_rung: 10 }, 90, 1), [10, 30], 'a rung at the budget is the budget itself');
  assert.deepEqual(halvingRungs({ reduction_factor: 2, first_rung: 4 }, 40, 4), [4, 8, 16, 32]);
  assert.equal(defaultFirstRung(100, 3, 1), 12);
  assert.deepEqual(halvingRungs({ reduction_factor: 3 }, 100, 1), [12, 36], 'default: about budget / η², two rungs');
  assert.deepEqual(halvingRungs({ reduction_factor: 3 }, 100, 5), [15, 45], 'default rungs are validation epochs');
  assert.deepEqual(halvingRungs({ reduction_factor: 3 }, 5, 5), [], 'no rung below the budget: a plain grid');
});

test('halving candidates: the grid, or with `trials` the same seeded draw a random search makes', () => {
  const params = { lr: [1, 2, 3, 4, 5, 6], wd: [0, 1] };
  assert.equal(searchTrials({ method: 'halving', seed: 1, params }).length, 12);
  const drawn = searchTrials({ method: 'halving', trials: 5, seed: 7, params });
  assert.equal(new Set(drawn.map((x) => x.id)).size, 5);
  assert.deepEqual(drawn, searchTrials({ method: 'random', trials: 5, seed: 7, params }));
});

test('the value at a rung is the best validation value up to that epoch', () => {
  const log = [{ epoch: 1, valid: { m: 0.2 } }, { epoch: 2 }, { epoch: 3, valid: { m: 0.5 } }, { epoch: 4, valid: { m: 0.4 } }, { epoch: 5, valid: { m: 0.9 } }];
  assert.equal(bestValidUpTo(log, 'm', 2), 0.2);
  assert.equal(bestValidUpTo(log, 'm', 4), 0.5);
  assert.equal(bestValidUpTo(log, 'm', 9), 0.9);
  assert.equal(bestValidUpTo(log, 'm', 0), null);
  assert.equal(bestValidUpTo(log, 'other', 9), null);
});

/** A search over made-up runs: each trial's validation value is a function of the epoch. */
async function fakeSearch(curves: Record<string, (epoch: number) => number>, rungs: number[], eta: number, budget = 100) {
  const trials: Trial[] = Object.keys(curves).map((id) => ({ id, params: { lr: id } }));
  const epochs = new Map<string, number>(trials.map((t) => [t.id, 0]));
  const calls: string[] = [];
  const cuts: string[] = [];
  const best = (id: string, upTo: number) => Math.max(...Array.from({ length: upTo }, (_, e) => curves[id](e + 1)));
  const result = await halvingSearch(trials, rungs, eta, 'm', {
    advance: async (trial, until): Promise<RunProgress> => {
      calls.push(`${trial.id}@${until ?? 'end'}`);
      const to = until ?? budget;
      const trained = to - epochs.get(trial.id)!;
      epochs.set(trial.id, to);
      const metrics = until === null ? { valid: { m: best(trial.id, to) }, test: {}, best_epoch: 0, epochs_run: to, seconds_per_epoch: 0 } : null;
      return { state: 'resume', metrics, epochs: to, trained, seconds: 0 };
    },
    valueAt: (trial, epoch) => best(trial.id, Math.min(epoch, epochs.get(trial.id)!)),
    onCut: (trial, rung) => cuts.push(`${trial.id}:${rung}`),
    onRung: () => {},
  });
  return { result, calls, cuts };
}

test('halving search: survivors train on from where they stopped, the cut ones never again; records per trial', async () => {
  const level = (v: number, late = 0) => (e: number) => v + (e > 10 ? late : 0);
  const { result, calls, cuts } = await fakeSearch({
    a: level(0.1), b: level(0.5), c: level(0.3), d: level(0.45, 0.2), e: level(0.2), f: level(0.4), g: level(0.05), h: level(0.35), i: level(0.25),
  }, [10, 30], 3);
  assert.deepEqual(cuts, ['a:1', 'c:1', 'e:1', 'g:1', 'h:1', 'i:1', 'b:2', 'f:2']);
  const rung1 = calls.filter((c) => c.endsWith('@10'));
  assert.equal(rung1.length, 9);
  assert.deepEqual(calls.filter((c) => c.endsWith('@30')), ['b@30', 'd@30', 'f@30']);
  assert.deepEqual(calls.filter((c) => c.endsWith('@end')), ['d@end'], 'one survivor trains to the budget');
  assert.deepEqual(result.finished.map((f) => f.trial.id), ['d']);
  const byId = Object.fromEntries(result.records.map((r) => [r.id, r]));
  assert.deepEqual(byId.a, { id: 'a', params: { lr: 'a' }, valid: 0.1, epochs: 10, rung: 1, rung_valid: [0.1], cut: true });
  assert.deepEqual(byId.b, { id: 'b', params: { lr: 'b' }, valid: 0.5, epochs: 30, rung: 2, rung_valid: [0.5, 0.5], cut: true });
  assert.equal(byId.d.cut, false);
  assert.equal(byId.d.epochs, 100);
  assert.deepEqual(byId.d.rung_valid.map((v) => v!.toFixed(2)), ['0.45', '0.65']);
});

test('halving search: a lone survivor goes straight to the budget; no rung means every trial trains fully', async () => {
  const { calls, cuts } = await fakeSearch({ a: () => 0.2, b: () => 0.1 }, [5, 15, 45], 3);
  assert.deepEqual(cuts, ['b:1']);
  assert.deepEqual(calls, ['a@5', 'b@5', 'a@end']);
  const none = await fakeSearch({ a: () => 0.2, b: () => 0.1 }, [], 3);
  assert.deepEqual(none.calls, ['a@end', 'b@end']);
  assert.deepEqual(none.result.records.map((r) => [r.rung, r.cut]), [[0, false], [0, false]]);
});

const FILE = 'pipelines/x.yaml';
const spec = (train: string) => toPipelineSpec(parsePipelineText(`data: { synth: { users: 50 } }\ntrain: { backbones: [bm3], epochs: 20, ${train} }\n`, FILE), FILE, 'x');
function rejects(train: string, pattern: RegExp): void {
  assert.throws(() => spec(train), (e: Error) => {
    assert.ok(e instanceof SchemaError, `expected a SchemaError, got ${e}`);
    assert.match(e.message, pattern);
    return true;
  });
}

test('bad halving settings name their key path', () => {
  rejects('search: { method: halfing }', /^pipelines\/x\.yaml: train\.search\.method: expected one of grid, random, halving; got 'halfing'$/);
  rejects('search: { method: halving, reduction_factor: 1 }', /^pipelines\/x\.yaml: train\.search\.reduction_factor: expected an integer ≥ 2; got 1$/);
  rejects('search: { method: halving, rungs: [] }', /train\.search\.rungs: expected a list, each an integer ≥ 1 with at least 1 entry/);
  rejects('search: { method: halving, rungs: [4, 4] }', /^pipelines\/x\.yaml: train\.search\.rungs\[1\]: expected more epochs than the rung before \(4\); got 4$/);
  rejects('search: { method: halving, rungs: [4, 20] }', /^pipelines\/x\.yaml: train\.search\.rungs\[1\]: expected fewer epochs than bm3's training budget \(epochs: 20\); got 20$/);
  rejects('search: { method: halving, first_rung: 2, rungs: [4] }', /train\.search\.first_rung: give rungs or first_rung, not both/);
  rejects('eval_every: 4, search: { method: halving, first_rung: 6 }', /train\.search\.first_rung: expected a multiple of bm3's eval_every \(4\), so trials are validated at the rung; got 6/);
  rejects('search: { method: grid, rungs: [4] }', /^pipelines\/x\.yaml: train\.search\.rungs: only with method: halving; got method: grid$/);
  rejects('search: { method: halving, trials: 0 }', /train\.search\.trials: expected an integer ≥ 1; got 0/);
  rejects('jobs: 0', /^pipelines\/x\.yaml: train\.jobs: expected an integer ≥ 1; got 0$/);
  assert.throws(() => toPipelineSpec(parsePipelineText(`data: { synth: {} }\ntrain: { backbones: [bm3, { name: maml, epochs: 8, search: { method: halving, first_rung: 8 } }] }\n`, FILE), FILE, 'x'),
    (e: Error) => /^pipelines\/x\.yaml: train\.backbones\[1\]\.search\.first_rung: expected fewer epochs than maml's training budget \(epochs: 8\); got 8$/.test(e.message));
});

test('halving defaults: η 3 and the grid; grid and random searches keep their old shape (and hash)', () => {
  const halving = spec('search: { method: halving, params: { lr: [0.1, 0.01] } }').train!.search;
  assert.deepEqual(halving, { method: 'halving', seed: 1, params: { lr: [0.1, 0.01] }, reduction_factor: 3 });
  assert.deepEqual(spec('search: { params: { lr: [0.1] } }').train!.search, { method: 'grid', trials: 8, seed: 1, params: { lr: [0.1] } });
  assert.equal(spec('jobs: 2').train!.jobs, 2);
});
