// Synthetic features for interaction-only data: deterministic, marked synthetic, and their
// categories follow the interactions (items of one category share training users).
import test from 'node:test';
import assert from 'node:assert/strict';
import { generateSynthetic } from '../../src/data/synth.ts';
import { withSyntheticFeatures } from '../../src/data/synth-features.ts';

const parts = generateSynthetic({ users: 400, items: 300, categories: 6, density: 0.03, imageDim: 8, textDim: 8, seed: 9 });
const cfg = { dims: { image: 64, text: 16 }, categories: 6, seed: 3, noise: 1 };

test('synthetic features: deterministic, right shapes, flagged synthetic', () => {
  const a = withSyntheticFeatures(parts, cfg);
  const b = withSyntheticFeatures(parts, cfg);
  assert.deepEqual(a.modalities.map((m) => [m.name, m.dim, m.data.length]), [['image', 64, 300 * 64], ['text', 16, 300 * 16]]);
  assert.deepEqual(a.modalities[0].data, b.modalities[0].data);
  assert.deepEqual(a.labels, b.labels);
  assert.equal(a.nLabels, 6);
  assert.ok(a.meta.synthetic && /SYNTHETIC item features/.test(a.meta.source));
  assert.ok(a.modalities.every((m) => m.data.every(Number.isFinite)));
});

test('synthetic categories follow the interactions: same-category items share more users', () => {
  const a = withSyntheticFeatures(parts, cfg);
  const users = new Map<number, Set<number>>();
  const { user, item, split } = parts.interactions;
  for (let k = 0; k < user.length; k++) if (split[k] === 0) (users.get(item[k]) ?? users.set(item[k], new Set()).get(item[k])!).add(user[k]);
  let same = 0, sameN = 0, diff = 0, diffN = 0;
  for (let i = 0; i < 300; i++) for (let j = i + 1; j < 300; j++) {
    const [ui, uj] = [users.get(i), users.get(j)];
    if (!ui || !uj) continue;
    let shared = 0;
    for (const u of ui) if (uj.has(u)) shared++;
    if (a.labels![i] === a.labels![j]) { same += shared; sameN++; } else { diff += shared; diffN++; }
  }
  assert.ok(same / sameN > 1.5 * (diff / diffN), `shared users within categories ${(same / sameN).toFixed(3)} vs across ${(diff / diffN).toFixed(3)}`);
});
