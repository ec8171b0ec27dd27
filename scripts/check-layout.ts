// CI's shape check (issue 14): every import between src/ folders must flow down the declared
// order (../DESIGN: cli → pipeline → … → data, graph); folders on one level do not import each
// other; no cycles between files; no source file over the line budget. Edges that exist today and
// are scheduled to go (the restructuring of issue 14) are listed in scripts/layering-baseline.txt:
// they are reported but do not fail; any new one does, and so does a listed edge that is gone
// (so the list only shrinks).
//   npx tsx scripts/check-layout.ts [--root DIR] [--update-baseline]
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folders of src/, top to bottom: a folder may import only folders on a lower level. */
export const LEVELS: string[][] = [
  ['cli'],
  ['pipeline'],
  ['queue'],
  ['artifacts'],
  ['report', 'serve', 'export', 'train'],
  ['score'], // batch top-K over a run (export checks its scorer with it)
  ['run'],
  ['model'], // the exported model-directory format (what serve reads), nothing of training
  ['backbones'],
  ['sgfd', 'eval'],
  ['nn'], // builds the graphs runtime runs (train-step and forward compilers)
  ['runtime'],
  ['data', 'graph'],
];
export const MAX_LINES = 300;

const IMPORT = /(?:^|\s)(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Relative imports of one file, as paths relative to src/ (`train/run.ts`). */
function importsOf(src: string, file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) out.push(relative(src, resolve(dirname(file), m[1] ?? m[2])));
  return out;
}

/** Static (`import … from`, `export … from`) relative imports of one file, relative to src/. */
function staticImportsOf(src: string, file: string): string[] {
  const STATIC = /(?:^|\s)(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]/g;
  return [...readFileSync(file, 'utf8').matchAll(STATIC)].map((m) => relative(src, resolve(dirname(file), m[1]))).filter((t) => !t.startsWith('..'));
}

/**
 * The files `file` (relative to src/) loads at run time, transitively: imports whose names are all
 * types (`import type`, `import { type A }`) are erased by the TypeScript loader and not followed.
 */
export function runtimeClosure(root: string, file: string): string[] {
  const src = join(root, 'src');
  const RUNTIME = /(?:^|\n)\s*(?:import|export)\s+(?!type\s)([^'"]*?)from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;
  const typeOnly = (clause: string) => /^\{[^}]*\}\s*$/.test(clause.trim()) && clause.replace(/[{}\s]/g, '').split(',').filter(Boolean).every((n) => n.startsWith('type'));
  const seen = new Set<string>();
  const visit = (f: string) => {
    if (seen.has(f)) return;
    seen.add(f);
    for (const m of readFileSync(join(src, f), 'utf8').matchAll(RUNTIME)) {
      if (m[1] !== undefined && typeOnly(m[1])) continue;
      const to = relative(src, resolve(dirname(join(src, f)), m[2] ?? m[3]));
      if (!to.startsWith('..')) visit(to);
    }
  };
  visit(file);
  return [...seen].sort();
}

const folderOf = (path: string) => (path.includes('/') ? path.split('/')[0] : '.');
const levelOf = (folder: string) => LEVELS.findIndex((l) => l.includes(folder));

export interface LayoutReport { violations: string[]; entries: string[]; cycles: string[]; oversized: string[]; unknown: string[]; untested: string[] }

export function checkLayout(root: string): LayoutReport {
  const src = join(root, 'src');
  const files = sourceFiles(src).map((f) => relative(src, f)).sort();
  const graph = new Map(files.map((f) => [f, importsOf(src, join(src, f)).filter((t) => !t.startsWith('..'))]));
  const violations: string[] = [];
  const entries: string[] = [];
  const unknown = new Set<string>();
  for (const [from, targets] of graph) {
    const a = folderOf(from);
    if (levelOf(a) < 0) unknown.add(a);
    for (const to of targets) {
      const b = folderOf(to);
      if (a === b) continue;
      if (levelOf(b) < 0) { unknown.add(b); continue; }
      if (levelOf(b) <= levelOf(a)) violations.push(`${from} -> ${to} (${a} ${levelOf(b) === levelOf(a) ? 'beside' : 'below'} ${b})`);
    }
    for (const to of staticImportsOf(src, join(src, from))) {
      const b = folderOf(to);
      if (b !== a && b !== '.' && to !== `${b}/index.ts`) entries.push(`${from} -> ${to} (import ${b}/index.ts, its entry file)`);
    }
  }
  const oversized = files.filter((f) => readFileSync(join(src, f), 'utf8').split('\n').length - 1 > MAX_LINES)
    .map((f) => `${f}: ${readFileSync(join(src, f), 'utf8').split('\n').length - 1} lines (budget ${MAX_LINES})`);
  // Test folders mirror src/ (checked when the tree has a test/ folder): every src folder has its own.
  const folders = [...new Set(files.map(folderOf))].filter((f) => f !== '.');
  const untested = existsSync(join(root, 'test')) ? folders.filter((f) => !existsSync(join(root, 'test', f))).sort() : [];
  return { violations, entries, cycles: fileCycles(graph), oversized, unknown: [...unknown], untested };
}

/** One representative cycle per strongly connected component of the file import graph. */
function fileCycles(graph: Map<string, string[]>): string[] {
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, 'open');
    stack.push(f);
    for (const t of graph.get(f) ?? []) {
      if (!graph.has(t)) continue;
      if (state.get(t) === 'open') cycles.push([...stack.slice(stack.indexOf(t)), t].join(' -> '));
      else if (!state.has(t)) visit(t);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f);
  return cycles;
}

const BASELINE = fileURLToPath(new URL('./layering-baseline.txt', import.meta.url));

export function readBaseline(path = BASELINE): Set<string> {
  return new Set(existsSync(path) ? readFileSync(path, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')) : []);
}

/** Problems that fail CI (empty = pass), given today's report and the baseline of known edges. */
export function failures(r: LayoutReport, baseline: Set<string>): string[] {
  const known = (v: string) => baseline.has(v.split(' (')[0]);
  const now = new Set(r.violations.map((v) => v.split(' (')[0]));
  return [
    ...r.unknown.map((f) => `src/${f}/: a folder not in the declared order (scripts/check-layout.ts LEVELS)`),
    ...r.violations.filter((v) => !known(v)).map((v) => `upward or sideways import: src/${v}`),
    ...[...baseline].filter((e) => !now.has(e)).map((e) => `scripts/layering-baseline.txt lists ${e}, which is gone: delete the line`),
    ...r.cycles.map((c) => `import cycle: ${c}`),
    ...r.oversized.map((o) => `file over budget: src/${o}`),
    ...r.untested.map((f) => `src/${f}/ has no test/${f}/ (test folders mirror src/)`),
    ...r.entries.map((e) => `import past an entry file: src/${e}`),
  ];
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--root');
  const root = at >= 0 ? resolve(args[at + 1]) : resolve(dirname(BASELINE), '..');
  const report = checkLayout(root);
  if (args.includes('--update-baseline')) {
    writeFileSync(BASELINE, `# Imports against the declared order that exist today; issue 14's restructuring removes them.\n# CI fails on any import not listed here, and on a listed one that is gone.\n${report.violations.map((v) => v.split(' (')[0]).join('\n')}\n`);
  }
  const bad = failures(report, readBaseline());
  const listed = report.violations.length - report.violations.filter((v) => !readBaseline().has(v.split(' (')[0])).length;
  if (bad.length) {
    for (const b of bad) process.stderr.write(`check-layout: ${b}\n`);
    process.exit(1);
  }
  process.stdout.write(`check-layout: ok (${listed} known edges against the order, listed in scripts/layering-baseline.txt; no cycles; every file ≤ ${MAX_LINES} lines)\n`);
}
