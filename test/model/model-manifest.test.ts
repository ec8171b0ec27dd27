// An exported model directory carries manifest.json (size and SHA-256 of every exported file); the
// server checks it before loading anything and names the file that changed. ONNX files that fail to
// load are named too (issue 13 #9).
import test from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportModel } from '../../src/export/export.ts';
import { ModelStore } from '../../src/serve/model-store.ts';
import { MODEL_MANIFEST } from '../../src/model/model-manifest.ts';
import { tempDir, writeFixtureData, trainFixtureRun, sgfd } from '../run/fixtures.ts';

const flipByte = (path: string) => {
  const b = readFileSync(path);
  b[Math.floor(b.length / 2)] ^= 0x01;
  writeFileSync(path, b);
};

test('model manifest: written by export, checked at serve start, naming the changed file', async (t) => {
  const root = tempDir(t);
  const run = await trainFixtureRun(root, await writeFixtureData(root, false), 'bm3', 'bm3', true);
  const model = join(root, 'model');
  const card = await exportModel({ run, out: model, threads: 1 });
  const manifest = JSON.parse(readFileSync(join(model, MODEL_MANIFEST), 'utf8')) as { files: Record<string, { bytes: number; sha256: string }> };
  assert.deepEqual(Object.keys(manifest.files), ['item_embeddings.arrow', 'model.json', 'scorer.onnx', 'seen_items.arrow', 'student.onnx', 'user_embeddings.arrow']);
  assert.equal(manifest.files['student.onnx'].bytes, readFileSync(join(model, 'student.onnx')).length);
  assert.match(card.files[MODEL_MANIFEST], /SHA-256 of every exported file/);
  const intact = await ModelStore.open(model, 1, (m) => assert.fail(`unexpected warning: ${m}`));
  intact.addItem('new-item', new Float32Array(card.dims.embedding).fill(0.1)); // added_items.arrow: the server's, not in the manifest
  await intact.close();
  const reopened = await ModelStore.open(model, 1, (m) => assert.fail(`unexpected warning: ${m}`));
  assert.equal(reopened.addedCount, 1);
  await reopened.close();

  const damaged = (name: string, harm: (path: string) => void): string => {
    const dir = join(root, `damaged-${name}`);
    cpSync(model, dir, { recursive: true });
    harm(join(dir, name));
    return dir;
  };
  const cases: [string, (p: string) => void, (file: string) => string][] = [
    ['user_embeddings.arrow', flipByte, (f) => `${f}: corrupt (its SHA-256 differs from the one in manifest.json); re-export the model`],
    ['student.onnx', flipByte, (f) => `${f}: corrupt (its SHA-256 differs from the one in manifest.json); re-export the model`],
    ['model.json', (p) => writeFileSync(p, readFileSync(p, 'utf8').replace('"users": 90', '"users": 91')), (f) => `${f}: corrupt (its SHA-256 differs from the one in manifest.json); re-export the model`],
    ['scorer.onnx', (p) => truncateSync(p, 100), (f) => `${f}: 100 bytes, ${manifest.files['scorer.onnx'].bytes} as exported (truncated; see manifest.json); re-export the model`],
    ['seen_items.arrow', (p) => rmSync(p), (f) => `${f}: missing (listed in manifest.json); re-export the model`],
  ];
  for (const [name, harm, message] of cases) {
    const dir = damaged(name, harm);
    await assert.rejects(ModelStore.open(dir, 1), (e: Error) => e.message === message(join(dir, name)), name);
  }

  // An older export (no manifest) is served with a warning; an ONNX file that does not parse is named.
  const old = damaged('scorer.onnx', (p) => writeFileSync(p, 'not a model'));
  rmSync(join(old, MODEL_MANIFEST));
  const warnings: string[] = [];
  await assert.rejects(ModelStore.open(old, 1, (m) => warnings.push(m)), (e: Error) => e.message.startsWith(`${join(old, 'scorer.onnx')}: not a loadable ONNX model (`) && !e.message.includes('\n'));
  assert.deepEqual(warnings, [`${old}: no manifest.json (exported by an older sgfd): its files cannot be checked for corruption; re-export it to add one`]);

  // Through the CLI: exit 1, one line naming the file, the server never listens.
  const corrupt = join(root, 'damaged-user_embeddings.arrow');
  const served = await sgfd(['serve', '--model', corrupt, '--port', '0']);
  assert.equal(served.code, 1);
  assert.equal(served.stderr, `sgfd: ${join(corrupt, 'user_embeddings.arrow')}: corrupt (its SHA-256 differs from the one in manifest.json); re-export the model\n`);
  assert.equal(served.stdout, '');
});
