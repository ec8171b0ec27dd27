// The HTTP server loads the model-directory format and the runtime, nothing of training (issue 14):
// no file of train/, run/, sgfd/, nn/, backbones/ (nor export/, score/) in the run-time import closure of
// src/serve/http-server.ts (type-only imports are erased and do not count).
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runtimeClosure } from '../../scripts/check-layout.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const TRAINING = ['train/', 'run/', 'sgfd/', 'nn/', 'backbones/', 'export/', 'score/'];

test('the HTTP server reaches no training code at run time', () => {
  const closure = runtimeClosure(repo, 'serve/http-server.ts');
  assert.ok(closure.includes('serve/model-store.ts') && closure.includes('model/model-card.ts') && closure.includes('runtime/session.ts'), closure.join(', '));
  assert.deepEqual(closure.filter((f) => TRAINING.some((t) => f.startsWith(t))), []);
});

test('the closure follows value imports and dynamic imports, and skips type-only ones', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'sgfd-closure-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const files: Record<string, string> = {
    'serve/a.ts': "import { type T } from '../train/t.ts';\nimport type { U } from '../nn/u.ts';\nimport { x } from './b.ts';\nexport const y = () => import('../data/d.ts');\n",
    'serve/b.ts': "import { TrainStep, type S } from '../runtime/r.ts';\nexport const x = 1;\n",
    'runtime/r.ts': 'export class TrainStep {}\n', 'data/d.ts': 'export {};\n', 'train/t.ts': 'export type T = 1;\n', 'nn/u.ts': 'export type U = 1;\n',
  };
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, 'src', p)), { recursive: true });
    writeFileSync(join(root, 'src', p), text);
  }
  assert.deepEqual(runtimeClosure(root, 'serve/a.ts'), ['data/d.ts', 'runtime/r.ts', 'serve/a.ts', 'serve/b.ts']);
});
