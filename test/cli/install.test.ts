// Install hygiene (issue 13, item 15): which dependency install scripts run is decided explicitly in
// package.json (npm's allowScripts): every package of the lockfile with an install script has an
// entry, onnxruntime-node's (a download of GPU binaries) is denied, .npmrc still skips it for npm
// versions without allowScripts, and the README keeps the explicit GPU path.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const file = (name: string) => readFileSync(fileURLToPath(new URL(`../../${name}`, import.meta.url)), 'utf8');

test('every dependency install script is explicitly allowed or denied; onnxruntime-node\'s is denied', () => {
  const pkg = JSON.parse(file('package.json')) as { allowScripts?: Record<string, boolean> };
  const lock = JSON.parse(file('package-lock.json')) as { packages: Record<string, { hasInstallScript?: boolean }> };
  const withScripts = Object.entries(lock.packages)
    .filter(([path, p]) => path !== '' && p.hasInstallScript)
    .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
  assert.ok(withScripts.includes('onnxruntime-node'));
  const policy = pkg.allowScripts ?? {};
  const decided = (name: string) => Object.keys(policy).some((k) => k === name || k.startsWith(`${name}@`));
  assert.deepEqual(withScripts.filter((n) => !decided(n)), [], 'packages whose install scripts nobody decided on');
  assert.equal(policy['onnxruntime-node'], false, 'onnxruntime-node\'s installer (GPU binaries) never runs on install');
  assert.equal(policy.esbuild, true, 'esbuild\'s binary check runs (tsx needs esbuild)');
  assert.match(file('.npmrc'), /^onnxruntime-node-install=skip$/m);
  assert.match(file('README.md'), /ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules\/onnxruntime-node\/script\/install/);
});
