// Serialisation: model-level fields round-trip through decodeModel, symbolic dims are preserved,
// every attribute kind is written correctly, and the model loads and runs in ORT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as G from '../../src/graph/index.ts';
import { createSession, tensor } from '../../src/runtime/session.ts';
import * as R from './reference.ts';
import { assertClose, uniform } from './harness.ts';

const W = uniform(12, 41);
const B = uniform(3, 42);

/** scores = softmax(x @ W + b) over a symbolic batch, plus the per-row max of x gathered by ids. */
function scorer(): G.Graph {
  const g = new G.Graph('scorer');
  const x = g.input('x', 'float32', ['batch', 4]);
  const logits = G.add(G.matmul(x, g.initializer('head.weight', Float32Array.from(W), [4, 3])), g.initializer('head.bias', Float32Array.from(B), [3]));
  g.output(G.softmax(logits, -1), 'scores');
  g.output(G.reduceMax(x, [1]), 'rowmax');
  return g;
}

const info: G.ModelInfo = {
  producerName: 'sgfd-test', producerVersion: '0.1.0', modelVersion: 2 ** 40 + 7,
  docString: 'SGFD student — scores items (ü, 日本)',
  metadata: { dataset: 'lastfm-2k-mm', 'feature.dims': '384,128,512', 'config.sha256': 'ab'.repeat(32), empty: '' },
};

test('producer_name, producer_version, model_version, doc_string and metadata_props round-trip', () => {
  const m = G.decodeModel(G.serialize(scorer(), info));
  assert.equal(m.producerName, info.producerName);
  assert.equal(m.producerVersion, info.producerVersion);
  assert.equal(m.modelVersion, info.modelVersion);
  assert.equal(m.docString, info.docString);
  assert.deepEqual(m.metadata, info.metadata);
  assert.equal(m.irVersion, G.IR_VERSION);
  assert.equal(m.opset, G.OPSET);
});

test('defaults: producer sgfd, model_version 1, no metadata', () => {
  const m = G.decodeModel(G.serialize(scorer()));
  assert.equal(m.producerName, 'sgfd');
  assert.equal(m.modelVersion, 1);
  assert.equal(m.docString, '');
  assert.deepEqual(m.metadata, {});
});

test('input and output signatures keep their dtypes and symbolic dims', () => {
  const g = scorer();
  G.indexInput(g, 'ids', ['n_ids'], 10);
  const m = G.decodeModel(G.serialize(g));
  assert.deepEqual(m.inputs, [
    { name: 'x', dtype: 'float32', shape: ['batch', 4] },
    { name: 'ids', dtype: 'int64', shape: ['n_ids'] },
  ]);
  assert.deepEqual(m.outputs, [
    { name: 'scores', dtype: 'float32', shape: ['batch', 3] },
    { name: 'rowmax', dtype: 'float32', shape: ['batch'] },
  ]);
});

test('the model loads in ORT and runs for two batch sizes', async () => {
  const s = await createSession(G.serialize(scorer(), info), { threads: 1 });
  assert.deepEqual(s.inputNames, ['x']);
  assert.deepEqual(s.outputNames, ['scores', 'rowmax']);
  for (const batch of [2, 5]) {
    const xs = Float32Array.from(uniform(batch * 4, batch));
    const r = await s.run({ x: tensor(xs, [batch, 4]) });
    const x = R.t([batch, 4], xs);
    const logits = R.binary(R.matmul(x, R.t([4, 3], Float32Array.from(W))), R.t([3], Float32Array.from(B)), (p, q) => p + q);
    assert.deepEqual(Array.from(r.scores.dims), [batch, 3]);
    assertClose(r.scores.data as Float32Array, R.softmax(logits).data, 1e-5, 1e-6, `scores, batch ${batch}`);
    assertClose(r.rowmax.data as Float32Array, R.reduce(x, [1], false, 'max').data, 0, 0, `rowmax, batch ${batch}`);
  }
});

test('every attribute kind (int, ints, float, string, tensor) reaches ORT intact', async () => {
  const g = new G.Graph('attrs');
  const x = g.input('x', 'float64', ['batch', 2, 3]);
  const t = G.transpose(x, [0, 2, 1]); // ints
  const l = G.leakyRelu(t, 0.25); // float
  const p = G.pad(l, [0, 1, 0], [0, 0, 2]); // string (mode) + int64 pads input
  const z = G.add(p, G.zerosLike(p)); // ConstantOfShape: tensor attribute, symbolic shape
  g.output(G.cumsum(z, 1, true), 'y'); // int (reverse)
  const s = await createSession(G.serialize(g), { threads: 1 });
  const xs = Float64Array.from(uniform(12, 9));
  const r = await s.run({ x: tensor(xs, [2, 2, 3]) });
  const ref = R.cumsum(R.pad(R.map(R.transpose(R.t([2, 2, 3], xs), [0, 2, 1]), (v) => (v > 0 ? v : 0.25 * v)), [0, 1, 0], [0, 0, 2]), 1, true);
  assert.deepEqual(Array.from(r.y.dims), ref.shape);
  assertClose(r.y.data as Float64Array, ref.data, 1e-15, 0, 'attribute round-trip');
});

test('a training graph with derived index-plan inputs serialises them as int64 graph inputs', () => {
  const g = new G.Graph();
  const table = g.input('table', 'float32', [10, 4]);
  const ids = G.indexInput(g, 'ids', ['n'], 10);
  const [d] = G.grad(G.reduceSum(G.gather(table, ids)), [table]);
  g.output(d, 'dtable');
  const m = G.decodeModel(G.serialize(g));
  assert.deepEqual(m.inputs.map((i) => `${i.name}:${i.dtype}[${i.shape}]`), [
    'table:float32[10,4]', 'ids:int64[n]', 'ids.perm:int64[n]',
    'ids.lasts:int64[ids.unique]', 'ids.runs:int64[ids.unique]', 'ids.uniq:int64[ids.unique,1]',
  ]);
  // ids.inverse and ids.groups are declared but nothing reads them, so the model does not ask for them
  assert.deepEqual(g.derived.map((d) => d.part), ['perm', 'inverse', 'lasts', 'runs', 'uniq', 'groups']);
});

test('nodes no output depends on are not serialised (unused gradients of data inputs)', async () => {
  const g = new G.Graph();
  const x = g.input('x', 'float32', [4, 3]);
  const w = g.input('w', 'float32', [3, 2]);
  const loss = G.reduceSum(G.gemm(x, w, null));
  const [dw] = G.grad(loss, [w]);
  G.relu(x); // dead
  g.output(dw, 'dw');
  const before = g.nodes.length;
  const { nodes } = G.liveParts(g);
  assert.ok(nodes.length < before, `${nodes.length} live of ${before}`);
  assert.ok(!nodes.some((n) => n.op === 'Relu'));
  // dL/dw = xᵀ·1 needs neither the forward Gemm (loss is not an output) nor dL/dx: one Gemm survives of three
  assert.equal(g.nodes.filter((n) => n.op === 'Gemm').length, 3);
  assert.equal(nodes.filter((n) => n.op === 'Gemm').length, 1);
});
