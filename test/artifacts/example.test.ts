// The committed example models/sgfd-bm3-demo/ is current: regenerating it from its recipe (the
// demo's SGFD-BM3 settings on a shrunk synthetic default, models/README.md) gives the same bytes.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSynthetic } from '../../src/data/synth.ts';
import { writeDataset } from '../../src/data/arrow-io.ts';
import { artifactSettings } from '../../src/artifacts/settings.ts';
import { writeArtifacts, readArtifacts } from '../../src/artifacts/write.ts';

const EXAMPLE = fileURLToPath(new URL('../../models/sgfd-bm3-demo', import.meta.url));
/** `sgfd data synth --seed 42 --users 300 --items 200 --density 0.02 --image-dim 128 --text-dim 64`. */
const DATA = { seed: 42, users: 300, items: 200, density: 0.02, imageDim: 128, textDim: 64 };

test('models/sgfd-bm3-demo is what sgfd graphs writes today (every file byte for byte)', async () => {
  const committed = readArtifacts(EXAMPLE); // sizes and SHA-256 of the committed files match their manifest
  const root = mkdtempSync(join(tmpdir(), 'sgfd-artifact-example-'));
  try {
    const data = join(root, 'data');
    await writeDataset(data, generateSynthetic(DATA));
    const out = join(root, 'sgfd-bm3-demo');
    // `sgfd graphs --data DATA --backbone bm3 --sgfd --profile paper --defaults plain --epochs 40 --patience 20 --out models/sgfd-bm3-demo`
    const fresh = await writeArtifacts(out, artifactSettings({ data, backbone: 'bm3', sgfd: true, profile: 'paper', defaults: 'plain', epochs: 40, patience: 20 }));
    const hint = 'regenerate models/sgfd-bm3-demo with the commands in models/README.md';
    assert.deepEqual(fresh.files, committed.files, `file digests differ: ${hint}`);
    assert.equal(readFileSync(join(out, 'artifact.json'), 'utf8'), readFileSync(join(EXAMPLE, 'artifact.json'), 'utf8'), `artifact.json differs: ${hint}`);
    assert.deepEqual(readdirSync(EXAMPLE).sort(), readdirSync(out).sort(), 'no stray files in the example');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
