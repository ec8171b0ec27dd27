// Every setting has a declared type and range, checked before a run writes anything (issue 13 #7):
// backbone settings (backbones/settings.ts), SGFD settings (sgfd/config.ts), the trainer's options
// (train/trainer.ts), and a pipeline's `set:` and search values through the same ranges.
import test from 'node:test';
import assert from 'node:assert/strict';
import { generateSynthetic } from '../../src/data/synth.ts';
import { makeDataset } from '../../src/data/dataset.ts';
import { BACKBONES, backboneSpec, resolveBackboneConfig, backboneSettingRange } from '../../src/backbones/index.ts';
import { describeRange, settingValue } from '../../src/data/setting-range.ts';
import { PROFILES, SGFD_SETTINGS, sgfdConfig } from '../../src/sgfd/config.ts';
import { TRAIN_DEFAULTS, checkTrainOptions } from '../../src/train/trainer.ts';
import { resolveSettings, type RunSettings } from '../../src/train/run.ts';
import { toPipelineSpec } from '../../src/pipeline/spec.ts';

const ds = makeDataset(generateSynthetic({ users: 60, items: 40, categories: 4, density: 0.1, imageDim: 8, textDim: 8, seed: 2 }));

test('every backbone setting has a declared range, and every default lies in it', () => {
  for (const [name, spec] of Object.entries(BACKBONES)) {
    for (const [key, value] of Object.entries(spec.defaults)) {
      const range = backboneSettingRange(name, key);
      assert.notEqual(settingValue(value, range), undefined, `${name}.${key} = ${value} is outside ${describeRange(range)}`);
    }
  }
  for (const profile of Object.values(PROFILES)) assert.doesNotThrow(() => sgfdConfig(profile.profile), 'both profiles are valid');
  assert.deepEqual(Object.keys(SGFD_SETTINGS).sort(), Object.keys(PROFILES.paper).sort(), 'every SGFD field is declared');
});

test('backbone settings: wrong types and values out of range are errors naming the range', () => {
  const bad: [string, Record<string, string>, RegExp][] = [
    ['bm3', { embedding_dim: '0' }, /setting 'bm3\.embedding_dim' must be an integer in \[1, 8192\], got '0'$/],
    ['bm3', { embedding_dim: '-4' }, /setting 'bm3\.embedding_dim' must be an integer in \[1, 8192\], got '-4'$/],
    ['bm3', { embedding_dim: '12.5' }, /must be an integer in \[1, 8192\], got '12\.5'$/],
    ['bm3', { lr: '-0.01' }, /setting 'bm3\.lr' must be a number in \(0, 10\], got '-0\.01'$/],
    ['bm3', { lr: '0' }, /setting 'bm3\.lr' must be a number in \(0, 10\], got '0'$/],
    ['bm3', { dropout: '1.5' }, /setting 'bm3\.dropout' must be a number in \[0, 1\), got '1\.5'$/],
    ['bm3', { n_layers: '-1' }, /setting 'bm3\.n_layers' must be an integer in \[0, 16\], got '-1'$/],
    ['bm3', { n_layers: 'two' }, /setting 'bm3\.n_layers' must be an integer in \[0, 16\], got 'two'$/],
    ['bm3', { reg_weight: '-1' }, /setting 'bm3\.reg_weight' must be a number ≥ 0, got '-1'$/],
    ['bm3', { batch_size: '' }, /setting 'bm3\.batch_size' must be an integer ≥ 1, got ''$/],
    ['lightgcn', { reg_weight: 'NaN' }, /must be a number ≥ 0, got 'NaN'$/],
    ['ngcf', { message_dropout: '1' }, /setting 'ngcf\.message_dropout' must be a number in \[0, 1\), got '1'$/],
    ['grcn', { routing: 'items' }, /setting 'grcn\.routing' must be one of users, reference-noop, got 'items'$/],
    ['grcn', { pruning: 'maybe' }, /setting 'grcn\.pruning' must be true or false, got 'maybe'$/],
    ['cml', { negatives: '1' }, /setting 'cml\.negatives' must be an integer in \[2, 1000\], got '1'$/],
    ['dgcf', { embedding_dim: '10' }, /setting 'dgcf\.embedding_dim' \(10\) must be a multiple of dgcf\.n_factors \(4\)$/],
  ];
  for (const [backbone, set, message] of bad) assert.throws(() => resolveBackboneConfig(backboneSpec(backbone), set), message, `${backbone} ${JSON.stringify(set)}`);
  assert.equal(resolveBackboneConfig(backboneSpec('maml'), { negatives: '1' }).negatives, 1, 'MAML takes one negative; CML needs two');
  assert.deepEqual(resolveBackboneConfig(backboneSpec('bm3'), { n_layers: '0', dropout: '0', lr: 1e-4 }), { ...BACKBONES.bm3.defaults, n_layers: 0, dropout: 0, lr: 1e-4 });
});

test('SGFD settings and trainer options are checked too, before a run writes anything', () => {
  const base: RunSettings = { data: 'data/x', backbone: 'bm3', sgfd: true, profile: 'paper', set: { embedding_dim: '8' }, teacherEpochs: 1, train: TRAIN_DEFAULTS };
  const bad: [Partial<RunSettings>, RegExp][] = [
    [{ set: { 'sgfd.tau': '0' } }, /setting 'sgfd\.tau' must be a number > 0, got '0'$/],
    [{ set: { 'sgfd.kdWeight': '-0.1' } }, /setting 'sgfd\.kdWeight' must be a number ≥ 0, got '-0\.1'$/],
    [{ set: { 'sgfd.delta': '1' } }, /setting 'sgfd\.delta' must be a number in \[2, 1024\], got '1'$/],
    [{ set: { 'sgfd.ldDistance': 'l3' } }, /setting 'sgfd\.ldDistance' must be one of l1-mean, squared-l2, got 'l3'$/],
    [{ teacherEpochs: 0 }, /--teacher-epochs must be an integer ≥ 1, got 0$/],
    [{ teacherSeed: 1.5 }, /--teacher-seed must be an integer, got 1\.5$/],
    [{ train: { ...TRAIN_DEFAULTS, epochs: 1.5 } }, /--epochs must be an integer ≥ 1, got 1\.5$/],
    [{ train: { ...TRAIN_DEFAULTS, epochs: 0 } }, /--epochs must be an integer ≥ 1, got 0$/],
    [{ train: { ...TRAIN_DEFAULTS, epochs: Number('abc') } }, /--epochs must be an integer ≥ 1, got a value that is not a number$/],
    [{ train: { ...TRAIN_DEFAULTS, patience: -1 } }, /--patience must be an integer ≥ 1, got -1$/],
    [{ train: { ...TRAIN_DEFAULTS, minEpochs: -1 } }, /--min-epochs must be an integer ≥ 0, got -1$/],
    [{ train: { ...TRAIN_DEFAULTS, threads: 0 } }, /--threads must be an integer in \[1, 1024\], got 0$/],
    [{ train: { ...TRAIN_DEFAULTS, metric: 'recall@30' } }, /--metric must be one of recall@10, .*, map@50, got 'recall@30'$/],
    [{ set: { 'sgfd.relationWeight': '-1' } }, /setting 'sgfd\.relationWeight' must be a number ≥ 0, got '-1'$/],
    [{ backbone: 'grcn', set: { 'sgfd.relationWeight': '0.1' } }, /--set sgfd\.relationWeight=0\.1: the relation term needs a backbone whose ranking representation it can reach \(bm3\), not grcn$/],
  ];
  for (const [over, message] of bad) assert.throws(() => resolveSettings({ ...base, ...over }, ds), message, JSON.stringify(over));
  assert.doesNotThrow(() => checkTrainOptions({ ...TRAIN_DEFAULTS, evalEvery: 5, minEpochs: 0 }));
  assert.equal(resolveSettings({ ...base, set: { 'sgfd.tau': '5', embedding_dim: '8' } }, ds).sgfd!.tau, 5);
  assert.equal(resolveSettings({ ...base, set: { 'sgfd.relationWeight': '0.1', embedding_dim: '8' } }, ds).sgfd!.relationWeight, 0.1);
});

test('a pipeline\'s set: and search values go through the same ranges, naming the file and key path', () => {
  const pipeline = (train: Record<string, unknown>) => () => toPipelineSpec({ data: { path: 'x' }, train: { backbones: ['bm3'], ...train } }, 'p.yaml', 'p');
  assert.throws(pipeline({ set: { embedding_dim: 0 } }), /p\.yaml: train\.set\.embedding_dim: expected an integer in \[1, 8192\]; got 0$/);
  assert.throws(pipeline({ backbones: [{ name: 'bm3', set: { lr: -0.01 } }] }), /p\.yaml: train\.backbones\[0\]\.set\.lr: expected a number in \(0, 10\]; got -0\.01$/);
  assert.throws(pipeline({ variants: [{ name: 'x', variant: 'sgfd', set: { 'sgfd.tau': 0 } }] }), /p\.yaml: train\.variants\[0\]\.set\.sgfd\.tau: expected a number > 0; got 0$/);
  assert.throws(pipeline({ search: { params: { dropout: [0.1, 1.5] } } }), /p\.yaml: train\.search\.params\.dropout\[1\]: expected a number in \[0, 1\); got 1\.5$/);
  assert.doesNotThrow(pipeline({ set: { embedding_dim: 8, dropout: 0.2 }, search: { params: { lr: [0.001, 0.01] } } }));
});
