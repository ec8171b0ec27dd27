// Parameters register by being module properties; names are dotted paths; init is seeded.
import test from 'node:test';
import assert from 'node:assert/strict';
import { Module, MLP, Linear, Embedding, initialValues, init } from '../../src/nn/index.ts';
import { Rng } from '../../src/data/rng.ts';

class Tower extends Module {
  image = new MLP([8, 4, 2]);
  text = new Linear(3, 2, { bias: false });
  ids = new Embedding(5, 2);
}

test('parameter names are the dotted property paths, stable across builds', () => {
  const names = [...new Tower().namedParameters('teacher').keys()];
  assert.deepEqual(names, [
    'teacher.image.layers.0.weight', 'teacher.image.layers.0.bias',
    'teacher.image.layers.1.weight', 'teacher.image.layers.1.bias',
    'teacher.text.weight', 'teacher.ids.weight',
  ]);
  assert.deepEqual([...new Tower().namedParameters('teacher').keys()], names);
});

test('the same seed gives the same initial values; another seed differs', () => {
  const p = new Tower().namedParameters('t');
  const a = initialValues(p, new Rng(1));
  const b = initialValues(new Tower().namedParameters('t'), new Rng(1));
  const c = initialValues(new Tower().namedParameters('t'), new Rng(2));
  for (const [k, v] of a) assert.deepEqual(b.get(k), v);
  assert.notDeepEqual(c.get('t.text.weight'), a.get('t.text.weight'));
});

test('initialisers have the documented scale', () => {
  const rng = new Rng(4);
  const w = init.xavierUniform()([400, 100], rng);
  const bound = Math.sqrt(6 / 500);
  assert.ok(w.every((x) => Math.abs(x) <= bound));
  const varU = w.reduce((s, x) => s + x * x, 0) / w.length;
  assert.ok(Math.abs(varU - bound * bound / 3) < 0.05 * bound * bound / 3, `xavier-uniform variance ${varU}`);
  const n = init.xavierNormal()([400, 100], rng);
  const varN = n.reduce((s, x) => s + x * x, 0) / n.length;
  assert.ok(Math.abs(varN - 2 / 500) < 0.05 * 2 / 500, `xavier-normal variance ${varN}`);
  assert.ok(init.zeros()([3, 3], rng).every((x) => x === 0));
});

test('frozen modules keep their parameters out of the trainable set', () => {
  const t = new Tower();
  t.image.setTrainable(false);
  const ps = [...t.namedParameters().values()];
  assert.deepEqual(ps.filter((p) => p.trainable).map((p) => p.name), ['text.weight', 'ids.weight']);
});
