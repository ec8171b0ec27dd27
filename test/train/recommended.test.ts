// Shipped per-backbone defaults: explicit choices win, SGFD settings only apply with SGFD, `plain`
// goes back to the library defaults, and every recommendation resolves to valid settings.
import test from 'node:test';
import assert from 'node:assert/strict';
import { RECOMMENDED, withRecommended, recommendation } from '../../src/train/recommended.ts';
import { resolveSettings, type RunSettings } from '../../src/train/run.ts';
import { TRAIN_DEFAULTS } from '../../src/train/trainer.ts';
import { generateSynthetic } from '../../src/data/synth.ts';
import { makeDataset } from '../../src/data/dataset.ts';

test('explicit flags and --set win over the recommendation; SGFD keys only with SGFD', () => {
  const rec = RECOMMENDED.bm3;
  const vanilla = withRecommended('bm3', { sgfd: false, set: {} });
  assert.deepEqual(vanilla.train, rec.train);
  assert.ok(!Object.keys(vanilla.set).some((k) => k.startsWith('sgfd.')));
  const sgfd = withRecommended('bm3', { sgfd: true, set: { 'sgfd.kdWeight': '0.5', lr: '0.01' }, epochs: 7, minEpochs: 0 });
  assert.equal(sgfd.set['sgfd.kdWeight'], '0.5');
  assert.equal(sgfd.set.lr, '0.01');
  assert.equal(sgfd.train.epochs, 7);
  assert.equal(sgfd.train.minEpochs, 0);
  assert.equal(sgfd.train.patience, rec.train.patience);
  for (const [k, v] of Object.entries(rec.sgfd.set)) if (k !== 'sgfd.kdWeight') assert.equal(sgfd.set[k], v);
  assert.equal(withRecommended('bm3', { sgfd: true, set: {}, profile: 'reference' }).profile, 'reference');
});

test('plain defaults ignore the recommendation; a backbone without an entry falls back to the plain schedule', () => {
  const plain = withRecommended('grcn', { sgfd: true, set: {} }, true);
  assert.deepEqual(plain.set, {});
  assert.equal(plain.profile, 'paper');
  assert.deepEqual(plain.train, { epochs: TRAIN_DEFAULTS.epochs, patience: TRAIN_DEFAULTS.patience, minEpochs: 0, evalEvery: 1 });
  assert.equal(recommendation('no-such-backbone').source, 'library defaults');
});

test('BM3 --sgfd carries the no-harm default and tells the user so; vanilla and plain runs carry no note', () => {
  const sgfd = withRecommended('bm3', { sgfd: true, set: {} });
  assert.equal(sgfd.set['sgfd.kdWeight'], '0.001');
  assert.match(sgfd.note ?? '', /did not improve BM3.*docs\/RESULTS\.md/);
  assert.equal(withRecommended('bm3', { sgfd: false, set: {} }).note, undefined);
  assert.equal(withRecommended('bm3', { sgfd: true, set: {} }, true).note, undefined);
  assert.equal(withRecommended('grcn', { sgfd: true, set: {} }).note, undefined, 'GRCN\'s SGFD default earns its place: nothing to warn about');
});

test('MAML --sgfd distils nothing (λ1 = 0, MAML exactly: its screen found no arm within 0.1 points) and says so', () => {
  const sgfd = withRecommended('maml', { sgfd: true, set: {} });
  assert.equal(sgfd.set['sgfd.kdWeight'], '0');
  assert.match(sgfd.note ?? '', /did not improve MAML.*λ1 = 0.*docs\/RESULTS\.md/);
  assert.equal(withRecommended('maml', { sgfd: true, set: { 'sgfd.kdWeight': '0.01' } }).set['sgfd.kdWeight'], '0.01', 'asking for distillation still works');
});

test('every recommendation resolves to valid backbone and SGFD settings, and says where it comes from', () => {
  const ds = makeDataset(generateSynthetic({ users: 60, items: 40, categories: 3, density: 0.1, imageDim: 16, textDim: 8, seed: 3 }));
  for (const [backbone, r] of Object.entries(RECOMMENDED)) {
    assert.ok(r.source.length > 20, `${backbone}: source`);
    for (const k of Object.keys(r.sgfd.set)) assert.ok(k.startsWith('sgfd.'), `${backbone}: --sgfd may only add distillation settings, not backbone ones (${k})`);
    assert.ok(r.train.minEpochs < r.train.epochs && r.train.patience >= r.train.evalEvery, `${backbone}: schedule`);
    for (const sgfd of [false, true]) {
      const w = withRecommended(backbone, { sgfd, set: {} });
      const s: RunSettings = { data: '/nowhere', backbone, sgfd, profile: w.profile, set: w.set, teacherEpochs: 1, train: { ...TRAIN_DEFAULTS, epochs: w.train.epochs, patience: w.train.patience } };
      const cfg = resolveSettings(s, ds);
      for (const [k, v] of Object.entries(w.set)) {
        if (k.startsWith('sgfd.')) assert.equal(String(cfg.sgfd![k.slice(5) as keyof typeof cfg.sgfd]), v, `${backbone}: ${k}`);
        else assert.equal(String(cfg.backbone_config[k]), v, `${backbone}: ${k}`);
      }
    }
  }
});
