// Graph-emitted optimisers against hand-computed PyTorch-semantics updates.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as G from '../../src/graph/index.ts';
import { Module, Parameter, init, type OptimizerConfig } from '../../src/nn/index.ts';
import { TrainStep } from '../../src/runtime/train-step.ts';
import { compileTrainStep } from '../../src/nn/train-step-graph.ts';

/** loss = Σ c·w + ½ Σ w² ⇒ ∂loss/∂w = c + w (depends on w, so the trajectory matters). */
class Quad extends Module {
  a = new Parameter([3], init.zeros());
  b = new Parameter([2], init.zeros(), { group: 'slow' });
  frozen = new Parameter([2], init.zeros(), { trainable: false });
}
const C = [0.5, -2, 3, 1, -1];

async function run(cfg: OptimizerConfig, steps: number) {
  const m = new Quad();
  const params = m.namedParameters();
  const compiled = compileTrainStep(params, (bd) => {
    const w = G.concat([bd.param(m.a), bd.param(m.b)], 0);
    const lin = G.reduceSum(G.mul(w, bd.graph.constant(C, 'float32', [5])));
    const quad = G.mul(G.reduceSum(G.square(w)), 0.5);
    return { loss: G.add(G.add(lin, quad), G.reduceSum(bd.param(m.frozen))) };
  }, cfg);
  const start = new Map([['a', Float32Array.from([1, 2, 3])], ['b', Float32Array.from([-1, 0.5])], ['frozen', Float32Array.from([7, 8])]]);
  const step = await TrainStep.create(compiled, start, cfg);
  for (let i = 0; i < steps; i++) await step.run({});
  return { w: [...step.values.get('a')!, ...step.values.get('b')!], frozen: [...step.values.get('frozen')!] };
}

/** Reference updates in float64, following torch.optim semantics. */
function reference(cfg: OptimizerConfig, steps: number): number[] {
  const w = [1, 2, 3, -1, 0.5];
  const m = w.map(() => 0);
  const v = w.map(() => 0);
  const [b1, b2, eps] = [cfg.beta1 ?? 0.9, cfg.beta2 ?? 0.999, cfg.eps ?? 1e-8];
  for (let t = 1; t <= steps; t++) {
    let g = w.map((x, i) => C[i] + x);
    if (cfg.clipNorm) {
      const norm = Math.sqrt(g.reduce((s, x) => s + x * x, 0));
      g = g.map((x) => x * Math.min(1, cfg.clipNorm! / (norm + 1e-6)));
    }
    for (let i = 0; i < w.length; i++) {
      const group = i >= 3 ? cfg.groups?.slow ?? {} : {};
      const lr = cfg.lr * (group.lrScale ?? 1);
      const wd = group.weightDecay ?? cfg.weightDecay ?? 0;
      let gi = g[i];
      if (cfg.type === 'sgd') {
        gi += wd * w[i];
        m[i] = (cfg.momentum ?? 0) * m[i] + gi;
        w[i] -= lr * m[i];
        continue;
      }
      if (cfg.type === 'adamw') w[i] *= 1 - lr * wd; else gi += wd * w[i];
      m[i] = b1 * m[i] + (1 - b1) * gi;
      v[i] = b2 * v[i] + (1 - b2) * gi * gi;
      const denom = Math.sqrt(v[i]) / Math.sqrt(1 - b2 ** t) + eps;
      w[i] -= (lr / (1 - b1 ** t)) * (m[i] / denom);
    }
  }
  return w;
}

const cases: [string, OptimizerConfig][] = [
  ['adam', { type: 'adam', lr: 0.1 }],
  ['adam + L2 + group lr scale', { type: 'adam', lr: 0.1, weightDecay: 0.05, groups: { slow: { lrScale: 0.1 } } }],
  ['adamw', { type: 'adamw', lr: 0.1, weightDecay: 0.1, groups: { slow: { weightDecay: 0 } } }],
  ['sgd momentum', { type: 'sgd', lr: 0.05, momentum: 0.9 }],
  ['sgd + weight decay', { type: 'sgd', lr: 0.05, weightDecay: 0.01 }],
  ['adam + global-norm clip', { type: 'adam', lr: 0.1, clipNorm: 0.5 }],
  ['sgd + global-norm clip', { type: 'sgd', lr: 0.1, clipNorm: 1 }],
];

for (const [name, cfg] of cases) {
  test(`optimiser ${name}: 5 steps match the reference`, async () => {
    const got = await run(cfg, 5);
    const want = reference(cfg, 5);
    got.w.forEach((x, i) => assert.ok(Math.abs(x - want[i]) < 2e-5 * Math.max(1, Math.abs(want[i])), `w[${i}] = ${x}, expected ${want[i]}`));
    assert.deepEqual(got.frozen, [7, 8], 'frozen parameters never move');
    assert.notDeepEqual(want, [1, 2, 3, -1, 0.5]);
  });
}

test('maxRowNorm: every updated row is rescaled into the ball, short rows are untouched', async () => {
  class Ball extends Module { e = new Parameter([3, 2], init.zeros(), { maxRowNorm: 1 }); }
  const m = new Ball();
  const params = m.namedParameters();
  const cfg: OptimizerConfig = { type: 'sgd', lr: 1 };
  // loss = −Σ c·e: the SGD step adds c to every row
  const c = [3, 4, 0.1, 0.2, -0.3, 0];
  const compiled = compileTrainStep(params, (b) => ({ loss: G.neg(G.reduceSum(G.mul(b.param(m.e), b.graph.constant(c, 'float32', [3, 2])))) }), cfg);
  const step = await TrainStep.create(compiled, new Map([['e', new Float32Array(6)]]), cfg);
  await step.run({});
  const e = [...step.values.get('e')!];
  const want = [0.6, 0.8, 0.1, 0.2, -0.3, 0]; // row 0 = (3, 4)/5; the others already inside
  e.forEach((x, i) => assert.ok(Math.abs(x - want[i]) < 1e-6, `e[${i}] = ${x}, expected ${want[i]}`));
});
