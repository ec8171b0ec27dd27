// The teacher-usefulness rule: the exact binomial tail against brute force, and which modalities
// a stage-1 accuracy report marks uninformative (and what stage 2 then distils).
import test from 'node:test';
import assert from 'node:assert/strict';
import { binomialUpperTail, modalityUsefulness, distillDecision, usefulnessWarnings } from '../../src/sgfd/teacher-usefulness.ts';

function bruteTail(k: number, n: number, p: number): number {
  let s = 0;
  for (let i = k; i <= n; i++) {
    let c = 1;
    for (let j = 1; j <= i; j++) c = (c * (n - i + j)) / j;
    s += c * p ** i * (1 - p) ** (n - i);
  }
  return s;
}

test('binomial upper tail: exact against brute force on both sides of the mean, and the edges', () => {
  for (const [n, p] of [[10, 0.3], [40, 0.25], [120, 0.2], [57, 0.9]] as const) {
    for (let k = 0; k <= n; k += Math.max(1, Math.floor(n / 13))) {
      const want = bruteTail(k, n, p);
      assert.ok(Math.abs(binomialUpperTail(k, n, p) - want) <= 1e-10 + 1e-8 * want, `P(X ≥ ${k} | ${n}, ${p}) = ${binomialUpperTail(k, n, p)}, brute ${want}`);
    }
  }
  assert.equal(binomialUpperTail(0, 10, 0.5), 1);
  assert.equal(binomialUpperTail(11, 10, 0.5), 0);
  assert.equal(binomialUpperTail(3, 10, 1), 1);
  // Large n stays finite: 3,000 items, a 1.5-point edge over a 20 % majority is significant; 0.5 points is not.
  assert.ok(binomialUpperTail(645, 3000, 0.2) < 0.05);
  assert.ok(binomialUpperTail(615, 3000, 0.2) > 0.2);
});

test('a modality is informative only when it beats the majority-class rate beyond chance at its held-out count', () => {
  // 120 held-out items, majority class 25 %: 45 correct is p ≈ 0.002; 32 (26.7 %) is p ≈ 0.37; 22 is below the majority rate.
  const u = modalityUsefulness({ modalities: { text: 45 / 120, audio: 32 / 120, noise: 22 / 120 }, chance: 0.25 }, 120);
  assert.deepEqual(Object.fromEntries(Object.entries(u).map(([m, x]) => [m, x.informative])), { text: true, audio: false, noise: false });
  assert.ok(u.text.p! < 0.01 && u.audio.p! > 0.3 && u.noise.p! > 0.9);
  // The same 2-point edge: not significant on 120 items, significant on 12,000.
  assert.equal(modalityUsefulness({ modalities: { a: 0.27 }, chance: 0.25 }, 120).a.informative, false);
  assert.equal(modalityUsefulness({ modalities: { a: 0.27 }, chance: 0.25 }, 12000).a.informative, true);
  // Nothing held out: cannot be measured, so distilled as the paper does.
  assert.deepEqual(modalityUsefulness({ modalities: { a: Number.NaN }, chance: 0 }, 0).a, { accuracy: Number.NaN, majority: 0, n: 0, p: null, informative: true });

  const d = distillDecision(u, false);
  assert.deepEqual([d.distilled, d.uninformative, d.forced], [['text'], ['audio', 'noise'], false]);
  const forced = distillDecision(u, true);
  assert.deepEqual([forced.distilled, forced.forced], [['text', 'audio', 'noise'], true]);
  const [w] = usefulnessWarnings(u, d);
  assert.match(w, /^warning: stage 1: modality 'audio' is uninformative — teacher held-out accuracy 26\.7% vs majority-class rate 25\.0% on 120 items \(binomial p = 0\.\d+\); not distilled/);
  assert.match(usefulnessWarnings(u, forced)[0], /distilled anyway \(sgfd\.distillUninformative=true\)$/);
});
