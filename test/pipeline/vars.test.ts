// `${NAME}` in fields that expect a number or a boolean (issue 13, item 13): a variable always yields
// a string, so one that reads as a number ("300") or a boolean is typed as the field expects; one
// that does not is still an error naming the key; string fields keep the text. And a directory given
// as the pipeline file is named as such (not a raw EISDIR).
import test from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPipeline } from '../../src/pipeline/load.ts';
import { SchemaError } from '../../src/pipeline/schema-check.ts';
import { tempDir } from '../data/helpers.ts';

const YAML = [
  'data:',
  '  path: ${DATA}',
  'train:',
  '  backbones: [bm3]',
  '  epochs: ${EPOCHS}',
  '  seeds:',
  '    - ${SEED}',
  '    - 2',
  '  grad_norms: ${NORMS}',
  'report:',
  '  alpha: "${ALPHA:-0.05}"',
  'plots:',
  '  curves: ${CURVES:-true}',
  '',
].join('\n');

test('a number-looking variable fills a numeric field; a boolean one a boolean field; string fields stay strings', (t) => {
  const file = join(tempDir(t), 'p.yaml');
  writeFileSync(file, YAML);
  const { spec } = loadPipeline(file, { DATA: '300', EPOCHS: '300', SEED: '7', NORMS: 'true', ALPHA: '1e-2', CURVES: 'false' });
  assert.equal(spec.train!.epochs, 300);
  assert.deepEqual(spec.train!.seeds, [7, 2]);
  assert.equal(spec.train!.grad_norms, true);
  assert.equal(spec.report!.alpha, 0.01);
  assert.equal(spec.plots!.curves, false);
  assert.equal(spec.data!.path, '300', 'a string field keeps the text');
});

test('a variable that does not read as the expected type is an error naming the key', (t) => {
  const file = join(tempDir(t), 'p.yaml');
  writeFileSync(file, YAML);
  const load = (vars: Record<string, string>) => () => loadPipeline(file, { DATA: 'd', EPOCHS: '300', SEED: '1', NORMS: 'false', ...vars });
  assert.throws(load({ EPOCHS: '300 epochs' }), (e: Error) => e instanceof SchemaError && /p\.yaml: train\.epochs: expected an integer ≥ 1; got '300 epochs'$/.test(e.message));
  assert.throws(load({ EPOCHS: '2.5' }), /train\.epochs: expected an integer ≥ 1; got 2\.5/);
  assert.throws(load({ NORMS: 'yes' }), /train\.grad_norms: expected true or false; got 'yes'/);
});

test('a literal quoted number in a numeric field is still an error (only variables are coerced)', (t) => {
  const file = join(tempDir(t), 'p.yaml');
  writeFileSync(file, 'data: { synth: {} }\ntrain: { backbones: [bm3], epochs: "300" }\n');
  assert.throws(() => loadPipeline(file), /train\.epochs: expected an integer ≥ 1; got '300'/);
});

test('a directory given as the pipeline file is named as such', (t) => {
  const dir = tempDir(t);
  assert.throws(() => loadPipeline(dir), (e: Error) => e instanceof SchemaError && e.message === `${dir}: expected a pipeline file (YAML or JSON), got a directory`);
});
