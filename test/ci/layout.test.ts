// The layout check CI runs (scripts/check-layout.ts): the repository passes it; a planted upward
// import, a sideways one, a cycle, an oversized file or an unknown folder each fail it, naming the
// file; a baseline edge that is gone fails too (the list of known edges only shrinks); a src folder
// without its test folder fails, and so does a static import past another folder's entry file.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkLayout, failures, readBaseline, MAX_LINES } from '../../scripts/check-layout.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));

function tree(t: { after(fn: () => void): void }, files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'sgfd-layout-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, 'src', path)), { recursive: true });
    writeFileSync(join(root, 'src', path), text);
  }
  return root;
}

const CLEAN = {
  'cli/main.ts': "import { train } from '../train/index.ts';\nexport const lazy = () => import('../train/trainer.ts');\n",
  'train/index.ts': "export { train } from './trainer.ts';\n",
  'train/trainer.ts': "import { Graph } from '../graph/index.ts';\nexport const train = 1;\n",
  'graph/index.ts': "export { Graph } from './graph.ts';\n",
  'graph/graph.ts': 'export class Graph {}\n',
};

test('the repository passes its own layout check', () => {
  assert.deepEqual(failures(checkLayout(repo), readBaseline()), []);
});

test('a clean tree passes; an upward, a sideways import, a cycle, a big file, an unknown folder fail', (t) => {
  assert.deepEqual(failures(checkLayout(tree(t, CLEAN)), new Set()), []);
  const upward = failures(checkLayout(tree(t, { ...CLEAN, 'graph/graph.ts': "import { train } from '../train/index.ts';\nexport class Graph {}\n" })), new Set());
  assert.ok(upward.some((f) => f.startsWith('upward or sideways import: src/graph/graph.ts -> train/index.ts (graph below train)')), upward.join('\n'));
  assert.ok(upward.some((f) => f.startsWith('import cycle: ')), 'the planted edge also closes a cycle');
  const sideways = failures(checkLayout(tree(t, { ...CLEAN, 'serve/http.ts': "import { train } from '../train/index.ts';\n" })), new Set());
  assert.deepEqual(sideways, ['upward or sideways import: src/serve/http.ts -> train/index.ts (serve beside train)']);
  const deep = failures(checkLayout(tree(t, { ...CLEAN, 'cli/main.ts': "import { train } from '../train/trainer.ts';\n" })), new Set());
  assert.deepEqual(deep, ['import past an entry file: src/cli/main.ts -> train/trainer.ts (import train/index.ts, its entry file)']);
  const big = failures(checkLayout(tree(t, { ...CLEAN, 'data/big.ts': 'const x = 1;\n'.repeat(MAX_LINES + 1) })), new Set());
  assert.deepEqual(big, [`file over budget: src/data/big.ts: ${MAX_LINES + 1} lines (budget ${MAX_LINES})`]);
  const unknown = failures(checkLayout(tree(t, { ...CLEAN, 'misc/x.ts': 'export {};\n' })), new Set());
  assert.deepEqual(unknown, ['src/misc/: a folder not in the declared order (scripts/check-layout.ts LEVELS)']);
});

test('test folders mirror src/: a src folder without its test folder fails', (t) => {
  const root = tree(t, CLEAN);
  for (const f of ['cli', 'train', 'graph']) mkdirSync(join(root, 'test', f), { recursive: true });
  assert.deepEqual(failures(checkLayout(root), new Set()), []);
  rmSync(join(root, 'test', 'train'), { recursive: true });
  assert.deepEqual(failures(checkLayout(root), new Set()), ['src/train/ has no test/train/ (test folders mirror src/)']);
});

test('known edges in the baseline pass; a listed edge that is gone fails', (t) => {
  const root = tree(t, { ...CLEAN, 'serve/http.ts': "import { train } from '../train/index.ts';\n" });
  assert.deepEqual(failures(checkLayout(root), new Set(['serve/http.ts -> train/index.ts'])), []);
  assert.deepEqual(failures(checkLayout(tree(t, CLEAN)), new Set(['serve/http.ts -> train/index.ts'])),
    ['scripts/layering-baseline.txt lists serve/http.ts -> train/index.ts, which is gone: delete the line']);
});
