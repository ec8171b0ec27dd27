// Graphs with native edge nodes (graph/stages.ts, runtime/staged-session.ts): the plan's steps run in
// dependency order, each session reading only graph inputs, constants and values made before it;
// nodes of constants only are copied into the sessions that read them, nodes of graph inputs only run
// where first read; and the staged run — values and gradients, edges in any owner order, constant
// edge weights — equals the same graph built for ONNX Runtime alone, to float rounding.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as G from '../../src/graph/index.ts';
import { createSession, tensor, type Feeds } from '../../src/runtime/session.ts';
import { StagedSession } from '../../src/runtime/staged-session.ts';
import { nativeKernels } from '../../src/runtime/native.ts';
import { rng, uniform } from './harness.ts';

const { kernels, why } = nativeKernels();
const skip = kernels || process.env.SGFD_REQUIRE_NATIVE === '1' ? false : `native kernels unavailable: ${why}`;

const [OWNERS, ROWS, D] = [6, 5, 4];
const r = rng(11);
// Owners out of order (the native kernels read them grouped: csr.order is not the identity), owner 3 none.
const owner = [4, 0, 2, 4, 1, 0, 5, 2, 4, 1];
const row = owner.map(() => Math.floor(r() * ROWS));
const lists = G.edgeLists(owner, row, OWNERS, ROWS);
const E = owner.length;

/** h = relu(Σ_edges w · 2x), s = ⟨x[row], h[owner]⟩, loss = Σ s² + Σ (3w) + Σ c · s with c constant; gradients to x and w. */
function build(native: boolean, constantWeights = false) {
  const g = new G.Graph('staged');
  g.nativeKernels = native;
  const x = g.input('x', 'float32', [ROWS, D]);
  const w = g.input('w', 'float32', [E]);
  const weights = constantWeights ? g.constant(uniform(E, 5), 'float32', [E]) : w;
  const h = G.relu(G.weightedSumOfRows(G.mul(x, 2), weights, lists));
  const s = G.rowDotsOfEdges(x, h, lists);
  const late = G.mul(w, 3); // graph inputs only: runs in the last session
  const c = G.add(g.constant(uniform(E, 6), 'float32', [E]), 1); // constants only
  const loss = G.sumAll([G.reduceSum(G.mul(s, s), [0]), G.reduceSum(late, [0]), G.reduceSum(G.mul(c, s), [0])]);
  const [dx, dw] = G.grad(loss, [x, w]);
  g.output(loss, 'loss');
  g.output(h, 'h');
  g.output(dx, 'dx');
  if (dw) g.output(dw, 'dw');
  return { g, late, c };
}

const feeds = (): Feeds => ({ x: tensor(Float32Array.from(uniform(ROWS * D, 1)), [ROWS, D]), w: tensor(Float32Array.from(uniform(E, 2)), [E]) });

test('a stage plan: sessions and native kernels in dependency order, constants copied, inputs-only nodes late', () => {
  const { g, late, c } = build(true);
  assert.ok(G.hasNativeNodes(g));
  assert.equal(G.hasNativeNodes(build(false).g), false);
  const plan = G.stagePlan(g);
  const kinds = plan.steps.map((s) => s.kind);
  assert.ok(kinds.filter((k) => k === 'native').length >= 4, `forward and backward edge nodes run natively: ${kinds}`);
  const available = new Set(g.inputs.map((v) => v.name));
  for (const s of plan.steps) {
    for (const n of s.inputs) assert.ok(available.has(n), `${s.kind} step reads ${n} before it is made`);
    for (const n of s.kind === 'native' ? [s.output] : s.outputs) available.add(n);
  }
  for (const n of plan.outputs) assert.ok(available.has(n), `output ${n} is made`);
  const sessions = plan.steps.filter((s) => s.kind === 'session');
  assert.ok(sessions.every((s) => !s.outputs.includes(c.name) && !s.inputs.includes(c.name)), 'a value of constants never crosses sessions');
  assert.ok(sessions.every((s) => !s.outputs.includes(late.name)), 'a value of inputs only is made where it is read');
  assert.deepEqual(plan.constants, []);
});

for (const constantWeights of [false, true]) {
  test(`staged run = ONNX Runtime alone: values and gradients${constantWeights ? ', constant edge weights' : ''}`, { skip }, async () => {
    const fused = await createSession(G.serialize(build(false, constantWeights).g));
    const plan = G.stagePlan(build(true, constantWeights).g);
    assert.equal(plan.constants.length, constantWeights ? 1 : 0, 'a native node reading an initializer gets its data from the plan');
    const staged = await StagedSession.create(plan, { threads: 2 });
    assert.deepEqual([...staged.inputNames].sort(), ['w', 'x']);
    const f = feeds();
    const want = await fused.run(f);
    for (let rep = 0; rep < 2; rep++) { // the second run reuses the intermediate buffers
      const got = await staged.run(f);
      for (const name of Object.keys(want)) {
        const a = want[name].data as Float32Array;
        const b = got[name].data as Float32Array;
        assert.equal(b.length, a.length, name);
        a.forEach((v, j) => assert.ok(Math.abs(v - b[j]) <= 1e-5 * (1 + Math.abs(v)), `${name}[${j}]: fused ${v}, staged ${b[j]}`));
      }
    }
    await staged.release();
    await fused.release();
  });
}
