// `npm run build:native`: compiles sgfd's native kernels (native/, N-API, C++17) with node-gyp into
// native/build/Release/sgfd_native.node. They are optional: without them `sgfd score` runs its
// ONNX Runtime scorer (same results, slower). node-gyp is the one npm ships; it builds against the
// Node headers npm is configured with (npm_config_nodedir), else the ones it would download.
// --if-possible (npm's prepare, on `npm install` / `npm ci`): a build that cannot run or fails only
// warns, in one line, and leaves no half-built module behind.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const NATIVE = join(ROOT, 'native');
const ifPossible = process.argv.includes('--if-possible');

function fail(why) {
  rmSync(join(NATIVE, 'build'), { recursive: true, force: true });
  console.error(`sgfd build:native: ${why}; sgfd score will use its ONNX Runtime scorer (same results, slower)`);
  process.exit(ifPossible ? 0 : 1);
}

/** node-gyp's CLI: the one npm runs scripts with, else the one bundled with this Node's npm. */
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  return candidates.find((p) => p && existsSync(p)) ?? null;
}

if (process.env.SGFD_NATIVE === '0') fail('skipped (SGFD_NATIVE=0)');
if (process.platform !== 'linux' && process.platform !== 'darwin') fail(`no build recipe for ${process.platform}`);
if (process.arch !== 'x64') fail(`the kernels are written for x86-64, this is ${process.arch}`);
const gyp = nodeGyp();
if (!gyp) fail('node-gyp not found (it comes with npm)');
const r = spawnSync(process.execPath, [gyp, 'rebuild', '--silent'], { cwd: NATIVE, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
if (r.status !== 0) {
  const why = (r.stderr ?? '').split('\n').find((l) => /error|not found|ENOENT/i.test(l))?.trim() ?? `exit ${r.status ?? r.signal}`;
  fail(`node-gyp rebuild failed (${why.slice(0, 200)})`);
}
if (!existsSync(join(NATIVE, 'build', 'Release', 'sgfd_native.node'))) fail('node-gyp produced no sgfd_native.node');
console.log('sgfd build:native: native/build/Release/sgfd_native.node is current');
