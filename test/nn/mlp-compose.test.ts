// An MLP without activations between its layers runs as one composed Linear (MlpOptions.compose):
// the same outputs and the same parameter gradients as running the layers one by one, against a
// float64 plain-JS copy of the stack; bottleneck stacks and stacks with activations are left alone.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as G from '../../src/graph/index.ts';
import { MLP, init, type Binder } from '../../src/nn/index.ts';
import { initialValues } from '../../src/nn/module.ts';
import { compileForward } from '../../src/nn/forward-graph.ts';
import { Rng } from '../../src/data/rng.ts';

const WIDTHS = [12, 8, 5, 3];
const ROWS = 7;
const x = Float32Array.from({ length: ROWS * WIDTHS[0] }, (_, i) => Math.sin(i * 0.37) * 2);
const r = Float32Array.from({ length: ROWS * WIDTHS[3] }, (_, i) => Math.cos(i * 1.3));

/** Float64 reference: y = (((x W1 + b1) W2 + b2) W3 + b3), and ∂⟨y, r⟩/∂θ by backpropagation. */
function reference(v: Map<string, Float32Array>) {
  const W = (l: number) => v.get(`mlp.layers.${l}.weight`)!;
  const bias = (l: number) => v.get(`mlp.layers.${l}.bias`)!;
  const hs: Float64Array[] = [Float64Array.from(x)];
  for (let l = 0; l < WIDTHS.length - 1; l++) {
    const [a, b] = [WIDTHS[l], WIDTHS[l + 1]];
    const h = new Float64Array(ROWS * b);
    for (let i = 0; i < ROWS; i++) for (let j = 0; j < b; j++) {
      let s = bias(l)[j];
      for (let k = 0; k < a; k++) s += hs[l][i * a + k] * W(l)[k * b + j];
      h[i * b + j] = s;
    }
    hs.push(h);
  }
  const grads = new Map<string, Float64Array>();
  let dh = Float64Array.from(r);
  for (let l = WIDTHS.length - 2; l >= 0; l--) {
    const [a, b] = [WIDTHS[l], WIDTHS[l + 1]];
    const dW = new Float64Array(a * b);
    const db = new Float64Array(b);
    const dPrev = new Float64Array(ROWS * a);
    for (let i = 0; i < ROWS; i++) for (let j = 0; j < b; j++) {
      db[j] += dh[i * b + j];
      for (let k = 0; k < a; k++) { dW[k * b + j] += hs[l][i * a + k] * dh[i * b + j]; dPrev[i * a + k] += W(l)[k * b + j] * dh[i * b + j]; }
    }
    grads.set(`mlp.layers.${l}.weight`, dW);
    grads.set(`mlp.layers.${l}.bias`, db);
    dh = dPrev;
  }
  return { y: hs[hs.length - 1], grads };
}

async function run(compose: boolean, values: Map<string, Float32Array>) {
  const mlp = new MLP(WIDTHS, { activation: 'none', compose, biasInit: init.normal(0.5) });
  const params = mlp.namedParameters('mlp');
  const names = [...params.keys()];
  const graph = await compileForward(params, (b: Binder) => {
    const y = mlp.forward(b, b.graph.input('x', 'float32', [ROWS, WIDTHS[0]]));
    const loss = G.reduceSum(G.mul(y, b.graph.input('r', 'float32', [ROWS, WIDTHS[3]])));
    const grads = G.grad(loss, names.map((n) => b.param(params.get(n)!)));
    return { y, ...Object.fromEntries(names.map((n, i) => [`d.${n}`, grads[i]])) };
  });
  const out = await graph.run(values, { x: { data: x, dims: [ROWS, WIDTHS[0]] }, r: { data: r, dims: [ROWS, WIDTHS[3]] } });
  await graph.release();
  return { composes: mlp.composes, y: out.y.data as Float32Array, grads: new Map(names.map((n) => [n, out[`d.${n}`].data as Float32Array])) };
}

function assertClose(got: Float32Array, want: Float64Array, what: string): void {
  const scale = Math.max(...Array.from(want, Math.abs));
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= 1e-5 * scale, `${what}[${i}]: ${got[i]} vs ${want[i]}`);
}

test('a linear stack runs composed, with the layer-by-layer outputs and gradients', async () => {
  const values = initialValues(new MLP(WIDTHS, { activation: 'none', biasInit: init.normal(0.5) }).namedParameters('mlp'), new Rng(3));
  const want = reference(values);
  for (const compose of [true, false]) {
    const got = await run(compose, values);
    assert.equal(got.composes, compose);
    assertClose(got.y, want.y, `y (compose ${compose})`);
    for (const [name, g] of want.grads) assertClose(got.grads.get(name)!, g, `∂/∂${name} (compose ${compose})`);
  }
});

test('stacks with an activation, one layer or a bottleneck run layer by layer', () => {
  assert.equal(new MLP([4096, 1024, 256, 128], { activation: 'none' }).composes, true);
  assert.equal(new MLP([4096, 1024, 256, 128], { activation: 'leaky_relu' }).composes, false);
  assert.equal(new MLP([4096, 128], { activation: 'none' }).composes, false);
  // 100 → 2 → 100 costs 400 a row as two layers and 10,000 as one: not composed.
  assert.equal(new MLP([100, 2, 100], { activation: 'none' }).composes, false);
});
