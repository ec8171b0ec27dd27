import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parameterValue } from '../../src/backbones/backbone.ts';

test('parameterValue: the named parameter\'s array; a missing one is an error naming the backbone and the parameter', () => {
  const w = Float32Array.of(1, 2);
  const values = new Map([['tower.w1', w]]);
  assert.equal(parameterValue(values, 'neumf', { name: 'tower.w1' }), w);
  assert.throws(() => parameterValue(values, 'maml', { name: 'attention.hidden.weight' }), /^Error: maml: no value for parameter 'attention\.hidden\.weight'$/);
});
